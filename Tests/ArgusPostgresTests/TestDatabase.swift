//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusPostgres
import ArgusTesting
import Foundation
import Testing

/// New, empty databases on the test process's own PostgreSQL cluster.
enum TestDatabase {
    /// Whether PostgreSQL can run here: tests are skipped, with the reason, when it cannot.
    static let available = ConditionTrait.enabled(
        if: PostgresTestServer.unavailableReason == nil, Comment(rawValue: PostgresTestServer.unavailableReason ?? "PostgreSQL is available"))

    /// A new, empty database, and a configuration to reach it.
    static func create(password: String? = nil) async throws -> (database: PostgresTestServer.Database, configuration: PostgresStoreConfiguration) {
        let database = try await PostgresTestServer.shared.createDatabase()
        return (
            database,
            PostgresStoreConfiguration(host: database.host, port: database.port, user: database.user, database: database.name, password: password)
        )
    }

    /// Runs SQL on a database behind the store's back.
    @discardableResult
    static func execute(_ sql: String, in database: PostgresTestServer.Database) async throws -> String {
        try await PostgresTestServer.shared.execute(sql, in: database)
    }

    /// Runs `body` on a store of a new, empty database, and closes the store after.
    static func withStore<Result>(_ body: (PostgresStore) async throws -> Result) async throws -> Result {
        let store = try await PostgresStore(create().configuration)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

/// A fixed clock for tests: whole seconds, so every store keeps them exactly.
func day(_ n: Int, hour: Int = 0) -> Date {
    Date(timeIntervalSince1970: 1_700_000_000 + Double(n * 86_400 + hour * 3_600))
}
