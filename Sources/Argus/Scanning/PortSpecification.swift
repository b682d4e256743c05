//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Which ports a scan covers, validated: nmap's 100 most common ports, all 65,535, or a list of
/// ports and ranges (`22,80,443,8000-8100`).
public enum PortSpecification: Sendable, Hashable, Codable, CustomStringConvertible {
    /// nmap's 100 most common ports (`-F`).
    case common
    /// Every port, 1–65535 (`-p-`).
    case all
    /// Ports and inclusive ranges, each within 1–65535, in the order given.
    case list([ClosedRange<Int>])

    /// Parses `common`, `all`, or a comma-separated list of ports and ranges.
    /// - Throws: ``ScanTargetError`` saying what is wrong.
    public init(_ text: String) throws {
        switch text {
        case "common": self = .common
        case "all": self = .all
        default:
            guard !text.isEmpty else { throw ScanTargetError(text, "no ports given: use common, all, or a list like 22,80,8000-8100") }
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "," || $0 == "-") }) else {
                throw ScanTargetError(text, "ports are numbers, ranges like 8000-8100, commas between them, or the words common and all")
            }
            var ranges: [ClosedRange<Int>] = []
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard !item.isEmpty else { throw ScanTargetError(text, "an empty entry between commas") }
                let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, bounds.allSatisfy({ !$0.isEmpty && $0.count <= 5 }), let low = Int(bounds[0]), let high = Int(bounds.last!)
                else {
                    throw ScanTargetError(text, "'\(item)' is not a port or a range like 8000-8100")
                }
                guard (1...65535).contains(low), (1...65535).contains(high) else {
                    throw ScanTargetError(text, "'\(item)': ports are 1 to 65535")
                }
                guard low <= high else { throw ScanTargetError(text, "the range '\(item)' runs backwards") }
                ranges.append(low...high)
            }
            self = .list(ranges)
        }
    }

    /// The nmap arguments that select these ports.
    public var nmapArguments: [String] {
        switch self {
        case .common: ["-F"]
        case .all: ["-p-"]
        case .list: ["-p", description]
        }
    }

    /// How many ports are covered (`common` counts nmap's 100).
    public var count: Int {
        switch self {
        case .common: 100
        case .all: 65_535
        case .list(let ranges): ranges.reduce(0) { $0 + $1.count }
        }
    }

    /// `common`, `all`, or the list in nmap's syntax.
    public var description: String {
        switch self {
        case .common: "common"
        case .all: "all"
        case .list(let ranges):
            ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
        }
    }

    /// Decodes the text form.
    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the text form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// The targets of one scan, validated together: within the address cap, with the exclusions
/// nmap must skip.
public struct ScanTargetList: Sendable, Hashable, Codable {
    /// The targets.
    public let targets: [ScanTarget]
    /// Addresses and blocks never to scan.
    public let exclusions: [ScanTarget]

    /// The default cap: a /16.
    public static let defaultAddressLimit: UInt64 = 65_536

    /// Validates targets and exclusions.
    /// - Parameters:
    ///   - targets: What to scan; at least one.
    ///   - exclusions: What never to scan (addresses, blocks or ranges; no names).
    ///   - addressLimit: The most addresses one scan may cover.
    /// - Throws: ``ScanTargetError`` naming the target at fault.
    public init(_ targets: [String], excluding exclusions: [String] = [], addressLimit: UInt64 = defaultAddressLimit) throws {
        guard !targets.isEmpty else { throw ScanTargetError("", "no targets given") }
        let parsed = try targets.map(ScanTarget.init)
        let excluded = try Self.exclusions(exclusions)
        let (total, overflow) = parsed.reduce((UInt64(0), false)) { sum, target in
            let (value, overflowed) = sum.0.addingReportingOverflow(target.addressCount)
            return (value, sum.1 || overflowed)
        }
        guard !overflow, total <= addressLimit else {
            let largest = parsed.max { $0.addressCount < $1.addressCount }!
            throw ScanTargetError(
                largest.text,
                "the scan would cover \(overflow ? "more than \(UInt64.max)" : "\(total)") addresses; the limit is \(addressLimit) (a /16 by default)"
            )
        }
        self.targets = parsed
        self.exclusions = excluded
    }

    /// Validates exclusions alone, by the rule every list applies: addresses, CIDR blocks or
    /// ranges, never names (nmap's `--exclude` would resolve them at each scan).
    /// - Throws: ``ScanTargetError`` naming the exclusion at fault.
    public static func exclusions(_ texts: [String]) throws -> [ScanTarget] {
        let excluded = try texts.map(ScanTarget.init)
        if let name = excluded.first(where: { $0.kind == .hostname }) {
            throw ScanTargetError(name.text, "exclusions are addresses, CIDR blocks or ranges, not names")
        }
        return excluded
    }

    /// The nmap arguments for the targets: `--exclude` first, then each target as its own
    /// argument after `--`, so that none can ever be read as an option.
    public var nmapArguments: [String] {
        var arguments: [String] = []
        if !exclusions.isEmpty { arguments += ["--exclude", exclusions.map(\.text).joined(separator: ",")] }
        return arguments + ["--"] + targets.map(\.text)
    }
}
