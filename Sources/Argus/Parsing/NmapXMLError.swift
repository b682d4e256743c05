//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Why ``NmapXMLReader`` refused its input, and where.
///
/// Hosts read before the error were already handed on; nothing after it is trusted.
public struct NmapXMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    public var code: Code
    /// The line of the input where it was found (1-based; 0 when unknown).
    public var line: Int
    /// The column of the input where it was found (1-based; 0 when unknown).
    public var column: Int
    /// A sentence for people.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, line: Int, column: Int, message: String) {
        self.code = code
        self.line = line
        self.column = column
        self.message = message
    }

    /// The kinds of problem.
    public enum Code: String, Sendable, Hashable, Codable {
        /// The input is not well-formed XML (libxml2's error is in the message).
        case malformed
        /// There is no input at all.
        case empty
        /// The document is XML, but its root element is not `<nmaprun>`.
        case notNmapOutput
        /// The document declares entities, elements or attributes in a DTD. nmap never does,
        /// and such declarations are how external-entity and entity-expansion attacks work.
        case declarationsRefused
        /// An attribute value or a text is longer than ``NmapXMLReader/Limits`` allows.
        case tooLong
        /// Elements are nested deeper than ``NmapXMLReader/Limits`` allows.
        case tooDeep
        /// A value nmap always writes in a fixed form is something else (e.g. a port number).
        case invalidValue
        /// The input could not be read (a file that does not exist, a read error).
        case unreadable
    }

    /// "line L, column C: message".
    public var description: String {
        line > 0 ? "line \(line), column \(column): \(message)" : message
    }
}
