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
    let library: MustacheLibrary

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

    /// A page as an HTML response.
    func render(_ name: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = library.render(values, withTemplate: name) ?? "<!doctype html><title>Argus</title><p>The page \(name) is missing.</p>"
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// The stylesheet and script, served from memory.
enum WebAssets {
    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=3600"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// An `application/x-www-form-urlencoded` body (at most 1 MiB).
struct Form {
    private var fields: [(String, String)] = []

    init(_ request: Request) async throws {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        self.init(String(decoding: body.readableBytesView, as: UTF8.self))
    }

    init(_ text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.unescape(parts[0])
            fields.append((name, parts.count > 1 ? Self.unescape(parts[1]) : ""))
        }
    }

    /// The first value of a field.
    subscript(name: String) -> String? { fields.first { $0.0 == name }?.1 }

    /// Every value of a field (checkbox lists).
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }

    private static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Escapes a query-string value.
    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
