//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import PostgresNIO

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Imported vulnerabilities (as `jsonb`), indexed by the products they affect.
extension PostgresStore: VulnerabilityStore {

    /// How many vulnerabilities one statement saves (as arrays bound to `unnest`).
    static let vulnerabilityBatchSize = 1_000

    public func saveVulnerabilities(_ vulnerabilities: [Vulnerability], canonicalizedBy catalog: VulnerabilityCatalog) async throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // One row per id, the last one given winning (as saving them one after another would).
        var rowsByID: [String: (data: String, products: Set<String>)] = [:]
        var order: [String] = []
        for vulnerability in vulnerabilities {
            let data = String(decoding: try encoder.encode(vulnerability), as: UTF8.self)
            if rowsByID[vulnerability.id] == nil { order.append(vulnerability.id) }
            rowsByID[vulnerability.id] = (data, Set(vulnerability.affects.map { catalog.canonical($0.software).description }))
        }
        try await transaction("saving vulnerabilities") { connection in
            for start in stride(from: 0, to: order.count, by: Self.vulnerabilityBatchSize) {
                let ids = Array(order[start..<min(start + Self.vulnerabilityBatchSize, order.count)])
                let data = ids.map { rowsByID[$0]!.data }
                var productIDs: [String] = []
                var products: [String] = []
                for id in ids {
                    for product in rowsByID[id]!.products.sorted() {
                        productIDs.append(id)
                        products.append(product)
                    }
                }
                try await connection.query(
                    """
                    INSERT INTO vulnerabilities (id, data) SELECT id, data::jsonb FROM unnest(\(ids)::text[], \(data)::text[]) AS t (id, data)
                    ON CONFLICT (id) DO UPDATE SET data = excluded.data
                    """, logger: logger)
                try await connection.query("DELETE FROM vulnerability_products WHERE vulnerability_id = ANY(\(ids)::text[])", logger: logger)
                try await connection.query(
                    """
                    INSERT INTO vulnerability_products (product, vulnerability_id)
                    SELECT product, id FROM unnest(\(products)::text[], \(productIDs)::text[]) AS t (product, id) ON CONFLICT DO NOTHING
                    """, logger: logger)
            }
        }
        return vulnerabilities.count
    }

    public func vulnerabilities(affecting products: Set<SoftwareProduct>) async throws -> [Vulnerability] {
        guard !products.isEmpty else { return [] }
        let keys = products.map(\.description).sorted()
        let rows = try await fetch(
            """
            SELECT v.data::text FROM vulnerabilities v
            WHERE v.id IN (SELECT vulnerability_id FROM vulnerability_products WHERE product = ANY(\(keys)::text[])) ORDER BY v.id
            """, "reading vulnerabilities")
        let decoder = JSONDecoder()
        return try decode(rows) { try $0.decode(String.self) }.map { text in
            do {
                return try decoder.decode(Vulnerability.self, from: Data(text.utf8))
            } catch {
                throw StoreError(.corrupt, "a stored vulnerability does not decode: \(error)")
            }
        }
    }

    public func vulnerabilityCount() async throws -> Int {
        try await count("SELECT count(*) FROM vulnerabilities", "counting vulnerabilities")
    }
}
