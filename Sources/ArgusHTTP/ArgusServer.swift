//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
public import ArgusAccounts
public import ArgusAlerts
import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle

/// argus-server's HTTP side: the REST API over a store and a scanner, with authentication,
/// CSRF protection, security headers, and background housekeeping.
///
/// ```swift
/// let server = ArgusServer(configuration: configuration, store: try SQLiteDeviceStore(path: path))
/// try await server.application().runService()
/// ```
public struct ArgusServer: Sendable {
    /// What the routes share.
    public let services: ServerServices

    /// Creates the server.
    /// - Parameters:
    ///   - configuration: The settings.
    ///   - store: Where the inventory, the outbox, vulnerabilities and settings are kept.
    ///   - accounts: Where users, API keys, sessions and the audit log are kept.
    ///   - scanner: What runs scans (default: nmap, sweeping large networks first).
    ///   - hasher: Password hashing (tests lower its cost).
    ///   - logger: Where the server logs.
    ///   - alertSinks: Where alerts go (built from `alerts.sinks` by argus-server).
    ///   - sinkTypes: The sink types the API and the settings page may add: the built-in ones
    ///     unless a program registers its own.
    public init(
        configuration: ServerConfiguration, store: any ArgusStore, accounts: any AccountStore, scanner: (any Argus.Scanner)? = nil,
        hasher: PasswordHasher = PasswordHasher(), alertSinks: [any AlertSink] = [],
        sinkTypes: AlertSinkRegistry = .standard, logger: Logger = Logger(label: "argus-server")
    ) {
        let scanner = scanner ?? SweepScanner(base: NmapScanner(executable: configuration.nmapPath), parallelism: configuration.scanParallelism)
        let rules = AlertRules(
            minimumSeverity: configuration.alertMinimumSeverity, riskThreshold: configuration.alertRiskThreshold,
            skipTrusted: configuration.alertSkipTrusted, offlineGrace: configuration.offlineGrace,
            summarizesFirstScan: configuration.alertSummarizeFirstScan)
        let policies = Dictionary(configuration.alertSinks.map { ($0.name, configuration.deliveryPolicy(for: $0)) }) { first, _ in first }
        let dispatcher = AlertDispatcher(
            store: store, sinks: alertSinks, policy: configuration.defaultDeliveryPolicy, policies: policies,
            initialDelay: TimeInterval(configuration.alertRetrySeconds))
        let monitor = Monitor(store: store, scanner: scanner, alerting: Monitor.Alerting(rules: rules, dispatcher: dispatcher))
        services = ServerServices(
            store: store, accounts: accounts, configuration: configuration, scans: ScanCoordinator(monitor: monitor), hasher: hasher,
            alerts: dispatcher, sinkTypes: sinkTypes, fixedSinkNames: Set(alertSinks.map(\.name)), logger: logger)
    }

    /// The router with every route and middleware.
    /// - Throws: When a page template does not parse (a build defect the tests catch).
    public func router() throws -> Router<ArgusRequestContext> {
        let router = Router(context: ArgusRequestContext.self)
        router.add(middleware: SecurityHeadersMiddleware(services: services))
        router.add(middleware: HostAllowlistMiddleware(allowed: services.configuration.allowedHosts))
        router.add(middleware: StoreHealthMiddleware(storeHealth: services.storeHealth))
        router.add(middleware: ClientAddressMiddleware(trustedProxies: Set(services.configuration.trustedProxies)))
        router.add(middleware: SameOriginMiddleware())
        let routes = RouteGroups(on: router, services: services)
        SystemRoutes(services: services).register(on: routes)
        AuthRoutes(services: services).register(on: routes)
        DeviceRoutes(services: services).register(on: routes)
        ScanRoutes(services: services).register(on: routes)
        ChangeRoutes(services: services).register(on: routes)
        ScheduleRoutes(services: services).register(on: routes)
        AdminRoutes(services: services).register(on: routes)
        ConfigRoutes(services: services).register(on: routes)
        DashboardRoutes(services: services).register(on: routes)
        AlertRoutes(services: services).register(on: routes)
        try WebRoutes(services: services).register(on: routes)
        return router
    }

    /// The application: the router on the configured address, with housekeeping beside it.
    /// - Parameter onServerRunning: Called with the bound port once the server listens.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let configuration = services.configuration
        return Application(
            router: try router(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "Argus"),
            services: [Housekeeping(services: services), ScanScheduler(services: services), AlertDelivery(services: services)],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: services.logger
        )
    }
}

/// Background work beside the HTTP server, every ten minutes: expired sessions are removed and
/// scans past the retention settings deleted. At shutdown a running scan is cancelled and
/// recorded as such.
struct Housekeeping: ServiceLifecycle.Service {
    let services: ServerServices

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.tidy()
                try await Task.sleep(for: .seconds(600))
            }
        }
        await services.scans.stop()
    }

    func tidy() async {
        do {
            try await services.accounts.deleteExpiredSessions(at: Date())
        } catch {
            services.logger.error("could not remove expired sessions: \(error)")
        }
        do {
            let deleted = try await services.retention.prune()
            if deleted > 0 { services.logger.notice("retention: deleted \(deleted) old scans") }
        } catch {
            services.logger.error("could not delete old scans: \(error)")
        }
    }
}

/// Delivers the alert outbox every ten seconds (the core's ``AlertDispatcher/run(every:onRound:)``),
/// with the dispatcher's retries and backoff; what is undelivered at shutdown waits in the store
/// for the next start.
struct AlertDelivery: ServiceLifecycle.Service {
    let services: ServerServices

    func run() async throws {
        let logger = services.logger
        let alerts = services.alerts
        await cancelWhenGracefulShutdown {
            await alerts.run(every: .seconds(10)) { result in
                switch result {
                case .success(let round) where round.failed > 0: logger.warning("alerts: \(round.failed) deliveries failed and will be retried")
                case .failure(let error): logger.error("alerts: the outbox could not be read: \(error)")
                case .success: break
                }
            }
        }
    }
}
