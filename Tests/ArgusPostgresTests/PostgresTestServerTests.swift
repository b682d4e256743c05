//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusTesting
import Foundation
import Testing

/// The throwaway cluster the tests run on: loopback only, its files in a temporary folder, a
/// new empty database per test.
@Suite(TestDatabase.available) struct PostgresTestServerTests {
    @Test func eachTestGetsANewEmptyDatabaseOnALoopbackOnlyServer() async throws {
        let database = try await PostgresTestServer.shared.createDatabase()
        let other = try await PostgresTestServer.shared.createDatabase()
        #expect(database.name != other.name && database.port == other.port && database.host == "127.0.0.1")
        #expect(database.url == "postgres://argus@127.0.0.1:\(database.port)/\(database.name)")
        #expect(try await TestDatabase.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", in: database) == "0")
        #expect(try await TestDatabase.execute("SHOW listen_addresses", in: database) == "127.0.0.1")
        let socketFolder = try await TestDatabase.execute("SHOW unix_socket_directories", in: database)
        #expect(socketFolder.contains("/argus-pg-"))
        let dataFolder = try await TestDatabase.execute("SHOW data_directory", in: database)
        #expect(dataFolder == socketFolder + "/data")
        if ProcessInfo.processInfo.userName == "root" {
            // PostgreSQL refuses to run as root: the cluster belongs to nobody.
            let owner = try FileManager.default.attributesOfItem(atPath: dataFolder)[.ownerAccountName] as? String
            #expect(owner == "nobody")
        }
    }
}
