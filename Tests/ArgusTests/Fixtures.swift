//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation

/// Loads the nmap XML fixtures bundled with the tests.
enum Fixture {
    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("\(name).xml")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(name)))
    }

    static func document(_ name: String) throws -> NmapXMLReader.Document {
        try NmapXMLReader.parse(try bytes(name))
    }

    /// Every fixture name.
    static let all = ["services", "range", "list", "ipv6", "progress", "named", "mac", "dtd-coverage"]
}

/// Reads bytes in chunks of the given sizes (cycled), collecting every event.
func readInChunks(_ bytes: [UInt8], sizes: [Int], limits: NmapXMLReader.Limits = .init()) throws -> (ScanRun, [NmapXMLEvent]) {
    var events: [NmapXMLEvent] = []
    let reader = NmapXMLReader(limits: limits) { events.append($0) }
    var offset = 0
    var index = 0
    while offset < bytes.count {
        let size = max(1, sizes[index % sizes.count])
        let end = min(bytes.count, offset + size)
        try bytes[offset..<end].withUnsafeBytes { try reader.feed($0) }
        offset = end
        index += 1
    }
    return (try reader.finish(), events)
}

/// The hosts among events.
func hosts(in events: [NmapXMLEvent]) -> [HostObservation] {
    events.compactMap { if case .host(let host) = $0 { host } else { nil } }
}

/// Parses a string as nmap XML.
func parse(_ xml: String, limits: NmapXMLReader.Limits = .init()) throws -> NmapXMLReader.Document {
    try NmapXMLReader.parse(Array(xml.utf8), limits: limits)
}

/// Expects parsing to fail and returns the error.
func parseError(_ bytes: [UInt8], limits: NmapXMLReader.Limits = .init()) -> NmapXMLError? {
    do {
        _ = try NmapXMLReader.parse(bytes, limits: limits)
        return nil
    } catch let error as NmapXMLError {
        return error
    } catch {
        return nil
    }
}
