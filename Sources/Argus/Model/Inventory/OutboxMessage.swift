//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// An alert waiting for delivery to one sink, kept in the store until the sink has it.
public struct OutboxMessage: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the message.
    public var id: OutboxID
    /// The sink it is for.
    public var sink: String
    /// A key unique per alert and sink, sent along so a receiver can drop duplicates.
    public var idempotencyKey: String
    /// The alert, as JSON text.
    public var payload: String
    /// When it was queued.
    public var createdAt: Date
    /// Delivery attempts so far.
    public var attempts: Int
    /// Not to be tried before this time (backoff).
    public var nextAttemptAt: Date
    /// When the sink accepted it.
    public var deliveredAt: Date?
    /// The last delivery error.
    public var lastError: String?
    /// What the message is about, when later messages may cancel it (e.g. `device-7-presence`).
    public var subject: String?
    /// Why the message was settled without being sent (snoozed, part of a digest, back online
    /// within the grace period); `nil` when it was sent or is still pending.
    public var suppressedReason: String?

    /// Whether the message is settled: sent, or suppressed with a reason.
    public var isSettled: Bool { deliveredAt != nil }

    /// Creates an outbox message.
    public init(
        id: OutboxID, sink: String, idempotencyKey: String, payload: String, createdAt: Date, attempts: Int = 0, nextAttemptAt: Date,
        deliveredAt: Date? = nil, lastError: String? = nil, subject: String? = nil, suppressedReason: String? = nil
    ) {
        self.id = id
        self.sink = sink
        self.idempotencyKey = idempotencyKey
        self.payload = payload
        self.createdAt = createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.deliveredAt = deliveredAt
        self.lastError = lastError
        self.subject = subject
        self.suppressedReason = suppressedReason
    }
}

/// An alert to queue in the same transaction as the scan result that caused it.
public struct NewOutboxMessage: Sendable, Codable, Hashable {
    /// The sink it is for.
    public var sink: String
    /// A key unique per alert and sink; queuing the same key twice keeps one message.
    public var idempotencyKey: String
    /// The alert, as JSON text.
    public var payload: String
    /// What it is about, when later messages may cancel it (see ``OutboxMessage/subject``).
    public var subject: String?
    /// Held until this time (an offline alert waits out its grace period); `nil`: due at once.
    public var notBefore: Date?

    /// Describes a message.
    public init(sink: String, idempotencyKey: String, payload: String, subject: String? = nil, notBefore: Date? = nil) {
        self.sink = sink
        self.idempotencyKey = idempotencyKey
        self.payload = payload
        self.subject = subject
        self.notBefore = notBefore
    }
}

/// A scan that runs on its own, by cron expression or interval.
public struct Schedule: Sendable, Codable, Hashable, Identifiable {
    /// The store's id for the schedule.
    public var id: ScheduleID
    /// The owner's name for it.
    public var name: String
    /// A five-field cron expression, or an interval such as `every 6h`.
    public var expression: String
    /// The scan profile.
    public var profile: String
    /// The targets; empty means the configured networks.
    public var targets: [String]
    /// Whether it runs.
    public var isEnabled: Bool
    /// When it runs next.
    public var nextRunAt: Date?
    /// When it last ran.
    public var lastRunAt: Date?

    /// Creates a schedule.
    public init(
        id: ScheduleID, name: String, expression: String, profile: String, targets: [String] = [], isEnabled: Bool = true, nextRunAt: Date? = nil,
        lastRunAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.expression = expression
        self.profile = profile
        self.targets = targets
        self.isEnabled = isEnabled
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
    }
}
