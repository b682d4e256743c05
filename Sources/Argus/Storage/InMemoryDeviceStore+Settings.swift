//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The in-memory store's settings and schedules.
extension InMemoryDeviceStore: SettingsStore {

    public func setting(_ key: String) -> String? { settingValues[key] }
    public func setSetting(_ key: String, to value: String?) { settingValues[key] = value }
    public func settings() -> [String: String] { settingValues }

    public func createSchedule(_ schedule: Schedule) -> Schedule {
        var stored = schedule
        stored.id = makeID()
        scheduleRecords[stored.id] = stored
        return stored
    }

    public func updateSchedule(_ schedule: Schedule) throws {
        guard scheduleRecords[schedule.id] != nil else { throw StoreError.notFound("schedule \(schedule.id)") }
        scheduleRecords[schedule.id] = schedule
    }

    public func deleteSchedule(_ id: ScheduleID) -> Bool {
        scheduleRecords.removeValue(forKey: id) != nil
    }

    public func schedules() -> [Schedule] { scheduleRecords.values.sorted { $0.id < $1.id } }
}
