//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// Refuses a state-changing request (anything but GET, HEAD and OPTIONS) whose `Origin` names
/// another site: a second defence beside the CSRF token, and the only one for sign-in and setup.
struct SameOriginMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !request.method.isSafe, let origin = request.headers[.origin], !Self.isSameOrigin(origin, request: request) {
            throw APIError(.forbidden, "Cross-site request refused (Origin \(origin))")
        }
        return try await next(request, context)
    }

    /// True when an `Origin` header names this server (its `Host`).
    static func isSameOrigin(_ origin: String, request: Request) -> Bool {
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}

extension HTTPRequest.Method {
    /// GET, HEAD and OPTIONS: methods that change nothing, so need no CSRF defence.
    var isSafe: Bool { self == .get || self == .head || self == .options }
}
