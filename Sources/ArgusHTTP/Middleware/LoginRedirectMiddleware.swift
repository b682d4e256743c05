//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// Sends an anonymous visitor of a page to the sign-in page, with the page to come back to
/// (for a GET) in `next`.
struct LoginRedirectMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity == nil else { return try await next(request, context) }
        let back = request.method == .get ? "?next=" + Form.escape(request.uri.description) : ""
        return Response(status: .seeOther, headers: [.location: "/login" + back])
    }
}
