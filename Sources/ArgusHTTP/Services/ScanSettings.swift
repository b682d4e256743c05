//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus
import Foundation
import HTTPTypes

/// What scans may reach and how they run: the configured networks (config.yaml's, or set at
/// run time), the exclusions, the scan scope a named target must fall in, and the profile of
/// network scans with the settings page's changes.
public struct ScanSettings: Sendable {
    /// The setting that lets scans reach outside the configured networks.
    static let allowOutsideScopeSetting = "scanning.allow_outside_scope"

    /// Where run-time settings are kept.
    let store: any ArgusStore
    /// config.yaml's networks, exclusions, profiles and target rules.
    let configuration: ServerConfiguration

    /// The targets of a network scan: the given subnets, else config.yaml's, else what setup
    /// stored; exclusions always apply.
    /// - Throws: ``APIError`` (422 on `subnet`) when none is configured or one is invalid.
    public func networkTargets(_ subnets: [String] = []) async throws -> ScanTargetList {
        // Targets a caller names are held to the scan scope; the configured networks are it.
        if !subnets.isEmpty { return try await scopedTargets(subnets, field: "subnet") }
        let subnets = try await configuredSubnets()
        guard !subnets.isEmpty else {
            throw APIError.invalid("subnet", "no network is configured: give a subnet, or set network.subnets in config.yaml")
        }
        let exclusions = try await exclusions()
        do {
            return try configuration.targetRules.targets(subnets, excluding: exclusions)
        } catch let error as ScanTargetError where exclusions.contains(error.input) {
            // Saved before every input went through the same rules: say where to fix it.
            throw APIError.invalid("network.exclusions", "\(error) (change it on the settings page)")
        } catch {
            throw APIError.invalid("subnet", "\(error)")
        }
    }

    /// Whether an admin let scans reach outside the configured networks.
    public func allowsScansOutsideScope() async throws -> Bool {
        try await store.setting(Self.allowOutsideScopeSetting) == "true"
    }

    /// Lets scans reach outside the configured networks, or not.
    func allowScansOutsideScope(_ allowed: Bool) async throws {
        try await store.setSetting(Self.allowOutsideScopeSetting, to: allowed ? "true" : "false")
    }

    /// The scan scope: the configured networks, their host names resolved.
    public func scanScope() async throws -> ScanScope {
        var networks: [ScanTarget] = []
        for text in try await configuredSubnets() {
            guard let target = try? ScanTarget(text) else { continue }
            if target.kind == .hostname {
                networks += HostResolver.addresses(of: text).compactMap { try? ScanTarget($0) }
            } else {
                networks.append(target)
            }
        }
        return ScanScope(networks: networks)
    }

    /// Targets a request names, ready for nmap: host names resolved once (the address is what
    /// is checked and scanned), exclusions applied, and — unless `scanning.allow_outside_scope`
    /// is on — every target inside the scan scope.
    /// - Throws: ``APIError`` 422 on `field` for an invalid or unresolvable target, 403 on
    ///   `field` for one outside the configured networks.
    public func scopedTargets(_ texts: [String], field: String) async throws -> ScanTargetList {
        let exclusions = try await exclusions()
        var resolved: [String] = []
        var names: [String: String] = [:]
        for text in texts {
            let target: ScanTarget
            do { target = try ScanTarget(text) } catch { throw APIError.invalid(field, "\(error)") }
            guard target.kind == .hostname else {
                resolved.append(text)
                continue
            }
            guard let address = HostResolver.addresses(of: text).first else {
                throw APIError.invalid(field, "\(text) does not resolve to an address")
            }
            names[address] = text
            resolved.append(address)
        }
        let list: ScanTargetList
        do {
            list = try configuration.targetRules.targets(resolved, excluding: exclusions)
        } catch let error as ScanTargetError where exclusions.contains(error.input) {
            throw APIError.invalid("network.exclusions", "\(error) (change it on the settings page)")
        } catch {
            throw APIError.invalid(field, "\(error)")
        }
        guard try await !allowsScansOutsideScope() else { return list }
        let scope = try await scanScope()
        let excluded = exclusions.compactMap { try? ScanTarget($0) }
        for target in list.targets where !scope.contains(target, excluding: excluded) {
            let shown = names[target.text].map { "\($0) (\(target.text))" } ?? target.text
            let networks = scope.networks.isEmpty ? "none is configured" : scope.networks.map(\.text).joined(separator: ", ")
            throw APIError(
                .forbidden,
                "\(shown) is outside the configured networks (\(networks)); scans reach only network.subnets unless an admin allows scans outside them (scanning.allow_outside_scope)",
                field: field)
        }
        return list
    }

    /// The networks to scan: set at run time (setup, `PUT /api/config`), else config.yaml's.
    public func configuredSubnets() async throws -> [String] {
        if let stored = try await store.setting("network.subnets"), !stored.isEmpty {
            return stored.split(separator: ",").map(String.init)
        }
        return configuration.subnets
    }

    /// Addresses never scanned: config.yaml's, and those added at run time (settings page).
    public func exclusions() async throws -> [String] {
        let stored = try await store.setting("network.exclusions")?.split(separator: ",").map(String.init) ?? []
        return configuration.exclusions + stored.filter { !configuration.exclusions.contains($0) }
    }

    /// The error for a profile name config.yaml does not define: 422 on `field`, naming those
    /// it does.
    func unknownProfile(field: String) -> APIError {
        APIError.invalid(field, "one of \(configuration.profiles.map(\.name).joined(separator: ", "))")
    }

    /// The profile of network scans, with the ports and OS detection set at run time.
    public func defaultProfile(named name: String? = nil) async throws -> ScanProfile? {
        var chosen = name
        if chosen == nil { chosen = try await store.setting("network.scan_profile") }
        let name = chosen ?? configuration.scanProfile
        guard var profile = configuration.profiles.first(where: { $0.name == name }) else { return nil }
        if profile.ports != nil, let ports = try await store.setting("scanning.port_range"), let specification = try? PortSpecification(ports) {
            profile.ports = specification
        }
        if try await store.setting("scanning.enable_os_detection") == "false" { profile.detectsOS = false }
        return profile
    }
}
