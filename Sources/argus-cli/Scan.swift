//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

#if canImport(Glibc)
    import Glibc
#endif

/// `argus-cli scan`: run nmap, record the result, show devices, risks and changes.
struct Scan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scan targets with nmap and record the result in the database.",
        discussion: """
            Targets are IP addresses, CIDR blocks (192.0.2.0/24), nmap ranges (10.0.0.1-50) or host
            names; at most a /16 per scan unless --max-addresses says otherwise. nmap runs with an
            argument vector, never through a shell. Without root, nmap makes a TCP connect scan
            without OS detection, and says so.

            Profiles: quick (which devices are up), normal (ports 1-1000, versions, OS when root),
            intensive (every port, versions, OS, default scripts, traceroute).

            Networks of more than --sweep-threshold addresses are scanned in two phases: a sweep
            finds the live hosts, then they are port-scanned in batches, --parallel at a time. On a
            terminal a progress bar shows the phase, the share done and the time left.

            Examples:
              argus-cli scan 192.168.1.0/24
              argus-cli scan --profile quick 192.168.1.0/24 --exclude 192.168.1.1
              argus-cli scan --ports 22,80,443 nas.lan
            """
    )

    @Argument(help: ArgumentHelp("What to scan.", valueName: "target"))
    var targets: [String]

    @Option(help: "quick, normal or intensive.")
    var profile = "normal"

    @Option(help: "Ports instead of the profile's: common, all, or a list like 22,80,8000-8100.")
    var ports: String?

    @Option(help: "Addresses or blocks never to scan (repeatable).")
    var exclude: [String] = []

    @Option(help: "The most addresses one scan may cover.")
    var maxAddresses: UInt64 = ScanTargetList.defaultAddressLimit

    @Flag(help: "Do not look up names (no DNS queries).")
    var noDNS = false

    @Option(help: "Stop the scan after this many seconds.")
    var timeout: Int?

    @Flag(help: "A scan of single devices: never a baseline for network-wide changes.")
    var device = false

    @Option(help: "Networks larger than this many addresses are swept for live hosts first, then port-scanned in batches.")
    var sweepThreshold: UInt64 = 256

    @Option(help: "Live hosts per nmap port scan after a sweep.")
    var batchSize = 16

    @Option(help: "nmap port scans running at once after a sweep.")
    var parallel = 4

    @Option(help: ArgumentHelp("The nmap to run (default: $ARGUS_NMAP, else nmap on PATH).", valueName: "path"))
    var nmap: String?

    @Flag(help: "Print the nmap command the scan would run, and exit.")
    var dryRun = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard (1...64).contains(parallel) else { throw ValidationError("--parallel must be 1 to 64.") }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 4096.") }
    }

    func run() async throws {
        let request: ScanRequest
        do {
            guard var chosen = ScanProfile.builtIn.first(where: { $0.name == profile }) else {
                throw CLIFailure("unknown profile \(profile): use quick, normal or intensive")
            }
            if let ports { chosen.ports = try PortSpecification(ports) }
            request = ScanRequest(
                targets: try ScanTargetList(targets, excluding: exclude, addressLimit: maxAddresses), profile: chosen, resolvesNames: !noDNS,
                timeout: timeout.map { .seconds($0) })
        } catch {
            printStandardError("argus-cli: \(error)")
            throw ExitCode(1)
        }
        let nmap = NmapScanner(executable: nmap ?? getenv("ARGUS_NMAP").map { String(cString: $0) })
        let sweeper = SweepScanner(base: nmap, threshold: sweepThreshold, batchSize: batchSize, parallelism: parallel)
        if dryRun {
            let (arguments, notices) = nmap.arguments(for: request)
            for notice in notices { printStandardError("argus-cli: note: \(notice)") }
            if sweeper.sweeps(request) {
                print("# more than \(sweepThreshold) addresses: a sweep (-sn) first, then this, with -Pn, for each batch of \(batchSize) live hosts:")
            }
            print(([nmap.executable ?? "nmap"] + arguments).map(Self.shellQuoted).joined(separator: " "))
            return
        }
        let display = ProgressDisplay()
        let recorded = try await reportingFailures {
            let scanner = sweeper
            let monitor = Monitor(store: try await database.open(), scanner: scanner)
            defer { display.finish() }
            return try await monitor.scan(request, kind: device ? .device : .network, onEvent: { display.show($0) })
        }
        let scan = recorded.scan
        print(
            "Scan \(scan.id) \(scan.status.rawValue): \(scan.hostsUp) hosts up, \(scan.devicesFound) devices (\(recorded.newDevices) new), \(scan.openPorts) open ports."
        )
        if let error = scan.errorMessage { printStandardError("argus-cli: warning: \(error)") }
        let store = try await database.open()
        let risky = try await store.devices(DeviceQuery(scanID: scan.id, sort: .risk, descending: true, limit: 10)).items.filter {
            $0.device.riskLevel != .none
        }
        if !risky.isEmpty {
            print("\nRisks:")
            var table = TextTable("IP", "TYPE", "RISK", "OPEN")
            for listing in risky {
                table.add(
                    listing.device.ip, listing.device.deviceType.rawValue, "\(listing.device.riskLevel.rawValue) \(listing.device.riskScore)",
                    String(listing.openPorts))
            }
            table.print()
        }
        let changes = try await store.changes(ChangeQuery(scanID: scan.id, limit: 50)).items.reversed()
        if !changes.isEmpty {
            print("\nChanges:")
            for change in changes { print("  \(change.severity.rawValue.padding(9))\(change.description)") }
        }
        if scan.status != .completed { throw ExitCode(2) }
    }

    /// A word as a shell would need it quoted (for showing commands; nmap itself never goes through a shell).
    static func shellQuoted(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:,=@%+".contains($0) }
        return safe && !word.isEmpty ? word : "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
