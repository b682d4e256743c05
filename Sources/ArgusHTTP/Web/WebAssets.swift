//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Hummingbird

/// The stylesheet and script, served from memory.
enum WebAssets {
    /// Registers the stylesheet's and the script's routes.
    static func register(on routes: RouteGroups) {
        routes.assets.get("/static/app.css") { _, _ in response(PackageResources.app_css, type: "text/css; charset=utf-8") }
        routes.assets.get("/static/app.js") { _, _ in response(PackageResources.app_js, type: "text/javascript; charset=utf-8") }
    }

    /// An asset as a response that browsers may cache for an hour.
    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
