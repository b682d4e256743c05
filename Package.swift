// swift-tools-version: 6.2
//
// Argus — a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0

import PackageDescription

/// Settings every Argus target shares: explicit `any`, imports that must be spelled out,
/// and internal imports unless a dependency's types appear in public API.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Argus",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Argus", targets: ["Argus"]),
        .library(name: "ArgusSQLite", targets: ["ArgusSQLite"]),
        // A PostgreSQL store (settings, accounts, vulnerabilities, the alert outbox, so far).
        .library(name: "ArgusPostgres", targets: ["ArgusPostgres"]),
        .library(name: "ArgusHTTP", targets: ["ArgusHTTP"]),
        // The built-in alert sinks and their registry, AlertSinkRegistry.standard.
        .library(name: "ArgusAlerts", targets: ["ArgusAlerts"]),
        // For implementers and embedders' tests: a replay scanner, store contract suites.
        .library(name: "ArgusTesting", targets: ["ArgusTesting"]),
        // argus-server's command, for servers of your own (with sink types of your own).
        .library(name: "ArgusServerMain", targets: ["ArgusServerMain"]),
        .executable(name: "argus-server", targets: ["argus-server"]),
        .executable(name: "argus-cli", targets: ["argus-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Without its Foundation trait: Argus needs only the process API.
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
        // The server: HTTP, sessions and password hashing, templates, configuration, metrics.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Alert sinks: outbound HTTP.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Raw sockets for the SMTP and MQTT alert sinks (already in the graph through AHC).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // `swift package generate-documentation --target Argus`: the API reference, built in CI.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        // CSV exports: a kept writer for quoting (formula neutralisation stays Argus's own).
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        // ArgusPostgres: the PostgreSQL wire protocol and a connection pool (PostgresClient).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // C shims over the system libraries (apt: libxml2-dev, libsqlite3-dev).
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .systemLibrary(
            name: "CSQLite3",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite3"])]
        ),

        // The protocol-oriented core: model, nmap XML reader. Knows nothing of HTTP or SQLite.
        .target(
            name: "Argus",
            dependencies: [
                "CLibXML2",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            // Data, compiled in: no Foundation Bundle needed to find it at run time.
            resources: [.embedInCode("Resources/port-rules.json"), .embedInCode("Resources/vulnerabilities.json")],
            swiftSettings: swiftSettings
        ),
        // Test kit: a scanner that replays recorded nmap XML.
        // It also starts throwaway PostgreSQL clusters (PostgresTestServer), by running PostgreSQL's programs.
        .target(
            name: "ArgusTesting",
            dependencies: [
                "Argus", "ArgusAccounts",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // The default DeviceStore on the system libsqlite3.
        .target(name: "ArgusSQLite", dependencies: ["Argus", "ArgusAccounts", "CSQLite3"], swiftSettings: swiftSettings),
        // A store on PostgreSQL, for deployments that share one database between replicas.
        .target(
            name: "ArgusPostgres",
            dependencies: [
                "Argus", "ArgusAccounts", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Accounts: password hashing (bcrypt), API keys and tokens, shared by the server and the CLI.
        .target(
            name: "ArgusAccounts",
            dependencies: [
                "Argus",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Built-in alert sinks: webhook, Slack, Discord, Teams, ntfy, Gotify, PagerDuty,
        // Pushover, Telegram, email (SMTP), MQTT (with Home Assistant discovery), syslog, a command.
        .target(
            name: "ArgusAlerts",
            dependencies: [
                "Argus",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // Web UI and REST API.
        .target(
            name: "ArgusHTTP",
            dependencies: [
                "Argus", "ArgusAccounts", "ArgusAlerts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            resources: [
                .embedInCode("Resources/openapi.json"),
                .embedInCode("Resources/web/app.css"), .embedInCode("Resources/web/app.js"),
                .embedInCode("Resources/web/layout.mustache"), .embedInCode("Resources/web/login.mustache"),
                .embedInCode("Resources/web/setup.mustache"), .embedInCode("Resources/web/dashboard.mustache"),
                .embedInCode("Resources/web/change-table.mustache"), .embedInCode("Resources/web/devices.mustache"),
                .embedInCode("Resources/web/device.mustache"), .embedInCode("Resources/web/scans.mustache"),
                .embedInCode("Resources/web/changes.mustache"), .embedInCode("Resources/web/settings.mustache"),
                .embedInCode("Resources/web/compare.mustache"), .embedInCode("Resources/web/visualization.mustache"),
            ],
            swiftSettings: swiftSettings
        ),

        // Thin executables that only compose the library.
        // argus-server's command line, a library so that a custom server reuses it whole.
        .target(
            name: "ArgusServerMain",
            dependencies: [
                "ArgusHTTP", "ArgusSQLite", "ArgusPostgres", "ArgusAlerts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "argus-server", dependencies: ["ArgusServerMain", "ArgusAlerts"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "argus-cli",
            dependencies: [
                "Argus", "ArgusSQLite", "ArgusPostgres", "ArgusAccounts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "ArgusTests",
            dependencies: ["Argus", "ArgusTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArgusSQLiteTests",
            dependencies: ["Argus", "ArgusSQLite", "ArgusAccounts", "ArgusTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArgusPostgresTests",
            dependencies: ["ArgusPostgres", "ArgusTesting", "Argus", "ArgusAccounts"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArgusHTTPTests",
            dependencies: [
                "ArgusHTTP", "ArgusAccounts", "ArgusAlerts", "Argus", "ArgusSQLite", "ArgusTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArgusAlertsTests",
            dependencies: ["ArgusAlerts", "Argus", "ArgusSQLite", "ArgusTesting", .product(name: "NIOCore", package: "swift-nio")],
            exclude: ["receiver.py", "smtp_receiver.py", "fake_server.py"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArgusCLITests",
            dependencies: ["argus-cli", "Argus", "ArgusSQLite", "ArgusAccounts"],
            swiftSettings: swiftSettings
        ),
    ]
)
