//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// One port of a host as nmap reported it (`<port>`).
public struct PortObservation: Sendable, Codable, Hashable {
    /// The transport protocol.
    public var `protocol`: TransportProtocol
    /// The port number (or IP protocol number for an IP protocol scan).
    public var number: Int
    /// The port's state and the reason for it.
    public var state: PortState
    /// The user owning the service (ident scan, `-I`), rarely present.
    public var owner: String?
    /// What runs on the port, when nmap knows or guesses.
    public var service: Service?
    /// Results of port scripts (`portrule` NSE scripts).
    public var scripts: [ScriptResult]

    /// Creates a port observation.
    public init(
        protocol: TransportProtocol, number: Int, state: PortState, owner: String? = nil, service: Service? = nil, scripts: [ScriptResult] = []
    ) {
        self.protocol = `protocol`
        self.number = number
        self.state = state
        self.owner = owner
        self.service = service
        self.scripts = scripts
    }
}

/// A transport protocol nmap scans.
public enum TransportProtocol: String, Sendable, Codable, Hashable, CaseIterable {
    /// TCP.
    case tcp
    /// UDP.
    case udp
    /// SCTP.
    case sctp
    /// An IP protocol scan (`-sO`): the "port" is the protocol number.
    case ip
}

/// A port's state (`<state>`).
public struct PortState: Sendable, Codable, Hashable {
    /// The state.
    public var state: State
    /// Why nmap decided so, e.g. `syn-ack`, `reset`, `no-response`.
    public var reason: String?
    /// The TTL of the reply that decided it.
    public var reasonTTL: Int?
    /// The address that sent the deciding reply, when it is not the target.
    public var reasonIP: String?

    /// Creates a port state.
    public init(state: State, reason: String? = nil, reasonTTL: Int? = nil, reasonIP: String? = nil) {
        self.state = state
        self.reason = reason
        self.reasonTTL = reasonTTL
        self.reasonIP = reasonIP
    }

    /// The states nmap distinguishes.
    public enum State: String, Sendable, Codable, Hashable, CaseIterable {
        /// Something accepts connections.
        case open
        /// Reachable, nothing listening.
        case closed
        /// A filter drops the probes.
        case filtered
        /// Reachable, open or closed not determined (ACK scan).
        case unfiltered
        /// Open or filtered, not determined (UDP, FIN, …).
        case openFiltered = "open|filtered"
        /// Closed or filtered, not determined (idle scan).
        case closedFiltered = "closed|filtered"
    }
}

/// What runs on a port (`<service>`).
public struct Service: Sendable, Codable, Hashable {
    /// nmap's service name, e.g. `ssh`, `http`.
    public var name: String
    /// The product, e.g. `OpenSSH`.
    public var product: String?
    /// The product version as the service announced it, e.g. `8.9p1 Ubuntu 3ubuntu0.6`.
    public var version: String?
    /// Further details, e.g. `protocol 2.0`.
    public var extraInfo: String?
    /// The host name the service announced.
    public var hostname: String?
    /// The operating system the service suggests.
    public var osType: String?
    /// The device type the service suggests, e.g. `printer`.
    public var deviceType: String?
    /// A tunnel the service runs in, normally `ssl`.
    public var tunnel: String?
    /// `table` when guessed from the port number, `probed` when version detection matched.
    public var method: Method?
    /// nmap's confidence, 0–10.
    public var confidence: Int?
    /// The RPC protocol (`rpc`), for RPC services.
    public var rpcProtocol: String?
    /// The RPC program number.
    public var rpcNumber: Int?
    /// The lowest RPC version.
    public var rpcLowVersion: Int?
    /// The highest RPC version.
    public var rpcHighVersion: Int?
    /// nmap's service fingerprint, for services it could not identify.
    public var fingerprint: String?
    /// CPE names of the product and platform, e.g. `cpe:/a:openbsd:openssh:8.9p1`.
    public var cpes: [String]

    /// Creates a service record.
    public init(
        name: String, product: String? = nil, version: String? = nil, extraInfo: String? = nil, method: Method? = nil, confidence: Int? = nil,
        cpes: [String] = []
    ) {
        self.name = name
        self.product = product
        self.version = version
        self.extraInfo = extraInfo
        self.method = method
        self.confidence = confidence
        self.cpes = cpes
    }

    /// How nmap identified a service.
    public enum Method: String, Sendable, Codable, Hashable {
        /// From the port number alone.
        case table
        /// From the service's answers to probes.
        case probed
    }

    /// Product and version for people, e.g. "OpenSSH 8.9p1 (protocol 2.0)".
    public var summary: String {
        var parts: [String] = []
        if let product { parts.append(product) }
        if let version { parts.append(version) }
        if let extraInfo { parts.append("(\(extraInfo))") }
        return parts.isEmpty ? name : parts.joined(separator: " ")
    }
}
