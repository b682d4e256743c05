//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import PostgresNIO

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A store on PostgreSQL, for deployments that keep Argus's data in a shared server.
///
/// It plays every role: ``DeviceStore`` (the inventory, with `COPY` ingest), ``AlertOutbox``,
/// ``VulnerabilityStore``, ``SettingsStore`` and `AccountStore`.
///
/// Opening a store connects, then applies the migrations the database lacks, each in one
/// transaction under an advisory lock, and refuses a database whose schema is newer than this
/// build. Queries run on a pool of connections (`PostgresClient`) that the store runs in a task
/// of its own until ``close()``.
public final class PostgresStore: StoreHealthReporting, Sendable {
    /// Where the store connects (the password is never printed).
    public let configuration: PostgresStoreConfiguration
    /// The connection pool.
    let client: PostgresClient
    /// Runs the pool until the store closes.
    private let runner: Task<Void, Never>
    /// Where the pool and queries log.
    let logger: Logger

    /// Connects and brings the database's schema up to date.
    /// - Parameters:
    ///   - configuration: Where to connect.
    ///   - maximumConnections: The most connections the pool opens.
    /// - Throws: ``StoreError``: `newerSchema` when a newer Argus wrote the database,
    ///   `notArgusDatabase` when it holds tables but no Argus schema, `storage` when the server
    ///   cannot be reached or refuses.
    public init(_ configuration: PostgresStoreConfiguration, maximumConnections: Int = 10) async throws {
        self.configuration = configuration
        var logger = Logger(label: "argus.postgres")
        logger.logLevel = .warning
        self.logger = logger
        var clientConfiguration = PostgresClient.Configuration(
            host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
            database: configuration.database, tls: .disable)
        clientConfiguration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        do {
            try await probe()
            try await migrate()
            try await markAbandonedScans(at: Date())
        } catch {
            runner.cancel()
            await runner.value
            throw storeError(error, "connecting")
        }
    }

    /// Makes one connection of its own first, so that a server that cannot be reached, or that
    /// refuses the user or the database, is reported at once (the pool retries for a minute).
    private func probe() async throws {
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                host: configuration.host, port: configuration.port, username: configuration.user, password: configuration.password,
                database: configuration.database, tls: .disable),
            id: 0, logger: logger)
        try await connection.close()
    }

    deinit {
        runner.cancel()
    }

    /// Closes every connection; the store cannot be used after.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    // MARK: Running statements

    /// Runs one statement and returns its rows; errors become ``StoreError``s.
    @discardableResult
    func fetch(_ query: PostgresQuery, _ doing: String) async throws -> [PostgresRow] {
        do {
            return try await client.query(query, logger: logger).collect()
        } catch {
            throw storeError(error, doing)
        }
    }

    /// Runs a statement that returns one integer (a count) and returns it.
    func count(_ query: PostgresQuery, _ doing: String) async throws -> Int {
        try decode(try await fetch(query, doing)) { try $0.decode(Int.self) }.first ?? 0
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back
    /// when it throws. Errors become ``StoreError``s.
    func transaction<Result: Sendable>(_ doing: String, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        do {
            return try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    let result = try await body(connection)
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as ProducerError {
            throw error
        } catch {
            throw storeError(error, doing)
        }
    }

    /// A scan producer's own error, carried out of the recording transaction as it was thrown.
    struct ProducerError: Error {
        /// What the producer threw.
        let error: any Error
    }

    /// Decodes rows, turning a decoding failure into a ``StoreError``.
    func decode<Row>(_ rows: [PostgresRow], _ transform: (PostgresRow) throws -> Row) throws -> [Row] {
        do {
            return try rows.map(transform)
        } catch {
            throw storeError(error, "reading stored rows")
        }
    }

    /// A store error for `error`, met while `doing` something, that never includes the
    /// password (nor the values bound to the statement).
    func storeError(_ error: any Error, _ doing: String) -> StoreError {
        if let error = error as? StoreError { return error }
        let server = "PostgreSQL at \(configuration.host):\(configuration.port)"
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let message = error.serverInfo?[.message] ?? "no message"
                let code: StoreError.Code =
                    switch state {
                    case "23505": .duplicate
                    case "53100": .diskFull
                    case "25006": .readOnly
                    case "40001", "40P01", "55P03", "57014", "53300": .busy
                    default: .storage
                    }
                return StoreError(code, "\(server) failed \(doing): \(message) (SQLSTATE \(state))")
            case .connectionError:
                return StoreError(.storage, "\(server) cannot be reached while \(doing): \(error.underlying.map { "\($0)" } ?? "\(error.code)")")
            case .serverClosedConnection, .uncleanShutdown:
                return StoreError(.storage, "\(server) closed the connection while \(doing) (\(error.code))")
            default:
                return StoreError(.storage, "\(server) failed \(doing) (\(error.code))")
            }
        }
        // The pool's own errors (its module is not imported here): connections that cannot be
        // made for a while trip its circuit breaker.
        if "\(type(of: error))" == "ConnectionPoolError" {
            return StoreError(.storage, "\(server) cannot be reached: no connection could be made while \(doing)")
        }
        if error is PostgresDecodingError {
            return StoreError(.corrupt, "a value stored in \(server) does not have the expected type (\(doing))")
        }
        return StoreError(.storage, "\(server) failed \(doing): \(type(of: error))")
    }

    // MARK: Schema

    /// Applies the migrations the database lacks, one transaction each, under the advisory
    /// lock; refuses a database written by a newer build, or another application's.
    private func migrate() async throws {
        while true {
            let applied = try await transaction("migrating the schema") { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Schema.advisoryLockKey))", logger: logger)
                // Tables without Argus's version table: another application's database.
                let foreign =
                    try await connection.query(
                        """
                        SELECT to_regclass('argus_schema_migrations') IS NULL
                        AND EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = current_schema())
                        """, logger: logger
                    ).decode(Bool.self).first { _ in true } ?? false
                guard !foreign else {
                    throw StoreError(
                        .notArgusDatabase,
                        "the database \(configuration.database) holds tables but no Argus schema: give Argus a database of its own")
                }
                try await connection.query(PostgresQuery(unsafeSQL: Schema.versionTable), logger: logger)
                let version =
                    try await connection.query("SELECT coalesce(max(version), 0) FROM argus_schema_migrations", logger: logger)
                    .decode(Int.self).first { _ in true } ?? 0
                guard version <= Schema.latestVersion else {
                    throw StoreError(
                        .newerSchema,
                        "the database \(configuration.database) has schema version \(version), newer than this Argus's "
                            + "\(Schema.latestVersion): it was written by a newer Argus; upgrade Argus to use it")
                }
                guard version < Schema.latestVersion else { return false }
                for statement in Schema.migrations[version] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO argus_schema_migrations (version) VALUES (\(version + 1))", logger: logger)
                return true
            }
            if !applied { return }
        }
    }

    /// Why the store cannot be used now: the server cannot be reached or answers with an error;
    /// `nil` while a trivial query succeeds (within five seconds).
    public func healthProblem() async -> String? {
        do {
            return try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    try await self.fetch("SELECT 1", "checking the connection")
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    return "PostgreSQL at \(self.configuration.host):\(self.configuration.port) did not answer within 5 s"
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch let error as StoreError {
            return error.message
        } catch {
            return "PostgreSQL at \(configuration.host):\(configuration.port) cannot be used (\(type(of: error)))"
        }
    }

    /// The schema version the database is at.
    func schemaVersion() async throws -> Int {
        let rows = try await fetch("SELECT coalesce(max(version), 0) FROM argus_schema_migrations", "reading the schema version")
        return try decode(rows) { try $0.decode(Int.self) }.first ?? 0
    }
}
