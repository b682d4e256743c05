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

/// The end-to-end test on a private network of namespaces (Scripts/lab/lab.sh): real nmap, run
/// inside the lab's scanner namespace (no route off the machine), scans the lab, the lab
/// changes, nmap scans again, and the store must hold exactly the devices and changes.
let labAvailable =
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/nmap")
    && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/usr/bin/ip")
        || FileManager.default.isExecutableFile(atPath: "/sbin/ip"))

@Suite(.serialized) struct LabTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/lab")

    /// Runs lab.sh and waits for it (posix_spawn and waitpid: Foundation's Process can miss a
    /// child's exit when waited for from an async test).
    @discardableResult
    static func lab(_ arguments: String...) throws -> Int32 {
        let path = scripts.appendingPathComponent("lab.sh").path
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xFF
    }

    @Test(.enabled(if: labAvailable, "needs root, ip (iproute2) and nmap: the lab is made of network namespaces"), .timeLimit(.minutes(10)))
    func scanTheLabChangeItAndScanAgain() async throws {
        try Self.lab("down")
        defer { _ = try? Self.lab("down") }
        #expect(try Self.lab("up") == 0)
        // h1: an old OpenSSH and vsftpd 2.3.4; h2: a Synology with web and SMB; h3: an Epson printer.
        #expect(try Self.lab("host", "h1", "10.77.0.11", "00:1B:21:00:00:11", "22:ssh-old", "21:vsftpd") == 0)
        #expect(try Self.lab("host", "h2", "10.77.0.12", "00:11:32:00:00:12", "80:http", "445:smb") == 0)
        #expect(try Self.lab("host", "h3", "10.77.0.13", "00:00:48:00:00:13", "9100:echo") == 0)

        let store: any ArgusStore = InMemoryDeviceStore()
        let scanner = NmapScanner(executable: Self.scripts.appendingPathComponent("nmap-in-lab.sh").path, privileged: true)
        let monitor = Monitor(store: store, scanner: scanner)
        let profile = ScanProfile(
            name: "lab", ports: .list([21...23, 80...80, 445...445, 3389...3389, 9100...9100]), detectsServices: true, versionIntensity: 2, timing: 4)
        let request = ScanRequest(
            targets: try ScanTargetList(["10.77.0.0/24"], excluding: ["10.77.0.1"]), profile: profile, resolvesNames: false, timeout: .seconds(300))

        let first = try await monitor.scan(request)
        #expect(first.scan.status == .completed)
        #expect(first.newDevices == 3)
        let devices = try await store.devices(DeviceQuery()).items.map(\.device)
        #expect(devices.map(\.ip) == ["10.77.0.11", "10.77.0.12", "10.77.0.13"])
        #expect(devices.map(\.mac) == ["00:1B:21:00:00:11", "00:11:32:00:00:12", "00:00:48:00:00:13"])
        #expect(devices.map(\.vendor) == ["Intel Corporate", "Synology Incorporated", "Seiko Epson"])
        #expect(devices.map(\.deviceType) == [.unknown, .nas, .printer])
        // h1: ftp (high) 25 + ssh (medium) 10 + the confirmed vsftpd backdoor (CVSS 9.8) 10, and
        // that confirmed critical CVE makes it critical. h2: http 10 + smb 25 + 3 for each of the
        // two likely CVSS 9.8 flaws of its Apache 2.4.7 (Ubuntu). 9100 has no rule.
        #expect(devices.map(\.riskLevel) == [.critical, .high, .none])
        #expect(devices.map(\.riskScore) == [45, 41, 0])
        let web = try #require(try await store.assessment(of: devices[1].id))
        #expect(
            web.vulnerabilities.map { "\($0.id) \($0.port) \($0.confidence.rawValue)" } == [
                "CVE-2021-44790 80 likely", "CVE-2023-25690 80 likely", "CVE-2017-9798 80 likely",
            ])
        let assessment = try #require(try await store.assessment(of: devices[0].id))
        #expect(
            assessment.vulnerabilities.map { "\($0.id) \($0.port) \($0.confidence.rawValue)" } == [
                "CVE-2011-2523 21 confirmed",
                "CVE-2021-41617 22 likely", "CVE-2023-48795 22 likely", "CVE-2018-15473 22 likely",
            ])
        #expect(assessment.findings.map(\.port) == [21, 22])
        let h2 = try #require(try await store.history(of: devices[1].id, limit: 1).first)
        #expect(h2.openPorts.map(\.number) == [80, 445])
        let h1 = try #require(try await store.history(of: devices[0].id, limit: 1).first)
        #expect(h1.openPorts.map(\.number) == [21, 22])
        #expect(h1.openPorts.first { $0.number == 22 }?.product == "OpenSSH")
        #expect(h1.openPorts.first { $0.number == 22 }?.version == "7.4p1 Debian 10+deb9u7")
        #expect(h1.openPorts.first { $0.number == 21 }?.product == "vsftpd")
        #expect(h1.openPorts.first { $0.number == 21 }?.version == "2.3.4")

        // The lab changes: h1 closes FTP and opens telnet; h2 leaves; h3 moves and starts the
        // backdoored vsftpd; h4 joins.
        #expect(try Self.lab("remove", "h1") == 0)
        #expect(try Self.lab("host", "h1", "10.77.0.11", "00:1B:21:00:00:11", "22:ssh-old", "23:echo") == 0)
        #expect(try Self.lab("remove", "h2") == 0)
        #expect(try Self.lab("remove", "h3") == 0)
        #expect(try Self.lab("host", "h3", "10.77.0.23", "00:00:48:00:00:13", "9100:echo", "21:vsftpd") == 0)
        #expect(try Self.lab("host", "h4", "10.77.0.14", "00:1B:21:00:00:14", "80:http", "3389:rdp") == 0)

        let second = try await monitor.scan(request)
        #expect(second.scan.status == .completed)
        #expect(second.newDevices == 1)
        let changes = try await store.changes(ChangeQuery(scanID: second.scan.id)).items.reversed()
        let summary = changes.map { "\($0.kind.rawValue) \($0.ip ?? "-")\($0.port.map { ":\($0)" } ?? "")" }
        #expect(
            summary.sorted() == [
                "device_added 10.77.0.14",
                "device_removed 10.77.0.12",
                "ip_changed 10.77.0.23",
                "new_cve 10.77.0.23",
                "port_closed 10.77.0.11:21",
                "port_opened 10.77.0.11:23",
                "port_opened 10.77.0.14:3389",
                "port_opened 10.77.0.14:80",
                "port_opened 10.77.0.23:21",
                "risk_changed 10.77.0.23",
            ], "\(summary)")
        let moved = try #require(changes.first { $0.kind == .ipChanged })
        #expect(moved.oldValue == "10.77.0.13" && moved.newValue == "10.77.0.23")
        #expect(moved.deviceID == devices[2].id)
        let risen = try #require(changes.first { $0.kind == .riskChanged })
        #expect(risen.oldValue == "none" && risen.newValue == "critical" && risen.severity == .critical)
        #expect(changes.first { $0.kind == .newCVE }?.newValue == "CVE-2011-2523")
        // h1 stays critical: telnet (critical) replaced the backdoored FTP.
        #expect(try await store.device(devices[0].id)?.riskLevel == .critical)
        #expect(try await store.device(devices[0].id)?.riskScore == 50)
        #expect(try await store.device(devices[1].id)?.isOnline == false)
        #expect(try await store.device(devices[2].id)?.ip == "10.77.0.23")
        #expect(try await store.devices(DeviceQuery()).total == 4)
        // h4 has RDP open: a Windows desktop, at high risk (http 10 + rdp 25 + Apache's 6).
        let h4 = try #require(try await store.device(address: "10.77.0.14"))
        #expect(h4.deviceType == .desktop && h4.riskLevel == .high && h4.riskScore == 41)
    }
}
