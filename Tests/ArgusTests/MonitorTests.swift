//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// Scans of loopback services, end to end: nmap → matching → risk → changes → store.
@Suite struct MonitorTests {
    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func twoScansRecordTheDeviceOnceAndWhatChanged() async throws {
        let store: any ArgusStore = InMemoryDeviceStore()
        let monitor = Monitor(store: store)
        var ssh: LoopbackServices? = try LoopbackServices(["ssh-old"])
        let http = try LoopbackServices(["http"])
        let sshPort = ssh!.ports["ssh-old"]!
        let httpPort = http.ports["http"]!
        let profile = ScanProfile(
            name: "test", ports: .list([sshPort...sshPort, httpPort...httpPort, 23...23]), detectsServices: true, skipsDiscovery: true, timing: 4)
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), profile: profile, resolvesNames: false, timeout: .seconds(120))

        let first = try await monitor.scan(request)
        #expect(first.scan.status == .completed)
        #expect(first.newDevices == 1)
        let device = try #require(try await store.device(first.deviceIDs[0]))
        #expect(device.ip == "127.0.0.1")
        let firstChanges = try await store.changes(ChangeQuery(scanID: first.scan.id)).items.map(\.kind.rawValue)
        #expect(firstChanges.sorted() == ["device_added", "port_opened", "port_opened"])

        ssh = nil  // the SSH service goes away
        let second = try await monitor.scan(request)
        #expect(second.newDevices == 0)
        #expect(second.deviceIDs == first.deviceIDs)
        let changes = try await store.changes(ChangeQuery(scanID: second.scan.id)).items
        #expect(changes.map(\.kind.rawValue) == ["port_closed"])
        #expect(changes.first?.port == sshPort)
        #expect(changes.first?.oldValue?.contains("OpenSSH") == true)
        #expect(try await store.device(first.deviceIDs[0])?.timesSeen == 2)
        #expect(try await store.history(of: first.deviceIDs[0], limit: 5).count == 2)
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func anImportedVulnerabilityIsANewCVEOnTheNextScan() async throws {
        let store: any ArgusStore = InMemoryDeviceStore()
        let monitor = Monitor(store: store)
        let ssh = try LoopbackServices(["ssh-old"])
        let port = ssh.ports["ssh-old"]!
        let profile = ScanProfile(name: "test", ports: .list([port...port]), detectsServices: true, skipsDiscovery: true, timing: 4)
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), profile: profile, resolvesNames: false, timeout: .seconds(120))

        let first = try await monitor.scan(request)
        let id = try #require(first.deviceIDs.first)
        let assessment = try #require(try await store.assessment(of: id))
        // The banner is a Debian build of OpenSSH 7.4p1: the bundled CVEs for it are likely.
        #expect(assessment.vulnerabilities.map(\.id).sorted() == ["CVE-2018-15473", "CVE-2021-41617", "CVE-2023-48795"])
        #expect(assessment.vulnerabilities.allSatisfy { $0.confidence == .likely && $0.port == port })
        // No rule names the test's port; its likely CVE-2021-41617 (CVSS 7.0) makes it high.
        #expect(assessment.level == .high && assessment.score == 25)

        // The owner imports a feed naming OpenSSH 7.4p1; the next scan reports it as new, once.
        let imported = Vulnerability(
            id: "CVE-2099-0100", summary: "A test flaw of OpenSSH 7.4p1.", cvss: 9.0,
            affects: [AffectedVersions(vendor: "openbsd", product: "openssh", version: "7.4p1")])
        #expect(try await store.saveVulnerabilities([imported], canonicalizedBy: .bundled) == 1)
        let second = try await monitor.scan(request)
        let changes = try await store.changes(ChangeQuery(scanID: second.scan.id)).items
        // The risk stays high: a likely flaw counts as at most high.
        #expect(changes.map(\.kind.rawValue) == ["new_cve"])
        #expect(changes.first?.newValue == "CVE-2099-0100")
        #expect(changes.first?.deviceID == id)
        let third = try await monitor.scan(request)
        #expect(try await store.changes(ChangeQuery(scanID: third.scan.id)).items.isEmpty)
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func aQuickScanAfterANormalScanChangesNoPortAndNoRisk() async throws {
        let store: any ArgusStore = InMemoryDeviceStore()
        let monitor = Monitor(store: store)
        let ssh = try LoopbackServices(["ssh-old"])
        let port = ssh.ports["ssh-old"]!
        let profile = ScanProfile(name: "test", ports: .list([port...port]), detectsServices: true, skipsDiscovery: true, timing: 4)
        let targets = try ScanTargetList(["127.0.0.1"])
        let first = try await monitor.scan(ScanRequest(targets: targets, profile: profile, resolvesNames: false, timeout: .seconds(120)))
        let id = try #require(first.deviceIDs.first)
        let before = try #require(try await store.device(id))
        #expect(before.riskLevel == .high)

        // Host discovery only (the dashboard's quick scan): the port still listens, unseen.
        let quick = try await monitor.scan(ScanRequest(targets: targets, profile: .quick, resolvesNames: false, timeout: .seconds(120)))
        #expect(quick.scan.status == .completed && quick.deviceIDs == [id])
        #expect(try await store.changes(ChangeQuery(scanID: quick.scan.id)).items.map(\.kind) == [])
        #expect(quick.scan.coverage?.isHostDiscovery == true)
        let after = try #require(try await store.device(id))
        #expect(after.riskLevel == before.riskLevel && after.riskScore == before.riskScore)
        let latest = try #require(try await store.history(of: id, limit: 1).first)
        #expect(latest.scanID == quick.scan.id)
        #expect(latest.ports.map(\.number) == [port] && latest.ports.first?.product == "OpenSSH")
        #expect(latest.ports.first?.confirmedAt != nil, "carried over, with when it was last confirmed")
    }

    @Test(.enabled(if: nmapInstalled, "nmap is not installed (Scripts/setup.sh installs it)"))
    func aPortLimitedScanClosesOnlyItsPorts() async throws {
        let store: any ArgusStore = InMemoryDeviceStore()
        let monitor = Monitor(store: store)
        var services: LoopbackServices? = try LoopbackServices(["ssh-old", "http"])
        let ssh = services!.ports["ssh-old"]!
        let http = services!.ports["http"]!
        let targets = try ScanTargetList(["127.0.0.1"])
        func request(_ ports: [Int]) -> ScanRequest {
            ScanRequest(
                targets: targets,
                profile: ScanProfile(name: "test", ports: .list(ports.map { $0...$0 }), detectsServices: true, skipsDiscovery: true, timing: 4),
                resolvesNames: false, timeout: .seconds(120))
        }
        let first = try await monitor.scan(request([ssh, http]))
        let id = try #require(first.deviceIDs.first)
        services = nil  // both services stop; only the SSH port is scanned again
        let second = try await monitor.scan(request([ssh]))
        let changes = try await store.changes(ChangeQuery(scanID: second.scan.id)).items
        #expect(changes.filter { $0.kind.rawValue.hasPrefix("port_") }.map(\.port) == [ssh])
        #expect(changes.map(\.kind).contains(.portClosed))
        #expect(try await store.history(of: id, limit: 1).first?.ports.map(\.number) == [http], "the port not scanned is still known open")
    }

    @Test func aFailingScannerLeavesAFailedScan() async throws {
        let store: any ArgusStore = InMemoryDeviceStore()
        let monitor = Monitor(store: store, scanner: NmapScanner(executable: "/nonexistent/nmap"))
        let request = ScanRequest(targets: try ScanTargetList(["127.0.0.1"]), profile: .quick, resolvesNames: false)
        await #expect(throws: ScanError.self) { _ = try await monitor.scan(request) }
        let scan = try #require(try await store.scans(ScanQuery()).items.first)
        #expect(scan.status == .failed)
        #expect(scan.errorMessage?.contains("apt-get install nmap") == true)
    }
}
