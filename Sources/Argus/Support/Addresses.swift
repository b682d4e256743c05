//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Normal forms and orderings of network addresses, shared by every store.
public enum Addresses {
    /// A MAC address as `AA:BB:CC:DD:EE:FF`, from any of `aa:bb:…`, `AA-BB-…`, `aabb.ccdd.eeff`
    /// or twelve bare hex digits; `nil` when it is not a MAC address.
    public static func normalizedMAC(_ text: String) -> String? {
        let digits = text.unicodeScalars.filter { $0 != ":" && $0 != "-" && $0 != "." }
        guard digits.count == 12, digits.allSatisfy({ $0.properties.isASCIIHexDigit }) else { return nil }
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && index % 2 == 0 { result.append(":") }
            result.append(Character(digit).uppercased())
        }
        return result
    }

    /// True for a MAC whose "locally administered" bit is set: randomised by phones and
    /// laptops for privacy, so it may change while the device stays the same.
    public static func isLocallyAdministered(mac: String) -> Bool {
        guard let normalized = normalizedMAC(mac), let first = UInt8(normalized.prefix(2), radix: 16) else { return false }
        return first & 0x02 != 0
    }

    /// The 4 bytes of a dotted IPv4 address, or `nil`.
    public static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1 ? withUnsafeBytes(of: &address) { Array($0) } : nil
    }

    /// The 16 bytes of an IPv6 address, or `nil`.
    public static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1 ? withUnsafeBytes(of: &address) { Array($0) } : nil
    }

    /// The canonical text of an IPv4 or IPv6 address: dotted decimal without leading zeros, or
    /// RFC 5952's form (lower case, no leading zeros, the longest run of zero groups as `::`)
    /// as `inet_ntop` writes it; `nil` for anything else.
    public static func canonicalIP(_ text: String) -> String? {
        if let bytes = ipv4Bytes(text) { return ipText(bytes) }
        if let bytes = ipv6Bytes(text) { return ipText(bytes) }
        return nil
    }

    /// The text of 4 or 16 address bytes, as `inet_ntop` writes it.
    public static func ipText(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// What `inet_aton` (and so nmap, ping, curl and most resolvers) reads as an IPv4 address,
    /// in canonical form: `0177.0.0.1`, `0x7f.1`, `2130706433` and `127.000.000.001` are all
    /// 127.0.0.1, `010.010.010.010` is 8.8.8.8. `nil` when it reads no address.
    public static func ipv4AsInetAtonReadsIt(_ text: String) -> String? {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isASCIIHexDigit || $0 == "." || $0 == "x" || $0 == "X") })
        else { return nil }
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return ipText(withUnsafeBytes(of: &address) { Array($0) })
    }

    /// A byte string that orders addresses numerically: IPv4 first, then IPv6, then anything
    /// else by its text.
    public static func sortKey(ip: String) -> [UInt8] {
        if let bytes = ipv4Bytes(ip) { return [4] + bytes }
        if let bytes = ipv6Bytes(ip) { return [6] + bytes }
        return [9] + Array(ip.utf8)
    }
}
