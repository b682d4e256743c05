//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

@testable import ArgusSQLite

/// What only the SQLite store has to prove: it persists, it refuses files it must not touch,
/// and reads do not wait for writes.
@Suite struct SQLiteDeviceStoreTests {
    @Test func dataSurvivesReopeningAndRunningScansBecomeInterrupted() async throws {
        let path = TemporaryFolder.make().appendingPathComponent("nested/folder/argus.db").path
        var store: SQLiteDeviceStore? = try SQLiteDeviceStore(path: path)
        let recorded = try await store!.recordTestScan(
            at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1", mac: "00:1B:21:3A:4B:5C", ports: [port(22)])])
        _ = try await store!.editDevice(recorded.deviceIDs[0], DeviceEdit(label: "router"))
        let running = try await store!.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(2)))
        store = nil

        // The scan's process (this one) still runs: opening the database leaves its scan alone,
        // as a CLI opening the database next to a running server must.
        let alongside = try SQLiteDeviceStore(path: path, now: day(3))
        #expect(try await alongside.scan(running.id)?.status == .running)

        // Once the process that ran it is gone, the scan is interrupted.
        do {
            let connection = try SQLiteConnection(path: path, readOnly: false, create: false)
            try connection.run("UPDATE scans SET runner = '2147483646:1' WHERE id = ?", [.of(running.id)])
        }
        let reopened = try SQLiteDeviceStore(path: path, now: day(3))
        #expect(try await reopened.device(recorded.deviceIDs[0])?.label == "router")
        #expect(try await reopened.scan(recorded.scan.id)?.status == .completed)
        let interrupted = try #require(try await reopened.scan(running.id))
        #expect(interrupted.status == .interrupted)
        #expect(interrupted.finishedAt == day(3))
        #expect(try await reopened.integrityCheck() == ["ok"])
    }

    @Test func aNewDatabaseIsReadableByItsOwnerOnly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-mode-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("argus.db").path
        let store = try SQLiteDeviceStore(path: path)
        _ = store
        for file in [path, path + "-wal"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(file): \(String(mode, radix: 8))")
        }
        try? FileManager.default.removeItem(at: folder)
    }

    @Test func anEmptyFileIsRefusedAndKept() throws {
        let path = TemporaryFolder.make().appendingPathComponent("argus.db").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect {
            _ = try SQLiteDeviceStore(path: path)
        } throws: { error in
            (error as? StoreError)?.code == .notArgusDatabase && "\(error)".contains("empty (0 bytes)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
    }

    @Test func aFileThatIsNotSQLiteIsRefusedAndKept() throws {
        let path = TemporaryFolder.make().appendingPathComponent("notes.txt").path
        let text = Data(String(repeating: "my precious notes\n", count: 100).utf8)
        #expect(FileManager.default.createFile(atPath: path, contents: text))
        #expect {
            _ = try SQLiteDeviceStore(path: path)
        } throws: { error in
            (error as? StoreError)?.code == .notArgusDatabase && "\(error)".contains("not an SQLite database")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
    }

    @Test func anotherProgramsSQLiteDatabaseIsRefusedAndKept() throws {
        let path = TemporaryFolder.make().appendingPathComponent("other.db").path
        do {
            let connection = try SQLiteConnection(path: path, readOnly: false, create: true)
            try connection.execute("CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup')")
        }
        #expect {
            _ = try SQLiteDeviceStore(path: path)
        } throws: { error in
            (error as? StoreError)?.code == .notArgusDatabase && "\(error)".contains("another program")
        }
        let connection = try SQLiteConnection(path: path, readOnly: true, create: false)
        #expect(try connection.query("SELECT name FROM recipes") { $0.string(0) } == ["soup"])
    }

    @Test func aDatabaseFromANewerArgusIsRefused() async throws {
        let path = TemporaryFolder.make().appendingPathComponent("argus.db").path
        _ = try SQLiteDeviceStore(path: path)
        do {
            let connection = try SQLiteConnection(path: path, readOnly: false, create: false)
            try connection.execute("PRAGMA user_version = \(Schema.latestVersion + 1)")
        }
        #expect {
            _ = try SQLiteDeviceStore(path: path)
        } throws: { error in
            (error as? StoreError)?.code == .newerSchema && "\(error)".contains("upgrade Argus")
        }
    }

    @Test func aDamagedDatabaseIsReportedAsDamaged() async throws {
        let path = TemporaryFolder.make().appendingPathComponent("argus.db").path
        do {
            let store = try SQLiteDeviceStore(path: path)
            for index in 1...20 {
                try await store.recordTestScan(
                    at: day(index), devices: (1...50).map { DeviceUpdate(ip: "192.0.2.\($0)", ports: [port(22), port(80)]) })
            }
        }
        // Overwrite everything after the first page (the schema) with garbage.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 64 * 1024))
        try handle.close()
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        await #expect {
            let store = try SQLiteDeviceStore(path: path)
            _ = try await store.devices(DeviceQuery(limit: 10_000))
            _ = try await store.scans(ScanQuery(limit: 100))
        } throws: { error in
            (error as? StoreError).map { [.corrupt, .notArgusDatabase].contains($0.code) } ?? false
        }
    }

    @Test func readsDoNotWaitForALongIngest() async throws {
        let store = try SQLiteDeviceStore(path: TemporaryFolder.make().appendingPathComponent("argus.db").path)
        try await store.recordTestScan(at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")])
        let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(2)))
        let big = ScanResult(
            scanID: scan.id, finishedAt: day(2),
            devices: (0..<40_000).map { index in
                DeviceUpdate(ip: "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)", ports: [port(22), port(80), port(443)])
            })
        let ingest = Task { try await store.record(big) }
        var readsDuringIngest = 0
        var sawOnlyCommittedState = true
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        while clock.now < deadline {
            let page = try await store.devices(DeviceQuery(limit: 5))
            let status = try await store.scan(scan.id)?.status
            if status == .completed { break }
            readsDuringIngest += 1
            // Until the ingest commits, a reader sees none of it.
            if page.total != 1 { sawOnlyCommittedState = false }
        }
        let recorded = try await ingest.value
        #expect(recorded.deviceIDs.count == 40_000)
        #expect(readsDuringIngest > 0, "no read completed while the ingest ran")
        #expect(sawOnlyCommittedState)
        #expect(try await store.devices(DeviceQuery(limit: 1)).total == 40_001)
    }
}
