//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusPostgres
import ArgusTesting
import Foundation
import Testing

/// Schedules shared by replicas: each run is taken by one scheduler.
@Suite(TestDatabase.available) struct ScheduleTests {
    /// A recorded scan of one host, for the replay scanner.
    static let scanFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("argus-schedule-\(UUID().uuidString).xml").path
        let xml = """
            <?xml version="1.0"?><nmaprun scanner="nmap" args="nmap -sn 192.0.2.1" start="1700000000" version="7.93">
            <host><status state="up" reason="echo-reply"/><address addr="192.0.2.1" addrtype="ipv4"/></host>
            <runstats><finished time="1700000001"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>
            """
        FileManager.default.createFile(atPath: path, contents: Data(xml.utf8))
        return path
    }()

    @Test func twoReplicasRunEachScheduledScanOnce() async throws {
        let (_, configuration) = try await TestDatabase.create()
        let stores = [try await PostgresStore(configuration), try await PostgresStore(configuration)]
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try await stores[0].createSchedule(
            Schedule(
                id: ScheduleID(0), name: "hourly", expression: "@every 1h", profile: "quick", targets: ["192.0.2.1"],
                nextRunAt: start.addingTimeInterval(-1)))
        let coordinators = stores.map {
            ScanCoordinator(monitor: Monitor(store: $0, scanner: ReplayScanner(files: Array(repeating: Self.scanFile, count: 5))))
        }
        let runners = zip(stores, coordinators).map { store, scans in
            ScheduleRunner(store: store, scans: scans) { schedule in ScanRequest(targets: try ScanTargetList(schedule.targets), profile: .quick) }
        }
        var started: [ScanID] = []
        for hour in 0..<3 {
            let now = start.addingTimeInterval(Double(hour) * 3_600 + 1)
            // Both replicas check at the same moment.
            let outcomes = await withTaskGroup(of: [ScheduleRunner.Outcome].self) { group in
                for runner in runners { group.addTask { await runner.tick(at: now) } }
                return await group.reduce(into: []) { $0 += $1 }
            }
            let ids = outcomes.compactMap { outcome -> ScanID? in
                if case .started(_, let id) = outcome { return id }
                return nil
            }
            #expect(ids.count == 1 && outcomes.count == 1, "hour \(hour): \(outcomes)")
            started += ids
            for scans in coordinators {
                while await !scans.runningScans.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
        }
        #expect(try await stores[1].scans(ScanQuery()).total == 3)
        #expect(try await stores[1].schedules().first?.lastRunAt == start.addingTimeInterval(2 * 3_600 + 1))
        for store in stores { await store.close() }
    }
}
