//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// The contract every DeviceStore keeps, run against each implementation.
@Suite struct DeviceStoreContractTests {
    /// Creates a running scan and records `devices` into it.
    @discardableResult
    static func recordScan(_ store: any DeviceStore, at date: Date, kind: ScanKind = .network, devices: [DeviceUpdate], offline: [DeviceID] = [], changes: [NewChange] = [], outbox: [NewOutboxMessage] = []) async throws -> RecordedScan {
        let scan = try await store.createScan(NewScan(kind: kind, profile: "normal", targets: ["192.0.2.0/24"], status: .running, createdAt: date))
        return try await store.record(ScanResult(scanID: scan.id, startedAt: date, finishedAt: date.addingTimeInterval(60), nmapVersion: "7.93", nmapArguments: "nmap -sV", hostsUp: devices.count, hostsDown: 1, devices: devices, devicesNowOffline: offline, changes: changes, outbox: outbox))
    }

    @Test(arguments: StoreKind.allCases)
    func deviceCountsInOnePass(kind: StoreKind) async throws {
        let store = try kind.make()
        #expect(try await store.deviceCounts() == DeviceCounts(total: 0, online: 0, byRisk: [:]))
        let first = try await Self.recordScan(store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1", riskLevel: .high, riskScore: 50), DeviceUpdate(ip: "192.0.2.2", riskLevel: .high, riskScore: 60), DeviceUpdate(ip: "192.0.2.3")])
        try await Self.recordScan(store, at: day(2), devices: [DeviceUpdate(deviceID: first.deviceIDs[0], ip: "192.0.2.1", riskLevel: .critical, riskScore: 90)], offline: [first.deviceIDs[1]])
        let counts = try await store.deviceCounts()
        #expect(counts.total == 3 && counts.online == 2)
        #expect(counts.byRisk == [.critical: 1, .high: 1, .none: 1, .low: 0, .medium: 0])
    }

    @Test(arguments: StoreKind.allCases)
    func pruningKeepsDevicesAndTheirLatestObservation(kind: StoreKind) async throws {
        let store = try kind.make()
        // Scan 1 sees A and B; scans 2 and 3 see only A; B's latest observation is in scan 1.
        let first = try await Self.recordScan(store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1", ports: [port(22)]), DeviceUpdate(ip: "192.0.2.2")], changes: [NewChange(device: .update(0), kind: "device_added", description: "A new device appeared at 192.0.2.1.")])
        let a = first.deviceIDs[0], b = first.deviceIDs[1]
        let second = try await Self.recordScan(store, at: day(2), devices: [DeviceUpdate(deviceID: a, ip: "192.0.2.1")])
        let third = try await Self.recordScan(store, at: day(3), devices: [DeviceUpdate(deviceID: a, ip: "192.0.2.1")])
        #expect(try await store.pruneScans(finishedBefore: nil, keepingNewest: nil) == 0)
        // Everything before day 3 is old, but scan 1 holds B's latest observation.
        #expect(try await store.pruneScans(finishedBefore: day(2, hour: 12), keepingNewest: nil) == 1)
        #expect(try await store.scans(ScanQuery()).items.map(\.id) == [third.scan.id, first.scan.id])
        #expect(try await store.scan(second.scan.id) == nil)
        #expect(try await store.history(of: a, limit: 10).map(\.scanID) == [third.scan.id, first.scan.id], "scan 1 stays for B, with A in it")
        #expect(try await store.history(of: b, limit: 10).map(\.scanID) == [first.scan.id])
        #expect(try await store.device(a)?.timesSeen == 3, "the device keeps its counts")
        #expect(try await store.changes(ChangeQuery(scanID: first.scan.id)).total == 1)
        // B seen again: scan 1 is no longer protected, and the newest one is kept by count.
        let fourth = try await Self.recordScan(store, at: day(4), devices: [DeviceUpdate(deviceID: b, ip: "192.0.2.2")])
        #expect(try await store.pruneScans(finishedBefore: nil, keepingNewest: 1) == 1)
        #expect(try await store.scans(ScanQuery()).items.map(\.id) == [fourth.scan.id, third.scan.id], "scan 3 holds A's latest")
        #expect(try await store.changes(ChangeQuery()).total == 0, "the pruned scan's changes went with it")
        #expect(try await store.devices(DeviceQuery()).total == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func olderSightingsCoverageAndCarriedPorts(kind: StoreKind) async throws {
        let store = try kind.make()
        let first = try await Self.recordScan(store, at: day(2), devices: [DeviceUpdate(ip: "192.0.2.1", ports: [port(22)], assessment: "{\"level\":\"low\"}")])
        let a = first.deviceIDs[0]
        #expect(try await store.assessments(of: [a, DeviceID(9_999)]) == [a: "{\"level\":\"low\"}"])

        // A scan recorded later that saw A earlier (an older file): history only.
        let coverage = ScanCoverage(targets: ["192.0.2.0/29"], exclusions: ["192.0.2.7"], ports: [.init(protocol: .tcp, ranges: [1...1000])], probesServices: true)
        let older = try await store.createScan(NewScan(kind: .imported, profile: "imported", targets: ["old.xml"], status: .running, createdAt: day(3)))
        let recorded = try await store.record(older.id, at: day(3)) { recorder in
            try recorder.add(DeviceUpdate(deviceID: a, ip: "192.0.2.1", hostname: "old-name", ports: [port(80)], riskLevel: .high, riskScore: 40, seenAt: day(1)))
            return ScanOutcome(status: .completed, finishedAt: day(1), coverage: coverage)
        }
        #expect(recorded.deviceIDs == [a])
        let device = try #require(try await store.device(a))
        #expect(device.lastSeen == day(2, hour: 0).addingTimeInterval(60) && device.lastScanID == first.scan.id)
        #expect(device.hostname == nil && device.riskLevel == .none && device.timesSeen == 1, "newer facts stay")
        #expect(try await store.history(of: a, limit: 5).map(\.observedAt).sorted() == [day(1), day(2).addingTimeInterval(60)])
        #expect(try await store.latestObservations().map(\.scanID) == [first.scan.id])
        #expect(try await store.latestObservations().first?.ports.map(\.number) == [22])
        #expect(try await store.scan(older.id)?.coverage == coverage)
        #expect(try await store.scan(first.scan.id)?.coverage == nil)

        // A port carried over from an earlier scan keeps when it was last confirmed, and is not
        // counted among the scan's own open ports.
        var carried = port(22)
        carried.confirmedAt = day(2)
        let third = try await Self.recordScan(store, at: day(4), devices: [DeviceUpdate(deviceID: a, ip: "192.0.2.1", ports: [carried, port(443)])])
        #expect(third.scan.openPorts == 1)
        let latest = try #require(try await store.latestObservations().first)
        #expect(latest.scanID == third.scan.id)
        #expect(latest.ports.map(\.number) == [22, 443] && latest.ports.map(\.confirmedAt) == [day(2), nil])
        #expect(try await store.devices(DeviceQuery()).items.first?.openPorts == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func sessionsAndTheFirstUser(kind: StoreKind) async throws {
        let store = try kind.make()
        let admin = try #require(try await store.createFirstUser(username: "admin", passwordHash: "h1", at: day(1)))
        #expect(try await store.createFirstUser(username: "mallory", passwordHash: "h2", at: day(1)) == nil, "only while no user exists")
        #expect(try await store.userCount() == 1)
        #expect(try await store.users().map(\.username) == ["admin"])

        let session = LoginSession(idHash: "abc", userID: admin.id, csrfToken: "token", createdAt: day(1), lastSeenAt: day(1), expiresAt: day(2), idleTimeout: 3_600, remember: false, clientAddress: "127.0.0.1", userAgent: "test")
        try await store.createSession(session)
        #expect(try await store.session(idHash: "abc") == session)
        #expect(try await store.session(idHash: "other") == nil)
        #expect(session.isValid(at: day(1).addingTimeInterval(3_599)))
        #expect(!session.isValid(at: day(1).addingTimeInterval(3_600)), "idle expiry")
        try await store.touchSession(idHash: "abc", at: day(1, hour: 23))
        #expect(try await store.session(idHash: "abc")?.lastSeenAt == day(1, hour: 23))
        #expect(try await store.session(idHash: "abc")?.isValid(at: day(2)) == false, "absolute expiry")

        var second = session
        second.idHash = "def"
        second.lastSeenAt = day(1, hour: 23)
        second.expiresAt = day(5)
        second.idleTimeout = 7_200
        try await store.createSession(second)
        #expect(try await store.deleteExpiredSessions(at: day(1, hour: 23).addingTimeInterval(60)) == 0)
        #expect(try await store.deleteExpiredSessions(at: day(2)) == 1, "abc reached its absolute expiry")
        #expect(try await store.session(idHash: "def") != nil)
        try await store.deleteSession(idHash: "def")
        #expect(try await store.session(idHash: "def") == nil)
        try await store.createSession(session)
        try await store.createSession(second)
        #expect(try await store.deleteSessions(of: admin.id) == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func importedVulnerabilitiesAreFoundByProduct(kind: StoreKind) async throws {
        let store = try kind.make()
        #expect(try await store.vulnerabilityCount() == 0)
        let nginx = Vulnerability(id: "CVE-2099-0001", summary: "nginx flaw.", cvss: 7.5, references: ["https://example.org/1"], affects: [AffectedVersions(vendor: "nginx", product: "nginx", startIncluding: "1.0", endExcluding: "1.2")])
        let both = Vulnerability(id: "CVE-2099-0002", summary: "Two products.", cvss: 4.0, affects: [AffectedVersions(vendor: "openbsd", product: "openssh", version: "7.4p1"), AffectedVersions(vendor: "vsftpd_project", product: "vsftpd")])
        #expect(try await store.saveVulnerabilities([nginx, both], canonicalizedBy: .bundled) == 2)
        #expect(try await store.vulnerabilityCount() == 2)
        // Indexed under canonical names: nginx:nginx is f5:nginx, vsftpd_project:vsftpd is vsftpd:vsftpd.
        #expect(try await store.vulnerabilities(affecting: [SoftwareProduct(vendor: "f5", product: "nginx")]) == [nginx])
        #expect(try await store.vulnerabilities(affecting: [SoftwareProduct(vendor: "vsftpd", product: "vsftpd")]) == [both])
        #expect(try await store.vulnerabilities(affecting: [SoftwareProduct(vendor: "f5", product: "nginx"), SoftwareProduct(vendor: "openbsd", product: "openssh")]).map(\.id) == ["CVE-2099-0001", "CVE-2099-0002"])
        #expect(try await store.vulnerabilities(affecting: [SoftwareProduct(vendor: "nginx", product: "nginx")]).isEmpty, "callers ask by canonical name")
        #expect(try await store.vulnerabilities(affecting: []).isEmpty)

        // Importing again replaces, including the products it is indexed under.
        var moved = both
        moved.affects = [AffectedVersions(vendor: "exim", product: "exim", endExcluding: "4.92")]
        #expect(try await store.saveVulnerabilities([moved], canonicalizedBy: .bundled) == 1)
        #expect(try await store.vulnerabilityCount() == 2)
        #expect(try await store.vulnerabilities(affecting: [SoftwareProduct(vendor: "vsftpd", product: "vsftpd")]).isEmpty)
        #expect(try await store.vulnerabilities(affecting: [SoftwareProduct(vendor: "exim", product: "exim")]) == [moved])
    }

    @Test(arguments: StoreKind.allCases)
    func scanLifecycle(kind: StoreKind) async throws {
        let store = try kind.make()
        let created = try await store.createScan(NewScan(kind: .network, profile: "quick", targets: ["192.0.2.0/24", "198.51.100.7"], createdAt: day(1)))
        #expect(created.status == .queued)
        #expect(created.targets == ["192.0.2.0/24", "198.51.100.7"])
        #expect(created.startedAt == nil)
        let running = try await store.markScan(created.id, as: .running, at: day(1, hour: 1), error: nil)
        #expect(running.status == .running)
        #expect(running.startedAt == day(1, hour: 1))

        let recorded = try await store.record(ScanResult(scanID: created.id, finishedAt: day(1, hour: 2), nmapVersion: "7.93", nmapArguments: "nmap -sn", hostsUp: 1, hostsDown: 3, devices: [DeviceUpdate(ip: "192.0.2.1", ports: [port(22), port(80, .closed)])]))
        #expect(recorded.scan.status == .completed)
        #expect(recorded.scan.finishedAt == day(1, hour: 2))
        #expect(recorded.scan.duration == 3_600)
        #expect(recorded.scan.hostsUp == 1 && recorded.scan.hostsDown == 3)
        #expect(recorded.scan.devicesFound == 1 && recorded.scan.openPorts == 1)
        #expect(recorded.scan.nmapVersion == "7.93")
        #expect(try await store.scan(created.id) == recorded.scan)

        // A scan is recorded once, and a final scan does not move again.
        await #expect(throws: StoreError.self) { try await store.record(ScanResult(scanID: created.id)) }
        await #expect(throws: StoreError.self) { try await store.markScan(created.id, as: .running, at: day(2), error: nil) }
        await #expect(throws: StoreError.self) { try await store.record(ScanResult(scanID: ScanID(9_999))) }

        let failed = try await store.createScan(NewScan(kind: .device, profile: "normal", targets: ["192.0.2.9"], status: .running, createdAt: day(2)))
        let marked = try await store.markScan(failed.id, as: .failed, at: day(2, hour: 1), error: "nmap exited with status 1")
        #expect(marked.errorMessage == "nmap exited with status 1")
        #expect(marked.finishedAt == day(2, hour: 1))

        let all = try await store.scans(ScanQuery())
        #expect(all.items.map(\.id) == [failed.id, created.id])
        #expect(all.total == 2)
        #expect(try await store.scans(ScanQuery(status: .failed)).items.map(\.id) == [failed.id])
        #expect(try await store.scans(ScanQuery(kind: .network)).items.map(\.id) == [created.id])
        let page = try await store.scans(ScanQuery(limit: 1, offset: 1))
        #expect(page.items.map(\.id) == [created.id] && page.total == 2)
    }

    @Test(arguments: StoreKind.allCases)
    func interruptedScans(kind: StoreKind) async throws {
        let store = try kind.make()
        let queued = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], createdAt: day(1)))
        let running = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(1)))
        try await Self.recordScan(store, at: day(2), devices: [])
        let interrupted = try await store.markInterruptedScans(at: day(3))
        #expect(interrupted == [queued.id, running.id])
        #expect(try await store.scan(running.id)?.status == .interrupted)
        #expect(try await store.scan(running.id)?.finishedAt == day(3))
        #expect(try await store.markInterruptedScans(at: day(4)).isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func devicesKeepTheirIdentityAndOwnerFieldsAcrossScans(kind: StoreKind) async throws {
        let store = try kind.make()
        let first = try await Self.recordScan(store, at: day(1), devices: [
            DeviceUpdate(ip: "192.0.2.10", mac: "00:1B:21:3A:4B:5C", hostname: "nas", vendor: "Intel Corporate", deviceType: "nas", osName: "Linux 5.X", osAccuracy: 96, ports: [port(22, service: "ssh", product: "OpenSSH", version: "8.9p1", cpes: ["cpe:/a:openbsd:openssh:8.9p1"]), port(445, service: "microsoft-ds", product: "")], riskLevel: .medium, riskScore: 40, assessment: #"{"score":40}"#),
            DeviceUpdate(ip: "192.0.2.20"),
        ])
        #expect(first.newDevices == 2)
        let nas = first.deviceIDs[0]
        try await store.editDevice(nas, DeviceEdit(label: "Backup NAS", notes: "in the cupboard", isTrusted: true, zone: "servers"))

        // The NAS moves to a new address and loses its OS guess; the other device is gone.
        let second = try await Self.recordScan(store, at: day(2), devices: [
            DeviceUpdate(deviceID: nas, ip: "192.0.2.11", mac: "00:1B:21:3A:4B:5C", deviceType: "nas", ports: [port(22, service: "ssh")], riskLevel: .low, riskScore: 10)
        ], offline: [first.deviceIDs[1]])
        #expect(second.newDevices == 0)
        #expect(second.deviceIDs == [nas])

        let device = try #require(try await store.device(nas))
        #expect(device.ip == "192.0.2.11")
        #expect(device.mac == "00:1B:21:3A:4B:5C")
        #expect(device.hostname == "nas")
        #expect(device.vendor == "Intel Corporate")
        #expect(device.osName == "Linux 5.X" && device.osAccuracy == 96)
        #expect(device.firstSeen == day(1).addingTimeInterval(60))
        #expect(device.lastSeen == day(2).addingTimeInterval(60))
        #expect(device.timesSeen == 2)
        #expect(device.lastScanID == second.scan.id)
        #expect(device.riskLevel == .low && device.riskScore == 10)
        #expect(device.label == "Backup NAS" && device.notes == "in the cupboard" && device.isTrusted && device.zone == "servers")
        #expect(try await store.device(first.deviceIDs[1])?.isOnline == false)
        #expect(try await store.assessment(of: nas) == #"{"score":40}"#)

        let history = try await store.history(of: nas, limit: 10)
        #expect(history.map(\.scanID) == [second.scan.id, first.scan.id])
        #expect(history[1].ip == "192.0.2.10")
        #expect(history[1].ports.map(\.number) == [22, 445])
        #expect(history[1].ports[0] == port(22, service: "ssh", product: "OpenSSH", version: "8.9p1", cpes: ["cpe:/a:openbsd:openssh:8.9p1"]))
        #expect(history[1].ports[1] == port(445, service: "microsoft-ds", product: ""), "an empty text stays empty, not NULL")
        #expect(history[1].riskLevel == .medium)
        #expect(try await store.history(of: nas, limit: 1).count == 1)
        let seen = try await store.observations(in: first.scan.id)
        #expect(Set(seen.map(\.deviceID)) == Set(first.deviceIDs))
        #expect(try await store.inventory().map(\.id) == first.deviceIDs)

        // Lookups by address: the IP it has now, its MAC in any spelling.
        #expect(try await store.device(address: "192.0.2.11")?.id == nas)
        #expect(try await store.device(address: "00-1b-21-3a-4b-5c")?.id == nas)
        #expect(try await store.device(address: "192.0.2.99") == nil)

        // Clearing owner fields, and a device that does not exist.
        let cleared = try await store.editDevice(nas, DeviceEdit(label: "", isTrusted: false))
        #expect(cleared.label == nil && cleared.notes == "in the cupboard" && !cleared.isTrusted)
        await #expect(throws: StoreError.self) { try await store.editDevice(DeviceID(9_999), DeviceEdit(label: "x")) }
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedRecordStoresNothing(kind: StoreKind) async throws {
        let store = try kind.make()
        let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(1)))
        let broken = ScanResult(scanID: scan.id, finishedAt: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")], changes: [NewChange(device: .update(5), kind: "device_added", description: "x")])
        await #expect(throws: StoreError.self) { try await store.record(broken) }
        let unknownDevice = ScanResult(scanID: scan.id, finishedAt: day(1), devices: [DeviceUpdate(ip: "192.0.2.1"), DeviceUpdate(deviceID: DeviceID(777), ip: "192.0.2.2")])
        await #expect(throws: StoreError.self) { try await store.record(unknownDevice) }
        #expect(try await store.inventory().isEmpty)
        #expect(try await store.changes(ChangeQuery()).total == 0)
        #expect(try await store.scan(scan.id)?.status == .running)
        // And the scan can still be recorded properly.
        let recorded = try await store.record(ScanResult(scanID: scan.id, finishedAt: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")]))
        #expect(recorded.deviceIDs.count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func aProducerThatThrowsMidwayKeepsNothing(kind: StoreKind) async throws {
        struct Stop: Error {}
        let store = try kind.make()
        let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(1)))
        await #expect(throws: Stop.self) {
            try await store.record(scan.id, at: day(1)) { recorder in
                for index in 1...50 { try recorder.add(DeviceUpdate(ip: "192.0.2.\(index)", ports: [port(22)])) }
                try recorder.add(NewChange(device: .update(0), kind: "device_added", description: "x"))
                try recorder.enqueue([NewOutboxMessage(sink: "webhook", idempotencyKey: "k", payload: "{}")])
                throw Stop()
            }
        }
        #expect(try await store.inventory().isEmpty)
        #expect(try await store.changes(ChangeQuery()).total == 0)
        #expect(try await store.pendingMessageCount() == 0)
        #expect(try await store.scan(scan.id)?.status == .running)
        // Streaming: devices added one by one; the outcome's own end time is kept.
        let recorded = try await store.record(scan.id, at: day(2)) { recorder in
            let first = try recorder.add(DeviceUpdate(ip: "192.0.2.1"))
            try recorder.add(NewChange(device: .known(first), kind: "device_added", description: "x"))
            try recorder.add(DeviceUpdate(ip: "192.0.2.2", ports: [port(80)]))
            return ScanOutcome(status: .completed, startedAt: day(1), finishedAt: day(1, hour: 1), hostsUp: 2)
        }
        #expect(recorded.deviceIDs.count == 2 && recorded.newDevices == 2 && recorded.changeIDs.count == 1)
        #expect(recorded.scan.finishedAt == day(1, hour: 1) && recorded.scan.openPorts == 1)
        #expect(try await store.device(recorded.deviceIDs[0])?.lastSeen == day(2))
    }

    @Test(arguments: StoreKind.allCases)
    func riskSortsByLevelThenScore(kind: StoreKind) async throws {
        let store = try kind.make()
        let recorded = try await Self.recordScan(store, at: day(1), devices: [
            DeviceUpdate(ip: "192.0.2.1", riskLevel: .high, riskScore: 50),
            DeviceUpdate(ip: "192.0.2.2", riskLevel: .critical, riskScore: 35),
            DeviceUpdate(ip: "192.0.2.3", riskLevel: .high, riskScore: 60),
            DeviceUpdate(ip: "192.0.2.4", riskLevel: .low, riskScore: 90),
        ])
        let ids = recorded.deviceIDs
        #expect(try await store.devices(DeviceQuery(sort: .risk, descending: true)).items.map(\.device.id) == [ids[1], ids[2], ids[0], ids[3]])
        #expect(try await store.devices(DeviceQuery(sort: .risk)).items.map(\.device.id) == [ids[3], ids[0], ids[2], ids[1]])
    }

    @Test(arguments: StoreKind.allCases)
    func deviceQueriesFilterSortAndPage(kind: StoreKind) async throws {
        let store = try kind.make()
        let first = try await Self.recordScan(store, at: day(1), devices: [
            DeviceUpdate(ip: "10.0.0.10", hostname: "printer.lan", deviceType: "printer", ports: [port(631), port(9100)], riskLevel: .low, riskScore: 15),
            DeviceUpdate(ip: "10.0.0.2", mac: "AA:BB:CC:00:11:22", hostname: "Camera-Front", deviceType: "camera", ports: [port(554), port(80), port(23)], riskLevel: .critical, riskScore: 95),
            DeviceUpdate(ip: "10.0.0.100", deviceType: "unknown"),
            DeviceUpdate(ip: "2001:db8::5", hostname: "v6host"),
        ])
        let ids = first.deviceIDs
        try await store.editDevice(ids[1], DeviceEdit(label: "Front door", isTrusted: true, zone: "iot"))
        try await Self.recordScan(store, at: day(2), devices: [DeviceUpdate(deviceID: ids[0], ip: "10.0.0.10", deviceType: "printer", ports: [port(631)], riskLevel: .low, riskScore: 15)], offline: [ids[2]])

        let byIP = try await store.devices(DeviceQuery())
        #expect(byIP.items.map(\.device.ip) == ["10.0.0.2", "10.0.0.10", "10.0.0.100", "2001:db8::5"])
        #expect(byIP.total == 4)
        #expect(byIP.items.map(\.openPorts) == [3, 1, 0, 0])
        #expect(try await store.devices(DeviceQuery(descending: true)).items.first?.device.ip == "2001:db8::5")
        #expect(try await store.devices(DeviceQuery(sort: .risk, descending: true)).items.first?.device.id == ids[1])
        #expect(try await store.devices(DeviceQuery(sort: .lastSeen, descending: true)).items.first?.device.id == ids[0])
        #expect(try await store.devices(DeviceQuery(riskLevel: .critical)).items.map(\.device.id) == [ids[1]])
        #expect(try await store.devices(DeviceQuery(isTrusted: true)).items.map(\.device.id) == [ids[1]])
        #expect(try await store.devices(DeviceQuery(zone: "iot")).items.map(\.device.id) == [ids[1]])
        #expect(try await store.devices(DeviceQuery(deviceType: "printer")).items.map(\.device.id) == [ids[0]])
        #expect(try await store.devices(DeviceQuery(isOnline: false)).items.map(\.device.id) == [ids[2]])
        #expect(try await store.devices(DeviceQuery(search: "camera")).items.map(\.device.id) == [ids[1]])
        #expect(try await store.devices(DeviceQuery(search: "aa:bb:cc")).items.map(\.device.id) == [ids[1]])
        #expect(try await store.devices(DeviceQuery(search: "FRONT DOOR")).items.map(\.device.id) == [ids[1]])
        #expect(try await store.devices(DeviceQuery(search: "100%_")).items.isEmpty)
        #expect(try await store.devices(DeviceQuery(scanID: first.scan.id)).total == 4)
        let page = try await store.devices(DeviceQuery(limit: 2, offset: 1))
        #expect(page.items.map(\.device.ip) == ["10.0.0.10", "10.0.0.100"] && page.total == 4)
    }

    @Test(arguments: StoreKind.allCases)
    func changesAreStoredWithTheirDevicesAndCanBeAcknowledged(kind: StoreKind) async throws {
        let store = try kind.make()
        let first = try await Self.recordScan(store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1"), DeviceUpdate(ip: "192.0.2.2")], changes: [
            NewChange(device: .update(0), kind: "device_added", severity: .info, ip: "192.0.2.1", description: "A new device appeared at 192.0.2.1."),
            NewChange(device: .update(1), kind: "device_added", severity: .info, ip: "192.0.2.2", description: "A new device appeared at 192.0.2.2."),
        ])
        let second = try await Self.recordScan(store, at: day(2), devices: [DeviceUpdate(deviceID: first.deviceIDs[0], ip: "192.0.2.1", ports: [port(23)])], changes: [
            NewChange(device: .known(first.deviceIDs[0]), kind: "port_opened", severity: .critical, ip: "192.0.2.1", port: 23, protocol: "tcp", oldValue: nil, newValue: "telnet", description: "Port 23/tcp (telnet) opened on 192.0.2.1."),
            NewChange(device: .known(first.deviceIDs[1]), kind: "device_removed", severity: .warning, ip: "192.0.2.2", description: "192.0.2.2 is gone."),
        ])
        let all = try await store.changes(ChangeQuery())
        #expect(all.total == 4)
        #expect(all.items.map(\.kind) == ["device_removed", "port_opened", "device_added", "device_added"])
        let opened = all.items[1]
        #expect(opened.deviceID == first.deviceIDs[0] && opened.port == 23 && opened.protocol == "tcp" && opened.newValue == "telnet" && opened.oldValue == nil)
        #expect(opened.detectedAt == day(2).addingTimeInterval(60))
        #expect(all.items[3].deviceID == first.deviceIDs[0])
        #expect(try await store.changes(ChangeQuery(scanID: second.scan.id)).total == 2)
        #expect(try await store.changes(ChangeQuery(deviceID: first.deviceIDs[1])).total == 2)
        #expect(try await store.changes(ChangeQuery(kind: "device_added")).total == 2)
        #expect(try await store.changes(ChangeQuery(minimumSeverity: .warning)).items.map(\.kind) == ["device_removed", "port_opened"])
        #expect(try await store.changes(ChangeQuery(limit: 1, offset: 1)).items.map(\.kind) == ["port_opened"])

        #expect(try await store.acknowledgeChanges([opened.id, ChangeID(9_999)], acknowledged: true) == 1)
        #expect(try await store.changes(ChangeQuery(acknowledged: true)).items.map(\.id) == [opened.id])
        #expect(try await store.changes(ChangeQuery(acknowledged: false)).total == 3)
        #expect(try await store.acknowledgeChanges([opened.id], acknowledged: false) == 1)
        #expect(try await store.changes(ChangeQuery(acknowledged: true)).total == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func usersAndAPIKeys(kind: StoreKind) async throws {
        let store = try kind.make()
        #expect(try await store.userCount() == 0)
        let admin = try await store.createUser(username: "admin", passwordHash: "$2b$12$hash", at: day(1))
        #expect(try await store.userCount() == 1)
        await #expect(throws: StoreError.self) { try await store.createUser(username: "admin", passwordHash: "x", at: day(1)) }
        #expect(try await store.user(named: "admin") == admin)
        #expect(try await store.user(named: "Admin") == nil)
        #expect(try await store.user(admin.id)?.username == "admin")
        try await store.setPasswordHash("$2b$12$other", for: admin.id)
        try await store.recordLogin(of: admin.id, at: day(2))
        let updated = try #require(try await store.user(admin.id))
        #expect(updated.passwordHash == "$2b$12$other" && updated.lastLoginAt == day(2))
        await #expect(throws: StoreError.self) { try await store.setPasswordHash("x", for: UserID(99)) }

        let key = try await store.createAPIKey(userID: admin.id, name: "grafana", prefix: "argus_ab", keyHash: "aa11", expiresAt: day(30), at: day(1))
        let other = try await store.createAPIKey(userID: admin.id, name: "ha", prefix: "argus_cd", keyHash: "bb22", expiresAt: nil, at: day(1))
        await #expect(throws: StoreError.self) { try await store.createAPIKey(userID: admin.id, name: "dup", prefix: "argus_ab", keyHash: "aa11", expiresAt: nil, at: day(1)) }
        await #expect(throws: StoreError.self) { try await store.createAPIKey(userID: UserID(99), name: "x", prefix: "p", keyHash: "cc33", expiresAt: nil, at: day(1)) }
        #expect(try await store.apiKey(hash: "aa11") == key)
        #expect(try await store.apiKey(hash: "zz") == nil)
        #expect(try await store.apiKeys(of: admin.id).map(\.name) == ["grafana", "ha"])
        #expect(try await store.apiKeys(of: nil).count == 2)
        try await store.recordUse(of: key.id, at: day(3))
        #expect(try await store.apiKey(hash: "aa11")?.lastUsedAt == day(3))
        #expect(try await store.revokeAPIKey(other.id, at: day(4)))
        #expect(try await store.revokeAPIKey(other.id, at: day(5)))
        #expect(try await store.apiKey(hash: "bb22")?.revokedAt == day(4))
        #expect(try await store.revokeAPIKey(APIKeyID(99), at: day(4)) == false)
        #expect(try await store.apiKey(hash: "bb22")?.isUsable(at: day(4)) == false)
        #expect(key.isUsable(at: day(29)) && !key.isUsable(at: day(31)))
    }

    @Test(arguments: StoreKind.allCases)
    func auditLog(kind: StoreKind) async throws {
        let store = try kind.make()
        let first = try await store.appendAudit(AuditEntry(timestamp: day(1), username: "admin", action: "login", clientAddress: "127.0.0.1", userAgent: "curl", success: false))
        try await store.appendAudit(AuditEntry(timestamp: day(2), userID: UserID(1), username: "admin", action: "login", clientAddress: "127.0.0.1"))
        try await store.appendAudit(AuditEntry(timestamp: day(3), userID: UserID(1), apiKeyID: APIKeyID(2), action: "device.edit", resourceType: "device", resourceID: "7", details: #"{"label":"NAS"}"#))
        #expect(first.id > 0)
        let all = try await store.auditEntries(action: nil, limit: 10, offset: 0)
        #expect(all.total == 3 && all.items.map(\.action) == ["device.edit", "login", "login"])
        #expect(all.items[0].details == #"{"label":"NAS"}"# && all.items[0].apiKeyID == APIKeyID(2) && all.items[0].resourceID == "7")
        #expect(all.items[2] == first)
        let logins = try await store.auditEntries(action: "login", limit: 1, offset: 1)
        #expect(logins.total == 2 && logins.items.map(\.success) == [false])
    }

    @Test(arguments: StoreKind.allCases)
    func outboxDeliversEachMessageOnce(kind: StoreKind) async throws {
        let store = try kind.make()
        let alert = NewOutboxMessage(sink: "webhook", idempotencyKey: "scan1-device_added-1", payload: #"{"kind":"device_added"}"#)
        try await Self.recordScan(store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")], outbox: [alert, NewOutboxMessage(sink: "ntfy", idempotencyKey: "scan1-device_added-1", payload: "{}")])
        // The same key for the same sink is queued once.
        let again = try await store.enqueue([alert, NewOutboxMessage(sink: "webhook", idempotencyKey: "degraded", payload: "{}")], at: day(2))
        #expect(again.count == 2)
        #expect(try await store.pendingMessageCount() == 3)
        let due = try await store.dueMessages(at: day(2), limit: 10)
        #expect(due.map(\.idempotencyKey) == ["scan1-device_added-1", "scan1-device_added-1", "degraded"])
        #expect(due[0].id == again[0].id && due[0].payload == alert.payload)
        try await store.markAttemptFailed(due[0].id, error: "connection refused", retryAt: day(3))
        #expect(try await store.dueMessages(at: day(2), limit: 10).map(\.sink) == ["ntfy", "webhook"])
        let retried = try #require(try await store.dueMessages(at: day(3), limit: 10).first { $0.id == due[0].id })
        #expect(retried.attempts == 1 && retried.lastError == "connection refused")
        try await store.markDelivered(due[0].id, at: day(3))
        #expect(try await store.pendingMessageCount() == 2)
        #expect(try await store.dueMessages(at: day(9), limit: 10).contains { $0.id == due[0].id } == false)
        #expect(try await store.dueMessages(at: day(9), limit: 1).count == 1)
        await #expect(throws: StoreError.self) { try await store.markDelivered(OutboxID(9_999), at: day(3)) }
    }

    @Test(arguments: StoreKind.allCases)
    func settingsAndSchedules(kind: StoreKind) async throws {
        let store = try kind.make()
        #expect(try await store.setting("network.subnets") == nil)
        try await store.setSetting("network.subnets", to: #"["192.0.2.0/24"]"#)
        try await store.setSetting("network.subnets", to: #"["198.51.100.0/24"]"#)
        try await store.setSetting("retention.days", to: "90")
        #expect(try await store.setting("network.subnets") == #"["198.51.100.0/24"]"#)
        #expect(try await store.settings() == ["network.subnets": #"["198.51.100.0/24"]"#, "retention.days": "90"])
        try await store.setSetting("retention.days", to: nil)
        #expect(try await store.settings().keys.sorted() == ["network.subnets"])

        var nightly = try await store.createSchedule(Schedule(id: ScheduleID(0), name: "nightly", expression: "0 3 * * *", profile: "normal", targets: ["192.0.2.0/24"], nextRunAt: day(2)))
        let hourly = try await store.createSchedule(Schedule(id: ScheduleID(0), name: "hourly", expression: "every 1h", profile: "quick"))
        #expect(nightly.id != hourly.id)
        nightly.lastRunAt = day(2)
        nightly.nextRunAt = day(3)
        nightly.isEnabled = false
        try await store.updateSchedule(nightly)
        #expect(try await store.schedules() == [nightly, hourly])
        #expect(try await store.deleteSchedule(hourly.id))
        #expect(try await store.deleteSchedule(hourly.id) == false)
        #expect(try await store.schedules() == [nightly])
        await #expect(throws: StoreError.self) { try await store.updateSchedule(hourly) }
    }
}
