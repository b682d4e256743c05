//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Foundation
import Hummingbird

/// First-run setup, sign-in and out, the password, and API keys.
struct AuthRoutes {
    let services: ServerServices

    func register(on routes: RouteGroups) {
        routes.open.get("/api/setup") { _, _ in SetupStatus(needsSetup: try await services.accounts.userCount() == 0) }
        routes.open.post("/api/setup", use: setup)
        routes.open.post("/api/login", use: login)
        routes.api.post("/api/logout", use: logout)
        routes.api.get("/api/me", use: me)
        routes.api.post("/api/password", use: changePassword)
        routes.api.get("/api/keys", use: listKeys)
        routes.api.post("/api/keys", use: createKey)
        routes.api.delete("/api/keys/:id", use: revokeKey)
    }

    struct SetupStatus: ResponseEncodable { var needsSetup: Bool }

    struct SetupRequest: Decodable {
        var username: String
        var password: String
        var setupToken: String
        var subnet: String?
    }

    struct Credentials: Decodable {
        var username: String
        var password: String
        var remember: Bool?
    }

    struct SignedIn: ResponseEncodable {
        var username: String
        var csrfToken: String
        var expiresAt: Date
    }

    struct Me: ResponseEncodable {
        var username: String
        var authenticatedBy: String
        var csrfToken: String?
        var apiKeyName: String?
    }

    @Sendable func setup(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: SetupRequest.self, context: context)
        guard Accounts.isValidUsername(body.username) else { throw APIError.invalid("username", "1 to 64 letters, digits, '.', '_' or '-'") }
        if let problem = PasswordHasher.problem(with: body.password) { throw APIError.invalid("password", problem) }
        var networks: [String] = []
        if let subnet = body.subnet, !subnet.isEmpty {
            do { networks = try services.setup.networks(subnet) } catch { throw APIError.invalid("subnet", "\(error)") }
        }
        guard try await services.accounts.userCount() == 0 else { throw APIError(.conflict, "Setup is done already: sign in") }
        switch try await services.setup.complete(
            username: body.username, password: body.password, token: body.setupToken, networks: networks, request: request, context: context)
        {
        case .created(let user):
            return try await signIn(user, remember: false, request: request, context: context, status: .created)
        case .done:
            throw APIError(.conflict, "Setup is done already: sign in")
        case .wrongToken:
            throw APIError(.forbidden, "Wrong setup token: it is printed in argus-server's log at start", field: "setup_token")
        }
    }

    @Sendable func login(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: Credentials.self, context: context)
        let user = try await services.credentials.verify(username: body.username, password: body.password, request: request, context: context)
        return try await signIn(user, remember: body.remember ?? false, request: request, context: context, status: .ok)
    }

    /// Starts a session and answers with its CSRF token, the cookie set.
    func signIn(_ user: User, remember: Bool, request: Request, context: ArgusRequestContext, status: HTTPResponse.Status) async throws -> Response {
        let (cookie, session) = try await services.sessions.start(for: user, remember: remember, request: request, context: context)
        var response = try SignedIn(username: user.username, csrfToken: session.csrfToken, expiresAt: session.expiresAt).response(
            from: request, context: context)
        response.status = status
        response.setCookie(cookie)
        return response
    }

    @Sendable func logout(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        if case .session(let user, let session) = context.identity {
            try await services.accounts.deleteSession(idHash: session.idHash)
            await services.audit("logout", context, request: request, user: user)
        }
        var response = Response(status: .noContent)
        response.setCookie(services.sessions.expired(request, context: context))
        return response
    }

    @Sendable func me(_ request: Request, context: ArgusRequestContext) async throws -> Me {
        switch try context.requireIdentity() {
        case .session(let user, let session): Me(username: user.username, authenticatedBy: "session", csrfToken: session.csrfToken)
        case .apiKey(let user, let key): Me(username: user.username, authenticatedBy: "api_key", apiKeyName: key.name)
        }
    }

    struct PasswordChange: Decodable {
        var currentPassword: String
        var newPassword: String
    }

    @Sendable func changePassword(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        let body = try await request.decodeJSON(as: PasswordChange.self, context: context)
        guard await services.hasher.verify(body.currentPassword, hash: user.passwordHash) else {
            await services.audit("password_change", context, request: request, details: "wrong current password", success: false)
            throw APIError(.forbidden, "The current password is wrong", field: "current_password")
        }
        if let problem = PasswordHasher.problem(with: body.newPassword) { throw APIError.invalid("new_password", problem) }
        // Every session ends (a thief's too); this browser gets a new one.
        try await Accounts(store: services.accounts, hasher: services.hasher).setPassword(of: user.username, to: body.newPassword)
        await services.audit("password_change", context, request: request)
        return try await signIn(user, remember: false, request: request, context: context, status: .ok)
    }

    struct KeyResource: ResponseEncodable {
        var id: Int64
        var name: String
        var keyPrefix: String
        var createdAt: Date
        var lastUsedAt: Date?
        var expiresAt: Date?
        var isRevoked: Bool
        var key: String?

        init(_ key: APIKey, secret: String? = nil) {
            id = key.id.rawValue
            name = key.name
            keyPrefix = key.prefix
            createdAt = key.createdAt
            lastUsedAt = key.lastUsedAt
            expiresAt = key.expiresAt
            isRevoked = key.revokedAt != nil
            self.key = secret
        }
    }

    struct NewKey: Decodable {
        var name: String
        var expiresInDays: Int?
    }

    @Sendable func listKeys(_ request: Request, context: ArgusRequestContext) async throws -> [KeyResource] {
        let (user, _) = try context.requireSession()
        return try await services.accounts.apiKeys(of: user.id).map { KeyResource($0) }
    }

    @Sendable func createKey(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let (user, _) = try context.requireSession()
        let body = try await request.decodeJSON(as: NewKey.self, context: context)
        let key: APIKey
        let secret: String
        do {
            (key, secret) = try await Accounts(store: services.accounts, hasher: services.hasher).createAPIKey(
                for: user, name: body.name, expiresInDays: body.expiresInDays)
        } catch let refusal as Accounts.Refusal {
            throw APIError.invalid(refusal.field, refusal.description)
        }
        let name = key.name
        await services.audit("api_key_create", context, request: request, resource: ("api_key", "\(key.id)"), details: name)
        var response = try KeyResource(key, secret: secret).response(from: request, context: context)
        response.status = .created
        return response
    }

    struct Revoked: ResponseEncodable {
        var status = "revoked"
        var id: Int64
        var name: String
    }

    @Sendable func revokeKey(_ request: Request, context: ArgusRequestContext) async throws -> Revoked {
        let (user, _) = try context.requireSession()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIError.invalid("id", "must be a key id") }
        guard let key = try await services.accounts.apiKeys(of: user.id).first(where: { $0.id.rawValue == id }) else {
            throw APIError.notFound("API key")
        }
        try await services.accounts.revokeAPIKey(key.id, at: Date())
        await services.audit("api_key_revoke", context, request: request, resource: ("api_key", "\(id)"), details: key.name)
        return Revoked(id: id, name: key.name)
    }
}
