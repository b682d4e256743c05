//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which hosts an alert sink may be pointed at: anything but link-local addresses and cloud
/// metadata services, whichever way the address is spelled. Loopback and LAN addresses stay
/// allowed: a sink on the same box or the same network is a documented use.
///
/// ``AlertSinkRegistry`` applies the rules to every configured sink's
/// ``AlertSinkOptions/destinations``; sinks that connect apply them again to the addresses a
/// host name resolves to, so a name that later resolves to a metadata address is refused too.
public enum SinkAddressRules {
    /// Names of metadata services that answer inside cloud instances.
    public static let metadataNames: Set<String> = [
        "metadata", "metadata.google.internal", "metadata.azure.internal", "instance-data", "instance-data.ec2.internal",
    ]

    /// Why `host` (a URL's host, bracketed IPv6 included) is refused; `nil` when it is allowed.
    public static func refusal(forHost raw: String) -> String? {
        var host = raw.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        if metadataNames.contains(host) { return "\(raw) is a cloud metadata service, never an alert sink" }
        if let v4 = ipv4(host) { return refusal(ipv4: v4, spelled: raw) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            let bytes = withUnsafeBytes(of: v6) { Array($0) }
            // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses are the IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), (bytes[10] == 0xFF && bytes[11] == 0xFF) || (bytes[10] == 0 && bytes[11] == 0) {
                let value = bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                if value > 1 { return refusal(ipv4: value, spelled: raw) }
            }
            if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return "\(raw) is a link-local address (fe80::/10), never an alert sink" }
            // AWS's IPv6 metadata service, fd00:ec2::254.
            if bytes == [0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54] {
                return "\(raw) is a cloud metadata service, never an alert sink"
            }
        }
        return nil
    }

    /// An IPv4 address in any spelling `inet_aton` reads (dotted, one number, hex, octal, with
    /// fewer parts), as a number; `nil` for a host name.
    public static func ipv4(_ text: String) -> UInt32? {
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }), text.first?.isNumber == true else { return nil }
        var address = in_addr()
        guard inet_aton(text, &address) != 0 else { return nil }
        return UInt32(bigEndian: address.s_addr)
    }

    private static func refusal(ipv4 value: UInt32, spelled raw: String) -> String? {
        if value >> 16 == 0xA9FE {
            return "\(raw) is a link-local address (169.254.0.0/16, where cloud metadata services answer), never an alert sink"
        }
        // Alibaba Cloud's metadata service.
        if value == 0x6464_64C8 { return "\(raw) is a cloud metadata service, never an alert sink" }
        return nil
    }
}
