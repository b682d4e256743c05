//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation

#if canImport(Glibc)
    import Glibc
#endif
// With PostgresNIO in the package graph, the compiler takes sockaddr_in's members from NIO's
// C module (which includes the same glibc headers); MemberImportVisibility then wants it imported.
#if canImport(CNIOLinux)
    import CNIOLinux
#endif

/// A child process for the tests (posix_spawn: Foundation's Process can miss exits in async
/// tests), its standard output and error in `log`.
struct Helper {
    let pid: pid_t
    let log: URL
    /// A folder to delete when the process is stopped (a server's scratch files).
    let ownedFolder: URL?

    init(_ arguments: [String], log: URL, owning ownedFolder: URL? = nil) throws {
        self.log = log
        self.ownedFolder = ownedFolder
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        guard posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw TestFailure("cannot start \(arguments[0])")
        }
        self.pid = pid
    }

    private init(pid: pid_t, log: URL, ownedFolder: URL?) {
        self.pid = pid
        self.log = log
        self.ownedFolder = ownedFolder
    }

    /// The same process, deleting `folder` when stopped.
    func owning(_ folder: URL) -> Helper {
        Helper(pid: pid, log: log, ownedFolder: folder)
    }

    /// Kills the process, reaps it, and deletes its folder.
    func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        if let ownedFolder { try? FileManager.default.removeItem(at: ownedFolder) }
    }

    /// Waits for the process to exit, at most `timeout` (then kills it); its exit status, or
    /// `nil` when it was killed.
    func wait(timeout: Duration = .seconds(90)) async throws -> Int32? {
        let end = ContinuousClock.now + timeout
        var status: Int32 = 0
        while ContinuousClock.now < end {
            if waitpid(pid, &status, WNOHANG) == pid {
                return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : nil
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        stop()
        return nil
    }

    /// What it printed so far.
    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Runs a command to its end; its output.
    /// - Throws: when it exits with another status than `0` (or one of `allowing`).
    @discardableResult
    static func run(_ arguments: [String], in folder: URL, allowing: Set<Int32> = [0], timeout: Duration = .seconds(90)) async throws -> String {
        let log = folder.appendingPathComponent("run-\(UUID().uuidString).log")
        let process = try Helper(arguments, log: log)
        let status = try await process.wait(timeout: timeout)
        guard let status, allowing.contains(status) else {
            throw TestFailure("\(arguments.joined(separator: " ")) failed (\(status.map { "exit \($0)" } ?? "killed")): \(process.output)")
        }
        return process.output
    }

    /// Waits until the log contains `text`; whether it did within `timeout`.
    @discardableResult
    func waitForOutput(_ text: String, timeout: Duration = .seconds(15)) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if output.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// A failure in the tests' own set-up.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The test environment: folders, ports, certificates, and which tools exist.
enum Environment {
    /// This folder (the scripts beside the tests).
    static let testsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// Debian's Python, which has python3-aiosmtpd (not the pyenv one on the PATH).
    static let python = "/usr/bin/python3"

    /// A new empty folder under the temporary directory.
    static func folder(_ label: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A TCP port on 127.0.0.1 that nothing uses now: a random one below the kernel's ephemeral
    /// range (which hands a just-released port out again, to tests running in parallel, and to
    /// outgoing connections).
    static func freePort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("no socket") }
            defer { close(fd) }
            var address = Glibc.sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 { return port }
        }
        throw TestFailure("no free port on 127.0.0.1")
    }

    /// A self-signed certificate for 127.0.0.1 (its key beside it), made with openssl.
    static func certificate(in folder: URL) async throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        try await Helper.run(
            [
                "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key, "-out", certificate,
            ], in: folder)
        return (certificate, key)
    }

    /// Waits until something accepts TCP connections on 127.0.0.1:`port`; whether it did within
    /// `timeout`.
    static func waitForListener(on port: Int, timeout: Duration = .seconds(15)) async throws -> Bool {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("no socket") }
            var address = Glibc.sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if connected == 0 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// Whether an executable exists.
    static func has(_ path: String) -> Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Whether Debian's Python has aiosmtpd.
    static let hasAiosmtpd: Bool = {
        guard has(python) else { return false }
        return runSynchronously([python, "-c", "import aiosmtpd.controller"]) == 0
    }()

    /// Whether mosquitto and its command-line clients are installed.
    static let hasMosquitto =
        has("/usr/sbin/mosquitto") && has("/usr/bin/mosquitto_passwd") && has("/usr/bin/mosquitto_sub") && has("/usr/bin/mosquitto_pub")

    /// Whether openssl is installed.
    static let hasOpenSSL = has("/usr/bin/openssl")

    /// Runs a command to its end and returns its exit status (for the traits' conditions).
    private static func runSynchronously(_ arguments: [String]) -> Int32 {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }

    /// The test server for protocol errors (`fake_server.py`), started in `mode` on a free port.
    static func fakeServer(_ mode: String, in folder: URL) async throws -> (Helper, Int) {
        try await startServer(in: folder, label: "fake-\(mode)") { port in
            [python, testsFolder.appendingPathComponent("fake_server.py").path, mode, "\(port)"]
        }
    }

    /// Starts a server that prints `LISTENING` when it accepts connections, on a free port;
    /// tries another port when the first is taken meanwhile.
    static func startServer(in folder: URL, label: String, _ arguments: (Int) -> [String]) async throws -> (Helper, Int) {
        var output = ""
        for attempt in 1...3 {
            let port = try freePort()
            let server = try Helper(arguments(port), log: folder.appendingPathComponent("\(label)-\(attempt).log"))
            // A Python server that failed (its port taken meanwhile) prints a traceback.
            for _ in 0..<300 where !server.output.contains("LISTENING") && !server.output.contains("Traceback") {
                try await Task.sleep(for: .milliseconds(50))
            }
            if server.output.contains("LISTENING") {
                return (server.owning(folder), port)
            }
            output = server.output
            server.stop()
        }
        try? FileManager.default.removeItem(at: folder)
        throw TestFailure("\(label) did not start: \(output)")
    }
}
