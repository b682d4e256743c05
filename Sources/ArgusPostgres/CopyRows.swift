//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Rows for `COPY … FROM STDIN` in PostgreSQL's text format, written field by field into one
/// buffer: tab between fields, a newline after each row, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped inside values.
///
/// ```swift
/// var rows = CopyRows()
/// rows.field(Int64(7)); rows.field("a\tb"); rows.null(); rows.endRow()
/// // 7\ta\\tb\t\N\n
/// ```
struct CopyRows {
    /// The rows so far.
    private(set) var buffer = ByteBuffer()
    /// How many rows ended so far.
    private(set) var count = 0
    /// Whether the next field is the first of its row.
    private var atRowStart = true

    /// Whether no row was written.
    var isEmpty: Bool { count == 0 }

    private mutating func separate() {
        if !atRowStart { buffer.writeInteger(UInt8(ascii: "\t")) }
        atRowStart = false
    }

    /// A NULL field.
    mutating func null() {
        separate()
        buffer.writeStaticString("\\N")
    }

    /// A text field (NULL when `nil`).
    mutating func field(_ value: String?) {
        guard let value else { return null() }
        separate()
        writeEscaped(value)
    }

    /// An integer field (NULL when `nil`).
    mutating func field(_ value: Int?) {
        guard let value else { return null() }
        separate()
        buffer.writeString(String(value))
    }

    /// A 64-bit integer field.
    mutating func field(_ value: Int64) {
        separate()
        buffer.writeString(String(value))
    }

    /// A boolean field.
    mutating func field(_ value: Bool) {
        separate()
        buffer.writeInteger(UInt8(ascii: value ? "t" : "f"))
    }

    /// A `timestamptz` field, in UTC to the microsecond (NULL when `nil`).
    mutating func field(_ value: Date?) {
        guard let value else { return null() }
        separate()
        buffer.writeString(Self.timestamp(value))
    }

    /// A `bytea` field, in hex.
    mutating func field(bytes: [UInt8]) {
        separate()
        // `\x…` is bytea's hex form; COPY's own escaping doubles the backslash.
        buffer.writeStaticString("\\\\x")
        let digits = Array("0123456789abcdef".utf8)
        for byte in bytes {
            buffer.writeInteger(digits[Int(byte >> 4)])
            buffer.writeInteger(digits[Int(byte & 0x0f)])
        }
    }

    /// A `text[]` field (NULL when `nil`): each element double-quoted, `"` and `\` escaped.
    mutating func field(array: [String]?) {
        guard let array else { return null() }
        separate()
        var literal = "{"
        for (index, element) in array.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { literal += "\\" }
                literal.unicodeScalars.append(character)
            }
            literal += "\""
        }
        literal += "}"
        writeEscaped(literal)
    }

    /// Ends the current row.
    mutating func endRow() {
        buffer.writeInteger(UInt8(ascii: "\n"))
        atRowStart = true
        count += 1
    }

    private mutating func writeEscaped(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            // Most values need no escape: write them whole.
            guard
                bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
                )
            else {
                buffer.writeBytes(bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00` for a date, to the microsecond: the value a bound `Date`
    /// gets (PostgresNIO truncates microseconds since 2000-01-01 toward zero).
    static func timestamp(_ date: Date) -> String {
        let since2000 = Int64(date.timeIntervalSince(Date(timeIntervalSince1970: 946_684_800)) * 1_000_000)
        let microseconds = since2000 + 946_684_800 * 1_000_000
        var seconds = microseconds / 1_000_000
        var fraction = microseconds % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var time = seconds % 86_400
        if time < 0 {
            time += 86_400
            days -= 1
        }
        let (year, month, day) = CronSchedule.civil(fromDays: Int(days))
        func padded(_ value: some BinaryInteger, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2)) \(padded(time / 3_600, 2)):\(padded(time / 60 % 60, 2)):"
            + "\(padded(time % 60, 2)).\(padded(fraction, 6))+00"
    }
}
