//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts
import Foundation
import HTTPTypes
import Hummingbird

/// Finds the caller from an API key: `X-API-Key: argus_…` or `Authorization: Bearer argus_…`.
/// The store holds only the keys' SHA-256, compared again in constant time.
struct APIKeyAuthenticator: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// The API key header.
    static let header = HTTPField.Name("X-API-Key")!

    /// What happens to a request whose key is unknown, expired or revoked.
    enum InvalidKey: Sendable {
        /// It is answered 401.
        case refused
        /// It goes on as anonymous (routes anyone may call: health, setup, sign-in).
        case ignored
    }

    /// Where keys are kept.
    let accounts: any AccountStore
    /// Notes each key's last use.
    let lastUse: LastUseRecorder
    /// What an invalid key gets.
    let invalidKeys: InvalidKey

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil, let key = Self.key(in: request) else { return try await next(request, context) }
        var context = context
        let hash = Tokens.sha256(key)
        if let stored = try await accounts.apiKey(hash: hash), Tokens.constantTimeEquals(stored.keyHash, hash), stored.isUsable(),
            let user = try await accounts.user(stored.userID)
        {
            await lastUse.noteUse(of: stored, at: Date())
            context.identity = .apiKey(user, stored)
        } else if invalidKeys == .refused {
            throw APIError(.unauthorized, "Invalid, expired or revoked API key")
        }
        return try await next(request, context)
    }

    /// The key a request carries, if any.
    static func key(in request: Request) -> String? {
        if let key = request.headers[header], !key.isEmpty { return key }
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
