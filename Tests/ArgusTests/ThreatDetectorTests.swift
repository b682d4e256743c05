//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

@Suite struct ThreatDetectorTests {
    static func tcp(_ numbers: Int...) -> [ObservedPort] {
        numbers.map { ObservedPort(protocol: .tcp, number: $0, state: .open) }
    }

    @Test func assessmentsRoundTripAndOlderOnesStillRead() throws {
        let detector = ThreatDetector()
        let ssh = ObservedPort(
            protocol: .tcp, number: 22, state: .open, serviceName: "ssh", product: "OpenSSH", version: "7.4", cpes: ["cpe:/a:openbsd:openssh:7.4"])
        let assessment = detector.assess([ssh, ObservedPort(protocol: .tcp, number: 23, state: .open)])
        #expect(!assessment.vulnerabilities.isEmpty && !assessment.findings.isEmpty)
        #expect(try JSONDecoder().decode(ThreatAssessment.self, from: JSONEncoder().encode(assessment)) == assessment)
        // Stored before vulnerability matching (and before summaries): still an assessment.
        let older = try JSONDecoder().decode(ThreatAssessment.self, from: Data(#"{"level":"high","score":50}"#.utf8))
        #expect(older.level == .high && older.score == 50 && older.vulnerabilities.isEmpty && older.vulnerabilityIDs.isEmpty)
    }

    @Test func theBundledRulesCoverTheOriginalsAndCommonExposures() {
        let rules = PortRule.bundled
        #expect(rules.count == 50)
        let original: [(Int, TransportProtocol)] = [
            (23, .tcp), (512, .tcp), (513, .tcp), (514, .tcp), (31337, .tcp), (12345, .tcp), (4444, .tcp), (5554, .tcp), (9996, .tcp), (21, .tcp),
            (25, .tcp), (135, .tcp), (137, .udp), (138, .udp), (139, .tcp), (445, .tcp), (1433, .tcp), (1434, .udp), (3306, .tcp), (3389, .tcp),
            (5900, .tcp), (5901, .tcp), (6379, .tcp), (27017, .tcp), (22, .tcp), (53, .udp), (80, .tcp), (110, .tcp), (143, .tcp), (161, .udp),
            (1900, .udp), (5000, .tcp), (8080, .tcp), (8443, .tcp),
        ]
        let detector = ThreatDetector()
        for (port, proto) in original + [(2375, .tcp), (5432, .tcp), (9200, .tcp), (11211, .tcp)] {
            #expect(detector.rule(port: port, protocol: proto) != nil, "\(port)/\(proto)")
        }
        #expect(rules.allSatisfy { !$0.name.isEmpty && $0.description.hasSuffix(".") && $0.remediation.hasSuffix(".") })
    }

    @Test(arguments: [
        ([Int](), RiskLevel.none, 0),
        ([443], .none, 0),
        ([23], .critical, 40),
        ([22], .medium, 10),
        ([22, 80], .medium, 20),
        ([22, 80, 8080], .medium, 30),
        ([22, 80, 8080, 110, 143], .high, 50),
        ([445, 3389], .high, 50),
        ([22, 23, 445], .critical, 75),
        ([23, 445, 3389, 21, 135, 139, 31337], .critical, 100),
        ([8443], .low, 5),
        ([2375], .critical, 40),
    ])
    func scoresAndLevels(ports: [Int], level: RiskLevel, score: Int) {
        let assessment = ThreatDetector().assess(ports.map { ObservedPort(protocol: .tcp, number: $0, state: .open) })
        #expect(assessment.level == level)
        #expect(assessment.score == score)
        #expect(assessment.scoreInputs.count == assessment.findings.count)
        #expect(min(100, assessment.scoreInputs.reduce(0) { $0 + $1.points }) == score)
        let quick = ThreatDetector().risk(of: ports.map { ObservedPort(protocol: .tcp, number: $0, state: .open) })
        #expect(quick.level == level && quick.score == score)
    }

    @Test func findingsAreWorstFirstWithTheirServiceAndAdvice() {
        let ports = [
            ObservedPort(protocol: .tcp, number: 22, state: .open, serviceName: "ssh", product: "OpenSSH", version: "8.9p1"),
            ObservedPort(protocol: .tcp, number: 23, state: .open, serviceName: "telnet"), ObservedPort(protocol: .tcp, number: 445, state: .closed),
        ]
        let assessment = ThreatDetector(vulnerabilities: .empty).assess(ports)
        #expect(assessment.findings.map(\.port) == [23, 22])
        #expect(assessment.findings[1].service == "ssh OpenSSH 8.9p1")
        #expect(assessment.topRemediation?.contains("SSH") == true)
        #expect(assessment.summary == "2 risky open ports: 1 critical, 1 medium.")
        #expect(assessment.scoreInputs.first == ScoreInput(reason: "23/tcp Telnet (critical)", points: 40))
        #expect(ThreatDetector().assess([]).summary == "No risky open ports.")
    }

    @Test func rulesAreForTheirProtocolOnly() {
        #expect(ThreatDetector().assess([ObservedPort(protocol: .udp, number: 161, state: .open)]).level == .medium)
        #expect(ThreatDetector().assess(Self.tcp(161)).level == .none)
        #expect(ThreatDetector().assess([ObservedPort(protocol: .udp, number: 23, state: .open)]).level == .none)
    }

    @Test func userRulesAddAndOverride() {
        let detector = ThreatDetector(userRules: [
            PortRule(
                port: 22, protocol: .tcp, level: .low, name: "SSH (keys only here)", description: "Our SSH takes keys only.",
                remediation: "Nothing to do."),
            PortRule(
                port: 8123, protocol: .tcp, level: .high, name: "Home Assistant", description: "Home automation controls.",
                remediation: "Keep it on the LAN."),
        ])
        let assessment = detector.assess(Self.tcp(22, 8123))
        #expect(assessment.findings.map(\.name) == ["Home Assistant", "SSH (keys only here)"])
        #expect(assessment.score == 30 && assessment.level == .high)
    }

    @Test func vulnerabilitiesAddToTheScoreAndLevel() {
        let vsftpd = ObservedPort(
            protocol: .tcp, number: 21, state: .open, serviceName: "ftp", product: "vsftpd", version: "2.3.4", cpes: ["cpe:/a:vsftpd:vsftpd:2.3.4"])
        let ssh = ObservedPort(
            protocol: .tcp, number: 22, state: .open, serviceName: "ssh", product: "OpenSSH", version: "7.4p1 Debian 10+deb9u7",
            extraInfo: "protocol 2.0", cpes: ["cpe:/a:openbsd:openssh:7.4p1"])
        let assessment = ThreatDetector().assess([vsftpd, ssh])
        // ftp (high) 25 + ssh (medium) 10 + the confirmed critical backdoor 10; the OpenSSH
        // matches are likely (a Debian build) and none is critical, so they add nothing.
        #expect(assessment.score == 45)
        #expect(assessment.level == .critical, "a confirmed critical CVE makes the device critical")
        #expect(assessment.vulnerabilities.first?.id == "CVE-2011-2523")
        #expect(assessment.vulnerabilities.dropFirst().allSatisfy { $0.confidence == .likely && $0.port == 22 })
        #expect(assessment.vulnerabilityIDs == ["CVE-2011-2523", "CVE-2018-15473", "CVE-2021-41617", "CVE-2023-48795"])
        #expect(assessment.scoreInputs.contains(ScoreInput(reason: "CVE-2011-2523 confirmed on 21/tcp (CVSS 9.8)", points: 10)))
        #expect(assessment.topRemediation?.contains("vsftpd") == true)
        #expect(assessment.summary == "2 risky open ports: 1 high, 1 medium. Known vulnerabilities: 1 confirmed, 3 likely.")
        #expect(min(100, assessment.scoreInputs.reduce(0) { $0 + $1.points }) == assessment.score)
        let quick = ThreatDetector().risk(of: [vsftpd, ssh])
        #expect(quick.level == assessment.level && quick.score == assessment.score)

        // A port no rule names becomes a finding through its confirmed vulnerabilities.
        let nginx = ObservedPort(
            protocol: .tcp, number: 8888, state: .open, serviceName: "http", product: "nginx", version: "1.18.0",
            cpes: ["cpe:/a:igor_sysoev:nginx:1.18.0"])
        let web = ThreatDetector().assess([nginx])
        #expect(web.findings.map(\.level) == [.high])
        #expect(web.findings.first?.description == "Known vulnerability: CVE-2021-23017.")
        #expect(web.score == 30 && web.level == .high)
        #expect(ThreatDetector().risk(of: [nginx]) == (.high, 30))
        #expect(ThreatDetector(vulnerabilities: .empty).assess([nginx]).level == .none)
    }

    @Test func theQuickRiskAlwaysEqualsTheAssessment() {
        let products: [(String?, String?, [String])] = [
            (nil, nil, []), ("OpenSSH", "9.6p1", []), ("OpenSSH", "8.9p1 Ubuntu 3ubuntu0.6", []), ("vsftpd", "2.3.4", []),
            ("ProFTPD", "1.3.5", []), ("nginx", "1.18.0", ["cpe:/a:igor_sysoev:nginx:1.18.0"]), ("Apache httpd", "2.4.49", []),
            ("Samba smbd", "4.5.3", []),
        ]
        let numbers = [21, 22, 23, 80, 445, 8443, 9999]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let ports = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                let (product, version, cpes) = products.randomElement(using: &generator)!
                return ObservedPort(
                    protocol: .tcp, number: numbers.randomElement(using: &generator)!, state: Bool.random(using: &generator) ? .open : .filtered,
                    product: product, version: version, cpes: cpes)
            }
            let full = ThreatDetector().assess(ports)
            let quick = ThreatDetector().risk(of: ports)
            #expect(quick.level == full.level && quick.score == full.score, "\(ports)")
        }
    }
}
