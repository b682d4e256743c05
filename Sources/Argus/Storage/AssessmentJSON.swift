//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How the stores keep a ``ThreatAssessment``: JSON text in the device's row, keys sorted.
/// Hosts of one kind share an assessment, so a recorder remembers the text of those it wrote
/// lately instead of encoding each again. For the stores of this package (SQLite, PostgreSQL).
package struct AssessmentJSON {
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    private var recent: [ThreatAssessment: String] = [:]

    package init() {}

    /// The text of an assessment.
    package mutating func text(of assessment: ThreatAssessment) throws -> String {
        if let known = recent[assessment] { return known }
        let text = String(decoding: try encoder.encode(assessment), as: UTF8.self)
        if recent.count >= 1_024 { recent.removeAll(keepingCapacity: true) }
        recent[assessment] = text
        return text
    }

    /// The assessment a row holds; `nil` for none, or for text this version cannot read.
    package static func assessment(in text: String?) -> ThreatAssessment? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(ThreatAssessment.self, from: Data(text.utf8))
    }
}
