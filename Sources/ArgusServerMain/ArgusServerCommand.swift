//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import ArgumentParser
public import Argus
import ArgusAccounts
import ArgusAlerts
import ArgusHTTP
import ArgusPostgres
import ArgusSQLite
import Foundation
import Hummingbird
import Logging

/// argus-server's command line: its flags, `config.yaml` and the environment, the SQLite
/// store, the alert sinks, and the server until SIGTERM.
///
/// The `argus-server` executable is one line, `await ArgusServerCommand.main(sinkTypes: .standard)`;
/// a server of your own with a sink type of your own is the same line with your registry:
///
/// ```swift
/// await ArgusServerCommand.main(sinkTypes: AlertSinkRegistry.standard.registering(fileSinkType))
/// ```
public struct ArgusServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "argus-server",
        abstract: "Argus's REST API and web UI.",
        discussion: """
            Settings come from config.yaml (--config; see Docs/config.example.yaml for every key),
            then ARGUS_* environment variables (ARGUS_HOST, ARGUS_PORT, ARGUS_DB, ARGUS_SUBNETS,
            ARGUS_EXCLUDE, ARGUS_SCAN_PROFILE, ARGUS_NMAP, ARGUS_SECURE_COOKIES), then these flags.

            It listens on 127.0.0.1:8080 unless told otherwise. On the first start, with no user in
            the database, it prints a one-time setup token: creating the admin needs it, so nobody
            else on the network can claim a fresh install. SIGTERM or Ctrl-C stops it cleanly: a
            running scan is cancelled and recorded as such.
            """
    )

    /// `--config`.
    @Option(help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "The database: a file, or postgres://USER@HOST:PORT/DB with the password from $PGPASSWORD (default: database.path, $ARGUS_DB, else /var/lib/argus/argus.db for root, ~/.local/share/argus/argus.db for others).",
            valueName: "path|url"))
    var db: String?

    @Option(help: "The address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "The port to listen on (default 8080).")
    var port: Int?

    /// Why the database is refused at start, and what to do, in words without its path.
    static func startRefusal(_ error: StoreError, path: String) -> String {
        var text = error.message.replacingOccurrences(of: path, with: "the database")
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            text = text.replacingOccurrences(of: String(path[..<slash]), with: "the database's folder")
        }
        switch error.code {
        case .corrupt: return "the database is damaged. \(text)"
        case .readOnly: return "the database cannot be written. \(text)"
        default: return text
        }
    }

    /// A command (ArgumentParser's requirement; parse it from the arguments instead).
    public init() {}

    /// Parses the process's arguments and runs the server with these sink types, exiting
    /// with ArgumentParser's conventions (2 for a usage or configuration error).
    /// - Parameter sinkTypes: The types `alerts.sinks` in config.yaml, the API and the
    ///   settings page may name.
    public static func main(sinkTypes: AlertSinkRegistry) async {
        do {
            try await parse().run(sinkTypes: sinkTypes)
        } catch {
            exit(withError: error)
        }
    }

    /// Runs the server with the built-in sink types.
    public func run() async throws { try await run(sinkTypes: .standard) }

    /// Runs the server with these sink types.
    public func run(sinkTypes: AlertSinkRegistry) async throws {
        var settings = ServerConfiguration()
        do {
            if let config {
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                    throw ServerConfiguration.Problem(config, "cannot be read")
                }
                settings = try ServerConfiguration.load(yaml: text, from: config, sinkTypes: sinkTypes)
            }
            try settings.applyEnvironment(ProcessInfo.processInfo.environment)
            if let host { settings.host = host }
            if let port { settings.port = port }
            if let db { settings.databasePath = db }
            try settings.validate()
        } catch {
            FileHandle.standardError.write(Data("argus-server: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var logger = Logger(label: "argus-server")
        logger.logLevel = .info
        let store: any ArgusStore & AccountStore
        let path = settings.databasePath ?? SQLiteDeviceStore.defaultPath
        settings.databasePath = path
        do {
            if PostgresStoreConfiguration.isURL(path) {
                let postgres = try await PostgresStore(PostgresStoreConfiguration(url: path, environment: ProcessInfo.processInfo.environment))
                logger.notice("the database is \(postgres.configuration)")
                // Replicas share the database: opening it marked interrupted only the scans that
                // stopped processes of this machine left, never another replica's.
                store = postgres
            } else {
                store = try SQLiteDeviceStore(path: path)
            }
            let interrupted = PostgresStoreConfiguration.isURL(path) ? [] : try await store.markInterruptedScans(at: Date())
            if !interrupted.isEmpty {
                logger.notice(
                    "scans left running by an earlier stop are marked interrupted: \(interrupted.map(\.description).joined(separator: ", "))")
            }
        } catch let error as PostgresStoreConfiguration.URLError {
            FileHandle.standardError.write(Data("argus-server: cannot start: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as StoreError {
            // A damaged or unwritable database is refused, never served: say what is wrong and
            // what to do, without the file's path (the operator gave it; logs travel further).
            FileHandle.standardError.write(Data("argus-server: cannot start: \(Self.startRefusal(error, path: path))\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("argus-server: cannot start: the database could not be opened (\(type(of: error)))\n".utf8))
            throw ExitCode(1)
        }
        var sinks: [any AlertSink] = []
        do {
            for sink in settings.alertSinks {
                do {
                    sinks.append(try sinkTypes.sink(for: sink))
                } catch {
                    throw ServerConfiguration.Problem("alerts.sinks (\(sink.name))", SecretRedaction.redact("\(error)", secrets: sink.secretValues))
                }
            }
        } catch {
            FileHandle.standardError.write(Data("argus-server: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if !sinks.isEmpty { logger.notice("alerts go to: \(sinks.map { "\($0)" }.joined(separator: "; "))") }
        let server = ArgusServer(
            configuration: settings, store: store, accounts: store, alertSinks: sinks, sinkTypes: sinkTypes, logger: logger)
        try await server.services.sinks.restore()
        if let token = try await server.services.setup.prepare() {
            logger.notice(
                "No user yet. Create the admin with POST /api/setup {username, password, setup_token, subnet} (see Docs/Server.md), or argus-cli user add NAME; one-time setup token: \(token)"
            )
        }
        let host = settings.host
        let log = logger
        try await server.application(onServerRunning: { port in
            log.notice("argus-server listens on http://\(host):\(port)")
        }).runService()
    }
}
