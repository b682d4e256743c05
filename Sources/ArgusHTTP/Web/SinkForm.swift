//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Foundation

/// The settings page's "Add a sink" form, built from the server's sink registry: one choice
/// per type that may be added at run time, and one input per setting any of them has (a
/// script shows only the chosen type's; without it, every input shows and the others are
/// ignored).
struct SinkForm: Sendable {
    /// A type to choose.
    struct TypeChoice: Sendable {
        /// Its `type:` name.
        var value: String
        /// Its name for people.
        var title: String
    }

    /// One input.
    struct Input: Sendable {
        /// The setting's name, also the input's.
        var key: String
        /// Its label.
        var label: String
        /// Whether it is typed into a password field.
        var isSecret: Bool
        /// Examples from every type that has it.
        var placeholder: String
        /// The types that have it, space-separated (for the script).
        var types: String
    }

    /// The types, in the registry's order.
    let choices: [TypeChoice]
    /// The inputs, in the order the types first name them.
    let inputs: [Input]

    /// The form for a registry's types that may be added at run time.
    init(_ registry: AlertSinkRegistry) {
        let types = registry.types.filter(\.isAddableAtRunTime)
        choices = types.map { TypeChoice(value: $0.name, title: $0.title) }
        var inputs: [Input] = []
        var examples: [String: [String]] = [:]
        var owners: [String: [String]] = [:]
        for type in types {
            for field in type.fields {
                if !inputs.contains(where: { $0.key == field.key }) {
                    inputs.append(Input(key: field.key, label: field.label, isSecret: field.kind == .secret, placeholder: "", types: ""))
                }
                if !field.example.isEmpty, examples[field.key, default: []].contains(field.example) == false {
                    examples[field.key, default: []].append(field.example)
                }
                owners[field.key, default: []].append(type.name)
            }
        }
        self.inputs = inputs.map { input in
            var input = input
            input.placeholder = (examples[input.key] ?? []).joined(separator: ", ")
            input.types = (owners[input.key] ?? []).joined(separator: " ")
            return input
        }
    }

    /// The sink a posted form describes: its name, type and digest, and the settings of the
    /// chosen type (a list setting comma-separated), read and checked as the API reads its
    /// JSON.
    /// - Throws: ``APIError`` 422 naming the field.
    static func settings(from form: Form, registry: AlertSinkRegistry, services: ServerServices) throws -> AlertSinkConfiguration {
        var object: [String: Value] = [
            "name": .text((form["name"] ?? "").trimmingCharacters(in: .whitespaces)), "type": .text(form["type"] ?? ""),
        ]
        if let minutes = form["digest_minutes"], !minutes.isEmpty {
            guard let value = Int(minutes) else { throw APIError.invalid("digest_minutes", "a number of minutes") }
            object["digest_minutes"] = .number(value)
        }
        for field in registry[form["type"] ?? ""]?.fields ?? [] {
            guard let value = form[field.key], !value.isEmpty else { continue }
            object[field.key] =
                field.kind == .list
                ? .list(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }) : .text(value)
        }
        return try AlertRoutes.sinkSettings(from: try JSONEncoder().encode(object), services: services)
    }

    /// A posted field's value in the JSON the API reads: keyed by the type's setting names,
    /// which are known only at run time.
    enum Value: Encodable {
        /// A string.
        case text(String)
        /// A list setting's items.
        case list([String])
        /// A number.
        case number(Int)

        /// Encodes the bare value.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .list(let items): try container.encode(items)
            case .number(let number): try container.encode(number)
            }
        }
    }
}
