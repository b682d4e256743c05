//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAccounts

/// What the layout shows around every page: who is signed in, the CSRF token for its forms,
/// the current menu item, and the page's message or error.
///
/// Every view carries one as `frame`; the layout opens it as a section, so its names are
/// found before the page's own, as when they shared one dictionary.
struct PageFrame: Sendable {
    /// The menu, with the current page's item true (Mustache reads only stored properties).
    struct Navigation: Sendable {
        /// A menu item.
        enum Item: Sendable {
            /// One page of the menu, named as its flag.
            case dashboard, devices, scans, changes, compare, visualization, settings
        }

        /// Whether the dashboard is the current page.
        var dashboard: Bool
        /// Whether the devices are.
        var devices: Bool
        /// Whether the scans are.
        var scans: Bool
        /// Whether the changes are.
        var changes: Bool
        /// Whether comparing scans is.
        var compare: Bool
        /// Whether the network map is.
        var visualization: Bool
        /// Whether the settings are.
        var settings: Bool

        /// The menu with `current` marked, or none.
        init(_ current: Item?) {
            dashboard = current == .dashboard
            devices = current == .devices
            scans = current == .scans
            changes = current == .changes
            compare = current == .compare
            visualization = current == .visualization
            settings = current == .settings
        }
    }

    /// The signed-in user's name, if any.
    var user: String?
    /// The session's CSRF token, if any.
    var csrf: String?
    /// The menu.
    var nav: Navigation
    /// A message that something was done.
    var flash: String?
    /// Why something was not done.
    var error: String?

    /// The frame for a request: the session's user and token, with the menu item and messages given.
    init(_ context: ArgusRequestContext, nav: Navigation.Item? = nil, flash: String? = nil, error: String? = nil) {
        if case .session(let user, let session) = context.identity {
            self.user = user.username
            self.csrf = session.csrfToken
        }
        self.nav = Navigation(nav)
        self.flash = flash
        self.error = error
    }
}
