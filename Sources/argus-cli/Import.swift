//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

#if canImport(Glibc)
    import Glibc
#endif

/// `argus-cli import`: a recorded nmap XML file becomes a scan in the database.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a recorded nmap XML file (-oX) into the database as a scan.",
        discussion: """
            Each host that is up becomes a device, matched to a known device by MAC address, or by
            IP address when nmap saw no MAC. The file is read as a stream in one transaction: any
            size imports in constant memory, and an error imports nothing.

            A file nmap did not finish is imported with what it holds; the scan is marked failed with
            the reason, and the exit status is 2.
            """
    )

    @Argument(help: ArgumentHelp("The nmap XML file.", valueName: "file"))
    var file: String

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print the recorded scan as JSON.")
    var json = false

    func run() async throws {
        // A file-size limit (ulimit -f) should end in a clear "disk full" error, not a signal.
        signal(SIGXFSZ, SIG_IGN)
        let recorded = try await reportingFailures {
            let store = try await database.open()
            return try await ScanImporter(store: store).importFile(at: file)
        }
        if json {
            try printJSON(recorded.scan)
        } else {
            let scan = recorded.scan
            let changes = recorded.changeIDs.count
            print(
                "Imported \(file) as scan \(scan.id): \(scan.hostsUp) hosts up, \(scan.hostsDown) down; \(scan.devicesFound) devices (\(recorded.newDevices) new), \(scan.openPorts) open ports; \(changes) change\(changes == 1 ? "" : "s") (argus-cli changes --scan \(scan.id))."
            )
        }
        if let message = recorded.scan.errorMessage {
            printStandardError("argus-cli: warning: \(message)")
            throw ExitCode(2)
        }
    }
}
