//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import Hummingbird

/// Stops serving once the store is known to be damaged: every request but `/health`, the
/// OpenAPI document and the static assets is answered `503` with the reason, so that nothing
/// more is written into a damaged file (sign-ins and sessions included) and nobody takes a
/// half-readable inventory for the truth. A restart after the database is restored clears it.
struct StoreHealthMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// Whether the store can be used.
    let storeHealth: StoreHealth

    /// Paths that answer whatever the store's state.
    static let alwaysServed: Set<String> = ["/health", "/api/openapi.json", "/static/app.css", "/static/app.js"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !Self.alwaysServed.contains(request.uri.path), let problem = await storeHealth.problem() {
            throw APIError(.serviceUnavailable, "Argus cannot serve requests: \(problem)")
        }
        return try await next(request, context)
    }
}
