//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Takes known secrets (tokens, passwords, secret URLs) out of texts before they are returned,
/// logged, stored or audited: a library's error may quote a header value or a URL whole.
///
/// Each secret is replaced as written, as Swift or JSON would escape it (`\r\n` spelt out), and
/// each of its lines of four characters or more on its own, so no part of it that a message
/// could quote survives.
///
/// ```swift
/// SecretRedaction.redact(#"invalidHeaderFieldValues(["Bearer tk_1"])"#, secrets: ["tk_1"])
/// // invalidHeaderFieldValues(["Bearer [redacted]"])
/// ```
public enum SecretRedaction {
    /// What stands in for a secret.
    public static let placeholder = "[redacted]"

    /// `text` with every known secret replaced by ``placeholder``.
    /// - Parameters:
    ///   - text: What may hold secrets (an error's message, a description).
    ///   - secrets: The values to hide; empty ones are ignored.
    public static func redact(_ text: String, secrets: [String]) -> String {
        var forms = Set<String>()
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            let escaped = String(secret.debugDescription.dropFirst().dropLast())
            forms.insert(escaped)
            forms.insert(escaped.replacingAll("\\'", with: "'"))
            for line in secret.split(whereSeparator: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) where line.count >= 4 {
                forms.insert(String(line))
            }
        }
        var result = text
        // Longest first, so that a secret's part never leaves the rest of it behind.
        for form in forms.sorted(by: { $0.count > $1.count }) where !form.isEmpty {
            result = result.replacingAll(form, with: placeholder)
        }
        return result
    }
}

extension String {
    /// Every occurrence of `target` replaced, compared scalar by scalar (so that a lone CR, or a
    /// secret's part before a line end, is found wherever it stands).
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        let needle = Array(target.unicodeScalars)
        guard !needle.isEmpty else { return self }
        let haystack = Array(unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < haystack.count {
            if index + needle.count <= haystack.count, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                output.append(contentsOf: replacement.unicodeScalars)
                index += needle.count
            } else {
                output.append(haystack[index])
                index += 1
            }
        }
        return String(output)
    }
}
