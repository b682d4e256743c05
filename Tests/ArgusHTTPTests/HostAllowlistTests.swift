//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ArgusHTTP

/// `server.allowed_hosts`: a `Host` not listed is refused with 421 (DNS rebinding stops there);
/// an empty list serves any.
@Suite struct HostAllowlistTests {
    /// The test client always sends `Host: localhost`.
    @Test func aHostNotListedIsRefusedOnEveryPath() async throws {
        let server = try await TestServer { $0.allowedHosts = ["argus.home.arpa"] }
        try await server.application.test(.router) { client in
            #expect(try await client.execute(uri: "/health", method: .get, headers: [:]).status == .misdirectedRequest)
            let refused = try await client.execute(
                uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "admin", "password": TestServer.password]))
            #expect(refused.status == .misdirectedRequest)
            #expect(String(buffer: refused.body).contains("allowed_hosts"))
            #expect(refused.headers[.contentSecurityPolicy] != nil, "security headers on the refusal too")
            #expect(try await client.execute(uri: "/login", method: .get, headers: [:]).status == .misdirectedRequest)
        }
        let listed = try await TestServer { $0.allowedHosts = ["localhost"] }
        try await listed.application.test(.router) { client in
            #expect(try await client.execute(uri: "/health", method: .get, headers: [:]).status == .ok)
            _ = try await client.setUp(listed)
        }
    }

    @Test func namesMatchWithOrWithoutAPort() {
        let allowed = ["argus.home.arpa", "127.0.0.1:8443", "[::1]"]
        #expect(HostAllowlistMiddleware.matches("argus.home.arpa", allowed))
        #expect(HostAllowlistMiddleware.matches("ARGUS.home.arpa:8080", allowed), "a name without a port allows any port")
        #expect(HostAllowlistMiddleware.matches("127.0.0.1:8443", allowed))
        #expect(HostAllowlistMiddleware.matches("[::1]:8080", allowed))
        #expect(!HostAllowlistMiddleware.matches("127.0.0.1:8080", allowed))
        #expect(!HostAllowlistMiddleware.matches("127.0.0.1", allowed))
        #expect(!HostAllowlistMiddleware.matches("evil.example", allowed))
        #expect(!HostAllowlistMiddleware.matches("argus.home.arpa.evil.example", allowed))
        #expect(!HostAllowlistMiddleware.matches("evil.example:argus.home.arpa", allowed))
    }

    @Test func anEmptyListServesAnyHost() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let response = try await client.execute(uri: "/health", method: .get, headers: [:])
            #expect(response.status == .ok)
        }
    }

    @Test func theSettingsAreReadFromConfigYAML() throws {
        let configuration = try ServerConfiguration.load(
            yaml: "server:\n  allowed_hosts: [Argus.Home.Arpa]\nscanning:\n  resolve_names: true\n", from: "test.yaml")
        #expect(configuration.allowedHosts == ["argus.home.arpa"])
        #expect(configuration.resolveNames)
    }
}
