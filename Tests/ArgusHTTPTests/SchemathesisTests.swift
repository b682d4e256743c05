//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The OpenAPI document against the running server: schemathesis (the version in
/// Tests/Schemathesis/requirements.txt) generates requests for every operation from the
/// document and fails on any 5xx, any status the document does not list for the operation, and
/// any answer whose body, content type or headers do not match it.
///
/// The server runs on 127.0.0.1 with a stand-in nmap that scans nothing, and the operations that
/// send traffic elsewhere (scans, a sink's test send) are left out, so nothing leaves the
/// machine whatever the generated data says (a schedule or a changed network included).
@Suite(.serialized) struct SchemathesisTests {
    typealias Live = LiveServerTests

    /// schemathesis's `st`: the virtual environment Scripts/setup.sh --for-tests makes, else `st`
    /// on `PATH`.
    static let executable: String? = {
        let local = Live.root.appendingPathComponent(".build/schemathesis/bin/st").path
        if FileManager.default.isExecutableFile(atPath: local) { return local }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/st" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Operations left out: they start scans or send to an alert sink's receiver.
    static let excluded = #"^/api/(scans|scan/trigger|scan/device/\{address\}|alerts/sinks/\{name\}/test)$"#

    @Test(
        .enabled(
            if: executable != nil,
            "schemathesis is not installed: run Scripts/setup.sh --for-tests (it installs Tests/Schemathesis/requirements.txt into .build/schemathesis)"
        ), .timeLimit(.minutes(5)))
    func theServerAnswersAsItsOpenAPIDocumentSays() async throws {
        let st = try #require(Self.executable)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-schemathesis-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // An nmap that scans nothing: an empty, complete run.
        let nmap = folder.appendingPathComponent("nmap")
        try #"""
        #!/bin/sh
        printf '%s' '<?xml version="1.0"?><nmaprun scanner="nmap" args="nmap" start="1700000000" version="7.94"><runstats><finished time="1700000001" exit="success"/><hosts up="0" down="0" total="0"/></runstats></nmaprun>'
        """#.write(to: nmap, atomically: true, encoding: .utf8)
        chmod(nmap.path, 0o755)
        let db = folder.appendingPathComponent("argus.db").path
        let key = try await Live.makeKey(db: db, folder: folder)
        let port = Live.freePort()
        setenv("ARGUS_NMAP", nmap.path, 1)
        setenv("ARGUS_SUBNETS", "127.0.0.1", 1)
        let server = try Live.Child(
            Live.binaries.appendingPathComponent("argus-server").path, ["--db", db, "--port", "\(port)", "--host", "127.0.0.1"],
            log: folder.appendingPathComponent("server.log"))
        unsetenv("ARGUS_NMAP")
        unsetenv("ARGUS_SUBNETS")
        defer { _ = server.stop(SIGKILL) }
        for _ in 0..<100 where !server.output.contains("listens on") { try await Task.sleep(for: .milliseconds(100)) }
        #expect(server.output.contains("listens on"), "\(server.output)")

        // The key goes in through the environment, not the command line; schemathesis works in
        // the test's folder (its cache and report stay out of the package).
        setenv("ARGUS_SCHEMATHESIS_KEY", key, 1)
        defer { unsetenv("ARGUS_SCHEMATHESIS_KEY") }
        let script =
            "cd \"$3\" && exec \"$0\" run \"$1\" -H \"X-API-Key: $ARGUS_SCHEMATHESIS_KEY\" --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance --exclude-path-regex \"$2\" --max-examples 20 --phases examples,coverage,fuzzing --no-shrink --workers 1 --report junit --report-dir report"
        let run = try Live.Child(
            "/bin/sh", ["-c", script, st, "http://127.0.0.1:\(port)/api/openapi.json", Self.excluded, folder.path],
            log: folder.appendingPathComponent("schemathesis.log"))
        var status: Int32 = 0
        while waitpid(run.pid, &status, 0) < 0 && errno == EINTR {}
        let output = run.output
        #expect(status == 0, "schemathesis found problems (report in \(folder.path)):\n\(output.suffix(6_000))")
        #expect(output.contains(" passed"), "\(output.suffix(2_000))")
        // Nothing was left out but what sends traffic elsewhere.
        #expect(output.contains("Selected: 47/52") || !output.contains("Selected:"), "\(output.suffix(2_000))")
    }
}
