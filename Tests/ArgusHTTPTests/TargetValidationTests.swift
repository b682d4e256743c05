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

/// Every input of targets or exclusions goes through the rules scans apply, so nothing that a
/// scan would refuse is ever saved: `exclusions=localhost` once saved fine and then made every
/// scan answer 422.
@Suite struct TargetValidationTests {
    @Test func theSettingsFormRefusesAnExclusionEveryScanWouldRefuse() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let browser = try await client.setUp(server)
            let form: HTTPFields = [.cookie: "argus_session=\(browser.cookie)", .contentType: "application/x-www-form-urlencoded"]
            for exclusions in ["localhost", "gateway.lab", "0177.0.0.1", "192.0.2.1%2C+nas.lan"] {
                let response = try await client.execute(
                    uri: "/settings/scanning", method: .post, headers: form,
                    body: ByteBuffer(string: "csrf_token=\(browser.csrf)&subnets=&exclusions=\(exclusions)&profile=normal"))
                let html = String(buffer: response.body)
                #expect(response.status == .unprocessableContent, "\(exclusions)")
                #expect(html.contains("Never scan:") && html.contains("<form"), "the form again, with the reason: \(exclusions)")
                #expect(await server.store.setting("network.exclusions") == nil, "nothing saved: \(exclusions)")
            }
            // Networks are checked with the exclusions of the same form.
            let refused = try await client.execute(
                uri: "/settings/scanning", method: .post, headers: form,
                body: ByteBuffer(string: "csrf_token=\(browser.csrf)&subnets=010.0.0.0%2F24&exclusions=&profile=normal"))
            #expect(refused.status == .unprocessableContent && String(buffer: refused.body).contains("write 8.0.0.0/24"))
            #expect(await server.store.setting("network.subnets") == nil)
            // Every scan route still works.
            for (uri, body) in [("/api/scan/trigger", nil), ("/api/scan/device/192.0.2.10", nil), ("/api/scans", json(["subnet": "192.0.2.0/28"]))]
                as [(String, ByteBuffer?)]
            {
                let started = try await client.object(uri, method: .post, headers: browser.headers, body: body)
                #expect(started.0 == .accepted, "\(uri): \(started.1)")
                let id = try #require(started.1["scan_id"] as? Int ?? started.1["id"] as? Int)
                await server.server.services.scans.wait(for: ScanID(Int64(id)))
            }
        }
    }

    @Test func anExclusionSavedBeforeTheseRulesIsNamedWhereItCanBeFixed() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            await server.store.setSetting("network.exclusions", to: "localhost")
            let response = try await client.object("/api/scan/trigger", method: .post, headers: headers)
            #expect(response.0 == .unprocessableContent && response.1["field"] as? String == "network.exclusions", "\(response.1)")
        }
    }

    @Test(arguments: ["0177.0.0.1", "0x7f000001", "localhost.42", "10.0.0.0/8", "-iL"])
    func everyRouteRefusesWhatScansWouldRefuse(target: String) async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let headers = try await client.setUp(server).headers
            let config = try await client.object("/api/config", method: .put, headers: headers, body: json(["network": ["subnets": [target]]]))
            #expect(config.0 == .unprocessableContent && config.1["field"] as? String == "network.subnets", "\(target): \(config.1)")
            let schedule = try await client.object(
                "/api/schedule", method: .post, headers: headers, body: json(["name": "x", "cron": "@daily", "targets": [target]]))
            #expect(schedule.0 == .unprocessableContent && schedule.1["field"] as? String == "targets", "\(target)")
            let scan = try await client.object("/api/scans", method: .post, headers: headers, body: json(["subnet": target]))
            #expect(scan.0 == .unprocessableContent && scan.1["field"] as? String == "subnet", "\(target)")
            let device = try await client.object("/api/scan/device/\(target)", method: .post, headers: headers)
            if target.contains("/") {
                #expect(device.0 == .notFound, "a block is no device address, nor its path")
            } else {
                #expect(device.0 == .unprocessableContent && device.1["field"] as? String == "address", "\(target)")
            }
            #expect(await server.store.setting("network.subnets") == nil)
            #expect(await server.store.schedules().isEmpty)
        }
    }

    @Test func setupRefusesANonCanonicalNetwork() async throws {
        let server = try await TestServer()
        try await server.application.test(.router) { client in
            let response = try await client.object(
                "/api/setup", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "admin", "password": TestServer.password, "setup_token": server.setupToken, "subnet": "010.0.0.0/24"]))
            #expect(response.0 == .unprocessableContent && response.1["field"] as? String == "subnet", "\(response.1)")
            #expect((response.1["detail"] as? String)?.contains("write 8.0.0.0/24") == true)
            let form = try await client.execute(
                uri: "/setup", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(
                    string:
                        "username=admin&password=\(TestServer.password.replacingOccurrences(of: " ", with: "+"))&setup_token=\(server.setupToken)&subnet=0x7f.1"
                ))
            #expect(form.status == .unprocessableContent && String(buffer: form.body).contains("write 127.0.0.1"))
            #expect(await server.accounts.userCount() == 0)
        }
    }

    @Test(arguments: [
        ("network:\n  exclusions: [localhost]", "network.exclusions:"),
        ("network:\n  exclusions: [0177.0.0.1]", "write 127.0.0.1"),
        ("network:\n  subnets: [010.0.0.0/24]", "write 8.0.0.0/24"),
    ])
    func configYAMLUsesTheSameRules(yaml: String, message: String) {
        #expect {
            _ = try ServerConfiguration.load(yaml: yaml)
        } throws: { error in
            "\(error)".contains(message)
        }
        var configuration = ServerConfiguration()
        #expect(throws: ServerConfiguration.Problem.self) { try configuration.applyEnvironment(["ARGUS_EXCLUDE": "localhost"]) }
    }
}
