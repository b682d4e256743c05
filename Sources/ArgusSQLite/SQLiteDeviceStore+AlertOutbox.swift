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

/// The alert outbox: one row per sink and alert.
extension SQLiteDeviceStore: AlertOutbox {

    static let outboxColumns =
        "id, sink, idempotency_key, payload, created_at, attempts, next_attempt_at, delivered_at, last_error, subject, suppressed_reason"

    static func message(_ row: SQLiteStatement) -> OutboxMessage {
        OutboxMessage(
            id: row.id(0), sink: row.string(1), idempotencyKey: row.string(2), payload: row.string(3), createdAt: row.date(4), attempts: row.int(5),
            nextAttemptAt: row.date(6), deliveredAt: row.optionalDate(7), lastError: row.optionalString(8), subject: row.optionalString(9),
            suppressedReason: row.optionalString(10))
    }

    static func enqueue(_ messages: [NewOutboxMessage], at date: Date, in connection: SQLiteConnection) throws -> [OutboxMessage] {
        try messages.map { message in
            try connection.run(
                "INSERT OR IGNORE INTO outbox (sink, idempotency_key, payload, created_at, next_attempt_at, subject) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(message.sink), .text(message.idempotencyKey), .text(message.payload), .of(date), .of(max(date, message.notBefore ?? date)),
                    message.subject.map { .text($0) } ?? .null,
                ])
            return try connection.first(
                "SELECT \(outboxColumns) FROM outbox WHERE sink = ? AND idempotency_key = ?", [.text(message.sink), .text(message.idempotencyKey)],
                Self.message)!
        }
    }

    public func enqueue(_ messages: [NewOutboxMessage], at date: Date) async throws -> [OutboxMessage] {
        try await writer.perform { connection in try connection.transaction { try Self.enqueue(messages, at: date, in: connection) } }
    }

    public func dueMessages(at date: Date, limit: Int) async throws -> [OutboxMessage] {
        try await reader.perform {
            try $0.query(
                "SELECT \(Self.outboxColumns) FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                [.of(date), .of(limit)], Self.message)
        }
    }

    public func dueMessages(to sink: String, at date: Date, limit: Int) async throws -> [OutboxMessage] {
        try await reader.perform {
            try $0.query(
                "SELECT \(Self.outboxColumns) FROM outbox WHERE sink = ? AND delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
                [.text(sink), .of(date), .of(limit)], Self.message)
        }
    }

    public func pendingMessageCount() async throws -> Int {
        try await reader.perform { try $0.first("SELECT count(*) FROM outbox WHERE delivered_at IS NULL") { $0.int(0) } ?? 0 }
    }

    public func markDelivered(_ ids: [OutboxID], at date: Date) async throws {
        try await writer.perform { connection in
            try connection.transaction {
                for id in ids {
                    guard
                        try connection.run(
                            "UPDATE outbox SET delivered_at = ?, suppressed_reason = NULL, attempts = attempts + 1 WHERE id = ?",
                            [.of(date), .of(id)]) == 1
                    else { throw StoreError.notFound("outbox message \(id)") }
                }
            }
        }
    }

    /// Runs an update of one pending message; a settled one is left alone, an unknown one is an
    /// error.
    private func updatePending(_ id: OutboxID, _ sql: String, _ arguments: [SQLiteValue]) async throws {
        try await writer.perform { connection in
            guard try connection.run(sql + " WHERE id = ? AND delivered_at IS NULL", arguments + [.of(id)]) == 0 else { return }
            guard try connection.first("SELECT count(*) FROM outbox WHERE id = ?", [.of(id)], { $0.int(0) }) == 1 else {
                throw StoreError.notFound("outbox message \(id)")
            }
        }
    }

    public func markSuppressed(_ id: OutboxID, reason: String, at date: Date) async throws {
        try await updatePending(id, "UPDATE outbox SET delivered_at = ?, suppressed_reason = ?", [.of(date), .text(reason)])
    }

    public func suppressPendingMessages(idempotencyKeys: [String], reason: String, at date: Date) async throws -> Int {
        try await writer.perform { connection in
            try connection.transaction {
                var count = 0
                for key in Set(idempotencyKeys) {
                    count += try connection.run(
                        "UPDATE outbox SET delivered_at = ?, suppressed_reason = ? WHERE idempotency_key = ? AND delivered_at IS NULL",
                        [.of(date), .text(reason), .text(key)])
                }
                return count
            }
        }
    }

    public func postpone(_ id: OutboxID, until date: Date) async throws {
        try await updatePending(id, "UPDATE outbox SET next_attempt_at = ?", [.of(date)])
    }

    public func messages(to sink: String, about subject: String) async throws -> [OutboxMessage] {
        try await reader.perform {
            try $0.query(
                "SELECT \(Self.outboxColumns) FROM outbox WHERE sink = ? AND subject = ? ORDER BY id", [.text(sink), .text(subject)], Self.message)
        }
    }

    public func pruneSettledMessages(queuedBefore date: Date) async throws -> Int {
        try await writer.perform { connection in
            try connection.run(
                """
                DELETE FROM outbox WHERE delivered_at IS NOT NULL AND created_at < ?
                AND (subject IS NULL OR id NOT IN (SELECT max(id) FROM outbox WHERE subject IS NOT NULL GROUP BY sink, subject))
                """, [.of(date)])
        }
    }

    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        try await reader.perform { try $0.query("SELECT \(Self.outboxColumns) FROM outbox ORDER BY id DESC LIMIT ?", [.of(limit)], Self.message) }
    }

    public func markAttemptFailed(_ id: OutboxID, error: String, retryAt: Date) async throws {
        try await writer.perform { connection in
            guard
                try connection.run(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?",
                    [.text(error), .of(retryAt), .of(id)]) == 1
            else { throw StoreError.notFound("outbox message \(id)") }
        }
    }
}
