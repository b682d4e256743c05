//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Where alerts wait for delivery: one message per sink and alert (its idempotency key),
/// settled once delivered or suppressed with a reason.
///
/// ``AlertDispatcher`` reads it; a scan's messages are written with the scan, in its
/// transaction, through ``ScanRecorder/enqueue(_:)``.
///
/// ## Implementation requirements
///
/// - A key already queued for a sink is not queued again.
/// - A settled message (delivered or suppressed) stays settled.
/// - Errors are ``StoreError``s.
///
/// The contract suite is `AlertOutboxContract` in `ArgusTesting`.
public protocol AlertOutbox: Sendable {

    /// Queues messages outside a scan (a scanner that degraded, a test send). A key already
    /// queued is not queued again.
    @discardableResult
    func enqueue(_ messages: [NewOutboxMessage], at date: Date) async throws -> [OutboxMessage]
    /// Undelivered messages due at `date`, oldest first.
    func dueMessages(at date: Date, limit: Int) async throws -> [OutboxMessage]
    /// One sink's undelivered messages due at `date`, oldest first.
    func dueMessages(to sink: String, at date: Date, limit: Int) async throws -> [OutboxMessage]
    /// Claims one sink's due messages for a delivery round, oldest first: until `date + lease`
    /// no other claim returns them, so dispatchers of several processes sharing the store (the
    /// replicas of one server) never both send one. The claimer settles, fails, postpones or
    /// releases each; one it never gets to (its process died) is due again when the lease ends.
    /// The messages keep the due time they had before the claim.
    ///
    /// A store that one process alone uses may keep the default, which is
    /// ``dueMessages(to:at:limit:)``: a dispatcher never claims against itself.
    func claimDueMessages(to sink: String, at date: Date, limit: Int, leaseFor lease: TimeInterval) async throws -> [OutboxMessage]
    /// Undelivered messages, however many.
    func pendingMessageCount() async throws -> Int
    /// Marks messages delivered, all at once (the alerts of one digest); a message settled
    /// meanwhile (acknowledged, say) is recorded as delivered, since it was.
    func markDelivered(_ ids: [OutboxID], at date: Date) async throws
    /// Records a failed attempt and when to try again.
    func markAttemptFailed(_ id: OutboxID, error: String, retryAt: Date) async throws
    /// Settles a message without sending it (snoozed, cancelled by a later event), keeping the
    /// reason: nothing leaves the outbox unexplained. A message already settled stays as it is.
    func markSuppressed(_ id: OutboxID, reason: String, at date: Date) async throws
    /// Settles the undelivered messages of these alerts (every sink) unsent, with the reason;
    /// returns how many. An acknowledged change's alert, still waiting, is not sent.
    @discardableResult
    func suppressPendingMessages(idempotencyKeys: [String], reason: String, at date: Date) async throws -> Int
    /// Holds a message until `date` without counting an attempt (quiet hours); a settled
    /// message stays as it is.
    func postpone(_ id: OutboxID, until date: Date) async throws
    /// Every message for `sink` on `subject`, oldest first (a device's presence alerts).
    func messages(to sink: String, about subject: String) async throws -> [OutboxMessage]
    /// Deletes settled messages queued before `date`, but keeps the newest message of each
    /// sink and subject (a device's presence is judged by it); returns how many were deleted.
    @discardableResult
    func pruneSettledMessages(queuedBefore date: Date) async throws -> Int
    /// The newest messages, pending or settled, newest first (the delivery log).
    func recentMessages(limit: Int) async throws -> [OutboxMessage]
}

extension AlertOutbox {
    /// One sink's due messages, without a lease: for stores that one process alone uses.
    public func claimDueMessages(to sink: String, at date: Date, limit: Int, leaseFor lease: TimeInterval) async throws -> [OutboxMessage] {
        try await dueMessages(to: sink, at: date, limit: limit)
    }

    /// Marks one message delivered.
    public func markDelivered(_ id: OutboxID, at date: Date) async throws {
        try await markDelivered([id], at: date)
    }
}
