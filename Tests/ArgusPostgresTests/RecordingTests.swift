//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusPostgres
import ArgusTesting
import Foundation
import Testing

/// What the contract suites cannot see of PostgreSQL's recorder: scans large enough to go out
/// in many `COPY` batches and id reservations, values that COPY's text form must escape, and a
/// producer that fails after batches were already written.
@Suite(TestDatabase.available) struct RecordingTests {
    /// A host of a large scan, with ports and an odd name now and then.
    static func host(_ index: Int, deviceID: DeviceID? = nil) -> DeviceUpdate {
        DeviceUpdate(
            deviceID: deviceID, ip: "10.\(index / 65_536).\(index / 256 % 256).\(index % 256)", mac: nil, hostname: "host-\(index)",
            ports: [ObservedPort(protocol: .tcp, number: 22, state: .open), ObservedPort(protocol: .tcp, number: 80 + index % 3, state: .open)],
            riskLevel: index % 10 == 0 ? .high : .low, riskScore: index % 100)
    }

    @Test func aLargeScanGoesOutInBatchesAndComesBackWhole() async throws {
        try await TestDatabase.withStore { store in
            let count = 12_000
            let first = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: ["10.0.0.0/16"], status: .running))
            let recorded = try await store.record(first.id, at: day(1)) { recorder in
                for index in 0..<count {
                    let id = try recorder.add(Self.host(index))
                    try recorder.add(NewChange(device: .known(id), kind: .deviceAdded, description: "new \(index)"))
                }
                return ScanOutcome(hostsUp: count)
            }
            #expect(recorded.deviceIDs.count == count && Set(recorded.deviceIDs).count == count && recorded.newDevices == count)
            #expect(recorded.changeIDs.count == count && Set(recorded.changeIDs).count == count)
            #expect(recorded.scan.devicesFound == count && recorded.scan.openPorts == 2 * count)
            #expect(try await store.deviceCounts().total == count)
            #expect(try await store.changes(ChangeQuery(limit: 1)).total == count)
            let latest = try await store.latestObservations()
            #expect(latest.count == count && latest.allSatisfy { $0.ports.count == 2 })
            // Every change names the device it was added with.
            let changes = try await store.changes(withIDs: Array(recorded.changeIDs.prefix(500)))
            #expect(changes.map(\.deviceID) == recorded.deviceIDs.prefix(500).map { $0 })

            // A second scan updates every device and fails after thousands: none of it stays.
            struct Stop: Error {}
            let second = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: ["10.0.0.0/16"], status: .running))
            await #expect(throws: Stop.self) {
                try await store.record(second.id, at: day(2)) { recorder in
                    for (index, id) in recorded.deviceIDs.enumerated() {
                        var update = Self.host(index, deviceID: id)
                        update.hostname = "renamed"
                        try recorder.add(update)
                        if index == count - 10 { throw Stop() }
                    }
                    return ScanOutcome()
                }
            }
            #expect(try await store.devices(DeviceQuery(search: "renamed")).total == 0)
            #expect(try await store.history(of: recorded.deviceIDs[0], limit: 5).count == 1)
            #expect(try await store.scan(second.id)?.status == .running)
            // And it can be recorded after.
            let again = try await store.record(second.id, at: day(2)) { recorder in
                for (index, id) in recorded.deviceIDs.enumerated() { try recorder.add(Self.host(index, deviceID: id)) }
                try recorder.markOffline([])
                return ScanOutcome()
            }
            #expect(again.newDevices == 0 && again.deviceIDs == recorded.deviceIDs)
            #expect(try await store.device(recorded.deviceIDs[7])?.timesSeen == 2)
        }
    }

    @Test func valuesThatCopyMustEscapeComeBackAsTheyWent() async throws {
        try await TestDatabase.withStore { store in
            let odd = "tab\there, new\nline, back\\slash \\N, carriage\rreturn, \"quotes\", {braces}, ünïcødé 🛰"
            let port = ObservedPort(
                protocol: .udp, number: 161, state: .open, serviceName: odd, product: "", version: nil, extraInfo: "\\",
                cpes: ["cpe:/a:\"x\":y", "cpe:/a:back\\slash", "with,comma", "{}", "NULL", ""])
            let recorded = try await recordScan(
                store, at: Date(timeIntervalSince1970: 1_700_000_000.25),
                devices: [DeviceUpdate(ip: "2001:db8::1", mac: "AA:BB:CC:DD:EE:FF", hostname: odd, vendor: "\\N", ports: [port])],
                changes: [NewChange(device: .update(0), kind: .deviceAdded, oldValue: "\\N", newValue: odd, description: odd)],
                outbox: [NewOutboxMessage(sink: "webhook", idempotencyKey: "k\t1", payload: #"{"text":"a\tb\\n"}"#, subject: odd)])
            let device = try #require(try await store.device(recorded.deviceIDs[0]))
            #expect(device.hostname == odd && device.vendor == "\\N")
            #expect(device.lastSeen == Date(timeIntervalSince1970: 1_700_000_000.25))
            #expect(try await store.device(address: "2001:db8::1")?.id == device.id)
            #expect(try await store.device(address: "aa-bb-cc-dd-ee-ff")?.id == device.id)
            let observed = try #require(try await store.observations(in: recorded.scan.id).first)
            #expect(observed.ports == [port])
            let change = try #require(try await store.changes(ChangeQuery()).items.first)
            #expect(change.description == odd && change.newValue == odd && change.oldValue == "\\N")
            let message = try #require(try await store.recentMessages(limit: 1).first)
            #expect(message.idempotencyKey == "k\t1" && message.payload == #"{"text":"a\tb\\n"}"# && message.subject == odd)
        }
    }

    @Test func aPortListedTwiceKeepsItsLastEntry() async throws {
        try await TestDatabase.withStore { store in
            let recorded = try await recordScan(
                store, at: day(1),
                devices: [
                    DeviceUpdate(
                        ip: "192.0.2.1",
                        ports: [
                            ObservedPort(protocol: .tcp, number: 22, state: .filtered),
                            ObservedPort(protocol: .tcp, number: 22, state: .open, serviceName: "ssh"),
                        ])
                ])
            #expect(try await store.history(of: recorded.deviceIDs[0], limit: 1).first?.ports.map(\.serviceName) == ["ssh"])
        }
    }
}

/// Records a finished scan of these devices at `date`.
@discardableResult
func recordScan(
    _ store: any DeviceStore, at date: Date, devices: [DeviceUpdate], changes: [NewChange] = [], outbox: [NewOutboxMessage] = []
) async throws -> RecordedScan {
    let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: [], status: .running, createdAt: date))
    return try await store.record(ScanResult(scanID: scan.id, finishedAt: date, devices: devices, changes: changes, outbox: outbox))
}
