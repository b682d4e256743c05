//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where run-time settings (changed through the API and the settings page) and scan
/// schedules are kept.
///
/// ## Implementation requirements
///
/// - A setting set to `nil` is removed.
/// - Errors are ``StoreError``s.
public protocol SettingsStore: Sendable {

    /// A setting's value (JSON text by convention).
    func setting(_ key: String) async throws -> String?
    /// Sets a setting; `nil` removes it.
    func setSetting(_ key: String, to value: String?) async throws
    /// Every setting.
    func settings() async throws -> [String: String]
    /// Stores a new schedule (its id is assigned).
    func createSchedule(_ schedule: Schedule) async throws -> Schedule
    /// Replaces a schedule.
    func updateSchedule(_ schedule: Schedule) async throws
    /// Moves a schedule's next run from `due` (as read) to `next`, and its last run to `ranAt`
    /// when given: `true` for the one caller that moves it, `false` when another did first
    /// (another process's scheduler on the same store) or the schedule is gone. Its other
    /// fields stay as they are.
    ///
    /// A store that one process alone uses may keep the default, which reads and replaces the
    /// schedule; a shared store does it in one conditional update.
    func advanceSchedule(_ id: ScheduleID, from due: Date?, to next: Date?, ranAt: Date?) async throws -> Bool
    /// Removes a schedule; false when there is none.
    @discardableResult
    func deleteSchedule(_ id: ScheduleID) async throws -> Bool
    /// Every schedule.
    func schedules() async throws -> [Schedule]
}

extension SettingsStore {
    /// Reads the schedule and replaces it when its next run is still `due`: for stores that
    /// one process alone uses.
    public func advanceSchedule(_ id: ScheduleID, from due: Date?, to next: Date?, ranAt: Date?) async throws -> Bool {
        guard var schedule = try await schedules().first(where: { $0.id == id }), schedule.nextRunAt == due else { return false }
        schedule.nextRunAt = next
        if let ranAt { schedule.lastRunAt = ranAt }
        try await updateSchedule(schedule)
        return true
    }
}
