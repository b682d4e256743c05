//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Hummingbird

/// Redirects after a form, and the one place a redirect's target from a request is checked.
enum Redirect {
    /// A 303 to `location`, setting a cookie if one is given.
    static func to(_ location: String, cookie: Cookie? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location])
        if let cookie { response.setCookie(cookie) }
        return response
    }

    /// A `next` that stays on this site: one path on this origin, else `/`.
    ///
    /// Browsers drop tabs, CR and LF from a `Location` and read `\\` as `/`, so `/\t/evil.example`
    /// or `/\\evil.example` would leave the site as `//evil.example`. Only printable ASCII is
    /// accepted (a browser sends anything else percent-encoded): no control character, no white
    /// space, no backslash, no `//` at the start, no scheme or host.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.utf8.count < 500, next.hasPrefix("/"), !next.hasPrefix("//"),
            next.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "\\" }),
            let components = URLComponents(string: next), components.scheme == nil, components.host == nil, components.path.hasPrefix("/")
        else { return "/" }
        return next
    }
}
