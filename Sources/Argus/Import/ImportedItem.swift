//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the importer (and ``ScanDiff``) needs of each event, made on the reading thread.
enum ImportedItem: Sendable {
    /// The run began: its command line and scan types are known.
    case started(ScanRun)
    /// A host that is up, with its address: what the scan saw, and its ports' assessment.
    case up(DeviceUpdate, ThreatAssessment)
    /// A host nmap found down.
    case down

    /// Turns the reader's events into items: hosts that are up, classified and assessed
    /// (assessments of the same ports shared), hosts down, and the run's start.
    static func transform(detector: ThreatDetector, now: Date) -> @Sendable (NmapXMLEvent) -> ImportedItem? {
        let state = ReadingState()
        return { event in
            switch event {
            case .started(let run):
                state.runStart = run.startTime
                return .started(run)
            case .host(let host):
                guard host.isUp, host.primaryAddress != nil else { return host.status.state == .down ? .down : nil }
                var update = DeviceUpdate(host: host, deviceID: nil)
                update.seenAt = host.endTime ?? host.startTime ?? state.runStart ?? now
                let assessment = state.assessment(of: update.ports, by: detector)
                update.riskLevel = assessment.level
                update.riskScore = assessment.score
                update.assessment = assessment
                return .up(update, assessment)
            default:
                return nil
            }
        }
    }
}

/// What the reading thread keeps between events: it alone uses it, one event after another.
final class ReadingState: @unchecked Sendable {
    var runStart: Date?
    /// Assessments by open ports: hosts of one kind (a fleet of cameras, the same server image)
    /// share them, and an assessment is a pure function of the ports. Bounded.
    private var assessments: [[ObservedPort]: ThreatAssessment] = [:]

    /// The assessment of these ports, made once for each set of ports seen lately.
    func assessment(of ports: [ObservedPort], by detector: ThreatDetector) -> ThreatAssessment {
        if let known = assessments[ports] { return known }
        let assessment = detector.assess(ports)
        if assessments.count >= 4_096 { assessments.removeAll(keepingCapacity: true) }
        assessments[ports] = assessment
        return assessment
    }
}
