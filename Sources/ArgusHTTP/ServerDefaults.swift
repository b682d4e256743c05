//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

/// Where argus-server listens unless told otherwise.
///
/// The default binds loopback only: exposing the server to a network is a choice its owner
/// makes explicitly with `--host`.
public enum ServerDefaults {
    /// The default listening address.
    public static let host = "127.0.0.1"
    /// The default listening port.
    public static let port = 8080
}
