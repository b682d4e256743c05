//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Synchronization

/// An ``Argus/AlertSink`` that keeps every alert it is given, and can fail its first deliveries:
/// for testing alert rules, the outbox and delivery without a receiver.
///
/// ```swift
/// let sink = RecordingAlertSink(name: "ops", failures: 1)
/// let dispatcher = AlertDispatcher(store: store, sinks: [sink])
/// _ = try await dispatcher.deliverDue()   // fails once, retried later
/// print(sink.alerts.map(\.title))
/// ```
public final class RecordingAlertSink: AlertSink {
    /// The sink's name.
    public let name: String
    private let state: Mutex<(failuresLeft: Int, alerts: [Alert])>

    /// The error of a delivery the sink was told to fail.
    public struct Down: Error, CustomStringConvertible {
        /// What the error says.
        public var description: String { "the recording sink is down" }
    }

    /// Creates a sink that fails its first `failures` deliveries with ``Down``.
    public init(name: String = "recording", failures: Int = 0) {
        self.name = name
        self.state = Mutex((failures, []))
    }

    public func deliver(_ alert: Alert) async throws {
        try state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw Down()
            }
            state.alerts.append(alert)
        }
    }

    /// The alerts delivered, in order.
    public var alerts: [Alert] { state.withLock { $0.alerts } }

    /// The ids of the alerts delivered, in order.
    public var received: [String] { alerts.map(\.id) }
}
