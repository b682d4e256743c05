//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The in-memory store's imported vulnerabilities.
extension InMemoryDeviceStore: VulnerabilityStore {

    public func saveVulnerabilities(_ vulnerabilities: [Vulnerability], canonicalizedBy catalog: VulnerabilityCatalog) -> Int {
        for vulnerability in vulnerabilities {
            importedVulnerabilities[vulnerability.id] = (vulnerability, Set(vulnerability.affects.map { catalog.canonical($0.software) }))
        }
        return vulnerabilities.count
    }

    public func vulnerabilities(affecting products: Set<SoftwareProduct>) -> [Vulnerability] {
        importedVulnerabilities.values.filter { !$0.products.isDisjoint(with: products) }.map(\.vulnerability).sorted { $0.id < $1.id }
    }

    public func vulnerabilityCount() -> Int { importedVulnerabilities.count }
}
