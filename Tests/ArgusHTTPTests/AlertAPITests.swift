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
import Synchronization
import Testing

/// A sink that keeps what it gets, or refuses everything.
final class KeepingSink: AlertSink {
    let name: String
    let refuses: Bool
    let received = Mutex<[Alert]>([])

    init(name: String, refuses: Bool = false) {
        self.name = name
        self.refuses = refuses
    }

    struct Refused: Error, CustomStringConvertible { var description: String { "the receiver is down" } }

    func deliver(_ alert: Alert) async throws {
        if refuses { throw Refused() }
        received.withLock { $0.append(alert) }
    }
}

@Suite struct AlertAPITests {
    @Test func scansQueueAlertsAndSinksCanBeTested() async throws {
        let good = KeepingSink(name: "ops"), down = KeepingSink(name: "pager", refuses: true)
        let server = try await TestServer(alertSinks: [good, down])
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            _ = try await InventoryAPITests.scan(client, server, headers: headers)
            let listed = try await client.object("/api/alerts/sinks", headers: headers)
            #expect((listed.1["sinks"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() == ["ops", "pager"])
            let pending = try #require(listed.1["pending"] as? Int)
            #expect(pending >= 2, "the scan's alerts are queued for both sinks")
            let round = try await server.server.services.alerts.deliverDue()
            #expect(round.delivered == pending / 2 && round.failed == 1, "the dead sink is tried once per round")
            #expect(good.received.withLock { $0.map(\.kind) }.contains(.newDevice))
            let sent = try await client.object("/api/alerts/sinks/ops/test", method: .post, headers: headers)
            #expect(sent.0 == .ok && good.received.withLock { $0.last?.kind } == .test)
            let failed = try await client.object("/api/alerts/sinks/pager/test", method: .post, headers: headers)
            #expect(failed.0 == .badGateway && (failed.1["detail"] as? String)?.contains("the receiver is down") == true)
            #expect(try await client.execute(uri: "/api/alerts/sinks/nope/test", method: .post, headers: headers).status == .notFound)
            let page = String(buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: headers[.cookie]!]).body)
            #expect(page.contains("Send a test") && page.contains("alerts wait in the outbox"))
        }
    }

    @Test func alertSinksFromConfig() throws {
        let configuration = try ServerConfiguration.load(yaml: """
            alerts:
              min_severity: warning
              sinks:
                - name: ops
                  type: webhook
                  url: https://example.org/hook
                  secret: abc
                - name: script
                  type: command
                  command: /usr/local/bin/notify
                  arguments: [--quiet]
            """)
        #expect(configuration.alertMinimumSeverity == .warning)
        #expect(configuration.alertSinks.map(\.name) == ["ops", "script"])
        #expect(configuration.alertSinks[1].arguments == ["--quiet"])
        for (yaml, message) in [
            ("alerts:\n  sinks:\n    - name: a\n      type: fax\n      url: https://x", "alerts.sinks[0].type"),
            ("alerts:\n  sinks:\n    - name: a\n      type: webhook\n      url: ftp://x", "alerts.sinks[0].url"),
            ("alerts:\n  sinks:\n    - name: a\n      type: command\n      command: notify", "alerts.sinks[0].command"),
            ("alerts:\n  sinks:\n    - {name: a, type: slack, url: 'https://x'}\n    - {name: a, type: slack, url: 'https://y'}", "used twice"),
            ("alerts:\n  sinks:\n    - {name: a, type: slack, url: 'https://x', token: z}", "alerts.sinks[0].token"),
            ("alerts:\n  min_severity: loud", "alerts.min_severity"),
        ] {
            #expect(throws: ServerConfiguration.Problem.self, "\(yaml)") { try ServerConfiguration.load(yaml: yaml) }
            do { _ = try ServerConfiguration.load(yaml: yaml) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }
}

@Suite struct IntegrationFileTests {
    @Test func theGrafanaDashboardQueriesOnlySeriesThatMetricsServes() async throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/Integrations/grafana-dashboard.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let expressions = (dashboard["panels"] as? [[String: Any]] ?? []).flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 8)
        let used = Set(expressions.flatMap { expression in
            expression.matches(of: /argus_[a-z_]+/).map { String($0.output) }
        })
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            _ = try await InventoryAPITests.scan(client, server, headers: headers)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: headers).body)
            let served = Set(metrics.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
            #expect(used.isSubset(of: served), "not served: \(used.subtracting(served).sorted())")
        }
    }
}
