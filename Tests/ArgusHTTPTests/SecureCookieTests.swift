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

/// The session cookie: `Secure` and `__Host-` prefixed when the request came over HTTPS through
/// a trusted proxy (or `server.secure_cookies` says so), plain otherwise; a secure request
/// accepts only the prefixed cookie.
@Suite struct SecureCookieTests {
    static let proto = HTTPField.Name("X-Forwarded-Proto")!

    func login(_ client: some TestClientProtocol, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        headers.append(contentsOf: extra)
        return try await client.execute(
            uri: "/api/login", method: .post, headers: headers, body: json(["username": "admin", "password": TestServer.password]))
    }

    @Test func behindATrustedHTTPSProxyTheCookieIsSecureAndHostPrefixed() async throws {
        let server = try await TestServer { $0.trustedProxies = ["127.0.0.1"] }
        try await server.application.test(.live) { client in
            _ = try await client.setUp(server)
            let secure = try await login(client, headers: [Self.proto: "https"])
            #expect(secure.status == .ok)
            let cookie = try #require(secure.headers[.setCookie])
            #expect(
                cookie.hasPrefix("__Host-argus_session=") && cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"),
                "\(cookie)")
            let id = try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init))
            #expect(
                try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: "__Host-argus_session=\(id)", Self.proto: "https"]).status
                    == .ok)
            // Over HTTPS a cookie without the prefix (which anyone on the path may have set) is ignored.
            #expect(
                try await client.execute(uri: "/api/me", method: .get, headers: [.cookie: "argus_session=\(id)", Self.proto: "https"]).status
                    == .unauthorized)
            // Signing out clears the prefixed cookie.
            let csrf = try #require(
                (try JSONSerialization.jsonObject(with: Data(secure.body.readableBytesView)) as? [String: Any])?["csrf_token"] as? String)
            let logout = try await client.execute(
                uri: "/api/logout", method: .post,
                headers: [.cookie: "__Host-argus_session=\(id)", Self.proto: "https", HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(logout.headers[.setCookie]?.hasPrefix("__Host-argus_session=;") == true, "\(logout.headers[.setCookie] ?? "")")

            // Plain HTTP: the plain cookie, not Secure.
            let plain = try await login(client)
            let plainCookie = try #require(plain.headers[.setCookie])
            #expect(plainCookie.hasPrefix("argus_session=") && !plainCookie.contains("Secure"), "\(plainCookie)")
        }
    }

    @Test func anUntrustedPeerCannotClaimHTTPS() async throws {
        let server = try await TestServer()
        try await server.application.test(.live) { client in
            _ = try await client.setUp(server)
            let response = try await login(client, headers: [Self.proto: "https"])
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("argus_session=") && !cookie.contains("Secure"), "\(cookie)")
        }
    }

    @Test func secureCookiesOnPurposeArePrefixedToo() async throws {
        let server = try await TestServer { $0.secureCookies = true }
        try await server.application.test(.router) { client in
            let response = try await client.execute(
                uri: "/api/setup", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "admin", "password": TestServer.password, "setup_token": server.setupToken]))
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("__Host-argus_session=") && cookie.contains("Secure"), "\(cookie)")
        }
    }
}
