//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

/// `argus-cli parse`: read nmap XML and summarise it.
struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read nmap XML output (-oX) and summarise it.",
        discussion: """
            Reads the file as a stream, so files of any size work in constant memory. Prints each
            host that is up with its open ports, then totals: hosts up and down, open ports,
            services and operating systems. With --json, prints one JSON document
            {"hosts": [...], "run": {...}} with every field nmap wrote.

            Output that nmap did not finish (killed, cut short, or ended in error) is still read:
            every complete host is shown, a warning says what is missing, and the exit status is 2.

            Examples:
              argus-cli parse scan.xml
              nmap -sV -oX - 192.0.2.0/28 | argus-cli parse -
              argus-cli parse --json scan.xml > scan.json
            """
    )

    @Argument(help: ArgumentHelp("The nmap XML file, or - for standard input.", valueName: "file"))
    var file: String

    @Flag(help: "Print JSON instead of the summary.")
    var json = false

    @Flag(help: "Also list hosts that are down or were not probed.")
    var all = false

    func run() throws {
        let output = OutputBuffer(fileDescriptor: 1)
        let printer: any ScanPrinter = json ? JSONScanPrinter(output: output) : TextScanPrinter(output: output, listAllHosts: all)
        let run: ScanRun
        do {
            // Parsing runs on a second thread while this one prints.
            let consume: ([NmapXMLEvent]) -> Void = { events in
                for event in events { printer.handle(event) }
            }
            if file == "-" {
                run = try NmapXMLReader.readConcurrently(fileDescriptor: 0, consume: consume)
            } else {
                run = try NmapXMLReader.readConcurrently(path: file, consume: consume)
            }
        } catch {
            printer.abandon()
            output.flush()
            let name = file == "-" ? "standard input" : file
            printStandardError("argus-cli: \(name): \(error)")
            throw ExitCode(1)
        }
        printer.finish(run)
        output.flush()
        if let reason = run.incompleteReason {
            printStandardError("argus-cli: warning: the scan is incomplete: \(reason).")
            throw ExitCode(2)
        }
    }
}
