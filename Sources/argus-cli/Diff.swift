//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

/// `argus-cli diff`: what changed between two recorded scans.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what changed between two nmap XML files, device by device.",
        discussion: """
            The changes are those two imports of the files would record. Devices are matched by
            MAC address, or by IP address when nmap saw no MAC, so a device that moved is one
            change ("ip_changed"), not a removal and an addition. Risk and known vulnerabilities
            are judged as in a scan ("risk_changed", "new_cve"). Only what the newer scan covered
            is compared: a port it did not scan is not reported closed, a device at an address it
            did not target is not reported gone (a file without nmap's command line covers every
            address). Each change has a severity (info, warning, critical), the old and new
            values, and a sentence.

            Exit status: 0 when nothing changed, 3 when something did, 1 when a file cannot be read.
            """
    )

    @Argument(help: ArgumentHelp("The older scan.", valueName: "old.xml"))
    var old: String

    @Argument(help: ArgumentHelp("The newer scan.", valueName: "new.xml"))
    var new: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let changes: [NewChange]
        do {
            changes = try ScanDiff.changes(from: old, to: new)
        } catch {
            printStandardError("argus-cli: \(error)")
            throw ExitCode(1)
        }
        let output = OutputBuffer(fileDescriptor: 1)
        if json {
            output.write("[")
            for (index, change) in changes.enumerated() {
                output.write(index == 0 ? "\n" : ",\n")
                output.write(Self.json(change))
            }
            output.write("\n]")
            output.newline()
        } else {
            for change in changes {
                output.write(change.severity.rawValue.padding(8))
                output.write(change.kind.rawValue.padding(20))
                output.write(change.description)
                output.newline()
            }
            output.write("\(changes.count) changes")
            output.newline()
        }
        output.flush()
        if !changes.isEmpty { throw ExitCode(3) }
    }

    /// One change as a JSON object (written by hand: fast for large diffs).
    static func json(_ change: NewChange) -> String {
        func quoted(_ text: String?) -> String {
            guard let text else { return "null" }
            var result = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        result.unicodeScalars.append(scalar)
                    }
                }
            }
            return result + "\""
        }
        let port = change.port.map(String.init) ?? "null"
        return
            "{\"kind\":\(quoted(change.kind.rawValue)),\"severity\":\(quoted(change.severity.rawValue)),\"ip\":\(quoted(change.ip)),\"mac\":\(quoted(change.mac)),\"port\":\(port),\"protocol\":\(quoted(change.protocol?.rawValue)),\"old\":\(quoted(change.oldValue)),\"new\":\(quoted(change.newValue)),\"description\":\(quoted(change.description))}"
    }
}

extension String {
    /// Pads with spaces to at least `width` characters (at least one space after).
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
