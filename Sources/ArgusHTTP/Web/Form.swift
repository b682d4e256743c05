//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body (at most 1 MiB).
struct Form {
    private var fields: [(String, String)] = []

    /// Reads a request's body as a form.
    init(_ request: Request) async throws {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        self.init(String(decoding: body.readableBytesView, as: UTF8.self))
    }

    /// Parses an encoded form.
    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.unescape(parts[0])
            fields.append((name, parts.count > 1 ? Self.unescape(parts[1]) : ""))
        }
    }

    /// The first value of a field.
    subscript(name: String) -> String? { fields.first { $0.0 == name }?.1 }

    /// Every value of a field (checkbox lists).
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }

    /// A name or value with its `+` and percent escapes decoded.
    private static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Escapes a query-string value.
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
