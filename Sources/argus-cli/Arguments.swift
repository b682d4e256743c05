//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import ArgumentParser
public import Argus

// Argus's enums as command-line values, spelled as their raw values.
extension ScanStatus: ExpressibleByArgument {}
extension RiskLevel: ExpressibleByArgument {}
extension DeviceSort: ExpressibleByArgument {}
extension DeviceType: ExpressibleByArgument {}
