// swift-tools-version: 6.2
//
// Argus as a library, no server: read nmap XML, judge each host's risk and CVEs, and compare
// two scans; or run a scheduled scan with alert delivery, no HTTP at all.
// Run: swift run --package-path Examples/EmbedScanner EmbedScanner old.xml [new.xml]
//      swift run --package-path Examples/EmbedScanner EmbedScanner --schedule 127.0.0.1

import PackageDescription

let package = Package(
    name: "EmbedScanner",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Argus", path: "../..")
    ],
    targets: [
        .executableTarget(name: "EmbedScanner", dependencies: [.product(name: "Argus", package: "Argus")])
    ]
)
