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

@Suite struct WebPageTests {
    static let hostile = #"<script>alert("x")</script><img src=x onerror=alert(1)>"#

    @Test func everyPageRendersAndEscapesWhatScansReport() async throws {
        let server = try await TestServer(scanner: FakeScanner(hostname: Self.hostile))
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            _ = try await InventoryAPITests.scan(client, server, headers: browser.headers)
            let cookie: HTTPFields = [.cookie: "argus_session=\(browser.cookie)"]
            let id = try #require(await server.store.inventory().first?.id)
            for page in [
                "/", "/devices", "/devices?q=192&risk_level=critical&sort=risk", "/devices/\(id)", "/scans", "/changes",
                "/changes?severity=warning&acknowledged=false", "/compare", "/visualization", "/settings", "/devices?type=server&zone=lab",
            ] {
                let response = try await client.execute(uri: page, method: .get, headers: cookie)
                let html = String(buffer: response.body)
                #expect(response.status == .ok, "\(page): \(response.status)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(!html.contains("<script>alert"), "\(page) carries the scan's markup unescaped")
                #expect(!html.contains("<img src=x"), "\(page)")
                #expect(!html.contains(">nil<") && !html.contains("(nil)") && !html.contains(": nil"), "\(page) prints a missing value")
                #expect(html.components(separatedBy: "<script").count == 2, "\(page): only the one external script")
                if page.hasPrefix("/devices") || page == "/changes" || page == "/" {
                    #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") || !html.contains("alert"), "\(page)")
                }
            }
            let detail = String(buffer: try await client.execute(uri: "/devices/\(id)", method: .get, headers: cookie).body)
            #expect(detail.contains("CVE-2024-6387") && detail.contains("Telnet"))
            #expect(try await client.execute(uri: "/devices/999", method: .get, headers: cookie).status == .notFound)
            #expect(try await client.execute(uri: "/static/app.css", method: .get).headers[.contentType] == "text/css; charset=utf-8")
        }
    }

    @Test func formsNeedTheCSRFTokenAndValidate() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            _ = try await InventoryAPITests.scan(client, server, headers: browser.headers)
            let id = try #require(await server.store.inventory().first?.id)
            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            let missing = try await client.execute(uri: "/devices/\(id)", method: .post, headers: form, body: ByteBuffer(string: "label=x"))
            #expect(missing.status == .forbidden)
            let saved = try await client.execute(
                uri: "/devices/\(id)", method: .post, headers: form,
                body: ByteBuffer(string: "csrf_token=\(browser.csrf)&label=Lab+%26+NAS&zone=servers&is_trusted=true&notes="))
            #expect(saved.status == .seeOther && saved.headers[.location] == "/devices/\(id)?saved=1")
            let device = try #require(await server.store.device(id))
            #expect(device.label == "Lab & NAS" && device.zone == "servers" && device.isTrusted)
            let bad = try await client.execute(
                uri: "/devices/\(id)", method: .post, headers: form, body: ByteBuffer(string: "csrf_token=\(browser.csrf)&zone=a%2Fb"))
            #expect(bad.status == .unprocessableContent && String(buffer: bad.body).contains("A zone is at most 100"))
            // Sign-in by form: a wrong password shows the form again; a good one redirects safely.
            let anonymous: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: anonymous, body: ByteBuffer(string: "username=admin&password=nope&next=%2Fscans"))
            #expect(wrong.status == .ok && String(buffer: wrong.body).contains("Wrong user name or password"))
            let good = try await client.execute(
                uri: "/login", method: .post, headers: anonymous,
                body: ByteBuffer(
                    string: "username=admin&password=\(TestServer.password.replacingOccurrences(of: " ", with: "+"))&next=%2F%2Fevil.example"))
            #expect(good.status == .seeOther && good.headers[.location] == "/", "no open redirect")
            #expect(good.headers[.setCookie]?.contains("HttpOnly") == true)
        }
    }

    /// `next` after sign-in is one path on this site: browsers drop tabs, CR and LF from a
    /// `Location` and read `\\` as `/`, so those would lead to `//evil.example`.
    @Test(arguments: [
        "%2F%09%2Fevil.example", "%2F%0D%0A%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%0D%2Fevil.example",
        "%2F%5Cevil.example", "%2F%5C%2Fevil.example", "%5C%5Cevil.example", "%2F%2Fevil.example", "%2F%20%2Fevil.example",
        "https%3A%2F%2Fevil.example", "javascript%3Aalert(1)", "%2F%00%2Fevil.example", "%2F%7F%2Fevil.example", "%2F%C2%85%2Fevil.example",
    ])
    func signInNeverRedirectsOffSite(next: String) async throws {
        try await Self.signIn(next: next) { client, signedIn in
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/", "\(next) → \(signedIn.headers[.location] ?? "none")")
            // The form keeps only a safe value in its hidden field, and so does a failed sign-in.
            let page = String(buffer: try await client.execute(uri: "/login?next=\(next)", method: .get).body)
            #expect(page.contains(#"name="next" value="/">"#), "\(next): \(page)")
            let failed = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=admin&password=wrong&next=\(next)"))
            #expect(String(buffer: failed.body).contains(#"name="next" value="/">"#), "\(next)")
        }
    }

    @Test func signInKeepsAPathOnThisSite() async throws {
        try await Self.signIn(next: "%2Fdevices%3Fq%3Dnas%26sort%3Drisk") { _, signedIn in
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/devices?q=nas&sort=risk")
        }
    }

    /// Signs in by form with `next` (form-encoded) on a new server, and checks the answer.
    static func signIn(next: String, check: @Sendable (any TestClientProtocol, TestResponse) async throws -> Void) async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            _ = try await client.setUp(server)
            let password = TestServer.password.replacingOccurrences(of: " ", with: "+")
            let signedIn = try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "username=admin&password=\(password)&next=\(next)"))
            try await check(client, signedIn)
        }
    }

    @Test func settingsKeysSchedulesAndBulkEdits() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            _ = try await InventoryAPITests.scan(client, server, headers: browser.headers)
            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            let page: HTTPFields = [.cookie: "argus_session=\(browser.cookie)"]
            func post(_ uri: String, _ body: String) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: form, body: ByteBuffer(string: "csrf_token=\(browser.csrf)&" + body))
            }
            // An API key, shown once.
            let created = try await post("/settings/keys", "name=Grafana&expires_in_days=")
            let html = String(buffer: created.body)
            let key = try #require(html.range(of: #"argus_[A-Za-z0-9_-]{43}"#, options: .regularExpression).map { String(html[$0]) })
            #expect(await server.accounts.apiKeys(of: nil).first?.keyHash == key.sha256ForTests)
            let again = String(buffer: try await client.execute(uri: "/settings", method: .get, headers: page).body)
            #expect(!again.contains(key) && again.contains("Grafana"))
            let id = try #require(await server.accounts.apiKeys(of: nil).first?.id)
            #expect(try await post("/settings/keys/\(id)/revoke", "").status == .seeOther)
            #expect(await server.accounts.apiKeys(of: nil).first?.revokedAt != nil)
            // Schedules: refused with the reason, then added.
            let bad = try await post("/settings/schedules", "name=Nightly&cron=0+25+*+*+*&profile=quick")
            #expect(bad.status == .unprocessableContent && String(buffer: bad.body).contains("hour: 25 is out of range"))
            #expect(try await post("/settings/schedules", "name=Nightly&cron=0+3+*+*+*&profile=quick").status == .seeOther)
            #expect(await server.store.schedules().map(\.expression) == ["0 3 * * *"])
            // Scan settings.
            #expect(try await post("/settings/scanning", "subnets=10.0.0.0%2F8&profile=quick").status == .unprocessableContent)
            #expect(try await post("/settings/scanning", "subnets=198.51.100.0%2F28&exclusions=-x&profile=quick").status == .unprocessableContent)
            #expect(
                try await post("/settings/scanning", "subnets=198.51.100.0%2F28&exclusions=198.51.100.9&profile=quick&ports=22&os=true").status
                    == .seeOther)
            #expect(await server.store.setting("network.subnets") == "198.51.100.0/28")
            #expect(try await server.server.services.scanning.exclusions() == ["198.51.100.9"])
            let excluded = try await client.execute(uri: "/api/scan/device/198.51.100.9", method: .post, headers: browser.headers)
            #expect(excluded.status == .unprocessableContent, "a run-time exclusion is honoured")
            // Bulk edits from the device list.
            let device = try #require(await server.store.inventory().first)
            #expect(try await post("/devices/bulk", "ids=\(device.id)&action=zone&zone=lab").status == .seeOther)
            #expect(try await post("/devices/bulk", "ids=\(device.id)&action=trust&zone=").status == .seeOther)
            let edited = try #require(await server.store.device(device.id))
            #expect(edited.zone == "lab" && edited.isTrusted)
            // Password change by form ends the other sessions.
            #expect(try await post("/settings/password", "current_password=wrong+one+here&new_password=another+long+one").status == .forbidden)
            let changed = try await post(
                "/settings/password", "current_password=\(TestServer.password.replacingOccurrences(of: " ", with: "+"))&new_password=another+long+one"
            )
            #expect(changed.status == .seeOther && changed.headers[.setCookie] != nil)
            #expect(try await client.execute(uri: "/settings", method: .get, headers: page).status == .seeOther, "the old session has ended")
        }
    }
}

extension String {
    /// SHA-256, hex, as the store keeps API keys.
    var sha256ForTests: String { Tokens.sha256(self) }
}
