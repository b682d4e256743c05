//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A software product as CPE names it: vendor and product, lower-case.
///
/// nmap and NVD do not always spell a product alike (nmap's `igor_sysoev:nginx` is NVD's
/// `f5:nginx`; NVD's `vsftpd_project:vsftpd` is nmap's `vsftpd:vsftpd`), so products are compared
/// through the catalog's table of equivalent names (``VulnerabilityCatalog``).
public struct SoftwareProduct: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The CPE vendor.
    public var vendor: String
    /// The CPE product.
    public var product: String

    /// Creates a product name.
    public init(vendor: String, product: String) {
        self.vendor = vendor.lowercased()
        self.product = product.lowercased()
    }

    /// `vendor:product`.
    public var description: String { "\(vendor):\(product)" }

    /// Orders by `vendor:product`.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }

    /// The application and version a CPE names, in CPE 2.2 URI form (`cpe:/a:openbsd:openssh:7.4p1`,
    /// as nmap writes) or 2.3 form (`cpe:2.3:a:openbsd:openssh:7.4:p1:*:…`, as NVD writes; the
    /// update field joins the version). `nil` for operating systems, hardware and malformed names.
    public static func parse(cpe: String) -> (product: SoftwareProduct, version: String?)? {
        let fields: [String]
        if cpe.hasPrefix("cpe:2.3:") {
            fields = splitCPE23(cpe.dropFirst(8))
        } else if cpe.hasPrefix("cpe:/") {
            fields = cpe.dropFirst(5).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        } else {
            return nil
        }
        guard fields.count >= 3, fields[0] == "a", !fields[1].isEmpty, !fields[2].isEmpty, fields[1] != "*", fields[2] != "*" else { return nil }
        let product = SoftwareProduct(vendor: unescape(fields[1]), product: unescape(fields[2]))
        var version = fields.count > 3 ? unescape(fields[3]) : ""
        if version == "*" || version == "-" { version = "" }
        if !version.isEmpty, fields.count > 4, cpe.hasPrefix("cpe:2.3:"), fields[4] != "*", fields[4] != "-" {
            version += unescape(fields[4])
        }
        return (product, version.isEmpty ? nil : version)
    }

    /// Splits CPE 2.3 fields at colons that are not escaped.
    private static func splitCPE23(_ text: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in text {
            if escaped {
                current.append("\\")
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    private static func unescape(_ field: String) -> String {
        guard field.contains("\\") || field.contains("%") else { return field }
        var result = ""
        var escaped = false
        for character in field {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return result.replacingPercentEscapes
    }
}

extension String {
    /// `%21`-style escapes of CPE 2.2 names decoded; anything malformed is kept as it is.
    fileprivate var replacingPercentEscapes: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var utf8 = Array(self.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "%"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
