//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The contract every ``AlertOutbox`` keeps: the alert outbox, with messages queued in a scan's transaction. See ``StoreContract`` for how to run it.
public enum AlertOutboxContract: StoreContract {
    /// The store each check takes.
    public typealias Store = any DeviceStore & AlertOutbox

    /// The checks, by name.
    public static let checks: [String: @Sendable (Store) async throws -> Void] = [
        "aProducerThatThrowsMidwayKeepsNothing": { try await aProducerThatThrowsMidwayKeepsNothing($0) },
        "outboxDeliversEachMessageOnce": { try await outboxDeliversEachMessageOnce($0) },
    ]

    static func aProducerThatThrowsMidwayKeepsNothing(_ store: any DeviceStore & AlertOutbox) async throws {
        struct Stop: Error {}
        let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(1)))
        try await expectThrows(Stop.self) {
            try await store.record(scan.id, at: day(1)) { recorder in
                for index in 1...50 { try recorder.add(DeviceUpdate(ip: "192.0.2.\(index)", ports: [port(22)])) }
                try recorder.add(NewChange(device: .update(0), kind: .deviceAdded, description: "x"))
                try recorder.enqueue([NewOutboxMessage(sink: "webhook", idempotencyKey: "k", payload: "{}")])
                throw Stop()
            }
        }
        try await expect(try await store.inventory().isEmpty)
        try await expect(try await store.changes(ChangeQuery()).total == 0)
        try await expect(try await store.pendingMessageCount() == 0)
        try await expect(try await store.scan(scan.id)?.status == .running)
        // Streaming: devices added one by one; the outcome's own end time is kept.
        let recorded = try await store.record(scan.id, at: day(2)) { recorder in
            let first = try recorder.add(DeviceUpdate(ip: "192.0.2.1"))
            try recorder.add(NewChange(device: .known(first), kind: .deviceAdded, description: "x"))
            try recorder.add(DeviceUpdate(ip: "192.0.2.2", ports: [port(80)]))
            return ScanOutcome(status: .completed, startedAt: day(1), finishedAt: day(1, hour: 1), hostsUp: 2)
        }
        try await expect(recorded.deviceIDs.count == 2 && recorded.newDevices == 2 && recorded.changeIDs.count == 1)
        try await expect(recorded.scan.finishedAt == day(1, hour: 1) && recorded.scan.openPorts == 1)
        try await expect(try await store.device(recorded.deviceIDs[0])?.lastSeen == day(2))
    }

    static func outboxDeliversEachMessageOnce(_ store: any DeviceStore & AlertOutbox) async throws {
        let alert = NewOutboxMessage(sink: "webhook", idempotencyKey: "scan1-device_added-1", payload: #"{"kind":"device_added"}"#)
        try await recordScan(
            store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")],
            outbox: [alert, NewOutboxMessage(sink: "ntfy", idempotencyKey: "scan1-device_added-1", payload: "{}")])
        // The same key for the same sink is queued once.
        let again = try await store.enqueue([alert, NewOutboxMessage(sink: "webhook", idempotencyKey: "degraded", payload: "{}")], at: day(2))
        try await expect(again.count == 2)
        try await expect(try await store.pendingMessageCount() == 3)
        let due = try await store.dueMessages(at: day(2), limit: 10)
        try await expect(due.map(\.idempotencyKey) == ["scan1-device_added-1", "scan1-device_added-1", "degraded"])
        try await expect(due[0].id == again[0].id && due[0].payload == alert.payload)
        try await store.markAttemptFailed(due[0].id, error: "connection refused", retryAt: day(3))
        try await expect(try await store.dueMessages(at: day(2), limit: 10).map(\.sink) == ["ntfy", "webhook"])
        let retried = try await require(try await store.dueMessages(at: day(3), limit: 10).first { $0.id == due[0].id })
        try await expect(retried.attempts == 1 && retried.lastError == "connection refused")
        try await store.markDelivered(due[0].id, at: day(3))
        try await expect(try await store.pendingMessageCount() == 2)
        try await expect(try await store.dueMessages(at: day(9), limit: 10).contains { $0.id == due[0].id } == false)
        try await expect(try await store.dueMessages(at: day(9), limit: 1).count == 1)
        try await expectThrows(StoreError.self) { try await store.markDelivered(OutboxID(9_999), at: day(3)) }
    }
}
