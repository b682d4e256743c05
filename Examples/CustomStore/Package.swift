// swift-tools-version: 6.2
//
// A DeviceStore of your own, checked against Argus's store contract from ArgusTesting.
// Run: swift run --package-path Examples/CustomStore CustomStore

import PackageDescription

let package = Package(
    name: "CustomStore",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Argus", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "CustomStore",
            dependencies: [.product(name: "Argus", package: "Argus"), .product(name: "ArgusTesting", package: "Argus")]
        )
    ]
)
