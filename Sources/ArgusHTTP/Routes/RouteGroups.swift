//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// The router's groups, one per kind of caller a route accepts; each route joins the group
/// whose middlewares it needs.
///
/// | Group    | Who                               | Anonymous callers get |
/// |----------|-----------------------------------|-----------------------|
/// | `assets` | anyone (the stylesheet, the script)| the asset            |
/// | `open`   | anyone (health, setup, sign-in); a valid key or session is still recognised, an invalid one ignored | the route |
/// | `api`    | an API key or a session (with its CSRF token for changes) | 401 |
/// | `pages`  | a session (with its CSRF token for forms), or an API key | a redirect to `/login` |
struct RouteGroups {
    /// Static assets: no authentication at all.
    let assets: RouterGroup<ArgusRequestContext>
    /// Routes anyone may call.
    let open: RouterGroup<ArgusRequestContext>
    /// The REST API and `/metrics`.
    let api: RouterGroup<ArgusRequestContext>
    /// The web UI's pages and forms.
    let pages: RouterGroup<ArgusRequestContext>

    /// Makes the groups on `router` with the middlewares each needs.
    init(on router: Router<ArgusRequestContext>, services: ServerServices) {
        let lastUse = LastUseRecorder(accounts: services.accounts, storeHealth: services.storeHealth, logger: services.logger)
        let session = SessionAuthenticator(accounts: services.accounts, cookies: services.sessions, lastUse: lastUse)
        func authenticated(_ invalidKeys: APIKeyAuthenticator.InvalidKey) -> RouterGroup<ArgusRequestContext> {
            router.group()
                .add(middleware: APIKeyAuthenticator(accounts: services.accounts, lastUse: lastUse, invalidKeys: invalidKeys))
                .add(middleware: session)
        }
        assets = router.group()
        open = authenticated(.ignored)
        api = authenticated(.refused).add(middleware: AuthenticationRequiredMiddleware()).add(middleware: CSRFMiddleware())
        pages = authenticated(.refused).add(middleware: LoginRedirectMiddleware()).add(middleware: CSRFMiddleware())
    }
}
