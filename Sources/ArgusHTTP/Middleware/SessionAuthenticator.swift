//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts
import Foundation
import Hummingbird

/// Finds the caller from the session cookie, when the request carries no API key (a request
/// with a key is the key's, never a cookie's). An unknown, expired or idle session leaves the
/// request anonymous.
struct SessionAuthenticator: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// Where sessions and users are kept.
    let accounts: any AccountStore
    /// Reads the session cookie.
    let cookies: SessionCookies
    /// Notes each session's last use.
    let lastUse: LastUseRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil, APIKeyAuthenticator.key(in: request) == nil, let cookie = cookies.sessionID(in: request, context: context)
        else { return try await next(request, context) }
        var context = context
        let now = Date()
        if let session = try await accounts.session(idHash: Tokens.sha256(cookie)), session.isValid(at: now),
            let user = try await accounts.user(session.userID)
        {
            await lastUse.noteUse(of: session, by: user, at: now)
            context.identity = .session(user, session)
        }
        return try await next(request, context)
    }
}
