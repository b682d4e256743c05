//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird
import HTTPTypes
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
    static let publicPaths: Set<String> = ["/health", "/api/setup", "/api/login", "/api/openapi.json", "/login", "/setup", "/static/app.css", "/static/app.js"]

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
            if let stored = try await services.accounts.apiKey(hash: hash), Tokens.constantTimeEquals(stored.keyHash, hash), stored.isUsable(), let user = try await services.accounts.user(stored.userID) {
                // One write a minute at most, not one per request (like a session's last use).
                let now = Date()
                if stored.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true { try await services.accounts.recordUse(of: stored.id, at: now) }
                context.identity = .apiKey(user, stored)
            } else if !Self.publicPaths.contains(request.uri.path) {
                throw APIError(.unauthorized, "Invalid, expired or revoked API key")
            }
        } else if let cookie = request.cookies[ServerServices.sessionCookie]?.value, !cookie.isEmpty {
            let now = Date()
            if let session = try await services.accounts.session(idHash: Tokens.sha256(cookie)), session.isValid(at: now), let user = try await services.accounts.user(session.userID) {
                if now.timeIntervalSince(session.lastSeenAt) > 60 { try await services.accounts.touchSession(idHash: session.idHash, at: now) }
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

    static func apiKey(in request: Request) -> String? {
        if let key = request.headers[ServerServices.apiKeyHeader], !key.isEmpty { return key }
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            return String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

/// Security headers on every answer, errors included; `Cache-Control: no-store` on every answer
/// but the static assets (which set their own), so that nothing an authenticated request saw —
/// `/metrics`, the API, pages, redirects — is kept by a browser or a proxy.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        fields[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        return fields
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch let error as StoreError {
            context.logger.error("store error: \(error)")
            response = try APIError(error.code == .notFound ? .notFound : error.code == .invalidArgument ? .unprocessableContent : .internalServerError, "\(error)").response(from: request, context: context)
        }
        for field in Self.headers where response.headers[field.name] == nil { response.headers.append(field) }
        if response.headers[.cacheControl] == nil, !request.uri.path.hasPrefix("/static/") { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
