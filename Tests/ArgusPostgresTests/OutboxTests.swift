//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

@testable import ArgusPostgres

/// The alert outbox beyond its contract: settling, and claims shared by replicas.
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

    /// A claim hides its messages from other claims until its lease ends; postponing gives one
    /// back; the messages keep their due time.
    @Test func aClaimHoldsItsMessagesUntilItsLeaseEnds() async throws {
        try await TestDatabase.withStore { store in
            let queued = try await store.enqueue(
                (1...3).map { NewOutboxMessage(sink: "webhook", idempotencyKey: "k\($0)", payload: "{}") } + [
                    NewOutboxMessage(sink: "ntfy", idempotencyKey: "k1", payload: "{}")
                ], at: day(1))
            let first = try await store.claimDueMessages(to: "webhook", at: day(2), limit: 2, leaseFor: 600)
            #expect(first.map(\.idempotencyKey) == ["k1", "k2"] && first.allSatisfy { $0.nextAttemptAt == day(1) })
            #expect(try await store.claimDueMessages(to: "webhook", at: day(2), limit: 10, leaseFor: 600).map(\.idempotencyKey) == ["k3"])
            #expect(try await store.claimDueMessages(to: "webhook", at: day(2).addingTimeInterval(599), limit: 10, leaseFor: 600).isEmpty)
            #expect(try await store.claimDueMessages(to: "ntfy", at: day(2), limit: 10, leaseFor: 600).map(\.id) == [queued[3].id])
            try await store.postpone(first[1].id, until: day(1))
            #expect(try await store.claimDueMessages(to: "webhook", at: day(2), limit: 10, leaseFor: 600).map(\.idempotencyKey) == ["k2"])
            // The leases over, their claimers having died: the messages are due again.
            #expect(
                try await store.claimDueMessages(to: "webhook", at: day(2).addingTimeInterval(600), limit: 10, leaseFor: 600).map(\.idempotencyKey)
                    == ["k1", "k2", "k3"])
            #expect(try await store.pendingMessageCount() == 4)
        }
    }

    /// Two replicas' dispatchers on one database, rounds at the same moments: every alert is
    /// delivered, each once; a sink that fails gives the rest of its claim back for the next round.
    @Test func twoReplicasDeliverEachAlertOnce() async throws {
        let (_, configuration) = try await TestDatabase.create()
        let stores = [try await PostgresStore(configuration), try await PostgresStore(configuration)]
        defer { Task { for store in stores { await store.close() } } }
        let alerts = (1...120).map { Alert(id: "alert-\($0)", kind: .deviceAdded, severity: .warning, title: "new \($0)", message: "m") }
        _ = try await stores[0].enqueue(
            try alerts.map { NewOutboxMessage(sink: "webhook", idempotencyKey: $0.id, payload: try $0.json()) }, at: Date().addingTimeInterval(-5))
        // The first replica's sink fails its first delivery; the rest of that claim goes back.
        let sinks = [RecordingAlertSink(name: "webhook", failures: 1), RecordingAlertSink(name: "webhook")]
        let dispatchers = zip(stores, sinks).map { AlertDispatcher(store: $0, sinks: [$1], initialDelay: 1, perSinkLimit: 25) }
        for _ in 0..<40 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for dispatcher in dispatchers { group.addTask { try await dispatcher.deliverDue(at: Date().addingTimeInterval(5)) } }
                try await group.waitForAll()
            }
            if try await stores[0].pendingMessageCount() == 0 { break }
            // The failed alert is retried a second after its failure.
            try await Task.sleep(for: .milliseconds(200))
        }
        let received = sinks.flatMap(\.received)
        #expect(try await stores[0].pendingMessageCount() == 0)
        #expect(received.count == alerts.count, "each alert once: \(received.count) deliveries for \(alerts.count) alerts")
        #expect(Set(received) == Set(alerts.map(\.id)))
        #expect(sinks.allSatisfy { !$0.received.isEmpty }, "both replicas delivered")
    }
}
