//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The in-memory store's alert outbox.
extension InMemoryDeviceStore: AlertOutbox {

    @discardableResult
    private func enqueueMessages(_ messages: [NewOutboxMessage], at date: Date) -> [OutboxMessage] {
        var id = nextID
        defer { nextID = id }
        return Self.enqueue(messages, at: date, into: &outbox, nextID: &id)
    }

    static func enqueue(_ messages: [NewOutboxMessage], at date: Date, into outbox: inout [OutboxMessage], nextID: inout Int64) -> [OutboxMessage] {
        var queued: [OutboxMessage] = []
        for message in messages {
            if let existing = outbox.first(where: { $0.sink == message.sink && $0.idempotencyKey == message.idempotencyKey }) {
                queued.append(existing)
                continue
            }
            let stored = OutboxMessage(
                id: OutboxID(nextID), sink: message.sink, idempotencyKey: message.idempotencyKey, payload: message.payload, createdAt: date,
                nextAttemptAt: max(date, message.notBefore ?? date), subject: message.subject)
            nextID += 1
            outbox.append(stored)
            queued.append(stored)
        }
        return queued
    }

    public func enqueue(_ messages: [NewOutboxMessage], at date: Date) -> [OutboxMessage] {
        enqueueMessages(messages, at: date)
    }

    public func dueMessages(at date: Date, limit: Int) -> [OutboxMessage] {
        Array(
            outbox.filter { $0.deliveredAt == nil && $0.nextAttemptAt <= date }.sorted {
                ($0.nextAttemptAt, $0.id.rawValue) < ($1.nextAttemptAt, $1.id.rawValue)
            }.prefix(limit))
    }

    public func dueMessages(to sink: String, at date: Date, limit: Int) -> [OutboxMessage] {
        Array(dueMessages(at: date, limit: Int.max).filter { $0.sink == sink }.prefix(limit))
    }

    public func pendingMessageCount() -> Int { outbox.count { $0.deliveredAt == nil } }

    public func markDelivered(_ ids: [OutboxID], at date: Date) throws {
        let indices = try ids.map { id in
            guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
            return index
        }
        for index in indices {
            outbox[index].deliveredAt = date
            outbox[index].suppressedReason = nil
            outbox[index].attempts += 1
        }
    }

    public func markSuppressed(_ id: OutboxID, reason: String, at date: Date) throws {
        guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
        guard outbox[index].deliveredAt == nil else { return }
        outbox[index].deliveredAt = date
        outbox[index].suppressedReason = reason
    }

    public func suppressPendingMessages(idempotencyKeys: [String], reason: String, at date: Date) -> Int {
        let keys = Set(idempotencyKeys)
        var count = 0
        for index in outbox.indices where outbox[index].deliveredAt == nil && keys.contains(outbox[index].idempotencyKey) {
            outbox[index].deliveredAt = date
            outbox[index].suppressedReason = reason
            count += 1
        }
        return count
    }

    public func postpone(_ id: OutboxID, until date: Date) throws {
        guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
        guard outbox[index].deliveredAt == nil else { return }
        outbox[index].nextAttemptAt = date
    }

    public func messages(to sink: String, about subject: String) -> [OutboxMessage] {
        outbox.filter { $0.sink == sink && $0.subject == subject }
    }

    public func pruneSettledMessages(queuedBefore date: Date) -> Int {
        var newest: [String: Int64] = [:]
        for message in outbox {
            guard let subject = message.subject else { continue }
            newest["\(message.sink)\u{0}\(subject)"] = max(newest["\(message.sink)\u{0}\(subject)"] ?? 0, message.id.rawValue)
        }
        let before = outbox.count
        outbox.removeAll { message in
            message.deliveredAt != nil && message.createdAt < date
                && message.subject.map { newest["\(message.sink)\u{0}\($0)"] != message.id.rawValue } ?? true
        }
        return before - outbox.count
    }

    public func recentMessages(limit: Int) -> [OutboxMessage] {
        Array(outbox.reversed().prefix(limit))
    }

    public func markAttemptFailed(_ id: OutboxID, error: String, retryAt: Date) throws {
        guard let index = outbox.firstIndex(where: { $0.id == id }) else { throw StoreError.notFound("outbox message \(id)") }
        outbox[index].attempts += 1
        outbox[index].lastError = error
        outbox[index].nextAttemptAt = retryAt
    }
}
