//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Crypto
import Foundation

/// Random secrets and their hashes: session ids, CSRF tokens, API keys, the setup token.
enum Tokens {
    /// A random token of `bytes` bytes (from the system's CSPRNG), base64url without padding.
    static func random(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of a text, lower-case hex: what the store keeps instead of a secret.
    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Compares two secrets in time that depends only on their lengths.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        var difference = UInt8(left.count == right.count ? 0 : 1)
        for index in 0..<max(left.count, right.count) {
            difference |= (index < left.count ? left[index] : 0) ^ (index < right.count ? right[index] : 0)
        }
        return difference == 0
    }

    /// A new API key: `argus_` and 256 random bits. Shown once; only its hash is stored.
    static func apiKey() -> (key: String, prefix: String, hash: String) {
        let key = "argus_" + random(bytes: 32)
        return (key, String(key.prefix(12)), sha256(key))
    }
}
