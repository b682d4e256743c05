//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Names the vendor of a MAC address from nmap's own `nmap-mac-prefixes` (the IEEE registry
/// as nmap ships it), found where nmap is installed.
///
/// Prefixes of 6, 7 and 9 hex digits (MA-L, MA-M and MA-S blocks) are matched longest first.
public struct MACVendorDirectory: Sendable {
    private var vendors: [String: String] = [:]
    private var lengths: [Int] = []

    /// The places nmap keeps its data, in the order searched: `$NMAPDIR`, then the usual
    /// install prefixes.
    public static var searchPaths: [String] {
        var paths: [String] = []
        if let directory = getenvString("NMAPDIR") { paths.append(directory + "/nmap-mac-prefixes") }
        paths += ["/usr/share/nmap/nmap-mac-prefixes", "/usr/local/share/nmap/nmap-mac-prefixes", "/opt/homebrew/share/nmap/nmap-mac-prefixes"]
        return paths
    }

    /// Loads nmap's prefix file from the first of ``searchPaths`` that exists; `nil` when none
    /// does (nmap not installed).
    /// nmap's table where nmap is installed, read once for the process (`nil` without nmap).
    /// ``ScanPipeline`` names vendors from it when a scan reported a MAC address without one.
    public static let shared: MACVendorDirectory? = installed()

    public static func installed() -> MACVendorDirectory? {
        for path in searchPaths {
            if let directory = try? MACVendorDirectory(contentsOf: path) { return directory }
        }
        return nil
    }

    /// Loads a prefix file: lines of `PREFIX Vendor name`; `#` starts a comment.
    /// - Throws: ``NmapXMLError`` (`unreadable`) when the file cannot be read.
    public init(contentsOf path: String) throws {
        guard let text = readWholeFile(path) else {
            throw NmapXMLError(.unreadable, line: 0, column: 0, message: "cannot read \(path): \(systemErrorMessage())")
        }
        self.init(text: text)
    }

    /// Parses the text of a prefix file.
    public init(text: String) {
        var seenLengths: Set<Int> = []
        for line in text.split(whereSeparator: \.isNewline) {
            guard !line.hasPrefix("#"), let space = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { continue }
            let prefix = line[..<space].uppercased()
            guard [6, 7, 9].contains(prefix.count), prefix.allSatisfy(\.isHexDigit) else { continue }
            let name = line[space...].trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            guard !name.isEmpty else { continue }
            vendors[prefix] = String(name)
            seenLengths.insert(prefix.count)
        }
        lengths = seenLengths.sorted(by: >)
    }

    /// How many prefixes are known.
    public var count: Int { vendors.count }

    /// The vendor of a MAC address in any usual spelling; `nil` when unknown or not a MAC.
    public func vendor(of mac: String) -> String? {
        guard let normalized = Addresses.normalizedMAC(mac) else { return nil }
        let digits = normalized.filter { $0 != ":" }
        for length in lengths {
            if let vendor = vendors[String(digits.prefix(length))] { return vendor }
        }
        return nil
    }
}
