//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Testing

@testable import ArgusPostgres

/// The alert outbox on its own (AlertOutboxContract's checks need the DeviceStore role, to come).
@Suite(TestDatabase.available) struct OutboxTests {
    @Test func eachMessageIsDeliveredOnce() async throws {
        try await TestDatabase.withStore { store in
            let alert = NewOutboxMessage(sink: "webhook", idempotencyKey: "scan1-device_added-1", payload: #"{"kind":"device_added"}"#)
            let first = try await store.enqueue(
                [alert, NewOutboxMessage(sink: "ntfy", idempotencyKey: "scan1-device_added-1", payload: "{}")], at: day(1))
            // The same key for the same sink is queued once.
            let again = try await store.enqueue([alert, NewOutboxMessage(sink: "webhook", idempotencyKey: "degraded", payload: "{}")], at: day(2))
            #expect(again.count == 2 && again[0] == first[0])
            #expect(try await store.pendingMessageCount() == 3)
            let due = try await store.dueMessages(at: day(2), limit: 10)
            #expect(due.map(\.idempotencyKey) == ["scan1-device_added-1", "scan1-device_added-1", "degraded"])
            #expect(due[0].payload == alert.payload && due[0].createdAt == day(1))
            try await store.markAttemptFailed(due[0].id, error: "connection refused", retryAt: day(3))
            #expect(try await store.dueMessages(at: day(2), limit: 10).map(\.sink) == ["ntfy", "webhook"])
            #expect(try await store.dueMessages(to: "webhook", at: day(2), limit: 10).map(\.idempotencyKey) == ["degraded"])
            let retried = try #require(try await store.dueMessages(at: day(3), limit: 10).first(where: { $0.id == due[0].id }))
            #expect(retried.attempts == 1 && retried.lastError == "connection refused")
            try await store.markDelivered(due[0].id, at: day(3))
            #expect(try await store.pendingMessageCount() == 2)
            #expect(try await store.dueMessages(at: day(9), limit: 10).contains { $0.id == due[0].id } == false)
            #expect(try await store.dueMessages(at: day(9), limit: 1).count == 1)
            await #expect(throws: StoreError.self) { try await store.markDelivered(OutboxID(9_999), at: day(3)) }
            // A digest that names an unknown message marks none.
            await #expect(throws: StoreError.self) { try await store.markDelivered([due[1].id, OutboxID(9_999)], at: day(3)) }
            #expect(try await store.pendingMessageCount() == 2)
        }
    }

    @Test func settledMessagesStaySettled() async throws {
        try await TestDatabase.withStore { store in
            let queued = try await store.enqueue(
                [
                    NewOutboxMessage(sink: "webhook", idempotencyKey: "a", payload: "{}", subject: "device-1-presence"),
                    NewOutboxMessage(sink: "ntfy", idempotencyKey: "a", payload: "{}"),
                    NewOutboxMessage(sink: "webhook", idempotencyKey: "b", payload: "{}", notBefore: day(5)),
                ], at: day(1))
            #expect(queued[2].nextAttemptAt == day(5))
            #expect(try await store.dueMessages(at: day(4), limit: 10).count == 2)
            try await store.markSuppressed(queued[0].id, reason: "snoozed", at: day(2))
            try await store.markSuppressed(queued[0].id, reason: "later", at: day(3))
            try await store.postpone(queued[0].id, until: day(9))
            let suppressed = try await store.messages(to: "webhook", about: "device-1-presence")
            #expect(suppressed.map(\.suppressedReason) == ["snoozed"] && suppressed[0].deliveredAt == day(2) && suppressed[0].nextAttemptAt == day(1))
            // The acknowledged alert's other sink is settled too, once.
            #expect(try await store.suppressPendingMessages(idempotencyKeys: ["a", "a"], reason: "acknowledged", at: day(3)) == 1)
            #expect(try await store.pendingMessageCount() == 1)
            try await store.postpone(queued[2].id, until: day(7))
            #expect(try await store.dueMessages(at: day(6), limit: 10).isEmpty)
            await #expect(throws: StoreError.self) { try await store.postpone(OutboxID(9_999), until: day(7)) }
            await #expect(throws: StoreError.self) { try await store.markSuppressed(OutboxID(9_999), reason: "x", at: day(7)) }
            // Pruning keeps the newest message of each sink and subject.
            #expect(try await store.pruneSettledMessages(queuedBefore: day(9)) == 1)
            #expect(try await store.recentMessages(limit: 10).map(\.id) == [queued[2].id, queued[0].id])
        }
    }
}
