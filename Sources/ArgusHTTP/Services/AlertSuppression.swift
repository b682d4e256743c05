//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation

/// What keeps alerts from going out: acknowledging their changes, and snoozing them.
struct AlertSuppression: Sendable {
    /// Where changes, the outbox and the snooze are kept.
    let store: any ArgusStore

    /// Acknowledges changes (or takes that back). Acknowledged changes' alerts that still wait
    /// in the outbox (quiet hours, a digest, a grace period, a dead sink) are not sent: the
    /// owner already knows.
    /// - Returns: How many changes exist among `ids`, and how many waiting alerts were withdrawn.
    func acknowledge(_ ids: [ChangeID], acknowledged: Bool) async throws -> (updated: Int, withdrawn: Int) {
        let updated = try await store.acknowledgeChanges(ids, acknowledged: acknowledged)
        guard acknowledged, updated > 0 else { return (updated, 0) }
        let keys = try await AlertRules.alertIDs(for: try await store.changes(withIDs: ids), in: store)
        return (updated, try await store.suppressPendingMessages(idempotencyKeys: keys, reason: "acknowledged", at: Date()))
    }

    /// Silences alerts for `minutes` (0 lifts the snooze): every alert, or one device's.
    /// - Throws: ``APIError`` 404 for an unknown device.
    @discardableResult
    func snooze(_ device: DeviceID?, minutes: Int) async throws -> AlertSnooze {
        let now = Date()
        var snooze = try await AlertSnooze.load(from: store).pruned(at: now)
        let until = minutes > 0 ? now.addingTimeInterval(TimeInterval(minutes * 60)) : nil
        if let device {
            guard try await store.device(device) != nil else { throw APIError.notFound("Device") }
            snooze.devices[device.rawValue] = until
        } else {
            snooze.allUntil = until
        }
        try await snooze.save(to: store)
        return snooze
    }
}
