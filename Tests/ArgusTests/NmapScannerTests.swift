//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Banner services on 127.0.0.1 for the duration of a test (Scripts/fake_services.py).
final class LoopbackServices {
    let process = Process()
    let ports: [String: Int]

    init(_ kinds: [String]) throws {
        var chosen: [String: Int] = [:]
        for kind in kinds { chosen[kind] = Int.random(in: 30_000...39_999) }
        ports = chosen
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/fake_services.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "127.0.0.1"] + chosen.map { "\($0.value):\($0.key)" }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // "ready" once every port listens.
        let ready = output.fileHandleForReading.availableData
        guard String(decoding: ready, as: UTF8.self).contains("ready") else {
            throw ScanError(.nmapFailed, "the test services did not start")
        }
    }

    deinit {
        // SIGKILL: a child started from a concurrency thread may have SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// True when nmap is installed (Scripts/setup.sh installs it; CI always has it).
let nmapInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/nmap")

/// Processes whose command line contains `marker`.
func processes(containing marker: String) -> Int {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.count { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(marker)
    }
}

@Suite struct NmapScannerTests {
    @Test func argumentsAreAVectorWithTargetsAfterTheOptions() throws {
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/28"], excluding: ["192.0.2.1"]), profile: .normal, resolvesNames: false)
        let unprivileged = NmapScanner(privileged: false).arguments(for: request)
        #expect(unprivileged.arguments.prefix(4) == ["-sT", "-p", "1-1000", "-sV"])
        #expect(!unprivileged.arguments.contains("-O"))
        #expect(unprivileged.notices.first?.contains("without OS detection") == true)
        #expect(
            unprivileged.arguments.suffix(4) == ["192.0.2.1", "--", "192.0.2.0/28"].suffix(4)
                || unprivileged.arguments.suffix(3) == ["192.0.2.1", "--", "192.0.2.0/28"])
        #expect(unprivileged.arguments.contains("-n"))
        #expect(unprivileged.arguments.contains("-oX"))
        let privileged = NmapScanner(privileged: true).arguments(for: ScanRequest(targets: try ScanTargetList(["192.0.2.7"]), profile: .intensive))
        #expect(privileged.arguments.prefix(4) == ["-sS", "-p-", "-sV", "-sC"])
        #expect(privileged.arguments.contains("-O") && privileged.arguments.contains("--traceroute"))
        #expect(privileged.notices.isEmpty)
        #expect(!privileged.arguments.contains("-n"))
        #expect(privileged.arguments.last == "192.0.2.7")
        #expect(privileged.arguments[privileged.arguments.count - 2] == "--")
        let quick = ScanProfile.quick.nmapArguments(privileged: false)
        #expect(quick.arguments == ["-sn", "-T4"])
        #expect(quick.notices.isEmpty)
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func scansLoopbackServicesAndStreamsTheirHosts() async throws {
        let services = try LoopbackServices(["ssh-old", "http"])
        let ssh = services.ports["ssh-old"]!
        let http = services.ports["http"]!
        let profile = ScanProfile(
            name: "test", ports: .list([ssh...ssh, http...http, 1...1]), detectsServices: true, skipsDiscovery: true, timing: 4)
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), profile: profile, resolvesNames: false, timeout: .seconds(120))
        var events: [ScanEvent] = []
        for try await event in NmapScanner().scan(request) {
            events.append(event)
        }

        guard case .started(let header) = events.first(where: { if case .degraded = $0 { false } else { true } }) else {
            Issue.record("the first event is not .started: \(events.first.map { "\($0)" } ?? "none")")
            return
        }
        #expect(header.arguments?.contains("-oX -") == true)
        guard case .finished(let run) = events.last else {
            Issue.record("the last event is not .finished")
            return
        }
        #expect(run.isComplete)
        let hosts = events.compactMap { if case .host(let host) = $0 { host } else { nil } }
        #expect(hosts.count == 1)
        let host = try #require(hosts.first)
        #expect(host.ipv4 == "127.0.0.1")
        #expect(host.ports.first { $0.number == ssh }?.service?.product == "OpenSSH")
        #expect(host.ports.first { $0.number == http }?.state.state == .open)
        #expect(host.ports.first { $0.number == 1 }?.state.state == .closed)
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func cancellingAScanStopsNmap() async throws {
        let marker = "127.0.99.\(Int.random(in: 1...254))"
        let slow = ScanProfile(name: "slow", ports: .all, skipsDiscovery: true, timing: 0)
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"], excluding: [marker]), profile: slow, resolvesNames: false)
        let scan = Task {
            var sawFinish = false
            for try await event in NmapScanner().scan(request) {
                if case .finished = event { sawFinish = true }
            }
            return sawFinish
        }
        // Wait for nmap to run, then cancel. On two cores with the whole suite running in
        // parallel, nmap has been seen to take 12 s to appear: allow a minute.
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while processes(containing: marker) == 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(processes(containing: marker) > 0, "nmap did not start")
        scan.cancel()
        // A cancelled consumer sees the stream end, never a finished scan.
        let finished = try await scan.value
        #expect(!finished)
        // SIGTERM, then SIGKILL after two seconds: gone within a few seconds.
        let gone = clock.now + .seconds(10)
        while processes(containing: marker) > 0 && clock.now < gone { try await Task.sleep(for: .milliseconds(50)) }
        #expect(processes(containing: marker) == 0, "nmap still runs after the scan was cancelled")
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func aScanThatRunsTooLongIsStopped() async throws {
        let marker = "127.0.98.\(Int.random(in: 1...254))"
        let slow = ScanProfile(name: "slow", ports: .all, skipsDiscovery: true, timing: 0)
        let request = ScanRequest(
            targets: try ScanTargetList(["127.0.0.1"], excluding: [marker]), profile: slow, resolvesNames: false, timeout: .seconds(2))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect {
            for try await _ in NmapScanner().scan(request) {}
        } throws: { error in
            (error as? ScanError)?.code == .timedOut
        }
        // A -T0 scan of every port would take days; stopped, it ends within seconds (generous for a loaded machine).
        #expect(clock.now - start < .seconds(60))
        let gone = clock.now + .seconds(10)
        while processes(containing: marker) > 0 && clock.now < gone { try await Task.sleep(for: .milliseconds(50)) }
        #expect(processes(containing: marker) == 0)
    }

    @Test func aMissingNmapSaysWhatToInstall() async throws {
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), profile: .quick, resolvesNames: false)
        await #expect {
            for try await _ in NmapScanner(executable: "/nonexistent/nmap").scan(request) {}
        } throws: { error in
            (error as? ScanError)?.code == .nmapMissing && "\(error)".contains("apt-get install nmap")
        }
    }
}

extension NmapScannerTests {
    /// nmap sees none of this process's environment but `PATH` (and `NMAPDIR` when set): a
    /// secret in the server's variables never reaches nmap or its scripts. Its command line
    /// has no `--webxml`, and `-n` unless names are to be resolved.
    @Test func nmapRunsWithAScrubbedEnvironmentAndNoWebXML() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let script = folder.appendingPathComponent("nmap")
        // A stand-in nmap: writes its environment and arguments, then an empty, complete run.
        try """
        #!/bin/sh
        env > "\(folder.path)/env"
        printf '%s\\n' "$@" > "\(folder.path)/arguments"
        printf '<?xml version="1.0"?>\\n<nmaprun scanner="nmap" args="nmap" start="1700000000" version="7.94"><runstats><finished time="1700000001" exit="success"/><hosts up="0" down="1" total="1"/></runstats></nmaprun>\\n'
        """.write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        setenv("ARGUS_TEST_SECRET", "hunter2-not-for-nmap", 1)
        setenv("NMAPDIR", folder.path, 1)
        defer {
            unsetenv("ARGUS_TEST_SECRET")
            unsetenv("NMAPDIR")
        }
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), profile: .quick, resolvesNames: false)
        for try await _ in NmapScanner(executable: script.path).scan(request) {}
        let environment = try String(contentsOf: folder.appendingPathComponent("env"), encoding: .utf8)
        let names = Set(environment.split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        // The shell adds PWD (and may add SHLVL and _) itself.
        #expect(names.subtracting(["PATH", "NMAPDIR", "PWD", "SHLVL", "_"]).isEmpty, "\(names)")
        #expect(names.contains("PATH") && environment.contains("NMAPDIR=\(folder.path)"))
        #expect(!environment.contains("hunter2"))
        let arguments = try String(contentsOf: folder.appendingPathComponent("arguments"), encoding: .utf8).split(separator: "\n")
        #expect(!arguments.contains("--webxml") && arguments.contains("-n"), "\(arguments)")
        #expect(
            !NmapScanner().arguments(for: ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), resolvesNames: false)).arguments.contains(
                "--webxml"))
        #expect(!NmapScanner().arguments(for: ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), resolvesNames: true)).arguments.contains("-n"))
        #expect(NmapScanner.environment(path: nil, nmapDirectory: "") == ["PATH": "/usr/local/bin:/usr/bin:/bin"])
    }
}
