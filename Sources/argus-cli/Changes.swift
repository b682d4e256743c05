//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

/// `argus-cli changes`: what scans noticed, newest first.
struct Changes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the changes scans noticed, newest first.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only changes this scan noticed.")
    var scan: Int64?

    @Option(help: "Only changes of this kind: \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String?

    @Option(help: "Only changes at least this severe: info, warning or critical.")
    var severity: String?

    @Flag(help: "Only changes nobody acknowledged yet.")
    var unacknowledged = false

    @Option(help: "Acknowledge these changes (repeatable) instead of listing.")
    var acknowledge: [Int64] = []

    @Option(help: "At most this many changes.")
    var limit = 100

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let minimum: Severity?
        if let severity {
            guard let parsed = Severity(rawValue: severity) else {
                printStandardError("argus-cli: unknown severity \(severity): use info, warning or critical")
                throw ExitCode(1)
            }
            minimum = parsed
        } else {
            minimum = nil
        }
        var kindFilter: ChangeKind?
        if let kind {
            guard let parsed = ChangeKind(rawValue: kind) else {
                printStandardError("argus-cli: unknown kind \(kind): use \(ChangeKind.allCases.map(\.rawValue).joined(separator: ", "))")
                throw ExitCode(1)
            }
            kindFilter = parsed
        }
        let store = try await reportingFailures { try await database.open() }
        if !acknowledge.isEmpty {
            let count = try await reportingFailures { try await store.acknowledgeChanges(acknowledge.map { ChangeID($0) }, acknowledged: true) }
            print("Acknowledged \(count) of \(acknowledge.count) changes.")
            if count < acknowledge.count { throw ExitCode(1) }
            return
        }
        let query = ChangeQuery(
            scanID: scan.map { ScanID($0) }, kind: kindFilter, minimumSeverity: minimum, acknowledged: unacknowledged ? false : nil, limit: limit)
        let page = try await reportingFailures { try await store.changes(query) }
        if json { return try printJSON(page.items) }
        var table = TextTable("ID", "SCAN", "WHEN", "SEVERITY", "KIND", "ACK", "DESCRIPTION")
        for change in page.items {
            table.add(
                change.id.description, change.scanID.description, shortDate(change.detectedAt), change.severity.rawValue, change.kind.rawValue,
                change.acknowledged ? "yes" : "", change.description)
        }
        table.print()
        print("\(page.items.count) of \(page.total) changes")
    }
}
