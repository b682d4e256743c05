//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation
import HTTPTypes
import Logging

/// The server's alert sinks: config.yaml's (fixed while it runs) and those added through the
/// API or the settings page, which are kept in the store and restored at the next start.
public struct AlertSinks: Sendable {
    /// The setting that holds the sinks added through the API (secrets included: the database
    /// is the server's own, mode 0600).
    static let storedSetting = "alerts.api_sinks"

    /// A sink as the API and the settings page show it.
    public struct Listing: Sendable {
        /// Its name.
        public var name: String
        /// Where it sends (secrets redacted).
        public var description: String
        /// `config` (config.yaml, read-only) or `api`.
        public var source: String
    }

    /// Where added sinks are kept.
    let store: any ArgusStore
    /// Delivers to the sinks.
    let dispatcher: AlertDispatcher
    /// The sink types the API and the settings page may add (the built-in ones, and a
    /// program's own).
    public let types: AlertSinkRegistry
    /// The names of the sinks given at start (config.yaml's: the API cannot change those).
    public let configuredNames: Set<String>
    /// Each sink's delivery policy.
    let configuration: ServerConfiguration
    /// Where sinks that cannot be restored are reported.
    let logger: Logger

    /// Every sink, with where it was defined.
    public func list() async -> [Listing] {
        // A sink's secrets are taken out even of its description (one without its own would show
        // every field).
        await dispatcher.allSinks.map {
            Listing(
                name: $0.name, description: SecretRedaction.redact("\($0)", secrets: $0.secrets),
                source: configuredNames.contains($0.name) ? "config" : "api")
        }
    }

    /// Whether a sink of that name exists.
    public func contains(_ name: String) async -> Bool { await dispatcher.sinkNames.contains(name) }

    /// Starts the sinks added through the API in an earlier run. One that no longer builds is
    /// logged and left out (and kept in the store); its messages wait in the outbox.
    public func restore() async throws {
        for object in try await stored() {
            let name = object["name"] as? String ?? "(unnamed)"
            guard !configuredNames.contains(name) else { continue }
            let settings: AlertSinkConfiguration
            do {
                settings = try decode(object)
            } catch {
                logger.error("alerts: the sink \(name) added through the API cannot be read: \(error)")
                continue
            }
            do {
                await dispatcher.add(try types.sink(for: settings), policy: configuration.deliveryPolicy(for: settings))
            } catch {
                logger.error(
                    "alerts: the sink \(name) added through the API cannot be used: \(SecretRedaction.redact("\(error)", secrets: settings.secretValues))"
                )
            }
        }
    }

    /// Adds a sink, or replaces one added earlier through the API.
    /// - Throws: ``APIError`` 422 naming the field (also for types that only config.yaml may
    ///   define), 409 for a name config.yaml uses.
    @discardableResult
    public func add(_ settings: AlertSinkConfiguration) async throws -> any AlertSink {
        guard !configuredNames.contains(settings.name) else {
            throw APIError(.conflict, "The sink \(settings.name) is defined in config.yaml; change it there.", field: "name")
        }
        try requireAddableType(settings.type)
        do {
            try types.check(settings)
        } catch {
            throw APIError.invalid(error.key.isEmpty ? "body" : error.key, error.reason)
        }
        let sink: any AlertSink
        do {
            sink = try types.sink(for: settings)
        } catch {
            throw APIError(.unprocessableContent, SecretRedaction.redact("\(error)", secrets: settings.secretValues))
        }
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(settings)) as? [String: Any] ?? [:]
        try await save(try await stored().filter { $0["name"] as? String != settings.name } + [encoded])
        await dispatcher.add(sink, policy: configuration.deliveryPolicy(for: settings))
        return sink
    }

    /// Refuses a type the registry does not know, or one that only config.yaml may define.
    /// - Throws: ``APIError`` 422 on `type`.
    func requireAddableType(_ name: String) throws {
        do {
            try types.checkAddableAtRunTime(name)
        } catch {
            throw APIError.invalid("type", error.reason)
        }
    }

    /// Removes a sink added through the API; its undelivered messages stay in the outbox.
    /// - Throws: ``APIError`` 404 for an unknown sink, 409 for one config.yaml defines.
    public func remove(named name: String) async throws {
        guard !configuredNames.contains(name) else { throw APIError(.conflict, "The sink \(name) is defined in config.yaml; remove it there.") }
        let stored = try await stored()
        guard stored.contains(where: { $0["name"] as? String == name }) else { throw APIError.notFound("Alert sink") }
        try await save(stored.filter { $0["name"] as? String != name })
        await dispatcher.remove(named: name)
    }

    /// The sinks added through the API, as stored: one JSON object each, kept as written so
    /// that one this version cannot read is never lost when another is added or removed.
    private func stored() async throws -> [[String: Any]] {
        guard let text = try await store.setting(Self.storedSetting) else { return [] }
        guard let items = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return [] }
        return items
    }

    private func save(_ sinks: [[String: Any]]) async throws {
        let data = try JSONSerialization.data(withJSONObject: sinks, options: [.sortedKeys])
        try await store.setSetting(Self.storedSetting, to: String(decoding: data, as: UTF8.self))
    }

    /// A stored sink's settings. Versions before the sink registry wrote camelCase keys
    /// (`caFile`); they are read as today's `ca_file`.
    private func decode(_ object: [String: Any]) throws -> AlertSinkConfiguration {
        let settings = Dictionary(object.map { ($0.key.snakeCased, $0.value) }) { first, _ in first }
        let decoder = JSONDecoder()
        decoder.userInfo = types.userInfo(refusingUnknownSettings: false)
        return try decoder.decode(AlertSinkConfiguration.self, from: JSONSerialization.data(withJSONObject: settings))
    }
}
