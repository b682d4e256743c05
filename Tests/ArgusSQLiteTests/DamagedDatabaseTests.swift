//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

@testable import ArgusSQLite

/// A database with damaged data pages but an intact schema page: the kind of damage that the
/// checks of the header and the schema never see.
enum DamagedDatabase {
    /// Makes a database of twenty scans of fifty devices and closes it.
    static func make() async throws -> String {
        let path = TemporaryFolder.make().appendingPathComponent("argus.db").path
        do {
            let store = try SQLiteDeviceStore(path: path)
            for index in 1...20 {
                try await store.recordTestScan(
                    at: day(index), devices: (1...50).map { DeviceUpdate(ip: "192.0.2.\($0)", ports: [port(22), port(80)]) })
            }
        }
        try? FileManager.default.removeItem(atPath: path + "-wal")
        try? FileManager.default.removeItem(atPath: path + "-shm")
        return path
    }

    /// Overwrites the last `pages` pages of the file (the latest scans' rows, far from the
    /// schema, which the migrations wrote first) with garbage.
    static func damage(_ path: String, pages: Int = 8) throws {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(size - pages * 4096))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pages * 4096))
        try handle.close()
    }
}

@Suite struct DamagedDatabaseTests {
    @Test func damagedPagesAreFoundWhenTheStoreOpens() async throws {
        let path = try await DamagedDatabase.make()
        try DamagedDatabase.damage(path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteDeviceStore(path: path)
        } throws: { error in
            guard let error = error as? StoreError, error.code == .corrupt else { return false }
            return error.message.contains("damaged") && error.message.contains("restore it from a backup") && error.message.contains(".recover")
        }
        // The file is left as it was, for the owner to recover.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test func anIntactDatabaseOpensAndReportsNoProblem() async throws {
        let path = try await DamagedDatabase.make()
        let store = try SQLiteDeviceStore(path: path)
        #expect(await store.healthProblem() == nil)
        #expect(try await store.devices(DeviceQuery(limit: 10)).total > 0)
    }

    @Test func damageMetWhileRunningMarksTheStoreUnhealthy() async throws {
        let path = try await DamagedDatabase.make()
        let store = try SQLiteDeviceStore(path: path)
        #expect(await store.healthProblem() == nil)
        try DamagedDatabase.damage(path, pages: 64)
        await #expect(throws: StoreError.self) {
            for _ in 0..<3 {
                _ = try await store.scans(ScanQuery(limit: 100))
                for scan in 1...20 { _ = try await store.devices(DeviceQuery(scanID: ScanID(Int64(scan)), limit: 10_000)) }
                _ = try await store.latestObservations()
            }
        }
        let problem = try #require(await store.healthProblem())
        #expect(problem.contains("damaged") && problem.contains(".recover"))
        #expect(!problem.contains(path) && !problem.contains("/"), "no path in \(problem)")
    }
}
