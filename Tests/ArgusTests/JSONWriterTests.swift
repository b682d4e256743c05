//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// The hand-written JSON of hosts equals JSONEncoder's.
@Suite struct JSONWriterTests {
    @Test(arguments: Fixture.all)
    func hostsWriteTheSameJSONAsTheEncoder(name: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for host in try Fixture.document(name).hosts {
            var writer = JSONWriter()
            host.writeJSON(to: &writer)
            let written = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? NSDictionary
            let encoded = try JSONSerialization.jsonObject(with: try encoder.encode(host)) as? NSDictionary
            #expect(written != nil && written == encoded, "\(host.primaryAddress ?? "?")")
        }
    }

    @Test func stringsAreEscaped() throws {
        var host = HostObservation()
        host.comment = "quote \" backslash \\ newline \n tab \t bell \u{7} slash / é"
        var writer = JSONWriter()
        host.writeJSON(to: &writer)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: Any])
        #expect(object["comment"] as? String == host.comment)
    }
}
