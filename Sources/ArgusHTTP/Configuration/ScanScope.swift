//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

/// The networks scans may reach: the configured networks (`network.subnets`, else
/// config.yaml's), their host names resolved to addresses.
///
/// A target is in scope when every address it covers, less the exclusions, is inside a
/// configured network, compared as address values (IPv4 as intervals, so a range that spans two
/// adjacent configured blocks is in scope). An IPv6 target must lie inside one configured IPv6
/// network. A host name is never in scope by itself: the caller resolves it first and checks
/// (and scans) its address.
public struct ScanScope: Sendable, Equatable {
    /// The configured networks, as targets (addresses, blocks, ranges).
    public var networks: [ScanTarget]

    /// A scope of these networks.
    public init(networks: [ScanTarget]) {
        self.networks = networks
    }

    /// Whether every address of `target` that `exclusions` leave is inside the networks.
    public func contains(_ target: ScanTarget, excluding exclusions: [ScanTarget] = []) -> Bool {
        if let wanted = Self.ipv4Intervals(target) {
            let allowed = Self.merged(networks.compactMap(Self.ipv4Intervals).flatMap { $0 })
            let excluded = Self.merged(exclusions.compactMap(Self.ipv4Intervals).flatMap { $0 })
            return wanted.allSatisfy { interval in
                Self.subtract(excluded, from: interval).allSatisfy { piece in
                    allowed.contains { $0.lowerBound <= piece.lowerBound && piece.upperBound <= $0.upperBound }
                }
            }
        }
        guard let (bytes, prefix) = Self.ipv6Block(target) else { return false }
        return networks.contains { network in
            guard let (base, length) = Self.ipv6Block(network), length <= prefix else { return false }
            return ScanTarget.samePrefix(base, bytes, bits: length)
        }
    }

    /// The IPv4 addresses a target covers, as closed intervals; `nil` for other targets.
    static func ipv4Intervals(_ target: ScanTarget) -> [ClosedRange<UInt32>]? {
        func value(_ bytes: [UInt8]) -> UInt32 { bytes.reduce(0) { $0 << 8 | UInt32($1) } }
        switch target.kind {
        case .ipv4:
            guard let bytes = Addresses.ipv4Bytes(target.text) else { return nil }
            return [value(bytes)...value(bytes)]
        case .ipv4Block:
            let parts = target.text.split(separator: "/")
            guard parts.count == 2, let bytes = Addresses.ipv4Bytes(String(parts[0])), let prefix = Int(parts[1]), (0...32).contains(prefix) else {
                return nil
            }
            let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
            let base = value(bytes) & mask
            return [base...(base | ~mask)]
        case .ipv4Range:
            // nmap octet ranges: the first three octets' combinations, each with the last octet's span.
            let octets = target.text.split(separator: ".").map { part -> ClosedRange<UInt32>? in
                let bounds = part.split(separator: "-").compactMap { UInt32($0) }
                guard let low = bounds.first, let high = bounds.last, low <= high, high <= 255 else { return nil }
                return low...high
            }
            guard octets.count == 4, let first = octets[0], let second = octets[1], let third = octets[2], let last = octets[3] else { return nil }
            var intervals: [ClosedRange<UInt32>] = []
            for a in first {
                for b in second {
                    for c in third {
                        let base = a << 24 | b << 16 | c << 8
                        intervals.append((base | last.lowerBound)...(base | last.upperBound))
                    }
                }
            }
            return intervals
        case .ipv6, .ipv6Block, .hostname:
            return nil
        }
    }

    /// An IPv6 target as its bytes and prefix length (128 for an address).
    static func ipv6Block(_ target: ScanTarget) -> ([UInt8], Int)? {
        switch target.kind {
        case .ipv6:
            return Addresses.ipv6Bytes(target.text).map { ($0, 128) }
        case .ipv6Block:
            let parts = target.text.split(separator: "/")
            guard parts.count == 2, let bytes = Addresses.ipv6Bytes(String(parts[0])), let prefix = Int(parts[1]), (0...128).contains(prefix) else {
                return nil
            }
            return (bytes, prefix)
        default:
            return nil
        }
    }

    /// Sorted, overlapping or adjacent intervals joined.
    static func merged(_ intervals: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        for interval in intervals.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, last.upperBound == .max || interval.lowerBound <= last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, interval.upperBound)
            } else {
                result.append(interval)
            }
        }
        return result
    }

    /// What of `interval` the (merged, sorted) `excluded` intervals leave.
    static func subtract(_ excluded: [ClosedRange<UInt32>], from interval: ClosedRange<UInt32>) -> [ClosedRange<UInt32>] {
        var pieces: [ClosedRange<UInt32>] = []
        var start = interval.lowerBound
        for cut in excluded where cut.upperBound >= start && cut.lowerBound <= interval.upperBound {
            if cut.lowerBound > start { pieces.append(start...(cut.lowerBound - 1)) }
            guard cut.upperBound < interval.upperBound else { return pieces }
            start = max(start, cut.upperBound + 1)
        }
        pieces.append(start...interval.upperBound)
        return pieces
    }
}
