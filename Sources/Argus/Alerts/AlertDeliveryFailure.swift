//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Why a sink did not take an alert, in words fit to show, store, log and audit: the sink's
/// secrets are taken out (``SecretRedaction``).
public struct AlertDeliveryFailure: Error, Sendable, CustomStringConvertible {
    /// The reason, without secrets.
    public let description: String

    /// The failure of `error`, with `secrets` taken out of its text.
    public init(_ error: any Error, secrets: [String]) {
        description = SecretRedaction.redact("\(error)", secrets: secrets)
    }
}
