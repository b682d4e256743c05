//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The configured alert sinks (secrets never shown), a test send, the delivery log, and
/// snoozing alerts.
struct AlertRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/alerts", use: log)
        routes.api.get("/api/alerts/sinks", use: list)
        routes.api.post("/api/alerts/sinks", use: add)
        routes.api.delete("/api/alerts/sinks/:name", use: remove)
        routes.api.post("/api/alerts/sinks/:name/test", use: test)
        routes.api.get("/api/alerts/snooze", use: snooze)
        routes.api.post("/api/alerts/snooze", use: setSnooze)
        routes.api.delete("/api/alerts/snooze", use: clearSnooze)
    }

    /// Reads a sink to add: the fields of an `alerts.sinks` item in config.yaml, checked by
    /// the server's sink registry, whose problems are 422s naming the field.
    static func sinkSettings(from data: Data, services: ServerServices) throws -> AlertSinkConfiguration {
        // A type only config.yaml may define is refused before its settings are looked at.
        let decoder = JSONDecoder()
        decoder.userInfo = services.sinks.types.userInfo(refusingUnknownSettings: false, addableAtRunTimeOnly: true)
        do {
            return try decoder.decode(AlertSinkConfiguration.self, from: data)
        } catch let problem as SettingProblem {
            throw APIError.invalid(problem.key.isEmpty ? "body" : problem.key, problem.reason)
        } catch {
            throw APIError(.badRequest, "The body is not valid JSON")
        }
    }

    struct Added: ResponseGenerator {
        var sink: Sink

        func response(from request: Request, context: some RequestContext) throws -> Response {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            var response = try encoder.encode(sink, from: request, context: context)
            response.status = .created
            return response
        }
    }

    @Sendable func add(_ request: Request, context: ArgusRequestContext) async throws -> Added {
        let settings = try Self.sinkSettings(from: try await request.jsonBody(), services: services)
        let sink = try await services.sinks.add(settings)
        await services.audit("alert_sink_add", context, request: request, resource: ("alert_sink", sink.name), details: settings.type)
        return Added(sink: Sink(name: sink.name, description: "\(sink)", source: "api"))
    }

    @Sendable func remove(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let name = try context.parameters.require("name")
        try await services.sinks.remove(named: name)
        await services.audit("alert_sink_remove", context, request: request, resource: ("alert_sink", name))
        return Response(status: .noContent)
    }

    /// One outbox message, as the delivery log shows it.
    struct Delivery: Encodable, Sendable {
        var id: Int64
        var sink: String
        var alertID: String
        var kind: String?
        var severity: String?
        var title: String?
        var status: String
        var reason: String?
        var attempts: Int
        var createdAt: Date
        var nextAttemptAt: Date?
        var deliveredAt: Date?
        var lastError: String?

        init(_ message: OutboxMessage) {
            let alert = try? Alert.decode(message.payload)
            id = message.id.rawValue
            sink = message.sink
            alertID = message.idempotencyKey
            kind = alert?.kind.rawValue
            severity = alert?.severity.rawValue
            title = alert?.title
            status =
                message.suppressedReason != nil
                ? "suppressed" : message.deliveredAt != nil ? "delivered" : message.attempts > 0 ? "retrying" : "pending"
            reason = message.suppressedReason
            attempts = message.attempts
            createdAt = message.createdAt
            nextAttemptAt = message.deliveredAt == nil ? message.nextAttemptAt : nil
            deliveredAt = message.suppressedReason == nil ? message.deliveredAt : nil
            lastError = message.lastError
        }
    }

    struct Deliveries: ResponseEncodable {
        var deliveries: [Delivery]
    }

    @Sendable func log(_ request: Request, context: ArgusRequestContext) async throws -> Deliveries {
        let limit = try request.queryInt("limit", default: 100, in: 1...1_000)
        return Deliveries(deliveries: try await services.store.recentMessages(limit: limit).map(Delivery.init))
    }

    /// The snooze as the API shows it.
    struct Snooze: ResponseEncodable {
        var allUntil: Date?
        var devices: [SnoozedDevice]

        struct SnoozedDevice: Encodable, Sendable {
            var deviceId: Int64
            var until: Date
        }

        init(_ snooze: AlertSnooze) {
            allUntil = snooze.allUntil
            devices = snooze.devices.sorted { $0.key < $1.key }.map { SnoozedDevice(deviceId: $0.key, until: $0.value) }
        }
    }

    @Sendable func snooze(_ request: Request, context: ArgusRequestContext) async throws -> Snooze {
        Snooze(try await AlertSnooze.load(from: services.store).pruned(at: Date()))
    }

    struct SnoozeRequest: Decodable {
        var minutes: Int
        var deviceId: Int64?
    }

    @Sendable func setSnooze(_ request: Request, context: ArgusRequestContext) async throws -> Snooze {
        let body = try await request.decodeJSON(as: SnoozeRequest.self, context: context)
        guard (1...43_200).contains(body.minutes) else { throw APIError.invalid("minutes", "must be 1 to 43200 (30 days)") }
        let snooze = try await services.suppression.snooze(body.deviceId.map { DeviceID($0) }, minutes: body.minutes)
        await services.audit(
            "alerts_snoozed", context, request: request, resource: body.deviceId.map { ("device", "\($0)") }, details: "\(body.minutes) minutes")
        return Snooze(snooze)
    }

    @Sendable func clearSnooze(_ request: Request, context: ArgusRequestContext) async throws -> Snooze {
        let device = try request.queryText("device_id").map { text -> DeviceID in
            guard let id = Int64(text) else { throw APIError.invalid("device_id", "must be a device id") }
            return DeviceID(id)
        }
        let snooze = try await services.suppression.snooze(device, minutes: 0)
        await services.audit("alerts_unsnoozed", context, request: request, resource: device.map { ("device", "\($0.rawValue)") })
        return Snooze(snooze)
    }

    struct Sink: Encodable, Sendable {
        var name: String
        var description: String
        var source: String
    }

    struct Sinks: ResponseEncodable {
        var sinks: [Sink]
        var pending: Int
    }

    @Sendable func list(_ request: Request, context: ArgusRequestContext) async throws -> Sinks {
        Sinks(
            sinks: await services.sinks.list().map { Sink(name: $0.name, description: $0.description, source: $0.source) },
            pending: try await services.store.pendingMessageCount())
    }

    struct Sent: ResponseEncodable {
        var status = "sent"
        var sink: String
    }

    @Sendable func test(_ request: Request, context: ArgusRequestContext) async throws -> Sent {
        let name = try context.parameters.require("name")
        guard await services.sinks.contains(name) else { throw APIError.notFound("Alert sink") }
        do {
            try await services.alerts.test(name)
        } catch {
            await services.audit("alert_test", context, request: request, resource: ("alert_sink", name), details: "\(error)", success: false)
            throw APIError(.badGateway, "The test alert could not be delivered: \(error)")
        }
        await services.audit("alert_test", context, request: request, resource: ("alert_sink", name))
        return Sent(sink: name)
    }
}
