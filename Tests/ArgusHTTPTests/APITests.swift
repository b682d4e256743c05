//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AuthenticationTests {
    @Test func everyRouteButThePublicOnesNeedsAuthentication() async throws {
        let server = try await TestServer()
        let routes = try server.server.router().routes.map { (path: $0.path.description, method: $0.method) }
        #expect(routes.count >= 25)
        let open: Set<String> = [
            "GET /health", "GET /api/setup", "POST /api/setup", "POST /api/login", "GET /api/openapi.json", "GET /login", "POST /login", "GET /setup",
            "POST /setup", "GET /static/app.css", "GET /static/app.js",
        ]
        try await server.application.test(.router) { client in
            for route in routes {
                let path = route.path.split(separator: "/").map { $0.hasPrefix(":") ? "1" : String($0) }.joined(separator: "/")
                let response = try await client.execute(
                    uri: "/" + path, method: route.method, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
                if open.contains("\(route.method) \(route.path)") {
                    #expect(response.status != .unauthorized, "\(route.method) \(route.path)")
                } else if !route.path.hasPrefix("/api/") && route.path != "/metrics" {
                    // Pages send anonymous visitors to sign in.
                    #expect(response.status == .seeOther, "\(route.method) \(route.path): \(response.status)")
                    #expect(response.headers[.location]?.hasPrefix("/login") == true)
                } else {
                    #expect(response.status == .unauthorized, "\(route.method) \(route.path): \(response.status)")
                    #expect(String(buffer: response.body) == #"{"detail":"Authentication required"}"#)
                }
                // Security headers on every answer, errors included.
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
        }
    }

    @Test func setupNeedsTheTokenAndHappensOnce() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers: HTTPFields = [.contentType: "application/json"]
            #expect(try await client.object("/api/setup", headers: headers).1["needs_setup"] as? Bool == true)
            let wrong = try await client.object(
                "/api/setup", method: .post, headers: headers,
                body: json(["username": "admin", "password": TestServer.password, "setup_token": "guess"]))
            #expect(wrong.0 == .forbidden && wrong.1["field"] as? String == "setup_token")
            let short = try await client.object(
                "/api/setup", method: .post, headers: headers,
                body: json(["username": "admin", "password": "short", "setup_token": server.setupToken]))
            #expect(short.0 == .unprocessableContent && short.1["field"] as? String == "password")
            let badName = try await client.object(
                "/api/setup", method: .post, headers: headers,
                body: json(["username": "<script>", "password": TestServer.password, "setup_token": server.setupToken]))
            #expect(badName.0 == .unprocessableContent && badName.1["field"] as? String == "username")
            let missing = try await client.object("/api/setup", method: .post, headers: headers, body: json(["username": "admin"]))
            #expect(missing.0 == .unprocessableContent && missing.1["field"] as? String == "password")

            let response = try await client.execute(
                uri: "/api/setup", method: .post, headers: headers,
                body: json(["username": "admin", "password": TestServer.password, "setup_token": server.setupToken, "subnet": "192.0.2.0/28"]))
            #expect(response.status == .created)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/") && !cookie.contains("Secure"))
            #expect(await server.store.setting("network.subnets") == "192.0.2.0/28")
            let again = try await client.object(
                "/api/setup", method: .post, headers: headers,
                body: json(["username": "mallory", "password": TestServer.password, "setup_token": server.setupToken]))
            #expect(again.0 == .conflict)
            #expect(try await client.object("/api/setup", headers: headers).1["needs_setup"] as? Bool == false)
            #expect(await server.accounts.userCount() == 1)
            let audit = await server.accounts.auditEntries(action: "setup", limit: 10, offset: 0).items
            #expect(audit.map(\.success) == [true, false])
        }
    }

    @Test func loginThrottlesGuessing() async throws {
        let server = try await TestServer { $0.maxLoginFailures = 3 }
        try await server.application.test(.router) { client in
            _ = try await client.setUp(server)
            let headers: HTTPFields = [.contentType: "application/json"]
            for _ in 0..<3 {
                let wrong = try await client.object(
                    "/api/login", method: .post, headers: headers, body: json(["username": "admin", "password": "wrong password!"]))
                #expect(wrong.0 == .unauthorized && wrong.1["detail"] as? String == "Wrong user name or password")
            }
            let locked = try await client.execute(
                uri: "/api/login", method: .post, headers: headers, body: json(["username": "admin", "password": TestServer.password]))
            #expect(locked.status == .tooManyRequests, "even the right password waits")
            #expect(Int(locked.headers[.retryAfter] ?? "") ?? 0 > 0)
            let failures = await server.accounts.auditEntries(action: "login", limit: 10, offset: 0).items
            #expect(failures.count == 4 && failures.allSatisfy { !$0.success })
        }
        // A user name that does not exist fails the same way.
        let other = try await TestServer()
        try await other.application.test(.router) { client in
            let response = try await client.object(
                "/api/login", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "nobody", "password": "whatever it is"]))
            #expect(response.0 == .unauthorized && response.1["detail"] as? String == "Wrong user name or password")
        }
    }

    @Test func sessionsCarryCSRFTokensAndEndAtLogout() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            var noToken = browser.headers
            noToken[HTTPField.Name("X-CSRF-Token")!] = nil
            let refused = try await client.object("/api/keys", method: .post, headers: noToken, body: json(["name": "x"]))
            #expect(refused.0 == .forbidden)
            var wrongToken = browser.headers
            wrongToken[HTTPField.Name("X-CSRF-Token")!] = "0" + browser.csrf.dropFirst()
            #expect(try await client.object("/api/keys", method: .post, headers: wrongToken, body: json(["name": "x"])).0 == .forbidden)
            var crossSite = browser.headers
            crossSite[.origin] = "http://evil.example"
            #expect(try await client.object("/api/keys", method: .post, headers: crossSite, body: json(["name": "x"])).0 == .forbidden)
            // Reading needs no token.
            let me = try await client.object("/api/me", headers: noToken)
            #expect(me.0 == .ok && me.1["username"] as? String == "admin" && me.1["authenticated_by"] as? String == "session")

            #expect(try await client.execute(uri: "/api/logout", method: .post, headers: browser.headers).status == .noContent)
            #expect(
                try await client.execute(uri: "/api/me", method: .get, headers: browser.headers).status == .unauthorized,
                "the session is gone server-side")
        }
    }

    @Test func passwordChangeEndsEverySession() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let first = try await client.setUp(server)
            let second = try client.browser(
                from: try await client.execute(
                    uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                    body: json(["username": "admin", "password": TestServer.password, "remember": true])))
            let wrong = try await client.object(
                "/api/password", method: .post, headers: first.headers,
                body: json(["current_password": "not it at all", "new_password": "a new long password"]))
            #expect(wrong.0 == .forbidden)
            let changed = try await client.execute(
                uri: "/api/password", method: .post, headers: first.headers,
                body: json(["current_password": TestServer.password, "new_password": "a new long password"]))
            #expect(changed.status == .ok)
            let renewed = try client.browser(from: changed)
            #expect(try await client.execute(uri: "/api/me", method: .get, headers: second.headers).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/me", method: .get, headers: first.headers).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/me", method: .get, headers: renewed.headers).status == .ok)
            let login = try await client.execute(
                uri: "/api/login", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "admin", "password": "a new long password"]))
            #expect(login.status == .ok)
        }
    }

    @Test func apiKeysAreShownOnceAndWorkUntilRevoked() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            let created = try await client.object(
                "/api/keys", method: .post, headers: browser.headers, body: json(["name": "Home Assistant", "expires_in_days": 30]))
            #expect(created.0 == .created)
            let key = try #require(created.1["key"] as? String)
            #expect(key.hasPrefix("argus_") && key.count >= 6 + 43, "at least 256 bits")
            #expect(created.1["key_prefix"] as? String == String(key.prefix(12)))
            let listed = try await client.array("/api/keys", headers: browser.headers)
            #expect(listed.count == 1 && listed[0]["key"] == nil, "the key is never shown again")
            #expect(await server.accounts.apiKeys(of: nil).first?.keyHash.count == 64, "only its SHA-256 is stored")
            #expect(
                try await client.object("/api/keys", method: .post, headers: browser.headers, body: json(["name": "<bad>"])).0
                    == .unprocessableContent)

            for header in [(HTTPField.Name("X-API-Key")!, key), (.authorization, "Bearer \(key)")] {
                let me = try await client.object("/api/me", headers: [header.0: header.1])
                #expect(me.0 == .ok && me.1["authenticated_by"] as? String == "api_key" && me.1["api_key_name"] as? String == "Home Assistant")
            }
            // A key needs no CSRF token, but cannot manage keys.
            let byKey: HTTPFields = [HTTPField.Name("X-API-Key")!: key, .contentType: "application/json"]
            #expect(try await client.execute(uri: "/api/scan/trigger", method: .post, headers: byKey).status == .accepted)
            #expect(try await client.execute(uri: "/api/keys", method: .get, headers: byKey).status == .unauthorized)
            #expect(
                try await client.execute(uri: "/api/me", method: .get, headers: [HTTPField.Name("X-API-Key")!: key + "x"]).status == .unauthorized)

            let id = try #require(created.1["id"] as? Int)
            #expect(try await client.object("/api/keys/\(id)", method: .delete, headers: browser.headers).1["status"] as? String == "revoked")
            #expect(try await client.execute(uri: "/api/me", method: .get, headers: byKey).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/keys/999", method: .delete, headers: browser.headers).status == .notFound)
            #expect(await server.accounts.apiKeys(of: nil).first?.lastUsedAt != nil)
        }
    }
}

@Suite struct InventoryAPITests {
    /// Runs a scan through the API and waits for it.
    static func scan(_ client: some TestClientProtocol, _ server: TestServer, headers: HTTPFields) async throws -> Int {
        let started = try await client.object("/api/scan/trigger?profile=quick", method: .post, headers: headers)
        #expect(started.0 == .accepted, "\(started.1)")
        let id = try #require(started.1["scan_id"] as? Int)
        await server.server.services.scans.wait(for: ScanID(Int64(id)))
        return id
    }

    @Test func scansDevicesChangesAndEdits() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            let headers = browser.headers
            let scanID = try await Self.scan(client, server, headers: headers)
            let scans = try await client.array("/api/scans", headers: headers)
            #expect(scans.map { $0["id"] as? Int } == [scanID])
            #expect(
                scans[0]["status"] as? String == "completed" && scans[0]["subnet"] as? String == "192.0.2.0/24"
                    && scans[0]["devices_found"] as? Int == 1)
            #expect(try await client.object("/api/scans/\(scanID)", headers: headers).1["scan_profile"] as? String == "quick")
            #expect(try await client.execute(uri: "/api/scans/999", method: .get, headers: headers).status == .notFound)
            #expect(try await client.array("/api/scans/\(scanID)/devices", headers: headers).first?["port_count"] as? Int == 2)

            let page = try await client.object("/api/devices?risk_level=critical", headers: headers)
            #expect(page.0 == .ok && page.1["total"] as? Int == 1)
            let device = try #require((page.1["items"] as? [[String: Any]])?.first)
            #expect(device["ip_address"] as? String == "192.0.2.10" && device["open_ports"] as? Int == 2)
            let id = try #require(device["id"] as? Int)
            #expect(try await client.object("/api/devices?risk_level=low", headers: headers).1["total"] as? Int == 0)
            let bad = try await client.object("/api/devices?risk_level=bogus", headers: headers)
            #expect(bad.0 == .unprocessableContent && bad.1["field"] as? String == "risk_level")
            #expect(try await client.object("/api/devices?limit=0", headers: headers).1["field"] as? String == "limit")

            let detail = try await client.object("/api/devices/\(id)", headers: headers)
            #expect(detail.0 == .ok)
            #expect((detail.1["ports"] as? [[String: Any]])?.map { $0["port_number"] as? Int } == [22, 23])
            #expect((detail.1["threats"] as? [[String: Any]])?.first?["name"] as? String == "Telnet")
            #expect((detail.1["cves"] as? [[String: Any]])?.first?["id"] as? String == "CVE-2024-6387")
            #expect((detail.1["history"] as? [[String: Any]])?.count == 1)
            #expect(try await client.array("/api/devices/\(id)/ports", headers: headers).count == 2)
            #expect(try await client.execute(uri: "/api/devices/999", method: .get, headers: headers).status == .notFound)

            let edit = try await client.object(
                "/api/devices/\(id)", method: .put, headers: headers,
                body: json(["label": "<script>alert(1)</script> NAS", "is_trusted": true, "zone": "servers"]))
            #expect(edit.0 == .ok && edit.1["label"] as? String == "<script>alert(1)</script> NAS" && edit.1["is_trusted"] as? Bool == true)
            let badZone = try await client.object("/api/devices/\(id)", method: .put, headers: headers, body: json(["zone": "a/b"]))
            #expect(badZone.0 == .unprocessableContent && badZone.1["field"] as? String == "zone")
            let badType = try await client.object("/api/devices/\(id)", method: .put, headers: headers, body: json(["is_trusted": "yes"]))
            #expect(badType.0 == .unprocessableContent && badType.1["field"] as? String == "is_trusted")
            #expect(try await client.object("/api/zones", headers: headers).1["zones"] as? [String] == ["servers"])
            #expect(try await client.object("/api/devices?is_trusted=true&zone=servers", headers: headers).1["total"] as? Int == 1)

            let changes = try await client.array("/api/changes?scan_id=\(scanID)", headers: headers)
            #expect(changes.map { $0["change_type"] as? String }.contains("device_added"))
            let critical = try await client.array("/api/changes?severity=critical", headers: headers)
            #expect(critical.allSatisfy { $0["severity"] as? String == "critical" })
            let ids = changes.compactMap { $0["id"] as? Int }
            #expect(
                try await client.object("/api/changes/acknowledge", method: .post, headers: headers, body: json(["ids": ids])).1["updated"] as? Int
                    == ids.count)
            #expect(try await client.array("/api/changes?acknowledged=false", headers: headers).isEmpty)
            #expect(try await client.object("/api/changes?change_type=nope", headers: headers).0 == .unprocessableContent)

            let stats = try await client.object("/api/stats", headers: headers)
            #expect(stats.1["total_devices"] as? Int == 1 && stats.1["critical"] as? Int == 1 && stats.1["devices_at_risk"] as? Int == 1)
            let second = try await Self.scan(client, server, headers: headers)
            let compare = try await client.object("/api/scans/\(second)/compare/\(scanID)", headers: headers)
            #expect(compare.0 == .ok && (compare.1["summary"] as? [String: Any])?["total_changes"] as? Int == 0)
            let trends = try await client.object("/api/trends?days=7", headers: headers)
            let series = try #require(trends.1["trends"] as? [String: Any])
            #expect(series["device_counts"] as? [Int] == [1, 1] && series["at_risk_counts"] as? [Int] == [1, 1])
            #expect((trends.1["summary"] as? [String: Any])?["total_scans"] as? Int == 2)
            #expect(try await client.object("/api/trends?days=0", headers: headers).0 == .unprocessableContent)
            let distributions = try await client.object("/api/dashboard/distributions", headers: headers)
            #expect(distributions.1["has_data"] as? Bool == true && (distributions.1["risk_distribution"] as? [String: Int])?["critical"] == 1)
            #expect((distributions.1["top_ports"] as? [[String: Any]])?.compactMap { $0["port"] as? String } == ["22/tcp", "23/tcp"])
            #expect(try await client.array("/api/device-history", headers: headers).first?["last_ip"] as? String == "192.0.2.10")
            #expect(try await client.object("/api/version", headers: headers).1["version"] as? String == ArgusVersion.current)
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: headers)
            #expect(String(buffer: metrics.body).contains("argus_devices{level=\"critical\"} 1"))
            #expect(String(buffer: metrics.body).contains("argus_scans{status=\"completed\"} 2"))
        }
    }

    @Test func oneNetworkScanAtATimeAndCancelling() async throws {
        let server = try await TestServer(scanner: FakeScanner(blocks: true))
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let first = try await client.object("/api/scans", method: .post, headers: headers, body: json(["scan_profile": "quick"]))
            #expect(first.0 == .accepted && first.1["status"] as? String == "running")
            let id = try #require(first.1["id"] as? Int)
            let second = try await client.object("/api/scan/trigger", method: .post, headers: headers)
            #expect(second.0 == .conflict && (second.1["detail"] as? String)?.contains("scan \(id)") == true)
            let status = try await client.object("/api/scan/status", headers: headers)
            #expect(status.1["scanning"] as? Bool == true && status.1["scan_id"] as? Int == id)
            #expect(try await client.object("/api/scans/\(id)/cancel", method: .post, headers: headers).0 == .accepted)
            await server.server.services.scans.wait(for: ScanID(Int64(id)))
            #expect(try await client.object("/api/scans/\(id)", headers: headers).1["status"] as? String == "cancelled")
            #expect(try await client.object("/api/scans/\(id)/cancel", method: .post, headers: headers).0 == .conflict)
            #expect(try await client.object("/api/scan/status", headers: headers).1["scanning"] as? Bool == false)
        }
    }

    @Test func scanRequestsAreValidated() async throws {
        let server = try await TestServer { $0.exclusions = ["192.0.2.99"] }
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            for (body, field) in [
                (["subnet": "-oX /etc/passwd"], "subnet"), (["subnet": "10.0.0.0/8"], "subnet"), (["scan_profile": "aggressive"], "scan_profile"),
                (["port_range": "0-70000"], "port_range"), (["subnet": "192.0.2.1; rm -rf /"], "subnet"),
            ] {
                let response = try await client.object("/api/scans", method: .post, headers: headers, body: json(body))
                #expect(response.0 == .unprocessableContent && response.1["field"] as? String == field, "\(body): \(response.1)")
            }
            for address in ["not-an-address!", "192.0.2.0/24", "192.0.2.99", "--script=x"] {
                let response = try await client.object(
                    "/api/scan/device/\(address.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? address)", method: .post,
                    headers: headers)
                #expect(response.0 == .unprocessableContent, "\(address): \(response)")
            }
            let device = try await client.object("/api/scan/device/192.0.2.10?profile=quick", method: .post, headers: headers)
            #expect(device.0 == .accepted && device.1["target"] as? String == "192.0.2.10")
            let id = try #require(device.1["scan_id"] as? Int)
            await server.server.services.scans.wait(for: ScanID(Int64(id)))
            #expect(try await client.object("/api/scans/\(id)", headers: headers).1["scan_type"] as? String == "device")
            #expect(
                try await client.execute(uri: "/api/scans", method: .post, headers: headers, body: ByteBuffer(string: "{not json")).status
                    == .badRequest)
        }
    }

    @Test func anUploadedNmapFileBecomesAScan() async throws {
        let server = try await TestServer()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "ArgusTests/Fixtures/services.xml")
        try await server.application.test(.router) { client in
            var headers = try await client.setUp(server).headers
            headers[.contentType] = "application/xml"
            let response = try await client.object(
                "/api/scans/import", method: .post, headers: headers, body: ByteBuffer(bytes: try Data(contentsOf: fixture)))
            #expect(
                response.0 == .created && response.1["status"] as? String == "completed" && (response.1["devices_found"] as? Int ?? 0) >= 1,
                "\(response.1)")
            let hostile = try await client.object(
                "/api/scans/import", method: .post, headers: headers,
                body: ByteBuffer(string: "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"b\">]><nmaprun>&a;</nmaprun>"))
            #expect(hostile.0 == .unprocessableContent, "\(hostile.1)")
            #expect(try await client.object("/api/scans/import", method: .post, headers: headers).0 == .unprocessableContent)
        }
    }
}

@Suite struct AdminAPITests {
    @Test func auditLogExportsAndRetention() async throws {
        let server = try await TestServer { $0.keepScans = 1 }
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let first = try await InventoryAPITests.scan(client, server, headers: headers)
            let second = try await InventoryAPITests.scan(client, server, headers: headers)
            let devices = try await client.object("/api/devices", headers: headers)
            let id = try #require(((devices.1["items"] as? [[String: Any]])?.first)?["id"] as? Int)
            _ = try await client.object(
                "/api/devices/\(id)", method: .put, headers: headers,
                body: json(["label": "=HYPERLINK(\"http://evil\")", "notes": "a, \"quoted\" note"]))

            let csv = try await client.execute(uri: "/api/export/devices.csv", method: .get, headers: headers)
            #expect(csv.status == .ok && csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = String(buffer: csv.body)
            #expect(text.hasPrefix("id,ip_address,mac_address,"))
            #expect(text.contains(#""'=HYPERLINK(""http://evil"")""#), "a formula is defused and quoted: \(text)")
            let exported = try await client.array("/api/export/devices.json", headers: headers)
            #expect(exported.count == 1 && exported[0]["ip_address"] as? String == "192.0.2.10")

            // keep_scans = 1: the older scan goes; the device stays.
            let cleaned = try await client.object("/api/retention/cleanup", method: .post, headers: headers)
            #expect(cleaned.0 == .ok && cleaned.1["deleted_scans"] as? Int == 1)
            #expect(try await client.array("/api/scans", headers: headers).map { $0["id"] as? Int } == [second])
            #expect(try await client.execute(uri: "/api/scans/\(first)", method: .get, headers: headers).status == .notFound)
            #expect(try await client.object("/api/devices/\(id)", headers: headers).0 == .ok)

            let audit = try await client.array("/api/audit-logs?limit=100", headers: headers)
            let actions = audit.compactMap { $0["action"] as? String }
            #expect(actions.first == "retention_cleanup")
            #expect(Set(actions).isSuperset(of: ["setup", "scan_start", "device_edit", "export", "retention_cleanup"]))
            #expect(audit.allSatisfy { $0["username"] as? String == "admin" })
            #expect(try await client.array("/api/audit-logs?action=export", headers: headers).count == 2)
            #expect(try await client.array("/api/audit-logs?username=nobody", headers: headers).isEmpty)
            #expect(
                try await client.array("/api/audit-logs?limit=2&offset=1", headers: headers).map { $0["action"] as? String }
                    == Array(actions.dropFirst().prefix(2)))
            #expect((try await client.object("/api/audit-logs/actions", headers: headers).1["actions"] as? [Any])?.count ?? 0 >= 10)
        }
    }
}

@Suite struct CSVExportTests {
    /// What a spreadsheet makes of the export: RFC 4180 records (quoted fields may hold CR, LF,
    /// commas and doubled quotes), rows ending in CRLF.
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var scalars = Array(text.unicodeScalars)[...]
        var quoted = false
        while let scalar = scalars.popFirst() {
            if quoted {
                if scalar == "\"" {
                    if scalars.first == "\"" {
                        field.unicodeScalars.append("\"")
                        scalars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" {
                quoted = true
            } else if scalar == "," {
                record.append(field)
                field = ""
            } else if scalar == "\r" || scalar == "\n" {
                // Outside quotes, a lone CR ends a line too (as spreadsheets read it).
                if scalar == "\r", scalars.first == "\n" { scalars.removeFirst() }
                record.append(field)
                field = ""
                records.append(record)
                record = []
            } else {
                field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }

    /// A vendor with a lone CR (one `Character` only when an LF follows) must not end the row:
    /// it once came out unquoted, and `=cmd|…` landed in a cell of its own.
    @Test func cellsWithALoneCROrLFAreQuotedAndFormulasDefused() async throws {
        let xml = """
            <?xml version="1.0"?>
            <nmaprun scanner="nmap" args="nmap -sV 192.0.2.0/24" start="1795943947" version="7.93" xmloutputversion="1.05">
            <host><status state="up" reason="arp-response"/>
            <address addr="192.0.2.20" addrtype="ipv4"/>
            <address addr="02:00:00:00:00:20" addrtype="mac" vendor="Acme&#13;=cmd|' /C calc'!A0"/>
            <hostnames><hostname name="nas&#10;@SUM(1+1)" type="PTR"/></hostnames>
            </host>
            <host><status state="up" reason="arp-response"/>
            <address addr="192.0.2.21" addrtype="ipv4"/>
            <address addr="02:00:00:00:00:21" addrtype="mac" vendor="&#13;&#10;=1+1"/>
            <hostnames><hostname name="&#9;=A1" type="PTR"/></hostnames>
            </host>
            <runstats><finished time="1795943954" exit="success"/><hosts up="2" down="0" total="2"/></runstats>
            </nmaprun>
            """
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            var headers = try await client.setUp(server).headers
            headers[.contentType] = "application/xml"
            #expect(try await client.object("/api/scans/import", method: .post, headers: headers, body: ByteBuffer(string: xml)).0 == .created)
            headers[.contentType] = "application/json"
            let devices = await server.store.inventory().sorted { $0.ip < $1.ip }
            #expect(devices.map(\.vendor) == ["Acme\r=cmd|' /C calc'!A0", "\r\n=1+1"], "the import keeps CR and LF (else this test proves nothing)")
            for label in ["=1+1", "-2+3", "@SUM(A1)", "+1", "plain"] {
                #expect(
                    try await client.object("/api/devices/\(devices[0].id)", method: .put, headers: headers, body: json(["label": label])).0 == .ok)
                let text = String(buffer: try await client.execute(uri: "/api/export/devices.csv", method: .get, headers: headers).body)
                #expect(text.hasSuffix("\r\n"))
                #expect(text.contains("\"Acme\r=cmd|' /C calc'!A0\""), "a lone CR is quoted: \(text.debugDescription)")
                let records = Self.records(text)
                #expect(records.count == 3, "one header and two devices, whatever the cells hold: \(records)")
                guard records.count == 3 else { continue }
                let header = records[0]
                #expect(records.allSatisfy { $0.count == header.count })
                let cell = { (row: Int, name: String) in header.firstIndex(of: name).map { records[row][$0] } }
                #expect(cell(1, "vendor") == "Acme\r=cmd|' /C calc'!A0")
                #expect(cell(1, "hostname") == "nas\n@SUM(1+1)")
                #expect(cell(1, "label") == (label == "plain" ? label : "'" + label), "a formula-like start is defused: \(label)")
                #expect(cell(2, "vendor") == "'\r\n=1+1", "a CR first is defused")
                #expect(cell(2, "hostname") == "'\t=A1", "a tab first is defused")
            }
        }
    }
}

@Suite struct ConfigAPITests {
    @Test func scanSettingsChangeAtRunTimeAndAreAudited() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let initial = try await client.object("/api/config", headers: headers)
            #expect((initial.1["network"] as? [String: Any])?["subnets"] as? [String] == ["192.0.2.0/24"])
            #expect((initial.1["network"] as? [String: Any])?["scan_profile"] as? String == "normal")
            let bad = try await client.object(
                "/api/config", method: .put, headers: headers, body: json(["network": ["subnets": ["192.0.2.0/24", "--script=evil"]]]))
            #expect(bad.0 == .unprocessableContent && bad.1["field"] as? String == "network.subnets")
            #expect(
                try await client.object("/api/config", method: .put, headers: headers, body: json(["network": ["scan_profile": "fast"]])).1["field"]
                    as? String == "network.scan_profile")
            #expect(
                try await client.object(
                    "/api/config", method: .put, headers: headers, body: json(["network": [String: String](), "scanning": ["port_range": "0"]])
                ).1["field"] as? String == "scanning.port_range")
            let updated = try await client.object(
                "/api/config", method: .put, headers: headers,
                body: json(["network": ["subnets": ["198.51.100.0/28"], "scan_profile": "quick"], "scanning": ["port_range": "22,80"]]))
            #expect(updated.0 == .ok && (updated.1["network"] as? [String: Any])?["subnet"] as? String == "198.51.100.0/28")
            // The next triggered scan uses them.
            let started = try await client.object("/api/scan/trigger", method: .post, headers: headers)
            #expect(started.1["subnet"] as? String == "198.51.100.0/28" && started.1["profile"] as? String == "quick")
            let audit = await server.accounts.auditEntries(action: "config_update", limit: 5, offset: 0).items
            #expect(audit.count == 1 && audit[0].details?.contains("subnets=198.51.100.0/28") == true)
        }
    }
}
