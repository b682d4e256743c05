//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus
import ArgusAccounts
import ArgusPostgres
import ArgusSQLite

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The `--db` option every database command shares.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The Argus database: a file, or postgres://USER@HOST:PORT/DB (password from $PGPASSWORD) (default: $ARGUS_DB, else /var/lib/argus/argus.db for root, else ~/.local/share/argus/argus.db).",
            valueName: "path|url"))
    var path: String?

    /// The database named: the option, else `$ARGUS_DB`, else the default file.
    var location: String { path ?? SQLiteDeviceStore.defaultPath }

    /// True when the database exists: a file that is there, or any PostgreSQL URL (commands
    /// that only read can do without one).
    var exists: Bool { PostgresStoreConfiguration.isURL(location) || access(location, F_OK) == 0 }

    /// Opens the store, turning its refusals into a message and exit status 1.
    func open() async throws -> any ArgusStore & AccountStore {
        do {
            if PostgresStoreConfiguration.isURL(location) {
                return try await PostgresStore(PostgresStoreConfiguration(url: location, environment: ProcessInfo.processInfo.environment))
            }
            return try SQLiteDeviceStore(path: location)
        } catch {
            throw CLIFailure("\(error)")
        }
    }
}

/// An error for people: printed as `argus-cli: message`, exit status 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command body, printing failures for people instead of a stack of types.
func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        printStandardError("argus-cli: \(error)")
        throw ExitCode(1)
    }
}

/// JSON as the CLI prints it: sorted keys, ISO 8601 dates, pretty.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// A date for tables, in UTC: `2026-11-29 09:14`. (Formatted by hand: a 10,000-row table
/// should not spend its time in a date formatter.)
func shortDate(_ date: Date?) -> String {
    guard let date else { return "-" }
    var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&seconds, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min))"
}
