//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts
import Foundation
import HTTPTypes
import Hummingbird

/// Browser sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure, and named
/// `__Host-…`, when the request came over HTTPS), its hash in the store.
struct SessionCookies: Sendable {
    /// The session cookie's name on plain HTTP.
    static let plainName = "argus_session"
    /// The session cookie's name when cookies are Secure: the `__Host-` prefix makes browsers
    /// refuse it unless it is Secure, for this host only (no `Domain`) and for `Path=/`, so a
    /// sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
    static let secureName = "__Host-argus_session"

    /// Where sessions are kept.
    let accounts: any AccountStore
    /// The lifetimes, the proxies trusted to say a request came over HTTPS, and
    /// `server.secure_cookies`.
    let configuration: ServerConfiguration

    /// Starts a session for `user` and the cookie that carries it.
    func start(for user: User, remember: Bool, request: Request, context: ArgusRequestContext) async throws -> (Cookie, LoginSession) {
        let now = Date()
        let id = Tokens.random(bytes: 32)
        let lifetime = remember ? TimeInterval(configuration.rememberDays * 86_400) : TimeInterval(configuration.sessionAbsoluteHours * 3_600)
        let idle = remember ? lifetime : TimeInterval(configuration.sessionIdleMinutes * 60)
        let session = LoginSession(
            idHash: Tokens.sha256(id), userID: user.id, csrfToken: Tokens.random(bytes: 24), createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(lifetime), idleTimeout: idle, remember: remember, clientAddress: context.clientAddress,
            userAgent: request.headers[.userAgent].map { String($0.prefix(200)) })
        try await accounts.createSession(session)
        let secure = isSecure(request, context: context)
        let cookie = Cookie(
            name: secure ? Self.secureName : Self.plainName, value: id, maxAge: remember ? Int(lifetime) : nil, path: "/", secure: secure,
            httpOnly: true, sameSite: .strict)
        return (cookie, session)
    }

    /// A cookie that clears the session cookie.
    func expired(_ request: Request, context: ArgusRequestContext) -> Cookie {
        let secure = isSecure(request, context: context)
        return Cookie(
            name: secure ? Self.secureName : Self.plainName, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    /// The session id a request carries: in `__Host-argus_session` when cookies are Secure for
    /// it (a plain `argus_session` is then ignored: anyone on the path could have set it), else
    /// in `argus_session`.
    func sessionID(in request: Request, context: ArgusRequestContext) -> String? {
        let name = isSecure(request, context: context) ? Self.secureName : Self.plainName
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Whether cookies should be marked Secure for this request: as `server.secure_cookies` says,
    /// else when a trusted proxy says the request came over HTTPS (`X-Forwarded-Proto: https`).
    func isSecure(_ request: Request, context: ArgusRequestContext) -> Bool {
        if let secure = configuration.secureCookies { return secure }
        let peer = context.remoteAddress?.ipAddress ?? ""
        guard configuration.trustedProxies.contains(peer), let proto = request.headers[HTTPField.Name("X-Forwarded-Proto")!] else { return false }
        return proto.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }
}
