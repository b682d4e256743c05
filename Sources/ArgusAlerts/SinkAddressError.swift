//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Why a sink did not connect: its host does not resolve, or resolves to an address no sink may
/// reach.
public struct SinkAddressError: Error, CustomStringConvertible, Sendable {
    /// For people.
    public var description: String

    /// Describes the failure.
    public init(_ description: String) { self.description = description }
}
