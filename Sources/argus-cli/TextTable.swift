//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Rows of text printed in aligned columns under a header.
struct TextTable {
    private let headers: [String]
    private var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    /// The width of a cell in columns (one per Unicode scalar: right for the Latin, Greek and
    /// Cyrillic scripts names and vendors use; wide scripts may misalign).
    private static func width(_ cell: String) -> Int { cell.unicodeScalars.count }

    /// The table, one line per row; the last column is not padded.
    func render() -> String {
        var widths = headers.map(Self.width)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], Self.width(cell))
            }
        }
        var text = ""
        text.reserveCapacity((rows.count + 1) * (widths.reduce(0, +) + 2 * widths.count))
        for cells in [headers] + rows {
            var line = ""
            for (index, cell) in cells.enumerated() {
                line += cell
                if index < cells.count - 1 {
                    line += String(repeating: " ", count: widths[index] - Self.width(cell) + 2)
                }
            }
            while line.last == " " { line.removeLast() }
            text += line
            text += "\n"
        }
        return text
    }

    /// Prints the table.
    func print() {
        Swift.print(render(), terminator: "")
    }
}
