//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import NIOCore
import NIOPosix

/// Resolves a sink's host name when a delivery connects, and refuses the delivery when the name
/// resolves to an address no sink may reach (``SinkAddressRules``: link-local addresses, where
/// cloud metadata services answer). A name that passed the checks when the sink was configured
/// can later be pointed at another address (DNS rebinding); every sink connects only to an
/// address checked here, the one it then uses.
///
/// Loopback and LAN addresses stay allowed: a receiver on the same machine or network is a
/// documented use.
///
/// ```swift
/// let addresses = try await SinkHostResolver.system.addresses(of: "hooks.example.net", port: 443)
/// ```
public struct SinkHostResolver: Sendable {
    /// Looks up a host (a name or an address literal) and a port.
    let lookup: @Sendable (_ host: String, _ port: Int) async throws -> [SocketAddress]

    /// A resolver that looks names up with `lookup` (a test's own names, say).
    public init(_ lookup: @escaping @Sendable (_ host: String, _ port: Int) async throws -> [SocketAddress]) {
        self.lookup = lookup
    }

    /// The system's resolver (``HostResolver``: `getaddrinfo`, with `/etc/hosts`), run off the
    /// event loops.
    public static let system = SinkHostResolver { host, port in
        try await NIOThreadPool.singleton.runIfActive {
            try HostResolver.addresses(of: host).map { try SocketAddress(ipAddress: $0, port: port) }
        }
    }

    /// The addresses of `host` that a sink may connect to, in the resolver's order.
    /// - Throws: ``SinkAddressError`` when the host does not resolve, or resolves to any
    ///   address no sink may reach.
    public func addresses(of host: String, port: Int) async throws -> [SocketAddress] {
        var bare = host
        if bare.hasPrefix("["), bare.hasSuffix("]") { bare = String(bare.dropFirst().dropLast()) }
        let addresses: [SocketAddress]
        do {
            addresses = try await lookup(bare, port)
        } catch let error as SinkAddressError {
            throw error
        } catch {
            throw SinkAddressError("cannot resolve \(host): \(error)")
        }
        guard !addresses.isEmpty else { throw SinkAddressError("cannot resolve \(host): no address") }
        for address in addresses {
            guard let ip = address.ipAddress else { throw SinkAddressError("\(host) resolves to an address that is not IPv4 or IPv6") }
            if let reason = SinkAddressRules.refusal(forHost: ip) {
                throw SinkAddressError(ip == bare ? reason : "\(host) resolves to an address no alert sink may reach: \(reason)")
            }
        }
        return addresses
    }
}
