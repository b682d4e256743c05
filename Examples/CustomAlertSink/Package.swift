// swift-tools-version: 6.2
//
// An alert sink of your own, in a few dozen lines: this one appends each alert to a file as a
// line of JSON. Build and run: swift run --package-path Examples/CustomAlertSink CustomAlertSink alerts.jsonl
//
// CustomArgusServer is argus-server with that sink as a type of its own (`type: jsonl` in
// config.yaml): swift run --package-path Examples/CustomAlertSink CustomArgusServer --config config.yaml

import PackageDescription

let package = Package(
    name: "CustomAlertSink",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Argus", path: "../..")
    ],
    targets: [
        .executableTarget(name: "CustomAlertSink", dependencies: [.product(name: "Argus", package: "Argus")]),
        .executableTarget(
            name: "CustomArgusServer",
            dependencies: [
                .product(name: "Argus", package: "Argus"), .product(name: "ArgusAlerts", package: "Argus"),
                .product(name: "ArgusServerMain", package: "Argus"),
            ]
        ),
    ]
)
