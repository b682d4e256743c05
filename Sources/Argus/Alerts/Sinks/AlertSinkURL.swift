//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A sink's URL, checked: one of the schemes the sink speaks, a host, a port from 1 to 65535.
public struct AlertSinkURL: Sendable, Hashable {
    /// The scheme, lowercased (`https`, `smtp`).
    public let scheme: String
    /// The host, as written (brackets of an IPv6 address removed).
    public let host: String
    /// The port, when the URL names one.
    public let port: Int?
    /// Everything else (path, query).
    public let components: URLComponents

    /// Reads and checks a URL setting.
    /// - Parameters:
    ///   - text: The setting's value.
    ///   - key: The setting's name, for the problem report.
    ///   - schemes: The schemes accepted.
    ///   - expected: What a good value looks like, for the problem report
    ///     (`a collector like udp://siem.lan:514`).
    /// - Throws: ``SettingProblem`` naming `key`; the value is not repeated.
    public init(_ text: String?, key: String = "url", schemes: Set<String>, expected: String) throws(SettingProblem) {
        guard let text, let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), schemes.contains(scheme),
            let host = components.host, !host.isEmpty
        else { throw SettingProblem(key, expected) }
        if let port = components.port, !(1...65_535).contains(port) { throw SettingProblem(key, "the port must be 1 to 65535") }
        self.scheme = scheme
        self.host = host
        self.port = components.port
        self.components = components
    }

    /// The host of a URL setting, for ``AlertSinkOptions/destinations`` (none when it has none).
    public static func hosts(of text: String?) -> [String] {
        text.flatMap { URLComponents(string: $0)?.host }.map { [$0] } ?? []
    }

    /// `scheme://host:port` of a URL setting, without path, query or user info: what a
    /// sink's summary may show.
    public static func origin(of text: String?) -> String? {
        guard let text, let components = URLComponents(string: text), let host = components.host else { return nil }
        return "\(components.scheme ?? "")://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }
}
