//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

/// Docs/Embedding.md's snippets, compiled and run (a replayed scan instead of nmap), so the
/// guide stays true to the API.
@Suite struct EmbeddingGuideTests {
    struct PrintingSink: AlertSink {
        let name = "console"
        let sink = RecordingAlertSink(name: "console")
        func deliver(_ alert: Alert) async throws { try await sink.deliver(alert) }
    }

    @Test func theGuidesCompositionRootScansAlertsAndSchedules() async throws {
        let monday = try TestRun.monday.write()
        defer { try? FileManager.default.removeItem(atPath: monday) }
        let printing = PrintingSink()
        // The composition root.
        let store = InMemoryDeviceStore()
        let dispatcher = AlertDispatcher(store: store, sinks: [printing])
        let monitor = Monitor(
            store: store,
            scanner: ReplayScanner(files: [monday]) as any Argus.Scanner,
            alerting: Monitor.Alerting(rules: AlertRules(), dispatcher: dispatcher))

        // A scan.
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/29"], excluding: ["192.0.2.7"]), profile: .normal)
        let recorded = try await monitor.scan(
            request,
            onEvent: { event in
                if case .progress(let progress) = event { _ = (progress.task, progress.percent) }
            })
        let changes = try await store.changes(ChangeQuery(scanID: recorded.scan.id)).items
        #expect(!changes.isEmpty && recorded.scan.coverage?.exclusions == ["192.0.2.7"])

        // Alerts: the delivery loop sends the baseline summary.
        let delivery = Task { await dispatcher.run(every: .milliseconds(20)) }
        let deadline = ContinuousClock.now + .seconds(10)
        while printing.sink.alerts.isEmpty && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        delivery.cancel()
        #expect(printing.sink.alerts.map(\.kind) == [.baselineRecorded])

        // A schedule, not due yet: created without a next run time, it is given one.
        let scans = ScanCoordinator(monitor: monitor)
        _ = try await store.createSchedule(
            Schedule(id: ScheduleID(0), name: "nightly", expression: "0 3 * * *", profile: "normal", targets: ["192.0.2.0/29"]))
        let schedules = ScheduleRunner(store: store, scans: scans) { schedule in
            ScanRequest(targets: try ScanTargetList(schedule.targets), profile: .normal)
        }
        #expect(await schedules.tick(at: Date()).isEmpty)
        #expect(try await store.schedules().first?.nextRunAt != nil)
    }
}
