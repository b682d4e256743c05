//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts
import HTTPTypes
import Hummingbird

/// Requires the session's CSRF token on every state-changing request made with a session: in
/// `X-CSRF-Token`, or (from an HTML form) in the `csrf_token` field. API keys need none (a
/// browser never sends one by itself).
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// The CSRF header.
    static let header = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.method.isSafe, case .session(_, let session) = context.identity else { return try await next(request, context) }
        var request = request
        var sent = request.headers[Self.header] ?? ""
        if sent.isEmpty, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            let body = try await request.collectBody(upTo: 1 << 20)
            sent = Form(String(decoding: body.readableBytesView, as: UTF8.self))["csrf_token"] ?? ""
        }
        guard Tokens.constantTimeEquals(sent, session.csrfToken) else {
            throw APIError(.forbidden, "Missing or wrong CSRF token (send the session's token in X-CSRF-Token)")
        }
        return try await next(request, context)
    }
}
