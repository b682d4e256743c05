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
import Testing

/// A scanner for API tests: every scan finds 192.0.2.10 with SSH (OpenSSH 9.6p1) and telnet
/// open; with `blocks`, a scan runs until it is cancelled.
struct FakeScanner: Argus.Scanner {
    var blocks = false
    /// The host name the scan reports (hostile in the escaping tests).
    var hostname: String?

    func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        let blocks = blocks
        let hostname = hostname
        return AsyncThrowingStream { continuation in
            let task = Task {
                var run = ScanRun()
                run.startTime = Date()
                run.arguments = "fake"
                continuation.yield(.started(run))
                if blocks {
                    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
                    continuation.finish(throwing: CancellationError())
                    return
                }
                var host = HostObservation(status: HostStatus(state: .up))
                host.addresses = [
                    HostAddress(address: "192.0.2.10", type: .ipv4), HostAddress(address: "02:00:00:00:00:10", type: .mac, vendor: hostname),
                ]
                if let hostname { host.hostnames = [Hostname(name: hostname, type: .ptr)] }
                host.ports = [
                    PortObservation(
                        protocol: .tcp, number: 22, state: PortState(state: .open),
                        service: Service(name: "ssh", product: "OpenSSH", version: "9.6p1", cpes: ["cpe:/a:openbsd:openssh:9.6p1"])),
                    PortObservation(protocol: .tcp, number: 23, state: PortState(state: .open), service: Service(name: "telnet")),
                ]
                continuation.yield(.progress(TaskProgress(task: "Connect Scan", percent: 50)))
                continuation.yield(.host(host))
                run.runStats = RunStats(
                    finished: RunStats.Finished(time: Date(), exit: .success), hosts: RunStats.HostCounts(up: 1, down: 0, total: 1))
                continuation.yield(.finished(run))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// An argus-server over an in-memory store and a fake scanner, with cheap password hashing.
struct TestServer {
    let store = InMemoryDeviceStore()
    let accounts = InMemoryAccountStore()
    let server: ArgusServer
    let setupToken: String

    static let password = "correct horse battery"

    init(
        configure: (inout ServerConfiguration) -> Void = { _ in }, scanner: FakeScanner = FakeScanner(), alertSinks: [any AlertSink] = [],
        sinkFactory: (@Sendable (AlertSinkConfiguration) throws -> any AlertSink)? = nil, sinkTypes: AlertSinkRegistry = .standard
    ) async throws {
        var configuration = ServerConfiguration()
        configuration.subnets = ["192.0.2.0/24"]
        configure(&configuration)
        server = ArgusServer(
            configuration: configuration, store: store, accounts: accounts, scanner: scanner, hasher: PasswordHasher(cost: 4), alertSinks: alertSinks,
            sinkTypes: sinkFactory.map { sinkTypes.building($0) } ?? sinkTypes)
        setupToken = try #require(try await server.services.setup.prepare())
    }

    var application: some ApplicationProtocol { get throws { try server.application() } }
}

/// A browser's session in tests: its cookie and CSRF token.
struct Browser: Sendable {
    var cookie: String
    var csrf: String

    var headers: HTTPFields {
        [.cookie: "argus_session=\(cookie)", HTTPField.Name("X-CSRF-Token")!: csrf, .contentType: "application/json"]
    }
}

extension TestClientProtocol {
    /// Runs first-run setup and returns the admin's browser session.
    func setUp(_ server: TestServer) async throws -> Browser {
        let response = try await execute(
            uri: "/api/setup", method: .post, headers: [.contentType: "application/json"],
            body: json(["username": "admin", "password": TestServer.password, "setup_token": server.setupToken]))
        #expect(response.status == .created, "\(String(buffer: response.body))")
        return try browser(from: response)
    }

    func browser(from response: TestResponse) throws -> Browser {
        let cookie = try #require(
            response.headers[.setCookie]?.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init))
        let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return Browser(cookie: cookie, csrf: try #require(body?["csrf_token"] as? String))
    }

    /// A request's JSON answer as a dictionary.
    func object(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields, body: ByteBuffer? = nil) async throws -> (
        HTTPResponse.Status, [String: Any]
    ) {
        let response = try await execute(uri: uri, method: method, headers: headers, body: body)
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]) ?? [:])
    }

    /// A request's JSON answer as an array.
    func array(_ uri: String, headers: HTTPFields) async throws -> [[String: Any]] {
        let response = try await execute(uri: uri, method: .get, headers: headers)
        #expect(response.status == .ok, "\(uri): \(response.status) \(String(buffer: response.body))")
        return (try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]]) ?? []
    }
}

func json(_ object: Any) -> ByteBuffer {
    ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}
