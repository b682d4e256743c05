//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusTesting
import Foundation
import Testing

@testable import ArgusPostgres

/// Migrations: applied once however many stores open a new database together, and a newer
/// schema refused.
@Suite(TestDatabase.available) struct SchemaTests {
    @Test func storesOpeningANewDatabaseTogetherMigrateItOnce() async throws {
        let (database, configuration) = try await TestDatabase.create()
        // Without the advisory lock, all but one would fail creating tables that exist already.
        let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for _ in 0..<6 { group.addTask { try await PostgresStore(configuration, maximumConnections: 2) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(stores.count == 6)
        let versions = try await TestDatabase.execute("SELECT version FROM argus_schema_migrations ORDER BY version", in: database)
        #expect(versions == (1...Schema.latestVersion).map(String.init).joined(separator: "\n"))
        for store in stores { #expect(try await store.schemaVersion() == Schema.latestVersion) }
        // Opening again applies nothing.
        let again = try await PostgresStore(configuration)
        #expect(try await TestDatabase.execute("SELECT count(*) FROM argus_schema_migrations", in: database) == "\(Schema.latestVersion)")
        await again.close()
        for store in stores { await store.close() }
    }

    @Test func aDatabaseWithANewerSchemaIsRefused() async throws {
        let (database, configuration) = try await TestDatabase.create(password: "hunter2-is-not-printed")
        let store = try await PostgresStore(configuration)
        try await store.setSetting("kept", to: "1")
        await store.close()
        try await TestDatabase.execute("INSERT INTO argus_schema_migrations (version) VALUES (\(Schema.latestVersion + 1))", in: database)

        let error = await #expect(throws: StoreError.self) { try await PostgresStore(configuration) }
        #expect(error?.code == .newerSchema)
        #expect(error?.message.contains("schema version \(Schema.latestVersion + 1), newer than this Argus's \(Schema.latestVersion)") == true)
        #expect(error?.message.contains(configuration.database) == true)
        #expect(error?.message.contains("hunter2") == false)
    }

    @Test func anotherApplicationsDatabaseIsRefused() async throws {
        let (database, configuration) = try await TestDatabase.create()
        try await TestDatabase.execute("CREATE TABLE users (id integer PRIMARY KEY, email text)", in: database)
        let error = await #expect(throws: StoreError.self) { try await PostgresStore(configuration) }
        #expect(error?.code == .notArgusDatabase)
        #expect(error?.message == "the database \(database.name) holds tables but no Argus schema: give Argus a database of its own")
        // Nothing was created in it.
        #expect(try await TestDatabase.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", in: database) == "1")
    }

    @Test func aFailedStatementSaysWhatFailedWithoutThePassword() async throws {
        let (database, configuration) = try await TestDatabase.create(password: "hunter2-is-not-printed")
        let store = try await PostgresStore(configuration)
        _ = try await store.createUser(username: "admin", passwordHash: "hash", at: day(1))
        let duplicate = await #expect(throws: StoreError.self) { try await store.createUser(username: "admin", passwordHash: "hash", at: day(1)) }
        #expect(duplicate?.code == .duplicate && duplicate?.message == "a user named admin already exists")
        // A table dropped behind the store's back: the error says what failed, and why.
        try await TestDatabase.execute("DROP TABLE audit_log", in: database)
        let failure = await #expect(throws: StoreError.self) { try await store.appendAudit(AuditEntry(action: "login", details: "hunter2")) }
        #expect(failure?.code == .storage)
        #expect(failure?.message.hasPrefix("PostgreSQL at 127.0.0.1:\(configuration.port) failed appending to the audit log: ") == true)
        #expect(failure?.message.contains("\"audit_log\" does not exist (SQLSTATE 42P01)") == true)
        for error in [duplicate, failure] {
            #expect(error?.message.contains("hunter2") == false)
            #expect("\(String(describing: error))".contains("hunter2") == false)
        }
        await store.close()
    }

    @Test func aServerThatCannotBeReachedOrRefusesIsSaidSoAtOnce() async throws {
        // Nothing listens on port 1: the connection is refused.
        let unreachable = PostgresStoreConfiguration(host: "127.0.0.1", port: 1, user: "argus", database: "argus", password: "hunter2-secret")
        let refused = await #expect(throws: StoreError.self) { try await PostgresStore(unreachable) }
        #expect(refused?.code == .storage)
        #expect(refused?.message.hasPrefix("PostgreSQL at 127.0.0.1:1 cannot be reached while connecting: ") == true)
        #expect(refused?.message.contains("hunter2") == false)
        // A database that does not exist: the server's own words.
        var missing = try await TestDatabase.create(password: "hunter2-secret").configuration
        missing.database = "no_such_database"
        let absent = await #expect(throws: StoreError.self) { try await PostgresStore(missing) }
        #expect(absent?.code == .storage)
        #expect(
            absent?.message
                == "PostgreSQL at 127.0.0.1:\(missing.port) failed connecting: database \"no_such_database\" does not exist (SQLSTATE 3D000)")
    }

    @Test func theFirstUserIsCreatedOnceAcrossReplicas() async throws {
        let configuration = try await TestDatabase.create().configuration
        let first = try await PostgresStore(configuration)
        let second = try await PostgresStore(configuration)
        let created = try await withThrowingTaskGroup(of: User?.self) { group in
            for index in 0..<20 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { try await store.createFirstUser(username: "admin\(index)", passwordHash: "hash", at: day(1)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(created.compactMap { $0 }.count == 1)
        #expect(try await first.userCount() == 1)
        #expect(try await second.users().map(\.username) == created.compactMap { $0?.username })
        await first.close()
        await second.close()
    }
}
