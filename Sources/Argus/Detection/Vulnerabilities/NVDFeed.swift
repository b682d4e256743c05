//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Reads NVD's CVE JSON 2.0 format: the yearly feed files (`nvdcve-2.0-2024.json`) and the
/// CVE API's answers, which share it. Offline: nothing is fetched.
///
/// Of each CVE, Argus keeps the id, the English description, the best CVSS base score (v3.1,
/// then v4.0, v3.0, v2), the references, and every vulnerable application CPE match with its
/// version range. CVEs that name no application (only operating systems or hardware) are
/// skipped and counted, as are rejected ones.
public enum NVDFeed {
    /// What a feed held.
    public struct Contents: Sendable {
        /// The CVEs that name an application, ready for a ``VulnerabilityCatalog`` or a store.
        public var vulnerabilities: [Vulnerability]
        /// How many CVEs the file listed.
        public var total: Int
        /// How many were skipped: rejected, or naming no application.
        public var skipped: Int
    }

    /// Why a feed could not be read.
    public enum ReadError: Error, CustomStringConvertible {
        /// The file is gzip-compressed.
        case compressed
        /// The JSON is not a CVE JSON 2.0 document.
        case notAFeed(String)

        /// A sentence for people.
        public var description: String {
            switch self {
            case .compressed: "the file is gzip-compressed: decompress it first (gunzip FILE.json.gz)"
            case .notAFeed(let detail): "not an NVD CVE JSON 2.0 file: \(detail)"
            }
        }
    }

    /// Reads a feed.
    /// - Throws: ``ReadError`` with the reason.
    public static func read(_ data: Data) throws -> Contents {
        if data.starts(with: [0x1F, 0x8B]) { throw ReadError.compressed }
        let feed: Feed
        do {
            feed = try JSONDecoder().decode(Feed.self, from: data)
        } catch let error as DecodingError {
            throw ReadError.notAFeed(describe(error))
        } catch {
            throw ReadError.notAFeed("\(error)")
        }
        var vulnerabilities: [Vulnerability] = []
        var skipped = 0
        for item in feed.vulnerabilities {
            let cve = item.cve
            guard cve.vulnStatus != "Rejected", let vulnerability = convert(cve) else {
                skipped += 1
                continue
            }
            vulnerabilities.append(vulnerability)
        }
        return Contents(vulnerabilities: vulnerabilities, total: feed.vulnerabilities.count, skipped: skipped)
    }

    private static func convert(_ cve: CVE) -> Vulnerability? {
        var affects: [AffectedVersions] = []
        for configuration in cve.configurations ?? [] {
            for node in configuration.nodes where node.negate != true {
                for match in node.cpeMatch ?? [] where match.vulnerable {
                    guard let (product, version) = SoftwareProduct.parse(cpe: match.criteria) else { continue }
                    let affected = AffectedVersions(
                        vendor: product.vendor, product: product.product, version: version, startIncluding: match.versionStartIncluding,
                        startExcluding: match.versionStartExcluding, endIncluding: match.versionEndIncluding, endExcluding: match.versionEndExcluding)
                    if !affects.contains(affected) { affects.append(affected) }
                }
            }
        }
        guard !affects.isEmpty else { return nil }
        let summary = cve.descriptions.first { $0.lang == "en" }?.value ?? cve.descriptions.first?.value ?? cve.id
        let metrics = cve.metrics
        let best = [metrics?.cvssMetricV31, metrics?.cvssMetricV40, metrics?.cvssMetricV30, metrics?.cvssMetricV2].lazy.compactMap { list in
            list?.first { $0.type == "Primary" } ?? list?.first
        }.first
        let references = (cve.references ?? []).map(\.url).prefix(10)
        return Vulnerability(id: cve.id, summary: summary, cvss: best?.cvssData.baseScore, references: Array(references), affects: affects)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context): "missing \"\(key.stringValue)\" at \(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context): "unexpected value at \(path(context))"
        case .dataCorrupted(let context): context.codingPath.isEmpty ? "it is not valid JSON" : "bad value at \(path(context))"
        @unknown default: "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty ? "the top level" : context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    // The parts of the format Argus reads; everything else is ignored.
    private struct Feed: Decodable { var vulnerabilities: [Item] }
    private struct Item: Decodable { var cve: CVE }
    private struct CVE: Decodable {
        var id: String
        var vulnStatus: String?
        var descriptions: [Text]
        var metrics: Metrics?
        var configurations: [Configuration]?
        var references: [Reference]?
    }
    private struct Text: Decodable {
        var lang: String
        var value: String
    }
    private struct Metrics: Decodable {
        var cvssMetricV40: [Metric]?
        var cvssMetricV31: [Metric]?
        var cvssMetricV30: [Metric]?
        var cvssMetricV2: [Metric]?
    }
    private struct Metric: Decodable {
        var type: String?
        var cvssData: Score
    }
    private struct Score: Decodable { var baseScore: Double }
    private struct Configuration: Decodable { var nodes: [Node] }
    private struct Node: Decodable {
        var negate: Bool?
        var cpeMatch: [CPEMatch]?
    }
    private struct CPEMatch: Decodable {
        var vulnerable: Bool
        var criteria: String
        var versionStartIncluding: String?
        var versionStartExcluding: String?
        var versionEndIncluding: String?
        var versionEndExcluding: String?
    }
    private struct Reference: Decodable { var url: String }
}
