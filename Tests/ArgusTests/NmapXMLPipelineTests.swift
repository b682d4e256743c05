//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// Reading on a second thread hands on exactly what reading on one does.
@Suite struct NmapXMLPipelineTests {
    @Test(arguments: Fixture.all)
    func concurrentReadingGivesTheSameEvents(name: String) throws {
        var sequential: [NmapXMLEvent] = []
        let run = try NmapXMLReader.read(path: Fixture.url(name).path) { sequential.append($0) }
        for batchSize in [1, 3, 256] {
            var concurrent: [NmapXMLEvent] = []
            let concurrentRun = try NmapXMLReader.readConcurrently(path: Fixture.url(name).path, batchSize: batchSize, queueDepth: 2) {
                concurrent += $0
            }
            #expect(concurrent == sequential)
            #expect(concurrentRun == run)
        }
    }

    @Test func aConsumerErrorStopsTheReaderAndIsRethrown() throws {
        struct Enough: Error {}
        var batches = 0
        #expect(throws: Enough.self) {
            _ = try NmapXMLReader.readConcurrently(path: Fixture.url("range").path, batchSize: 1, queueDepth: 1) { _ in
                batches += 1
                if batches == 3 { throw Enough() }
            }
        }
        #expect(batches == 3)
    }

    @Test func hostsBeforeAReaderErrorArriveThenTheError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("argus-pipeline-\(UUID().uuidString).xml")
        let xml =
            NmapXMLReaderHostileInputTests.header
            + NmapXMLReaderHostileInputTests.host("", address: "192.0.2.1")
            + NmapXMLReaderHostileInputTests.host("", address: "192.0.2.2")
            + "<host><oops></host>" + NmapXMLReaderHostileInputTests.footer
        try xml.write(to: folder, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: folder) }
        var seen: [String] = []
        #expect(throws: NmapXMLError.self) {
            _ = try NmapXMLReader.readConcurrently(path: folder.path) { events in
                for case .host(let host) in events { seen.append(host.ipv4 ?? "") }
            }
        }
        #expect(seen == ["192.0.2.1", "192.0.2.2"])
        #expect(throws: NmapXMLError.self) {
            _ = try NmapXMLReader.readConcurrently(path: "/nonexistent/scan.xml") { _ in }
        }
    }
}

/// The two-thread reader refuses and truncates exactly as the one-thread reader does.
@Suite struct NmapXMLPipelineHostileInputTests {
    /// Reads bytes both ways; returns each way's error code, or hosts and completeness.
    static func bothWays(_ bytes: [UInt8], limits: NmapXMLReader.Limits = .init()) throws -> (sequential: String, concurrent: String) {
        func describe(_ body: () throws -> (ScanRun, [HostObservation])) -> String {
            do {
                let (run, hosts) = try body()
                return
                    "ok \(hosts.map { $0.primaryAddress ?? "?" }) complete=\(run.isComplete) cut=\(run.truncation?.partialHost ?? "-") \(run.truncation.map { "\($0.line):\($0.column)" } ?? "")"
            } catch let error as NmapXMLError {
                return "\(error.code) \(error.line):\(error.column)"
            } catch {
                return "other \(error)"
            }
        }
        let sequential = describe {
            let document = try NmapXMLReader.parse(bytes, limits: limits)
            return (document.run, document.hosts)
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("argus-both-\(UUID().uuidString).xml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let concurrent = describe {
            var hosts: [HostObservation] = []
            let run = try NmapXMLReader.readConcurrently(path: file.path, limits: limits) { events in
                for case .host(let host) in events { hosts.append(host) }
            }
            return (run, hosts)
        }
        return (sequential, concurrent)
    }

    @Test func hostileInputsAreRefusedTheSameWay() throws {
        let header = NmapXMLReaderHostileInputTests.header
        let footer = NmapXMLReaderHostileInputTests.footer
        func host(_ body: String, address: String = "192.0.2.1") -> String { NmapXMLReaderHostileInputTests.host(body, address: address) }
        let cases: [String] = [
            "",
            "   \n ",
            "this is not xml",
            "<html><body/></html>",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n<nmaprun>&xxe;</nmaprun>",
            "<!DOCTYPE nmaprun [ <!ENTITY a \"b\"> ]><nmaprun/>",
            header + host("<hostnames><hostname name=\"&undefined;\"/></hostnames>") + footer,
            header + host("", address: "192.0.2.1")
                + host("<ports><port protocol=\"tcp\" portid=\"70000\"><state state=\"open\"/></port></ports>", address: "192.0.2.2") + footer,
            header + host("", address: "192.0.2.1") + "<host><oops></host>" + footer,
            header + host("<hostnames><hostname name=\"\(String(repeating: "A", count: (1 << 20) + 1))\"/></hostnames>") + footer,
            header + String(repeating: "<x>", count: 200) + String(repeating: "</x>", count: 200) + footer,
            header + "<output type=\"interactive\">x &amp; y</output>" + host("<futurething/>") + footer,
        ]
        for xml in cases {
            let result = try Self.bothWays(Array(xml.utf8))
            #expect(result.sequential == result.concurrent, "\(xml.prefix(80))")
        }
        var invalid = Array((header + "\n").utf8)
        invalid +=
            Array("<host><status state=\"up\"/><address addr=\"192.0.2.1\"/><hostnames><hostname name=\"".utf8) + [0xC3, 0x28, 0xFF]
            + Array("\"/></hostnames></host>".utf8) + Array(footer.utf8)
        let result = try Self.bothWays(invalid)
        #expect(result.sequential == result.concurrent)
    }

    @Test(arguments: ["range", "dtd-coverage"])
    func truncationIsTheSameEverywhere(name: String) throws {
        let bytes = try Fixture.bytes(name)
        let step = max(1, bytes.count / 150)
        for length in stride(from: 0, through: bytes.count, by: step) {
            let result = try Self.bothWays(Array(bytes[0..<length]))
            #expect(result.sequential == result.concurrent, "cut at \(length)")
        }
    }
}
