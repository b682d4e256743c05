//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Hummingbird

extension Request {
    /// Decodes a JSON body (at most 1 MiB) into `T`; a body that does not fit is a 422 naming the
    /// field.
    ///
    /// As the OpenAPI document says: no field is nullable, so an explicit `null` anywhere is a
    /// 422 naming it (a decoder would take it for an absent field: `"device_id": null` snoozed
    /// every alert); and a body the document marks required is required (a 422 on `body`).
    /// - Parameter required: Whether the operation's request body is required; without one an
    ///   empty body decodes as `{}`.
    func decodeJSON<T: Decodable>(as type: T.Type, context: ArgusRequestContext, required: Bool = true) async throws -> T {
        let data = try await jsonBody(required: required)
        do {
            return try context.requestDecoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            switch error {
            case .keyNotFound(let key, let detail):
                throw APIError.invalid(Self.path(detail.codingPath + [key]), "is required")
            case .typeMismatch(let expected, let detail):
                throw APIError.invalid(Self.path(detail.codingPath), "must be \(Self.describe(expected))")
            case .valueNotFound(let expected, let detail):
                throw APIError.invalid(Self.path(detail.codingPath), "must be \(Self.describe(expected)), not null")
            case .dataCorrupted(let detail):
                if detail.codingPath.isEmpty { throw APIError(.badRequest, "The body is not valid JSON") }
                throw APIError.invalid(Self.path(detail.codingPath), detail.debugDescription)
            @unknown default:
                throw APIError(.badRequest, "The body could not be read")
            }
        }
    }

    /// The JSON body (at most 1 MiB; `{}` when empty and not required), checked for `null`s
    /// as ``decodeJSON(as:context:required:)`` says.
    func jsonBody(required: Bool = true) async throws -> Data {
        var request = self
        let body = try await request.collectBody(upTo: 1 << 20)
        let data = Data(body.readableBytesView)
        if data.isEmpty, required { throw APIError.invalid("body", "is required: send a JSON object") }
        if !data.isEmpty, let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let path = Self.firstNull(in: value, at: [])
        {
            throw APIError.invalid(path.isEmpty ? "body" : path.joined(separator: "."), "must not be null: leave the field out instead")
        }
        return data.isEmpty ? Data("{}".utf8) : data
    }

    /// The path of the first `null` in a JSON value (`["ids", "[2]"]`), or `nil`.
    private static func firstNull(in value: Any, at path: [String]) -> [String]? {
        switch value {
        case is NSNull:
            return path
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                if let found = firstNull(in: object[key]!, at: path + [key]) { return found }
            }
            return nil
        case let array as [Any]:
            for (index, item) in array.enumerated() {
                if let found = firstNull(in: item, at: path + ["[\(index)]"]) { return found }
            }
            return nil
        default:
            return nil
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue.snakeCased }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Double.Type: "a number"
        default: "of another type"
        }
    }

    /// A query parameter as an integer within bounds; absent gives the default.
    func queryInt(_ name: String, default value: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = uri.queryParameters[name[...]] else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.invalid(name, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A query parameter as a boolean; absent gives `nil`.
    func queryBool(_ name: String) throws -> Bool? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw APIError.invalid(name, "must be true or false")
        }
    }

    /// A query parameter as text; absent or empty gives `nil`.
    func queryText(_ name: String) -> String? {
        guard let text = uri.queryParameters[name[...]], !text.isEmpty else { return nil }
        return String(text)
    }
}

extension String {
    /// `caFile` as `ca_file`: a Swift name as the API and config.yaml spell it.
    var snakeCased: String {
        reduce(into: "") { result, character in
            if character.isUppercase { result += "_" + character.lowercased() } else { result.append(character) }
        }
    }
}
