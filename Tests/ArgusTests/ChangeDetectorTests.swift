//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Testing

@Suite struct ChangeDetectorTests {
    static func open(_ number: Int, _ name: String? = nil, product: String? = nil, version: String? = nil) -> ObservedPort {
        ObservedPort(protocol: .tcp, number: number, state: .open, serviceName: name, product: product, version: version)
    }

    let nas = DeviceID(1)
    let camera = DeviceID(2)
    let printer = DeviceID(3)

    var previous: [DeviceSnapshot] {
        [
            DeviceSnapshot(
                deviceID: nas, ip: "192.0.2.10", mac: "00:1B:21:3A:4B:5C", hostname: "nas", osName: "Linux 5.X",
                ports: [Self.open(22, "ssh", product: "OpenSSH", version: "8.9p1"), Self.open(445, "microsoft-ds")], riskLevel: .low),
            DeviceSnapshot(deviceID: camera, ip: "192.0.2.20", mac: "AA:BB:CC:00:11:22", ports: [Self.open(554, "rtsp")]),
            DeviceSnapshot(deviceID: printer, ip: "192.0.2.30", mac: "00:00:48:11:22:33", isOnline: false),
        ]
    }

    @Test func nothingChangedMeansNoChanges() {
        let current = previous.filter(\.isOnline)
        #expect(ChangeDetector().changes(from: previous, to: current).isEmpty)
    }

    @Test func everyKindOfChangeIsReportedOnceWithItsValues() {
        let current = [
            // The NAS moved, was renamed, upgraded OpenSSH, closed SMB, opened telnet, and got riskier.
            DeviceSnapshot(
                deviceID: nas, ip: "192.0.2.11", mac: "00:1B:21:3A:4B:5C", hostname: "backup", osName: "Linux 6.X",
                ports: [Self.open(22, "ssh", product: "OpenSSH", version: "9.6p1"), Self.open(23, "telnet")], riskLevel: .high,
                cves: ["CVE-2024-6387"]),
            // The printer is back.
            DeviceSnapshot(deviceID: printer, ip: "192.0.2.30", mac: "00:00:48:11:22:33"),
            // A new device took the camera's old address... no: the camera is gone, a new device is at a new address.
            DeviceSnapshot(ip: "192.0.2.40", mac: "DE:AD:BE:EF:00:01", ports: [Self.open(80, "http")]),
        ]
        let changes = ChangeDetector().changes(from: previous, to: current)
        let kinds = changes.map(\.kind.rawValue)
        #expect(
            kinds == [
                "ip_changed", "hostname_changed", "os_changed", "service_changed", "port_opened", "port_closed", "new_cve", "risk_changed",
                "device_back_online", "device_added", "port_opened", "device_removed",
            ])
        let moved = changes[0]
        #expect(moved.device == .known(nas) && moved.oldValue == "192.0.2.10" && moved.newValue == "192.0.2.11" && moved.severity == .info)
        #expect(moved.description == "00:1B:21:3A:4B:5C moved from 192.0.2.10 to 192.0.2.11.")
        let telnet = changes[4]
        #expect(telnet.port == 23 && telnet.protocol == .tcp && telnet.newValue == "telnet" && telnet.severity == .warning)
        let ssh = changes[3]
        #expect(ssh.oldValue == "ssh OpenSSH 8.9p1" && ssh.newValue == "ssh OpenSSH 9.6p1" && ssh.port == 22)
        #expect(changes[5].port == 445 && changes[5].oldValue == "microsoft-ds")
        #expect(changes[6].newValue == "CVE-2024-6387")
        #expect(changes[7].oldValue == "low" && changes[7].newValue == "high" && changes[7].severity == .critical)
        #expect(changes[8].device == .known(printer))
        #expect(changes[9].device == .update(2) && changes[9].severity == .warning && changes[9].mac == "DE:AD:BE:EF:00:01")
        #expect(changes[10].device == .update(2) && changes[10].port == 80)
        #expect(changes[11].device == .known(camera) && changes[11].ip == "192.0.2.20")
        #expect(changes.allSatisfy { !$0.description.isEmpty && $0.description.hasSuffix(".") })
    }

    @Test func aNewDeviceOnAKnownAddressIsAMACChange() {
        let current = [DeviceSnapshot(ip: "192.0.2.20", mac: "02:00:00:00:00:99")]
        let changes = ChangeDetector().changes(from: previous, to: current, coversAllPrevious: false)
        #expect(changes.map(\.kind.rawValue) == ["device_added", "mac_changed"])
        #expect(changes[1].oldValue == "AA:BB:CC:00:11:22" && changes[1].newValue == "02:00:00:00:00:99")
    }

    @Test func aPartialScanNeverReportsRemovals() {
        let current = [DeviceSnapshot(deviceID: camera, ip: "192.0.2.20", mac: "AA:BB:CC:00:11:22", ports: [Self.open(554, "rtsp")])]
        #expect(ChangeDetector().changes(from: previous, to: current, coversAllPrevious: false).isEmpty)
        #expect(ChangeDetector().changes(from: previous, to: current).map(\.kind.rawValue) == ["device_removed"])
    }

    @Test func fallingRiskIsInformation() {
        let current = [
            DeviceSnapshot(
                deviceID: nas, ip: "192.0.2.10", mac: "00:1B:21:3A:4B:5C", hostname: "nas", osName: "Linux 5.X", ports: previous[0].ports,
                riskLevel: .none)
        ]
        let changes = ChangeDetector().changes(from: [previous[0]], to: current)
        #expect(changes.map(\.kind.rawValue) == ["risk_changed"])
        #expect(changes[0].severity == .info)
    }
}
