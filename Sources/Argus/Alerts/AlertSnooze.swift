//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Alerts the owner has silenced for a while: all of them, or one device's. A snoozed alert is
/// not sent; it stays in the delivery log with the reason.
public struct AlertSnooze: Sendable, Hashable, Codable {
    /// Every alert is silenced until then.
    public var allUntil: Date?
    /// A device's alerts are silenced until then, keyed by device id.
    public var devices: [Int64: Date]

    /// The setting key the snooze is kept under in the store.
    public static let settingKey = "alerts.snooze"

    /// Creates a snooze.
    public init(allUntil: Date? = nil, devices: [Int64: Date] = [:]) {
        self.allUntil = allUntil
        self.devices = devices
    }

    /// Until when `alert` is silenced at `date`, or `nil` when it is not.
    public func silences(_ alert: Alert, at date: Date) -> Date? {
        if let allUntil, allUntil > date { return allUntil }
        if let id = alert.device?.id, let until = devices[id], until > date { return until }
        return nil
    }

    /// The snooze without what has run out at `date`.
    public func pruned(at date: Date) -> AlertSnooze {
        AlertSnooze(allUntil: allUntil.flatMap { $0 > date ? $0 : nil }, devices: devices.filter { $0.value > date })
    }

    /// The snooze saved in a store (none when there is none).
    public static func load(from store: any SettingsStore) async throws -> AlertSnooze {
        guard let text = try await store.setting(settingKey) else { return AlertSnooze() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? decoder.decode(AlertSnooze.self, from: Data(text.utf8))) ?? AlertSnooze()
    }

    /// Saves the snooze in a store.
    public func save(to store: any SettingsStore) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        try await store.setSetting(Self.settingKey, to: String(decoding: try encoder.encode(self), as: UTF8.self))
    }
}
