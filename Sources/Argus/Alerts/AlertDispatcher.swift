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
/// the store until delivered.
public actor AlertDispatcher {
    /// Where the outbox is.
    public let store: any DeviceStore
    private var sinks: [String: any AlertSink]
    /// The first retry's delay; each further one doubles, up to ``maximumDelay``.
    public let initialDelay: TimeInterval
    /// The longest delay between retries.
    public let maximumDelay: TimeInterval
    /// At most this many messages per sink per round (a rate limit; the rest wait their turn).
    public let perSinkLimit: Int

    /// Creates a dispatcher.
    public init(store: any DeviceStore, sinks: [any AlertSink], initialDelay: TimeInterval = 30, maximumDelay: TimeInterval = 3_600, perSinkLimit: Int = 50) {
        self.store = store
        self.sinks = Dictionary(sinks.map { ($0.name, $0) }) { first, _ in first }
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.perSinkLimit = perSinkLimit
    }

    /// The sink names, for queuing.
    public var sinkNames: [String] { sinks.keys.sorted() }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        /// Messages delivered.
        public var delivered = 0
        /// Messages that failed and wait for a retry.
        public var failed = 0
        /// Messages for a sink that is not configured (kept, for when it is again).
        public var skipped = 0

        /// Creates a round's counts.
        public init(delivered: Int = 0, failed: Int = 0, skipped: Int = 0) {
            self.delivered = delivered
            self.failed = failed
            self.skipped = skipped
        }
    }

    /// Delivers what is due at `now`. A sink that fails is not tried again in the same round:
    /// its other messages wait, so one dead receiver costs one timeout per round, not one per
    /// message, and never holds up the other sinks.
    @discardableResult
    public func deliverDue(at now: Date = Date()) async throws -> Round {
        var round = Round()
        var perSink: [String: Int] = [:]
        var failing: Set<String> = []
        for message in try await store.dueMessages(at: now, limit: 500) {
            guard let sink = sinks[message.sink] else {
                round.skipped += 1
                continue
            }
            guard perSink[message.sink, default: 0] < perSinkLimit, !failing.contains(message.sink) else { continue }
            perSink[message.sink, default: 0] += 1
            do {
                let alert = try Alert.decode(message.payload)
                try await sink.deliver(alert)
                try await store.markDelivered(message.id, at: Date())
                round.delivered += 1
            } catch {
                var delay = initialDelay
                for _ in 0..<min(message.attempts, 20) { delay = min(maximumDelay, delay * 2) }
                try await store.markAttemptFailed(message.id, error: String("\(error)".prefix(500)), retryAt: now.addingTimeInterval(delay))
                round.failed += 1
                failing.insert(message.sink)
            }
        }
        return round
    }

    /// Sends a test alert to one sink now, outside the outbox (the settings' test button).
    public func test(_ sinkName: String) async throws {
        guard let sink = sinks[sinkName] else { throw StoreError.notFound("alert sink \(sinkName)") }
        try await sink.deliver(Alert(id: "test-\(UInt64(Date().timeIntervalSince1970 * 1000))", kind: .test, severity: .info, title: AlertKind.test.title, message: "This is a test alert from Argus."))
    }
}
