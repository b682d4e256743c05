//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Testing

/// The reader treats its input as hostile: every bad file gets a clear error, never a crash.
@Suite struct NmapXMLReaderHostileInputTests {
    static let header = """
        <?xml version="1.0" encoding="UTF-8"?>
        <nmaprun scanner="nmap" args="nmap" start="1700000000" version="7.93" xmloutputversion="1.05">
        """
    static let footer = """
        <runstats><finished time="1700000001" elapsed="1.0" exit="success"/><hosts up="1" down="0" total="1"/></runstats>
        </nmaprun>
        """

    static func host(_ body: String, address: String = "192.0.2.1") -> String {
        "<host><status state=\"up\"/><address addr=\"\(address)\" addrtype=\"ipv4\"/>\(body)</host>\n"
    }

    @Test func externalEntitiesAreRefused() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("argus-xxe-\(UUID().uuidString)")
        try "TOP-SECRET".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE nmaprun [ <!ENTITY xxe SYSTEM "file://\(secret.path)"> ]>
            <nmaprun scanner="nmap" args="&xxe;"><host><status state="up"/><address addr="192.0.2.1"/><hostnames><hostname name="&xxe;"/></hostnames></host></nmaprun>
            """
        let error = try #require(parseError(Array(xml.utf8)))
        #expect(error.code == .declarationsRefused)
        #expect(error.line == 2)
        #expect(error.message.contains("xxe"))
        #expect(!error.description.contains("TOP-SECRET"))
    }

    @Test func entityExpansionBombsAreRefused() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun [\n<!ENTITY a0 \"lol\">\n"
        for level in 1...9 {
            let previous = String(repeating: "&a\(level - 1);", count: 10)
            xml += "<!ENTITY a\(level) \"\(previous)\">\n"
        }
        xml += "]>\n<nmaprun args=\"&a9;\"><output type=\"interactive\">&a9;</output></nmaprun>"
        let error = try #require(parseError(Array(xml.utf8)))
        #expect(error.code == .declarationsRefused)
    }

    @Test func parameterEntitiesAndOtherDeclarationsAreRefused() throws {
        let cases = [
            "<!DOCTYPE nmaprun [ <!ENTITY % remote SYSTEM \"http://127.0.0.1:9/evil.dtd\"> %remote; ]><nmaprun/>",
            "<!DOCTYPE nmaprun [ <!ATTLIST host comment CDATA \"injected\"> ]><nmaprun/>",
            "<!DOCTYPE nmaprun [ <!ELEMENT nmaprun ANY> ]><nmaprun/>",
        ]
        for xml in cases {
            let error = try #require(parseError(Array(xml.utf8)), "\(xml)")
            #expect(error.code == .declarationsRefused, "\(xml)")
        }
    }

    @Test func anExternalDTDIsNeverLoaded() throws {
        // A listener that would see a fetch attempt: none may arrive (and NONET forbids it anyway).
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:9/nmap.dtd">
            <nmaprun scanner="nmap">\(Self.host(""))\(Self.footer)
            """
        let document = try parse(xml.replacingOccurrences(of: "</nmaprun>\n</nmaprun>", with: "</nmaprun>"))
        #expect(document.hosts.count == 1)
    }

    @Test func undeclaredEntityReferencesAreErrors() throws {
        let xml = Self.header + Self.host("<hostnames><hostname name=\"&undefined;\"/></hostnames>") + Self.footer
        let error = try #require(parseError(Array(xml.utf8)))
        #expect(error.code == .malformed)
        #expect(error.message.contains("undefined"))
        #expect(error.line == 2)
    }

    @Test func predefinedAndCharacterReferencesAreDecoded() throws {
        let xml =
            Self.header + Self.host("<hostnames><hostname name=\"a&amp;b&lt;&#x41;&#66;&#38;&amp;#38;&quot;\" type=\"PTR\"/></hostnames>")
            + Self.footer
        #expect(try parse(xml).hosts.first?.primaryHostname == "a&b<AB&&#38;\"")
        let text = Self.header + "<output type=\"interactive\">x &amp; y &lt; &#x7A;</output>" + Self.footer
        #expect(try parse(text).run.messages == ["x & y < z"])
    }

    @Test func aWrongRootElementIsNotNmapOutput() throws {
        let error = try #require(parseError(Array("<html><body>hello</body></html>".utf8)))
        #expect(error.code == .notNmapOutput)
        #expect(error.message.contains("<html>"))
        #expect(error.line == 1)
    }

    @Test func emptyAndBlankInputIsEmpty() throws {
        #expect(parseError([])?.code == .empty)
        #expect(parseError(Array("  \n\n ".utf8))?.code == .empty)
    }

    @Test func binaryGarbageIsMalformed() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 3, 17, 512, 65_536] {
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Random bytes may by chance start with "<", so any refusal code is right; no crash,
            // and a position for people.
            let error = try #require(parseError(garbage), "\(length) random bytes were accepted")
            #expect([.malformed, .empty, .notNmapOutput].contains(error.code))
        }
        let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + Array(repeating: 0, count: 64)
        let error = try #require(parseError(elf))
        #expect(error.code == .malformed)
        #expect(error.line == 1)
    }

    @Test func invalidUTF8IsAnErrorWithItsPosition() throws {
        var bytes = Array((Self.header + "\n").utf8)
        bytes += Array("<host><status state=\"up\"/><address addr=\"192.0.2.1\"/><hostnames><hostname name=\"".utf8)
        bytes += [0xC3, 0x28, 0xFF]
        bytes += Array("\"/></hostnames></host>".utf8) + Array(Self.footer.utf8)
        let error = try #require(parseError(bytes))
        #expect(error.code == .malformed)
        #expect(error.message.contains("UTF-8"))
        #expect(error.line == 3)
    }

    @Test func declaredLatin1IsConvertedToUTF8() throws {
        var bytes = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<nmaprun scanner=\"nmap\">".utf8)
        bytes += Array("<host><status state=\"up\"/><address addr=\"192.0.2.1\"/><hostnames><hostname name=\"caf".utf8)
        bytes += [0xE9]  // é in Latin-1
        bytes += Array("\"/></hostnames></host>".utf8) + Array(Self.footer.utf8)
        #expect(try NmapXMLReader.parse(bytes).hosts.first?.primaryHostname == "café")
    }

    @Test func hugeAttributesAreRefused() throws {
        let huge = String(repeating: "A", count: (1 << 20) + 1)
        let xml = Self.header + Self.host("<hostnames><hostname name=\"\(huge)\"/></hostnames>") + Self.footer
        let error = try #require(parseError(Array(xml.utf8)))
        #expect(error.code == .tooLong)
        #expect(error.message.contains("name"))
        #expect(error.message.contains("hostname"))
        // The limit is a setting.
        let small = NmapXMLReader.Limits(maxAttributeLength: 8)
        let short = Self.header + Self.host("<hostnames><hostname name=\"123456789\"/></hostnames>") + Self.footer
        #expect(parseError(Array(short.utf8), limits: small)?.code == .tooLong)
    }

    @Test func hugeTextsAreRefused() throws {
        let limits = NmapXMLReader.Limits(maxTextLength: 1000)
        let xml = Self.header + "<output type=\"interactive\">\(String(repeating: "x", count: 1001))</output>" + Self.footer
        #expect(parseError(Array(xml.utf8), limits: limits)?.code == .tooLong)
        let fits = Self.header + "<output type=\"interactive\">\(String(repeating: "x", count: 1000))</output>" + Self.footer
        #expect(try parse(fits, limits: limits).run.messages.first?.count == 1000)
    }

    @Test func deepNestingIsRefused() throws {
        let depth = 200
        let xml = Self.header + String(repeating: "<x>", count: depth) + String(repeating: "</x>", count: depth) + Self.footer
        let error = try #require(parseError(Array(xml.utf8)))
        #expect(error.code == .tooDeep)
    }

    @Test func tooManyRunLevelRecordsAreRefused() throws {
        let limits = NmapXMLReader.Limits(maxRunItems: 3)
        let targets = (0..<4).map { "<target specification=\"t\($0)\" status=\"skipped\" reason=\"invalid\"/>" }.joined()
        #expect(parseError(Array((Self.header + targets + Self.footer).utf8), limits: limits)?.code == .tooLong)
    }

    @Test func valuesNmapNeverWritesAreRefused() throws {
        let cases: [(String, String)] = [
            ("<ports><port protocol=\"tcp\" portid=\"70000\"><state state=\"open\"/></port></ports>", "70000"),
            ("<ports><port protocol=\"tcp\" portid=\"-1\"><state state=\"open\"/></port></ports>", "-1"),
            ("<ports><port protocol=\"tcp\" portid=\"22\"></port></ports>", "<state>"),
            ("<ports><port protocol=\"tcp\"><state state=\"open\"/></port></ports>", "portid"),
            ("<ports><port protocol=\"carrier-pigeon\" portid=\"1\"><state state=\"open\"/></port></ports>", "carrier-pigeon"),
            ("<ports><port protocol=\"tcp\" portid=\"1\"><state state=\"ajar\"/></port></ports>", "ajar"),
        ]
        for (body, mention) in cases {
            let xml = Self.header + Self.host(body) + Self.footer
            let error = try #require(parseError(Array(xml.utf8)), "\(body)")
            #expect(error.code == .invalidValue, "\(body)")
            #expect(error.message.contains(mention), "\(error.message)")
        }
    }

    @Test func unknownElementsAreCountedNotDropped() throws {
        let xml = Self.header + Self.host("<futurething a=\"1\"/><futurething/>") + Self.footer
        let document = try parse(xml)
        #expect(document.run.unrecognizedElements == ["futurething": 2])
        #expect(document.hosts.count == 1)
    }

    @Test func hostsBeforeAnErrorAreHandedOn() throws {
        let xml = Self.header + Self.host("", address: "192.0.2.1") + Self.host("", address: "192.0.2.2") + "<host><oops></host>" + Self.footer
        var seen: [String] = []
        let reader = NmapXMLReader { event in
            if case .host(let host) = event { seen.append(host.ipv4 ?? "") }
        }
        #expect(throws: NmapXMLError.self) { try reader.feed(Array(xml.utf8)) }
        #expect(seen == ["192.0.2.1", "192.0.2.2"])
        // The error sticks.
        #expect(throws: NmapXMLError.self) { _ = try reader.finish() }
    }

    @Test func missingFilesAreUnreadable() throws {
        #expect {
            _ = try NmapXMLReader.read(path: "/nonexistent/argus/scan.xml") { _ in }
        } throws: { error in
            (error as? NmapXMLError)?.code == .unreadable && "\(error)".contains("/nonexistent/argus/scan.xml")
        }
    }
}

/// Output cut short — nmap killed, a partial copy — yields every complete host.
@Suite struct NmapXMLReaderTruncationTests {
    @Test(arguments: ["range", "services", "mac", "dtd-coverage", "progress"])
    func truncationAtEveryOffsetYieldsTheCompleteHosts(name: String) throws {
        let bytes = try Fixture.bytes(name)
        let whole = try NmapXMLReader.parse(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        let rootStart = text.range(of: "<nmaprun")!.upperBound
        let rootEnd = text.utf8.distance(from: text.startIndex, to: text.range(of: ">", range: rootStart..<text.endIndex)!.upperBound)
        let step = max(1, bytes.count / 400)
        for length in stride(from: 0, to: bytes.count, by: step) {
            let prefix = Array(bytes[0..<length])
            var events: [NmapXMLEvent] = []
            let reader = NmapXMLReader { events.append($0) }
            do {
                try reader.feed(prefix)
                let run = try reader.finish()
                let read = hosts(in: events)
                // Every host handed on is exactly a host of the full file, in order.
                #expect(read == Array(whole.hosts.prefix(read.count)), "cut at \(length)")
                #expect(run.hostsRead == read.count)
                let endsAfterRoot = String(decoding: prefix, as: UTF8.self).contains("</nmaprun>")
                if !endsAfterRoot {
                    #expect(!run.isComplete, "cut at \(length) claims to be complete")
                    #expect(run.incompleteReason != nil)
                    #expect(run.truncation != nil, "cut at \(length)")
                }
            } catch let error as NmapXMLError {
                // Only a cut before the root element is complete may be refused.
                #expect(length < rootEnd, "cut at \(length) refused: \(error)")
                #expect(hosts(in: events).isEmpty)
            }
        }
    }

    @Test func aCutHostIsNamedInTheTruncation() throws {
        let bytes = try Fixture.bytes("range")
        let text = String(decoding: bytes, as: UTF8.self)
        // Cut in the middle of the third host's ports.
        let third = text.range(of: "<address addr=\"127.0.0.3\"")!.upperBound
        let cut = text.range(of: "<port ", range: third..<text.endIndex)!.upperBound
        let prefix = Array(text[..<cut].utf8)
        var read: [HostObservation] = []
        let reader = NmapXMLReader { if case .host(let host) = $0 { read.append(host) } }
        try reader.feed(prefix)
        let run = try reader.finish()
        #expect(read.map(\.ipv4) == ["127.0.0.1", "127.0.0.2"])
        let truncation = try #require(run.truncation)
        #expect(truncation.partialHost == "127.0.0.3")
        #expect(truncation.line > 1)
        #expect(run.incompleteReason?.contains("127.0.0.3") == true)
    }

    @Test func nmapErrorsMakeARunIncomplete() throws {
        let xml =
            NmapXMLReaderHostileInputTests.header + """
                <runstats><finished time="1" exit="error" errormsg="Failed to open device eth9"/><hosts up="0" down="0" total="0"/></runstats></nmaprun>
                """
        let run = try parse(xml).run
        #expect(!run.isComplete)
        #expect(run.truncation == nil)
        #expect(run.incompleteReason == "nmap reported an error: Failed to open device eth9")
    }
}
