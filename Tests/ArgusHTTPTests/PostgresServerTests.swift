//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension LiveServerTests {
    static let postgresAvailable = PostgresTestServer.unavailableReason == nil

    /// One inventory on PostgreSQL behind two argus-server replicas: argus-cli creates the admin
    /// and a key in the database by its URL, a scan through one replica is read back through the
    /// other and through argus-cli, and both stop cleanly.
    @Test(
        .enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"),
        .enabled(if: postgresAvailable, Comment(rawValue: PostgresTestServer.unavailableReason ?? "")), .timeLimit(.minutes(3)))
    func twoReplicasShareOneInventoryOnPostgreSQL() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try await PostgresTestServer.shared.createDatabase()
        let key = try await Self.makeKey(db: database.url, folder: folder)
        let servicePort = Int.random(in: 30_000...39_999)
        let services = try Child(
            "/usr/bin/env", ["python3", Self.root.appendingPathComponent("Scripts/fake_services.py").path, "127.0.0.1", "\(servicePort):ssh-old"],
            log: folder.appendingPathComponent("services.log"))
        defer { _ = services.stop(SIGKILL) }
        setenv("ARGUS_SUBNETS", "127.0.0.1", 1)
        defer { unsetenv("ARGUS_SUBNETS") }
        var replicas: [(child: Child, base: String)] = []
        defer { for replica in replicas { _ = replica.child.stop(SIGKILL) } }
        for name in ["first", "second"] {
            let port = Self.freePort()
            let child = try Child(
                Self.binaries.appendingPathComponent("argus-server").path, ["--db", database.url, "--port", "\(port)"],
                log: folder.appendingPathComponent("\(name).log"))
            for _ in 0..<300 where !child.output.contains("listens on") { try await Task.sleep(for: .milliseconds(100)) }
            #expect(child.output.contains("listens on"), "\(child.output)")
            #expect(child.output.contains("the database is postgres://"), "\(child.output)")
            replicas.append((child, "http://127.0.0.1:\(port)"))
        }

        let (code, _, body) = try await Self.request(
            "POST", "\(replicas[0].base)/api/scans", headers: ["X-API-Key": key],
            body: ["subnet": "127.0.0.1", "scan_profile": "quick", "port_range": "\(servicePort)"])
        #expect(code == 202, "\(String(decoding: body, as: UTF8.self)) \(replicas[0].child.output)")
        let scanID = try #require(Self.object(body)["id"] as? Int)
        var status = ""
        for _ in 0..<600 {
            // The other replica sees the scan's progress in the shared database.
            status =
                Self.object(try await Self.request("GET", "\(replicas[1].base)/api/scans/\(scanID)", headers: ["X-API-Key": key]).2)["status"]
                as? String ?? ""
            if status == "completed" || status == "failed" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == "completed", "\(replicas[0].child.output)")
        let devices = Self.object(try await Self.request("GET", "\(replicas[1].base)/api/devices", headers: ["X-API-Key": key]).2)
        let device = try #require((devices["items"] as? [[String: Any]])?.first, "\(devices)")
        #expect(device["ip_address"] as? String == "127.0.0.1")
        let id = try #require(device["id"] as? Int)
        let detail = Self.object(try await Self.request("GET", "\(replicas[1].base)/api/devices/\(id)", headers: ["X-API-Key": key]).2)
        let ports = try #require(detail["ports"] as? [[String: Any]])
        #expect(ports.contains { $0["port_number"] as? Int == servicePort && $0["state"] as? String == "open" }, "\(ports)")
        for replica in replicas {
            #expect(try await Self.request("GET", "\(replica.base)/health").0 == 200)
        }

        // argus-cli reads the same inventory by the database's URL.
        let cli = try Child(
            Self.binaries.appendingPathComponent("argus-cli").path, ["devices", "--db", database.url], log: folder.appendingPathComponent("cli.log"))
        var cliStatus: Int32 = 0
        _ = waitpid(cli.pid, &cliStatus, 0)
        #expect(cliStatus == 0 && cli.output.contains("127.0.0.1"), "\(cli.output)")

        for replica in replicas {
            #expect(replica.child.stop(SIGTERM) == 0, "\(replica.child.output)")
        }
        replicas = []
    }

    /// A PostgreSQL URL that cannot be read stops argus-server with status 2 and says why; one
    /// whose server cannot be reached with status 1; neither says the password.
    @Test(.timeLimit(.minutes(2)))
    func aBadOrUnreachablePostgreSQLURLIsRefusedWithoutThePassword() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-pg-url-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        func run(_ url: String, _ name: String) throws -> (status: Int32, output: String) {
            let child = try Child(
                Self.binaries.appendingPathComponent("argus-server").path, ["--db", url, "--port", "\(Self.freePort())"],
                log: folder.appendingPathComponent("\(name).log"))
            var status: Int32 = 0
            _ = waitpid(child.pid, &status, 0)
            return ((status >> 8) & 0xff, child.output)
        }
        let malformed = try run("postgres://s3cret-word@127.0.0.1:5432", "malformed")
        #expect(malformed.status == 2 && malformed.output.contains("names no database"), "\(malformed)")
        #expect(!malformed.output.contains("s3cret-word"))
        // Port 9 of loopback: nothing listens there.
        let unreachable = try run("postgres://argus:s3cret-word@127.0.0.1:9/argus", "unreachable")
        #expect(unreachable.status == 1 && unreachable.output.contains("cannot be reached"), "\(unreachable)")
        #expect(!unreachable.output.contains("s3cret-word"))
    }
}
