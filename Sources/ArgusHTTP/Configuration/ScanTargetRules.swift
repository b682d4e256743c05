//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation

/// The one check of scan targets and exclusions, wherever they come from: config.yaml and the
/// environment, first-run setup, the settings page, `PUT /api/config`, schedules and the scan
/// routes. Each applies ``ScanTargetList``'s rules (canonical addresses, blocks, ranges and
/// names; exclusions never names; the address cap), so nothing is saved that a scan would later
/// refuse: one bad value can no longer stop every scan.
public struct ScanTargetRules: Sendable, Equatable {
    /// The most addresses one scan may cover (`network.max_addresses`).
    public var addressLimit: UInt64

    /// Rules with an address cap.
    public init(addressLimit: UInt64 = ScanTargetList.defaultAddressLimit) {
        self.addressLimit = addressLimit
    }

    /// The items of a comma-separated field (`"192.0.2.0/24, 10.0.0.5"`), trimmed, empties
    /// dropped.
    public static func split(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Targets, checked with the exclusions that apply to them.
    /// - Throws: ``ScanTargetError`` naming the target or exclusion at fault.
    public func targets(_ texts: [String], excluding exclusions: [String]) throws -> ScanTargetList {
        try ScanTargetList(texts, excluding: exclusions, addressLimit: addressLimit)
    }

    /// Exclusions, checked as every scan will read them.
    /// - Returns: Their texts.
    /// - Throws: ``ScanTargetError`` naming the exclusion at fault.
    public func exclusions(_ texts: [String]) throws -> [String] {
        try ScanTargetList.exclusions(texts).map(\.text)
    }
}
