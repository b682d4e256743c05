//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus

/// `argus-cli device`: one device, its ports and its history.
struct ShowDevice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "Show one device: addresses, owner fields, risk, open ports and history.",
        discussion: "ADDRESS is an IP address (the device last seen there) or a MAC address in any usual spelling."
    )

    @Argument(help: ArgumentHelp("An IP or MAC address.", valueName: "address"))
    var address: String

    @OptionGroup var database: DatabaseOptions

    @Option(help: "How many past observations to show.")
    var history = 10

    @Flag(help: "Print JSON.")
    var json = false

    struct Report: Encodable {
        var device: Device
        var assessment: ThreatAssessment?
        var history: [DeviceObservation]
    }

    func run() async throws {
        let report = try await reportingFailures {
            let store = try await database.open()
            guard let device = try await store.device(address: address) else {
                throw CLIFailure("no device is known at \(address)")
            }
            let history = try await store.history(of: device.id, limit: max(history, 1))
            // Judged now, so vulnerabilities imported since the last scan show.
            let ports = history.first?.ports ?? []
            let detector = try await ThreatDetector().including(vulnerabilitiesFrom: store, for: ports)
            return Report(device: device, assessment: history.isEmpty ? nil : detector.assess(ports), history: history)
        }
        if json { return try printJSON(report) }
        let device = report.device
        var lines = ["Device \(device.id)" + (device.label.map { " — \($0)" } ?? "")]
        lines.append("  IP         \(device.ip)")
        lines.append(
            "  MAC        \(device.mac ?? "-")"
                + (device.mac.map { Addresses.isLocallyAdministered(mac: $0) ? " (locally administered: may be randomised)" : "" } ?? ""))
        lines.append("  Host name  \(device.hostname ?? "-")")
        lines.append("  Vendor     \(device.vendor ?? "-")")
        lines.append("  Type       \(device.deviceType.rawValue)")
        lines.append("  OS         \(device.osName.map { "\($0)" + (device.osAccuracy.map { " (\($0)%)" } ?? "") } ?? "-")")
        lines.append("  Risk       \(device.riskLevel.rawValue) (\(device.riskScore)/100)")
        lines.append("  Trusted    \(device.isTrusted ? "yes" : "no")" + (device.zone.map { ", zone \($0)" } ?? ""))
        lines.append(
            "  Seen       \(device.timesSeen) times, first \(shortDate(device.firstSeen)), last \(shortDate(device.lastSeen))"
                + (device.isOnline ? "" : " (offline now)"))
        if let notes = device.notes { lines.append("  Notes      \(notes)") }
        print(lines.joined(separator: "\n"))
        if let latest = report.history.first {
            print("\nOpen ports (scan \(latest.scanID)):")
            var table = TextTable("PORT", "SERVICE", "PRODUCT", "VERSION")
            for port in latest.openPorts {
                table.add(
                    "\(port.number)/\(port.protocol.rawValue)", port.serviceName ?? "-", port.product ?? "-",
                    [port.version, port.extraInfo.map { "(\($0))" }].compactMap { $0 }.joined(separator: " "))
            }
            table.print()
            if let assessment = report.assessment {
                print("\nRisk now: \(assessment.level.rawValue) (\(assessment.score)/100). \(assessment.summary)")
                if !assessment.findings.isEmpty {
                    var threats = TextTable("PORT", "LEVEL", "THREAT", "REMEDIATION")
                    for finding in assessment.findings {
                        threats.add("\(finding.port)/\(finding.protocol.rawValue)", finding.level.rawValue, finding.name, finding.remediation)
                    }
                    threats.print()
                }
                if !assessment.vulnerabilities.isEmpty {
                    print("\nKnown vulnerabilities:")
                    var cves = TextTable("CVE", "PORT", "CVSS", "CONFIDENCE", "VERSION", "SUMMARY")
                    for match in assessment.vulnerabilities {
                        cves.add(
                            match.id, "\(match.port)/\(match.protocol.rawValue)", match.cvss.map { String($0) } ?? "-", match.confidence.rawValue,
                            match.matchedVersion ?? "-", match.summary)
                    }
                    cves.print()
                }
            }
            print("\nHistory:")
            var past = TextTable("SCAN", "SEEN", "IP", "OPEN PORTS", "RISK")
            for observation in report.history {
                past.add(
                    observation.scanID.description, shortDate(observation.observedAt), observation.ip, String(observation.openPorts.count),
                    observation.riskLevel.rawValue)
            }
            past.print()
        }
    }
}
