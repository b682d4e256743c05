//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import PostgresNIO

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Run-time settings and scan schedules.
extension PostgresStore: SettingsStore {

    public func setting(_ key: String) async throws -> String? {
        let rows = try await fetch("SELECT value FROM settings WHERE key = \(key)", "reading a setting")
        return try decode(rows) { try $0.decode(String.self) }.first
    }

    public func setSetting(_ key: String, to value: String?) async throws {
        if let value {
            try await fetch(
                "INSERT INTO settings (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                "saving a setting")
        } else {
            try await fetch("DELETE FROM settings WHERE key = \(key)", "removing a setting")
        }
    }

    public func settings() async throws -> [String: String] {
        let rows = try await fetch("SELECT key, value FROM settings", "reading settings")
        return Dictionary(uniqueKeysWithValues: try decode(rows) { try $0.decode((String, String).self) })
    }

    /// The columns ``schedule(_:)`` reads, in order.
    static let scheduleColumns = "id, name, expression, profile, targets, is_enabled, next_run_at, last_run_at"

    /// A schedule from a row of ``scheduleColumns``.
    static func schedule(_ row: PostgresRow) throws -> Schedule {
        let (id, name, expression, profile, targets, isEnabled, nextRunAt, lastRunAt) = try row.decode(
            (Int64, String, String, String, [String], Bool, Date?, Date?).self)
        return Schedule(
            id: ScheduleID(id), name: name, expression: expression, profile: profile, targets: targets, isEnabled: isEnabled, nextRunAt: nextRunAt,
            lastRunAt: lastRunAt)
    }

    public func createSchedule(_ schedule: Schedule) async throws -> Schedule {
        let rows = try await fetch(
            """
            INSERT INTO schedules (name, expression, profile, targets, is_enabled, next_run_at, last_run_at)
            VALUES (\(schedule.name), \(schedule.expression), \(schedule.profile), \(schedule.targets), \(schedule.isEnabled),
            \(schedule.nextRunAt), \(schedule.lastRunAt)) RETURNING id
            """, "saving a schedule")
        var stored = schedule
        stored.id = ScheduleID(try decode(rows) { try $0.decode(Int64.self) }[0])
        return stored
    }

    public func updateSchedule(_ schedule: Schedule) async throws {
        let rows = try await fetch(
            """
            UPDATE schedules SET name = \(schedule.name), expression = \(schedule.expression), profile = \(schedule.profile),
            targets = \(schedule.targets), is_enabled = \(schedule.isEnabled), next_run_at = \(schedule.nextRunAt),
            last_run_at = \(schedule.lastRunAt) WHERE id = \(schedule.id.rawValue) RETURNING id
            """, "saving a schedule")
        guard !rows.isEmpty else { throw StoreError.notFound("schedule \(schedule.id)") }
    }

    public func advanceSchedule(_ id: ScheduleID, from due: Date?, to next: Date?, ranAt: Date?) async throws -> Bool {
        try await !fetch(
            """
            UPDATE schedules SET next_run_at = \(next), last_run_at = coalesce(\(ranAt), last_run_at)
            WHERE id = \(id.rawValue) AND next_run_at IS NOT DISTINCT FROM \(due) RETURNING id
            """, "moving a schedule on"
        ).isEmpty
    }

    public func deleteSchedule(_ id: ScheduleID) async throws -> Bool {
        try await !fetch("DELETE FROM schedules WHERE id = \(id.rawValue) RETURNING id", "removing a schedule").isEmpty
    }

    public func schedules() async throws -> [Schedule] {
        let rows = try await fetch("SELECT \(unescaped: Self.scheduleColumns) FROM schedules ORDER BY id", "reading schedules")
        return try decode(rows, Self.schedule)
    }
}
