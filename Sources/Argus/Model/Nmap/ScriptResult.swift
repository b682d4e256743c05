//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// The result of one NSE script (`<script>`): its text output and its structured elements.
public struct ScriptResult: Sendable, Codable, Hashable {
    /// The script's name, e.g. `http-title`.
    public var id: String
    /// The script's output as nmap prints it.
    public var output: String
    /// The structured output (`<elem>` and `<table>`), in document order.
    public var elements: [ScriptElement]

    /// Creates a script result.
    public init(id: String, output: String, elements: [ScriptElement] = []) {
        self.id = id
        self.output = output
        self.elements = elements
    }

    /// The value of the top-level element with this key, e.g. `title` for `http-title`.
    public subscript(key: String) -> String? {
        for element in elements {
            if case .value(key, let value) = element { return value }
        }
        return nil
    }
}

/// One piece of a script's structured output: a value (`<elem>`) or a table (`<table>`).
public indirect enum ScriptElement: Sendable, Hashable {
    /// A value, with its key when it has one.
    case value(key: String?, String)
    /// A table of further elements, with its key when it has one.
    case table(key: String?, [ScriptElement])

    /// The element's key, if any.
    public var key: String? {
        switch self {
        case .value(let key, _), .table(let key, _): key
        }
    }
}

extension ScriptElement: Codable {
    private enum CodingKeys: String, CodingKey {
        case key, value, table
    }

    /// Decodes `{"key": …, "value": "…"}` or `{"key": …, "table": […]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let key = try container.decodeIfPresent(String.self, forKey: .key)
        if let elements = try container.decodeIfPresent([ScriptElement].self, forKey: .table) {
            self = .table(key: key, elements)
        } else {
            self = .value(key: key, try container.decode(String.self, forKey: .value))
        }
    }

    /// Encodes a value as `{"key": …, "value": "…"}` and a table as `{"key": …, "table": […]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .value(let key, let value):
            try container.encodeIfPresent(key, forKey: .key)
            try container.encode(value, forKey: .value)
        case .table(let key, let elements):
            try container.encodeIfPresent(key, forKey: .key)
            try container.encode(elements, forKey: .table)
        }
    }
}
