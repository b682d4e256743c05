//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Delivers the outbox: each due message to its sink, recorded as delivered on success, retried
/// with exponential backoff on failure. A crash or a dead sink loses nothing: messages stay in
/// the store until they are settled, sent or suppressed with a reason.
///
/// Before sending, each message passes the owner's wishes, in this order:
/// 1. **Snooze** (``AlertSnooze``, kept in the store): a silenced alert is settled unsent.
/// 2. **Presence**: an offline alert is dropped when its device came back within the grace
///    period, a back-online alert when its offline alert was never sent, and either when the
///    device is flapping (``DeliveryPolicy/flapLimit``).
/// 3. **Quiet hours**: alerts below the breakthrough severity wait until the window ends.
/// 4. **Digests**: for a sink with a digest interval, non-critical alerts are gathered and sent
///    as one ``AlertKind/digest`` alert once the oldest has waited the interval.
public actor AlertDispatcher {
    /// Where the outbox is.
    public let store: any AlertOutbox & SettingsStore
    private var sinks: [String: any AlertSink]
    private var policies: [String: DeliveryPolicy]
    private let defaultPolicy: DeliveryPolicy
    /// The first retry's delay; each further one doubles, up to ``maximumDelay``.
    public let initialDelay: TimeInterval
    /// The longest delay between retries.
    public let maximumDelay: TimeInterval
    /// At most this many messages per sink per round (a rate limit; the rest wait their turn).
    public let perSinkLimit: Int

    /// Creates a dispatcher.
    /// - Parameters:
    ///   - store: The outbox's store.
    ///   - sinks: Where alerts go, by ``AlertSink/name``.
    ///   - policy: The delivery policy for sinks without one of their own.
    ///   - policies: Policies by sink name.
    ///   - initialDelay: The first retry's delay, in seconds; each further one doubles.
    ///   - maximumDelay: The longest delay between retries, in seconds.
    ///   - perSinkLimit: At most this many messages per sink per round.
    public init(
        store: any AlertOutbox & SettingsStore, sinks: [any AlertSink], policy: DeliveryPolicy = DeliveryPolicy(),
        policies: [String: DeliveryPolicy] = [:], initialDelay: TimeInterval = 30, maximumDelay: TimeInterval = 3_600, perSinkLimit: Int = 50
    ) {
        self.store = store
        self.sinks = Dictionary(sinks.map { ($0.name, $0) }) { first, _ in first }
        self.defaultPolicy = policy
        self.policies = policies
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.perSinkLimit = perSinkLimit
    }

    /// The sink names, for queuing.
    public var sinkNames: [String] { sinks.keys.sorted() }

    /// The sinks, by name.
    public var allSinks: [any AlertSink] { sinks.keys.sorted().compactMap { sinks[$0] } }

    /// Adds a sink (or replaces the one of the same name) while the dispatcher runs; alerts
    /// queued from now on include it.
    public func add(_ sink: any AlertSink, policy: DeliveryPolicy? = nil) {
        sinks[sink.name] = sink
        policies[sink.name] = policy
    }

    /// Removes a sink. Its undelivered messages stay in the outbox (for if it comes back).
    public func remove(named name: String) {
        sinks[name] = nil
        policies[name] = nil
    }

    /// The policy a sink's alerts follow.
    public func policy(for sink: String) -> DeliveryPolicy { policies[sink] ?? defaultPolicy }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        /// Messages delivered (a digest counts each alert in it).
        public var delivered = 0
        /// Messages that failed and wait for a retry.
        public var failed = 0
        /// Messages for a sink that is not configured (kept, for when it is again).
        public var skipped = 0
        /// Messages settled unsent: snoozed, or cancelled by their device's presence.
        public var suppressed = 0
        /// Messages held for quiet hours, a digest, or an undecided offline alert.
        public var held = 0

        /// Creates a round's counts.
        public init(delivered: Int = 0, failed: Int = 0, skipped: Int = 0, suppressed: Int = 0, held: Int = 0) {
            self.delivered = delivered
            self.failed = failed
            self.skipped = skipped
            self.suppressed = suppressed
            self.held = held
        }
    }

    /// What to do with one message.
    private enum Decision {
        case send
        case suppress(String)
        case hold(until: Date)
    }

    /// Delivers the outbox every `interval` until the task is cancelled: the delivery loop of a
    /// program that embeds Argus (argus-server runs it beside its HTTP server). What is
    /// undelivered when it stops waits in the store for the next run.
    /// - Parameters:
    ///   - interval: How long to wait between rounds.
    ///   - onRound: Called with each round's counts, or why the outbox could not be read.
    public func run(every interval: Duration, onRound: @Sendable (Result<Round, any Error>) -> Void = { _ in }) async {
        while !Task.isCancelled {
            do {
                onRound(.success(try await deliverDue()))
            } catch {
                onRound(.failure(error))
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// How long a round's claim on its messages lasts: longer than any round takes (a sink's
    /// messages are sent one by one, each within its sink's timeout), so that a dispatcher that
    /// died mid-round holds up its messages for no more than this.
    public static let claimLease: TimeInterval = 600

    /// Delivers what is due at `now`, sink by sink: each sink's oldest due messages, at most
    /// ``perSinkLimit`` a round. A sink that fails is not tried again in the same round: its
    /// other messages wait, so one dead receiver costs one timeout per round, not one per
    /// message, and never holds up the other sinks (nor do messages for a sink that is gone).
    @discardableResult
    public func deliverDue(at now: Date = Date()) async throws -> Round {
        var round = Round()
        let snooze = try await AlertSnooze.load(from: store)
        for name in sinks.keys.sorted() {
            guard let sink = sinks[name] else { continue }
            try await deliver(to: sink, policy: policy(for: name), snooze: snooze, at: now, into: &round)
        }
        round.skipped = try await store.dueMessages(at: now, limit: 500).count { sinks[$0.sink] == nil }
        return round
    }

    private func deliver(to sink: any AlertSink, policy: DeliveryPolicy, snooze: AlertSnooze, at now: Date, into round: inout Round) async throws {
        var digest: [(OutboxMessage, Alert)] = []
        let claimed = try await store.claimDueMessages(to: sink.name, at: now, limit: perSinkLimit, leaseFor: Self.claimLease)
        for (position, message) in claimed.enumerated() {
            let alert: Alert
            do {
                alert = try Alert.decode(message.payload)
            } catch {
                // Unreadable payloads cannot become readable by waiting: settle, with the reason.
                try await store.markSuppressed(message.id, reason: "unreadable payload: \(error)", at: now)
                round.suppressed += 1
                continue
            }
            switch try await decide(message, alert, policy: policy, snooze: snooze, at: now) {
            case .suppress(let reason):
                try await store.markSuppressed(message.id, reason: reason, at: now)
                round.suppressed += 1
                continue
            case .hold(let until):
                try await store.postpone(message.id, until: until)
                round.held += 1
                continue
            case .send:
                break
            }
            // Critical alerts and clears (which resolve incidents) never wait for a digest.
            if let interval = policy.digestInterval, alert.severity < .critical, alert.kind != .riskCleared {
                // Digests go out at fixed times (every interval since the epoch, in UTC): an
                // alert waits for the first one after it was queued.
                let due = Self.digestTime(after: message.createdAt, every: interval)
                if due <= now {
                    digest.append((message, alert))
                } else {
                    try await store.postpone(message.id, until: due)
                    round.held += 1
                }
                continue
            }
            do {
                try await sink.deliver(alert)
            } catch {
                try await recordFailure(of: [message], error, secrets: sink.secrets, at: now)
                round.failed += 1
                // The rest wait for the next round, as they were: their claim is given back.
                for rest in claimed[(position + 1)...] { try await store.postpone(rest.id, until: rest.nextAttemptAt) }
                for (waiting, _) in digest { try await store.postpone(waiting.id, until: waiting.nextAttemptAt) }
                return
            }
            // A store that fails after a sink accepted is the store's failure, not the sink's.
            try await store.markDelivered([message.id], at: Date())
            round.delivered += 1
        }
        guard !digest.isEmpty else { return }
        let alert = Self.digest(of: digest.map(\.1), sink: sink.name, since: digest.map(\.0.createdAt).min() ?? now, at: now)
        do {
            try await sink.deliver(alert)
        } catch {
            try await recordFailure(of: digest.map(\.0), error, secrets: sink.secrets, at: now)
            round.failed += digest.count
            return
        }
        // All of a digest is marked at once, so a crash cannot split it into a second digest.
        try await store.markDelivered(digest.map(\.0.id), at: Date())
        round.delivered += digest.count
    }

    private func recordFailure(of messages: [OutboxMessage], _ error: any Error, secrets: [String], at now: Date) async throws {
        // Redacted whole, then cut: a cut could leave the start of a secret behind.
        let reason = String(AlertDeliveryFailure(error, secrets: secrets).description.prefix(500))
        for message in messages {
            var delay = initialDelay
            for _ in 0..<min(message.attempts, 20) { delay = min(maximumDelay, delay * 2) }
            try await store.markAttemptFailed(message.id, error: reason, retryAt: now.addingTimeInterval(delay))
        }
    }

    private func decide(_ message: OutboxMessage, _ alert: Alert, policy: DeliveryPolicy, snooze: AlertSnooze, at now: Date) async throws -> Decision
    {
        if alert.kind != .test, let until = snooze.silences(alert, at: now) {
            return .suppress("snoozed until \(until.formatted(.iso8601))")
        }
        if let subject = message.subject {
            switch try await presence(of: message, alert, subject: subject, policy: policy, at: now) {
            case .send: break
            case let other: return other
            }
        }
        if let quietHours = policy.quietHours, let until = quietHours.hold(alert.severity, at: now) {
            return .hold(until: until)
        }
        return .send
    }

    /// Offline and back-online alerts, decided from the device's other presence alerts to the
    /// same sink, so the owner hears of an outage only when it outlasted its grace period, and
    /// of a return only when they heard of the outage.
    private func presence(of message: OutboxMessage, _ alert: Alert, subject: String, policy: DeliveryPolicy, at now: Date) async throws -> Decision {
        let history = try await store.messages(to: message.sink, about: subject)
        let earlier = history.filter { $0.id.rawValue < message.id.rawValue }
        let later = history.filter { $0.id.rawValue > message.id.rawValue }
        func kind(_ other: OutboxMessage) -> AlertKind? { try? Alert.decode(other.payload).kind }
        switch alert.kind {
        case .deviceRemoved:
            // Back before the grace period ran out: neither alert is worth sending.
            let graceEnd = alert.notBefore ?? alert.createdAt
            if later.contains(where: { kind($0) == .deviceBackOnline && $0.createdAt <= graceEnd }) {
                return .suppress("back online within the grace period")
            }
            // Flapping: enough of its presence alerts went out lately; only outages are held
            // back, so a return whose outage was reported is always reported.
            let recent = earlier.filter {
                $0.isSettled && $0.suppressedReason == nil && $0.createdAt > message.createdAt.addingTimeInterval(-policy.flapWindow)
            }
            if recent.count >= policy.flapLimit {
                return .suppress("flapping: \(recent.count) presence alerts within \(Int(policy.flapWindow / 60)) minutes")
            }
            return .send
        case .deviceBackOnline:
            // Its outage is the latest presence message before it; anything else means the
            // owner never heard of this outage.
            guard let outage = earlier.last, kind(outage) == .deviceRemoved else {
                return .suppress("its offline alert was not sent")
            }
            if !outage.isSettled {
                // Wait for the offline alert to be decided (it may still be sent late).
                return .hold(until: max(outage.nextAttemptAt, now.addingTimeInterval(1)))
            }
            if let reason = outage.suppressedReason { return .suppress("its offline alert was not sent (\(reason))") }
            return .send
        default:
            return .send
        }
    }

    /// The first digest time after `date`: a multiple of `interval` since the epoch.
    static func digestTime(after date: Date, every interval: TimeInterval) -> Date {
        Date(timeIntervalSince1970: ((date.timeIntervalSince1970 / interval).rounded(.down) + 1) * interval)
    }

    /// One alert that lists several; its id names the sink and the oldest alert's time, so a
    /// digest sent again after a crash carries the same id.
    static func digest(of alerts: [Alert], sink: String, since oldest: Date, at date: Date) -> Alert {
        let lines = alerts.map { "• [\($0.severity.rawValue)] \($0.title): \($0.message)" }
        return Alert(
            id: "digest-\(sink)-\(Int64(oldest.timeIntervalSince1970 * 1_000))", kind: .digest, severity: alerts.map(\.severity).max() ?? .info,
            title: "\(alerts.count) alert\(alerts.count == 1 ? "" : "s") from Argus", message: lines.joined(separator: "\n"), createdAt: date)
    }

    /// Sends a test alert to one sink now, outside the outbox (the settings' test button).
    /// - Throws: ``AlertDeliveryFailure`` (the sink's secrets taken out of its reason) when the
    ///   sink fails.
    public func test(_ sinkName: String) async throws {
        guard let sink = sinks[sinkName] else { throw StoreError.notFound("alert sink \(sinkName)") }
        do {
            try await sink.deliver(
                Alert(
                    id: "test-\(UInt64(Date().timeIntervalSince1970 * 1000))", kind: .test, severity: .info, title: AlertKind.test.title,
                    message: "This is a test alert from Argus."))
        } catch {
            throw AlertDeliveryFailure(error, secrets: sink.secrets)
        }
    }
}
