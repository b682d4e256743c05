//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import CSV
import Foundation

/// CSV documents for the exports (RFC 4180, CRLF line ends), written with CSV.swift's writer.
///
/// Two rules hold for every cell, whatever a scan or a user put in it:
/// - A cell holding a CR, an LF, a comma or a double quote is quoted, its quotes doubled.
///   They are looked for scalar by scalar: in Swift `"\r\n"` is one `Character`, so a
///   `Character` test misses a lone CR, which spreadsheets take for a line end.
/// - A cell that starts with `=`, `+`, `-`, `@`, a tab or a CR (what a spreadsheet may run as a
///   formula) is prefixed with `'`.
enum CSVExport {
    /// The scalars that make a spreadsheet read a cell as a formula when they come first.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
    /// The scalars that force quoting.
    static let quotedScalars: Set<Unicode.Scalar> = ["\r", "\n", ",", "\""]

    /// A whole document: the header row, then one row per item, each line ending in CRLF.
    /// - Throws: When the writer fails (it writes to memory, so only on a defect).
    static func document(header: [String], rows: [[String]]) throws -> String {
        let stream = OutputStream(toMemory: ())
        let writer = try CSVWriter(stream: stream, newline: .crlf)
        for row in [header] + rows {
            writer.beginNewRow()
            for cell in row {
                let value = neutralised(cell)
                try writer.write(field: value, quoted: needsQuotes(value))
            }
        }
        guard let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data else { throw CSVError.cannotWriteStream }
        // The writer separates rows; RFC 4180 lets the last one end in CRLF too, as before.
        return String(decoding: data, as: UTF8.self) + "\r\n"
    }

    /// The cell with a `'` before a formula-like start.
    static func neutralised(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, formulaStarts.contains(first) else { return value }
        return "'" + value
    }

    /// Whether the cell must be quoted.
    static func needsQuotes(_ value: String) -> Bool {
        value.unicodeScalars.contains { quotedScalars.contains($0) }
    }
}
