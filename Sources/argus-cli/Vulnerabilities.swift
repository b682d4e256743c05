//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgumentParser
import Argus
import Foundation

/// `argus-cli cve`: the vulnerability catalog (bundled, plus NVD feeds imported offline).
struct Vulnerabilities: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cve",
        abstract: "Import NVD vulnerability feeds and check products against the catalog.",
        discussion: """
            Argus matches the product and version nmap detects on each open port against a curated
            set of CVEs bundled with it, plus any NVD CVE JSON 2.0 feed files imported here. Feeds are
            read offline: download them yourself (https://nvd.nist.gov/vuln/data-feeds), gunzip them,
            and import them into the database every scan uses.
            """,
        subcommands: [ImportFeed.self, Check.self]
    )

    /// `argus-cli cve import FILE...`
    struct ImportFeed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import NVD CVE JSON 2.0 feed files (e.g. nvdcve-2.0-2024.json).",
            discussion: """
                Each CVE that names a vulnerable application (a CPE with part "a") is kept with its
                description, CVSS base score and affected version ranges; importing a CVE again
                replaces it. A file that cannot be read imports nothing and is reported; the others
                still import.
                """
        )

        @Argument(help: ArgumentHelp("The feed files (JSON, not gzip).", valueName: "file"))
        var files: [String]

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let store = try await reportingFailures { try await database.open() }
            var failed = 0
            for file in files {
                do {
                    let data = try Data(contentsOf: URL(fileURLWithPath: file))
                    let contents = try NVDFeed.read(data)
                    let saved = try await store.saveVulnerabilities(contents.vulnerabilities, canonicalizedBy: .bundled)
                    print("\(file): \(contents.total) CVEs, \(saved) imported, \(contents.skipped) skipped (rejected, or no application named).")
                } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
                    printStandardError("argus-cli: \(file): no such file")
                    failed += 1
                } catch {
                    printStandardError("argus-cli: \(file): \(error)")
                    failed += 1
                }
            }
            let total = try await reportingFailures { try await store.vulnerabilityCount() }
            print("The database holds \(total) imported CVEs, beside the \(VulnerabilityCatalog.bundled.count) bundled.")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    /// `argus-cli cve check PRODUCT VERSION`
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "List the known vulnerabilities of a product and version, as nmap reports them.",
            discussion: """
                Examples:
                  argus-cli cve check OpenSSH "8.9p1 Ubuntu 3ubuntu0.6"
                  argus-cli cve check --cpe cpe:/a:vsftpd:vsftpd 2.3.4
                """
        )

        @Argument(help: "nmap's product name, e.g. OpenSSH (or use --cpe, and give only the version).")
        var product: String?

        @Argument(help: "nmap's version, e.g. \"8.9p1 Ubuntu 3ubuntu0.6\".")
        var version: String?

        @Option(help: ArgumentHelp("The service's CPE, as nmap reports it.", valueName: "cpe"))
        var cpe: String?

        @Option(help: "nmap's extra info for the service, e.g. \"Ubuntu Linux; protocol 2.0\".")
        var extraInfo: String?

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if product == nil && cpe == nil { throw ValidationError("Name a product, or give --cpe.") }
        }

        func run() async throws {
            // With --cpe, a lone argument is the version.
            let (product, version) = cpe != nil && version == nil ? (nil, product) : (product, version)
            let port = ObservedPort(
                protocol: .tcp, number: 0, state: .open, product: product, version: version, extraInfo: extraInfo, cpes: cpe.map { [$0] } ?? [])
            let matches = try await reportingFailures {
                let catalog = VulnerabilityCatalog.bundled
                let products = catalog.products(of: port)
                guard !products.isEmpty else {
                    throw CLIFailure("Argus does not know the product \(product.map { "\"\($0)\"" } ?? cpe ?? ""): give its CPE with --cpe")
                }
                let imported = database.exists ? try await database.open().vulnerabilities(affecting: products) : []
                return catalog.adding(imported).matches(for: port)
            }
            if json { return try printJSON(matches) }
            if matches.isEmpty {
                print("No known vulnerabilities for \(product ?? cpe ?? "") \(version ?? "(no version)").")
                return
            }
            var table = TextTable("CVE", "CVSS", "SEVERITY", "CONFIDENCE", "AFFECTED", "SUMMARY")
            for match in matches {
                table.add(
                    match.id, match.cvss.map { String($0) } ?? "-", match.severity.rawValue, match.confidence.rawValue, match.affectedRange,
                    match.summary)
            }
            table.print()
        }
    }
}
