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
    public init(
        port: Int, protocol: TransportProtocol, level: RiskLevel, name: String, service: String? = nil, description: String, remediation: String
    ) {
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
    /// The known vulnerabilities of the detected services, most certain and severe first.
    public var vulnerabilities: [VulnerabilityMatch]

    /// Creates an assessment.
    public init(
        level: RiskLevel, score: Int, scoreInputs: [ScoreInput], findings: [ThreatFinding], summary: String, topRemediation: String?,
        vulnerabilities: [VulnerabilityMatch] = []
    ) {
        self.level = level
        self.score = score
        self.scoreInputs = scoreInputs
        self.findings = findings
        self.summary = summary
        self.topRemediation = topRemediation
        self.vulnerabilities = vulnerabilities
    }

    /// Reads an assessment; one stored before vulnerability matching existed has none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        level = try container.decode(RiskLevel.self, forKey: .level)
        score = try container.decode(Int.self, forKey: .score)
        scoreInputs = try container.decodeIfPresent([ScoreInput].self, forKey: .scoreInputs) ?? []
        findings = try container.decodeIfPresent([ThreatFinding].self, forKey: .findings) ?? []
        summary = try container.decodeIfPresent(String.self, forKey: .summary) ?? ""
        topRemediation = try container.decodeIfPresent(String.self, forKey: .topRemediation)
        vulnerabilities = try container.decodeIfPresent([VulnerabilityMatch].self, forKey: .vulnerabilities) ?? []
    }

    /// The ids of the vulnerabilities that were confirmed or likely (the ones change detection
    /// reports as new).
    public var vulnerabilityIDs: Set<String> {
        Set(vulnerabilities.filter { $0.confidence >= .likely }.map(\.id))
    }
}

/// Judges the risk of a device's open ports and the known vulnerabilities of their services.
/// Pure: rules and catalog in, assessment out.
///
/// Scoring, capped at 100:
/// - each open port that a rule names (same port and protocol) is a finding worth 40, 25, 10 or
///   5 points for critical, high, medium or low;
/// - an open port no rule names, whose service has confirmed or likely vulnerabilities, is a
///   finding at the worst of their severities (a likely one counts as at most high), worth the
///   same points;
/// - each vulnerability adds a bonus: confirmed with CVSS ≥ 9: 10; confirmed with CVSS ≥ 7: 5;
///   likely with CVSS ≥ 9: 3.
///
/// The level is the worst finding's, raised to critical by a confirmed critical vulnerability,
/// to high by a confirmed high or a likely critical one, to high from 50 points and to medium
/// from 20. Possible matches (the entry affects every version) are listed but never scored.
public struct ThreatDetector: Sendable {
    private let rules: [Int: PortRule]
    /// The vulnerabilities services are matched against.
    public let vulnerabilities: VulnerabilityCatalog

    /// Creates a detector from the bundled rules and the owner's (which add or override by port
    /// and protocol), and a vulnerability catalog.
    public init(rules: [PortRule] = PortRule.bundled, userRules: [PortRule] = [], vulnerabilities: VulnerabilityCatalog = .bundled) {
        var table: [Int: PortRule] = [:]
        for rule in rules + userRules { table[Self.key(rule.port, rule.protocol)] = rule }
        self.rules = table
        self.vulnerabilities = vulnerabilities
    }

    private init(rules: [Int: PortRule], vulnerabilities: VulnerabilityCatalog) {
        self.rules = rules
        self.vulnerabilities = vulnerabilities
    }

    /// The same detector with more vulnerabilities in its catalog (e.g. imported from NVD).
    public func including(_ more: [Vulnerability]) -> ThreatDetector {
        more.isEmpty ? self : ThreatDetector(rules: rules, vulnerabilities: vulnerabilities.adding(more))
    }

    /// The rule for a port, if any.
    public func rule(port: Int, protocol: TransportProtocol) -> PortRule? {
        rules[Self.key(port, `protocol`)]
    }

    private static func key(_ port: Int, _ proto: TransportProtocol) -> Int {
        port << 3 | (TransportProtocol.allCases.firstIndex(of: proto) ?? 7)
    }

    /// The level and score alone, without text: cheap enough for every host of a large import.
    /// Always equal to ``assess(_:)``'s.
    public func risk(of ports: [ObservedPort]) -> (level: RiskLevel, score: Int) {
        var tally = Tally()
        for port in ports where port.state == .open {
            let rule = rule(port: port.number, protocol: port.protocol)
            let matches = port.product == nil && port.cpes.isEmpty ? [] : vulnerabilities.matches(for: port)
            tally.add(rule: rule, matches: matches)
        }
        return (tally.level, tally.score)
    }

    /// What the score adds up from, and the level it gives.
    private struct Tally {
        var worst = RiskLevel.none
        var total = 0
        var floor = RiskLevel.none

        /// Adds one open port; returns the finding's level and points, if it is a finding.
        @discardableResult
        mutating func add(rule: PortRule?, matches: [VulnerabilityMatch]) -> (level: RiskLevel, points: Int)? {
            var finding: (level: RiskLevel, points: Int)?
            if let rule {
                worst = max(worst, rule.level)
                total += points(rule.level)
                if rule.level != .none { finding = (rule.level, points(rule.level)) }
            } else if let level = matches.compactMap(Self.findingLevel).max(), level != .none {
                worst = max(worst, level)
                total += points(level)
                finding = (level, points(level))
            }
            for match in matches {
                total += bonus(match)
                switch (match.confidence, match.severity) {
                case (.confirmed, .critical): floor = max(floor, .critical)
                case (.confirmed, .high), (.likely, .critical): floor = max(floor, .high)
                default: break
                }
            }
            return finding
        }

        /// What a vulnerability makes of a port no rule names: its severity when confirmed, at
        /// most high when likely (a backport may have fixed it), nothing when only possible.
        static func findingLevel(_ match: VulnerabilityMatch) -> RiskLevel? {
            switch match.confidence {
            case .confirmed: match.severity
            case .likely: min(match.severity, .high)
            case .possible: nil
            }
        }

        var score: Int { min(100, total) }

        var level: RiskLevel {
            let level = max(worst, floor)
            if score >= 50 { return max(level, .high) }
            if score >= 20 { return max(level, .medium) }
            return level
        }
    }

    /// Assesses a device from its ports (only open ones count).
    public func assess(_ ports: [ObservedPort]) -> ThreatAssessment {
        var tally = Tally()
        var findings: [ThreatFinding] = []
        var inputs: [ScoreInput] = []
        var found: [VulnerabilityMatch] = []
        for port in ports where port.state == .open {
            let rule = rule(port: port.number, protocol: port.protocol)
            let matches = vulnerabilities.matches(for: port)
            found += matches
            let service = ChangeDetector.describe(port)
            guard let (level, points) = tally.add(rule: rule, matches: matches) else {
                inputs += matches.compactMap { Self.bonusInput($0) }
                continue
            }
            let finding: ThreatFinding
            if let rule {
                finding = ThreatFinding(
                    port: port.number, protocol: port.protocol, level: level, name: rule.name, service: service == "unknown" ? nil : service,
                    description: rule.description, remediation: rule.remediation)
            } else {
                let worst = matches.filter { $0.confidence >= .likely }
                let ids = worst.map(\.id).joined(separator: ", ")
                finding = ThreatFinding(
                    port: port.number, protocol: port.protocol, level: level, name: port.product ?? port.serviceName ?? "service",
                    service: service == "unknown" ? nil : service, description: "Known vulnerabilit\(worst.count == 1 ? "y" : "ies"): \(ids).",
                    remediation: worst.first?.remediation ?? "Upgrade the service to a fixed version.")
            }
            findings.append(finding)
            inputs.append(ScoreInput(reason: "\(port.number)/\(port.protocol.rawValue) \(finding.name) (\(level.rawValue))", points: points))
            inputs += matches.compactMap { Self.bonusInput($0) }
        }
        findings.sort { ($0.level, -$0.port) > ($1.level, -$1.port) }
        found.sort(by: VulnerabilityCatalog.moreUrgent)
        inputs = inputs.enumerated().sorted { ($0.element.points, -$0.offset) > ($1.element.points, -$1.offset) }.map(\.element)
        let level = tally.level
        var summary: String
        if findings.isEmpty {
            summary = "No risky open ports."
        } else {
            let counts = RiskLevel.allCases.reversed().compactMap { level -> String? in
                let count = findings.count { $0.level == level }
                return count == 0 ? nil : "\(count) \(level.rawValue)"
            }
            summary = "\(findings.count) risky open port\(findings.count == 1 ? "" : "s"): \(counts.joined(separator: ", "))."
        }
        let confirmed = found.count { $0.confidence == .confirmed }
        let likely = found.count { $0.confidence == .likely }
        if confirmed + likely > 0 {
            let parts = [confirmed > 0 ? "\(confirmed) confirmed" : nil, likely > 0 ? "\(likely) likely" : nil].compactMap(\.self)
            summary += " Known vulnerabilities: \(parts.joined(separator: ", "))."
        }
        let urgent = found.first { $0.confidence == .confirmed && $0.severity >= .high }
        return ThreatAssessment(
            level: level, score: tally.score, scoreInputs: inputs, findings: findings, summary: summary,
            topRemediation: urgent?.remediation ?? findings.first?.remediation, vulnerabilities: found)
    }

    private static func bonusInput(_ match: VulnerabilityMatch) -> ScoreInput? {
        let points = bonus(match)
        return points == 0
            ? nil
            : ScoreInput(
                reason:
                    "\(match.id) \(match.confidence.rawValue) on \(match.port)/\(match.protocol.rawValue) (CVSS \(match.cvss.map { "\($0)" } ?? "?"))",
                points: points)
    }
}

/// The points a finding of a level is worth.
private func points(_ level: RiskLevel) -> Int {
    switch level {
    case .critical: 40
    case .high: 25
    case .medium: 10
    case .low: 5
    case .none: 0
    }
}

/// The bonus a vulnerability adds to its device's score.
private func bonus(_ match: VulnerabilityMatch) -> Int {
    let cvss = match.cvss ?? 0
    switch match.confidence {
    case .confirmed where cvss >= 9: return 10
    case .confirmed where cvss >= 7: return 5
    case .likely where cvss >= 9: return 3
    default: return 0
    }
}

extension ThreatDetector {
    /// The same detector with the vulnerabilities a store has imported for the products on these
    /// ports (only those are loaded).
    public func including(vulnerabilitiesFrom store: any VulnerabilityStore, for ports: [ObservedPort]) async throws -> ThreatDetector {
        var products = Set<SoftwareProduct>()
        for port in ports where port.state == .open { products.formUnion(vulnerabilities.products(of: port)) }
        return including(try await store.vulnerabilities(affecting: products))
    }
}
