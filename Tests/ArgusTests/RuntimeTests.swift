//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

/// The runtime in the core: a schedule starts a scan through the coordinator, and the
/// dispatcher's loop delivers its alerts, with no HTTP server at all.
@Suite struct RuntimeTests {
    @Test func aScheduledScanRunsAndItsAlertsAreDelivered() async throws {
        let monday = try TestRun.monday.write()
        defer { try? FileManager.default.removeItem(atPath: monday) }
        let store = InMemoryDeviceStore()
        let sink = RecordingAlertSink(name: "ops")
        let dispatcher = AlertDispatcher(store: store, sinks: [sink], initialDelay: 1)
        let monitor = Monitor(
            store: store, scanner: ReplayScanner(files: [monday]),
            alerting: .init(rules: AlertRules(kinds: [.deviceAdded], summarizesFirstScan: false), dispatcher: dispatcher))
        let scans = ScanCoordinator(monitor: monitor)
        let now = Date(timeIntervalSince1970: TimeInterval(TestRun.dayOne))
        let schedule = try await store.createSchedule(
            Schedule(
                id: ScheduleID(0), name: "hourly", expression: "@every 1h", profile: "normal", targets: ["192.0.2.0/29"],
                nextRunAt: now.addingTimeInterval(-1)))
        let runner = ScheduleRunner(store: store, scans: scans) { schedule in
            ScanRequest(targets: try ScanTargetList(schedule.targets), profile: .normal)
        }

        let outcomes = await runner.tick(at: now)
        guard case .started(schedule.id, let scanID)? = outcomes.first, outcomes.count == 1 else {
            Issue.record("expected one started scan, got \(outcomes)")
            return
        }
        #expect(await runner.tick(at: now.addingTimeInterval(1)).isEmpty, "not due again until the next hour")
        #expect(try await store.schedules().first?.lastRunAt == now)

        // The scan runs in the background; the delivery loop sends its alerts.
        let delivery = Task { await dispatcher.run(every: .milliseconds(50)) }
        defer { delivery.cancel() }
        let deadline = ContinuousClock.now + .seconds(30)
        while sink.alerts.count < 3 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await store.scan(scanID)?.status == .completed)
        #expect(await scans.runningScans.isEmpty)
        #expect(Set(sink.alerts.map(\.kind)) == [.deviceAdded])
        #expect(sink.alerts.compactMap(\.device?.ip).sorted() == ["192.0.2.1", "192.0.2.2", "192.0.2.3"])
        // Alerts carry the stored device's id.
        let stored = try await store.inventory().map(\.id.rawValue).sorted()
        #expect(sink.alerts.compactMap(\.device?.id).sorted() == stored)
    }

    @Test func anUnusableScheduleIsReportedAndTheOthersStillRun() async throws {
        let store = InMemoryDeviceStore()
        let scans = ScanCoordinator(monitor: Monitor(store: store, scanner: ReplayScanner(files: [])))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let broken = try await store.createSchedule(
            Schedule(id: ScheduleID(0), name: "broken", expression: "every fortnight", profile: "normal", targets: ["192.0.2.0/29"], nextRunAt: now))
        let refused = try await store.createSchedule(
            Schedule(id: ScheduleID(0), name: "refused", expression: "@every 1h", profile: "normal", targets: ["192.0.2.0/29"], nextRunAt: now))
        struct NoProfile: Error {}
        let runner = ScheduleRunner(store: store, scans: scans) { _ in throw NoProfile() }
        let outcomes = await runner.tick(at: now)
        #expect(outcomes.count == 2)
        #expect(outcomes.contains { if case .failed(broken.id, let reason) = $0 { reason.contains("invalid expression") } else { false } })
        #expect(outcomes.contains { if case .failed(refused.id, _) = $0 { true } else { false } })
        #expect(try await store.schedules().first { $0.id == refused.id }?.nextRunAt ?? now > now, "a failed start still moves the schedule on")
    }
}
