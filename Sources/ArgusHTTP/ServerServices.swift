//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
public import ArgusAlerts
public import Foundation
public import Logging

/// What the routes and middlewares share, one service per concern: the stores, the scan
/// coordinator and alert dispatcher of the core, and the server's own services (first-run
/// setup, sign-in, session cookies, scan settings, retention, sinks, alert suppression, store
/// health and the audit log).
public struct ServerServices: Sendable {
    /// Where the inventory, the outbox, vulnerabilities and settings are kept.
    public let store: any ArgusStore
    /// Where users, API keys, sessions and the audit log are kept.
    public let accounts: any AccountStore
    /// The settings.
    public let configuration: ServerConfiguration
    /// Runs scans.
    public let scans: ScanCoordinator
    /// Hashes passwords.
    public let hasher: PasswordHasher
    /// Delivers alerts.
    public let alerts: AlertDispatcher
    /// When the server started.
    public let startedAt = Date()
    /// Where the server logs.
    let logger: Logger

    /// The first run's one-time token and admin creation.
    public let setup: FirstRunSetup
    /// Sign-in checks, throttled and audited.
    let credentials: CredentialCheck
    /// Browser sessions' cookies.
    let sessions: SessionCookies
    /// What scans may reach and how they run.
    public let scanning: ScanSettings
    /// Deletes what the retention settings no longer keep.
    public let retention: Retention
    /// config.yaml's sinks and those added through the API.
    public let sinks: AlertSinks
    /// Acknowledgements and snoozes.
    let suppression: AlertSuppression
    /// Whether the store can be used, and store errors for the log.
    public let storeHealth: StoreHealth
    /// Records what people and keys did.
    let audit: AuditLog

    /// Creates the shared services.
    /// - Parameters:
    ///   - store: Where the inventory, the outbox, vulnerabilities and settings are kept.
    ///   - accounts: Where users, API keys, sessions and the audit log are kept.
    ///   - configuration: The settings.
    ///   - scans: Runs scans.
    ///   - hasher: Password hashing (tests lower its cost).
    ///   - alerts: Delivers alerts (default: a dispatcher without sinks).
    ///   - sinkTypes: The sink types the API and the settings page may add.
    ///   - fixedSinkNames: The sinks given at start (default: config.yaml's).
    ///   - logger: Where the server logs.
    public init(
        store: any ArgusStore, accounts: any AccountStore, configuration: ServerConfiguration, scans: ScanCoordinator,
        hasher: PasswordHasher = PasswordHasher(), alerts: AlertDispatcher? = nil,
        sinkTypes: AlertSinkRegistry = .standard, fixedSinkNames: Set<String>? = nil,
        logger: Logger = Logger(label: "argus-server")
    ) {
        let alerts = alerts ?? AlertDispatcher(store: store, sinks: [])
        let audit = AuditLog(accounts: accounts, logger: logger)
        self.store = store
        self.accounts = accounts
        self.configuration = configuration
        self.scans = scans
        self.hasher = hasher
        self.alerts = alerts
        self.logger = logger
        self.audit = audit
        self.setup = FirstRunSetup(accounts: accounts, store: store, hasher: hasher, configuration: configuration, audit: audit)
        self.credentials = CredentialCheck(accounts: accounts, hasher: hasher, configuration: configuration, audit: audit)
        self.sessions = SessionCookies(accounts: accounts, configuration: configuration)
        self.scanning = ScanSettings(store: store, configuration: configuration)
        self.retention = Retention(store: store, days: configuration.retentionDays, keepScans: configuration.keepScans)
        self.sinks = AlertSinks(
            store: store, dispatcher: alerts, types: sinkTypes, configuredNames: fixedSinkNames ?? Set(configuration.alertSinks.map(\.name)),
            configuration: configuration, logger: logger)
        self.suppression = AlertSuppression(store: store)
        self.storeHealth = StoreHealth(store: store, databasePath: configuration.databasePath)
    }
}
