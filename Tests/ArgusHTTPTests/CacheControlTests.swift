//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What an authenticated request saw is never kept by a browser or a proxy: `/metrics` once
/// went out without `Cache-Control: no-store`.
@Suite struct CacheControlTests {
    @Test func everyAuthenticatedAnswerIsNoStore() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            _ = try await InventoryAPITests.scan(client, server, headers: browser.headers)
            let created = try await client.object("/api/keys", method: .post, headers: browser.headers, body: json(["name": "Prometheus"]))
            let key = try #require(created.1["key"] as? String)
            let bearer: HTTPFields = [.authorization: "Bearer \(key)"]
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: bearer)
            #expect(metrics.status == .ok && metrics.headers[.cacheControl] == "no-store", "\(metrics.headers)")

            // Every GET route of the router, with a key and with a session, found or not.
            let paths = try server.server.router().routes.filter { $0.method == .get && !$0.path.description.hasPrefix("/static/") }.map { route in
                "/" + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "1" : String($0) }.joined(separator: "/")
            }
            #expect(paths.count > 30)
            for path in paths {
                for headers in [bearer, [.cookie: "argus_session=\(browser.cookie)"]] as [HTTPFields] {
                    let response = try await client.execute(uri: path, method: .get, headers: headers)
                    #expect(
                        response.headers[.cacheControl] == "no-store",
                        "\(path): \(response.status) \(response.headers[.cacheControl] ?? "no Cache-Control")")
                }
            }
            // Errors and state changes too.
            let refused = try await client.execute(uri: "/api/devices/999", method: .put, headers: browser.headers, body: json(["label": "x"]))
            #expect(refused.status == .notFound && refused.headers[.cacheControl] == "no-store")
            let redirect = try await client.execute(uri: "/login", method: .get, headers: [.cookie: "argus_session=\(browser.cookie)"])
            #expect(redirect.status == .seeOther && redirect.headers[.cacheControl] == "no-store")
            // The static assets keep their own caching.
            #expect(try await client.execute(uri: "/static/app.css", method: .get).headers[.cacheControl] == "public, max-age=3600")
        }
    }
}
