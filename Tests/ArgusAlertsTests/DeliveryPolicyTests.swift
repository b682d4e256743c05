//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusSQLite
import ArgusTesting
import Foundation
import Synchronization
import Testing

/// Grace periods, flapping, quiet hours, digests and snoozes, over both stores.
@Suite struct DeliveryPolicyTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A fresh store of either kind.
    static func store(sqlite: Bool) throws -> any ArgusStore {
        guard sqlite else { return InMemoryDeviceStore() }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("argus-delivery-\(UUID().uuidString).db").path
        return try SQLiteDeviceStore(path: path)
    }

    static func presence(_ kind: AlertKind, device: Int64 = 7, id: String, at date: Date, grace: TimeInterval = 0) -> Alert {
        Alert(
            id: id, kind: kind, severity: .warning, title: kind.title, message: "\(kind.rawValue) 192.0.2.7",
            device: AlertDevice(id: device, ip: "192.0.2.7"), createdAt: date, notBefore: grace > 0 ? date.addingTimeInterval(grace) : nil)
    }

    static func queue(_ alert: Alert, in store: any ArgusStore, sink: String = "recording", at date: Date) async throws {
        try await store.enqueue(try AlertRules.outbox(for: [alert], sinks: [sink]), at: date)
    }

    @Test(arguments: [false, true])
    func aDeviceBackWithinItsGracePeriodAlertsNobody(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        // Missed by a scan, held for 15 minutes; back 10 minutes later.
        try await Self.queue(Self.presence(.deviceRemoved, id: "off-1", at: Self.t0, grace: 900), in: store, at: Self.t0)
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(60)).delivered == 0, "held for the grace period")
        try await Self.queue(
            Self.presence(.deviceBackOnline, id: "on-1", at: Self.t0.addingTimeInterval(600)), in: store, at: Self.t0.addingTimeInterval(600))
        let early = try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(600))
        #expect(early.held == 1, "the return waits for the outage's decision")
        let decided = try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(900))
        #expect(decided.suppressed == 2)
        #expect(sink.received.isEmpty)
        #expect(try await store.pendingMessageCount() == 0, "both are settled, with reasons")
        let reasons = try await store.recentMessages(limit: 10).compactMap(\.suppressedReason).sorted()
        #expect(reasons == ["back online within the grace period", "its offline alert was not sent (back online within the grace period)"])
    }

    @Test(arguments: [false, true])
    func anOutageLongerThanTheGraceIsReportedAndSoIsTheReturn(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        try await Self.queue(Self.presence(.deviceRemoved, id: "off-1", at: Self.t0, grace: 900), in: store, at: Self.t0)
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(900))
        #expect(sink.received == ["off-1"])
        try await Self.queue(
            Self.presence(.deviceBackOnline, id: "on-1", at: Self.t0.addingTimeInterval(3_600)), in: store, at: Self.t0.addingTimeInterval(3_600))
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(3_600))
        #expect(sink.received == ["off-1", "on-1"])
    }

    @Test(arguments: [false, true])
    func aReturnWaitsForAnOutageStillBeingRetried(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink(failures: 1)
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], initialDelay: 30)
        try await Self.queue(Self.presence(.deviceRemoved, id: "off-1", at: Self.t0), in: store, at: Self.t0)
        #expect(try await dispatcher.deliverDue(at: Self.t0).failed == 1)
        try await Self.queue(
            Self.presence(.deviceBackOnline, id: "on-1", at: Self.t0.addingTimeInterval(10)), in: store, at: Self.t0.addingTimeInterval(10))
        #expect(try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(10)).held == 1)
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(30))
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(31))
        #expect(sink.received == ["off-1", "on-1"], "in order, each once")
    }

    @Test(arguments: [false, true])
    func aFlappingDeviceIsQuietedAfterItsLimit(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], policy: DeliveryPolicy(flapLimit: 4, flapWindow: 3_600))
        for step in 0..<8 {
            let date = Self.t0.addingTimeInterval(TimeInterval(step * 300))
            try await Self.queue(Self.presence(step % 2 == 0 ? .deviceRemoved : .deviceBackOnline, id: "p-\(step)", at: date), in: store, at: date)
            try await dispatcher.deliverDue(at: date)
        }
        #expect(sink.received == ["p-0", "p-1", "p-2", "p-3"])
        let flapping = try await store.recentMessages(limit: 10).compactMap(\.suppressedReason).filter { $0.hasPrefix("flapping") }
        #expect(flapping.count == 2, "the outages after the fourth alert are flapping; the returns follow unsent outages")
        // Another device is not held back by this one.
        try await Self.queue(
            Self.presence(.deviceRemoved, device: 8, id: "other", at: Self.t0.addingTimeInterval(2_400)), in: store,
            at: Self.t0.addingTimeInterval(2_400))
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(2_400))
        #expect(sink.received.last == "other")
    }

    @Test(arguments: [false, true])
    func aReportedOutageAlwaysGetsItsReturnAndAnOldOneIsNoExcuse(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], policy: DeliveryPolicy(flapLimit: 4, flapWindow: 6 * 3_600))
        // Out and back at 0 h, 1 h, 2 h, 3 h; out at 6 h 05 (the window has slid: sent), back at
        // 6 h 30 (the count of recent alerts is at the limit, but its outage was reported).
        for (step, hours) in [0, 1, 2, 3, 6.08, 6.5].enumerated() {
            let date = Self.t0.addingTimeInterval(hours * 3_600)
            try await Self.queue(Self.presence(step % 2 == 0 ? .deviceRemoved : .deviceBackOnline, id: "p-\(step)", at: date), in: store, at: date)
            try await dispatcher.deliverDue(at: date)
        }
        #expect(sink.received == ["p-0", "p-1", "p-2", "p-3", "p-4", "p-5"])
        // A return whose own outage never reached this sink is not sent, even though an older
        // outage did.
        let late = Self.t0.addingTimeInterval(8 * 3_600)
        try await Self.queue(Self.presence(.deviceBackOnline, id: "stray", at: late), in: store, at: late)
        try await dispatcher.deliverDue(at: late)
        #expect(sink.received.last == "p-5")
    }

    @Test(arguments: [false, true])
    func oneSinksBacklogNeverHoldsUpAnother(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let alive = RecordingAlertSink(name: "alive")
        let dead = RecordingAlertSink(name: "dead", failures: 10_000)
        let dispatcher = AlertDispatcher(store: store, sinks: [alive, dead], perSinkLimit: 50)
        // 600 old messages for a sink that no longer exists, 120 for a dead one, then one for a
        // live sink, queued last.
        let old = (0..<600).map {
            Alert(id: "gone-\($0)", kind: .portOpened, severity: .info, title: "Port opened", message: "\($0)", createdAt: Self.t0)
        }
        try await store.enqueue(try AlertRules.outbox(for: old, sinks: ["removed"]), at: Self.t0)
        let backlog = (0..<120).map {
            Alert(id: "dead-\($0)", kind: .portOpened, severity: .info, title: "Port opened", message: "\($0)", createdAt: Self.t0)
        }
        try await store.enqueue(try AlertRules.outbox(for: backlog, sinks: ["dead"]), at: Self.t0)
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "fresh", kind: .deviceAdded, severity: .warning, title: "New device", message: "x", createdAt: Self.t0)],
                sinks: ["alive"]), at: Self.t0.addingTimeInterval(1))
        let round = try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(2))
        #expect(alive.received == ["fresh"])
        #expect(round.failed == 1, "the dead sink is tried once")
        #expect(round.skipped >= 500, "the removed sink's messages wait")
    }

    @Test(arguments: [false, true])
    func quietHoursHoldAllButCriticalAlertsUntilMorning(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let quiet = try QuietHours("22:00-07:00", timeZone: TimeZone(identifier: "UTC")!)
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], policy: DeliveryPolicy(quietHours: quiet))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let night = calendar.date(from: DateComponents(year: 2026, month: 11, day: 29, hour: 23, minute: 30))!
        let morning = calendar.date(from: DateComponents(year: 2026, month: 11, day: 30, hour: 7))!
        try await store.enqueue(
            try AlertRules.outbox(
                for: [
                    Alert(id: "port", kind: .portOpened, severity: .warning, title: "Port opened", message: "22/tcp", createdAt: night),
                    Alert(id: "cve", kind: .newCVE, severity: .critical, title: "Known vulnerability", message: "CVE-2024-6387", createdAt: night),
                ], sinks: ["recording"]), at: night)
        let round = try await dispatcher.deliverDue(at: night)
        #expect(sink.received == ["cve"], "critical breaks through")
        #expect(round.held == 1)
        #expect(try await dispatcher.deliverDue(at: morning.addingTimeInterval(-60)).delivered == 0, "not due before the window ends")
        try await dispatcher.deliverDue(at: morning)
        #expect(sink.received == ["cve", "port"])
        #expect(
            quiet.end(ofWindowContaining: calendar.date(from: DateComponents(year: 2026, month: 11, day: 30, hour: 6, minute: 59))!) == morning,
            "after midnight too")
        #expect(quiet.end(ofWindowContaining: calendar.date(from: DateComponents(year: 2026, month: 11, day: 30, hour: 12))!) == nil)
        // On the nights the clocks change, the window still ends at 07:00 on the wall clock.
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        var local = Calendar(identifier: .gregorian)
        local.timeZone = berlin
        let nightly = try QuietHours("22:00-07:00", timeZone: berlin)
        for day in [(10, 25), (3, 29)] {
            let early = local.date(from: DateComponents(year: 2026, month: day.0, day: day.1, hour: 5, minute: 30))!
            let end = try #require(nightly.end(ofWindowContaining: early))
            #expect(local.dateComponents([.day, .hour, .minute], from: end) == DateComponents(day: day.1, hour: 7, minute: 0), "\(day)")
            let evening = local.date(from: DateComponents(year: 2026, month: day.0, day: day.1 - 1, hour: 23))!
            #expect(
                local.dateComponents([.day, .hour], from: try #require(nightly.end(ofWindowContaining: evening)))
                    == DateComponents(day: day.1, hour: 7))
        }
        #expect(throws: QuietHours.ConfigurationError.self) { try QuietHours("25:00-07:00") }
        #expect(throws: QuietHours.ConfigurationError.self) { try QuietHours("07:00-07:00") }
    }

    @Test(arguments: [false, true])
    func aDigestGathersAlertsIntoOneMessagePerInterval(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = DigestRecorder()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], policies: ["digest": DeliveryPolicy(digestInterval: 3_600)])
        for minute in [0, 10, 20] {
            let date = Self.t0.addingTimeInterval(TimeInterval(minute * 60))
            try await store.enqueue(
                try AlertRules.outbox(
                    for: [
                        Alert(id: "a-\(minute)", kind: .portOpened, severity: .info, title: "Port opened", message: "port \(minute)", createdAt: date)
                    ], sinks: ["digest"]), at: date)
            try await dispatcher.deliverDue(at: date)
        }
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "urgent", kind: .newCVE, severity: .critical, title: "Known vulnerability", message: "CVE", createdAt: Self.t0)],
                sinks: ["digest"]), at: Self.t0.addingTimeInterval(1_500))
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(1_500))
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "cleared", kind: .riskCleared, severity: .info, title: "Risk cleared", message: "low again", createdAt: Self.t0)],
                sinks: ["digest"]), at: Self.t0.addingTimeInterval(1_500))
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(1_500))
        #expect(sink.alerts.map(\.id) == ["urgent", "cleared"], "critical alerts and clears do not wait for the digest")
        let round = try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(3_600))
        #expect(round.delivered == 3)
        #expect(sink.alerts.count == 3)
        let digest = try #require(sink.alerts.last)
        #expect(digest.kind == .digest)
        #expect(digest.title == "3 alerts from Argus")
        #expect(digest.message.contains("port 0") && digest.message.contains("port 10") && digest.message.contains("port 20"))
        #expect(try await store.pendingMessageCount() == 0)
    }

    @Test(arguments: [false, true])
    func snoozedAlertsAreSettledUnsentWithTheReason(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        try await AlertSnooze(devices: [7: Self.t0.addingTimeInterval(3_600)]).save(to: store)
        try await store.enqueue(
            try AlertRules.outbox(
                for: [
                    Alert(
                        id: "seven", kind: .portOpened, severity: .critical, title: "Port opened", message: "7", device: AlertDevice(id: 7),
                        createdAt: Self.t0),
                    Alert(
                        id: "eight", kind: .portOpened, severity: .warning, title: "Port opened", message: "8", device: AlertDevice(id: 8),
                        createdAt: Self.t0),
                ], sinks: ["recording"]), at: Self.t0)
        try await dispatcher.deliverDue(at: Self.t0)
        #expect(sink.received == ["eight"])
        #expect(try await store.recentMessages(limit: 5).contains { $0.suppressedReason?.hasPrefix("snoozed until") == true })
        // Everything, for a while; then it wears off.
        try await AlertSnooze(allUntil: Self.t0.addingTimeInterval(600)).save(to: store)
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "during", kind: .deviceAdded, severity: .warning, title: "New device", message: "x", createdAt: Self.t0)],
                sinks: ["recording"]), at: Self.t0)
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(60))
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "after", kind: .deviceAdded, severity: .warning, title: "New device", message: "y", createdAt: Self.t0)],
                sinks: ["recording"]), at: Self.t0.addingTimeInterval(601))
        try await dispatcher.deliverDue(at: Self.t0.addingTimeInterval(601))
        #expect(sink.received == ["eight", "after"])
    }

    @Test(arguments: [false, true])
    func acknowledgingAChangeWithdrawsItsWaitingAlert(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"]), profile: .quick, resolvesNames: false)
        let monitor = Monitor(
            store: store, scanner: HostsScanner(addresses: ["192.0.2.10", "192.0.2.11", "192.0.2.12"]),
            alerting: .init(rules: AlertRules(kinds: [.deviceAdded], summarizesFirstScan: false), sinks: ["ops", "pager"]))
        let recorded = try await monitor.scan(request)
        let changes = try await store.changes(ChangeQuery(scanID: recorded.scan.id)).items.filter { $0.kind == .deviceAdded }
        #expect(changes.count == 3, "and other changes, which these rules do not alert on")
        // Every change's alert id, found from the store, is the key its alert was queued under.
        let queued = Set(try await store.recentMessages(limit: 20).map(\.idempotencyKey))
        #expect(Set(try await AlertRules.alertIDs(for: changes, in: store)) == queued)
        // The owner acknowledges one change before delivery: its alert goes to neither sink.
        let acknowledged = try #require(changes.first { $0.ip == "192.0.2.11" })
        let keys = try await AlertRules.alertIDs(for: try await store.changes(withIDs: [acknowledged.id, ChangeID(999_999)]), in: store)
        #expect(keys.count == 1)
        #expect(try await store.suppressPendingMessages(idempotencyKeys: keys, reason: "acknowledged", at: Date()) == 2)
        let sink = RecordingAlertSink(name: "ops")
        try await AlertDispatcher(store: store, sinks: [sink, RecordingAlertSink(name: "pager")]).deliverDue()
        #expect(sink.received.count == 2 && !sink.received.contains(keys[0]))
        #expect(
            try await store.suppressPendingMessages(idempotencyKeys: keys, reason: "acknowledged", at: Date()) == 0,
            "settled messages stay as they are")
    }

    @Test(arguments: [false, true])
    func oldSettledMessagesArePrunedButEachDevicesLatestPresenceStays(sqlite: Bool) async throws {
        let store = try Self.store(sqlite: sqlite)
        let sink = RecordingAlertSink()
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        try await Self.queue(Self.presence(.deviceRemoved, id: "off", at: Self.t0), in: store, at: Self.t0)
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "port", kind: .portOpened, severity: .info, title: "Port opened", message: "22", createdAt: Self.t0)],
                sinks: ["recording"]), at: Self.t0)
        try await store.enqueue(
            try AlertRules.outbox(
                for: [Alert(id: "waiting", kind: .portOpened, severity: .info, title: "Port opened", message: "23", createdAt: Self.t0)],
                sinks: ["elsewhere"]), at: Self.t0)
        try await dispatcher.deliverDue(at: Self.t0)
        #expect(try await store.pruneSettledMessages(queuedBefore: Self.t0.addingTimeInterval(86_400)) == 1, "only the settled port alert")
        #expect(
            Set(try await store.recentMessages(limit: 10).map(\.idempotencyKey)) == ["off", "waiting"],
            "the device's latest presence and what still waits stay")
        // The outage is still known, so its return is reported.
        let later = Self.t0.addingTimeInterval(2 * 86_400)
        try await Self.queue(Self.presence(.deviceBackOnline, id: "on", at: later), in: store, at: later)
        try await dispatcher.deliverDue(at: later)
        #expect(sink.received == ["off", "port", "on"])
    }

    @Test func offlineAlertsAreHeldForTheDevicesGracePeriod() throws {
        let seen = Self.t0
        let grace = OfflineGrace(standard: 900, zones: ["servers": 60], devices: ["AA:BB:CC:DD:EE:FF": 7_200])
        let devices = [
            Device(id: DeviceID(1), mac: "aa:bb:cc:dd:ee:ff", ip: "192.0.2.1", firstSeen: seen, lastSeen: seen, zone: "servers"),
            Device(id: DeviceID(2), ip: "192.0.2.2", firstSeen: seen, lastSeen: seen, zone: "servers"),
            Device(id: DeviceID(3), ip: "192.0.2.3", firstSeen: seen, lastSeen: seen),
        ]
        #expect(devices.map { grace.period(for: $0) } == [7_200, 60, 900], "device, then zone, then the standard")
        let changes = devices.map { change(.deviceRemoved, .warning, device: .known($0.id)) }
        let alerts = AlertRules(offlineGrace: grace).alerts(
            for: changes, scanID: ScanID(3),
            devices: { reference in
                guard case .known(let id)? = reference else { return nil }
                return devices.first { $0.id == id }
            }, at: seen.addingTimeInterval(120))
        #expect(
            alerts.map(\.notBefore) == [seen.addingTimeInterval(7_200), nil, seen.addingTimeInterval(900)], "the zone's minute has already passed")
        #expect(alerts.map(\.subject) == ["device-1-presence", "device-2-presence", "device-3-presence"])
        let messages = try AlertRules.outbox(for: alerts, sinks: ["a"])
        #expect(messages.map(\.notBefore) == alerts.map(\.notBefore))
    }
}

/// Records whole alerts (digests included).
final class DigestRecorder: AlertSink {
    let name = "digest"
    private let received = Mutex<[Alert]>([])

    func deliver(_ alert: Alert) async throws {
        received.withLock { $0.append(alert) }
    }

    var alerts: [Alert] { received.withLock { $0 } }
}
