//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// One page of the web UI: its routes (the page and its forms) and how it builds its view.
protocol WebPage {
    /// The page, calling the server's services and rendering with `pages`.
    init(services: ServerServices, pages: PageRenderer)
    /// Registers the page's routes.
    func register(on routes: RouteGroups)
}
