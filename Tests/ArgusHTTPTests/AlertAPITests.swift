//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAlerts
import ArgusHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import Yams

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
        let good = KeepingSink(name: "ops")
        let down = KeepingSink(name: "pager", refuses: true)
        let server = try await TestServer(configure: { $0.alertSummarizeFirstScan = false }, alertSinks: [good, down])
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            _ = try await InventoryAPITests.scan(client, server, headers: headers)
            let listed = try await client.object("/api/alerts/sinks", headers: headers)
            #expect((listed.1["sinks"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted() == ["ops", "pager"])
            let pending = try #require(listed.1["pending"] as? Int)
            #expect(pending >= 2, "the scan's alerts are queued for both sinks")
            let round = try await server.server.services.alerts.deliverDue()
            #expect(round.delivered == pending / 2 && round.failed == 1, "the dead sink is tried once per round")
            #expect(good.received.withLock { $0.map(\.kind) }.contains(.deviceAdded))
            let sent = try await client.object("/api/alerts/sinks/ops/test", method: .post, headers: headers)
            #expect(sent.0 == .ok && good.received.withLock { $0.last?.kind } == .test)
            let failed = try await client.object("/api/alerts/sinks/pager/test", method: .post, headers: headers)
            #expect(failed.0 == .badGateway && (failed.1["detail"] as? String)?.contains("the receiver is down") == true)
            #expect(try await client.execute(uri: "/api/alerts/sinks/nope/test", method: .post, headers: headers).status == .notFound)
            let page = String(buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: headers[.cookie]!]).body)
            #expect(page.contains("Send a test") && page.contains("alerts wait in the outbox"))
            #expect(page.contains("Delivery log") && page.contains("retrying") && page.contains("delivered"))

            // The delivery log: what went where, and what waits for a retry.
            let log = try await client.object("/api/alerts?limit=50", headers: headers)
            let deliveries = try #require(log.1["deliveries"] as? [[String: Any]])
            #expect(deliveries.count == pending)
            #expect(
                deliveries.contains {
                    $0["sink"] as? String == "ops" && $0["status"] as? String == "delivered" && $0["kind"] as? String == "device_added"
                })
            #expect(
                deliveries.contains {
                    $0["sink"] as? String == "pager" && $0["status"] as? String == "retrying"
                        && ($0["last_error"] as? String)?.contains("the receiver is down") == true
                })
            #expect(try await client.execute(uri: "/api/alerts?limit=0", method: .get, headers: headers).status == .unprocessableContent)
        }
    }

    @Test func sinksCanBeAddedAndRemovedThroughTheAPIAndOutliveARestart() async throws {
        let made = Mutex<[String: KeepingSink]>([:])
        let factory: @Sendable (AlertSinkConfiguration) throws -> any AlertSink = { settings in
            let sink = KeepingSink(name: settings.name)
            made.withLock { $0[settings.name] = sink }
            return sink
        }
        let server = try await TestServer(alertSinks: [KeepingSink(name: "ops")], sinkFactory: factory)
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let added = try await client.object(
                "/api/alerts/sinks", method: .post, headers: headers,
                body: json([
                    "name": "hook", "type": "webhook", "url": "https://hooks.example.org/argus", "secret": "hunter2-secret", "digest_minutes": 30,
                ]))
            #expect(added.0 == .created, "\(added.1)")
            let listed = try #require(try await client.object("/api/alerts/sinks", headers: headers).1["sinks"] as? [[String: Any]])
            #expect(listed.map { "\($0["name"] ?? "")/\($0["source"] ?? "")" }.sorted() == ["hook/api", "ops/config"])
            #expect(!"\(listed)".contains("hunter2"), "secrets stay out of answers")
            #expect(await server.server.services.alerts.policy(for: "hook").digestInterval == 1_800)

            // Alerts of the next scan are queued for it too, and it can be tested.
            _ = try await InventoryAPITests.scan(client, server, headers: headers)
            let log = try await client.object("/api/alerts", headers: headers).1["deliveries"] as? [[String: Any]] ?? []
            #expect(log.contains { $0["sink"] as? String == "hook" })
            #expect(try await client.object("/api/alerts/sinks/hook/test", method: .post, headers: headers).0 == .ok)
            #expect(made.withLock { $0["hook"]?.received.withLock { $0.last?.kind } } == .test)

            // Refusals, each naming its reason.
            for (body, status, field) in [
                (["name": "ops", "type": "slack", "url": "https://x.example"], HTTPResponse.Status.conflict, "name"),
                (["name": "run", "type": "command"], .unprocessableContent, "type"),
                (["name": "bad", "type": "webhook", "url": "ftp://x"], .unprocessableContent, "url"),
                (["name": "has space", "type": "webhook", "url": "https://x.example"], .unprocessableContent, "name"),
                (["name": "mail", "type": "email", "url": "smtp://mail.example", "to": ["a@example.org"]], .unprocessableContent, "from"),
                (["name": "q", "type": "webhook", "url": "https://x.example", "quiet_hours": "late"], .unprocessableContent, "quiet_hours"),
            ] as [([String: Any], HTTPResponse.Status, String)] {
                let refused = try await client.object("/api/alerts/sinks", method: .post, headers: headers, body: json(body))
                #expect(refused.0 == status && refused.1["field"] as? String == field, "\(body): \(refused)")
            }

            // Kept in the store: a server started later on it has the sink again.
            let restarted = ArgusServer(
                configuration: ServerConfiguration(), store: server.store, accounts: server.accounts, alertSinks: [],
                sinkTypes: AlertSinkRegistry.standard.building(factory))
            try await restarted.services.sinks.restore()
            #expect(await restarted.services.alerts.sinkNames == ["hook"])

            #expect(try await client.execute(uri: "/api/alerts/sinks/hook", method: .delete, headers: headers).status == .noContent)
            #expect(try await client.execute(uri: "/api/alerts/sinks/hook", method: .delete, headers: headers).status == .notFound)
            #expect(try await client.execute(uri: "/api/alerts/sinks/ops", method: .delete, headers: headers).status == .conflict)
            #expect(await server.server.services.alerts.sinkNames == ["ops"])
        }
    }

    @Test func acknowledgingChangesWithdrawsTheirWaitingAlerts() async throws {
        let good = KeepingSink(name: "ops")
        // Quiet all day long: every non-critical alert waits.
        let server = try await TestServer(
            configure: {
                $0.alertQuietHours = try? QuietHours("00:00-23:59")
                $0.alertSummarizeFirstScan = false
            }, alertSinks: [good])
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let scan = try await InventoryAPITests.scan(client, server, headers: headers)
            let changes = try await client.array("/api/changes?scan_id=\(scan)", headers: headers)
            let waiting = try await server.server.services.alerts.deliverDue()
            #expect(waiting.held > 0 && waiting.delivered < changes.count)
            let acknowledged = try await client.object(
                "/api/changes/acknowledge", method: .post, headers: headers, body: json(["ids": changes.compactMap { $0["id"] as? Int }]))
            #expect(acknowledged.1["updated"] as? Int == changes.count)
            let log = try await client.object("/api/alerts", headers: headers).1["deliveries"] as? [[String: Any]] ?? []
            #expect(log.contains { $0["reason"] as? String == "acknowledged" })
            #expect(log.allSatisfy { $0["status"] as? String != "pending" }, "nothing acknowledged still waits")
            let before = good.received.withLock { $0.count }
            #expect(try await server.server.services.alerts.deliverDue(at: Date().addingTimeInterval(86_400)).delivered == 0)
            #expect(good.received.withLock { $0.count } == before)
        }
    }

    @Test func alertsCanBeSnoozedForEverythingOrOneDevice() async throws {
        let good = KeepingSink(name: "ops")
        let server = try await TestServer(configure: { $0.alertSummarizeFirstScan = false }, alertSinks: [good])
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            #expect(try await client.object("/api/alerts/snooze", headers: headers).1["devices"] as? [Any] != nil)
            let all = try await client.object("/api/alerts/snooze", method: .post, headers: headers, body: json(["minutes": 60]))
            #expect(all.0 == .ok && all.1["all_until"] is String)
            _ = try await InventoryAPITests.scan(client, server, headers: headers)
            let round = try await server.server.services.alerts.deliverDue()
            #expect(round.delivered == 0 && round.suppressed > 0, "snoozed alerts are settled unsent")
            #expect(good.received.withLock { $0.isEmpty })
            let log = try await client.object("/api/alerts", headers: headers).1["deliveries"] as? [[String: Any]] ?? []
            #expect(
                !log.isEmpty
                    && log.allSatisfy { $0["status"] as? String == "suppressed" && ($0["reason"] as? String)?.hasPrefix("snoozed until") == true })

            // One device, then lifted.
            let lifted = try await client.object("/api/alerts/snooze", method: .delete, headers: headers)
            #expect(lifted.0 == .ok && lifted.1["all_until"] == nil)
            let id = try #require((try await client.object("/api/devices", headers: headers).1["items"] as? [[String: Any]])?.first?["id"] as? Int)
            let device = try await client.object("/api/alerts/snooze", method: .post, headers: headers, body: json(["minutes": 30, "device_id": id]))
            #expect((device.1["devices"] as? [[String: Any]])?.first?["device_id"] as? Int == id, "\(device)")
            let page = String(buffer: try await client.execute(uri: "/devices/\(id)", method: .get, headers: [.cookie: headers[.cookie]!]).body)
            #expect(page.contains("Alerts snoozed until") && page.contains("Lift the snooze"))
            #expect(try await client.execute(uri: "/api/alerts/snooze?device_id=\(id)", method: .delete, headers: headers).status == .ok)
            #expect((try await client.object("/api/alerts/snooze", headers: headers).1["devices"] as? [Any])?.isEmpty == true)

            // Bad requests are named.
            #expect(
                try await client.object("/api/alerts/snooze", method: .post, headers: headers, body: json(["minutes": 0])).0 == .unprocessableContent)
            #expect(
                try await client.object("/api/alerts/snooze", method: .post, headers: headers, body: json(["minutes": 10, "device_id": 999])).0
                    == .notFound)
            #expect(
                try await client.execute(uri: "/api/alerts/snooze?device_id=abc", method: .delete, headers: headers).status == .unprocessableContent)
        }
    }

    @Test func alertSinksFromConfig() throws {
        let configuration = try ServerConfiguration.load(
            yaml: """
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
        #expect(configuration.alertSinks[1].options(as: CommandAlertSink.Options.self)?.arguments == ["--quiet"])

        let full = try ServerConfiguration.load(
            yaml: """
                alerts:
                  quiet_hours: "22:30-06:45"
                  quiet_hours_breakthrough: warning
                  offline_grace_minutes: 20
                  zone_offline_grace_minutes: {servers: 5}
                  device_offline_grace_minutes: {"AA:BB:CC:DD:EE:FF": 120}
                  sinks:
                    - {name: mail, type: email, url: "smtps://mail.lan", from: argus@lan, to: [me@lan, you@lan], username: argus, password: pw, digest_minutes: 60}
                    - {name: ha, type: mqtt, url: "mqtt://broker.lan", discovery_prefix: "", quiet_hours: "23:00-07:00"}
                    - {name: tg, type: telegram, secret: "123:abc", to: "-100"}
                    - {name: po, type: pushover, secret: app, to: user}
                """)
        #expect(full.alertQuietHours?.description == "22:30-06:45")
        #expect(
            full.offlineGrace.period(
                for: Device(id: DeviceID(1), mac: "aa:bb:cc:dd:ee:ff", ip: "192.0.2.1", firstSeen: Date(), lastSeen: Date(), zone: "servers"))
                == 7_200)
        #expect(full.offlineGrace.period(for: Device(id: DeviceID(2), ip: "192.0.2.2", firstSeen: Date(), lastSeen: Date(), zone: "servers")) == 300)
        #expect(full.offlineGrace.standard == 1_200)
        let mail = full.deliveryPolicy(for: full.alertSinks[0])
        #expect(mail.digestInterval == 3_600 && mail.quietHours?.description == "22:30-06:45" && mail.quietHours?.breakthrough == .warning)
        #expect(full.deliveryPolicy(for: full.alertSinks[1]).quietHours?.description == "23:00-07:00")
        #expect(
            full.alertSinks[0].options(as: SMTPAlertSink.Options.self)?.to == ["me@lan", "you@lan"]
                && full.alertSinks[1].options(as: MQTTAlertSink.Options.self)?.discoveryPrefix == "")
        #expect(full.alertSinks[2].options(as: HTTPAlertSink.Options.self)?.to == ["-100"])
        for (yaml, message) in [
            ("alerts:\n  sinks:\n    - name: a\n      type: fax\n      url: https://x", "alerts.sinks[0].type"),
            ("alerts:\n  sinks:\n    - name: a\n      type: webhook\n      url: ftp://x", "alerts.sinks[0].url"),
            ("alerts:\n  sinks:\n    - name: a\n      type: command\n      command: notify", "alerts.sinks[0].command"),
            ("alerts:\n  sinks:\n    - {name: a, type: slack, url: 'https://x'}\n    - {name: a, type: slack, url: 'https://y'}", "used twice"),
            ("alerts:\n  sinks:\n    - {name: a, type: slack, url: 'https://x', token: z}", "alerts.sinks[0].token"),
            ("alerts:\n  min_severity: loud", "alerts.min_severity"),
            ("alerts:\n  quiet_hours: 22-7", "alerts.quiet_hours"),
            ("alerts:\n  offline_grace_minutes: -1", "alerts.offline_grace_minutes"),
            ("alerts:\n  offline_grace_minutes: 99999999999999", "alerts.offline_grace_minutes"),
            ("alerts:\n  sinks:\n    - {name: s, type: syslog, url: 'udp://siem.lan:70000'}", "alerts.sinks[0].url: the port must be 1 to 65535"),
            ("alerts:\n  zone_offline_grace_minutes: {servers: soon}", "alerts.zone_offline_grace_minutes.servers"),
            ("alerts:\n  sinks:\n    - {name: m, type: email, url: 'smtp://mail.lan:587', to: [a@b.c]}", "alerts.sinks[0].from"),
            ("alerts:\n  sinks:\n    - {name: m, type: email, url: 'http://mail.lan', from: a@b.c, to: [a@b.c]}", "alerts.sinks[0].url"),
            ("alerts:\n  sinks:\n    - {name: m, type: email, url: 'smtp://mail.lan', from: a@b.c}", "alerts.sinks[0].to"),
            ("alerts:\n  sinks:\n    - {name: q, type: mqtt, url: 'tcp://broker'}", "alerts.sinks[0].url"),
            ("alerts:\n  sinks:\n    - {name: t, type: telegram, secret: '1:abc'}", "chat id"),
            ("alerts:\n  sinks:\n    - {name: p, type: pushover, to: [ukey]}", "alerts.sinks[0].secret"),
            ("alerts:\n  sinks:\n    - {name: d, type: webhook, url: 'https://x', digest_minutes: 0}", "alerts.sinks[0].digest_minutes"),
        ] {
            #expect(throws: ServerConfiguration.Problem.self, "\(yaml)") { try ServerConfiguration.load(yaml: yaml) }
            do { _ = try ServerConfiguration.load(yaml: yaml) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }
}

@Suite struct IntegrationFileTests {
    @Test func theHomeAssistantConfigurationIsYAMLForArgusTopics() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/Integrations/home-assistant.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let automations = try #require(document["automation"] as? [[String: Any]])
        #expect(automations.count >= 2)
        let triggers = automations.flatMap { $0["triggers"] as? [[String: Any]] ?? [] }
        #expect(triggers.contains { $0["trigger"] as? String == "mqtt" && $0["topic"] as? String == "argus/event" })
        #expect(triggers.contains { $0["entity_id"] as? String == "binary_sensor.argus_critical_alert" })
        for kind in AlertKind.allCases { #expect(text.contains(kind.rawValue), "the event types list \(kind.rawValue)") }
    }

    @Test func theGrafanaDashboardQueriesOnlySeriesThatMetricsServes() async throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/Integrations/grafana-dashboard.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        let expressions = (dashboard["panels"] as? [[String: Any]] ?? []).flatMap {
            ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        #expect(expressions.count >= 8)
        let used = Set(
            expressions.flatMap { expression in
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

@Suite struct AlertSettingsPageTests {
    @Test func sinksAndSnoozesFromTheSettingsPage() async throws {
        let server = try await TestServer(alertSinks: [KeepingSink(name: "ops")], sinkFactory: { KeepingSink(name: $0.name) })
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            func post(_ uri: String, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: form, body: ByteBuffer(string: "csrf_token=\(browser.csrf)&" + body))
            }
            let page = String(
                buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: "argus_session=\(browser.cookie)"]).body)
            #expect(page.contains("Add a sink") && page.contains("Offline alerts wait 15 minutes"))
            #expect(
                try await client.execute(
                    uri: "/settings/alerts", method: .post, headers: form, body: ByteBuffer(string: "name=x&type=webhook&url=https%3A%2F%2Fx.example")
                ).status == .forbidden, "CSRF")
            let bad = try await post("/settings/alerts", "name=tg&type=telegram&secret=1%3Aabc")
            #expect(bad.status == .unprocessableContent && String(buffer: bad.body).contains("the chat id is required"))
            #expect(try await post("/settings/alerts", "name=tg&type=telegram&secret=1%3Aabc&to=-100").status == .seeOther)
            #expect(await server.server.services.alerts.sinkNames == ["ops", "tg"])
            let listed = String(
                buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: "argus_session=\(browser.cookie)"]).body)
            #expect(listed.contains("/settings/alerts/tg/delete") && !listed.contains("/settings/alerts/ops/delete"), "only API sinks can be removed")
            #expect(try await post("/settings/alerts/tg/delete", "").status == .seeOther)
            #expect(await server.server.services.alerts.sinkNames == ["ops"])
            // Snooze everything, then lift it.
            #expect(try await post("/settings/alerts/snooze", "minutes=60").status == .seeOther)
            #expect(try await AlertSnooze.load(from: server.store).allUntil != nil)
            #expect(
                String(buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: "argus_session=\(browser.cookie)"]).body)
                    .contains("Every alert is snoozed until"))
            #expect(try await post("/settings/alerts/snooze", "minutes=0").status == .seeOther)
            #expect(try await AlertSnooze.load(from: server.store).allUntil == nil)
            #expect(try await post("/settings/alerts/snooze", "minutes=lots").status == .unprocessableContent)
        }
    }
}

@Suite struct AuditActionTests {
    @Test func everyAuditedActionHasALabel() async throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ArgusHTTP")
        var used = Set<String>()
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)! where file.pathExtension == "swift"
        {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /audit\(\s*(?:minutes > 0 \? )?"([a-z_]+)"(?: : "([a-z_]+)")?/) {
                used.insert(String(match.output.1))
                if let other = match.output.2 { used.insert(String(other)) }
            }
        }
        #expect(used.count >= 20, "\(used.sorted())")
        let audited = used
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let listed = Set(
                (try await client.object("/api/audit-logs/actions", headers: headers).1["actions"] as? [[String: Any]] ?? []).compactMap {
                    $0["value"] as? String
                })
            #expect(audited.subtracting(listed).isEmpty, "no label for \(audited.subtracting(listed).sorted())")
        }
    }
}
