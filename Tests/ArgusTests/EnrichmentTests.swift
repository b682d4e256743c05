//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Testing

@Suite struct EnrichmentTests {
    @Test func vendorsComeFromNmapsPrefixFileLongestPrefixFirst() throws {
        let directory = MACVendorDirectory(
            text: """
                # comment
                001B21 Intel Corporate
                3C22FB Apple
                70B3D5 IEEE Registration Authority
                70B3D51 Small Block Vendor
                70B3D5123 Tiny Block Vendor
                ZZZZZZ Not hex
                """)
        #expect(directory.count == 5)
        #expect(directory.vendor(of: "00:1b:21:3a:4b:5c") == "Intel Corporate")
        #expect(directory.vendor(of: "3C-22-FB-00-11-22") == "Apple")
        #expect(directory.vendor(of: "70:B3:D5:12:34:56") == "Tiny Block Vendor")
        #expect(directory.vendor(of: "70:B3:D5:1F:00:00") == "Small Block Vendor")
        #expect(directory.vendor(of: "70:B3:D5:F0:00:00") == "IEEE Registration Authority")
        #expect(directory.vendor(of: "FF:FF:FF:00:00:00") == nil)
        #expect(directory.vendor(of: "not a mac") == nil)
    }

    @Test(.enabled(if: MACVendorDirectory.installed() != nil, "nmap's nmap-mac-prefixes is not installed"))
    func theInstalledNmapPrefixFileLoads() throws {
        let directory = try #require(MACVendorDirectory.installed())
        #expect(directory.count > 30_000)
        #expect(directory.vendor(of: "00:1B:21:3A:4B:5C") == "Intel Corporate")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var vendor: String?
        var hostname: String?
        var os: [OSClass] = []
        var ports: [Int] = []
        var expected: DeviceType
        var testDescription: String { "\(vendor ?? "-") \(hostname ?? "-") \(ports) → \(expected)" }
    }

    @Test(arguments: [
        Case(os: [OSClass(type: "WAP", vendor: "Linux", family: "Linux", accuracy: 98)], expected: .accessPoint),
        Case(ports: [9100, 80], expected: .printer),
        Case(ports: [62078], expected: .phone),
        Case(ports: [8008, 8009, 443], expected: .tv),
        Case(ports: [53, 80, 443], expected: .router),
        Case(hostname: "Johns-iPhone", expected: .phone),
        Case(hostname: "office-laserjet.lan", expected: .printer),
        Case(vendor: "Synology Incorporated", expected: .nas),
        Case(vendor: "Hikvision Digital Technology", expected: .camera),
        Case(vendor: "Espressif", hostname: "esp-a1b2c3", expected: .iot),
        // Whole words only: "Engineering" does not contain the word "ring".
        Case(vendor: "Acme Engineering", expected: .unknown),
        Case(vendor: "Apple", expected: .unknown),
        // OS detection outranks the vendor.
        Case(vendor: "Synology Incorporated", os: [OSClass(type: "router", vendor: "Linux", family: "Linux", accuracy: 90)], expected: .router),
    ])
    func devicesAreClassifiedInTheDocumentedOrder(_ test: Case) {
        let (type, reason) = DeviceClassifier().classify(vendor: test.vendor, hostname: test.hostname, osClasses: test.os, openPorts: test.ports)
        #expect(type == test.expected, "\(reason)")
        #expect(!reason.isEmpty)
    }

    @Test func everyTypeHasALabelAndAnIcon() {
        #expect(Set(DeviceType.allCases.map(\.icon)).count == DeviceType.allCases.count)
        #expect(DeviceType.allCases.allSatisfy { !$0.label.isEmpty })
    }
}
