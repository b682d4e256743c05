//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Where alerts go: a webhook, a chat, a pager, a log. As small to write as a `LogHandler`:
///
/// ```swift
/// struct StandardErrorSink: AlertSink {
///     let name = "stderr"
///     func deliver(_ alert: Alert) async throws {
///         FileHandle.standardError.write(Data("\(alert.severity): \(alert.message)\n".utf8))
///     }
/// }
/// ```
///
/// Alerts reach a sink through the durable outbox: ``AlertDispatcher`` calls ``deliver(_:)``,
/// and an error means "try again later" (with exponential backoff), so a sink never needs its
/// own queue or retries. Each alert arrives once per sink, unless a crash falls between a
/// successful delivery and its recording; then the same ``Alert/id`` arrives again, for the
/// receiver to drop.
public protocol AlertSink: Sendable {
    /// A stable, unique name: the outbox keys messages by it (e.g. `webhook:ops`). Renaming a
    /// sink orphans its undelivered messages.
    var name: String { get }

    /// Delivers one alert. Throw to have it retried later.
    func deliver(_ alert: Alert) async throws

    /// The sink's secrets (tokens, passwords, URLs that are secrets themselves): the dispatcher
    /// takes them out of delivery errors before they are stored, shown, logged or audited.
    var secrets: [String] { get }
}

extension AlertSink {
    /// No secrets.
    public var secrets: [String] { [] }
}
