//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// One thing to scan, validated: an IPv4 or IPv6 address, a CIDR block, an nmap octet range
/// (`10.0.0.1-50`, `10.0.1-3.1-254`) or a DNS name — nothing else.
///
/// Targets reach nmap as separate arguments (never through a shell), and a target can never be
/// taken for an nmap option: nothing that starts with `-`, no white space, control characters
/// or shell syntax gets this far.
///
/// ```swift
/// let target = try ScanTarget("192.0.2.0/24")
/// target.addressCount   // 256
/// ```
public struct ScanTarget: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of target this is.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// One IPv4 address.
        case ipv4
        /// One IPv6 address.
        case ipv6
        /// An IPv4 CIDR block.
        case ipv4Block
        /// An IPv6 CIDR block.
        case ipv6Block
        /// An nmap IPv4 octet range.
        case ipv4Range
        /// A DNS name.
        case hostname
    }

    /// The target as nmap is given it.
    public let text: String
    /// What kind of target it is.
    public let kind: Kind
    /// How many addresses it covers (a name counts as one; capped at `UInt64.max`).
    public let addressCount: UInt64

    /// Validates a target.
    /// - Throws: ``ScanTargetError`` saying what is wrong.
    public init(_ text: String) throws {
        guard !text.isEmpty else { throw ScanTargetError(text, "a target cannot be empty") }
        guard text.utf8.count <= 253 else { throw ScanTargetError(text, "a target is at most 253 characters long") }
        guard !text.hasPrefix("-") else {
            throw ScanTargetError(text, "a target cannot start with '-': it would be read as an nmap option")
        }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw ScanTargetError(
                text, "a target cannot contain white space or control characters (found U+\(String(bad.value, radix: 16, uppercase: true)))")
        }
        if let bad = text.first(where: { ";|&$`<>()[]{}'\"\\!*?~^#%=,@+".contains($0) }) {
            throw ScanTargetError(text, "'\(bad)' is not allowed in a target: use an address, a CIDR block, a range like 10.0.0.1-50, or a host name")
        }
        self.text = text
        if text.contains("/") {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let prefix = Int(parts[1]) else {
                throw ScanTargetError(text, "a CIDR block is an address, '/', and a prefix length, like 192.0.2.0/24")
            }
            guard parts[1] == "\(prefix)" else {
                throw ScanTargetError(text, "a prefix length is written without leading zeros: write \(parts[0])/\(prefix)")
            }
            let address = String(parts[0])
            if let bytes = Addresses.ipv4Bytes(address) {
                try Self.checkCanonical(address, bytes, text: text, suffix: "/\(prefix)", family: "IPv4")
                guard (0...32).contains(prefix) else { throw ScanTargetError(text, "an IPv4 prefix length is 0 to 32") }
                kind = .ipv4Block
                addressCount = 1 << UInt64(32 - prefix)
            } else if let bytes = Addresses.ipv6Bytes(address) {
                try Self.checkCanonical(address, bytes, text: text, suffix: "/\(prefix)", family: "IPv6")
                guard (0...128).contains(prefix) else { throw ScanTargetError(text, "an IPv6 prefix length is 0 to 128") }
                kind = .ipv6Block
                addressCount = prefix <= 64 ? UInt64.max : 1 << UInt64(128 - prefix)
            } else if let canonical = Addresses.ipv4AsInetAtonReadsIt(address) {
                throw ScanTargetError(text, "not a canonical IPv4 address; write \(canonical)/\(prefix)")
            } else {
                throw ScanTargetError(text, "'\(address)' before the '/' is not an IP address")
            }
        } else if let bytes = Addresses.ipv4Bytes(text) {
            try Self.checkCanonical(text, bytes, text: text, suffix: "", family: "IPv4")
            kind = .ipv4
            addressCount = 1
        } else if text.contains(":") {
            guard let bytes = Addresses.ipv6Bytes(text) else { throw ScanTargetError(text, "not a valid IPv6 address") }
            try Self.checkCanonical(text, bytes, text: text, suffix: "", family: "IPv6")
            kind = .ipv6
            addressCount = 1
        } else if let canonical = Addresses.ipv4AsInetAtonReadsIt(text) {
            // 0177.0.0.1, 0x7f.1, 2130706433, 127.000.000.001: nmap and the resolver read these
            // as another address than a person does; only the canonical form is taken.
            throw ScanTargetError(text, "not a canonical IPv4 address; write \(canonical)")
        } else if let count = try Self.rangeCount(text) {
            kind = .ipv4Range
            addressCount = count
        } else {
            try Self.checkHostname(text)
            kind = .hostname
            addressCount = 1
        }
    }

    /// Refuses an address that is not written in its canonical form (`inet_ntop`'s), naming it.
    private static func checkCanonical(_ address: String, _ bytes: [UInt8], text: String, suffix: String, family: String) throws {
        guard let canonical = Addresses.ipText(bytes), canonical != address else { return }
        throw ScanTargetError(text, "not a canonical \(family) address; write \(canonical)\(suffix)")
    }

    /// The number of addresses of an nmap octet range, or `nil` when `text` is not one.
    private static func rangeCount(_ text: String) throws -> UInt64? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-") } }) else {
            return nil
        }
        var count: UInt64 = 1
        for octet in octets {
            let bounds = octet.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Int(bounds[0]), let high = Int(bounds.last!), bounds.allSatisfy({ !$0.isEmpty }) else {
                throw ScanTargetError(text, "'\(octet)' is not an octet or a range of octets like 1-50")
            }
            if let padded = bounds.first(where: { $0.count > 1 && $0.hasPrefix("0") }) {
                throw ScanTargetError(
                    text, "'\(padded)' has a leading zero, which nmap and inet_aton may read as octal: write octets without leading zeros")
            }
            guard (0...255).contains(low), (0...255).contains(high) else {
                throw ScanTargetError(text, "an octet is 0 to 255, not '\(octet)'")
            }
            guard low <= high else { throw ScanTargetError(text, "the range '\(octet)' runs backwards") }
            count *= UInt64(high - low + 1)
        }
        return count
    }

    /// Checks a DNS name (RFC 1123): labels of letters, digits and inner hyphens.
    private static func checkHostname(_ text: String) throws {
        let name = text.hasSuffix(".") ? String(text.dropLast()) : text
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63 else {
                throw ScanTargetError(text, "not a valid host name: each part between dots is 1 to 63 characters")
            }
            guard label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }), label.first != "-", label.last != "-"
            else {
                throw ScanTargetError(text, "not a valid host name: use letters, digits and inner hyphens")
            }
        }
        // A name whose last label is a number (decimal, or hex after 0x) is read as an IPv4
        // address by resolvers and browsers alike (WHATWG's "ends in a number"): never a name.
        if let last = labels.last,
            last.allSatisfy({ $0.isASCII && $0.isNumber }) || (last.lowercased().hasPrefix("0x") && last.dropFirst(2).allSatisfy(\.isHexDigit))
        {
            throw ScanTargetError(text, "not a valid IPv4 address, and a host name cannot end in a number")
        }
    }

    /// The target's text.
    public var description: String { text }

    /// True when the target covers `address`: the same address, or one inside the block or
    /// range. A name matches only itself.
    public func contains(address: String) -> Bool {
        switch kind {
        case .ipv4, .ipv6:
            // Canonical values, not texts: ::FFFF:c000:207 is ::ffff:192.0.2.7.
            guard let mine = Addresses.ipv4Bytes(text) ?? Addresses.ipv6Bytes(text) else { return false }
            return mine == Addresses.ipv4Bytes(address) ?? Addresses.ipv6Bytes(address)
        case .hostname:
            let name = { (name: String) in (name.hasSuffix(".") ? String(name.dropLast()) : name).lowercased() }
            return name(text) == name(address)
        case .ipv4Block, .ipv6Block:
            let parts = text.split(separator: "/")
            guard let prefix = Int(parts[1]) else { return false }
            let network = Addresses.ipv4Bytes(String(parts[0])) ?? Addresses.ipv6Bytes(String(parts[0]))
            let candidate = kind == .ipv4Block ? Addresses.ipv4Bytes(address) : Addresses.ipv6Bytes(address)
            guard let network, let candidate else { return false }
            return Self.samePrefix(network, candidate, bits: prefix)
        case .ipv4Range:
            guard let bytes = Addresses.ipv4Bytes(address) else { return false }
            for (octet, value) in zip(text.split(separator: "."), bytes) {
                let bounds = octet.split(separator: "-").compactMap { Int($0) }
                guard let low = bounds.first, let high = bounds.last, (low...high).contains(Int(value)) else { return false }
            }
            return true
        }
    }

    /// True when two addresses of the same family (as bytes) share their first `bits` bits.
    public static func samePrefix(_ left: [UInt8], _ right: [UInt8], bits: Int) -> Bool {
        guard left.count == right.count else { return false }
        var remaining = bits
        for (a, b) in zip(left, right) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }
}

/// Why a scan target or port list was refused.
public struct ScanTargetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was given.
    public var input: String
    /// What is wrong with it.
    public var reason: String

    /// Creates an error.
    public init(_ input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }

    /// "'input': reason", with control characters shown escaped.
    public var description: String {
        let shown = input.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return "'\(shown)': \(reason)"
    }
}
