//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusHTTP
import Testing

@Test func serverBindsLoopbackByDefault() {
    #expect(ServerDefaults.host == "127.0.0.1")
    #expect(ServerDefaults.port == 8080)
}
