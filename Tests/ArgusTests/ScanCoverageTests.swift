//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusTesting
import Foundation
import Testing

/// A small recorded nmap run of 192.0.2.0/29, written as nmap writes it.
struct TestRun {
    struct Host {
        var ip: String
        var mac: String?
        /// Open TCP ports, with a product and version when probed.
        var ports: [(number: Int, service: String, product: String?, version: String?)]
    }

    var arguments: String
    /// `<scaninfo services>`; nil for a host-discovery scan.
    var services: String?
    var start: Int
    var hosts: [Host]

    var xml: String {
        var text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <nmaprun scanner="nmap" args="\(arguments)" start="\(start)" version="7.93" xmloutputversion="1.05">

            """
        if let services { text += "<scaninfo type=\"syn\" protocol=\"tcp\" numservices=\"1\" services=\"\(services)\"/>\n" }
        for host in hosts {
            text += "<host starttime=\"\(start + 5)\" endtime=\"\(start + 50)\"><status state=\"up\" reason=\"arp-response\"/>\n"
            text += "<address addr=\"\(host.ip)\" addrtype=\"ipv4\"/>\n"
            if let mac = host.mac { text += "<address addr=\"\(mac)\" addrtype=\"mac\"/>\n" }
            text += "<ports>"
            for port in host.ports {
                let product = port.product.map { " product=\"\($0)\"" } ?? ""
                let version = port.version.map { " version=\"\($0)\"" } ?? ""
                let method = port.product == nil ? "table" : "probed"
                text +=
                    "<port protocol=\"tcp\" portid=\"\(port.number)\"><state state=\"open\" reason=\"syn-ack\"/><service name=\"\(port.service)\"\(product)\(version) method=\"\(method)\" conf=\"10\"/></port>\n"
            }
            text += "</ports></host>\n"
        }
        text += """
            <runstats><finished time="\(start + 60)" timestr="" elapsed="60" exit="success"/><hosts up="\(hosts.count)" down="\(8 - hosts.count)" total="8"/></runstats>
            </nmaprun>

            """
        return text
    }

    /// Writes the run to a new file; returns its path.
    func write() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("argus-coverage-\(UUID().uuidString).xml").path
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let dayOne = 1_795_900_000
    static let dayTwo = dayOne + 86_400

    /// Monday's full scan of ports 1-1000 with versions: three devices.
    static let monday = TestRun(
        arguments: "nmap -n -sV -p 1-1000 -oX - 192.0.2.0/29", services: "1-1000", start: dayOne,
        hosts: [
            Host(ip: "192.0.2.1", mac: "02:00:00:00:00:01", ports: [(22, "ssh", "OpenSSH", "9.6p1"), (80, "http", "nginx", "1.24.0")]),
            Host(ip: "192.0.2.2", mac: "02:00:00:00:00:02", ports: [(23, "telnet", nil, nil)]),
            Host(ip: "192.0.2.3", mac: "02:00:00:00:00:03", ports: [(443, "https", "nginx", "1.24.0")]),
        ])

    /// Tuesday's: port 80 closed and 443 opened on .1, .2 gone, .4 new.
    static let tuesday = TestRun(
        arguments: "nmap -n -sV -p 1-1000 -oX - 192.0.2.0/29", services: "1-1000", start: dayTwo,
        hosts: [
            Host(ip: "192.0.2.1", mac: "02:00:00:00:00:01", ports: [(22, "ssh", "OpenSSH", "9.6p1"), (443, "https", "nginx", "1.24.0")]),
            Host(ip: "192.0.2.3", mac: "02:00:00:00:00:03", ports: [(443, "https", "nginx", "1.24.0")]),
            Host(ip: "192.0.2.4", mac: "02:00:00:00:00:04", ports: [(21, "ftp", "vsftpd", "3.0.3")]),
        ])
}

/// The parts of a change that two pipelines must agree on.
struct ChangeFacts: Hashable, Comparable, CustomStringConvertible {
    var kind: String
    var ip: String?
    var port: Int?
    var old: String?
    var new: String?

    init(_ change: ChangeRecord) {
        (kind, ip, port, old, new) = (change.kind.rawValue, change.ip, change.port, change.oldValue, change.newValue)
    }

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
    var description: String { "\(kind) \(ip ?? "-") \(port.map(String.init) ?? "-") \(old ?? "-") → \(new ?? "-")" }
}

@Suite struct ScanCoverageTests {
    func changes(of scan: ScanID, in store: any DeviceStore) async throws -> [ChangeFacts] {
        try await store.changes(ChangeQuery(scanID: scan, limit: 1000)).items.map(ChangeFacts.init).sorted()
    }

    @Test func aRecordedCommandLineGivesTargetsExclusionsAndProbes() {
        var run = ScanRun()
        run.arguments = "/usr/bin/nmap -n -sV -O -p 22,80 --exclude 192.0.2.5,192.0.2.6 -oX out.xml --host-timeout 900s 192.0.2.0/29 198.51.100.7"
        run.scanInfo = [
            ScanInfo(type: "syn", protocol: "tcp", numberOfServices: 2, services: "22,80"),
            ScanInfo(type: "udp", protocol: "udp", numberOfServices: 1, services: "53"),
        ]
        let coverage = ScanCoverage(recordedRun: run)
        #expect(coverage.targets == ["192.0.2.0/29", "198.51.100.7"])
        #expect(coverage.exclusions == ["192.0.2.5", "192.0.2.6"])
        #expect(coverage.probesServices && coverage.probesOS && !coverage.runsScripts)
        #expect(coverage.covers(address: "192.0.2.3") && coverage.covers(address: "198.51.100.7"))
        #expect(!coverage.covers(address: "192.0.2.5") && !coverage.covers(address: "192.0.2.9") && !coverage.covers(address: "900s"))
        #expect(coverage.covers(port: 22, protocol: .tcp) && coverage.covers(port: 53, protocol: .udp))
        #expect(!coverage.covers(port: 53, protocol: .tcp) && !coverage.covers(port: 443, protocol: .tcp))

        run.arguments = "nmap -A -- 10.0.0.1"
        run.scanInfo = []
        let aggressive = ScanCoverage(recordedRun: run)
        #expect(aggressive.targets == ["10.0.0.1"] && aggressive.probesServices && aggressive.probesOS && aggressive.runsScripts)
        #expect(aggressive.isHostDiscovery, "no <scaninfo>: no port is known to be scanned")

        run.arguments = nil
        #expect(ScanCoverage(recordedRun: run).targets.isEmpty, "without a command line no address is covered")
        #expect(!ScanCoverage(recordedRun: run).covers(address: "10.0.0.1"))
    }

    @Test func aLiveScansCoverageIsItsRequestAndWhatNmapScanned() throws {
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/28"], excluding: ["192.0.2.9"]), profile: .normal)
        var run = ScanRun()
        run.scanInfo = [ScanInfo(type: "syn", protocol: "tcp", numberOfServices: 3, services: "22-23,80")]
        run.arguments = "nmap -sS -p 1-1000 -sV -O -T3 -- 192.0.2.0/28"
        let coverage = ScanCoverage(request: request, run: run)
        #expect(coverage.targets == ["192.0.2.0/28"] && coverage.exclusions == ["192.0.2.9"])
        #expect(coverage.ports == [ScanCoverage.Ports(protocol: .tcp, ranges: [22...23, 80...80])], "nmap's own report of the ports wins")
        #expect(coverage.probesServices && coverage.probesOS)
        let quick = ScanCoverage(request: ScanRequest(targets: try ScanTargetList(["192.0.2.0/28"]), profile: .quick), run: nil)
        #expect(quick.isHostDiscovery && !quick.probesServices)
        // Without raw-packet privileges nmap runs without -O.
        run.arguments = "nmap -sT -p 1-1000 -sV -T3 -- 192.0.2.0/28"
        #expect(!ScanCoverage(request: request, run: run).probesOS)
    }

    @Test func twoImportsGiveTheSameChangesAsTwoScans() async throws {
        let monday = try TestRun.monday.write()
        let tuesday = try TestRun.tuesday.write()
        defer { for path in [monday, tuesday] { try? FileManager.default.removeItem(atPath: path) } }

        let imported = InMemoryDeviceStore()
        let importer = ScanImporter(store: imported)
        let firstImport = try await importer.importFile(at: monday)
        let secondImport = try await importer.importFile(at: tuesday)

        let scanned = InMemoryDeviceStore()
        let monitor = Monitor(store: scanned, scanner: ReplayScanner(files: [monday, tuesday]))
        let request = ScanRequest(targets: try ScanTargetList(["192.0.2.0/29"]), profile: .normal)
        let firstScan = try await monitor.scan(request)
        let secondScan = try await monitor.scan(request)

        let expected = [
            "device_added 192.0.2.4 - - → 192.0.2.4", "device_removed 192.0.2.2 - 192.0.2.2 → -",
            "port_closed 192.0.2.1 80 http nginx 1.24.0 → -", "port_opened 192.0.2.1 443 - → https nginx 1.24.0",
            "port_opened 192.0.2.4 21 - → ftp vsftpd 3.0.3",
        ]
        let fromImports = try await changes(of: secondImport.scan.id, in: imported)
        let fromScans = try await changes(of: secondScan.scan.id, in: scanned)
        #expect(fromImports.map(\.description) == expected.sorted())
        #expect(fromScans == fromImports)
        #expect(try await changes(of: firstImport.scan.id, in: imported) == (try await changes(of: firstScan.scan.id, in: scanned)))

        for store in [imported, scanned] as [any DeviceStore] {
            // The times are the files', not the clock's.
            let one = try #require(try await store.device(address: "192.0.2.1"))
            #expect(one.lastSeen == Date(timeIntervalSince1970: TimeInterval(TestRun.dayTwo + 50)))
            #expect(one.firstSeen == Date(timeIntervalSince1970: TimeInterval(TestRun.dayOne + 50)))
            let two = try #require(try await store.device(address: "192.0.2.2"))
            #expect(!two.isOnline, "a device absent from the later file is offline")
            let scans = try await store.scans(ScanQuery()).items
            #expect(scans.first?.finishedAt == Date(timeIntervalSince1970: TimeInterval(TestRun.dayTwo + 60)))
            #expect(scans.first?.coverage?.targets == ["192.0.2.0/29"])
            // Imports are assessed and their CVEs kept, as scans are.
            let assessment = try #require(try await store.assessment(of: one.id))
            #expect(!assessment.vulnerabilities.isEmpty, "\(assessment.summary)")
        }
    }

    @Test func aHostDiscoveryScanAfterAPortScanChangesNoPortNoRiskAndNoCVE() async throws {
        let monday = try TestRun.monday.write()
        var sweep = TestRun.tuesday
        sweep.arguments = "nmap -n -sn -oX - 192.0.2.0/29"
        sweep.services = nil
        sweep.hosts = TestRun.monday.hosts.map { TestRun.Host(ip: $0.ip, mac: $0.mac, ports: []) }
        let discovery = try sweep.write()
        defer { for path in [monday, discovery] { try? FileManager.default.removeItem(atPath: path) } }

        let store = InMemoryDeviceStore()
        let importer = ScanImporter(store: store)
        _ = try await importer.importFile(at: monday)
        let before = try #require(try await store.device(address: "192.0.2.1"))
        let beforeAssessment = try await store.assessment(of: before.id)
        let recorded = try await importer.importFile(at: discovery)
        #expect(try await changes(of: recorded.scan.id, in: store).isEmpty)
        let after = try #require(try await store.device(address: "192.0.2.1"))
        #expect(after.riskLevel == before.riskLevel && after.riskScore == before.riskScore)
        #expect(after.lastSeen == Date(timeIntervalSince1970: TimeInterval(TestRun.dayTwo + 50)))
        #expect(try await store.assessment(of: after.id) == beforeAssessment)
        // The device keeps its last known ports, with when they were last confirmed.
        let latest = try #require(try await store.history(of: after.id, limit: 1).first)
        #expect(latest.scanID == recorded.scan.id)
        #expect(latest.ports.map(\.number) == [22, 80])
        #expect(latest.ports.allSatisfy { $0.confirmedAt == Date(timeIntervalSince1970: TimeInterval(TestRun.dayOne + 50)) })
        #expect(latest.ports.first?.product == "OpenSSH")
        #expect(recorded.scan.openPorts == 0, "the sweep itself saw no port")
        #expect(try await store.devices(DeviceQuery(search: "192.0.2.1")).items.first?.openPorts == 2)
    }

    @Test func aPortLimitedScanClosesOnlyItsPorts() async throws {
        let monday = try TestRun.monday.write()
        // Port 22 only, on .1 only: 22 is found closed; 80 was not looked at.
        let limited = try TestRun(
            arguments: "nmap -n -sV -p 22 -oX - 192.0.2.1", services: "22", start: TestRun.dayTwo,
            hosts: [
                TestRun.Host(ip: "192.0.2.1", mac: "02:00:00:00:00:01", ports: [])
            ]
        ).write()
        defer { for path in [monday, limited] { try? FileManager.default.removeItem(atPath: path) } }

        let store = InMemoryDeviceStore()
        let importer = ScanImporter(store: store)
        _ = try await importer.importFile(at: monday)
        let recorded = try await importer.importFile(at: limited)
        let found = try await changes(of: recorded.scan.id, in: store).map(\.description)
        #expect(
            found == ["port_closed 192.0.2.1 22 ssh OpenSSH 9.6p1 → -", "risk_changed 192.0.2.1 - high → medium"],
            "the risk falls with the flawed service, on 80 alone")
        let one = try #require(try await store.device(address: "192.0.2.1"))
        #expect(try await store.history(of: one.id, limit: 1).first?.ports.map(\.number) == [80])
        // The devices the scan did not target are not gone.
        #expect(try await store.device(address: "192.0.2.2")?.isOnline == true)
    }

    @Test(.enabled(if: MACVendorDirectory.shared != nil, "nmap's nmap-mac-prefixes is not installed"))
    func aMACWithoutAVendorIsNamedFromNmapsTable() async throws {
        // A file from another tool: a MAC address, no vendor.
        let file = try TestRun(
            arguments: "arp-scan 192.0.2.0/29", services: nil, start: TestRun.dayOne,
            hosts: [
                TestRun.Host(ip: "192.0.2.5", mac: "00:1B:21:3A:4B:5C", ports: [])
            ]
        ).write()
        defer { try? FileManager.default.removeItem(atPath: file) }
        let store = InMemoryDeviceStore()
        _ = try await ScanImporter(store: store).importFile(at: file)
        let expected = MACVendorDirectory.shared?.vendor(of: "00:1B:21:3A:4B:5C")
        #expect(expected?.isEmpty == false)
        #expect(try await store.device(address: "192.0.2.5")?.vendor == expected)
    }

    @Test func anOlderImportNeverOverwritesNewerFacts() async throws {
        let monday = try TestRun.monday.write()
        let tuesday = try TestRun.tuesday.write()
        defer { for path in [monday, tuesday] { try? FileManager.default.removeItem(atPath: path) } }

        let store = InMemoryDeviceStore()
        let importer = ScanImporter(store: store)
        _ = try await importer.importFile(at: tuesday)
        let one = try #require(try await store.device(address: "192.0.2.1"))
        let older = try await importer.importFile(at: monday)
        // Only what Tuesday's file did not know: .2, which Monday saw.
        #expect(
            try await changes(of: older.scan.id, in: store).map(\.description) == [
                "device_added 192.0.2.2 - - → 192.0.2.2", "port_opened 192.0.2.2 23 - → telnet",
            ])
        let after = try #require(try await store.device(one.id))
        #expect(after.lastSeen == one.lastSeen && after.lastScanID == one.lastScanID && after.timesSeen == one.timesSeen)
        #expect(try await store.device(address: "192.0.2.4")?.isOnline == true, "seen after the older file: not gone")
        #expect(try await store.history(of: one.id, limit: 5).count == 2, "the older sighting is in the history")
    }
}
