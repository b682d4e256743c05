//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A store-assigned identifier, typed by what it identifies so that a scan's id can never be
/// passed where a device's is expected. Encodes as a plain integer.
public struct Identifier<Subject>: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The integer the store assigned.
    public var rawValue: Int64

    /// Wraps a store-assigned integer.
    public init(rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// Wraps a store-assigned integer.
    public init(_ rawValue: Int64) {
        self.rawValue = rawValue
    }

    /// Decodes a plain integer.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }

    /// Encodes a plain integer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Orders by the integer.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The integer, as text.
    public var description: String { String(rawValue) }
}

/// Identifies a ``ScanRecord``.
public typealias ScanID = Identifier<ScanRecord>
/// Identifies a ``Device``.
public typealias DeviceID = Identifier<Device>
/// Identifies a ``ChangeRecord``.
public typealias ChangeID = Identifier<ChangeRecord>
/// Identifies an ``OutboxMessage``.
public typealias OutboxID = Identifier<OutboxMessage>
/// Identifies a ``Schedule``.
public typealias ScheduleID = Identifier<Schedule>
