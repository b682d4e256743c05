//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Imported vulnerabilities, indexed by the products they affect.
extension SQLiteDeviceStore: VulnerabilityStore {

    public func saveVulnerabilities(_ vulnerabilities: [Vulnerability], canonicalizedBy catalog: VulnerabilityCatalog) async throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let rows = try vulnerabilities.map { vulnerability in
            (
                vulnerability.id, String(decoding: try encoder.encode(vulnerability), as: UTF8.self),
                Set(vulnerability.affects.map { catalog.canonical($0.software).description })
            )
        }
        return try await writer.perform { connection in
            try connection.transaction {
                let save = try connection.prepare(
                    "INSERT INTO vulnerabilities (id, data) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET data = excluded.data")
                let clear = try connection.prepare("DELETE FROM vulnerability_products WHERE vulnerability_id = ?1")
                let index = try connection.prepare("INSERT OR IGNORE INTO vulnerability_products (product, vulnerability_id) VALUES (?1, ?2)")
                for (id, data, products) in rows {
                    save.reset()
                    try save.bind(id, at: 1)
                    try save.bind(data, at: 2)
                    _ = try save.step()
                    clear.reset()
                    try clear.bind(id, at: 1)
                    _ = try clear.step()
                    for product in products.sorted() {
                        index.reset()
                        try index.bind(product, at: 1)
                        try index.bind(id, at: 2)
                        _ = try index.step()
                    }
                }
                return rows.count
            }
        }
    }

    public func vulnerabilities(affecting products: Set<SoftwareProduct>) async throws -> [Vulnerability] {
        guard !products.isEmpty else { return [] }
        let keys = products.map(\.description).sorted()
        let texts = try await reader.perform { connection in
            let placeholders = Array(repeating: "?", count: keys.count).joined(separator: ", ")
            return try connection.query(
                "SELECT DISTINCT v.id, v.data FROM vulnerability_products p JOIN vulnerabilities v ON v.id = p.vulnerability_id WHERE p.product IN (\(placeholders)) ORDER BY v.id",
                keys.map { .text($0) }
            ) { $0.string(1) }
        }
        let decoder = JSONDecoder()
        return try texts.map { text in
            do {
                return try decoder.decode(Vulnerability.self, from: Data(text.utf8))
            } catch {
                throw StoreError(.corrupt, "a stored vulnerability does not decode: \(error)")
            }
        }
    }

    public func vulnerabilityCount() async throws -> Int {
        try await reader.perform { try $0.first("SELECT count(*) FROM vulnerabilities") { $0.int(0) } ?? 0 }
    }
}
