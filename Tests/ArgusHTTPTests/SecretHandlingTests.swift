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

/// A sink whose errors quote its token, as a library's error may quote a header value whole.
struct LeakySink: AlertSink {
    let name: String
    let token: String

    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    var secrets: [String] { [token] }

    func deliver(_ alert: Alert) async throws {
        throw Refused(description: #"invalidHeaderFieldValues(["Bearer "# + token.debugDescription.dropFirst().dropLast() + #""]) for "# + token)
    }
}

/// Secrets are refused when they hold control characters (the answer never repeats them), and
/// never appear in an answer, the delivery log or the audit log: an ntfy sink with the secret
/// `abc\r\nX-Injected: yes` was once saved, and its test send answered 502 quoting it.
@Suite struct SecretHandlingTests {
    static let injected = "abc\r\nX-Injected: yes"

    @Test func controlCharactersInSecretsAndHeaderValuesAreRefusedWithoutEchoingThem() async throws {
        let server = try await TestServer(sinkFactory: { KeepingSink(name: $0.name) })
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            for (body, field) in [
                (["name": "phone", "type": "ntfy", "url": "http://127.0.0.1:9/argus", "secret": Self.injected], "secret"),
                (["name": "phone", "type": "gotify", "url": "http://127.0.0.1:9/message\r\nX-Injected: yes", "secret": "t"], "url"),
                (
                    [
                        "name": "mail", "type": "email", "url": "smtp://127.0.0.1:25", "from": "argus@example.org",
                        "to": ["a@example.org", "b@example.org\r\nBcc: c@example.org"], "username": "argus", "password": "pw",
                    ], "to.[1]"
                ),
                (
                    [
                        "name": "mail", "type": "email", "url": "smtp://127.0.0.1:25", "from": "argus@example.org", "to": ["a@example.org"],
                        "username": "argus", "password": "pw\r\nQUIT",
                    ], "password"
                ),
                (["name": "broker", "type": "mqtt", "url": "mqtt://127.0.0.1:1883", "username": "u\u{0}x", "password": "p"], "username"),
            ] as [([String: Any], String)] {
                let response = try await client.execute(uri: "/api/alerts/sinks", method: .post, headers: browser.headers, body: json(body))
                let text = String(buffer: response.body)
                let answer = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(response.status == .unprocessableContent && answer?["field"] as? String == field, "\(field): \(text)")
                #expect(
                    !text.contains("X-Injected") && !text.contains("QUIT") && !text.contains("Bcc") && !text.contains("abc"),
                    "the value is not repeated: \(text)")
            }
            #expect(await server.server.services.sinks.list().isEmpty, "nothing was saved")
            // The settings form: the form again with the reason, never the value.
            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            let page = try await client.execute(
                uri: "/settings/alerts", method: .post, headers: form,
                body: ByteBuffer(
                    string: "csrf_token=\(browser.csrf)&name=phone&type=ntfy&url=http%3A%2F%2F127.0.0.1%3A9%2Fargus&secret=abc%0D%0AX-Injected%3A+yes"
                ))
            let html = String(buffer: page.body)
            #expect(page.status == .unprocessableContent && html.contains("control characters") && !html.contains("X-Injected"))
            #expect(await server.server.services.sinks.list().isEmpty)
            let audit = await server.accounts.auditEntries(action: nil, limit: 100, offset: 0).items
            #expect(!audit.contains { ($0.details ?? "").contains("X-Injected") })
        }
    }

    @Test func configYAMLRefusesThemToo() {
        #expect {
            _ = try ServerConfiguration.load(
                yaml:
                    "alerts:\n  sinks:\n    - name: phone\n      type: ntfy\n      url: http://127.0.0.1:9/argus\n      secret: \"abc\\r\\nX-Injected: yes\"\n"
            )
        } throws: { error in
            "\(error)".contains("alerts.sinks[0].secret: must not contain control characters") && !"\(error)".contains("X-Injected")
        }
    }

    @Test func aSecretNeverReachesAnAnswerTheDeliveryLogOrTheAuditLog() async throws {
        let token = "tk_Gq8v2sP9xYzL"
        let server = try await TestServer(alertSinks: [LeakySink(name: "leaky", token: token)])
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            // The test send: 502 with the reason, the token taken out.
            let response = try await client.execute(uri: "/api/alerts/sinks/leaky/test", method: .post, headers: browser.headers)
            let text = String(buffer: response.body)
            #expect(response.status == .badGateway && text.contains("invalidHeaderFieldValues") && text.contains("[redacted]"), "\(text)")
            #expect(!text.contains(token), "\(text)")
            // The same from the settings page.
            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            let page = try await client.execute(
                uri: "/settings/alerts/leaky/test", method: .post, headers: form, body: ByteBuffer(string: "csrf_token=\(browser.csrf)"))
            #expect(page.status == .badGateway && !String(buffer: page.body).contains(token))
            // Delivery errors kept in the outbox, shown in the delivery log and the settings page.
            _ = try await InventoryAPITests.scan(client, server, headers: browser.headers)
            let round = try await server.server.services.alerts.deliverDue()
            #expect(round.failed >= 1)
            let log = String(buffer: try await client.execute(uri: "/api/alerts", method: .get, headers: browser.headers).body)
            #expect(log.contains("[redacted]") && !log.contains(token), "\(log)")
            #expect(
                !String(buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: "argus_session=\(browser.cookie)"]).body)
                    .contains(token))
            // Nor the sink list, though this sink has no description of its own (it would show its fields).
            #expect(!String(buffer: try await client.execute(uri: "/api/alerts/sinks", method: .get, headers: browser.headers).body).contains(token))
            let audit = await server.accounts.auditEntries(action: "alert_test", limit: 10, offset: 0).items
            #expect(
                audit.count == 2
                    && audit.allSatisfy { $0.success == false && $0.details?.contains("[redacted]") == true && $0.details?.contains(token) == false })
        }
    }
}
