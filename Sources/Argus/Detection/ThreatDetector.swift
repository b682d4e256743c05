//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A risk rule for an open port: data, not code (`Resources/port-rules.json`, plus user rules).
public struct PortRule: Sendable, Hashable, Codable {
    /// The port.
    public var port: Int
    /// The protocol the rule is for: a UDP rule never fires on TCP.
    public var `protocol`: TransportProtocol
    /// How risky an open port is.
    public var level: RiskLevel
    /// The service's name, e.g. "Telnet".
    public var name: String
    /// Why it is risky, in one sentence.
    public var description: String
    /// What to do, in one sentence.
    public var remediation: String

    /// Creates a rule.
    public init(port: Int, protocol: TransportProtocol, level: RiskLevel, name: String, description: String, remediation: String) {
        self.port = port
        self.protocol = `protocol`
        self.level = level
        self.name = name
        self.description = description
        self.remediation = remediation
    }

    /// The rules bundled with Argus.
    public static let bundled: [PortRule] = {
        struct File: Decodable { var rules: [PortRule] }
        // The file is part of the build; a decoding failure is caught by the tests.
        return (try? JSONDecoder().decode(File.self, from: Data(PackageResources.port_rules_json)))?.rules ?? []
    }()
}

/// A risk found on a device: an open port that a rule names.
public struct ThreatFinding: Sendable, Hashable, Codable {
    /// The port.
    public var port: Int
    /// Its protocol.
    public var `protocol`: TransportProtocol
    /// The risk level.
    public var level: RiskLevel
    /// The rule's name for the service.
    public var name: String
    /// What nmap found on the port, e.g. "ssh OpenSSH 8.9p1".
    public var service: String?
    /// Why it is risky.
    public var description: String
    /// What to do.
    public var remediation: String

    /// Creates a finding.
    public init(port: Int, protocol: TransportProtocol, level: RiskLevel, name: String, service: String? = nil, description: String, remediation: String) {
        self.port = port
        self.protocol = `protocol`
        self.level = level
        self.name = name
        self.service = service
        self.description = description
        self.remediation = remediation
    }
}

/// One input of a risk score: what added how many points.
public struct ScoreInput: Sendable, Hashable, Codable {
    /// What it is, e.g. "23/tcp Telnet (critical)".
    public var reason: String
    /// The points it added.
    public var points: Int

    /// Creates a score input.
    public init(reason: String, points: Int) {
        self.reason = reason
        self.points = points
    }
}

/// A device's risk: level, 0–100 score with its inputs, findings and advice.
public struct ThreatAssessment: Sendable, Hashable, Codable {
    /// The overall level: never below the worst finding.
    public var level: RiskLevel
    /// The score, 0–100.
    public var score: Int
    /// What added up to the score (before the cap at 100).
    public var scoreInputs: [ScoreInput]
    /// The findings, worst first.
    public var findings: [ThreatFinding]
    /// One sentence for people.
    public var summary: String
    /// The most urgent remediation, if any.
    public var topRemediation: String?

    /// Creates an assessment.
    public init(level: RiskLevel, score: Int, scoreInputs: [ScoreInput], findings: [ThreatFinding], summary: String, topRemediation: String?) {
        self.level = level
        self.score = score
        self.scoreInputs = scoreInputs
        self.findings = findings
        self.summary = summary
        self.topRemediation = topRemediation
    }
}

/// Judges the risk of a device's open ports. Pure: rules in, assessment out.
///
/// Each open port that a rule names (same port and protocol) is a finding worth 40, 25, 10 or 5
/// points for critical, high, medium or low; the score is their sum, capped at 100. The level is
/// the worst finding's, raised to high from 50 points and to medium from 20.
public struct ThreatDetector: Sendable {
    private let rules: [Int: PortRule]

    /// Creates a detector from the bundled rules and the owner's (which add or override by port
    /// and protocol).
    public init(rules: [PortRule] = PortRule.bundled, userRules: [PortRule] = []) {
        var table: [Int: PortRule] = [:]
        for rule in rules + userRules { table[Self.key(rule.port, rule.protocol)] = rule }
        self.rules = table
    }

    /// The rule for a port, if any.
    public func rule(port: Int, protocol: TransportProtocol) -> PortRule? {
        rules[Self.key(port, `protocol`)]
    }

    private static func key(_ port: Int, _ proto: TransportProtocol) -> Int {
        port << 3 | (TransportProtocol.allCases.firstIndex(of: proto) ?? 7)
    }

    /// The level and score alone, without findings or text: cheap enough for every host of a
    /// large import. Always equal to ``assess(_:)``'s.
    public func risk(of ports: [ObservedPort]) -> (level: RiskLevel, score: Int) {
        var worst = RiskLevel.none
        var total = 0
        for port in ports where port.state == .open {
            guard let rule = rule(port: port.number, protocol: port.protocol) else { continue }
            worst = max(worst, rule.level)
            total += Self.points(rule.level)
        }
        return (Self.level(worst: worst, score: min(100, total)), min(100, total))
    }

    private static func level(worst: RiskLevel, score: Int) -> RiskLevel {
        if score >= 50 { return max(worst, .high) }
        if score >= 20 { return max(worst, .medium) }
        return worst
    }

    /// Assesses a device from its ports (only open ones count).
    public func assess(_ ports: [ObservedPort]) -> ThreatAssessment {
        var findings: [ThreatFinding] = []
        for port in ports where port.state == .open {
            guard let rule = rule(port: port.number, protocol: port.protocol), rule.level != .none else { continue }
            let service = ChangeDetector.describe(port)
            findings.append(ThreatFinding(port: port.number, protocol: port.protocol, level: rule.level, name: rule.name, service: service == "unknown" ? nil : service, description: rule.description, remediation: rule.remediation))
        }
        findings.sort { ($0.level, -$0.port) > ($1.level, -$1.port) }
        let inputs = findings.map { ScoreInput(reason: "\($0.port)/\($0.protocol.rawValue) \($0.name) (\($0.level.rawValue))", points: Self.points($0.level)) }
        let score = min(100, inputs.reduce(0) { $0 + $1.points })
        let level = Self.level(worst: findings.first?.level ?? .none, score: score)
        let summary: String
        if findings.isEmpty {
            summary = "No risky open ports."
        } else {
            let counts = RiskLevel.allCases.reversed().compactMap { level -> String? in
                let count = findings.count { $0.level == level }
                return count == 0 ? nil : "\(count) \(level.rawValue)"
            }
            summary = "\(findings.count) risky open port\(findings.count == 1 ? "" : "s"): \(counts.joined(separator: ", "))."
        }
        return ThreatAssessment(level: level, score: score, scoreInputs: inputs, findings: findings, summary: summary, topRemediation: findings.first?.remediation)
    }

    static func points(_ level: RiskLevel) -> Int {
        switch level {
        case .critical: 40
        case .high: 25
        case .medium: 10
        case .low: 5
        case .none: 0
        }
    }
}
