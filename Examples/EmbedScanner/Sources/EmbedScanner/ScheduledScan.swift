//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation

/// An alert sink of the embedder's own: it prints each alert.
struct PrintingSink: AlertSink {
    let name = "console"

    func deliver(_ alert: Alert) async throws {
        print("alert: \(alert.title): \(alert.message)")
    }
}

/// The composition root of a program that embeds Argus without HTTP: a store, a monitor with
/// alerting, a scan coordinator, a schedule runner and the dispatcher's delivery loop.
func runScheduledScan(of target: String) async throws {
    let store = InMemoryDeviceStore()
    let dispatcher = AlertDispatcher(store: store, sinks: [PrintingSink()])
    let monitor = Monitor(
        store: store, scanner: NmapScanner(),
        alerting: Monitor.Alerting(rules: AlertRules(kinds: [.deviceAdded, .baselineRecorded]), dispatcher: dispatcher))
    let scans = ScanCoordinator(monitor: monitor)
    // Host discovery every hour; due now.
    _ = try await store.createSchedule(
        Schedule(id: ScheduleID(0), name: "hourly sweep", expression: "@every 1h", profile: "quick", targets: [target], nextRunAt: Date()))
    let schedules = ScheduleRunner(store: store, scans: scans) { schedule in
        ScanRequest(targets: try ScanTargetList(schedule.targets), profile: .quick, resolvesNames: false)
    }
    // The delivery loop runs beside the schedules until the program is done.
    let delivery = Task { await dispatcher.run(every: .milliseconds(200)) }
    defer { delivery.cancel() }
    for outcome in await schedules.tick(at: Date()) {
        guard case .started(_, let scan) = outcome else {
            print("the schedule did not start: \(outcome)")
            return
        }
        while await !scans.runningScans.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        let recorded = try await store.scan(scan)
        print("scheduled scan \(scan): \(recorded?.status.rawValue ?? "?"), \(recorded?.devicesFound ?? 0) devices")
    }
    while try await store.pendingMessageCount() > 0 { try await Task.sleep(for: .milliseconds(100)) }
    print("alerts delivered.")
}
