//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusSQLite
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A process ingesting a scan is killed with SIGKILL at many moments; the database must stay
/// whole, keep every scan that completed, and mark the interrupted one when next opened.
@Suite struct CrashSafetyTests {
    @Test func killingAnImportAtRandomMomentsLosesNothingCommitted() async throws {
        let folder = temporaryFolder()
        let db = folder.appendingPathComponent("argus.db").path
        let hosts = 2_000
        let file = try replicatedScan(hosts: hosts, in: folder)

        // One import to completion, timed, so the kills can land anywhere within one.
        let clock = ContinuousClock()
        let start = clock.now
        let first = try CLI.run(["import", file.path, "--db", db])
        let duration = clock.now - start
        #expect(first.status == 0, "\(first.standardError)")
        let milliseconds = Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)

        var generator = SystemRandomNumberGenerator()
        var completedScans = 1
        var interruptedScans = 0
        for round in 0..<12 {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["import", file.path, "--db", db]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let delay = Int.random(in: 0...max(1, milliseconds * 11 / 10), using: &generator)
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let store = try SQLiteDeviceStore(path: db)
            #expect(try await store.integrityCheck() == ["ok"], "round \(round), killed after \(delay) ms")
            let scans = try await store.scans(ScanQuery(limit: 1_000)).items
            #expect(scans.allSatisfy { $0.status == .completed || $0.status == .interrupted }, "round \(round)")
            completedScans = scans.count { $0.status == .completed }
            interruptedScans = scans.count { $0.status == .interrupted }
            // Every completed scan is whole: all its devices and their ports.
            for scan in scans where scan.status == .completed {
                #expect(scan.devicesFound == hosts)
                let seen = try await store.observations(in: scan.id)
                #expect(seen.count == hosts)
                #expect(seen.allSatisfy { $0.ports.count == 4 })
            }
            // An interrupted scan left nothing behind.
            for scan in scans where scan.status == .interrupted {
                #expect(try await store.observations(in: scan.id).isEmpty)
            }
            #expect(try await store.devices(DeviceQuery(limit: 1)).total == hosts)
        }
        #expect(completedScans >= 1)
        #expect(interruptedScans >= 1, "no kill landed during an import")
    }
}
