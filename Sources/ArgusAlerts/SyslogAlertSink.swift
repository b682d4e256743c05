//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Alerts as RFC 5424 syslog messages, for SIEMs: over UDP (one datagram each) or TCP (octet
/// counting, RFC 6587). The alert's id, kind and device travel as structured data.
///
/// `<PRI>1 2026-11-29T12:00:00.000Z host argus 4242 device_added [argus@32473 id="…" ip="…"] message`
public struct SyslogAlertSink: AlertSink, CustomStringConvertible {
    /// The transport.
    public enum Transport: String, Sendable, Codable {
        /// One datagram per alert.
        case udp
        /// A stream, messages framed by their length.
        case tcp
    }

    public let name: String
    /// The collector's host.
    public let host: String
    /// Its port (514 by convention).
    public let port: UInt16
    /// UDP or TCP.
    public let transport: Transport
    /// The syslog facility (16 = local0).
    public let facility: Int
    /// Resolves the host when a delivery connects, refusing addresses no sink may reach (the
    /// system's resolver unless a test gives its own).
    public var resolver: SinkHostResolver = .system

    /// Creates a sink.
    public init(name: String, host: String, port: UInt16 = 514, transport: Transport = .udp, facility: Int = 16) {
        self.name = name
        self.host = host
        self.port = port
        self.transport = transport
        self.facility = min(max(facility, 0), 23)
    }

    public var description: String { "syslog \(name) → \(transport.rawValue)://\(host):\(port)" }

    /// A failed send.
    public struct SendError: Error, CustomStringConvertible {
        /// For people.
        public var description: String
    }

    public func deliver(_ alert: Alert) async throws {
        let message = Self.format(alert, facility: facility, hostname: Self.hostname, processID: Int(getpid()))
        let (host, port, transport) = (host, port, transport)
        // Resolved and checked once, and sent to that address only (no DNS rebinding).
        let addresses: [SocketAddress]
        do {
            addresses = try await resolver.addresses(of: host, port: Int(port))
        } catch {
            throw SendError(description: "\(error)")
        }
        try await Task.detached {
            try Self.send(message, to: addresses[0], host: host, port: port, transport: transport)
        }.value
    }

    static var hostname: String {
        var buffer = [UInt8](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "-" }
        let name = String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
        return name.isEmpty ? "-" : String(name.prefix(255))
    }

    /// The RFC 5424 line for an alert.
    public static func format(_ alert: Alert, facility: Int, hostname: String, processID: Int, at date: Date = Date()) -> String {
        let severity =
            switch alert.severity {
            case .critical: 2
            case .warning: 4
            case .info: 6
            }
        var data = "[argus@32473 id=\"\(escape(alert.id))\" kind=\"\(alert.kind.rawValue)\""
        if let ip = alert.device?.ip { data += " ip=\"\(escape(ip))\"" }
        if let mac = alert.device?.mac { data += " mac=\"\(escape(mac))\"" }
        if let name = alert.device?.name { data += " device=\"\(escape(name))\"" }
        data += "]"
        let timestamp = date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        let text = alert.message.replacingOccurrences(of: "\n", with: " ")
        return "<\(facility * 8 + severity)>1 \(timestamp) \(hostname) argus \(processID) \(alert.kind.rawValue) \(data) \(text)"
    }

    /// Escapes a structured-data value (`"`, `\` and `]`).
    static func escape(_ value: String) -> String {
        var result = ""
        for character in value {
            if character == "\"" || character == "\\" || character == "]" { result.append("\\") }
            result.append(character)
        }
        return result
    }

    private static func send(_ message: String, to address: SocketAddress, host: String, port: UInt16, transport: Transport) throws {
        let family = address.protocol == .inet6 ? AF_INET6 : AF_INET
        let socket = Glibc.socket(family, Int32(transport == .udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SendError(description: "no socket: \(String(cString: strerror(errno)))") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let status = address.withSockAddr { pointer, length in connect(socket, pointer, socklen_t(length)) }
        guard status == 0 else {
            throw SendError(description: "cannot reach \(host):\(port): \(String(cString: strerror(errno)))")
        }
        let bytes = Array((transport == .tcp ? "\(message.utf8.count) \(message)" : message).utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw SendError(description: "sending to \(host):\(port) failed: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }
}
