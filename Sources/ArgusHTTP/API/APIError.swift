//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Foundation
public import Hummingbird

/// An error answer of the API: a status and `{"detail": "...", "field": "..."}`, the original
/// Argus's shape plus the field a validation error is about.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong, for people.
    public var detail: String
    /// The request field at fault, for validation errors.
    public var field: String?
    /// Extra headers (`Retry-After`, …).
    public var headers: HTTPFields

    /// Creates an error answer.
    public init(_ status: HTTPResponse.Status, _ detail: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.field = field
        self.headers = headers
    }

    /// A 422 about one field.
    public static func invalid(_ field: String, _ detail: String) -> APIError { APIError(.unprocessableContent, "\(field): \(detail)", field: field) }
    /// A 404.
    public static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) not found") }
    /// The 401 of an unauthenticated API request.
    public static let unauthenticated = APIError(.unauthorized, "Authentication required")

    /// `status: detail`.
    public var description: String { "\(status.code): \(detail)" }

    private struct Body: Encodable {
        var detail: String
        var field: String?
    }

    /// The JSON answer.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONEncoder().encode(Body(detail: detail, field: field))
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
