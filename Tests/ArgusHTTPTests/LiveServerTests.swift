//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real thing over a real socket: the argus-server binary, first-run setup with the token
/// from its log, sign-in, an API key, a scan of a loopback service this test starts, and the
/// device and its port read back through the API; then SIGTERM stops it cleanly.
@Suite(.serialized) struct LiveServerTests {
    static let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let nmapInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/nmap")

    /// A child process started with posix_spawn, output to a file.
    struct Child {
        var pid: pid_t
        var log: URL

        init(_ path: String, _ arguments: [String], log: URL) throws {
            self.log = log
            let argv = ([path] + arguments).map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
            var pid: pid_t = 0
            guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { throw CocoaError(.executableLoad) }
            self.pid = pid
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        /// Sends a signal and waits for the exit status.
        func stop(_ signal: Int32) -> Int32 {
            kill(pid, signal)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return status
        }
    }

    static func freePort() -> Int { Int.random(in: 41_000...48_000) }

    static func request(_ method: String, _ url: String, headers: [String: String] = [:], body: Any? = nil) async throws -> (
        Int, [String: String], Data
    ) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return (http.statusCode, fields, data)
    }

    /// A client that keeps no cookies: each request carries only what the test gives it.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration)
    }()

    static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"), .timeLimit(.minutes(3)))
    func setupLoginKeyScanAndReadBack() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // A loopback service to find: the project's banner server (an old OpenSSH banner).
        let servicePort = Int.random(in: 30_000...39_999)
        let services = try Child(
            "/usr/bin/env", ["python3", Self.root.appendingPathComponent("Scripts/fake_services.py").path, "127.0.0.1", "\(servicePort):ssh-old"],
            log: folder.appendingPathComponent("services.log"))
        defer { _ = services.stop(SIGKILL) }
        let port = Self.freePort()
        let server = try Child(
            Self.binaries.appendingPathComponent("argus-server").path, ["--db", folder.appendingPathComponent("argus.db").path, "--port", "\(port)"],
            log: folder.appendingPathComponent("server.log"))
        var stopped = false
        defer { if !stopped { _ = server.stop(SIGKILL) } }
        let base = "http://127.0.0.1:\(port)"
        var token: String?
        for _ in 0..<100 {
            if server.output.contains("listens on"), let line = server.output.split(separator: "\n").first(where: { $0.contains("setup token: ") }) {
                token = line.components(separatedBy: "setup token: ").last
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let setupToken = try #require(token, "\(server.output)")

        // Setup, with the subnet to scan: this machine's loopback address.
        let (setupStatus, setupHeaders, setupBody) = try await Self.request(
            "POST", "\(base)/api/setup",
            body: ["username": "admin", "password": "a long enough password", "setup_token": setupToken, "subnet": "127.0.0.1"])
        #expect(setupStatus == 201, "\(String(decoding: setupBody, as: UTF8.self))")
        #expect(setupHeaders["set-cookie"]?.contains("HttpOnly") == true)
        #expect(
            try await Self.request(
                "POST", "\(base)/api/setup", body: ["username": "x", "password": "a long enough password", "setup_token": setupToken]
            ).0 == 409)

        // Sign in (a fresh session), then create an API key with it.
        let (loginStatus, loginHeaders, loginBody) = try await Self.request(
            "POST", "\(base)/api/login", body: ["username": "admin", "password": "a long enough password"])
        #expect(loginStatus == 200)
        let cookie = try #require(loginHeaders["set-cookie"]?.split(separator: ";").first.map(String.init))
        let csrf = try #require(Self.object(loginBody)["csrf_token"] as? String)
        let (keyStatus, _, keyBody) = try await Self.request(
            "POST", "\(base)/api/keys", headers: ["Cookie": cookie, "X-CSRF-Token": csrf], body: ["name": "live test"])
        #expect(keyStatus == 201)
        let key = try #require(Self.object(keyBody)["key"] as? String)

        // A scan of the loopback service, through the API with the key.
        let (scanStatus, _, scanBody) = try await Self.request(
            "POST", "\(base)/api/scans", headers: ["X-API-Key": key],
            body: ["subnet": "127.0.0.1", "scan_profile": "quick", "port_range": "\(servicePort)"])
        #expect(scanStatus == 202, "\(String(decoding: scanBody, as: UTF8.self))")
        let scanID = try #require(Self.object(scanBody)["id"] as? Int)
        var status = ""
        for _ in 0..<600 {
            status =
                Self.object(try await Self.request("GET", "\(base)/api/scans/\(scanID)", headers: ["X-API-Key": key]).2)["status"] as? String ?? ""
            if status != "running" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == "completed")
        let devices = Self.object(try await Self.request("GET", "\(base)/api/devices", headers: ["Authorization": "Bearer \(key)"]).2)
        let device = try #require((devices["items"] as? [[String: Any]])?.first)
        #expect(device["ip_address"] as? String == "127.0.0.1")
        let id = try #require(device["id"] as? Int)
        let detail = Self.object(try await Self.request("GET", "\(base)/api/devices/\(id)", headers: ["X-API-Key": key]).2)
        let ports = try #require(detail["ports"] as? [[String: Any]])
        #expect(ports.contains { $0["port_number"] as? Int == servicePort && $0["state"] as? String == "open" }, "\(ports)")

        // SIGTERM: a clean stop.
        let exit = server.stop(SIGTERM)
        stopped = true
        #expect(exit == 0, "exit status \(exit): \(server.output)")
    }
}

extension LiveServerTests {
    /// SIGTERM while a scan runs: the scan is cancelled and recorded as such, and the server
    /// exits cleanly. The "nmap" is a stand-in that never answers, so the scan is surely running.
    @Test(.timeLimit(.minutes(2)))
    func sigtermCancelsARunningScanAndRecordsIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let slowNmap = folder.appendingPathComponent("slow-nmap.sh")
        try "#!/bin/sh\nexec sleep 120\n".write(to: slowNmap, atomically: true, encoding: .utf8)
        chmod(slowNmap.path, 0o755)
        let db = folder.appendingPathComponent("argus.db").path
        var status: Int32 = 0
        let key = try await Self.makeKey(db: db, folder: folder)
        let port = Self.freePort()
        setenv("ARGUS_NMAP", slowNmap.path, 1)
        // The network the scan may reach (the scan scope): this machine's loopback address.
        setenv("ARGUS_SUBNETS", "127.0.0.1", 1)
        defer {
            unsetenv("ARGUS_NMAP")
            unsetenv("ARGUS_SUBNETS")
        }
        let server = try Child(
            Self.binaries.appendingPathComponent("argus-server").path, ["--db", db, "--port", "\(port)"],
            log: folder.appendingPathComponent("server.log"))
        var stopped = false
        defer { if !stopped { _ = server.stop(SIGKILL) } }
        for _ in 0..<100 where !server.output.contains("listens on") { try await Task.sleep(for: .milliseconds(100)) }
        let (code, _, body) = try await Self.request(
            "POST", "http://127.0.0.1:\(port)/api/scans", headers: ["X-API-Key": key], body: ["subnet": "127.0.0.1", "scan_profile": "quick"])
        #expect(code == 202, "\(String(decoding: body, as: UTF8.self)) \(server.output)")
        let id = try #require(Self.object(body)["id"] as? Int)
        try await Task.sleep(for: .milliseconds(300))
        #expect(
            Self.object(try await Self.request("GET", "http://127.0.0.1:\(port)/api/scans/\(id)", headers: ["X-API-Key": key]).2)["status"] as? String
                == "running")
        let exit = server.stop(SIGTERM)
        stopped = true
        #expect(exit == 0, "\(server.output)")
        // The store says so: the scan was cancelled, not left running or marked interrupted.
        let check = try Child(
            Self.binaries.appendingPathComponent("argus-cli").path, ["scans", "--db", db], log: folder.appendingPathComponent("scans.log"))
        _ = waitpid(check.pid, &status, 0)
        #expect(check.output.contains("cancelled"), "\(check.output)")
    }

    /// Adds a user and an API key to a database with argus-cli, returning the key.
    static func makeKey(db: String, folder: URL) async throws -> String {
        let passwordFile = folder.appendingPathComponent("password")
        try "a long enough password\n".write(to: passwordFile, atomically: true, encoding: .utf8)
        let shell = try Child(
            "/bin/sh",
            [
                "-c",
                "'\(binaries.appendingPathComponent("argus-cli").path)' user add admin --password-stdin --db '\(db)' < '\(passwordFile.path)' && '\(binaries.appendingPathComponent("argus-cli").path)' apikey create live --db '\(db)'",
            ], log: folder.appendingPathComponent("key.log"))
        var status: Int32 = 0
        _ = waitpid(shell.pid, &status, 0)
        let key = shell.output.split(separator: "\n").first { $0.hasPrefix("argus_") }.map(String.init)
        return try #require(key, "\(shell.output)")
    }
}
