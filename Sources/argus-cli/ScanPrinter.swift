//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Renders a scan while it streams in.
protocol ScanPrinter: AnyObject {
    /// Called for each reader event.
    func handle(_ event: NmapXMLEvent)
    /// Called once the reader finished.
    func finish(_ run: ScanRun)
    /// Called when the input turned out unreadable: close what was opened.
    func abandon()
}

/// The readable summary: a line per host, its open ports, then totals.
final class TextScanPrinter: ScanPrinter {
    private let output: OutputBuffer
    private let listAllHosts: Bool
    private var summary = ScanSummary()

    init(output: OutputBuffer, listAllHosts: Bool) {
        self.output = output
        self.listAllHosts = listAllHosts
    }

    func handle(_ event: NmapXMLEvent) {
        switch event {
        case .started(let run):
            var line = "\(run.scanner) \(run.version ?? "?")"
            if let start = run.startTime { line += ", started \(start.formatted(.iso8601))" }
            output.write(line)
            output.newline()
            if let arguments = run.arguments {
                output.write("  \(arguments)")
                output.newline()
            }
            output.newline()
        case .host(let host):
            summary.add(host)
            if host.isUp || listAllHosts { write(host) }
        case .taskBegan, .taskEnded, .progress, .hostHint:
            break
        }
    }

    private func write(_ host: HostObservation) {
        output.write(host.primaryAddress ?? "(no address)")
        if let name = host.primaryHostname {
            output.write(" (")
            output.write(name)
            output.write(")")
        }
        if let mac = host.mac {
            output.write("  MAC ")
            output.write(mac.address)
            if let vendor = mac.vendor {
                output.write(" ")
                output.write(vendor)
            }
        }
        if !host.isUp {
            output.write("  ")
            output.write(host.status.state.rawValue)
        }
        if let os = host.os?.bestMatch {
            output.write("  OS: ")
            output.write(os.name)
            output.write(" (")
            output.write(number: os.accuracy)
            output.write("%)")
        }
        output.newline()
        host.ports.withUnsafeBufferPointer { ports in
            for index in ports.indices where ports[index].state.state == .open {
                output.write("  ")
                output.write(number: ports[index].number)
                output.write("/")
                output.write(ports[index].protocol.rawValue)
                output.pad(toColumn: 14)
                output.write(ports[index].service?.name ?? "unknown")
                if ports[index].service?.product != nil || ports[index].service?.version != nil {
                    output.pad(toColumn: 28)
                    output.write(ports[index].service?.summary ?? "")
                }
                output.newline()
            }
        }
    }

    func finish(_ run: ScanRun) {
        output.newline()
        output.write("Hosts: \(summary.hostsUp) up, \(summary.hostsDown) down")
        if summary.hostsOther > 0 { output.write(", \(summary.hostsOther) not probed") }
        output.write(" (\(summary.hostsTotal) read)\n")
        output.write("Open ports: \(summary.openPorts)\n")
        if !summary.services.isEmpty {
            let services = ScanSummary.ranked(summary.services).prefix(20).map { "\($0.name) \($0.count)" }
            output.write("Services: \(services.joined(separator: ", "))\n")
        }
        if !summary.operatingSystems.isEmpty {
            let systems = ScanSummary.ranked(summary.operatingSystems).prefix(10).map { "\($0.name) \($0.count)" }
            output.write("OS: \(systems.joined(separator: ", "))\n")
        }
        if let finished = run.runStats?.finished, let elapsed = finished.elapsed {
            output.write("nmap ran for \(elapsed) s and finished with \(finished.exit?.rawValue ?? "no status")\n")
        }
    }

    func abandon() {}
}

/// One JSON document, written as the hosts stream in: `{"hosts":[…],"run":{…}}`.
final class JSONScanPrinter: ScanPrinter {
    private let output: OutputBuffer
    private let encoder: JSONEncoder
    private var writer = JSONWriter()
    private var first = true

    init(output: OutputBuffer) {
        self.output = output
        encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        output.write("{\"hosts\":[")
    }

    func handle(_ event: NmapXMLEvent) {
        guard case .host(let host) = event else { return }
        if !first {
            output.write(",")
            output.newline()
        }
        first = false
        // Hosts are written by hand (the same JSON as JSONEncoder's, ten times faster).
        writer.removeAll()
        host.writeJSON(to: &writer)
        output.write(bytes: writer.bytes)
    }

    func finish(_ run: ScanRun) {
        output.write("],\n\"run\":")
        output.write(bytes: try! encoder.encode(run))
        output.write("}\n")
    }

    func abandon() {
        output.write("]}\n")
    }
}
