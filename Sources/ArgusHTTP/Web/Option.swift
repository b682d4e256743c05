//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// One `<option>` of a select: its value, its label and whether it is chosen.
struct Option: Sendable {
    /// The value sent.
    var value: String
    /// What people read (the value, unless told otherwise).
    var label: String
    /// Whether it is the selected option.
    var selected: Bool

    /// An option whose label is its value unless one is given.
    init(value: String, label: String? = nil, selected: Bool) {
        self.value = value
        self.label = label ?? value
        self.selected = selected
    }

    /// Options for values, the one equal to `selected` chosen.
    static func list(_ values: [String], selected: String?) -> [Option] {
        values.map { Option(value: $0, selected: $0 == selected) }
    }
}
