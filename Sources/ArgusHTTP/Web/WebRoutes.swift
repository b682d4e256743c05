//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// The web UI: server-rendered pages (Mustache templates compiled into the binary, so escaping
/// is on for every value), plain HTML forms that work without JavaScript, and one small script
/// for live scan progress. Every asset is served by argus-server itself.
///
/// Each page is a type of its own in `Pages/`; this registers them and the static assets.
struct WebRoutes {
    /// The pages, in the order their routes are registered.
    static var pageTypes: [any WebPage.Type] {
        [
            LoginPage.self, SetupPage.self, DashboardPage.self, DevicesPage.self, DevicePage.self, ScansPage.self, ChangesPage.self,
            ComparePage.self, VisualizationPage.self, SettingsPage.self,
        ]
    }

    /// The server's services, which every page calls.
    let services: ServerServices
    /// The templates, parsed once.
    let pages: PageRenderer

    /// The web UI, its templates parsed.
    init(services: ServerServices) throws {
        self.services = services
        self.pages = try PageRenderer()
    }

    /// Registers the static assets and every page's routes.
    func register(on routes: RouteGroups) {
        WebAssets.register(on: routes)
        for page in Self.pageTypes {
            page.init(services: services, pages: pages).register(on: routes)
        }
    }
}
