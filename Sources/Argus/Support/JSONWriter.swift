//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Writes JSON straight into bytes: for values written by the hundred thousand (hosts of a
/// large scan), where `JSONEncoder` costs ten times the parsing.
///
/// The output of the `writeJSON` methods equals `JSONEncoder`'s for the same value (with
/// `.iso8601` dates and unescaped slashes), as the tests check; only the layout may differ.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    /// Creates an empty writer.
    public init() {
        bytes.reserveCapacity(4096)
    }

    /// Empties the writer, keeping its capacity.
    public mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = [false]
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    /// Writes `{`, the members `body` writes, and `}`.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes `[`, the elements `body` writes, and `]`.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
        body(&self)
        needsComma.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a member name; the next value written is its value.
    public mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
        pendingKey = true
    }

    private var pendingKey = false

    private mutating func beginValue() {
        if pendingKey {
            pendingKey = false
            needsComma[needsComma.count - 1] = true
        } else {
            separate()
        }
    }

    /// Writes a string.
    public mutating func value(_ text: String) {
        beginValue()
        appendString(text)
    }

    /// Writes an integer.
    public mutating func value(_ number: Int) {
        beginValue()
        bytes.append(contentsOf: String(number).utf8)
    }

    /// Writes a number.
    public mutating func value(_ number: Double) {
        beginValue()
        bytes.append(contentsOf: (number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)).utf8)
    }

    /// Writes a Boolean.
    public mutating func value(_ flag: Bool) {
        beginValue()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    /// Writes a date as ISO 8601 in UTC, to the second.
    public mutating func value(_ date: Date) {
        beginValue()
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(parts.tm_year + 1900)
        appendString(
            "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
        )
    }

    /// Writes a member when the value is set (as `encodeIfPresent` does).
    public mutating func member(_ name: String, _ text: String?) {
        guard let text else { return }
        key(name)
        value(text)
    }

    /// Writes a member when the value is set.
    public mutating func member(_ name: String, _ number: Int?) {
        guard let number else { return }
        key(name)
        value(number)
    }

    /// Writes a member when the value is set.
    public mutating func member(_ name: String, _ number: Double?) {
        guard let number else { return }
        key(name)
        value(number)
    }

    /// Writes a member when the value is set.
    public mutating func member(_ name: String, _ date: Date?) {
        guard let date else { return }
        key(name)
        value(date)
    }

    /// Writes an array of strings member.
    public mutating func member(_ name: String, strings: [String]) {
        key(name)
        array { for text in strings { $0.value(text) } }
    }

    private mutating func appendString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 15)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
