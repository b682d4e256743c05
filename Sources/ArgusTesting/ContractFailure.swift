//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

public import Argus

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// A store broke its contract: which check, where in it, and what was expected.
public struct ContractFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The check's name (see each contract's `checkNames`).
    public var check: String
    /// Where in the contract the expectation is (`file:line`).
    public var location: String
    /// What was expected.
    public var message: String

    /// Describes a failure.
    public init(check: String, location: String, message: String) {
        self.check = check
        self.location = location
        self.message = message
    }

    public var description: String { "store contract check \(check) failed at \(location): \(message)" }
}

/// Expects a condition to hold.
func expect(_ condition: @autoclosure () async throws -> Bool, _ comment: @autoclosure () -> String = "", fileID: String = #fileID, line: Int = #line)
    async throws
{
    guard try await condition() else {
        let comment = comment()
        throw ContractFailure(
            check: "", location: "\(fileID):\(line)", message: comment.isEmpty ? "expectation failed" : "expectation failed: \(comment)")
    }
}

/// Expects a value, and returns it.
func require<T>(_ value: @autoclosure () async throws -> T?, _ comment: @autoclosure () -> String = "", fileID: String = #fileID, line: Int = #line)
    async throws -> T
{
    guard let value = try await value() else {
        let comment = comment()
        throw ContractFailure(
            check: "", location: "\(fileID):\(line)",
            message: comment.isEmpty ? "a value was expected, found nil" : "a value was expected: \(comment)")
    }
    return value
}

/// Expects `body` to throw an error of type `E`.
func expectThrows<E: Error, R>(_ type: E.Type, fileID: String = #fileID, line: Int = #line, _ body: () async throws -> R) async throws {
    do {
        _ = try await body()
    } catch is E {
        return
    } catch {
        throw ContractFailure(check: "", location: "\(fileID):\(line)", message: "expected \(E.self), got \(error)")
    }
    throw ContractFailure(check: "", location: "\(fileID):\(line)", message: "expected \(E.self) to be thrown; nothing was")
}

/// Creates a running scan and records `devices` into it, as a scan would.
@discardableResult
func recordScan(
    _ store: any DeviceStore, at date: Date, kind: ScanKind = .network, devices: [DeviceUpdate], offline: [DeviceID] = [], changes: [NewChange] = [],
    outbox: [NewOutboxMessage] = []
) async throws -> RecordedScan {
    try await store.recordTestScan(at: date, kind: kind, devices: devices, offline: offline, changes: changes, outbox: outbox)
}

extension DeviceStore {
    /// Creates a running scan of 192.0.2.0/24 at `date` and records these devices (with
    /// changes and alerts) into it, finishing a minute later: a scan without a scanner, for tests.
    @discardableResult
    public func recordTestScan(
        at date: Date, kind: ScanKind = .network, devices: [DeviceUpdate], offline: [DeviceID] = [], changes: [NewChange] = [],
        outbox: [NewOutboxMessage] = []
    ) async throws -> RecordedScan {
        let scan = try await createScan(NewScan(kind: kind, profile: "normal", targets: ["192.0.2.0/24"], status: .running, createdAt: date))
        return try await record(
            ScanResult(
                scanID: scan.id, startedAt: date, finishedAt: date.addingTimeInterval(60), nmapVersion: "7.93", nmapArguments: "nmap -sV",
                hostsUp: devices.count, hostsDown: 1, devices: devices, devicesNowOffline: offline, changes: changes, outbox: outbox))
    }
}

/// A fixed clock for the checks: whole seconds, so every store keeps them exactly.
func day(_ n: Int, hour: Int = 0) -> Date {
    Date(timeIntervalSince1970: 1_700_000_000 + Double(n * 86_400 + hour * 3_600))
}

/// An observed TCP port.
func port(
    _ number: Int, _ state: PortState.State = .open, service: String? = nil, product: String? = nil, version: String? = nil, cpes: [String] = []
) -> ObservedPort {
    ObservedPort(protocol: .tcp, number: number, state: state, serviceName: service, product: product, version: version, cpes: cpes)
}
