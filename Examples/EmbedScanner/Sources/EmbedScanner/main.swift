//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus

#if canImport(Glibc)
    import Glibc
#endif

// Read a scan as a stream, and assess every host that is up.
let arguments = Array(CommandLine.arguments.dropFirst())
guard let first = arguments.first else {
    print("usage: EmbedScanner SCAN.xml [LATER.xml]\n       EmbedScanner --schedule TARGET   (a scheduled nmap sweep of TARGET, with alerts)")
    exit(2)
}
if first == "--schedule", arguments.count == 2 {
    try await runScheduledScan(of: arguments[1])
    exit(0)
}
let detector = ThreatDetector()
let run = try NmapXMLReader.read(path: first) { event in
    guard case .host(let host) = event, host.isUp else { return }
    let assessment = detector.assess(host.ports.map(ObservedPort.init))
    print("\(host.primaryAddress ?? "?"): \(assessment.level.rawValue) (\(assessment.score)/100). \(assessment.summary)")
    for match in assessment.vulnerabilities {
        print("  \(match.id) \(match.confidence.rawValue) on \(match.port)/\(match.protocol.rawValue): \(match.summary)")
    }
}
print(run.isComplete ? "The scan is complete." : "The scan is incomplete: \(run.incompleteReason ?? "")")

// With a second file: what changed, device by device.
if arguments.count > 1 {
    for change in try ScanDiff.changes(from: first, to: arguments[1]) {
        print("\(change.severity.rawValue): \(change.description)")
    }
}
