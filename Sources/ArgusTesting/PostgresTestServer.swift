//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Subprocess
import SystemPackage

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A throwaway PostgreSQL cluster for tests: started once per test process, on 127.0.0.1 only,
/// with trust authentication, in a temporary folder that is removed when the process ends.
///
/// It only runs PostgreSQL's own programs and hands out connection details; it links no
/// PostgreSQL client. Each test asks ``createDatabase()`` for a new, empty database.
///
/// ```swift
/// @Test(.enabled(if: PostgresTestServer.unavailableReason == nil)) func stores() async throws {
///     let database = try await PostgresTestServer.shared.createDatabase()
///     // connect to database.host, database.port as database.user to database.name
/// }
/// ```
public actor PostgresTestServer {
    /// The server shared by every test of this process, started on first use.
    public static let shared = PostgresTestServer()

    /// Where to reach one test's database: no password is needed (trust authentication).
    public struct Database: Sendable, Hashable {
        /// The server's address, always `127.0.0.1`.
        public var host: String
        /// The server's TCP port.
        public var port: Int
        /// The database user, a superuser of the throwaway cluster.
        public var user: String
        /// The new database's name.
        public var name: String

        /// The database as a `postgres://` URL.
        public var url: String { "postgres://\(user)@\(host):\(port)/\(name)" }
    }

    /// Why PostgreSQL cannot run here, or `nil` when it can: its programs are missing, or the
    /// process runs as root without `runuser` to drop to `nobody`.
    public static var unavailableReason: String? {
        guard Self.binaryFolder() != nil else {
            return
                "PostgreSQL is not installed: initdb, pg_ctl, postgres and psql were not found on PATH or in /usr/lib/postgresql/*/bin "
                + "(install Debian's postgresql package, or run Scripts/setup.sh --for-tests)"
        }
        if isRoot && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") {
            return "PostgreSQL cannot run as root, and runuser (util-linux) is missing to run it as nobody"
        }
        return nil
    }

    /// Whether this process runs as root, when PostgreSQL must run as `nobody`.
    static var isRoot: Bool { ProcessInfo.processInfo.userName == "root" }

    /// The database superuser of the throwaway cluster.
    static let user = "argus"

    /// The cluster's start, shared by every caller (the actor is reentrant: without it, two
    /// tests could each start a cluster).
    private var starting: Task<Running, any Error>?
    /// How many databases were created, for their names.
    private var databaseCount = 0

    /// A started cluster.
    private struct Running: Sendable {
        var folder: String
        var binaries: String
        var port: Int
    }

    /// Why the cluster could not be started.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        /// What failed, with the program's own output.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Creates a new, empty database on the shared server, starting the server first if needed.
    /// - Returns: Where to connect to it.
    /// - Throws: ``StartError`` when PostgreSQL is unavailable or fails.
    public func createDatabase() async throws -> Database {
        let running = try await start()
        databaseCount += 1
        let name = "argus_test_\(databaseCount)_\(UInt32.random(in: 0...UInt32.max))"
        // The name is built here from digits and letters only: safe to put in SQL as is.
        try await Self.run(
            running.binaries + "/psql",
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(running.port), "-U", Self.user, "-d", "postgres", "-c",
                "CREATE DATABASE \(name)",
            ])
        return Database(host: "127.0.0.1", port: running.port, user: Self.user, name: name)
    }

    /// Runs SQL on a test database through `psql`, as another client would (to arrange a state
    /// or check one behind a store's back).
    /// - Returns: The rows, one a line, columns separated by `|`, without headers.
    /// - Throws: ``StartError`` with psql's message when the SQL fails.
    @discardableResult
    public func execute(_ sql: String, in database: Database) async throws -> String {
        let running = try await start()
        var output = try await Self.run(
            running.binaries + "/psql",
            [
                "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(running.port), "-U", Self.user, "-d", database.name,
                "-c", sql,
            ])
        while output.last?.isWhitespace == true { output.removeLast() }
        return output
    }

    /// A server of its own, apart from ``shared``: for tests that stop and start it
    /// (``pause()``, ``resume()``) while others use the shared one.
    public init() {}

    /// Stops the server without removing its data, as an outage or a restart of a database
    /// server would; ``resume()`` starts it again on the same port.
    /// - Throws: ``StartError`` when it cannot be stopped.
    public func pause() async throws {
        let running = try await start()
        try await Self.run(running.binaries + "/pg_ctl", ["-D", running.folder + "/data", "-m", "fast", "-w", "stop"], asServerUser: true)
    }

    /// Starts a paused server again, on the same port, with its data.
    /// - Throws: ``StartError`` when it does not start.
    public func resume() async throws {
        let running = try await start()
        try await Self.run(
            running.binaries + "/pg_ctl", ["-D", running.folder + "/data", "-l", running.folder + "/server.log", "-w", "-t", "60", "start"],
            asServerUser: true)
    }

    /// Stops the server and removes its folder (also done on its own when the process ends).
    public func stop() async {
        guard let starting else { return }
        self.starting = nil
        guard let running = try? await starting.value else { return }
        _ = try? await Self.run(running.binaries + "/pg_ctl", ["-D", running.folder + "/data", "-m", "immediate", "stop"], asServerUser: true)
        try? FileManager.default.removeItem(atPath: running.folder)
    }

    /// Starts the cluster unless it runs already, or is starting.
    private func start() async throws -> Running {
        if let starting { return try await starting.value }
        let starting = Task { try await Self.startCluster() }
        self.starting = starting
        return try await starting.value
    }

    /// Starts a new cluster in a new temporary folder.
    private static func startCluster() async throws -> Running {
        if let reason = Self.unavailableReason { throw StartError(message: reason) }
        guard let binaries = Self.binaryFolder() else { throw StartError(message: "PostgreSQL is not installed") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-pg-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        do {
            if Self.isRoot { try await Self.run("/bin/chown", ["nobody", folder]) }
            try await Self.watch(folder: folder, binaries: binaries)
            try await Self.run(
                binaries + "/initdb",
                ["-D", folder + "/data", "-U", Self.user, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                asServerUser: true)
            // A random port: when something listens there already, the server fails to start
            // and another port is tried.
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = Int.random(in: 20_000..<60_000)
                let settings = """

                    listen_addresses = '127.0.0.1'
                    port = \(port)
                    unix_socket_directories = '\(folder)'
                    fsync = off
                    synchronous_commit = off
                    full_page_writes = off
                    max_connections = 300

                    """
                // Written in place, not atomically: the file keeps its owner (nobody, under root).
                let configuration = URL(fileURLWithPath: folder + "/data/postgresql.conf")
                try (try Data(contentsOf: configuration) + Data(settings.utf8)).write(to: configuration)
                do {
                    try await Self.run(
                        binaries + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "start"], asServerUser: true)
                    return Running(folder: folder, binaries: binaries, port: port)
                } catch {
                    lastError = error
                }
            }
            throw lastError ?? StartError(message: "PostgreSQL did not start")
        } catch {
            let log = (try? String(contentsOfFile: folder + "/server.log", encoding: .utf8)) ?? ""
            _ = try? await Self.run(binaries + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "stop"], asServerUser: true)
            try? FileManager.default.removeItem(atPath: folder)
            throw StartError(message: "\(error)" + (log.isEmpty ? "" : "; server log: \(log.suffix(2_000))"))
        }
    }

    /// Starts a detached shell that, once this process is gone (ended or crashed), stops the
    /// server and removes its folder: no test run leaves a server behind.
    private static func watch(folder: String, binaries: String) async throws {
        let stop = isRoot ? "/usr/sbin/runuser -u nobody -- \(binaries)/pg_ctl" : "\(binaries)/pg_ctl"
        // The paths are made here, of letters, digits, dashes and slashes: safe in the script.
        let script =
            "while kill -0 \(ProcessInfo.processInfo.processIdentifier) 2>/dev/null; do sleep 1; done; "
            + "\(stop) -D \(folder)/data -m immediate stop >/dev/null 2>&1; rm -rf \(folder)"
        try await run("/bin/sh", ["-c", "setsid /bin/sh -c '\(script)' </dev/null >/dev/null 2>&1 &"])
    }

    /// The folder holding initdb, pg_ctl, postgres and psql: on PATH, else the newest of
    /// /usr/lib/postgresql/*/bin.
    static func binaryFolder() -> String? {
        let manager = FileManager.default
        func hasAll(_ folder: String) -> Bool {
            ["initdb", "pg_ctl", "postgres", "psql"].allSatisfy { manager.isExecutableFile(atPath: folder + "/" + $0) }
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        if let found = path.split(separator: ":").map(String.init).first(where: hasAll) { return found }
        let versions = ((try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap { name in
            Int(name.split(separator: ".").first ?? "").map { (version: $0, name: name) }
        }
        return versions.sorted { $0.version > $1.version }.map { "/usr/lib/postgresql/\($0.name)/bin" }.first(where: hasAll)
    }

    /// Runs a program to its end; as `nobody` when `asServerUser` and this process is root
    /// (PostgreSQL refuses to run as root).
    @discardableResult
    static func run(_ program: String, _ arguments: [String], asServerUser: Bool = false) async throws -> String {
        var executable = program
        var arguments = arguments
        if asServerUser && isRoot {
            arguments = ["-u", "nobody", "--", program] + arguments
            executable = "/usr/sbin/runuser"
        }
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), workingDirectory: FilePath("/"), output: .string(limit: 256 * 1024),
            error: .string(limit: 256 * 1024))
        guard case .exited(0) = result.terminationStatus else {
            let output = [result.standardOutput, result.standardError].joined(separator: " ")
            throw StartError(message: "\(program) failed (\(result.terminationStatus)): \(output.suffix(2_000))")
        }
        return result.standardOutput
    }
}
