//
// This file is part of Argus, a self-hosted network security monitor.
// SPDX-License-Identifier: Apache-2.0
//

import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A ``Scanner`` that runs nmap and reads its XML output as nmap writes it.
///
/// nmap is started with an argument vector, never through a shell; targets come after `--`, so
/// none can be read as an option. Its standard output (`-oX -`) streams into an
/// ``NmapXMLReader``, so hosts and progress (`--stats-every`) arrive while nmap runs. Cancelling
/// the scan sends nmap SIGTERM, then SIGKILL two seconds later.
///
/// nmap gets a scrubbed environment (``environment(path:nmapDirectory:)``): `PATH`, and
/// `NMAPDIR` when set, nothing else of this process's, so secrets in the server's variables
/// never reach nmap or its scripts. Name lookups are off (`-n`) unless the request asks for
/// them, and the output names no web style sheet (no `--webxml`).
public struct NmapScanner: Scanner {
    /// The nmap to run: a path, or `nil` to find `nmap` on `PATH`.
    public var executable: String?
    /// Whether nmap may send raw packets; `nil` to decide by the effective user (root).
    public var privileged: Bool?
    /// How often nmap reports progress.
    public var progressInterval: Duration

    /// Creates a scanner.
    public init(executable: String? = nil, privileged: Bool? = nil, progressInterval: Duration = .seconds(2)) {
        self.executable = executable
        self.privileged = privileged
        self.progressInterval = progressInterval
    }

    /// True when this process may send raw packets (it runs as root).
    public static var isPrivileged: Bool { geteuid() == 0 }

    /// The full nmap command line for a request (without the program name).
    public func arguments(for request: ScanRequest) -> (arguments: [String], notices: [String]) {
        let (profileArguments, notices) = request.profile.nmapArguments(privileged: privileged ?? Self.isPrivileged)
        var arguments = profileArguments
        if !request.resolvesNames { arguments.append("-n") }
        let interval = max(1, Int(progressInterval.components.seconds * 1_000 + progressInterval.components.attoseconds / 1_000_000_000_000_000))
        arguments += ["--stats-every", "\(interval)ms", "-oX", "-"]
        arguments += request.targets.nmapArguments
        return (arguments, notices)
    }

    /// The environment nmap runs in: `PATH` (a safe default when unset) and `NMAPDIR` when set.
    public static func environment(path: String?, nmapDirectory: String?) -> [String: String] {
        var environment = ["PATH": path.flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/bin:/usr/bin:/bin"]
        if let nmapDirectory, !nmapDirectory.isEmpty { environment["NMAPDIR"] = nmapDirectory }
        return environment
    }

    /// This process's `PATH` and `NMAPDIR`, for ``environment(path:nmapDirectory:)``.
    static var currentEnvironment: [String: String] {
        environment(path: getenv("PATH").map { String(cString: $0) }, nmapDirectory: getenv("NMAPDIR").map { String(cString: $0) })
    }

    public func scan(_ request: ScanRequest) -> AsyncThrowingStream<ScanEvent, any Error> {
        let (arguments, notices) = arguments(for: request)
        let executable = self.executable
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for notice in notices { continuation.yield(.degraded(notice)) }
                    let run: ScanRun
                    if let timeout = request.timeout {
                        run = try await Self.withTimeout(timeout) {
                            try await Self.runNmap(executable: executable, arguments: arguments, continuation: continuation)
                        }
                    } else {
                        run = try await Self.runNmap(executable: executable, arguments: arguments, continuation: continuation)
                    }
                    continuation.yield(.finished(run))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw ScanError(.timedOut, "the scan did not finish within \(limit.components.seconds) s; nmap was stopped")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private static func runNmap(executable: String?, arguments: [String], continuation: AsyncThrowingStream<ScanEvent, any Error>.Continuation)
        async throws -> ScanRun
    {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let program: Executable = executable.map { .path(FilePath($0)) } ?? .name("nmap")
        let outcome: Result<ScanRun, NmapXMLError>
        let status: TerminationStatus
        let standardError: String?
        do {
            var environment: [Environment.Key: String] = [:]
            for (name, value) in currentEnvironment { environment[Environment.Key(stringLiteral: name)] = value }
            let result = try await Subprocess.run(
                program, arguments: Arguments(arguments), environment: .custom(environment), platformOptions: options, input: .none,
                output: .sequence, error: .string(limit: 64 * 1024)
            ) { execution in
                let reader = NmapXMLReader { event in
                    switch event {
                    case .started(let run): continuation.yield(.started(run))
                    case .progress(let progress): continuation.yield(.progress(progress))
                    case .host(let host): continuation.yield(.host(host))
                    case .taskBegan, .taskEnded, .hostHint: break
                    }
                }
                var chunks = execution.standardOutput.makeAsyncIterator()
                do {
                    while let chunk = try await chunks.next() {
                        try chunk.withUnsafeBytes { try reader.feed($0) }
                    }
                    return Result<ScanRun, NmapXMLError>.success(try reader.finish())
                } catch let error as NmapXMLError {
                    // Output that cannot be read: stop nmap, and drain its pipe so it can exit.
                    try? execution.send(signal: .terminate)
                    while try await chunks.next() != nil {}
                    return Result<ScanRun, NmapXMLError>.failure(error)
                }
            }
            outcome = result.closureResult
            status = result.terminationStatus
            standardError = result.standardError
        } catch let error as SubprocessError {
            throw ScanError(.nmapMissing, "nmap could not be started (\(error)); install it with: apt-get install nmap")
        }
        // Subprocess returns normally after a cancel's teardown: say so.
        try Task.checkCancellation()
        let errorOutput = (standardError ?? "").split(whereSeparator: \.isNewline).suffix(5).joined(separator: " ")
        switch outcome {
        case .failure(let error):
            if case .exited(let code) = status, code != 0 {
                throw ScanError(.nmapFailed, "nmap stopped with status \(code): \(errorOutput.isEmpty ? "no message" : errorOutput)")
            }
            throw ScanError(.unreadableOutput, "nmap's output could not be read: \(error)")
        case .success(let run):
            if case .exited(let code) = status, code != 0, !run.isComplete {
                throw ScanError(
                    .nmapFailed, "nmap stopped with status \(code): \(errorOutput.isEmpty ? run.incompleteReason ?? "no message" : errorOutput)")
            }
            if case .signaled(let signal) = status {
                throw ScanError(.nmapFailed, "nmap was stopped by signal \(signal)")
            }
            return run
        }
    }
}
