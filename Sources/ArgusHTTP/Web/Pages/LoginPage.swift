//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import ArgusAccounts
import Hummingbird

/// Signing in and out: the sign-in form, its post, and the menu's sign-out button.
struct LoginPage: WebPage {
    /// The sign-in form's values.
    struct View: PageView {
        /// The template.
        static let template = "login"
        /// The layout's values.
        var frame: PageFrame
        /// Where to go once signed in (already checked by `Redirect.safeNext`).
        var next: String
        /// The user name typed before, shown again after a failure.
        var username = ""
    }

    /// The server's services.
    let services: ServerServices
    /// The templates.
    let pages: PageRenderer

    /// Registers the page and its forms.
    func register(on routes: RouteGroups) {
        routes.open.get("/login", use: show)
        routes.open.post("/login", use: login)
        routes.pages.post("/logout", use: logout)
    }

    /// The form; the setup page while there is no user, the dashboard when already signed in.
    @Sendable func show(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        if try await services.accounts.userCount() == 0 { return Redirect.to("/setup") }
        if context.identity != nil { return Redirect.to("/") }
        return pages.render(View(frame: PageFrame(context), next: Redirect.safeNext(request.queryText("next"))))
    }

    /// Signs in and goes on to `next`, or shows the form again with the reason (429 while throttled).
    @Sendable func login(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        let form = try await Form(request)
        let next = Redirect.safeNext(form["next"])
        do {
            let user = try await services.credentials.verify(
                username: form["username"] ?? "", password: form["password"] ?? "", request: request, context: context)
            let (cookie, _) = try await services.sessions.start(for: user, remember: form["remember"] == "true", request: request, context: context)
            return Redirect.to(next, cookie: cookie)
        } catch let error as APIError {
            return pages.render(
                View(frame: PageFrame(context, error: error.detail), next: next, username: form["username"] ?? ""),
                status: error.status == .tooManyRequests ? .tooManyRequests : .ok)
        }
    }

    /// Ends the session and goes to the sign-in page.
    @Sendable func logout(_ request: Request, context: ArgusRequestContext) async throws -> Response {
        if case .session(let user, let session) = context.identity {
            try await services.accounts.deleteSession(idHash: session.idHash)
            await services.audit("logout", context, request: request, user: user)
        }
        return Redirect.to("/login", cookie: services.sessions.expired(request, context: context))
    }
}
