//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

/// `argus-cli scans`: the scans in the database, newest first.
struct Scans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List scans, newest first.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Only scans in this state: \(ScanStatus.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "state"))
    var status: ScanStatus?

    @Option(help: "At most this many scans.")
    var limit = 20

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let page = try await reportingFailures {
            try await database.open().scans(ScanQuery(status: status, limit: limit))
        }
        if json { return try printJSON(page.items) }
        var table = TextTable("ID", "STATUS", "KIND", "PROFILE", "STARTED", "DURATION", "UP", "DEVICES", "OPEN", "TARGETS")
        for scan in page.items {
            table.add(
                scan.id.description, scan.status.rawValue, scan.kind.rawValue, scan.profile, shortDate(scan.startedAt ?? scan.createdAt),
                scan.duration.map { "\(Int($0.rounded())) s" } ?? "-", String(scan.hostsUp), String(scan.devicesFound), String(scan.openPorts),
                scan.targets.joined(separator: " "))
        }
        table.print()
        print("\(page.items.count) of \(page.total) scans")
    }
}
