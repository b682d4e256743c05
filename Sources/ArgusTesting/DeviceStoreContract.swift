//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The contract every ``DeviceStore`` keeps: scans, devices, their observations and changes. See ``StoreContract`` for how to run it.
public enum DeviceStoreContract: StoreContract {
    /// The store each check takes.
    public typealias Store = any DeviceStore

    /// The checks, by name.
    public static let checks: [String: @Sendable (Store) async throws -> Void] = [
        "deviceCountsInOnePass": { try await deviceCountsInOnePass($0) },
        "pruningKeepsDevicesAndTheirLatestObservation": { try await pruningKeepsDevicesAndTheirLatestObservation($0) },
        "olderSightingsCoverageAndCarriedPorts": { try await olderSightingsCoverageAndCarriedPorts($0) },
        "scanLifecycle": { try await scanLifecycle($0) },
        "interruptedScans": { try await interruptedScans($0) },
        "devicesKeepTheirIdentityAndOwnerFieldsAcrossScans": { try await devicesKeepTheirIdentityAndOwnerFieldsAcrossScans($0) },
        "aFailedRecordStoresNothing": { try await aFailedRecordStoresNothing($0) },
        "riskSortsByLevelThenScore": { try await riskSortsByLevelThenScore($0) },
        "deviceQueriesFilterSortAndPage": { try await deviceQueriesFilterSortAndPage($0) },
        "changesAreStoredWithTheirDevicesAndCanBeAcknowledged": { try await changesAreStoredWithTheirDevicesAndCanBeAcknowledged($0) },
    ]

    static func deviceCountsInOnePass(_ store: any DeviceStore) async throws {
        try await expect(try await store.deviceCounts() == DeviceCounts(total: 0, online: 0, byRisk: [:]))
        let first = try await recordScan(
            store, at: day(1),
            devices: [
                DeviceUpdate(ip: "192.0.2.1", riskLevel: .high, riskScore: 50), DeviceUpdate(ip: "192.0.2.2", riskLevel: .high, riskScore: 60),
                DeviceUpdate(ip: "192.0.2.3"),
            ])
        try await recordScan(
            store, at: day(2), devices: [DeviceUpdate(deviceID: first.deviceIDs[0], ip: "192.0.2.1", riskLevel: .critical, riskScore: 90)],
            offline: [first.deviceIDs[1]])
        let counts = try await store.deviceCounts()
        try await expect(counts.total == 3 && counts.online == 2)
        try await expect(counts.byRisk == [.critical: 1, .high: 1, .none: 1, .low: 0, .medium: 0])
    }

    static func pruningKeepsDevicesAndTheirLatestObservation(_ store: any DeviceStore) async throws {
        // Scan 1 sees A and B; scans 2 and 3 see only A; B's latest observation is in scan 1.
        let first = try await recordScan(
            store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1", ports: [port(22)]), DeviceUpdate(ip: "192.0.2.2")],
            changes: [NewChange(device: .update(0), kind: .deviceAdded, description: "A new device appeared at 192.0.2.1.")])
        let a = first.deviceIDs[0]
        let b = first.deviceIDs[1]
        let second = try await recordScan(store, at: day(2), devices: [DeviceUpdate(deviceID: a, ip: "192.0.2.1")])
        let third = try await recordScan(store, at: day(3), devices: [DeviceUpdate(deviceID: a, ip: "192.0.2.1")])
        try await expect(try await store.pruneScans(finishedBefore: nil, keepingNewest: nil) == 0)
        // Everything before day 3 is old, but scan 1 holds B's latest observation.
        try await expect(try await store.pruneScans(finishedBefore: day(2, hour: 12), keepingNewest: nil) == 1)
        try await expect(try await store.scans(ScanQuery()).items.map(\.id) == [third.scan.id, first.scan.id])
        try await expect(try await store.scan(second.scan.id) == nil)
        try await expect(
            try await store.history(of: a, limit: 10).map(\.scanID) == [third.scan.id, first.scan.id], "scan 1 stays for B, with A in it")
        try await expect(try await store.history(of: b, limit: 10).map(\.scanID) == [first.scan.id])
        try await expect(try await store.device(a)?.timesSeen == 3, "the device keeps its counts")
        try await expect(try await store.changes(ChangeQuery(scanID: first.scan.id)).total == 1)
        // B seen again: scan 1 is no longer protected, and the newest one is kept by count.
        let fourth = try await recordScan(store, at: day(4), devices: [DeviceUpdate(deviceID: b, ip: "192.0.2.2")])
        try await expect(try await store.pruneScans(finishedBefore: nil, keepingNewest: 1) == 1)
        try await expect(try await store.scans(ScanQuery()).items.map(\.id) == [fourth.scan.id, third.scan.id], "scan 3 holds A's latest")
        try await expect(try await store.changes(ChangeQuery()).total == 0, "the pruned scan's changes went with it")
        try await expect(try await store.devices(DeviceQuery()).total == 2)
    }

    /// A real assessment with findings and a known vulnerability (OpenSSH 7.4 on port 22).
    static var nasAssessment: ThreatAssessment {
        ThreatDetector().assess([port(22, service: "ssh", product: "OpenSSH", version: "7.4", cpes: ["cpe:/a:openbsd:openssh:7.4"]), port(23)])
    }

    static func olderSightingsCoverageAndCarriedPorts(_ store: any DeviceStore) async throws {
        let first = try await recordScan(
            store, at: day(2), devices: [DeviceUpdate(ip: "192.0.2.1", ports: [port(22)], assessment: ThreatDetector().assess([port(22)]))])
        let a = first.deviceIDs[0]
        try await expect(
            try await store.assessments(of: [a, DeviceID(9_999)]) == [a: ThreatDetector().assess([port(22)])], "assessments come back as they went in"
        )

        // A scan recorded later that saw A earlier (an older file): history only.
        let coverage = ScanCoverage(
            targets: ["192.0.2.0/29"], exclusions: ["192.0.2.7"], ports: [.init(protocol: .tcp, ranges: [1...1000])], probesServices: true)
        let older = try await store.createScan(
            NewScan(kind: .imported, profile: "imported", targets: ["old.xml"], status: .running, createdAt: day(3)))
        let recorded = try await store.record(older.id, at: day(3)) { recorder in
            try recorder.add(
                DeviceUpdate(deviceID: a, ip: "192.0.2.1", hostname: "old-name", ports: [port(80)], riskLevel: .high, riskScore: 40, seenAt: day(1)))
            return ScanOutcome(status: .completed, finishedAt: day(1), coverage: coverage)
        }
        try await expect(recorded.deviceIDs == [a])
        let device = try await require(try await store.device(a))
        try await expect(device.lastSeen == day(2, hour: 0).addingTimeInterval(60) && device.lastScanID == first.scan.id)
        try await expect(device.hostname == nil && device.riskLevel == .none && device.timesSeen == 1, "newer facts stay")
        try await expect(try await store.history(of: a, limit: 5).map(\.observedAt).sorted() == [day(1), day(2).addingTimeInterval(60)])
        try await expect(try await store.latestObservations().map(\.scanID) == [first.scan.id])
        try await expect(try await store.latestObservations().first?.ports.map(\.number) == [22])
        try await expect(try await store.scan(older.id)?.coverage == coverage)
        try await expect(try await store.scan(first.scan.id)?.coverage == nil)

        // A port carried over from an earlier scan keeps when it was last confirmed, and is not
        // counted among the scan's own open ports.
        var carried = port(22)
        carried.confirmedAt = day(2)
        let third = try await recordScan(store, at: day(4), devices: [DeviceUpdate(deviceID: a, ip: "192.0.2.1", ports: [carried, port(443)])])
        try await expect(third.scan.openPorts == 1)
        let latest = try await require(try await store.latestObservations().first)
        try await expect(latest.scanID == third.scan.id)
        try await expect(latest.ports.map(\.number) == [22, 443] && latest.ports.map(\.confirmedAt) == [day(2), nil])
        try await expect(try await store.devices(DeviceQuery()).items.first?.openPorts == 2)
    }

    static func scanLifecycle(_ store: any DeviceStore) async throws {
        let created = try await store.createScan(
            NewScan(kind: .network, profile: "quick", targets: ["192.0.2.0/24", "198.51.100.7"], createdAt: day(1)))
        try await expect(created.status == .queued)
        try await expect(created.targets == ["192.0.2.0/24", "198.51.100.7"])
        try await expect(created.startedAt == nil)
        let running = try await store.markScan(created.id, as: .running, at: day(1, hour: 1), error: nil)
        try await expect(running.status == .running)
        try await expect(running.startedAt == day(1, hour: 1))

        let recorded = try await store.record(
            ScanResult(
                scanID: created.id, finishedAt: day(1, hour: 2), nmapVersion: "7.93", nmapArguments: "nmap -sn", hostsUp: 1, hostsDown: 3,
                devices: [DeviceUpdate(ip: "192.0.2.1", ports: [port(22), port(80, .closed)])]))
        try await expect(recorded.scan.status == .completed)
        try await expect(recorded.scan.finishedAt == day(1, hour: 2))
        try await expect(recorded.scan.duration == 3_600)
        try await expect(recorded.scan.hostsUp == 1 && recorded.scan.hostsDown == 3)
        try await expect(recorded.scan.devicesFound == 1 && recorded.scan.openPorts == 1)
        try await expect(recorded.scan.nmapVersion == "7.93")
        try await expect(try await store.scan(created.id) == recorded.scan)

        // A scan is recorded once, and a final scan does not move again.
        try await expectThrows(StoreError.self) { try await store.record(ScanResult(scanID: created.id)) }
        try await expectThrows(StoreError.self) { try await store.markScan(created.id, as: .running, at: day(2), error: nil) }
        try await expectThrows(StoreError.self) { try await store.record(ScanResult(scanID: ScanID(9_999))) }

        let failed = try await store.createScan(
            NewScan(kind: .device, profile: "normal", targets: ["192.0.2.9"], status: .running, createdAt: day(2)))
        let marked = try await store.markScan(failed.id, as: .failed, at: day(2, hour: 1), error: "nmap exited with status 1")
        try await expect(marked.errorMessage == "nmap exited with status 1")
        try await expect(marked.finishedAt == day(2, hour: 1))

        let all = try await store.scans(ScanQuery())
        try await expect(all.items.map(\.id) == [failed.id, created.id])
        try await expect(all.total == 2)
        try await expect(try await store.scans(ScanQuery(status: .failed)).items.map(\.id) == [failed.id])
        try await expect(try await store.scans(ScanQuery(kind: .network)).items.map(\.id) == [created.id])
        let page = try await store.scans(ScanQuery(limit: 1, offset: 1))
        try await expect(page.items.map(\.id) == [created.id] && page.total == 2)
    }

    static func interruptedScans(_ store: any DeviceStore) async throws {
        let queued = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], createdAt: day(1)))
        let running = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(1)))
        try await recordScan(store, at: day(2), devices: [])
        let interrupted = try await store.markInterruptedScans(at: day(3))
        try await expect(interrupted == [queued.id, running.id])
        try await expect(try await store.scan(running.id)?.status == .interrupted)
        try await expect(try await store.scan(running.id)?.finishedAt == day(3))
        try await expect(try await store.markInterruptedScans(at: day(4)).isEmpty)
    }

    static func devicesKeepTheirIdentityAndOwnerFieldsAcrossScans(_ store: any DeviceStore) async throws {
        let first = try await recordScan(
            store, at: day(1),
            devices: [
                DeviceUpdate(
                    ip: "192.0.2.10", mac: "00:1B:21:3A:4B:5C", hostname: "nas", vendor: "Intel Corporate", deviceType: .nas, osName: "Linux 5.X",
                    osAccuracy: 96,
                    ports: [
                        port(22, service: "ssh", product: "OpenSSH", version: "8.9p1", cpes: ["cpe:/a:openbsd:openssh:8.9p1"]),
                        port(445, service: "microsoft-ds", product: ""),
                    ], riskLevel: .medium, riskScore: 40, assessment: Self.nasAssessment),
                DeviceUpdate(ip: "192.0.2.20"),
            ])
        try await expect(first.newDevices == 2)
        let nas = first.deviceIDs[0]
        try await store.editDevice(nas, DeviceEdit(label: "Backup NAS", notes: "in the cupboard", isTrusted: true, zone: "servers"))

        // The NAS moves to a new address and loses its OS guess; the other device is gone.
        let second = try await recordScan(
            store, at: day(2),
            devices: [
                DeviceUpdate(
                    deviceID: nas, ip: "192.0.2.11", mac: "00:1B:21:3A:4B:5C", deviceType: .nas, ports: [port(22, service: "ssh")], riskLevel: .low,
                    riskScore: 10)
            ], offline: [first.deviceIDs[1]])
        try await expect(second.newDevices == 0)
        try await expect(second.deviceIDs == [nas])

        let device = try await require(try await store.device(nas))
        try await expect(device.ip == "192.0.2.11")
        try await expect(device.mac == "00:1B:21:3A:4B:5C")
        try await expect(device.hostname == "nas")
        try await expect(device.vendor == "Intel Corporate")
        try await expect(device.osName == "Linux 5.X" && device.osAccuracy == 96)
        try await expect(device.firstSeen == day(1).addingTimeInterval(60))
        try await expect(device.lastSeen == day(2).addingTimeInterval(60))
        try await expect(device.timesSeen == 2)
        try await expect(device.lastScanID == second.scan.id)
        try await expect(device.riskLevel == .low && device.riskScore == 10)
        try await expect(device.label == "Backup NAS" && device.notes == "in the cupboard" && device.isTrusted && device.zone == "servers")
        try await expect(try await store.device(first.deviceIDs[1])?.isOnline == false)
        try await expect(try await store.assessment(of: nas) == Self.nasAssessment)

        let history = try await store.history(of: nas, limit: 10)
        try await expect(history.map(\.scanID) == [second.scan.id, first.scan.id])
        try await expect(history[1].ip == "192.0.2.10")
        try await expect(history[1].ports.map(\.number) == [22, 445])
        try await expect(
            history[1].ports[0] == port(22, service: "ssh", product: "OpenSSH", version: "8.9p1", cpes: ["cpe:/a:openbsd:openssh:8.9p1"]))
        try await expect(history[1].ports[1] == port(445, service: "microsoft-ds", product: ""), "an empty text stays empty, not NULL")
        try await expect(history[1].riskLevel == .medium)
        try await expect(try await store.history(of: nas, limit: 1).count == 1)
        let seen = try await store.observations(in: first.scan.id)
        try await expect(Set(seen.map(\.deviceID)) == Set(first.deviceIDs))
        try await expect(try await store.inventory().map(\.id) == first.deviceIDs)

        // Lookups by address: the IP it has now, its MAC in any spelling.
        try await expect(try await store.device(address: "192.0.2.11")?.id == nas)
        try await expect(try await store.device(address: "00-1b-21-3a-4b-5c")?.id == nas)
        try await expect(try await store.device(address: "192.0.2.99") == nil)

        // Clearing owner fields, and a device that does not exist.
        let cleared = try await store.editDevice(nas, DeviceEdit(label: "", isTrusted: false))
        try await expect(cleared.label == nil && cleared.notes == "in the cupboard" && !cleared.isTrusted)
        try await expectThrows(StoreError.self) { try await store.editDevice(DeviceID(9_999), DeviceEdit(label: "x")) }
    }

    static func aFailedRecordStoresNothing(_ store: any DeviceStore) async throws {
        let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: day(1)))
        let broken = ScanResult(
            scanID: scan.id, finishedAt: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")],
            changes: [NewChange(device: .update(5), kind: .deviceAdded, description: "x")])
        try await expectThrows(StoreError.self) { try await store.record(broken) }
        let unknownDevice = ScanResult(
            scanID: scan.id, finishedAt: day(1), devices: [DeviceUpdate(ip: "192.0.2.1"), DeviceUpdate(deviceID: DeviceID(777), ip: "192.0.2.2")])
        try await expectThrows(StoreError.self) { try await store.record(unknownDevice) }
        try await expect(try await store.inventory().isEmpty)
        try await expect(try await store.changes(ChangeQuery()).total == 0)
        try await expect(try await store.scan(scan.id)?.status == .running)
        // And the scan can still be recorded properly.
        let recorded = try await store.record(ScanResult(scanID: scan.id, finishedAt: day(1), devices: [DeviceUpdate(ip: "192.0.2.1")]))
        try await expect(recorded.deviceIDs.count == 1)
    }

    static func riskSortsByLevelThenScore(_ store: any DeviceStore) async throws {
        let recorded = try await recordScan(
            store, at: day(1),
            devices: [
                DeviceUpdate(ip: "192.0.2.1", riskLevel: .high, riskScore: 50),
                DeviceUpdate(ip: "192.0.2.2", riskLevel: .critical, riskScore: 35),
                DeviceUpdate(ip: "192.0.2.3", riskLevel: .high, riskScore: 60),
                DeviceUpdate(ip: "192.0.2.4", riskLevel: .low, riskScore: 90),
            ])
        let ids = recorded.deviceIDs
        try await expect(
            try await store.devices(DeviceQuery(sort: .risk, descending: true)).items.map(\.device.id) == [ids[1], ids[2], ids[0], ids[3]])
        try await expect(try await store.devices(DeviceQuery(sort: .risk)).items.map(\.device.id) == [ids[3], ids[0], ids[2], ids[1]])
    }

    static func deviceQueriesFilterSortAndPage(_ store: any DeviceStore) async throws {
        let first = try await recordScan(
            store, at: day(1),
            devices: [
                DeviceUpdate(
                    ip: "10.0.0.10", hostname: "printer.lan", deviceType: .printer, ports: [port(631), port(9100)], riskLevel: .low, riskScore: 15),
                DeviceUpdate(
                    ip: "10.0.0.2", mac: "AA:BB:CC:00:11:22", hostname: "Camera-Front", deviceType: .camera, ports: [port(554), port(80), port(23)],
                    riskLevel: .critical, riskScore: 95),
                DeviceUpdate(ip: "10.0.0.100", deviceType: .unknown),
                DeviceUpdate(ip: "2001:db8::5", hostname: "v6host"),
            ])
        let ids = first.deviceIDs
        try await store.editDevice(ids[1], DeviceEdit(label: "Front door", isTrusted: true, zone: "iot"))
        try await recordScan(
            store, at: day(2),
            devices: [DeviceUpdate(deviceID: ids[0], ip: "10.0.0.10", deviceType: .printer, ports: [port(631)], riskLevel: .low, riskScore: 15)],
            offline: [ids[2]])

        let byIP = try await store.devices(DeviceQuery())
        try await expect(byIP.items.map(\.device.ip) == ["10.0.0.2", "10.0.0.10", "10.0.0.100", "2001:db8::5"])
        try await expect(byIP.total == 4)
        try await expect(byIP.items.map(\.openPorts) == [3, 1, 0, 0])
        try await expect(try await store.devices(DeviceQuery(descending: true)).items.first?.device.ip == "2001:db8::5")
        try await expect(try await store.devices(DeviceQuery(sort: .risk, descending: true)).items.first?.device.id == ids[1])
        try await expect(try await store.devices(DeviceQuery(sort: .lastSeen, descending: true)).items.first?.device.id == ids[0])
        try await expect(try await store.devices(DeviceQuery(riskLevel: .critical)).items.map(\.device.id) == [ids[1]])
        try await expect(try await store.devices(DeviceQuery(isTrusted: true)).items.map(\.device.id) == [ids[1]])
        try await expect(try await store.devices(DeviceQuery(zone: "iot")).items.map(\.device.id) == [ids[1]])
        try await expect(try await store.devices(DeviceQuery(deviceType: .printer)).items.map(\.device.id) == [ids[0]])
        try await expect(try await store.devices(DeviceQuery(isOnline: false)).items.map(\.device.id) == [ids[2]])
        try await expect(try await store.devices(DeviceQuery(search: "camera")).items.map(\.device.id) == [ids[1]])
        try await expect(try await store.devices(DeviceQuery(search: "aa:bb:cc")).items.map(\.device.id) == [ids[1]])
        try await expect(try await store.devices(DeviceQuery(search: "FRONT DOOR")).items.map(\.device.id) == [ids[1]])
        try await expect(try await store.devices(DeviceQuery(search: "100%_")).items.isEmpty)
        try await expect(try await store.devices(DeviceQuery(scanID: first.scan.id)).total == 4)
        let page = try await store.devices(DeviceQuery(limit: 2, offset: 1))
        try await expect(page.items.map(\.device.ip) == ["10.0.0.10", "10.0.0.100"] && page.total == 4)
    }

    static func changesAreStoredWithTheirDevicesAndCanBeAcknowledged(_ store: any DeviceStore) async throws {
        let first = try await recordScan(
            store, at: day(1), devices: [DeviceUpdate(ip: "192.0.2.1"), DeviceUpdate(ip: "192.0.2.2")],
            changes: [
                NewChange(
                    device: .update(0), kind: .deviceAdded, severity: .info, ip: "192.0.2.1", description: "A new device appeared at 192.0.2.1."),
                NewChange(
                    device: .update(1), kind: .deviceAdded, severity: .info, ip: "192.0.2.2", description: "A new device appeared at 192.0.2.2."),
            ])
        let second = try await recordScan(
            store, at: day(2), devices: [DeviceUpdate(deviceID: first.deviceIDs[0], ip: "192.0.2.1", ports: [port(23)])],
            changes: [
                NewChange(
                    device: .known(first.deviceIDs[0]), kind: .portOpened, severity: .critical, ip: "192.0.2.1", port: 23, protocol: .tcp,
                    oldValue: nil, newValue: "telnet", description: "Port 23/tcp (telnet) opened on 192.0.2.1."),
                NewChange(
                    device: .known(first.deviceIDs[1]), kind: .deviceRemoved, severity: .warning, ip: "192.0.2.2", description: "192.0.2.2 is gone."),
            ])
        let all = try await store.changes(ChangeQuery())
        try await expect(all.total == 4)
        try await expect(all.items.map(\.kind.rawValue) == ["device_removed", "port_opened", "device_added", "device_added"])
        let opened = all.items[1]
        try await expect(
            opened.deviceID == first.deviceIDs[0] && opened.port == 23 && opened.protocol == .tcp && opened.newValue == "telnet"
                && opened.oldValue == nil)
        try await expect(opened.detectedAt == day(2).addingTimeInterval(60))
        try await expect(all.items[3].deviceID == first.deviceIDs[0])
        try await expect(try await store.changes(ChangeQuery(scanID: second.scan.id)).total == 2)
        try await expect(try await store.changes(ChangeQuery(deviceID: first.deviceIDs[1])).total == 2)
        try await expect(try await store.changes(ChangeQuery(kind: .deviceAdded)).total == 2)
        try await expect(
            try await store.changes(ChangeQuery(minimumSeverity: .warning)).items.map(\.kind.rawValue) == ["device_removed", "port_opened"])
        try await expect(try await store.changes(ChangeQuery(limit: 1, offset: 1)).items.map(\.kind.rawValue) == ["port_opened"])

        try await expect(try await store.acknowledgeChanges([opened.id, ChangeID(9_999)], acknowledged: true) == 1)
        try await expect(try await store.changes(ChangeQuery(acknowledged: true)).items.map(\.id) == [opened.id])
        try await expect(try await store.changes(ChangeQuery(acknowledged: false)).total == 3)
        try await expect(try await store.acknowledgeChanges([opened.id], acknowledged: false) == 1)
        try await expect(try await store.changes(ChangeQuery(acknowledged: true)).total == 0)
    }
}
