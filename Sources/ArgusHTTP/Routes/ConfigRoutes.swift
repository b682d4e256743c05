//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// The scan settings people change at run time (the original's `/api/config`): the networks,
/// the default profile and ports. They are kept in the database and take precedence over
/// config.yaml's; every change is audited.
struct ConfigRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.api.get("/api/config", use: show)
        routes.api.put("/api/config", use: update)
    }

    struct Settings: ResponseEncodable, Decodable {
        struct Network: Codable {
            var subnets: [String]?
            var subnet: String?
            var scanProfile: String?
        }
        struct Scanning: Codable {
            var portRange: String?
            var enableOsDetection: Bool?
            /// Whether scans may reach outside the configured networks (off by default).
            var allowOutsideScope: Bool?
        }
        var network: Network
        var scanning: Scanning?
    }

    func current() async throws -> Settings {
        let subnets = try await services.scanning.configuredSubnets()
        let profile = try await services.store.setting("network.scan_profile") ?? services.configuration.scanProfile
        let ports = try await services.store.setting("scanning.port_range")
        let os = try await services.store.setting("scanning.enable_os_detection").map { $0 == "true" } ?? true
        let outside = try await services.scanning.allowsScansOutsideScope()
        return Settings(
            network: .init(subnets: subnets, subnet: subnets.first, scanProfile: profile),
            scanning: .init(portRange: ports, enableOsDetection: os, allowOutsideScope: outside))
    }

    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Settings {
        try await current()
    }

    @Sendable func update(_ request: Request, context: ArgusRequestContext) async throws -> Settings {
        let body = try await request.decodeJSON(as: Settings.self, context: context)
        var changed: [String] = []
        let subnets = body.network.subnets ?? body.network.subnet.map { [$0] }
        if let subnets {
            let trimmed = subnets.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            do {
                if !trimmed.isEmpty {
                    _ = try services.configuration.targetRules.targets(trimmed, excluding: try await services.scanning.exclusions())
                }
            } catch {
                throw APIError.invalid("network.subnets", "\(error)")
            }
            try await services.store.setSetting("network.subnets", to: trimmed.isEmpty ? nil : trimmed.joined(separator: ","))
            changed.append("subnets=\(trimmed.joined(separator: ","))")
        }
        if let profile = body.network.scanProfile {
            guard services.configuration.profiles.contains(where: { $0.name == profile }) else {
                throw services.scanning.unknownProfile(field: "network.scan_profile")
            }
            try await services.store.setSetting("network.scan_profile", to: profile)
            changed.append("scan_profile=\(profile)")
        }
        if let ports = body.scanning?.portRange {
            if !ports.isEmpty {
                do { _ = try PortSpecification(ports) } catch { throw APIError.invalid("scanning.port_range", "\(error)") }
            }
            try await services.store.setSetting("scanning.port_range", to: ports.isEmpty ? nil : ports)
            changed.append("port_range=\(ports)")
        }
        if let os = body.scanning?.enableOsDetection {
            try await services.store.setSetting("scanning.enable_os_detection", to: os ? "true" : "false")
            changed.append("enable_os_detection=\(os)")
        }
        if let outside = body.scanning?.allowOutsideScope {
            try await services.scanning.allowScansOutsideScope(outside)
            changed.append("allow_outside_scope=\(outside)")
        }
        await services.audit("config_update", context, request: request, resource: ("config", "scanning"), details: changed.joined(separator: "; "))
        return try await current()
    }
}
