//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusSQLite
import Foundation
import Testing

/// A large nmap file made from the real `range` fixture: its hosts replicated with new addresses.
func replicatedScan(hosts count: Int, in folder: URL) throws -> URL {
    let text = try String(contentsOf: URL(fileURLWithPath: CLI.fixture("range")), encoding: .utf8)
    let head = text[..<text.range(of: "<host ")!.lowerBound]
    let firstHost = text.range(of: "<host ")!.lowerBound
    let hostEnd = text.range(of: "</host>")!.upperBound
    let host = String(text[firstHost..<hostEnd])
    let tail = text[text.range(of: "<runstats>")!.lowerBound...]
    var output = String(head)
    output.reserveCapacity(count * (host.count + 20))
    for index in 0..<count {
        let address = "10.\(index >> 16 & 255).\(index >> 8 & 255).\(index & 255)"
        output += host.replacingOccurrences(of: "addr=\"127.0.0.1\"", with: "addr=\"\(address)\"") + "\n"
    }
    output += tail.replacingOccurrences(
        of: "<hosts up=\"6\" down=\"0\" total=\"6\"/>", with: "<hosts up=\"\(count)\" down=\"0\" total=\"\(count)\"/>")
    let url = folder.appendingPathComponent("scan-\(count).xml")
    try output.write(to: url, atomically: true, encoding: .utf8)
    return url
}

func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("argus-cli-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct StoreCommandTests {
    @Test func importListAndShowDevices() async throws {
        let folder = temporaryFolder()
        let db = folder.appendingPathComponent("argus.db").path
        let first = try CLI.run(["import", CLI.fixture("range"), "--db", db])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(
            first.standardOutput.contains("as scan 1: 6 hosts up, 0 down; 6 devices (6 new), 4 open ports; 10 changes (argus-cli changes --scan 1)."))
        let mac = try CLI.run(["import", CLI.fixture("mac"), "--db", db])
        #expect(mac.standardOutput.contains("1 devices (1 new)"))
        let again = try CLI.run(["import", CLI.fixture("range"), "--db", db])
        #expect(again.standardOutput.contains("6 devices (0 new)"))
        #expect(again.standardOutput.contains("; 0 changes"), "the same file again changes nothing")

        let scans = try CLI.run(["scans", "--db", db])
        #expect(scans.status == 0)
        let scanLines = scans.standardOutput.split(separator: "\n")
        #expect(scanLines.first?.hasPrefix("ID  STATUS") == true)
        #expect(scanLines[1].hasPrefix("3   completed  imported"))
        #expect(scans.standardOutput.contains("3 of 3 scans"))

        let devices = try CLI.run(["devices", "--db", db])
        let lines = devices.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 7 + 1)
        #expect(lines[1].contains("10.213.0.2") && lines[1].contains("00:1B:21:3A:4B:5C") && lines[1].contains("Intel Corporate"))
        #expect(lines[2].contains("127.0.0.1"))
        // Columns line up: every row has its IP where the header has IP.
        let ipColumn = lines[0].range(of: "IP")!.lowerBound.utf16Offset(in: lines[0])
        #expect(lines[1...7].allSatisfy { $0.utf16.count > ipColumn && $0[$0.index($0.startIndex, offsetBy: ipColumn)] != " " })
        let filtered = try CLI.run(["devices", "--db", db, "--search", "intel", "--json"])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(filtered.standardOutput.utf8)) as? [[String: Any]])
        #expect(listed.count == 1)
        #expect((listed[0]["device"] as? [String: Any])?["mac"] as? String == "00:1B:21:3A:4B:5C")
        #expect(listed[0]["openPorts"] as? Int == 2)

        let device = try CLI.run(["device", "00-1b-21-3a-4b-5c", "--db", db])
        #expect(device.status == 0, "\(device.standardError)")
        #expect(device.standardOutput.contains("22022/tcp  ssh      OpenSSH       7.4p1 Debian 10+deb9u7 (protocol 2.0)"))
        let local = try CLI.run(["device", "127.0.0.1", "--db", db, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(local.standardOutput.utf8)) as? [String: Any])
        #expect((report["device"] as? [String: Any])?["timesSeen"] as? Int == 2)
        #expect((report["history"] as? [Any])?.count == 2)
        let missing = try CLI.run(["device", "192.0.2.77", "--db", db])
        #expect(missing.status == 1 && missing.standardError.contains("no device is known at 192.0.2.77"))
    }

    @Test func badFilesImportNothingAndSaySo() throws {
        let folder = temporaryFolder()
        let db = folder.appendingPathComponent("argus.db").path
        let garbage = folder.appendingPathComponent("garbage.xml")
        try Data("this is not xml".utf8).write(to: garbage)
        let bad = try CLI.run(["import", garbage.path, "--db", db])
        #expect(bad.status == 1)
        #expect(bad.standardError.contains("not XML"))
        let cut = folder.appendingPathComponent("cut.xml")
        try Data(try Data(contentsOf: URL(fileURLWithPath: CLI.fixture("range"))).prefix(8_000)).write(to: cut)
        let partial = try CLI.run(["import", cut.path, "--db", db])
        #expect(partial.status == 2)
        #expect(partial.standardError.contains("incomplete"))
        let scans = try CLI.run(["scans", "--db", db, "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(scans.standardOutput.utf8)) as? [[String: Any]])
        #expect(list.map { $0["status"] as? String } == ["failed", "failed"])
        #expect((list[0]["devicesFound"] as? Int ?? 0) >= 1, "the complete hosts of a cut file are kept")
        #expect(list[1]["devicesFound"] as? Int == 0)

        let notADatabase = try CLI.run(["scans", "--db", garbage.path])
        #expect(notADatabase.status == 1)
        #expect(notADatabase.standardError.contains("not an SQLite database"))
        #expect(try String(contentsOf: garbage, encoding: .utf8) == "this is not xml")
    }

    @Test func aFullDiskIsAClearErrorAndLosesNothing() async throws {
        let folder = temporaryFolder()
        let big = try replicatedScan(hosts: 6_000, in: folder)
        // As root, a real full disk: a 1 MiB tmpfs. Elsewhere a file-size limit (ulimit -f)
        // stands in for one: writes past it fail with EFBIG.
        let disk = folder.appendingPathComponent("disk")
        try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
        let mounted = getuid() == 0 && (try? CLI.run(["/bin/mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.path], direct: true).status) == 0
        defer { if mounted { _ = try? CLI.run(["/bin/umount", disk.path], direct: true) } }
        let db = disk.appendingPathComponent("argus.db").path
        #expect(try CLI.run(["import", CLI.fixture("range"), "--db", db]).status == 0)
        let filled: CLI.Result
        if mounted {
            filled = try CLI.run(["import", big.path, "--db", db])
        } else {
            filled = try CLI.run(
                ["/bin/sh", "-c", "ulimit -f 1024; exec \"$0\" \"$@\"", CLI.executable.path, "import", big.path, "--db", db], direct: true)
        }
        #expect(filled.status == 1, "\(filled.standardOutput) \(filled.standardError)")
        #expect(filled.standardError.contains("is full"), "\(filled.standardError)")
        let store = try SQLiteDeviceStore(path: db)
        #expect(try await store.integrityCheck() == ["ok"])
        #expect(try await store.devices(DeviceQuery()).total == 6)
        #expect(try await store.scan(ScanID(1))?.devicesFound == 6)
        #expect(try await store.scans(ScanQuery()).items.first?.status != .completed)
    }

    @Test func aFolderThatCannotBeWrittenIsAClearError() throws {
        let folder = temporaryFolder()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        let db = folder.appendingPathComponent("argus.db").path
        #expect(try CLI.run(["import", CLI.fixture("range"), "--db", db]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: db)
        let fresh = folder.appendingPathComponent("new/argus.db").path
        let asOther: [String]
        if getuid() == 0 {
            // Root may write anywhere: run as nobody, for whom the folder is read-only.
            asOther = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI.executable.path]
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: folder.path)
            asOther = [CLI.executable.path]
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path) }
        let existing = try CLI.run(asOther + ["import", CLI.fixture("mac"), "--db", db], direct: true)
        #expect(existing.status == 1)
        #expect(existing.standardError.contains("cannot") && existing.standardError.contains(folder.lastPathComponent), "\(existing.standardError)")
        let created = try CLI.run(asOther + ["scans", "--db", fresh], direct: true)
        #expect(created.status == 1)
        #expect(created.standardError.contains("cannot create the folder"), "\(created.standardError)")
    }
}

extension StoreCommandTests {
    /// A database file its user may not write is refused when opened, reads included: SQLite
    /// would open it for reading only, without a word, and every write (a key's last use, a
    /// sign-in) would fail later.
    @Test func aReadOnlyDatabaseIsRefusedWhenOpened() throws {
        let folder = temporaryFolder()
        let db = folder.appendingPathComponent("argus.db").path
        #expect(try CLI.run(["import", CLI.fixture("range"), "--db", db]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
        // The folder stays writable (SQLite may make its shared-memory file there): only the
        // file is read-only. Root may write anything: run as nobody, for whom it is.
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: folder.path)
        let asOther =
            getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI.executable.path] : [CLI.executable.path]
        let read = try CLI.run(asOther + ["scans", "--db", db], direct: true)
        #expect(read.status == 1, "\(read.standardOutput)")
        #expect(read.standardError.contains("read-only") && read.standardError.contains("write access"), "\(read.standardError)")
    }
}

@Suite struct ChangesCommandTests {
    @Test func listsFiltersAndAcknowledgesChanges() async throws {
        let db = temporaryFolder().appendingPathComponent("argus.db").path
        let store = try SQLiteDeviceStore(path: db)
        let scan = try await store.createScan(NewScan(kind: .network, profile: "normal", targets: ["192.0.2.0/24"], status: .running))
        try await store.record(
            ScanResult(
                scanID: scan.id, devices: [DeviceUpdate(ip: "192.0.2.5")],
                changes: [
                    NewChange(
                        device: .update(0), kind: .deviceAdded, severity: .warning, ip: "192.0.2.5",
                        description: "A new device appeared at 192.0.2.5."),
                    NewChange(
                        device: .update(0), kind: .portOpened, severity: .critical, ip: "192.0.2.5", port: 23, protocol: .tcp,
                        description: "Port 23/tcp opened on 192.0.2.5."),
                ]))
        let all = try CLI.run(["changes", "--db", db])
        #expect(all.status == 0, "\(all.standardError)")
        #expect(all.standardOutput.contains("critical  port_opened"))
        #expect(all.standardOutput.contains("2 of 2 changes"))
        let critical = try CLI.run(["changes", "--db", db, "--severity", "critical", "--json"])
        let items = try #require(try JSONSerialization.jsonObject(with: Data(critical.standardOutput.utf8)) as? [[String: Any]])
        #expect(items.map { $0["kind"] as? String } == ["port_opened"])
        let id = try #require(items.first?["id"] as? Int)
        let ack = try CLI.run(["changes", "--db", db, "--acknowledge", String(id)])
        #expect(ack.standardOutput.contains("Acknowledged 1 of 1 changes."))
        let open = try CLI.run(["changes", "--db", db, "--unacknowledged"])
        #expect(open.standardOutput.contains("1 of 1 changes") && open.standardOutput.contains("device_added"))
        #expect(try CLI.run(["changes", "--db", db, "--severity", "loud"]).status == 1)
    }
}
