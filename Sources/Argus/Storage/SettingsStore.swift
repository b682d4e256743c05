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
    /// Removes a schedule; false when there is none.
    @discardableResult
    func deleteSchedule(_ id: ScheduleID) async throws -> Bool
    /// Every schedule.
    func schedules() async throws -> [Schedule]
}
