//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Alert sinks are never pointed at link-local addresses or cloud metadata services, however the
/// address is spelled and whatever the sink type; loopback and LAN addresses stay allowed.
@Suite struct SinkAddressTests {
    /// Every spelling of the metadata address once accepted, and link-local IPv6.
    static let refused = [
        "169.254.169.254", "[::ffff:169.254.169.254]", "0xA9FEA9FE", "2852039166", "0251.0376.0251.0376", "169.254.43518",
        "[fe80::1]", "[FE80::1]", "[::ffff:a9fe:a9fe]", "metadata.google.internal", "METADATA.google.internal.", "[fd00:ec2::254]", "100.100.100.200",
    ]

    @Test(arguments: refused)
    func aLinkLocalOrMetadataHostIsRefusedForEverySinkType(host: String) throws {
        for (type, url, extra) in [
            ("webhook", "http://\(host)/latest/meta-data", ""),
            ("gotify", "https://\(host):8443/message", ", secret: t"),
            ("syslog", "udp://\(host):514", ""),
            ("email", "smtp://\(host):25", ", from: argus@example.org, to: [ops@example.org]"),
            ("mqtt", "mqtt://\(host):1883", ""),
        ] {
            let yaml = "alerts:\n  sinks:\n    - {name: s, type: \(type), url: '\(url)'\(extra)}"
            let problem = #expect(throws: ServerConfiguration.Problem.self, "\(type) \(host)") { try ServerConfiguration.load(yaml: yaml) }
            let text = problem.map { "\($0)" } ?? ""
            #expect(text.contains("alerts.sinks[0].url") && (text.contains("link-local") || text.contains("metadata")), "\(text)")
        }
    }

    @Test(arguments: ["127.0.0.1", "[::1]", "192.168.1.10", "10.0.0.5", "ntfy.lan", "169.254.example.org", "[2001:db8::7]"])
    func loopbackLANAndNamesStayAllowed(host: String) throws {
        let configuration = try ServerConfiguration.load(yaml: "alerts:\n  sinks:\n    - {name: s, type: webhook, url: 'http://\(host):8080/hook'}")
        #expect(configuration.alertSinks.count == 1)
    }

    @Test func theAPIRefusesAMetadataSinkToo() async throws {
        let server = try await TestServer(sinkFactory: { KeepingSink(name: $0.name) })
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            let body: [String: Any] = ["name": "cloud", "type": "webhook", "url": "http://[::ffff:169.254.169.254]/latest/meta-data"]
            let response = try await client.execute(uri: "/api/alerts/sinks", method: .post, headers: browser.headers, body: json(body))
            let answer = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect(
                response.status == .unprocessableContent && (answer?["field"] as? String)?.hasSuffix("url") == true,
                "\(String(buffer: response.body))")
            #expect(await server.server.services.sinks.list().isEmpty)
        }
    }
}
