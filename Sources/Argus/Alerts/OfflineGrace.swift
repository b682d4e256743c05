//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// How long a device may go unseen before its offline alert goes out: one period for every
/// device, with overrides per zone and per device (by MAC or IP address).
///
/// An offline alert is held until the device has been unseen for its period; if the device is
/// back by then, neither the offline nor the back-online alert is sent. That is what keeps a
/// flapping device (a phone dozing on Wi-Fi) quiet: set the period longer than the scan interval
/// to need two missed scans.
public struct OfflineGrace: Sendable, Hashable, Codable {
    /// The standard period when none is configured: 15 minutes, as `alerts.offline_grace_minutes`
    /// defaults to in argus-server.
    public static let defaultPeriod: TimeInterval = 15 * 60

    /// The period for devices without an override, in seconds.
    public var standard: TimeInterval
    /// Periods by zone name.
    public var zones: [String: TimeInterval]
    /// Periods by device, keyed by lowercase MAC address or by IP address.
    public var devices: [String: TimeInterval]

    /// Creates a grace policy; with the defaults, offline alerts go out at once.
    public init(standard: TimeInterval = OfflineGrace.defaultPeriod, zones: [String: TimeInterval] = [:], devices: [String: TimeInterval] = [:]) {
        self.standard = standard
        self.zones = zones
        self.devices = Dictionary(devices.map { ($0.key.lowercased(), $0.value) }) { first, _ in first }
    }

    /// The period for a device: its own override, else its zone's, else the standard one.
    public func period(for device: Device) -> TimeInterval {
        if let mac = device.mac?.lowercased(), let period = devices[mac] { return period }
        if let period = devices[device.ip.lowercased()] { return period }
        if let zone = device.zone, let period = zones[zone] { return period }
        return standard
    }
}
