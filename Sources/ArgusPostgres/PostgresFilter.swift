//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import PostgresNIO

/// A `WHERE` clause built from the filters a query sets, with its values bound in order.
///
/// ```swift
/// var filter = PostgresFilter()
/// filter.add("status = $?", query.status?.rawValue)
/// let rows = try await store.fetch(filter.query("SELECT count(*) FROM scans \(filter.clause)"), "counting scans")
/// ```
struct PostgresFilter {
    private var conditions: [String] = []
    private(set) var bindings = PostgresBindings()

    /// Adds `condition` when `value` is set; each `$?` in the condition names the value.
    mutating func add<Value: PostgresDynamicTypeEncodable>(_ condition: String, _ value: Value?) {
        guard let value else { return }
        bindings.append(value)
        conditions.append(condition.replacing("$?", with: "$\(bindings.count)"))
    }

    /// `WHERE …`, or nothing when no filter is set.
    var clause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// A placeholder for one more value, bound now: for `LIMIT` and `OFFSET` after the clause.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    /// A query of `sql` with the values bound so far.
    func query(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
