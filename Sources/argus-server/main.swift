//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import ArgusAlerts
import ArgusServerMain

// argus-server: the REST API and web UI with the built-in alert sinks.
await ArgusServerCommand.main(sinkTypes: .standard)
