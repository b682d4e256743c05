//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// How alerts reach one sink: when to hold them (quiet hours), whether to gather them into
/// digests, and how much a flapping device may say.
public struct DeliveryPolicy: Sendable, Hashable {
    /// Alerts below the window's breakthrough severity wait until it ends.
    public var quietHours: QuietHours?
    /// Gather alerts into one message at most this often (critical ones still go at once).
    public var digestInterval: TimeInterval?
    /// A device whose presence (offline, back online) was reported this many times within
    /// ``flapWindow`` is flapping: its further presence alerts are suppressed until it settles.
    public var flapLimit: Int
    /// The window ``flapLimit`` counts over.
    public var flapWindow: TimeInterval

    /// Creates a policy; the defaults send everything at once and allow four presence alerts
    /// per device in six hours.
    public init(quietHours: QuietHours? = nil, digestInterval: TimeInterval? = nil, flapLimit: Int = 4, flapWindow: TimeInterval = 6 * 3_600) {
        self.quietHours = quietHours
        self.digestInterval = digestInterval.flatMap { $0 > 0 ? $0 : nil }
        self.flapLimit = flapLimit
        self.flapWindow = flapWindow
    }
}
