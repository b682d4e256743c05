//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Hummingbird

/// The configured alert sinks (secrets never shown) and a test send.
struct AlertRoutes {
    let services: ServerServices

    func register(on router: Router<ArgusRequestContext>) {
        router.get("/api/alerts/sinks", use: list)
        router.post("/api/alerts/sinks/:name/test", use: test)
    }

    struct Sink: Encodable, Sendable {
        var name: String
        var description: String
    }

    struct Sinks: ResponseEncodable {
        var sinks: [Sink]
        var pending: Int
    }

    @Sendable func list(_ request: Request, context: ArgusRequestContext) async throws -> Sinks {
        Sinks(sinks: services.alertSinks.map { Sink(name: $0.name, description: $0.description) }, pending: try await services.store.pendingMessageCount())
    }

    struct Sent: ResponseEncodable {
        var status = "sent"
        var sink: String
    }

    @Sendable func test(_ request: Request, context: ArgusRequestContext) async throws -> Sent {
        let name = try context.parameters.require("name")
        guard services.alertSinks.contains(where: { $0.name == name }) else { throw APIError.notFound("Alert sink") }
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
