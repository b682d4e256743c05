//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The contract every ``SettingsStore`` keeps: settings and schedules. See ``StoreContract`` for how to run it.
public enum SettingsStoreContract: StoreContract {
    /// The store each check takes.
    public typealias Store = any SettingsStore

    /// The checks, by name.
    public static let checks: [String: @Sendable (Store) async throws -> Void] = [
        "settingsAndSchedules": { try await settingsAndSchedules($0) }
    ]

    static func settingsAndSchedules(_ store: any SettingsStore) async throws {
        try await expect(try await store.setting("network.subnets") == nil)
        try await store.setSetting("network.subnets", to: #"["192.0.2.0/24"]"#)
        try await store.setSetting("network.subnets", to: #"["198.51.100.0/24"]"#)
        try await store.setSetting("retention.days", to: "90")
        try await expect(try await store.setting("network.subnets") == #"["198.51.100.0/24"]"#)
        try await expect(try await store.settings() == ["network.subnets": #"["198.51.100.0/24"]"#, "retention.days": "90"])
        try await store.setSetting("retention.days", to: nil)
        try await expect(try await store.settings().keys.sorted() == ["network.subnets"])

        var nightly = try await store.createSchedule(
            Schedule(id: ScheduleID(0), name: "nightly", expression: "0 3 * * *", profile: "normal", targets: ["192.0.2.0/24"], nextRunAt: day(2)))
        let hourly = try await store.createSchedule(Schedule(id: ScheduleID(0), name: "hourly", expression: "every 1h", profile: "quick"))
        try await expect(nightly.id != hourly.id)
        nightly.lastRunAt = day(2)
        nightly.nextRunAt = day(3)
        nightly.isEnabled = false
        try await store.updateSchedule(nightly)
        try await expect(try await store.schedules() == [nightly, hourly])
        try await expect(try await store.deleteSchedule(hourly.id))
        try await expect(try await store.deleteSchedule(hourly.id) == false)
        try await expect(try await store.schedules() == [nightly])
        try await expectThrows(StoreError.self) { try await store.updateSchedule(hourly) }
    }
}
