// swift-tools-version: 6.2
//
// Argus as a library, no server: read nmap XML, judge each host's risk and CVEs, and compare
// two scans. Run: swift run --package-path Examples/EmbedScanner EmbedScanner old.xml [new.xml]

import PackageDescription

let package = Package(
    name: "EmbedScanner",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Argus", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "EmbedScanner", dependencies: [.product(name: "Argus", package: "Argus")]),
    ]
)
