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
            let concurrentRun = try NmapXMLReader.readConcurrently(path: Fixture.url(name).path, batchSize: batchSize, queueDepth: 2) { concurrent += $0 }
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
        let xml = NmapXMLReaderHostileInputTests.header
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
