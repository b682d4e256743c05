//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation
import Hummingbird

/// One device: its facts, open ports, threats, known vulnerabilities and history, and the
/// form that edits its label, zone, notes and trust.
struct DevicePage: WebPage {
    /// The device page's values.
    struct View: PageView {
        /// What is known about the device, and its editable fields.
        struct Facts: Sendable {
            /// Its id.
            var id: Int64
            /// Its name.
            var name: String
            /// Its IP address.
            var ip: String
            /// The MAC address, or a dash.
            var mac: String
            /// The MAC's vendor, or a dash.
            var vendor: String
            /// Whether the MAC is locally administered (may be randomised).
            var randomizedMac: Bool
            /// The type's name, for its icon.
            var type: String
            /// The type's name for people.
            var typeLabel: String
            /// The host name, or a dash.
            var hostname: String
            /// The operating system with nmap's accuracy, or a dash.
            var os: String
            /// The risk level's name.
            var risk: String
            /// The risk score.
            var score: Int
            /// How many scans have seen it.
            var timesSeen: Int
            /// When it was first seen.
            var firstSeen: String
            /// When it was last seen.
            var lastSeen: String
            /// Whether it is online.
            var online: Bool
            /// Its label, or empty.
            var label: String
            /// Its notes, or empty.
            var notes: String
            /// Its zone, or empty.
            var zone: String
            /// Whether it is marked trusted.
            var isTrusted: Bool
        }

        /// An open port.
        struct Port: Sendable {
            /// The number and protocol, `22/tcp`.
            var port: String
            /// The service nmap named, or empty.
            var service: String
            /// The product, or empty.
            var product: String
            /// The version, or empty.
            var version: String
        }

        /// A risk rule that fires on an open port.
        struct Threat: Sendable {
            /// The risk level's name.
            var level: String
            /// The port number.
            var port: Int
            /// The protocol's name.
            var `protocol`: String
            /// Its name.
            var name: String
            /// What it is about.
            var description: String
            /// What to do.
            var remediation: String
        }

        /// A known vulnerability of a service.
        struct Vulnerability: Sendable {
            /// The CVE id.
            var id: String
            /// The CVSS score, or a dash.
            var cvss: String
            /// How sure the match is.
            var confidence: String
            /// The port number.
            var port: Int
            /// What it is, in one sentence.
            var summary: String
            /// What to do, or empty.
            var remediation: String
        }

        /// One observation of the device.
        struct Observation: Sendable {
            /// When it happened.
            var when: String
            /// The scan's id.
            var scan: Int64
            /// Its IP address.
            var ip: String
            /// How many ports are open.
            var openPorts: Int
            /// The risk level's name.
            var risk: String
        }

        /// The template.

        static let template = "device"
        /// The layout's values.
        var frame: PageFrame
        /// The device.
        var device: Facts
        /// The assessment's summary.
        var summary: String
        /// Until when the device's alerts are snoozed, if they are.
        var snoozedUntil: String?
        /// Its open ports.
        var ports: [Port]
        /// The risk rules that fire.
        var threats: [Threat]
        /// The known vulnerabilities.
        var cves: [Vulnerability]
        /// Whether any port is open.
        var hasPorts: Bool
        /// Whether any rule fires.
        var hasThreats: Bool
        /// Whether any vulnerability is known.
        var hasCVEs: Bool
        /// The latest 20 observations.
        var history: [Observation]
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.pages.get("/devices/:id", use: show)
        routes.pages.post("/devices/:id", use: edit)
    }

    /// Whether a zone is at most 100 letters, digits, spaces, `_` or `-`.
    static func isValidZone(_ zone: String) -> Bool {
        zone.count <= 100 && zone.allSatisfy { $0.isLetter || $0.isNumber || " _-".contains($0) }
    }

    /// The device, with "Saved." after an edit.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        try await render(try DeviceRoutes.deviceID(context), context: context, flash: request.queryText("saved") != nil ? "Saved." : nil)
    }

    /// The device's page with a message or error.
    /// - Throws: `APIError` 404 for an unknown device.
    func render(_ id: DeviceID, context: ArgusRequestContext, flash: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        guard let device = try await services.store.device(id) else { throw APIError.notFound("Device") }
        let history = try await services.store.history(of: id, limit: 20)
        let ports = history.first?.ports ?? []
        let assessment = try await ThreatDetector().including(vulnerabilitiesFrom: services.store, for: ports).assess(ports)
        let facts = View.Facts(
            id: device.id.rawValue, name: device.displayName, ip: device.ip, mac: device.mac ?? "—", vendor: device.vendor ?? "—",
            randomizedMac: device.hasRandomizedMAC, type: device.deviceType.rawValue, typeLabel: device.typeLabel,
            hostname: device.hostname ?? "—", os: device.osName.map { $0 + (device.osAccuracy.map { " (\($0)%)" } ?? "") } ?? "—",
            risk: device.riskLevel.rawValue, score: device.riskScore, timesSeen: device.timesSeen, firstSeen: WebDate.text(device.firstSeen),
            lastSeen: WebDate.text(device.lastSeen), online: device.isOnline, label: device.label ?? "", notes: device.notes ?? "",
            zone: device.zone ?? "", isTrusted: device.isTrusted)
        let snoozedUntil = try await AlertSnooze.load(from: services.store).pruned(at: Date()).devices[device.id.rawValue]
        let view = View(
            frame: PageFrame(context, nav: .devices, flash: flash, error: error), device: facts, summary: assessment.summary,
            snoozedUntil: snoozedUntil.map { WebDate.text($0) },
            ports: ports.filter { $0.state == .open }.map {
                View.Port(
                    port: "\($0.number)/\($0.protocol.rawValue)", service: $0.serviceName ?? "", product: $0.product ?? "",
                    version: $0.version ?? "")
            },
            threats: assessment.findings.map {
                View.Threat(
                    level: $0.level.rawValue, port: $0.port, protocol: $0.protocol.rawValue, name: $0.name, description: $0.description,
                    remediation: $0.remediation)
            },
            cves: assessment.vulnerabilities.map {
                View.Vulnerability(
                    id: $0.id, cvss: $0.cvss.map { String($0) } ?? "—", confidence: $0.confidence.rawValue, port: $0.port, summary: $0.summary,
                    remediation: $0.remediation ?? "")
            },
            hasPorts: ports.contains { $0.state == .open }, hasThreats: !assessment.findings.isEmpty,
            hasCVEs: !assessment.vulnerabilities.isEmpty,
            history: history.map {
                View.Observation(
                    when: WebDate.text($0.observedAt), scan: $0.scanID.rawValue, ip: $0.ip, openPorts: $0.openPorts.count,
                    risk: $0.riskLevel.rawValue)
            })
        return pages.render(view, status: status)
    }

    /// Saves the edit form, or shows the device again with what is wrong (422).
    @Sendable func edit(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let id = try DeviceRoutes.deviceID(context)
        let form = try await Form(request)
        let label = (form["label"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let notes = (form["notes"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let zone = (form["zone"] ?? "").trimmingCharacters(in: .whitespaces)
        if label.count > 255 {
            return try await render(id, context: context, error: "The label is at most 255 characters.", status: .unprocessableContent)
        }
        if notes.count > 5_000 {
            return try await render(id, context: context, error: "The notes are at most 5000 characters.", status: .unprocessableContent)
        }
        if !Self.isValidZone(zone) {
            return try await render(
                id, context: context, error: "A zone is at most 100 letters, digits, spaces, '_' or '-'.", status: .unprocessableContent)
        }
        guard try await services.store.device(id) != nil else { throw APIError.notFound("Device") }
        try await services.store.editDevice(id, DeviceEdit(label: label, notes: notes, isTrusted: form["is_trusted"] == "true", zone: zone))
        await services.audit("device_edit", context, request: request, resource: ("device", "\(id)"), details: "web form")
        return Redirect.to("/devices/\(id)?saved=1")
    }
}
