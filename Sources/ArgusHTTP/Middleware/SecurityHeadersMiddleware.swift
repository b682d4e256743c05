//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import HTTPTypes
import Hummingbird
import Logging

/// Security headers on every answer, errors included; `Cache-Control: no-store` on every answer
/// but the static assets (which set their own), so that nothing an authenticated request saw —
/// `/metrics`, the API, pages, redirects — is kept by a browser or a proxy.
///
/// It also turns errors into JSON answers. A store failure becomes a sentence chosen by its kind,
/// never the store's own message (which names the database's file); the full message goes to
/// the log with the path taken out, and a corruption error marks the store unhealthy.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = ArgusRequestContext
    /// What the server shares (for the store's health and the log).
    let services: ServerServices

    static var headers: HTTPFields {
        var fields = HTTPFields()
        fields[.contentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
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
            services.storeHealth.note(error)
            context.logger.error("store error (\(error.code.rawValue)): \(services.storeHealth.redacted(error))")
            response = try Self.answer(for: error).response(from: request, context: context)
        }
        for field in Self.headers where response.headers[field.name] == nil { response.headers.append(field) }
        if response.headers[.cacheControl] == nil, !request.uri.path.hasPrefix("/static/") { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// The answer for a store error: its kind decides the status and the sentence.
    static func answer(for error: StoreError) -> APIError {
        switch error.code {
        case .notFound: return APIError(.notFound, error.message)
        case .invalidArgument: return APIError(.unprocessableContent, error.message)
        case .duplicate: return APIError(.conflict, "That name or key is taken")
        case .corrupt:
            return APIError(.serviceUnavailable, "The database is damaged; the server's administrator must restore it (the server's log says more)")
        case .diskFull: return APIError(.serviceUnavailable, "The disk holding the database is full; nothing of the failed change was kept")
        case .readOnly: return APIError(.serviceUnavailable, "The database cannot be written; the server's administrator must fix its permissions")
        case .busy: return APIError(.serviceUnavailable, "The database is busy; try again shortly", headers: [.retryAfter: "5"])
        case .notArgusDatabase, .newerSchema, .storage: return APIError(.internalServerError, "The database failed (the server's log says more)")
        }
    }
}
