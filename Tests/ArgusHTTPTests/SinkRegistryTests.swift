//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import ArgusAlerts
import ArgusHTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A sink type of a user's own, registered beside the built-in ones: config.yaml, the API and
/// the settings page all build it from the registry.
@Suite struct SinkRegistryTests {
    struct PagerOptions: AlertSinkOptions {
        var pager: String
        var token: String?
        static let keys = ["pager", "token"]
        func validate() throws(SettingProblem) {
            guard pager.allSatisfy(\.isNumber) else { throw SettingProblem("pager", "digits only") }
        }
        var secretValues: [String] { [token].compactMap(\.self) }
        var summary: String { "pager \(pager)" }
    }

    static let pagerType = AlertSinkType(
        "beeper", title: "A beeper", options: PagerOptions.self,
        fields: [AlertSinkField("pager", label: "Pager number", example: "5551234"), AlertSinkField("token", label: "Beeper token", kind: .secret)]
    ) { name, _ in KeepingSink(name: name) }

    static let registry = AlertSinkRegistry.standard.registering(pagerType)

    @Test func configYAMLConfiguresACustomTypeAndChecksIt() throws {
        let configuration = try ServerConfiguration.load(
            yaml: "alerts:\n  sinks:\n    - {name: desk, type: beeper, pager: 5551234, token: s3cret-token, digest_minutes: 15}",
            sinkTypes: Self.registry)
        let sink = try #require(configuration.alertSinks.first)
        #expect(sink.options(as: PagerOptions.self) == PagerOptions(pager: "5551234", token: "s3cret-token"))
        #expect(sink.digestMinutes == 15 && sink.secretValues == ["s3cret-token"])
        #expect(sink.description == "beeper pager 5551234 digest every 15 min")
        #expect(try Self.registry.sink(for: sink).name == "desk")

        for (yaml, message) in [
            ("{name: desk, type: beeper, pager: 'call me'}", "alerts.sinks[0].pager: digits only"),
            ("{name: desk, type: beeper, pager: '1', url: 'https://x'}", "alerts.sinks[0].url: unknown setting of a beeper sink"),
            ("{name: desk, type: beeper}", "alerts.sinks[0].pager: is required"),
            ("{name: desk, type: beeper, pager: '1', token: \"a\\r\\nb\"}", "alerts.sinks[0].token: must not contain control characters"),
        ] {
            #expect(throws: ServerConfiguration.Problem.self) {
                try ServerConfiguration.load(yaml: "alerts:\n  sinks:\n    - \(yaml)", sinkTypes: Self.registry)
            }
            do {
                _ = try ServerConfiguration.load(yaml: "alerts:\n  sinks:\n    - \(yaml)", sinkTypes: Self.registry)
            } catch {
                #expect("\(error)".hasPrefix(message), "\(yaml): \(error)")
                #expect(!"\(error)".contains("a\r\nb"))
            }
        }
        // Without the registration the type is unknown, and the message lists the known ones.
        #expect(throws: ServerConfiguration.Problem.self) {
            try ServerConfiguration.load(yaml: "alerts:\n  sinks:\n    - {name: desk, type: beeper, pager: '1'}")
        }
    }

    @Test func theAPIAndTheSettingsPageAddACustomTypeAndARestartKeepsIt() async throws {
        let server = try await TestServer(sinkTypes: Self.registry)
        let store = server.store
        let accounts = server.accounts
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            // The settings page offers the type, with its own fields.
            let page = String(
                buffer: try await client.execute(uri: "/settings", method: .get, headers: [.cookie: "argus_session=\(browser.cookie)"]).body)
            #expect(page.contains(#"<option value="beeper">A beeper</option>"#))
            #expect(page.contains(#"data-sink-types="beeper">Pager number <input name="pager""#))
            #expect(page.contains(#"<input name="token" type="password""#))
            #expect(!page.contains(#"<option value="command""#), "only config.yaml may define command sinks")

            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            let added = try await client.execute(
                uri: "/settings/alerts", method: .post, headers: form,
                body: ByteBuffer(string: "csrf_token=\(browser.csrf)&name=desk&type=beeper&pager=5551234&token=tok-12345&url=ignored"))
            #expect(added.status == .seeOther)
            let refused = try await client.execute(
                uri: "/settings/alerts", method: .post, headers: form,
                body: ByteBuffer(string: "csrf_token=\(browser.csrf)&name=desk2&type=beeper&pager=x"))
            #expect(refused.status == .unprocessableContent && String(buffer: refused.body).contains("digits only"))

            let api = try await client.object(
                "/api/alerts/sinks", method: .post, headers: browser.headers, body: json(["name": "night", "type": "beeper", "pager": "42"]))
            #expect(api.0 == .created, "\(api.1)")
            let listed = try #require(try await client.object("/api/alerts/sinks", headers: browser.headers).1["sinks"] as? [[String: Any]])
            #expect(listed.compactMap { $0["name"] as? String }.sorted() == ["desk", "night"])
            #expect(!"\(listed)".contains("tok-12345"))
        }
        // Stored as typed settings; a server started later on the store has both again.
        let stored = try #require(try await store.setting("alerts.api_sinks"))
        #expect(stored.contains(#""pager":"5551234""#) && !stored.contains("ignored"))
        let restarted = ArgusServer(configuration: ServerConfiguration(), store: store, accounts: accounts, sinkTypes: Self.registry)
        try await restarted.services.sinks.restore()
        #expect(await restarted.services.alerts.sinkNames.sorted() == ["desk", "night"])
    }

    @Test func sinksStoredByEarlierVersionsAreStillRead() async throws {
        let store = InMemoryDeviceStore()
        // Before the registry, sinks were stored with camelCase keys and quiet hours as an object.
        let quiet = String(decoding: try JSONEncoder().encode(try QuietHours("22:00-06:00")), as: UTF8.self)
        try await store.setSetting(
            "alerts.api_sinks",
            to: #"[{"name":"ha","type":"mqtt","url":"mqtt://127.0.0.1:1883","topicPrefix":"lab","digestMinutes":5,"quietHours":"# + quiet
                + #","to":[],"arguments":[]},{"name":"gone","type":"fax"}]"#)
        let built = Mutex<[String: AlertSinkConfiguration]>([:])
        let server = ArgusServer(
            configuration: ServerConfiguration(), store: store, accounts: InMemoryAccountStore(),
            sinkTypes: AlertSinkRegistry.standard.building { configuration in
                built.withLock { $0[configuration.name] = configuration }
                return KeepingSink(name: configuration.name)
            })
        try await server.services.sinks.restore()
        #expect(await server.services.alerts.sinkNames == ["ha"], "the unreadable one is logged and left out")
        let ha = try #require(built.withLock { $0["ha"] })
        #expect(ha.options(as: MQTTAlertSink.Options.self)?.topicPrefix == "lab")
        #expect(ha.digestMinutes == 5 && ha.quietHours?.description == "22:00-06:00")
        // Adding another keeps the one this version cannot read.
        _ = try await server.services.sinks.add(
            AlertSinkConfiguration(name: "hook", type: "webhook", options: HTTPAlertSink.Options(service: .webhook, url: "https://example.org/h")))
        #expect(try await store.setting("alerts.api_sinks")?.contains(#""type":"fax""#) == true)
    }
}
