//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Finds who is calling (an API key, or the session cookie), enforces CSRF protection on
/// state-changing requests made with a session, and refuses anonymous calls to the API.
///
/// - API keys come as `X-API-Key: argus_…` or `Authorization: Bearer argus_…`; the store holds
///   only their SHA-256, compared again in constant time.
/// - A session-authenticated POST, PUT, PATCH or DELETE must carry the session's CSRF token in
///   `X-CSRF-Token` (or, from an HTML form, the `csrf_token` field), and an `Origin`, when sent,
///   must be this server's.
/// - Anonymous requests for pages are sent to `/login`; the API answers 401.
/// - On the public paths (health, setup, sign-in) an invalid key or session is ignored.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext
    let services: ServerServices

    /// Paths anyone may call.
    static let publicPaths: Set<String> = [
        "/health", "/api/setup", "/api/login", "/api/openapi.json", "/login", "/setup", "/static/app.css", "/static/app.js",
    ]

    /// True for the web UI's pages (which redirect to sign-in rather than answer 401).
    static func isPage(_ path: String) -> Bool {
        !path.hasPrefix("/api/") && path != "/metrics" && path != "/health" && !path.hasPrefix("/static/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var request = request
        context.clientAddress = services.clientAddress(of: request, peer: context.remoteAddress?.ipAddress)
        let unsafe = ![.get, .head, .options].contains(request.method)
        if unsafe, let origin = request.headers[.origin], !services.isSameOrigin(origin, request: request) {
            throw APIError(.forbidden, "Cross-site request refused (Origin \(origin))")
        }
        if let key = Self.apiKey(in: request) {
            let hash = Tokens.sha256(key)
            if let stored = try await services.accounts.apiKey(hash: hash), Tokens.constantTimeEquals(stored.keyHash, hash), stored.isUsable(),
                let user = try await services.accounts.user(stored.userID)
            {
                // One write a minute at most, not one per request (like a session's last use).
                let now = Date()
                // A failure to note it (a full disk, a database gone read-only) never fails the
                // request: the key is valid whether or not its last use is recorded.
                if stored.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
                    do {
                        try await services.accounts.recordUse(of: stored.id, at: now)
                    } catch {
                        services.logger.warning("could not record the use of API key \(stored.id.rawValue): \(Self.describe(error, services))")
                    }
                }
                context.identity = .apiKey(user, stored)
            } else if !Self.publicPaths.contains(request.uri.path) {
                throw APIError(.unauthorized, "Invalid, expired or revoked API key")
            }
        } else if let cookie = services.sessionID(in: request, context: context) {
            let now = Date()
            if let session = try await services.accounts.session(idHash: Tokens.sha256(cookie)), session.isValid(at: now),
                let user = try await services.accounts.user(session.userID)
            {
                if now.timeIntervalSince(session.lastSeenAt) > 60 {
                    do {
                        try await services.accounts.touchSession(idHash: session.idHash, at: now)
                    } catch {
                        services.logger.warning(
                            "could not record the last use of a session of user \(user.id.rawValue): \(Self.describe(error, services))")
                    }
                }
                context.identity = .session(user, session)
                // Sign-in and setup act for nobody's session: they need no token.
                if unsafe, !Self.publicPaths.contains(request.uri.path) {
                    var sent = request.headers[ServerServices.csrfHeader] ?? ""
                    // An HTML form sends the token as a field.
                    if sent.isEmpty, request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
                        let body = try await request.collectBody(upTo: 1 << 20)
                        sent = Form(String(decoding: body.readableBytesView, as: UTF8.self))["csrf_token"] ?? ""
                    }
                    guard Tokens.constantTimeEquals(sent, session.csrfToken) else {
                        throw APIError(.forbidden, "Missing or wrong CSRF token (send the session's token in X-CSRF-Token)")
                    }
                }
            }
        }
        if context.identity == nil, !Self.publicPaths.contains(request.uri.path) {
            if Self.isPage(request.uri.path) {
                let next = request.method == .get ? "?next=" + Form.escape(request.uri.description) : ""
                return Response(status: .seeOther, headers: [.location: "/login" + next])
            }
            throw APIError.unauthenticated
        }
        return try await next(request, context)
    }

    /// An error for the log: a store error without the database's path, anything else by type.
    static func describe(_ error: any Error, _ services: ServerServices) -> String {
        if let error = error as? StoreError { return services.redacted(error) }
        return "\(type(of: error))"
    }

    static func apiKey(in request: Request) -> String? {
        if let key = request.headers[ServerServices.apiKeyHeader], !key.isEmpty { return key }
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
