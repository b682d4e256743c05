//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

/// A scanner that finds the given hosts, for alerting through a monitor.
struct HostsScanner: Argus.Scanner {
    var addresses: [String]
    /// Reported as the scanner working in a reduced way, when set.
    var degradation: String?

    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        let addresses = addresses
        let degradation = degradation
        return AsyncThrowingStream { continuation in
            var run = ScanRun()
            run.startTime = Date()
            continuation.yield(.started(run))
            if let degradation { continuation.yield(.degraded(degradation)) }
            for address in addresses {
                var host = HostObservation(status: HostStatus(state: .up))
                host.addresses = [HostAddress(address: address, type: .ipv4)]
                host.ports = [PortObservation(protocol: .tcp, number: 23, state: PortState(state: .open), service: Service(name: "telnet"))]
                continuation.yield(.host(host))
            }
            run.runStats = RunStats(
                finished: RunStats.Finished(time: Date(), exit: .success),
                hosts: RunStats.HostCounts(up: addresses.count, down: 0, total: addresses.count))
            continuation.yield(.finished(run))
            continuation.finish()
        }
    }
}

@Suite struct MonitorAlertTests {
    @Test func theFirstScanOfANetworkSendsOneSummaryAndLaterScansAlertPerChange() async throws {
        let store = InMemoryDeviceStore()
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"]), profile: .quick, resolvesNames: false)
        let rules = AlertRules(kinds: [.deviceAdded, .deviceRemoved, .baselineRecorded])
        let first = Monitor(
            store: store, scanner: HostsScanner(addresses: ["192.0.2.10", "192.0.2.11", "192.0.2.12"]), alerting: .init(rules: rules, sinks: ["ops"]))
        let recorded = try await first.scan(request)
        #expect(try await store.changes(ChangeQuery(scanID: recorded.scan.id)).total == 6, "the changes are recorded all the same")
        let queued = try await store.recentMessages(limit: 10)
        #expect(queued.map(\.idempotencyKey) == ["scan-\(recorded.scan.id.rawValue)-baseline"])
        let summary = try Alert.decode(try #require(queued.first).payload)
        #expect(summary.kind == .baselineRecorded)
        #expect(
            summary.message
                == "The first scan of 192.0.2.0/24 recorded its baseline: 3 devices, 3 open ports, 3 at high risk or above. Changes from now on alert one by one."
        )

        // A device joins: it alerts on its own.
        let second = Monitor(
            store: store, scanner: HostsScanner(addresses: ["192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"]),
            alerting: .init(rules: rules, sinks: ["ops"]))
        _ = try await second.scan(request)
        let kinds = try await store.recentMessages(limit: 10).compactMap { try? Alert.decode($0.payload).kind }
        #expect(kinds == [.deviceAdded, .baselineRecorded])
        // The first scan of another network summarises again.
        let other = Monitor(store: store, scanner: HostsScanner(addresses: ["198.51.100.1"]), alerting: .init(rules: rules, sinks: ["ops"]))
        let third = try await other.scan(ScanRequest(targets: try ScanTargetList(["198.51.100.0/24"]), profile: .quick, resolvesNames: false))
        #expect(try await store.recentMessages(limit: 1).first?.idempotencyKey == "scan-\(third.scan.id.rawValue)-baseline")
    }

    @Test func aScanQueuesItsAlertsInItsOwnTransactionAndTheyAreDeliveredOnce() async throws {
        let store = InMemoryDeviceStore()
        let sink = RecordingAlertSink(name: "ops")
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"]), profile: .quick, resolvesNames: false)
        // One alert per change from the first scan on (no baseline summary).
        let first = Monitor(
            store: store, scanner: HostsScanner(addresses: ["192.0.2.10", "192.0.2.11"]),
            alerting: .init(rules: AlertRules(kinds: [.deviceAdded, .deviceRemoved], summarizesFirstScan: false), sinks: ["ops"]))
        let recorded = try await first.scan(request)
        #expect(await store.pendingMessageCount() == 2, "one per new device, queued with the scan")
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        #expect(try await dispatcher.deliverDue().delivered == 2)
        #expect(sink.received.count == 2 && sink.received.allSatisfy { $0.hasPrefix("scan-\(recorded.scan.id.rawValue)-change-") })

        // The next scan misses one: an offline alert; nothing else repeats.
        // No grace period here (the default holds offline alerts for 15 minutes).
        #expect(AlertRules().offlineGrace.standard == 15 * 60)
        let second = Monitor(
            store: store, scanner: HostsScanner(addresses: ["192.0.2.10"]),
            alerting: .init(rules: AlertRules(kinds: [.deviceAdded, .deviceRemoved], offlineGrace: OfflineGrace(standard: 0)), sinks: ["ops"]))
        _ = try await second.scan(request)
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(sink.received.count == 3)

        // A failing scan alerts too.
        let failing = Monitor(store: store, scanner: FailingScanner(), alerting: .init(sinks: ["ops"]))
        await #expect(throws: ScanError.self) { _ = try await failing.scan(request) }
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(sink.received.last?.hasSuffix("-failed") == true)

        // A missing nmap is the scanner degraded: one alert however many scans fail.
        let missing = Monitor(store: store, scanner: NmapScanner(executable: "/nonexistent/nmap"), alerting: .init(sinks: ["ops"]))
        for _ in 0..<3 { await #expect(throws: ScanError.self) { _ = try await missing.scan(request) } }
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(sink.received.last?.hasSuffix("-scanner-degraded") == true)
        #expect(sink.received.count == 5)
    }

    @Test func anUnprivilegedScannerIsReportedOnceAndAgainOnlyAfterRecovering() async throws {
        let store = InMemoryDeviceStore()
        let sink = RecordingAlertSink(name: "ops")
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"]), profile: .quick, resolvesNames: false)
        let degraded = Monitor(
            store: store,
            scanner: HostsScanner(addresses: ["192.0.2.10"], degradation: "nmap runs without raw-packet privileges (not root): a TCP connect scan"),
            alerting: .init(rules: AlertRules(kinds: [.scannerDegraded]), sinks: ["ops"]))
        for _ in 0..<3 { _ = try await degraded.scan(request) }
        try await dispatcher.deliverDue()
        #expect(sink.received.count == 1, "once, not per scan or host")
        // Healthy again, then degraded again: a second alert.
        _ = try await Monitor(
            store: store, scanner: HostsScanner(addresses: ["192.0.2.10"]),
            alerting: .init(rules: AlertRules(kinds: [.scannerDegraded]), sinks: ["ops"])
        ).scan(request)
        _ = try await degraded.scan(request)
        try await dispatcher.deliverDue()
        #expect(sink.received.count == 2)
        #expect(sink.received.allSatisfy { $0.hasSuffix("-scanner-degraded") })
    }
}

/// A scanner whose nmap fails.
struct FailingScanner: Argus.Scanner {
    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: ScanError(.nmapFailed, "nmap stopped with exit status 1")) }
    }
}
