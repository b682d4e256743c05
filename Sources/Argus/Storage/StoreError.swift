//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Why a ``DeviceStore`` refused or failed an operation.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public var code: Code
    /// A sentence for people.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The kinds of problem.
    public enum Code: String, Sendable, Hashable, Codable {
        /// The scan, device, user, key or schedule does not exist.
        case notFound
        /// A unique name or key is taken.
        case duplicate
        /// The request makes no sense (e.g. recording a scan twice).
        case invalidArgument
        /// The file exists but is not an Argus database.
        case notArgusDatabase
        /// The database was written by a newer Argus.
        case newerSchema
        /// The database file is damaged.
        case corrupt
        /// The database or its folder cannot be written.
        case readOnly
        /// The disk is full.
        case diskFull
        /// Another process holds the database for too long.
        case busy
        /// Any other failure of the underlying storage.
        case storage
    }

    /// The message.
    public var description: String { message }

    /// The device, scan, or other record does not exist.
    public static func notFound(_ what: String) -> StoreError { StoreError(.notFound, "\(what) does not exist") }
}
