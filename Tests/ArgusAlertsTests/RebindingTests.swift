//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAlerts
import Foundation
import NIOCore
import Testing

/// A sink's host name is resolved and checked when a delivery connects, and the delivery goes
/// to that address: a name pointed at a metadata service after the sink was configured (DNS
/// rebinding) is refused, for every sink type that connects anywhere.
@Suite(.serialized) struct RebindingTests {
    /// A resolver of the test's own: the names it knows, and where they point now.
    static func resolver(_ table: [String: String]) -> SinkHostResolver {
        SinkHostResolver { host, port in
            guard let address = table[host] else { throw SinkAddressError("cannot resolve \(host)") }
            return [try SocketAddress(ipAddress: address, port: port)]
        }
    }

    static let alert = Alert(id: "rebind-1", kind: .test, severity: .info, title: "Argus test alert", message: "A test.")

    /// The names, each pointed at a metadata or link-local address in another spelling.
    static let rebound = resolver([
        "hooks.rebind.test": "169.254.169.254", "mail.rebind.test": "::ffff:169.254.169.254", "broker.rebind.test": "fe80::1",
        "siem.rebind.test": "100.100.100.200",
    ])

    @Test func aNameResolvingToAMetadataAddressIsRefusedWhenTheSinkConnects() async throws {
        var http = try HTTPAlertSink(name: "hook", service: .webhook, url: "https://hooks.rebind.test/hook", timeout: .seconds(2))
        http.resolver = Self.rebound
        var mail = try SMTPAlertSink(name: "mail", host: "mail.rebind.test", security: .none, from: "argus@lab.test", to: ["owner@lab.test"])
        mail.resolver = Self.rebound
        var mqtt = try MQTTAlertSink(name: "mqtt", host: "broker.rebind.test", timeout: .seconds(2))
        mqtt.resolver = Self.rebound
        var udp = SyslogAlertSink(name: "siem", host: "siem.rebind.test", transport: .udp)
        udp.resolver = Self.rebound
        var tcp = SyslogAlertSink(name: "siem-tcp", host: "hooks.rebind.test", transport: .tcp)
        tcp.resolver = Self.rebound
        let cases: [(any AlertSink, String, String)] = [
            (http, "hooks.rebind.test", "169.254.169.254"), (mail, "mail.rebind.test", "169.254.169.254"), (mqtt, "broker.rebind.test", "fe80::1"),
            (udp, "siem.rebind.test", "100.100.100.200"), (tcp, "hooks.rebind.test", "169.254.169.254"),
        ]
        for (sink, name, address) in cases {
            do {
                try await sink.deliver(Self.alert)
                Issue.record("\(sink.name) delivered to \(name), which resolves to \(address)")
            } catch {
                let text = "\(error)"
                #expect(text.contains("\(name) resolves to an address no alert sink may reach"), "\(sink.name): \(text)")
                #expect(text.contains(address) || text.contains("metadata"), "\(sink.name): \(text)")
            }
        }
    }

    @Test func theCheckedAddressIsTheOneConnectedTo() async throws {
        // receiver.rebind.test exists only in this resolver: the webhook reaches the local
        // receiver only by connecting to the address that was checked.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-rebind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = Int.random(in: 40_000...49_000)
        let received = folder.appendingPathComponent("received.jsonl")
        let server = try await WebhookTests.startReceiver(port: port, secret: "s3cret", in: folder, recordingTo: received)
        defer { server.stop() }
        var sink = try HTTPAlertSink(
            name: "hook", service: .webhook, url: "http://receiver.rebind.test:\(port)/hook", secret: "s3cret", timeout: .seconds(5))
        sink.resolver = Self.resolver(["receiver.rebind.test": "127.0.0.1"])
        try await sink.deliver(Self.alert)
        let lines = try String(contentsOf: received, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("rebind-1"))
        // Pointed elsewhere later, the same sink is refused before anything is sent.
        sink.resolver = Self.resolver(["receiver.rebind.test": "169.254.169.254"])
        await #expect(throws: SinkAddressError.self) { try await sink.deliver(Self.alert) }
        #expect(try String(contentsOf: received, encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test func theSystemResolverKeepsLoopbackAndRefusesLinkLocalInAnySpelling() async throws {
        let loopback = try await SinkHostResolver.system.addresses(of: "localhost", port: 80)
        #expect(loopback.contains { $0.ipAddress == "127.0.0.1" || $0.ipAddress == "::1" })
        #expect(try await SinkHostResolver.system.addresses(of: "[::1]", port: 80).map(\.ipAddress) == ["::1"])
        for spelling in ["169.254.169.254", "[::ffff:169.254.169.254]", "[fe80::1]"] {
            await #expect(throws: SinkAddressError.self, "\(spelling)") { try await SinkHostResolver.system.addresses(of: spelling, port: 80) }
        }
    }
}
