//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// A page's values for its template: typed, read by Mustache through reflection of stored
/// properties (an `Optional` that is `nil` counts as missing, `Bool` and arrays open
/// sections, nested structs are reached with dotted names).
protocol PageView: Sendable {
    /// The template's name in the `PageRenderer`'s library.
    static var template: String { get }
    /// What the layout shows around the page.
    var frame: PageFrame { get }
}
