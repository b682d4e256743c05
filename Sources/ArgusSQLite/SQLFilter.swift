//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A `WHERE` clause built from the filters a query sets, with its arguments in order.
struct SQLFilter {
    private var conditions: [String] = []
    private(set) var arguments: [SQLiteValue] = []

    /// Adds `condition` when `value` is set. `?NEXT` in the condition names the value's
    /// parameter, for conditions that use it more than once; otherwise use one `?`.
    mutating func add(_ condition: String, _ value: SQLiteValue?) {
        guard let value else { return }
        arguments.append(value)
        conditions.append(condition.replacing("?NEXT", with: "?\(arguments.count)"))
    }

    /// `WHERE …`, or nothing when no filter is set.
    var clause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }
}
