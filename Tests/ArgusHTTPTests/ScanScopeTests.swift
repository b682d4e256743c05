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
import Synchronization
import Testing

/// A scanner that remembers what it was asked to scan, and scans nothing (the fake's host).
final class RecordingScanner: Argus.Scanner {
    private let requests = Mutex<[ScanRequest]>([])
    /// What scans were asked for, in order.
    var received: [ScanRequest] { requests.withLock { $0 } }

    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        requests.withLock { $0.append(request) }
        return FakeScanner().scan(request)
    }
}

/// The scan scope: scans reach only the configured networks (after exclusions, host names
/// resolved once and their address scanned), on every route, unless an admin allows more.
/// Only loopback and documentation networks appear here, and the scanner is a fake.
@Suite struct ScanScopeTests {
    func scope(_ networks: [String]) throws -> ScanScope { ScanScope(networks: try networks.map(ScanTarget.init)) }

    @Test func everyAddressOfATargetMustBeInside() throws {
        let scope = try scope(["192.0.2.0/25", "192.0.2.128/25", "198.51.100.0/25", "2001:db8::/32"])
        #expect(scope.contains(try ScanTarget("192.0.2.7")))
        #expect(scope.contains(try ScanTarget("192.0.2.0/24")), "two adjacent blocks cover it")
        #expect(scope.contains(try ScanTarget("192.0.2.250-255")))
        #expect(!scope.contains(try ScanTarget("192.0.2.0/23")))
        #expect(!scope.contains(try ScanTarget("198.51.100.100-200")))
        #expect(
            scope.contains(try ScanTarget("198.51.100.100-200"), excluding: [try ScanTarget("198.51.100.128/25")]), "what is excluded is not scanned")
        #expect(!scope.contains(try ScanTarget("203.0.113.1")))
        #expect(!scope.contains(try ScanTarget("localhost")), "a name is resolved first, never in scope itself")
        #expect(scope.contains(try ScanTarget("2001:db8::1")))
        #expect(scope.contains(try ScanTarget("2001:db8:1::/48")))
        #expect(!scope.contains(try ScanTarget("2001:db8::/31")))
        #expect(!scope.contains(try ScanTarget("::1")))
        #expect(!(try self.scope([])).contains(try ScanTarget("192.0.2.7")))
    }

    /// A server with a recording scanner, configured networks `subnets`, and an API key.
    func withServer(
        _ subnets: [String],
        _ body:
            @escaping @Sendable (any TestClientProtocol, HTTPFields, Browser, RecordingScanner, ArgusServer, InMemoryDeviceStore) async throws -> Void
    ) async throws {
        let scanner = RecordingScanner()
        let store = InMemoryDeviceStore()
        var configuration = ServerConfiguration()
        configuration.subnets = subnets
        let server = ArgusServer(
            configuration: configuration, store: store, accounts: InMemoryAccountStore(), scanner: scanner, hasher: PasswordHasher(cost: 4))
        let token = try #require(try await server.services.setup.prepare())
        try await server.application().test(.router) { client in
            let setup = try await client.execute(
                uri: "/api/setup", method: .post, headers: [.contentType: "application/json"],
                body: json(["username": "admin", "password": TestServer.password, "setup_token": token]))
            let browser = try client.browser(from: setup)
            let key = try #require(
                try await client.object("/api/keys", method: .post, headers: browser.headers, body: json(["name": "scripts"])).1["key"] as? String)
            try await body(client, [HTTPField.Name("X-API-Key")!: key, .contentType: "application/json"], browser, scanner, server, store)
        }
    }

    @Test func theAPIRefusesTargetsOutsideTheConfiguredNetworks() async throws {
        try await withServer(["192.0.2.0/24"]) { client, key, _, scanner, server, _ in
            let device = try await client.object("/api/scan/device/198.51.100.7", method: .post, headers: key)
            #expect(device.0 == .forbidden && device.1["field"] as? String == "address", "\(device)")
            #expect((device.1["detail"] as? String)?.contains("outside the configured networks") == true)
            for subnet in ["10.0.0.0/16", "192.0.2.0/23", "192.0.2.1, 198.51.100.1"] {
                let scan = try await client.object("/api/scans", method: .post, headers: key, body: json(["subnet": subnet]))
                #expect(scan.0 == .forbidden && scan.1["field"] as? String == "subnet", "\(subnet): \(scan)")
            }
            // A name is resolved once (localhost is in /etc/hosts: no DNS query), and its
            // address, loopback, is outside 192.0.2.0/24.
            let name = try await client.object("/api/scan/device/localhost", method: .post, headers: key)
            #expect(name.0 == .forbidden && (name.1["detail"] as? String)?.contains("localhost (127.0.0.1)") == true, "\(name)")
            #expect(scanner.received.isEmpty, "nothing outside the scope reached the scanner")

            let inside = try await client.object("/api/scans", method: .post, headers: key, body: json(["subnet": "192.0.2.0/25"]))
            #expect(inside.0 == .accepted, "\(inside)")
            let id = try #require(inside.1["id"] as? Int)
            await server.services.scans.wait(for: ScanID(Int64(id)))
            #expect(scanner.received.map { $0.targets.targets.map(\.text) } == [["192.0.2.0/25"]])
            #expect(scanner.received.first?.resolvesNames == false, "nmap gets -n unless scanning.resolve_names")
        }
    }

    @Test func aHostNameIsScannedByItsResolvedAddress() async throws {
        try await withServer(["127.0.0.0/8"]) { client, key, _, scanner, server, _ in
            let started = try await client.object("/api/scan/device/localhost", method: .post, headers: key)
            #expect(started.0 == .accepted, "\(started)")
            let id = try #require(started.1["scan_id"] as? Int)
            await server.services.scans.wait(for: ScanID(Int64(id)))
            #expect(scanner.received.map { $0.targets.targets.map(\.text) } == [["127.0.0.1"]], "nmap is given the address, not the name")
        }
    }

    @Test func theWebFormAndSchedulesAreHeldToTheScopeToo() async throws {
        try await withServer(["192.0.2.0/24"]) { client, _, browser, scanner, server, store in
            var form = browser.headers
            form[.contentType] = "application/x-www-form-urlencoded"
            let page = try await client.execute(
                uri: "/scans", method: .post, headers: form,
                body: ByteBuffer(string: "csrf_token=\(browser.csrf)&profile=quick&targets=198.51.100.0%2F28"))
            #expect(page.status == .forbidden, "\(page.status)")
            #expect(String(buffer: page.body).contains("outside the configured networks"))

            // A schedule saved with targets outside the scope does not run (checked at run time).
            _ = await store.createSchedule(
                Schedule(
                    id: ScheduleID(0), name: "elsewhere", expression: "@every 1h", profile: "quick", targets: ["198.51.100.0/28"],
                    nextRunAt: Date().addingTimeInterval(-60)))
            let outcomes = await ScanScheduler(services: server.services).tick(at: Date())
            guard case .failed(_, let reason)? = outcomes.first else {
                Issue.record("expected the schedule to be refused, got \(outcomes)")
                return
            }
            #expect(reason.contains("outside the configured networks"))
            #expect(scanner.received.isEmpty)
        }
    }

    @Test func anAdminMayAllowScansOutsideAndItIsAudited() async throws {
        try await withServer(["192.0.2.0/24"]) { client, key, browser, scanner, server, _ in
            #expect(
                try await client.object("/api/config", headers: key).1["scanning"].flatMap { ($0 as? [String: Any])?["allow_outside_scope"] as? Bool }
                    == false)
            let changed = try await client.object(
                "/api/config", method: .put, headers: browser.headers,
                body: json(["network": [String: Any](), "scanning": ["allow_outside_scope": true]]))
            #expect(changed.0 == .ok, "\(changed)")
            #expect((changed.1["scanning"] as? [String: Any])?["allow_outside_scope"] as? Bool == true)
            let audit = try await client.array("/api/audit-logs?action=config_update", headers: key)
            #expect(audit.contains { ($0["details"] as? String)?.contains("allow_outside_scope=true") == true }, "\(audit)")
            let device = try await client.object("/api/scan/device/198.51.100.7", method: .post, headers: key)
            #expect(device.0 == .accepted, "\(device)")
            let id = try #require(device.1["scan_id"] as? Int)
            await server.services.scans.wait(for: ScanID(Int64(id)))
            #expect(scanner.received.map { $0.targets.targets.map(\.text) } == [["198.51.100.7"]])
        }
    }
}
