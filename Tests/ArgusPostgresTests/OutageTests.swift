//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusPostgres
import ArgusTesting
import Foundation
import Testing

/// The database server goes away and comes back: the store says so, loses nothing committed,
/// and works again without a restart of its own.
@Suite(TestDatabase.available) struct OutageTests {
    @Test(.timeLimit(.minutes(3)))
    func anOutageIsReportedAndTheStoreRecoversWhenTheServerReturns() async throws {
        let server = PostgresTestServer()
        let database = try await server.createDatabase()
        let store = try await PostgresStore(
            PostgresStoreConfiguration(host: database.host, port: database.port, user: database.user, database: database.name))
        let before = try await recordScan(store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")])
        #expect(await store.healthProblem() == nil)

        try await server.pause()
        let started = ContinuousClock.now
        let problem = await store.healthProblem()
        #expect(problem != nil, "the health check sees the outage")
        #expect(ContinuousClock.now - started < .seconds(10), "and says so within its limit")
        #expect(problem?.contains("127.0.0.1:\(database.port)") == true, "\(problem ?? "")")

        try await server.resume()
        var healthy = false
        for _ in 0..<120 {
            if await store.healthProblem() == nil {
                healthy = true
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(healthy, "healthy again once the server is back")
        #expect(try await store.device(before.deviceIDs[0])?.ip == "192.0.2.1", "what was committed is there")
        let after = try await recordScan(store, at: day(2), devices: [DeviceUpdate(deviceID: before.deviceIDs[0], ip: "192.0.2.1")])
        #expect(after.newDevices == 0)
        #expect(try await store.device(before.deviceIDs[0])?.timesSeen == 2)
        await store.close()
        await server.stop()
    }
}
