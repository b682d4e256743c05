//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Argus
import NIOCore

/// Part of a scan's rows, in `COPY` text form, written in one go: the devices first (new ones,
/// then the known ones' updates), then what the scan saw of them, their ports, the devices it
/// marked offline, the changes and the alerts.
///
/// The recorder starts a new batch before a device that follows a batch's offline marks, so
/// writing a batch's parts in this fixed order keeps the order the producer called in wherever
/// it matters.
struct RecordingBatch: Sendable {
    /// New devices: ``PostgresScanRecorder/deviceColumns``.
    var newDevices = CopyRows()
    /// Known devices' updates: ``PostgresScanRecorder/updateColumns``.
    var deviceUpdates = CopyRows()
    /// What the scan saw of each device: ``PostgresScanRecorder/observationColumns``.
    var observations = CopyRows()
    /// The ports: ``PostgresScanRecorder/portColumns``.
    var ports = CopyRows()
    /// Known devices the scan covered and did not see up.
    var offline: [Int64] = []
    /// Changes: ``PostgresScanRecorder/changeColumns``.
    var changes = CopyRows()
    /// Alerts: ``PostgresScanRecorder/outboxColumns``.
    var outbox = CopyRows()

    /// Whether nothing was added.
    var isEmpty: Bool {
        newDevices.isEmpty && deviceUpdates.isEmpty && observations.isEmpty && offline.isEmpty && changes.isEmpty && outbox.isEmpty
    }

    /// Roughly how many bytes the batch holds.
    var size: Int {
        newDevices.buffer.readableBytes + deviceUpdates.buffer.readableBytes + observations.buffer.readableBytes + ports.buffer.readableBytes
            + changes.buffer.readableBytes + outbox.buffer.readableBytes + offline.count * 8
    }
}
