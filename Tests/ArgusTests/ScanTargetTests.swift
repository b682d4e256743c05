//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Testing

/// Targets and ports are validated values: nothing but addresses, blocks, ranges and names
/// ever reaches nmap.
@Suite struct ScanTargetTests {
    @Test(arguments: [
        ("192.0.2.7", ScanTarget.Kind.ipv4, UInt64(1)),
        ("192.0.2.0/24", .ipv4Block, 256),
        ("10.0.0.0/8", .ipv4Block, 16_777_216),
        ("0.0.0.0/0", .ipv4Block, 4_294_967_296),
        ("2001:db8::1", .ipv6, 1),
        ("::1", .ipv6, 1),
        ("2001:db8::/120", .ipv6Block, 256),
        ("2001:db8::/48", .ipv6Block, UInt64.max),
        ("10.0.0.1-50", .ipv4Range, 50),
        ("10.0.1-3.1-254", .ipv4Range, 762),
        ("router.lab.example", .hostname, 1),
        ("localhost", .hostname, 1),
        ("nas-01.", .hostname, 1),
    ])
    func validTargets(text: String, kind: ScanTarget.Kind, count: UInt64) throws {
        let target = try ScanTarget(text)
        #expect(target.kind == kind)
        #expect(target.addressCount == count)
        #expect(target.text == text)
    }

    @Test(arguments: [
        ("", "empty"),
        ("-oN /tmp/x", "start with '-'"),
        ("-iL", "start with '-'"),
        ("--script=evil", "start with '-'"),
        ("192.0.2.1 -oN", "white space"),
        ("192.0.2.1\n-oN", "white space"),
        ("192.0.2.1\u{0}", "control"),
        ("192.0.2.1;reboot", "';' is not allowed"),
        ("$(reboot)", "'$' is not allowed"),
        ("`id`", "'`' is not allowed"),
        ("a|b", "'|' is not allowed"),
        ("192.0.2.0/33", "prefix length is 0 to 32"),
        ("2001:db8::/129", "prefix length is 0 to 128"),
        ("192.0.2.0/", "CIDR block"),
        ("192.0.2.0/+8", "CIDR block"),
        ("host/24", "not an IP address"),
        ("10.0.0.50-1", "runs backwards"),
        ("10.0.0.256", "0 to 255"),
        ("10.0.0.1-300", "0 to 255"),
        ("10.0.0.1--5", "not an octet"),
        ("10.0.0", "not a canonical IPv4 address; write 10.0.0.0"),
        ("2001:db8::zz", "not a valid IPv6 address"),
        ("bad..name", "host name"),
        ("-router", "start with '-'"),
        ("router-.lab", "host name"),
        ("ünïcode.example", "host name"),
    ])
    func refusedTargets(text: String, reason: String) {
        Self.expectRefusal(text, reason)
    }

    /// Expects `ScanTarget(text)` to throw a ``ScanTargetError`` about `text` whose reason says
    /// `reason`.
    static func expectRefusal(_ text: String, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try ScanTarget(text)
        } throws: { error in
            guard let error = error as? ScanTargetError else { return false }
            return error.reason.contains(reason) && error.input == text
        }
    }

    /// What inet_aton (and so nmap) would read differently from what a person reads is refused,
    /// and the message names the canonical form.
    @Test(arguments: [
        ("0x7f.1", "not a canonical IPv4 address; write 127.0.0.1"),
        ("0x7f000001", "not a canonical IPv4 address; write 127.0.0.1"),
        ("0177.0.0.1", "not a canonical IPv4 address; write 127.0.0.1"),
        ("010.010.010.010", "not a canonical IPv4 address; write 8.8.8.8"),
        ("127.000.000.001", "not a canonical IPv4 address; write 127.0.0.1"),
        ("127.1", "not a canonical IPv4 address; write 127.0.0.1"),
        ("2130706433", "not a canonical IPv4 address; write 127.0.0.1"),
        ("0X7F.0.0.1", "not a canonical IPv4 address; write 127.0.0.1"),
        ("0177.0.0.0/8", "not a canonical IPv4 address; write 127.0.0.0/8"),
        ("192.0.2.0/024", "without leading zeros: write 192.0.2.0/24"),
        ("010.0.0.1-20", "leading zero"),
        ("10.0.0.01-20", "leading zero"),
        ("10.0.0.1-020", "leading zero"),
        ("99999999999", "cannot end in a number"),
        ("router.0x10", "cannot end in a number"),
        ("lab.example.42", "cannot end in a number"),
        ("127.0.0.1.", "cannot end in a number"),
        ("0x", "cannot end in a number"),
        ("0:0:0:0:0:0:0:1", "not a canonical IPv6 address; write ::1"),
        ("2001:DB8::1", "not a canonical IPv6 address; write 2001:db8::1"),
        ("2001:0db8::1", "not a canonical IPv6 address; write 2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "not a canonical IPv6 address; write 2001:db8::1:0:0:1"),
        ("::ffff:7f00:1", "not a canonical IPv6 address; write ::ffff:127.0.0.1"),
        ("2001:db8:0::/48", "not a canonical IPv6 address; write 2001:db8::/48"),
    ])
    func nonCanonicalAddressesAreRefusedWithTheirCanonicalForm(text: String, reason: String) {
        Self.expectRefusal(text, reason)
        #expect(throws: ScanTargetError.self, "never a target list either") { _ = try ScanTargetList([text]) }
        #expect(throws: ScanTargetError.self, "nor an exclusion") { _ = try ScanTargetList(["192.0.2.0/24"], excluding: [text]) }
    }

    @Test func canonicalAddressesRangesAndBlocksStillPass() throws {
        for text in [
            "127.0.0.1", "0.0.0.0", "10.0.0.1-20", "10.0.0.0-255", "10.0.1-3.1-254", "192.0.2.0/24", "10.0.0.0/8", "0.0.0.0/0", "::1", "::",
            "2001:db8::/32", "::ffff:127.0.0.1", "fe80::1", "1e100.net", "nas-01", "deadbeef.lan", "0x7f.lan",
        ] {
            #expect(try ScanTarget(text).text == text, "\(text)")
        }
    }

    @Test func exclusionsCompareCanonicalValues() throws {
        #expect(try ScanTarget("::ffff:192.0.2.7").contains(address: "::FFFF:c000:0207"))
        #expect(try ScanTarget("2001:db8::1").contains(address: "2001:0db8:0:0:0:0:0:1"))
        #expect(try !ScanTarget("2001:db8::1").contains(address: "2001:db8::2"))
        #expect(try ScanTarget("192.0.2.7").contains(address: "192.0.2.7"))
        #expect(try ScanTarget("NAS.lan").contains(address: "nas.lan."))
        let list = try ScanTargetList(["192.0.2.0/24"], excluding: ["192.0.2.7", "2001:db8::/64"])
        #expect(list.exclusions.contains { $0.contains(address: "2001:db8::0:5") })
    }

    @Test func blocksAndRangesKnowWhatTheyContain() throws {
        #expect(try ScanTarget("192.0.2.0/24").contains(address: "192.0.2.200"))
        #expect(try !ScanTarget("192.0.2.0/24").contains(address: "192.0.3.1"))
        #expect(try ScanTarget("192.0.2.0/23").contains(address: "192.0.3.1"))
        #expect(try ScanTarget("2001:db8::/32").contains(address: "2001:db8:1::5"))
        #expect(try ScanTarget("10.0.1-3.1-254").contains(address: "10.0.2.9"))
        #expect(try !ScanTarget("10.0.1-3.1-254").contains(address: "10.0.4.9"))
        #expect(try ScanTarget("192.0.2.7").contains(address: "192.0.2.7"))
    }

    @Test func targetListsAreCappedAndKeepTargetsApartFromOptions() throws {
        let list = try ScanTargetList(["192.0.2.0/24", "198.51.100.7"], excluding: ["192.0.2.1", "192.0.2.128/25"])
        #expect(list.nmapArguments == ["--exclude", "192.0.2.1,192.0.2.128/25", "--", "192.0.2.0/24", "198.51.100.7"])
        #expect(try ScanTargetList(["10.0.0.0/16"]).targets.count == 1)
        #expect {
            _ = try ScanTargetList(["10.0.0.0/15"])
        } throws: { error in
            "\(error)".contains("131072 addresses; the limit is 65536")
        }
        #expect(throws: ScanTargetError.self) { _ = try ScanTargetList(["::/0"]) }
        #expect(throws: ScanTargetError.self) { _ = try ScanTargetList(["10.0.0.0/8"], addressLimit: 1 << 20) }
        #expect(try ScanTargetList(["10.0.0.0/8"], addressLimit: 1 << 24).targets.count == 1)
        #expect(throws: ScanTargetError.self) { _ = try ScanTargetList([]) }
        #expect(throws: ScanTargetError.self) { _ = try ScanTargetList(["192.0.2.1"], excluding: ["gateway.lab"]) }
        #expect(throws: ScanTargetError.self) { _ = try ScanTargetList(["192.0.2.1"], excluding: ["-oN"]) }
    }

    @Test func portSpecifications() throws {
        #expect(try PortSpecification("common").nmapArguments == ["-F"])
        #expect(try PortSpecification("all").nmapArguments == ["-p-"])
        let list = try PortSpecification("22,80,8000-8100,443")
        #expect(list.nmapArguments == ["-p", "22,80,8000-8100,443"])
        #expect(list.count == 104)
        #expect(try PortSpecification("65535").count == 1)
        for bad in ["", "0", "65536", "443-80", "-1", ",,,", "-", "80,", "22;id", "80\n", "1-2-3", "Common", "999999", "T:80"] {
            #expect(throws: ScanTargetError.self, "\(bad)") { _ = try PortSpecification(bad) }
        }
    }
}
