//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// What one scan saw of one device: the device's history is a list of these.
public struct DeviceObservation: Sendable, Codable, Hashable {
    /// The scan that saw it.
    public var scanID: ScanID
    /// The device it was recorded as.
    public var deviceID: DeviceID
    /// When the scan saw it.
    public var observedAt: Date
    /// Whether it was up.
    public var state: HostStatus.State
    /// Its IP address then.
    public var ip: String
    /// Its MAC address then, if seen.
    public var mac: String?
    /// Its host name then.
    public var hostname: String?
    /// The vendor then.
    public var vendor: String?
    /// The best OS match then.
    public var osName: String?
    /// nmap's accuracy for ``osName``.
    public var osAccuracy: Int?
    /// The ports the scan reported (open ones, and any other state the scan listed).
    public var ports: [ObservedPort]
    /// The risk level assessed then.
    public var riskLevel: RiskLevel
    /// The risk score assessed then, 0–100.
    public var riskScore: Int

    /// Creates an observation.
    public init(
        scanID: ScanID, deviceID: DeviceID, observedAt: Date, state: HostStatus.State = .up, ip: String, mac: String? = nil, hostname: String? = nil,
        vendor: String? = nil, osName: String? = nil, osAccuracy: Int? = nil, ports: [ObservedPort] = [], riskLevel: RiskLevel = .none,
        riskScore: Int = 0
    ) {
        self.scanID = scanID
        self.deviceID = deviceID
        self.observedAt = observedAt
        self.state = state
        self.ip = ip
        self.mac = mac
        self.hostname = hostname
        self.vendor = vendor
        self.osName = osName
        self.osAccuracy = osAccuracy
        self.ports = ports
        self.riskLevel = riskLevel
        self.riskScore = riskScore
    }

    /// The ports in state open.
    public var openPorts: [ObservedPort] { ports.filter { $0.state == .open } }
}

/// A port as a scan saw it, flattened for storage.
public struct ObservedPort: Sendable, Codable, Hashable {
    /// The transport protocol.
    public var `protocol`: TransportProtocol
    /// The port number.
    public var number: Int
    /// The port's state.
    public var state: PortState.State
    /// nmap's service name.
    public var serviceName: String?
    /// The product.
    public var product: String?
    /// The version.
    public var version: String?
    /// Further service details.
    public var extraInfo: String?
    /// A tunnel, normally `ssl`.
    public var tunnel: String?
    /// CPE names of the service.
    public var cpes: [String]
    /// When a scan last confirmed the port, when that was before the observation that holds it:
    /// a scan that did not look at the port (host discovery, other ports) carries it over from
    /// the device's last known state. `nil` means the observation's own scan saw it.
    public var confirmedAt: Date?

    /// Creates a port record.
    public init(
        protocol: TransportProtocol, number: Int, state: PortState.State, serviceName: String? = nil, product: String? = nil, version: String? = nil,
        extraInfo: String? = nil, tunnel: String? = nil, cpes: [String] = [], confirmedAt: Date? = nil
    ) {
        self.protocol = `protocol`
        self.number = number
        self.state = state
        self.serviceName = serviceName
        self.product = product
        self.version = version
        self.extraInfo = extraInfo
        self.tunnel = tunnel
        self.cpes = cpes
        self.confirmedAt = confirmedAt
    }

    /// Flattens a port nmap reported.
    public init(_ port: PortObservation) {
        self.init(
            protocol: port.protocol, number: port.number, state: port.state.state, serviceName: port.service?.name, product: port.service?.product,
            version: port.service?.version, extraInfo: port.service?.extraInfo, tunnel: port.service?.tunnel, cpes: port.service?.cpes ?? [])
    }
}
