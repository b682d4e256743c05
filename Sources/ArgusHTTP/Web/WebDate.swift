//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation

/// How the pages show a moment: `2026-03-07 10:15:00 UTC`.
enum WebDate {
    /// A moment as the pages show it, or empty for none.
    static func text(_ date: Date?) -> String {
        guard let date else { return "" }
        return date.formatted(.iso8601.year().month().day().dateTimeSeparator(.space).time(includingFractionalSeconds: false)).replacingOccurrences(
            of: "Z", with: " UTC")
    }
}
