//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct OpenAPITests {
    @Test func theDocumentDescribesExactlyTheRoutes() async throws {
        let server = try await TestServer()
        let routes = Set(
            try server.server.router().routes.filter {
                $0.path.description.hasPrefix("/api/") || ["/health", "/metrics"].contains($0.path.description)
            }.map { route in
                "\(route.method.rawValue) "
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(
                        separator: "/")
            }.map { $0.replacingOccurrences(of: " ", with: " /") })
        try await server.application.test(.router) { client in
            let response = try await client.execute(uri: "/api/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(document["openapi"] as? String == "3.0.3")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var documented = Set<String>()
            for (path, operations) in paths {
                for method in operations.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            #expect(
                documented == routes, "undocumented: \(routes.subtracting(documented).sorted()); stale: \(documented.subtracting(routes).sorted())")
            // Every operation names its answers.
            for (path, operations) in paths {
                for (method, operation) in operations {
                    let responses = (operation as? [String: Any])?["responses"] as? [String: Any]
                    #expect(responses?.isEmpty == false, "\(method) \(path)")
                }
            }
        }
    }

    /// A body the document marks required is required: `PUT /api/devices/1` with none once
    /// answered 200. Each such operation answers one of its documented 400 or 422.
    @Test func requiredBodiesAreRequiredAsDocumented() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let served = try await client.execute(uri: "/api/openapi.json", method: .get)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(served.body.readableBytesView)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            // Before setup: the public ones.
            for uri in ["/api/setup", "/api/login"] {
                let response = try await client.object(uri, method: .post, headers: [.contentType: "application/json"])
                #expect(response.0 == .unprocessableContent && response.1["field"] as? String == "body", "\(uri): \(response.1)")
            }
            let browser = try await client.setUp(server)
            _ = try await InventoryAPITests.scan(client, server, headers: browser.headers)
            var checked = 0
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, value) in operations {
                    guard let operation = value as? [String: Any], let body = operation["requestBody"] as? [String: Any],
                        let content = body["content"] as? [String: Any], content["application/json"] != nil
                    else { continue }
                    let responses = Set((operation["responses"] as? [String: Any] ?? [:]).keys)
                    let uri = path.replacingOccurrences(of: "{id}", with: "1").replacingOccurrences(of: "{name}", with: "x")
                    let response = try await client.object(uri, method: HTTPRequest.Method(method.uppercased())!, headers: browser.headers)
                    let answered = "\(response.0.code)"
                    if body["required"] as? Bool == true {
                        #expect([400, 422].contains(response.0.code), "\(method) \(path) without a body: \(response.0) \(response.1)")
                        #expect(responses.contains(answered), "\(method) \(path): \(answered) is not documented")
                        checked += 1
                    } else {
                        #expect(responses.contains(answered), "\(method) \(path) without its optional body: \(answered) is not documented")
                    }
                }
            }
            #expect(checked >= 10)
        }
    }

    /// No field of the document is nullable, so an explicit `null` is refused everywhere:
    /// `{"minutes": 60, "device_id": null}` once snoozed every alert.
    @Test func explicitNullsAreRefusedNamingTheField() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            _ = try await InventoryAPITests.scan(client, server, headers: headers)
            let device = try #require(await server.store.inventory().first?.id)
            let cases: [(String, HTTPRequest.Method, String, String)] = [
                ("/api/alerts/snooze", .post, #"{"minutes": 60, "device_id": null}"#, "device_id"),
                ("/api/alerts/snooze", .post, #"{"minutes": null}"#, "minutes"),
                ("/api/devices/\(device)", .put, #"{"label": null}"#, "label"),
                ("/api/devices/\(device)", .put, #"{"is_trusted": null}"#, "is_trusted"),
                ("/api/schedule", .post, #"{"name": "n", "cron": "@daily", "targets": null}"#, "targets"),
                ("/api/schedule", .post, #"{"name": "n", "cron": "@daily", "enabled": null}"#, "enabled"),
                ("/api/schedule", .post, #"{"name": "n", "cron": "@daily", "targets": ["192.0.2.1", null]}"#, "targets.[1]"),
                ("/api/config", .put, #"{"network": {"subnets": null}}"#, "network.subnets"),
                ("/api/scans", .post, #"{"subnet": null}"#, "subnet"),
                ("/api/changes/acknowledge", .post, #"{"ids": [1], "acknowledged": null}"#, "acknowledged"),
                ("/api/keys", .post, #"{"name": "k", "expires_in_days": null}"#, "expires_in_days"),
                ("/api/alerts/sinks", .post, #"{"name": "n", "type": "webhook", "url": null}"#, "url"),
            ]
            for (uri, method, body, field) in cases {
                let response = try await client.object(uri, method: method, headers: headers, body: ByteBuffer(string: body))
                #expect(response.0 == .unprocessableContent && response.1["field"] as? String == field, "\(uri) \(body): \(response.0) \(response.1)")
            }
            let snooze = try await client.object("/api/alerts/snooze", headers: headers)
            #expect(snooze.1["all_until"] == nil, "nothing was snoozed: \(snooze.1)")
            #expect(await server.store.schedules().isEmpty)
            #expect(
                try await client.object(
                    "/api/alerts/snooze", method: .post, headers: headers, body: json(["minutes": 60, "device_id": Int(device.rawValue)])
                ).0 == .ok)
            #expect(try await client.object("/api/alerts/snooze", headers: headers).1["all_until"] == nil, "one device's snooze is not everyone's")
        }
    }
}
