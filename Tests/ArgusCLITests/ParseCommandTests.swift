//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Testing

/// Runs the built `argus-cli` binary, as a user would.
struct CLI {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The binary next to the test bundle, or `ARGUS_CLI` when set.
    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["ARGUS_CLI"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if directory.lastPathComponent == "MacOS" {  // inside an .xctest bundle
            directory = directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        }
        return directory.appendingPathComponent("argus-cli")
    }

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ArgusTests/Fixtures")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent("\(name).xml").path }

    /// Runs argus-cli with `arguments`; with `direct`, runs `arguments[0]` itself.
    static func run(_ arguments: [String], input: Data? = nil, direct: Bool = false) throws -> Result {
        let process = Process()
        process.executableURL = direct ? URL(fileURLWithPath: arguments[0]) : executable
        process.arguments = direct ? Array(arguments.dropFirst()) : arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        let inputPipe = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(input)
            try inputPipe.fileHandleForWriting.close()
        }
        // Read both pipes before waiting so a large output cannot block the child.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }
}

@Suite struct ParseCommandTests {
    @Test func summarisesAScan() throws {
        let result = try CLI.run(["parse", CLI.fixture("mac")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("10.213.0.2  MAC 00:1B:21:3A:4B:5C Intel Corporate"))
        #expect(result.standardOutput.contains("22022/tcp"))
        #expect(result.standardOutput.contains("OpenSSH 7.4p1 Debian 10+deb9u7 (protocol 2.0)"))
        #expect(result.standardOutput.contains("Hosts: 1 up, 1 down (2 read)"))
        #expect(result.standardOutput.contains("Services: http 1, ssh 1"))
        #expect(!result.standardOutput.contains("10.213.0.3"))
        #expect(result.standardError.isEmpty)
        let all = try CLI.run(["parse", "--all", CLI.fixture("mac")])
        #expect(all.standardOutput.contains("10.213.0.3  down"))
    }

    @Test func printsEveryFieldAsJSON() throws {
        let result = try CLI.run(["parse", "--json", CLI.fixture("dtd-coverage")])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let hosts = try #require(object["hosts"] as? [[String: Any]])
        #expect(hosts.count == 3)
        let run = try #require(object["run"] as? [String: Any])
        #expect(run["profileName"] as? String == "Intense scan")
        #expect(run["startTime"] as? String == "2023-11-14T22:13:20Z")
        let ports = try #require(hosts[0]["ports"] as? [[String: Any]])
        #expect((ports[0]["service"] as? [String: Any])?["version"] as? String == "8.9p1 Ubuntu 3ubuntu0.6")
    }

    @Test func readsStandardInput() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("range")))
        let result = try CLI.run(["parse", "-"], input: data)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Hosts: 6 up, 0 down (6 read)"))
    }

    @Test func aTruncatedScanIsShownAndExitsTwo() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("range")))
        let cut = data.prefix(data.count * 2 / 3)
        let result = try CLI.run(["parse", "-"], input: cut)
        #expect(result.status == 2)
        #expect(result.standardOutput.contains("127.0.0.1"))
        #expect(result.standardError.contains("warning: the scan is incomplete: the output ends early at line"))
    }

    @Test func badInputIsAClearErrorAndExitsOne() throws {
        let garbage = try CLI.run(["parse", "-"], input: Data([0x7F, 0x45, 0x4C, 0x46, 0, 1, 2]))
        #expect(garbage.status == 1)
        #expect(garbage.standardError.hasPrefix("argus-cli: standard input: line 1, column"))
        let html = try CLI.run(["parse", "-"], input: Data("<html/>".utf8))
        #expect(html.status == 1)
        #expect(html.standardError.contains("not nmap XML output"))
        let missing = try CLI.run(["parse", "/nonexistent/scan.xml"])
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("cannot open /nonexistent/scan.xml: No such file or directory"))
        let json = try CLI.run(["parse", "--json", "-"], input: Data("<nmaprun><host>".utf8 + [0xFF, 0xFE] + "</host></nmaprun>".utf8))
        #expect(json.status == 1)
        // Even a failed --json run leaves well-formed JSON behind.
        #expect((try? JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8))) != nil)
    }

    @Test func helpExplainsExitStatus() throws {
        let result = try CLI.run(["parse", "--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("argus-cli parse"))
        let words = result.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("the exit status is 2"))
    }
}

@Suite struct DiffCommandTests {
    @Test func reportsDeviceAwareChangesAndExitsThree() throws {
        let result = try CLI.run(["diff", CLI.fixture("range"), CLI.fixture("services")])
        #expect(result.status == 3, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(
            lines.contains {
                $0.hasPrefix("info    service_changed") && $0.contains("port 22022/tcp changed from unknown to ssh OpenSSH 7.4p1 Debian 10+deb9u7.")
            })
        // The newer scan targeted 127.0.0.1 only: the five other hosts of the older one are
        // outside what it covered, so they are not reported gone.
        #expect(lines.filter { $0.contains("device_removed") }.isEmpty, "\(result.standardOutput)")
        // Judged as a scan is: the versions found bring known vulnerabilities and the risk.
        #expect(lines.contains { $0.hasPrefix("warning new_cve") && $0.contains("CVE-2011-2523 applies to a service on 127.0.0.1.") })
        #expect(lines.contains { $0.hasPrefix("critical risk_changed") && $0.contains("The risk of 127.0.0.1 rose from none to critical.") })
        #expect(lines.last == "11 changes")
        let json = try CLI.run(["diff", "--json", CLI.fixture("range"), CLI.fixture("mac")])
        let changes = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [[String: Any]])
        #expect(changes.first?["kind"] as? String == "device_added")
        #expect(changes.first?["mac"] as? String == "00:1B:21:3A:4B:5C")
        #expect(changes.contains { $0["kind"] as? String == "port_opened" && $0["port"] as? Int == 22022 })
    }

    @Test func devicesTheNewerScanCoveredAndMissedAreGone() throws {
        // The same scan of 127.0.0.1-6 again, without 127.0.0.4 and 127.0.0.5.
        let text = try String(contentsOfFile: CLI.fixture("range"), encoding: .utf8)
        let hosts = try Regex(#"<host [^>]*>(?:(?!</host>)[\s\S])*?addr="127\.0\.0\.[45]"[\s\S]*?</host>\n?"#)
        let later = temporaryFolder().appendingPathComponent("later.xml")
        try text.replacing(hosts, with: "").write(to: later, atomically: true, encoding: .utf8)
        let result = try CLI.run(["diff", CLI.fixture("range"), later.path])
        #expect(result.status == 3, "\(result.standardError)")
        let removed = result.standardOutput.split(separator: "\n").filter { $0.contains("device_removed") }
        #expect(removed.count == 2 && removed.allSatisfy { $0.contains("127.0.0.4") || $0.contains("127.0.0.5") }, "\(result.standardOutput)")
        #expect(result.standardOutput.hasSuffix("2 changes\n"))
    }

    @Test func identicalScansHaveNoChanges() throws {
        let result = try CLI.run(["diff", CLI.fixture("range"), CLI.fixture("range")])
        #expect(result.status == 0)
        #expect(result.standardOutput == "0 changes\n")
        let missing = try CLI.run(["diff", CLI.fixture("range"), "/nonexistent.xml"])
        #expect(missing.status == 1 && missing.standardError.contains("cannot open /nonexistent.xml"))
    }
}

@Suite struct ScanCommandTests {
    @Test func badTargetsAndProfilesAreRefusedBeforeNmapRuns() throws {
        let db = temporaryFolder().appendingPathComponent("argus.db").path
        let injection = try CLI.run(["scan", "--db", db, "--", "192.0.2.1;reboot"])
        #expect(injection.status == 1)
        #expect(injection.standardError.contains("';' is not allowed"))
        let option = try CLI.run(["scan", "--db", db, "--", "-oN"])
        #expect(option.status == 1 && option.standardError.contains("cannot start with '-'"))
        let tooMany = try CLI.run(["scan", "--db", db, "10.0.0.0/8"])
        #expect(tooMany.status == 1 && tooMany.standardError.contains("the limit is 65536"))
        let profile = try CLI.run(["scan", "--db", db, "--profile", "turbo", "127.0.0.1"])
        #expect(profile.status == 1 && profile.standardError.contains("unknown profile turbo"))
        let ports = try CLI.run(["scan", "--db", db, "--ports", "443-80", "127.0.0.1"])
        #expect(ports.status == 1 && ports.standardError.contains("runs backwards"))
    }
}
