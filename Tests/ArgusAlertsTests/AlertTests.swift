//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAlerts
import ArgusSQLite
import ArgusTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

func change(_ kind: ChangeKind, _ severity: Severity = .warning, device: DeviceReference? = nil, old: String? = nil, new: String? = nil) -> NewChange
{
    NewChange(
        device: device, kind: kind, severity: severity, ip: "192.0.2.10", oldValue: old, newValue: new, description: "\(kind.rawValue) on 192.0.2.10."
    )
}

@Suite struct AlertRuleTests {
    @Test func typesOnlyAConfigurationFileMayDefineAreRefusedBeforeTheirSettingsAreRead() throws {
        let registry = AlertSinkRegistry.standard
        func decode(_ json: String, addableOnly: Bool) throws -> AlertSinkConfiguration {
            let decoder = JSONDecoder()
            decoder.userInfo = registry.userInfo(refusingUnknownSettings: true, addableAtRunTimeOnly: addableOnly)
            return try decoder.decode(AlertSinkConfiguration.self, from: Data(json.utf8))
        }
        // A bad setting of a command sink is not even looked at when the type is refused.
        let command = #"{"name": "run", "type": "command", "command": 42}"#
        #expect {
            try decode(command, addableOnly: true)
        } throws: { error in
            guard let problem = error as? SettingProblem else { return false }
            return problem.key == "type" && problem.reason.contains("only config.yaml may define them")
        }
        // From a configuration file the same type is fine.
        let configured = try decode(#"{"name": "run", "type": "command", "command": "/bin/true"}"#, addableOnly: false)
        #expect(configured.type == "command")
        // An unknown type offers only the types that may be added.
        #expect {
            try decode(#"{"name": "x", "type": "carrier_pigeon"}"#, addableOnly: true)
        } throws: { error in
            guard let problem = error as? SettingProblem else { return false }
            return problem.key == "type" && problem.reason.contains("webhook") && !problem.reason.contains("command")
        }
    }

    @Test func alertsAboutChangesShareTheChangesVocabulary() throws {
        for kind in ChangeKind.allCases {
            guard let alert = AlertKind(change: kind) else { continue }
            #expect(alert.rawValue == kind.rawValue, "\(kind) alerts as \(alert)")
        }
        #expect(AlertKind(change: .deviceAdded) == .deviceAdded && AlertKind(change: .ipChanged) == nil)
        // An alert an earlier version queued under a former name is still read.
        let queued = #"{"id":"a","kind":"new_device","severity":"warning","title":"t","message":"m","createdAt":0}"#
        #expect(try JSONDecoder().decode(Alert.self, from: Data(queued.utf8)).kind == .deviceAdded)
        #expect(AlertKind(named: "device_offline") == .deviceRemoved && AlertKind(named: "risk_raised") == .riskChanged)
        #expect(AlertKind(named: "device_exploded") == nil)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AlertKind.self, from: Data(#""device_exploded""#.utf8)) }
    }

    @Test func changesBecomeAlertsByTheRules() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let trusted = Device(id: DeviceID(7), ip: "192.0.2.7", firstSeen: now, lastSeen: now, label: "NAS", isTrusted: true, zone: "servers")
        let changes = [
            change(.deviceAdded, device: .update(0)),
            change(.portOpened, .info, device: .known(DeviceID(7))),
            change(.riskChanged, .warning, device: .known(DeviceID(7)), old: "low", new: "medium"),
            change(.riskChanged, .critical, device: .known(DeviceID(7)), old: "medium", new: "critical"),
            change(.riskChanged, .info, device: .known(DeviceID(7)), old: "critical", new: "high"),
            change(.hostnameChanged, .info),
            change(.newCVE, .warning, device: .known(DeviceID(7)), new: "CVE-2024-6387"),
        ]
        let devices: (DeviceReference?) -> Device? = { reference in
            if case .known(let id)? = reference, id == trusted.id { return trusted }
            return nil
        }
        let all = AlertRules().alerts(for: changes, scanID: ScanID(12), devices: devices, at: now)
        #expect(
            all.map(\.kind) == [.deviceAdded, .portOpened, .riskChanged, .newCVE],
            "medium is below the high threshold; a fall is no alert; host names do not alert")
        #expect(all.map(\.id) == ["scan-12-change-0", "scan-12-change-1", "scan-12-change-3", "scan-12-change-6"])
        #expect(all[1].device?.name == "NAS" && all[1].device?.id == 7)
        #expect(
            AlertRules(minimumSeverity: .warning).alerts(for: changes, scanID: ScanID(12), devices: devices).map(\.kind) == [
                .deviceAdded, .riskChanged, .newCVE,
            ])
        #expect(AlertRules(skipTrusted: true).alerts(for: changes, scanID: ScanID(12), devices: devices).map(\.kind) == [.deviceAdded])
        #expect(AlertRules(zones: ["servers"]).alerts(for: changes, scanID: ScanID(12), devices: devices).count == 3)
        #expect(AlertRules(kinds: [.newCVE]).alerts(for: changes, scanID: ScanID(12), devices: devices).map(\.newValue) == ["CVE-2024-6387"])
        let messages = try? AlertRules.outbox(for: all, sinks: ["a", "b"])
        #expect(messages?.count == 8 && messages?.first?.idempotencyKey == "scan-12-change-0")
        #expect(try Alert.decode(messages?.first?.payload ?? "") == all[0])
    }
}

@Suite struct AlertDeliveryTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func queue(_ store: any ArgusStore, count: Int, sinks: [String], at date: Date = t0) async throws -> [Alert] {
        let alerts = (0..<count).map {
            Alert(
                id: "scan-1-change-\($0)", kind: .deviceAdded, severity: .warning, title: "New device on the network",
                message: "A new device appeared at 192.0.2.\($0).", createdAt: date)
        }
        try await store.enqueue(try AlertRules.outbox(for: alerts, sinks: sinks), at: date)
        return alerts
    }

    @Test func aSinkThatIsDownGetsEveryAlertOnceWhenItComesBack() async throws {
        let store = InMemoryDeviceStore()
        let sink = RecordingAlertSink(failures: 2)
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], initialDelay: 30, maximumDelay: 600)
        let alerts = try await Self.queue(store, count: 1, sinks: [sink.name])
        #expect(try await dispatcher.deliverDue(at: Self.t0).failed == 1)
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(10)) == .init(), "not due before its retry time")
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(31)).failed == 1)
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(31 + 59)) == .init(), "the second retry waits twice as long")
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(31 + 61)).delivered == 1)
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(10_000)) == .init())
        #expect(sink.received == alerts.map(\.id))
        #expect(await store.pendingMessageCount() == 0)
    }

    @Test func eachSinkHasItsOwnQueueAndUnknownSinksWait() async throws {
        let store = InMemoryDeviceStore()
        let good = RecordingAlertSink(name: "good")
        let flaky = RecordingAlertSink(name: "flaky", failures: 1)
        let dispatcher = AlertDispatcher(store: store, sinks: [good, flaky], initialDelay: 1, perSinkLimit: 2)
        _ = try await Self.queue(store, count: 3, sinks: ["good", "flaky", "gone"])
        let first = try await dispatcher.deliverDue(at: Self.t0)
        // good: two (the per-round limit); flaky: one failure, then its others wait; gone: kept.
        #expect(first.delivered == 2 && first.failed == 1 && first.skipped == 3, "\(first)")
        _ = try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(5))
        _ = try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(6))
        #expect(good.received == ["scan-1-change-0", "scan-1-change-1", "scan-1-change-2"])
        #expect(Set(flaky.received) == ["scan-1-change-0", "scan-1-change-1", "scan-1-change-2"] && flaky.received.count == 3)
        #expect(await store.pendingMessageCount() == 3, "the unknown sink's messages are kept")
    }

    @Test func undeliveredAlertsSurviveARestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("argus-alerts-\(UUID().uuidString).db").path
        do {
            let store = try SQLiteDeviceStore(path: path)
            _ = try await Self.queue(store, count: 3, sinks: ["later"])
            // The process dies here: nothing was delivered.
        }
        let reopened = try SQLiteDeviceStore(path: path)
        let sink = RecordingAlertSink(name: "later")
        let dispatcher = AlertDispatcher(store: reopened, sinks: [sink])
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(1)).delivered == 3)
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(2)) == .init())
        #expect(sink.received.count == 3 && Set(sink.received).count == 3)
    }
}

@Suite(.serialized) struct WebhookTests {
    static let receiver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("receiver.py").path

    /// Starts the local HTTP receiver (`secret` "-" accepts unsigned requests) once it is ready;
    /// it records each request in `received`.
    static func startReceiver(port: Int, secret: String, in folder: URL, recordingTo received: URL) async throws -> Helper {
        let server = try Helper(["python3", receiver, "\(port)", secret, received.path], log: folder.appendingPathComponent("receiver.log"))
        _ = try await server.waitForOutput("ready", timeout: .seconds(30))
        return server
    }

    @Test func signedWebhooksReachALocalReceiverOnceEvenAfterItWasDown() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-webhook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = Int.random(in: 40_000...49_000)
        let received = folder.appendingPathComponent("received.jsonl")
        let sink = try HTTPAlertSink(
            name: "webhook:test", service: .webhook, url: "http://127.0.0.1:\(port)/hook", secret: "s3cret", timeout: .seconds(2))
        #expect(!"\(sink)".contains("s3cret"), "secrets stay out of logs")
        let store = InMemoryDeviceStore()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], initialDelay: 1)
        let now = Date()
        let alerts = try await AlertDeliveryTests.queue(store, count: 3, sinks: [sink.name], at: now)
        // The receiver is down: the first delivery fails, and the rest wait for the next round.
        #expect(try await dispatcher.deliverDue(at: now).failed == 1)
        let server = try await WebhookTests.startReceiver(port: port, secret: "s3cret", in: folder, recordingTo: received)
        defer { server.stop() }
        // Up again: each alert arrives once, signed.
        #expect(try await dispatcher.deliverDue(at: now.addingTimeInterval(5)).delivered == 3)
        #expect(try await dispatcher.deliverDue(at: now.addingTimeInterval(3_600)) == .init())
        let lines = try String(contentsOf: received, encoding: .utf8).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0["signed"] as? Bool == true })
        #expect(lines.compactMap { $0["key"] as? String }.sorted() == alerts.map(\.id).sorted())
        #expect(try lines.map { try Alert.decode($0["body"] as? String ?? "") }.map(\.message).sorted() == alerts.map(\.message).sorted())

        // A wrong secret is refused by the receiver: an error, kept for a retry.
        let forged = try HTTPAlertSink(
            name: "webhook:forged", service: .webhook, url: "http://127.0.0.1:\(port)/hook", secret: "wrong", timeout: .seconds(2))
        await #expect(throws: HTTPAlertSink.DeliveryError.self) { try await forged.deliver(alerts[0]) }
    }

    @Test func payloadsForChatServices() throws {
        let alert = Alert(
            id: "a1", kind: .newCVE, severity: .critical, title: "Known vulnerability", message: "CVE-2024-6387 applies to a service on 192.0.2.10.")
        let slack = try HTTPAlertSink(name: "s", service: .slack, url: "https://hooks.slack.com/services/T/B/X")
        #expect("\(slack)" == "slack s → https://hooks.slack.com/…", "the secret path is not shown")
        #expect(throws: HTTPAlertSink.ConfigurationError.self) { try HTTPAlertSink(name: "x", service: .webhook, url: "file:///etc/passwd") }
        let signature = HTTPAlertSink.signature(body: "{}", timestamp: 1, secret: "k")
        #expect(signature.count == 64)
        #expect(alert.severity == .critical)
    }

    @Test func aCommandGetsTheAlertOnStandardInput() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("argus-command-\(UUID().uuidString).json")
        let sink = CommandAlertSink(
            name: "command", executable: "/bin/sh", arguments: ["-c", "cat > \"$1\"; test \"$ARGUS_ALERT_SEVERITY\" = critical", "sh", output.path])
        let alert = Alert(id: "a1", kind: .newCVE, severity: .critical, title: "Known vulnerability", message: "CVE-2024-6387 applies.")
        try await sink.deliver(alert)
        let delivered = try Alert.decode(try String(contentsOf: output, encoding: .utf8))
        #expect(delivered.id == alert.id && delivered.message == alert.message && delivered.kind == .newCVE)
        var calm = alert
        calm.severity = .info
        await #expect(throws: CommandAlertSink.CommandError.self) { try await sink.deliver(calm) }
        let slow = CommandAlertSink(name: "slow", executable: "/bin/sleep", arguments: ["10"], timeout: .milliseconds(300))
        await #expect(throws: CommandAlertSink.CommandError.self) { try await slow.deliver(alert) }
    }
}

@Suite(.serialized) struct SyslogTests {
    static let listener = """
        import socket, sys
        kind, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        if kind == "udp":
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", port))
            print("ready", flush=True)
            while True:
                data, _ = s.recvfrom(65536)
                open(log, "ab").write(data + b"\\n")
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port)); s.listen(5)
            print("ready", flush=True)
            while True:
                c, _ = s.accept(); buf = b""
                while True:
                    chunk = c.recv(65536)
                    if not chunk: break
                    buf += chunk
                while buf:
                    length, _, rest = buf.partition(b" ")
                    n = int(length); open(log, "ab").write(rest[:n] + b"\\n"); buf = rest[n:]
        """

    @Test(arguments: [SyslogAlertSink.Transport.udp, .tcp])
    func rfc5424MessagesReachALocalCollector(transport: SyslogAlertSink.Transport) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-syslog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("listener.py")
        try Self.listener.write(to: script, atomically: true, encoding: .utf8)
        let port = Int.random(in: 50_000...59_000)
        let received = folder.appendingPathComponent("received.log")
        let listener = try Helper(
            ["python3", script.path, transport.rawValue, "\(port)", received.path], log: folder.appendingPathComponent("listener.out"))
        defer { listener.stop() }
        for _ in 0..<50 where !((try? String(contentsOf: folder.appendingPathComponent("listener.out"), encoding: .utf8)) ?? "").contains("ready") {
            try await Task.sleep(for: .milliseconds(100))
        }
        let sink = SyslogAlertSink(name: "siem", host: "127.0.0.1", port: UInt16(port), transport: transport)
        let alert = Alert(
            id: "scan-3-change-1", kind: .portOpened, severity: .critical, title: "Port opened",
            message: "Port 23/tcp (telnet) opened on 192.0.2.10.", device: AlertDevice(id: 4, ip: "192.0.2.10", name: "lab \"box\" ]"))
        try await sink.deliver(alert)
        try await sink.deliver(alert)
        var lines: [Substring] = []
        for _ in 0..<50 {
            lines = ((try? String(contentsOf: received, encoding: .utf8)) ?? "").split(separator: "\n")
            if lines.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(lines.count == 2)
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("<130>1 "), "local0 (16) * 8 + crit (2)")
        #expect(
            line.contains(
                " argus \(getpid()) port_opened [argus@32473 id=\"scan-3-change-1\" kind=\"port_opened\" ip=\"192.0.2.10\" device=\"lab \\\"box\\\" \\]\"] Port 23/tcp (telnet) opened on 192.0.2.10."
            ), "\(line)")
    }

    @Test func anUnreachableCollectorIsAnError() async {
        let sink = SyslogAlertSink(name: "siem", host: "127.0.0.1", port: 9, transport: .tcp)
        await #expect(throws: SyslogAlertSink.SendError.self) {
            try await sink.deliver(Alert(id: "x", kind: .test, severity: .info, title: "t", message: "m"))
        }
    }
}

@Suite(.serialized) struct PagerDutyTests {
    @Test func aRiskRaisedTriggersAndItsClearResolvesTheSameIncident() async throws {
        // The rules: a rise to high triggers; the fall below it clears.
        let now = Date()
        let device = Device(id: DeviceID(4), ip: "192.0.2.10", firstSeen: now, lastSeen: now)
        let changes = [
            change(.riskChanged, .critical, device: .known(device.id), old: "medium", new: "critical"),
            change(.riskChanged, .info, device: .known(device.id), old: "critical", new: "low"),
        ]
        let alerts = AlertRules(minimumSeverity: .warning).alerts(for: changes, scanID: ScanID(9), devices: { _ in device })
        #expect(alerts.map(\.kind) == [.riskChanged, .riskCleared], "a clear passes even below the minimum severity")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-pagerduty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = Int.random(in: 40_000...49_000)
        let received = folder.appendingPathComponent("received.jsonl")
        let server = try await WebhookTests.startReceiver(port: port, secret: "-", in: folder, recordingTo: received)
        defer { server.stop() }
        let sink = try HTTPAlertSink(
            name: "pager", service: .pagerduty, url: "http://127.0.0.1:\(port)/v2/enqueue", secret: "routing-key", timeout: .seconds(2))
        for alert in alerts { try await sink.deliver(alert) }
        let events = try String(contentsOf: received, encoding: .utf8).split(separator: "\n").compactMap { line -> [String: Any]? in
            let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (record?["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        #expect(events.map { $0["event_action"] as? String } == ["trigger", "resolve"])
        #expect(events.map { $0["dedup_key"] as? String } == ["argus-device-4-risk", "argus-device-4-risk"])
        #expect(events.allSatisfy { $0["routing_key"] as? String == "routing-key" })
        #expect((events.first?["payload"] as? [String: Any])?["severity"] as? String == "critical")
        #expect(events.last?["payload"] == nil)
    }
}

@Suite(.serialized) struct ChatServiceTests {
    @Test func slackDiscordTeamsNtfyAndGotifyReachALocalReceiverInTheirOwnShapes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-chat-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = Int.random(in: 40_000...49_000)
        let received = folder.appendingPathComponent("received.jsonl")
        let server = try await WebhookTests.startReceiver(port: port, secret: "-", in: folder, recordingTo: received)
        defer { server.stop() }
        let alert = Alert(
            id: "scan-4-change-1", kind: .portOpened, severity: .warning, title: "Port opened", message: "23/tcp (telnet) opened on 192.0.2.10.")
        let base = "http://127.0.0.1:\(port)"
        for sink in [
            try HTTPAlertSink(name: "slack", service: .slack, url: "\(base)/services/T/B/X", timeout: .seconds(2)),
            try HTTPAlertSink(name: "discord", service: .discord, url: "\(base)/api/webhooks/1/abc", timeout: .seconds(2)),
            try HTTPAlertSink(name: "teams", service: .teams, url: "\(base)/webhookb2/x", timeout: .seconds(2)),
            try HTTPAlertSink(name: "ntfy", service: .ntfy, url: "\(base)/argus", secret: "tk_ntfy", timeout: .seconds(2)),
            try HTTPAlertSink(name: "gotify", service: .gotify, url: "\(base)/message", secret: "gotify-app-token", timeout: .seconds(2)),
        ] { try await sink.deliver(alert) }
        let records = try String(contentsOf: received, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(records.map { $0["path"] as? String } == ["/services/T/B/X", "/api/webhooks/1/abc", "/webhookb2/x", "/argus", "/message"])
        #expect(records.allSatisfy { $0["key"] as? String == alert.id }, "every request carries the idempotency key")
        func body(_ index: Int) -> [String: Any] {
            (records[index]["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } ?? [:]
        }
        #expect(body(0)["text"] as? String == "[warning] Port opened: 23/tcp (telnet) opened on 192.0.2.10.")
        #expect(body(1)["content"] as? String == "[warning] Port opened: 23/tcp (telnet) opened on 192.0.2.10.")
        #expect(
            body(2)["@type"] as? String == "MessageCard" && body(2)["title"] as? String == "Port opened"
                && body(2)["themeColor"] as? String == "A16207")
        let ntfy = records[3]
        #expect(ntfy["body"] as? String == alert.message && (ntfy["type"] as? String)?.hasPrefix("text/plain") == true)
        #expect(
            ntfy["headers"] as? [String: String] == [
                "Title": "Port opened", "Priority": "high", "Tags": "port_opened", "Authorization": "Bearer tk_ntfy",
            ])
        #expect(body(4)["title"] as? String == "Port opened" && body(4)["priority"] as? Int == 5)
        #expect((records[4]["headers"] as? [String: String])?["X-Gotify-Key"] == "gotify-app-token")
    }
}

@Suite(.serialized) struct PushServiceTests {
    /// What the local receiver recorded: each request's path and JSON body.
    static func requests(in file: URL) throws -> [(path: String, body: [String: Any])] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let path = record["path"] as? String,
                let body = (record["body"] as? String).flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            else { return nil }
            return (path, body)
        }
    }

    @Test func pushoverAndTelegramReachALocalReceiverInTheirOwnShapes() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let port = Int.random(in: 40_000...49_000)
        let received = folder.appendingPathComponent("received.jsonl")
        let server = try await WebhookTests.startReceiver(port: port, secret: "-", in: folder, recordingTo: received)
        defer { server.stop() }
        let alert = Alert(
            id: "scan-3-change-0", kind: .newCVE, severity: .critical, title: "Known vulnerability",
            message: "CVE-2024-6387 applies to OpenSSH 8.9p1 on 192.0.2.10.", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        let pushover = try HTTPAlertSink(
            name: "phone", service: .pushover, url: "http://127.0.0.1:\(port)/1/messages.json", secret: "app-token", recipient: "user-key",
            timeout: .seconds(2))
        let telegram = try HTTPAlertSink(
            name: "chat", service: .telegram, url: "http://127.0.0.1:\(port)", secret: "123456:ABC-def_ghi", recipient: "-1001234",
            timeout: .seconds(2))
        try await pushover.deliver(alert)
        try await telegram.deliver(alert)
        let requests = try Self.requests(in: received)
        #expect(requests.map(\.path) == ["/1/messages.json", "/bot123456:ABC-def_ghi/sendMessage"])
        let push = try #require(requests.first?.body)
        #expect(push["token"] as? String == "app-token" && push["user"] as? String == "user-key")
        #expect(push["title"] as? String == "Known vulnerability" && push["priority"] as? Int == 1 && push["timestamp"] as? Int == 1_800_000_000)
        let chat = try #require(requests.last?.body)
        #expect(chat["chat_id"] as? String == "-1001234")
        #expect((chat["text"] as? String)?.hasPrefix("Known vulnerability\nCVE-2024-6387") == true)
        // Tokens stay out of descriptions, and sinks without them are refused up front.
        #expect(!"\(telegram)".contains("123456") && !"\(pushover)".contains("app-token"))
        #expect(throws: HTTPAlertSink.ConfigurationError.self) { try HTTPAlertSink(name: "x", service: .telegram, secret: "123:abc") }
        #expect(throws: HTTPAlertSink.ConfigurationError.self) { try HTTPAlertSink(name: "x", service: .pushover, recipient: "user") }
        #expect(throws: HTTPAlertSink.ConfigurationError.self) {
            try HTTPAlertSink(name: "x", service: .telegram, secret: "123:abc/../x", recipient: "1")
        }
        #expect(try HTTPAlertSink(name: "x", service: .pushover, secret: "a", recipient: "u").url == "https://api.pushover.net/1/messages.json")
        let command = CommandAlertSink(
            name: "notify", executable: "/usr/bin/curl", arguments: ["-H", "Authorization: Bearer s3cr3t-token", "https://example.org"])
        #expect("\(command)" == "command notify → /usr/bin/curl (3 arguments)", "arguments may hold tokens")
    }
}

/// Alert requests never follow a redirect: a Gotify server answering 302 to another origin once
/// got the test alert delivered there, `X-Gotify-Key` and all.
@Suite(.serialized) struct RedirectTests {
    @Test(arguments: [302, 307, 301, 308])
    func aRedirectIsAFailureAndNothingReachesTheOtherOrigin(status: Int) async throws {
        let folder = try Environment.folder("redirect")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (port, elsewhere) = (try Environment.freePort(), try Environment.freePort())
        let received = folder.appendingPathComponent("received.jsonl")
        let stolen = folder.appendingPathComponent("stolen.jsonl")
        let server = try await WebhookTests.startReceiver(port: port, secret: "-", in: folder, recordingTo: received)
        defer { server.stop() }
        let other = try Helper(["python3", WebhookTests.receiver, "\(elsewhere)", "-", stolen.path], log: folder.appendingPathComponent("other.log"))
        defer { other.stop() }
        #expect(try await other.waitForOutput("ready", timeout: .seconds(30)))
        let target = "http://localhost:\(elsewhere)/message"
        let sink = try HTTPAlertSink(
            name: "gotify", service: .gotify,
            url: "http://127.0.0.1:\(port)/redirect?status=\(status)&to=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
            secret: "gotify-app-token", timeout: .seconds(2))
        let alert = Alert(id: "test-1", kind: .test, severity: .info, title: "Test", message: "This is a test alert from Argus.")
        await #expect {
            try await sink.deliver(alert)
        } throws: { error in
            "\(error)" == "the server answered \(status), a redirect, which alert sinks never follow"
        }
        // Through the dispatcher too: a failure with that reason, kept for a retry.
        let store = InMemoryDeviceStore()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        await #expect {
            try await dispatcher.test(sink.name)
        } throws: { error in
            "\(error)".contains("a redirect, which alert sinks never follow")
        }
        let records = try String(contentsOf: received, encoding: .utf8).split(separator: "\n")
        #expect(records.count == 2, "the configured server got both attempts")
        #expect(
            !FileManager.default.fileExists(atPath: stolen.path),
            "nothing reached the other origin: \((try? String(contentsOf: stolen, encoding: .utf8)) ?? "")")
    }

    @Test func secretsAreKeptOutOfDeliveryErrors() async throws {
        #expect(throws: HTTPAlertSink.ConfigurationError.self) {
            try HTTPAlertSink(name: "n", service: .ntfy, url: "http://127.0.0.1:1/t", secret: "abc\r\nX-Injected: yes")
        }
        #expect(throws: HTTPAlertSink.ConfigurationError.self) {
            try HTTPAlertSink(name: "n", service: .pushover, url: "http://127.0.0.1:1/t", secret: "token", recipient: "user\nX: y")
        }
        do {
            _ = try HTTPAlertSink(name: "n", service: .gotify, url: "http://127.0.0.1:1/t", secret: "abc\r\nX-Injected: yes")
        } catch {
            #expect(!"\(error)".contains("abc") && !"\(error)".contains("X-Injected"), "the refusal does not repeat the value: \(error)")
        }
        let sink = try HTTPAlertSink(name: "gotify", service: .gotify, url: "http://127.0.0.1:1/message", secret: "gotify-app-token")
        #expect(sink.secrets == ["gotify-app-token"])
        #expect(
            try HTTPAlertSink(name: "s", service: .slack, url: "https://hooks.slack.com/services/T/B/X").secrets == [
                "https://hooks.slack.com/services/T/B/X"
            ])
        let mail = try SMTPAlertSink(
            name: "mail", host: "mail.example.test", security: .tls, username: "argus", password: "pw-Secret1", from: "a@example.org",
            to: ["b@example.org"])
        #expect(
            mail.secrets == ["pw-Secret1", Data("pw-Secret1".utf8).base64EncodedString(), Data("\0argus\0pw-Secret1".utf8).base64EncodedString()],
            "and the forms AUTH sends it in")
        #expect(
            CommandAlertSink(name: "c", executable: "/bin/true", arguments: ["-H", "Authorization: Bearer tk"]).secrets == [
                "Authorization: Bearer tk"
            ])
        // What a library's error may quote: as written, escaped, or one line of it.
        let leaked = #"invalidHeaderFieldValues(["Bearer abc\r\nX-Injected: yes"]) and abc"# + "\r\nX-Injected: yes"
        let redacted = SecretRedaction.redact(leaked, secrets: ["abc\r\nX-Injected: yes"])
        #expect(!redacted.contains("X-Injected") && redacted.contains("[redacted]"), "\(redacted)")
        #expect(SecretRedaction.redact("token tk_12345 refused", secrets: ["tk_12345", ""]) == "token [redacted] refused")
    }
}
