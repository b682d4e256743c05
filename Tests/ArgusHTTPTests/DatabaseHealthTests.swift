//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusSQLite
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// argus-server and its database's state: a damaged or unwritable file is refused at start with
/// what to do, damage met while running turns `/health` to 503 and stops the serving, and no
/// answer or start message names the file.
@Suite(.serialized) struct DatabaseHealthTests {
    typealias Live = LiveServerTests

    /// A database of twenty scans of fifty devices, closed, with no WAL left beside it.
    static func makeDatabase(in folder: URL) async throws -> String {
        let path = folder.appendingPathComponent("argus.db").path
        do {
            let store = try SQLiteDeviceStore(path: path)
            for index in 1...20 {
                let scan = try await store.createScan(
                    NewScan(
                        kind: .network, profile: "normal", targets: ["192.0.2.0/24"], status: .running,
                        createdAt: Date(timeIntervalSince1970: Double(index) * 86_400)))
                let devices = (1...50).map {
                    DeviceUpdate(
                        ip: "192.0.2.\($0)",
                        ports: [
                            ObservedPort(protocol: .tcp, number: 22, state: .open), ObservedPort(protocol: .tcp, number: 80 + index, state: .open),
                        ])
                }
                _ = try await store.record(
                    ScanResult(scanID: scan.id, finishedAt: Date(timeIntervalSince1970: Double(index) * 86_400 + 60), devices: devices))
            }
        }
        return path
    }

    /// Overwrites every page after the first (the header and the start of the schema) from
    /// `offset` on with garbage.
    static func damage(_ path: String, from offset: Int) throws {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: size - offset))
        try handle.close()
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-health-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs argus-server until it exits (at most 20 s); its status and output.
    static func runToExit(_ arguments: [String], asNobody: Bool = false, folder: URL) async throws -> (Int32, String) {
        let server = Live.binaries.appendingPathComponent("argus-server").path
        let child =
            asNobody
            ? try Live.Child(
                "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", server] + arguments,
                log: folder.appendingPathComponent("exit.log"))
            : try Live.Child(server, arguments, log: folder.appendingPathComponent("exit.log"))
        var status: Int32 = 0
        for _ in 0..<200 {
            if waitpid(child.pid, &status, WNOHANG) == child.pid { return ((status >> 8) & 0xFF, child.output) }
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = child.stop(SIGKILL)
        Issue.record("argus-server did not exit: \(child.output)")
        return (-1, child.output)
    }

    @Test(.timeLimit(.minutes(2)))
    func aDamagedDatabaseStopsTheStartWithWhatToDo() async throws {
        let folder = try Self.folder()
        let db = try await Self.makeDatabase(in: folder)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: db)[.size] as? Int)
        try Self.damage(db, from: size / 2)
        let (status, output) = try await Self.runToExit(["--db", db, "--port", "\(Live.freePort())"], folder: folder)
        #expect(status == 1, "\(output)")
        #expect(output.contains("damaged") && output.contains("restore it from a backup") && output.contains(".recover"), "\(output)")
        #expect(!output.contains("listens on"), "\(output)")
        #expect(!output.contains(folder.path), "the message names the file: \(output)")
    }

    @Test(.timeLimit(.minutes(2)))
    func aReadOnlyDatabaseStopsTheStart() async throws {
        let folder = try Self.folder()
        let db = try await Self.makeDatabase(in: folder)
        chmod(db, 0o444)
        // Only the file is read-only; root writes anything, so it runs as nobody then.
        chmod(folder.path, 0o777)
        let (status, output) = try await Self.runToExit(["--db", db, "--port", "\(Live.freePort())"], asNobody: getuid() == 0, folder: folder)
        #expect(status == 1, "\(output)")
        #expect(output.contains("cannot be written") && output.contains("write access"), "\(output)")
        #expect(!output.contains(folder.path), "the message names the file: \(output)")
    }

    @Test(.timeLimit(.minutes(2)))
    func damageMetWhileServingTurnsHealthTo503AndStopsServing() async throws {
        let folder = try Self.folder()
        let db = try await Self.makeDatabase(in: folder)
        let key = try await Live.makeKey(db: db, folder: folder)
        let port = Live.freePort()
        let server = try Live.Child(
            Live.binaries.appendingPathComponent("argus-server").path, ["--db", db, "--port", "\(port)"],
            log: folder.appendingPathComponent("server.log"))
        defer { _ = server.stop(SIGKILL) }
        for _ in 0..<100 where !server.output.contains("listens on") { try await Task.sleep(for: .milliseconds(100)) }
        let base = "http://127.0.0.1:\(port)"
        let healthy = try await Live.request("GET", "\(base)/health")
        #expect(healthy.0 == 200 && Live.object(healthy.2)["status"] as? String == "healthy")

        try Self.damage(db, from: 4096)
        // Reads of pages the server has not cached meet the damage.
        var answers: [(Int, String)] = []
        for path in ["/api/devices?limit=1000", "/api/changes?limit=1000", "/api/device-history", "/api/devices/25", "/api/scans?limit=100"] {
            let (code, _, body) = try await Live.request("GET", base + path, headers: ["X-API-Key": key])
            answers.append((code, String(decoding: body, as: UTF8.self)))
        }
        #expect(answers.contains { $0.0 == 503 }, "\(answers)")
        for (code, body) in answers {
            #expect(code == 200 || code == 503, "\(code) \(body)")
            #expect(!body.contains(folder.path) && !body.contains("argus.db"), "an answer names the file: \(body)")
        }

        let (healthCode, _, healthBody) = try await Live.request("GET", "\(base)/health")
        #expect(healthCode == 503)
        let health = Live.object(healthBody)
        #expect(health["status"] as? String == "unhealthy")
        #expect((health["reason"] as? String)?.contains("damaged") == true, "\(health)")
        #expect(!String(decoding: healthBody, as: UTF8.self).contains(folder.path))

        // Nothing more is written into the damaged file: sign-in is refused too.
        let (loginCode, _, loginBody) = try await Live.request(
            "POST", "\(base)/api/login", body: ["username": "admin", "password": "a long enough password"])
        #expect(loginCode == 503, "\(String(decoding: loginBody, as: UTF8.self))")
        #expect(!server.output.contains(folder.path), "the log names the file: \(server.output)")
    }
}
