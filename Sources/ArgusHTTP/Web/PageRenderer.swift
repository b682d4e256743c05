//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
import Hummingbird
import Mustache

/// The page templates, compiled into the binary and parsed once at start.
///
/// Mustache escapes every `{{value}}` for HTML; the only triple-brace values are the SVG charts,
/// which `Charts` builds from numbers and escaped text.
struct PageRenderer: Sendable {
    /// The parsed templates.
    let library: MustacheLibrary

    /// Parses every template.
    init() throws {
        var library = MustacheLibrary()
        let templates: [(String, [UInt8])] = [
            ("layout", PackageResources.layout_mustache), ("login", PackageResources.login_mustache), ("setup", PackageResources.setup_mustache),
            ("dashboard", PackageResources.dashboard_mustache), ("change-table", PackageResources.change_table_mustache),
            ("devices", PackageResources.devices_mustache), ("device", PackageResources.device_mustache),
            ("scans", PackageResources.scans_mustache), ("changes", PackageResources.changes_mustache),
            ("settings", PackageResources.settings_mustache), ("compare", PackageResources.compare_mustache),
            ("visualization", PackageResources.visualization_mustache),
        ]
        for (name, bytes) in templates {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
    }

    /// A page's view as an HTML response, rendered with the view's template.
    func render<View: PageView>(_ view: View, status: HTTPResponse.Status = .ok) -> Response {
        let name = View.template
        let html = library.render(view, withTemplate: name) ?? "<!doctype html><title>Argus</title><p>The page \(name) is missing.</p>"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
