//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

/// `argus-cli devices`: the inventory, filtered and sorted.
struct Devices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List known devices.",
        discussion: """
            Examples:
              argus-cli devices --risk critical
              argus-cli devices --search camera --sort last_seen --descending
              argus-cli devices --offline --zone iot --json
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("Only devices at this risk level: \(RiskLevel.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "level"))
    var risk: RiskLevel?

    @Option(help: "Only devices in this zone.")
    var zone: String?

    @Option(help: "Only devices of this type (router, printer, …).")
    var type: DeviceType?

    @Option(help: "Only devices whose IP, MAC, host name, vendor or label contains this text.")
    var search: String?

    @Option(help: "Only devices that this scan saw.")
    var scan: Int64?

    @Flag(inversion: .prefixedNo, help: "Only trusted (or, with --no-trusted, untrusted) devices.")
    var trusted: Bool?

    @Flag(help: "Only devices the latest scan saw up.")
    var online = false

    @Flag(help: "Only devices the latest scan did not see.")
    var offline = false

    @Option(help: ArgumentHelp("Sort by: \(DeviceSort.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "key"))
    var sort: DeviceSort = .ip

    @Flag(help: "Largest first.")
    var descending = false

    @Option(help: "At most this many devices.")
    var limit = 200

    @Option(help: "Skip this many devices.")
    var offset = 0

    @Flag(help: "Print JSON.")
    var json = false

    @Flag(help: ArgumentHelp("Print how long the store took to list the devices, on standard error.", visibility: .hidden))
    var timing = false

    func validate() throws {
        if online && offline { throw ValidationError("--online and --offline exclude each other") }
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let query = DeviceQuery(
            scanID: scan.map { ScanID($0) }, riskLevel: risk, isTrusted: trusted, zone: zone, deviceType: type,
            isOnline: online ? true : offline ? false : nil, search: search, sort: sort, descending: descending, limit: limit, offset: offset)
        let store = try await reportingFailures { try await database.open() }
        let clock = ContinuousClock()
        let start = clock.now
        let page = try await reportingFailures { try await store.devices(query) }
        if timing {
            let elapsed = clock.now - start
            let microseconds = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            printStandardError("argus-cli: listed \(page.items.count) of \(page.total) devices in \(Double(microseconds) / 1_000) ms")
        }
        if json { return try printJSON(page.items) }
        var table = TextTable("ID", "IP", "MAC", "HOSTNAME", "VENDOR", "TYPE", "OPEN", "RISK", "ONLINE", "LAST SEEN", "LABEL")
        for listing in page.items {
            let device = listing.device
            table.add(
                device.id.description, device.ip, device.mac ?? "-", device.hostname ?? "-", device.vendor ?? "-", device.deviceType.rawValue,
                String(listing.openPorts), device.riskLevel == .none ? "-" : "\(device.riskLevel.rawValue) \(device.riskScore)",
                device.isOnline ? "yes" : "no", shortDate(device.lastSeen), device.label ?? "")
        }
        table.print()
        print("\(page.items.count) of \(page.total) devices")
    }
}
