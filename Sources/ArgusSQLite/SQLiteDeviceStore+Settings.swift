//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Run-time settings and scan schedules.
extension SQLiteDeviceStore: SettingsStore {

    public func setting(_ key: String) async throws -> String? {
        try await reader.perform { try $0.first("SELECT value FROM settings WHERE key = ?", [.text(key)]) { $0.string(0) } }
    }

    public func setSetting(_ key: String, to value: String?) async throws {
        _ = try await writer.perform { connection in
            if let value {
                return try connection.run(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    [.text(key), .text(value)])
            } else {
                return try connection.run("DELETE FROM settings WHERE key = ?", [.text(key)])
            }
        }
    }

    public func settings() async throws -> [String: String] {
        try await reader.perform { connection in
            Dictionary(uniqueKeysWithValues: try connection.query("SELECT key, value FROM settings") { ($0.string(0), $0.string(1)) })
        }
    }

    static func schedule(_ row: SQLiteStatement) -> Schedule {
        Schedule(
            id: row.id(0), name: row.string(1), expression: row.string(2), profile: row.string(3), targets: decodeList(row.string(4)),
            isEnabled: row.bool(5), nextRunAt: row.optionalDate(6), lastRunAt: row.optionalDate(7))
    }

    public func createSchedule(_ schedule: Schedule) async throws -> Schedule {
        try await writer.perform { connection in
            try connection.run(
                "INSERT INTO schedules (name, expression, profile, targets, is_enabled, next_run_at, last_run_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(schedule.name), .text(schedule.expression), .text(schedule.profile), .text(Self.encodeList(schedule.targets)),
                    .of(schedule.isEnabled), .of(schedule.nextRunAt), .of(schedule.lastRunAt),
                ])
            var stored = schedule
            stored.id = ScheduleID(connection.lastInsertedID)
            return stored
        }
    }

    public func updateSchedule(_ schedule: Schedule) async throws {
        try await writer.perform { connection in
            guard
                try connection.run(
                    "UPDATE schedules SET name = ?, expression = ?, profile = ?, targets = ?, is_enabled = ?, next_run_at = ?, last_run_at = ? WHERE id = ?",
                    [
                        .text(schedule.name), .text(schedule.expression), .text(schedule.profile), .text(Self.encodeList(schedule.targets)),
                        .of(schedule.isEnabled), .of(schedule.nextRunAt), .of(schedule.lastRunAt), .of(schedule.id),
                    ]) == 1
            else {
                throw StoreError.notFound("schedule \(schedule.id)")
            }
        }
    }

    public func deleteSchedule(_ id: ScheduleID) async throws -> Bool {
        try await writer.perform { try $0.run("DELETE FROM schedules WHERE id = ?", [.of(id)]) == 1 }
    }

    public func schedules() async throws -> [Schedule] {
        try await reader.perform {
            try $0.query(
                "SELECT id, name, expression, profile, targets, is_enabled, next_run_at, last_run_at FROM schedules ORDER BY id", [], Self.schedule)
        }
    }
}
