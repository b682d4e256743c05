//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation

/// Charts as inline SVG, drawn on the server: no script, no library, styled by the stylesheet
/// (so they follow light and dark). Text in them is escaped.
enum Charts {
    /// Text escaped for HTML, in an SVG's text or attribute.
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Horizontal bars of devices per risk level.
    static func riskBars(_ counts: [RiskLevel: Int]) -> String {
        let levels = RiskLevel.allCases.reversed()
        let largest = max(1, counts.values.max() ?? 1)
        var svg = #"<svg class="chart" viewBox="0 0 320 130" role="img" aria-label="Devices by risk level">"#
        for (row, level) in levels.enumerated() {
            let count = counts[level, default: 0]
            let width = Double(count) / Double(largest) * 200
            let y = 6 + row * 24
            svg += #"<text x="0" y="\#(y + 13)">\#(level.rawValue)</text>"#
            svg +=
                #"<rect class="bar-\#(level.rawValue)" x="70" y="\#(y)" width="\#(String(format: "%.1f", max(width, count > 0 ? 2 : 0)))" height="16" rx="3"><title>\#(count) \#(level.rawValue)</title></rect>"#
            svg += #"<text x="\#(String(format: "%.1f", 76 + width))" y="\#(y + 13)">\#(count)</text>"#
        }
        return svg + "</svg>"
    }

    /// A line of values over time (oldest first).
    static func line(_ points: [(label: String, value: Int)], label: String) -> String {
        guard points.count >= 2 else { return #"<p class="muted">The trend appears after two network scans.</p>"# }
        let largest = Double(max(1, points.map(\.value).max() ?? 1))
        let step = 300.0 / Double(points.count - 1)
        let coordinates = points.enumerated().map { index, point in
            String(format: "%.1f,%.1f", 10 + Double(index) * step, 110 - Double(point.value) / largest * 100)
        }
        var svg = #"<svg class="chart" viewBox="0 0 320 130" role="img" aria-label="\#(escape(label))">"#
        svg += #"<line class="axis" x1="10" y1="110" x2="310" y2="110"/>"#
        svg += #"<polyline class="line" points="\#(coordinates.joined(separator: " "))"><title>\#(escape(label))</title></polyline>"#
        svg +=
            #"<text x="10" y="126">\#(escape(points.first!.label))</text><text x="310" y="126" text-anchor="end">\#(escape(points.last!.label))</text>"#
        svg += #"<text x="12" y="12">\#(Int(largest))</text>"#
        return svg + "</svg>"
    }
}
