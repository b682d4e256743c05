//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Hummingbird

/// The scans: those running (with live progress), the form that starts one, and the history.
struct ScansPage: WebPage {
    /// The scans page's values.
    struct View: PageView {
        /// A scan that is running.
        struct Running: Sendable {
            /// Its id.
            var id: Int64
            /// Its targets, comma-separated.
            var targets: String
            /// The scan profile's name.
            var profile: String
            /// What nmap is doing.
            var phase: String
            /// The hosts found up so far.
            var hosts: Int
            /// How far it is, in percent.
            var percent: Int
            /// About how many seconds are left, if nmap says.
            var eta: Int?
        }

        /// A scan in the history.
        struct Row: Sendable {
            /// Its id.
            var id: Int64
            /// When it started.
            var started: String
            /// How long it took, or a dash.
            var duration: String
            /// Its status.
            var status: String
            /// Why it failed, if it did.
            var error: String?
            /// Its targets, comma-separated.
            var targets: String
            /// Its kind.
            var kind: String
            /// The scan profile's name.
            var profile: String
            /// The devices found.
            var devices: Int
            /// How many ports are open.
            var openPorts: Int
        }

        /// The template.

        static let template = "scans"
        /// The layout's values.
        var frame: PageFrame
        /// The scans running now.
        var running: [Running]
        /// The profiles to choose, the configured one selected.
        var profiles: [Option]
        /// The configured networks, as the targets' placeholder.
        var defaultTargets: String
        /// The latest 50 scans.
        var scans: [Row]
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/scans", use: show)
        routes.pages.post("/scans", use: start)
        routes.pages.post("/scans/:id/cancel", use: cancel)
    }

    /// The scans, with a message after one was started.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        try await render(context, flash: request.queryText("started").map { "Scan \($0) started." })
    }

    /// The scans page with a message or error.
    func render(_ context: ArgusRequestContext, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let running = await services.scans.runningScans.map { scan in
            View.Running(
                id: scan.scanID.rawValue, targets: scan.targets.joined(separator: ", "), profile: scan.profile, phase: scan.progress.phase,
                hosts: scan.progress.hostsFound, percent: Int(scan.progress.percent), eta: scan.progress.remainingSeconds)
        }
        // The configured profile, as the dashboard's button uses: a host-discovery scan only when chosen.
        let configured = (try? await services.scanning.defaultProfile())?.name ?? services.configuration.scanProfile
        let view = View(
            frame: PageFrame(context, nav: .scans, flash: flash, error: error), running: running,
            profiles: Option.list(services.configuration.profiles.map(\.name), selected: configured),
            defaultTargets: (try? await services.scanning.configuredSubnets().joined(separator: ", ")) ?? "",
            scans: try await services.store.scans(ScanQuery(limit: 50)).items.map { scan in
                View.Row(
                    id: scan.id.rawValue, started: WebDate.text(scan.startedAt ?? scan.createdAt),
                    duration: scan.duration.map { String(format: "%.1f s", $0) } ?? "—", status: scan.status.rawValue, error: scan.errorMessage,
                    targets: scan.targets.joined(separator: ", "), kind: scan.kind.rawValue, profile: scan.profile, devices: scan.devicesFound,
                    openPorts: scan.openPorts)
            })
        return pages.render(view, status: status)
    }

    /// Starts a network scan of the form's targets, or shows the page again with why not.
    @Sendable func start(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        do {
            guard var profile = try await services.scanning.defaultProfile(named: form["profile"]) else {
                throw services.scanning.unknownProfile(field: "profile")
            }
            if let ports = form["ports"], !ports.isEmpty {
                do { profile.ports = try PortSpecification(ports) } catch { throw APIError.invalid("ports", "\(error)") }
            }
            let targets = try await services.scanning.networkTargets(ScanTargetRules.split(form["targets"] ?? ""))
            let id = try await services.scans.start(
                ScanRequest(
                    targets: targets, profile: profile, resolvesNames: services.configuration.resolveNames,
                    timeout: .seconds(services.configuration.scanTimeoutMinutes * 60)), kind: .network)
            await services.audit(
                "scan_start", context, request: request, resource: ("scan", "\(id)"),
                details: "web: \(profile.name) \(targets.targets.map(\.text).joined(separator: ", "))")
            return Redirect.to("/scans?started=\(id)")
        } catch let error as APIError {
            return try await render(context, error: error.detail, status: error.status)
        } catch let error as ScanCoordinator.StartError {
            return try await render(context, error: error.description, status: .conflict)
        }
    }

    /// Cancels a running scan and waits for it to stop.
    @Sendable func cancel(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a scan id") }
        if await services.scans.cancel(ScanID(id)) {
            await services.audit("scan_cancel", context, request: request, resource: ("scan", "\(id)"))
            await services.scans.wait(for: ScanID(id))
        }
        return Redirect.to("/scans")
    }
}
