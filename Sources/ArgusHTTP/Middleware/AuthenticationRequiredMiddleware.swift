//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// Answers 401 to a request no authenticator recognised (the API and `/metrics`).
struct AuthenticationRequiredMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity != nil else { throw APIError.unauthenticated }
        return try await next(request, context)
    }
}
