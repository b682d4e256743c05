//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// A scanner that finds the given hosts, for alerting through a monitor.
struct HostsScanner: Argus.Scanner {
    var addresses: [String]

    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        let addresses = addresses
        return AsyncThrowingStream { continuation in
            var run = ScanRun()
            run.startTime = Date()
            continuation.yield(.started(run))
            for address in addresses {
                var host = HostObservation(status: HostStatus(state: .up))
                host.addresses = [HostAddress(address: address, type: .ipv4)]
                host.ports = [PortObservation(protocol: .tcp, number: 23, state: PortState(state: .open), service: Service(name: "telnet"))]
                continuation.yield(.host(host))
            }
            run.runStats = RunStats(finished: RunStats.Finished(time: Date(), exit: .success), hosts: RunStats.HostCounts(up: addresses.count, down: 0, total: addresses.count))
            continuation.yield(.finished(run))
            continuation.finish()
        }
    }
}

@Suite struct MonitorAlertTests {
    @Test func aScanQueuesItsAlertsInItsOwnTransactionAndTheyAreDeliveredOnce() async throws {
        let store = InMemoryDeviceStore()
        let sink = RecordingSink(name: "ops")
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/24"]), profile: .quick, resolvesNames: false)
        let first = Monitor(store: store, scanner: HostsScanner(addresses: ["192.0.2.10", "192.0.2.11"]), alerting: .init(rules: AlertRules(kinds: [.newDevice, .deviceOffline]), sinks: ["ops"]))
        let recorded = try await first.scan(request)
        #expect(try await store.pendingMessageCount() == 2, "one per new device, queued with the scan")
        let dispatcher = AlertDispatcher(store: store, sinks: [sink])
        #expect(try await dispatcher.deliverDue().delivered == 2)
        #expect(sink.received.count == 2 && sink.received.allSatisfy { $0.hasPrefix("scan-\(recorded.scan.id.rawValue)-change-") })

        // The next scan misses one: an offline alert; nothing else repeats.
        let second = Monitor(store: store, scanner: HostsScanner(addresses: ["192.0.2.10"]), alerting: .init(rules: AlertRules(kinds: [.newDevice, .deviceOffline]), sinks: ["ops"]))
        _ = try await second.scan(request)
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(sink.received.count == 3)

        // A failing scan alerts too.
        let failing = Monitor(store: store, scanner: NmapScanner(executable: "/nonexistent/nmap"), alerting: .init(sinks: ["ops"]))
        await #expect(throws: ScanError.self) { _ = try await failing.scan(request) }
        #expect(try await dispatcher.deliverDue().delivered == 1)
        #expect(sink.received.last?.hasSuffix("-failed") == true)
    }
}
