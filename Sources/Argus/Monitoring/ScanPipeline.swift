//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// The stages every scan goes through, whether Argus ran it (``Monitor``) or read it from a
/// file (``ScanImporter``): identity (``DeviceMatcher``), the device's last known state merged
/// in outside the scan's ``ScanCoverage``, assessment (``ThreatDetector``) and change detection
/// (``ChangeDetector``), written host by host through a ``ScanRecorder`` inside the store's
/// transaction, with the alerts the changes cause.
///
/// What a scan did not look at keeps its last known value: a port outside the scanned ports
/// stays as it was (with the time it was last confirmed), a service's version stays when
/// versions were not probed, so a host-discovery scan never closes a port, lowers a risk or
/// drops a CVE.
///
/// ```swift
/// let baseline = try await ScanPipeline.Baseline(store: store)
/// try await store.record(scan.id, at: finished) { recorder in
///     var pipeline = ScanPipeline(baseline: baseline, coverage: coverage, scannedAt: finished)
///     for update in updates { try pipeline.record(update, into: recorder) }
///     try pipeline.finish(into: recorder)
///     return outcome
/// }
/// ```
public struct ScanPipeline: Sendable {
    /// What a scan is compared with: the known devices, their last known state and the CVEs
    /// their last assessments listed, read from the store in a few batched queries.
    public struct Baseline: Sendable {
        /// The known devices.
        public var devices: [Device]
        /// Each device's last known state (its latest observation).
        public var states: [DeviceID: DeviceObservation]
        /// The confirmed and likely CVE ids of each device's latest assessment.
        public var vulnerabilityIDs: [DeviceID: Set<String>]

        /// Describes a baseline.
        public init(devices: [Device] = [], states: [DeviceID: DeviceObservation] = [:], vulnerabilityIDs: [DeviceID: Set<String>] = [:]) {
            self.devices = devices
            self.states = states
            self.vulnerabilityIDs = vulnerabilityIDs
        }

        /// Reads the baseline from a store: the inventory, the latest observations, and the
        /// assessments that list vulnerabilities.
        public init(store: any DeviceStore) async throws {
            let devices = try await store.inventory()
            let states = Dictionary(try await store.latestObservations().map { ($0.deviceID, $0) }) { first, _ in first }
            var vulnerabilityIDs: [DeviceID: Set<String>] = [:]
            for (id, assessment) in try await store.assessments(of: devices.map(\.id)) {
                let ids = assessment.vulnerabilityIDs
                if !ids.isEmpty { vulnerabilityIDs[id] = ids }
            }
            self.init(devices: devices, states: states, vulnerabilityIDs: vulnerabilityIDs)
        }

        /// The distinct services of the known devices' ports (port numbers left out): what the
        /// store's imported vulnerabilities are looked up for, beside a scan's own ports.
        public var services: [ObservedPort] {
            var services = Set<ObservedPort>()
            for port in states.values.lazy.flatMap(\.ports) where port.product != nil || !port.cpes.isEmpty {
                var service = port
                service.number = 0
                service.confirmedAt = nil
                services.insert(service)
            }
            return Array(services)
        }
    }

    /// Which changes alert, and the sinks to queue their alerts for.
    public struct Alerting: Sendable {
        /// The rules.
        public var rules: AlertRules
        /// The sinks' names.
        public var sinks: [String]

        /// Describes the alerting of one scan.
        public init(rules: AlertRules, sinks: [String]) {
            self.rules = rules
            self.sinks = sinks
        }
    }

    /// What the scan looked at.
    public let coverage: ScanCoverage
    /// How risk is judged.
    public let detector: ThreatDetector
    /// How changes are found.
    public let changeDetector: ChangeDetector
    /// When the scan saw its hosts, unless a host says otherwise (``DeviceUpdate/seenAt``); by
    /// ``finish(into:reportingAbsent:)``, when it ended.
    public var scannedAt: Date
    /// The scan being recorded.
    public let scanID: ScanID
    /// Which changes alert; `nil` for none.
    public let alerting: Alerting?
    /// Whether the vendor of a MAC address the scan reported without one (a file from another
    /// tool, an nmap without its prefix table) is named from nmap's table
    /// (``MACVendorDirectory/shared``, read on first need).
    public let namesVendors: Bool

    private var matcher: DeviceMatcher
    private let known: [DeviceID: Device]
    private let states: [DeviceID: DeviceObservation]
    private let knownVulnerabilities: [DeviceID: Set<String>]
    private let lastAtAddress: [String: DeviceID]
    private var seen: Set<DeviceID> = []
    private var recorded = 0
    // Kept only while alerting: the changes with the devices they are about.
    private var changes: [NewChange] = []
    private var newDevices: [DeviceID: Device] = [:]
    // What a first scan's summary says.
    private var openPortsSeen = 0
    private var atRisk = 0

    /// Creates the pipeline of one scan.
    ///
    /// - Parameters:
    ///   - baseline: What the scan is compared with.
    ///   - coverage: What the scan looked at.
    ///   - scanID: The scan.
    ///   - scannedAt: When the scan saw its hosts.
    ///   - detector: How risk is judged (with the store's imported vulnerabilities, when any).
    ///   - changeDetector: How changes are found.
    ///   - alerting: Which changes alert, and for which sinks.
    ///   - namesVendors: Whether MAC addresses reported without a vendor get one from nmap's table.
    public init(
        baseline: Baseline, coverage: ScanCoverage, scanID: ScanID, scannedAt: Date, detector: ThreatDetector = ThreatDetector(),
        changeDetector: ChangeDetector = ChangeDetector(), alerting: Alerting? = nil, namesVendors: Bool = true
    ) {
        self.namesVendors = namesVendors
        self.coverage = coverage
        self.scanID = scanID
        self.scannedAt = scannedAt
        self.detector = detector
        self.changeDetector = changeDetector
        self.alerting = alerting.flatMap { $0.sinks.isEmpty ? nil : $0 }
        matcher = DeviceMatcher(inventory: baseline.devices)
        known = Dictionary(baseline.devices.map { ($0.id, $0) }) { first, _ in first }
        states = baseline.states
        knownVulnerabilities = baseline.vulnerabilityIDs
        lastAtAddress = Dictionary(baseline.devices.map { ($0.ip, $0.id) }) { first, last in max(first, last) }
    }

    /// Runs one host that was up through the stages and writes it, with its changes.
    ///
    /// - Parameters:
    ///   - scanned: What the scan saw (``DeviceUpdate/deviceID`` is decided here).
    ///   - assessment: The assessment of `scanned`'s own ports, when it was made already (on a
    ///     reading thread); it is made here otherwise, or when known ports were merged in.
    ///   - recorder: The store's recorder for this scan.
    /// - Returns: The device's id.
    @discardableResult
    public mutating func record(_ scanned: DeviceUpdate, assessment: ThreatAssessment? = nil, into recorder: any ScanRecorder) throws -> DeviceID {
        var update = scanned
        update.deviceID = matcher.match(mac: update.mac, ip: update.ip)
        if namesVendors, update.vendor == nil, let mac = update.mac, let vendor = MACVendorDirectory.shared?.vendor(of: mac) {
            update.vendor = vendor
        }
        let seenAt = update.seenAt ?? scannedAt
        let device = update.deviceID.flatMap { known[$0] }
        let state = update.deviceID.flatMap { states[$0] }
        // An older sighting than the device's newest (an import of an earlier file) goes into
        // its history only, and changes nothing.
        let isStale = device.map { Self.isOlder(seenAt, than: $0.lastSeen) } ?? false
        if !isStale, let state { update.ports = merged(update.ports, with: state) }
        // The reading thread's assessment stands unless known ports were merged in.
        let reused = update.ports == scanned.ports ? assessment : nil
        let judged = reused ?? detector.assess(update.ports)
        update.riskLevel = judged.level
        update.riskScore = judged.score
        update.assessment = judged
        let id = try recorder.add(update)
        defer { recorded += 1 }
        openPortsSeen += update.ports.count { $0.state == .open }
        if update.riskLevel >= (alerting?.rules.riskThreshold ?? .high) { atRisk += 1 }
        guard !isStale else { return id }
        // Only known devices can be missed: a first import of a large file keeps no set.
        if device != nil { seen.insert(id) }
        let before = device.map { device in
            var snapshot = DeviceSnapshot(device: device, ports: state?.ports ?? [], cves: knownVulnerabilities[device.id] ?? [])
            if let state { snapshot.riskLevel = state.riskLevel }
            return snapshot
        }
        let now = DeviceSnapshot(update: update, cves: judged.vulnerabilityIDs)
        let reference = update.deviceID.map(DeviceReference.known) ?? .update(recorded)
        let occupant = before == nil ? lastAtAddress[update.ip].flatMap { known[$0] }.map { DeviceSnapshot(device: $0, ports: []) } : nil
        for change in changeDetector.changes(from: before, to: now, as: reference, previousOccupant: occupant) {
            try recorder.add(change)
            if alerting != nil { changes.append(change.resolved(to: id)) }
        }
        if alerting != nil, device == nil {
            newDevices[id] = Device(
                id: id, mac: update.mac, ip: update.ip, hostname: update.hostname, vendor: update.vendor, deviceType: update.deviceType,
                osName: update.osName, osAccuracy: update.osAccuracy, firstSeen: seenAt, lastSeen: seenAt, lastScanID: scanID,
                riskLevel: update.riskLevel, riskScore: update.riskScore)
        }
        return id
    }

    /// Ends the scan: known devices at covered addresses that it did not see are marked offline
    /// and reported gone (unless they were seen after the scan), and the alerts of its changes
    /// are queued.
    /// - Parameters:
    ///   - recorder: The store's recorder for this scan.
    ///   - reportingAbsent: False for a scan cut short, which cannot say what it did not see.
    public mutating func finish(into recorder: any ScanRecorder, reportingAbsent: Bool = true) throws {
        var offline: [DeviceID] = []
        for device in known.values.sorted(by: { $0.id < $1.id })
        where reportingAbsent && device.isOnline && !seen.contains(device.id) && !Self.isOlder(scannedAt, than: device.lastSeen)
            && coverage.covers(address: device.ip)
        {
            offline.append(device.id)
        }
        try recorder.markOffline(offline)
        for id in offline {
            guard let device = known[id] else { continue }
            let change = changeDetector.removal(of: DeviceSnapshot(device: device, ports: states[id]?.ports ?? []))
            try recorder.add(change)
            if alerting != nil { changes.append(change) }
        }
        guard let alerting else { return }
        let alerts: [Alert]
        if alerting.rules.summarizesFirstScan && isFirstScan {
            alerts = alerting.rules.kinds.contains(.baselineRecorded) ? [baselineAlert(threshold: alerting.rules.riskThreshold)] : []
        } else {
            let devices = known.merging(newDevices) { first, _ in first }
            alerts = alerting.rules.alerts(
                for: changes, scanID: scanID,
                devices: { reference in
                    if case .known(let id)? = reference { return devices[id] }
                    return nil
                })
        }
        try recorder.enqueue(try AlertRules.outbox(for: alerts, sinks: alerting.sinks))
        changes = []
    }

    /// True when the scan is the first of its network: no known device is at an address it
    /// covers (for a scan whose targets are unknown, no device is known at all).
    public var isFirstScan: Bool {
        coverage.targets.isEmpty ? known.isEmpty : !known.values.contains { coverage.covers(address: $0.ip) }
    }

    /// The one alert of a first scan: what its baseline holds.
    func baselineAlert(threshold: RiskLevel) -> Alert {
        let targets = coverage.targets.isEmpty ? "the network" : coverage.targets.joined(separator: ", ")
        let devices = "\(recorded) device\(recorded == 1 ? "" : "s")"
        let ports = "\(openPortsSeen) open port\(openPortsSeen == 1 ? "" : "s")"
        let risk = atRisk == 0 ? "none at \(threshold.rawValue) risk or above" : "\(atRisk) at \(threshold.rawValue) risk or above"
        return Alert(
            id: "scan-\(scanID.rawValue)-baseline", kind: .baselineRecorded, severity: atRisk > 0 ? .warning : .info,
            title: AlertKind.baselineRecorded.title,
            message: "The first scan of \(targets) recorded its baseline: \(devices), \(ports), \(risk). Changes from now on alert one by one.",
            scanID: scanID.rawValue, newValue: "\(recorded)")
    }

    /// The ports of a sighting, with what the scan did not look at carried over from the
    /// device's last known state.
    func merged(_ ports: [ObservedPort], with state: DeviceObservation) -> [ObservedPort] {
        var result = ports
        if !coverage.probesServices {
            // Without version detection nmap names a service from its port table only: the
            // product, version and CPEs last probed still stand.
            for index in result.indices where result[index].product == nil && result[index].version == nil {
                guard let old = state.ports.first(where: { $0.number == result[index].number && $0.protocol == result[index].protocol }),
                    old.product != nil || old.version != nil
                else { continue }
                result[index].serviceName = old.serviceName ?? result[index].serviceName
                result[index].product = old.product
                result[index].version = old.version
                result[index].extraInfo = old.extraInfo
                result[index].tunnel = old.tunnel ?? result[index].tunnel
                result[index].cpes = old.cpes
            }
        }
        var carried = false
        for old in state.ports where !coverage.covers(port: old.number, protocol: old.protocol) {
            guard !result.contains(where: { $0.number == old.number && $0.protocol == old.protocol }) else { continue }
            var port = old
            port.confirmedAt = old.confirmedAt ?? state.observedAt
            result.append(port)
            carried = true
        }
        if carried { result.sort { ($0.protocol.rawValue, $0.number) < ($1.protocol.rawValue, $1.number) } }
        return result
    }

    /// True when a sighting is older than a device's last sighting by a second or more: nmap
    /// writes whole seconds, so a sighting within the same second is not older.
    public static func isOlder(_ sighting: Date, than lastSeen: Date) -> Bool {
        lastSeen.timeIntervalSince(sighting) >= 1
    }

}

extension NewChange {
    /// The change with a reference to a new device replaced by the device's stored id.
    func resolved(to id: DeviceID) -> NewChange {
        guard case .update = device else { return self }
        var change = self
        change.device = .known(id)
        return change
    }
}
