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

/// The alert outbox: one row per sink and alert.
///
/// A dispatcher's round claims a sink's due messages (``claimDueMessages(to:at:limit:leaseFor:)``):
/// one statement takes them `FOR UPDATE SKIP LOCKED` and moves their due time to the lease's end,
/// so no other replica's round returns them while this one delivers; a replica that dies
/// mid-round holds them up until the lease ends, and then they are due again.
extension PostgresStore: AlertOutbox {

    /// The columns ``message(_:)`` reads, in order.
    static let outboxColumns =
        "id, sink, idempotency_key, payload, created_at, attempts, next_attempt_at, delivered_at, last_error, subject, suppressed_reason"

    /// A message from a row of ``outboxColumns``.
    static func message(_ row: PostgresRow) throws -> OutboxMessage {
        let (id, sink, key, payload, createdAt, attempts, nextAttemptAt, deliveredAt, lastError, subject, suppressedReason) = try row.decode(
            (Int64, String, String, String, Date, Int, Date, Date?, String?, String?, String?).self)
        return OutboxMessage(
            id: OutboxID(id), sink: sink, idempotencyKey: key, payload: payload, createdAt: createdAt, attempts: attempts,
            nextAttemptAt: nextAttemptAt, deliveredAt: deliveredAt, lastError: lastError, subject: subject, suppressedReason: suppressedReason)
    }

    public func enqueue(_ messages: [NewOutboxMessage], at date: Date) async throws -> [OutboxMessage] {
        try await transaction("queuing alerts") { connection in
            var queued: [OutboxMessage] = []
            for message in messages {
                try await connection.query(
                    """
                    INSERT INTO outbox (sink, idempotency_key, payload, created_at, next_attempt_at, subject)
                    VALUES (\(message.sink), \(message.idempotencyKey), \(message.payload), \(date), \(max(date, message.notBefore ?? date)),
                    \(message.subject)) ON CONFLICT (sink, idempotency_key) DO NOTHING
                    """, logger: logger)
                let rows = try await connection.query(
                    """
                    SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE sink = \(message.sink) AND idempotency_key = \(message.idempotencyKey)
                    """, logger: logger
                ).collect()
                queued.append(try Self.message(rows[0]))
            }
            return queued
        }
    }

    public func dueMessages(at date: Date, limit: Int) async throws -> [OutboxMessage] {
        let rows = try await fetch(
            """
            SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= \(date)
            ORDER BY next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, "reading due alerts")
        return try decode(rows, Self.message)
    }

    public func dueMessages(to sink: String, at date: Date, limit: Int) async throws -> [OutboxMessage] {
        let rows = try await fetch(
            """
            SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE sink = \(sink) AND delivered_at IS NULL AND next_attempt_at <= \(date)
            ORDER BY next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            """, "reading due alerts")
        return try decode(rows, Self.message)
    }

    public func claimDueMessages(to sink: String, at date: Date, limit: Int, leaseFor lease: TimeInterval) async throws -> [OutboxMessage] {
        let columns = Self.outboxColumns.split(separator: ", ").map { $0 == "next_attempt_at" ? "due.due_at" : "o.\($0)" }.joined(separator: ", ")
        let rows = try await fetch(
            """
            WITH due AS (
                SELECT id, next_attempt_at AS due_at FROM outbox
                WHERE sink = \(sink) AND delivered_at IS NULL AND next_attempt_at <= \(date)
                ORDER BY next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE outbox o SET next_attempt_at = \(date.addingTimeInterval(max(1, lease))) FROM due WHERE o.id = due.id
                RETURNING \(unescaped: columns)
            ) SELECT * FROM claimed ORDER BY due_at, id
            """, "claiming due alerts")
        return try decode(rows, Self.message)
    }

    public func pendingMessageCount() async throws -> Int {
        try await count("SELECT count(*) FROM outbox WHERE delivered_at IS NULL", "counting pending alerts")
    }

    public func markDelivered(_ ids: [OutboxID], at date: Date) async throws {
        let wanted = Set(ids.map(\.rawValue))
        try await transaction("marking alerts delivered") { connection in
            let rows = try await connection.query(
                """
                UPDATE outbox SET delivered_at = \(date), suppressed_reason = NULL, attempts = attempts + 1
                WHERE id = ANY(\(Array(wanted))::bigint[]) RETURNING id
                """, logger: logger
            ).collect()
            let found = Set(try rows.map { try $0.decode(Int64.self) })
            if let missing = wanted.subtracting(found).min() { throw StoreError.notFound("outbox message \(missing)") }
        }
    }

    public func markAttemptFailed(_ id: OutboxID, error: String, retryAt: Date) async throws {
        let rows = try await fetch(
            """
            UPDATE outbox SET attempts = attempts + 1, last_error = \(error), next_attempt_at = \(retryAt) WHERE id = \(id.rawValue) RETURNING id
            """, "recording a failed delivery")
        guard !rows.isEmpty else { throw StoreError.notFound("outbox message \(id)") }
    }

    public func markSuppressed(_ id: OutboxID, reason: String, at date: Date) async throws {
        let rows = try await fetch(
            """
            WITH updated AS (
                UPDATE outbox SET delivered_at = \(date), suppressed_reason = \(reason) WHERE id = \(id.rawValue) AND delivered_at IS NULL RETURNING id
            ) SELECT EXISTS (SELECT 1 FROM outbox WHERE id = \(id.rawValue))
            """, "suppressing an alert")
        guard try decode(rows, { try $0.decode(Bool.self) }).first == true else { throw StoreError.notFound("outbox message \(id)") }
    }

    public func suppressPendingMessages(idempotencyKeys: [String], reason: String, at date: Date) async throws -> Int {
        try await count(
            """
            WITH updated AS (
                UPDATE outbox SET delivered_at = \(date), suppressed_reason = \(reason)
                WHERE idempotency_key = ANY(\(Array(Set(idempotencyKeys)))::text[]) AND delivered_at IS NULL RETURNING 1
            ) SELECT count(*) FROM updated
            """, "suppressing alerts")
    }

    public func postpone(_ id: OutboxID, until date: Date) async throws {
        let rows = try await fetch(
            """
            WITH updated AS (
                UPDATE outbox SET next_attempt_at = \(date) WHERE id = \(id.rawValue) AND delivered_at IS NULL RETURNING id
            ) SELECT EXISTS (SELECT 1 FROM outbox WHERE id = \(id.rawValue))
            """, "postponing an alert")
        guard try decode(rows, { try $0.decode(Bool.self) }).first == true else { throw StoreError.notFound("outbox message \(id)") }
    }

    public func messages(to sink: String, about subject: String) async throws -> [OutboxMessage] {
        let rows = try await fetch(
            "SELECT \(unescaped: Self.outboxColumns) FROM outbox WHERE sink = \(sink) AND subject = \(subject) ORDER BY id", "reading alerts")
        return try decode(rows, Self.message)
    }

    public func pruneSettledMessages(queuedBefore date: Date) async throws -> Int {
        try await count(
            """
            WITH deleted AS (
                DELETE FROM outbox WHERE delivered_at IS NOT NULL AND created_at < \(date)
                AND (subject IS NULL OR id NOT IN (SELECT max(id) FROM outbox WHERE subject IS NOT NULL GROUP BY sink, subject))
                RETURNING 1
            ) SELECT count(*) FROM deleted
            """, "pruning settled alerts")
    }

    public func recentMessages(limit: Int) async throws -> [OutboxMessage] {
        let rows = try await fetch("SELECT \(unescaped: Self.outboxColumns) FROM outbox ORDER BY id DESC LIMIT \(limit)", "reading alerts")
        return try decode(rows, Self.message)
    }
}
