import Foundation

/// Runs a `restapi_routes` script as ProxySQL does: the request's JSON is its one argument, its standard input is
/// empty, its standard output is the answer. A script that overruns `timeoutMs` gets SIGTERM (SIGKILL half a second
/// later) and is reported as timed out at that moment; so is one that exited while a process it started still holds
/// its output open.
///
/// The blocking parts (reading the pipes, the deadline) run on Dispatch threads, never on Swift concurrency's
/// few cooperative threads, which a blocked read would starve.
public enum ScriptRunner {
    public enum Outcome: Equatable, Sendable {
        case finished(status: Int32, output: String, errors: String)
        case timedOut
        case failedToStart(String)
    }

    public static func run(_ script: String, argument: String, timeoutMs: Int) async -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = [argument]
        let stdout = Pipe(), stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        let ending = OnceFlag()  // the first of exit and deadline answers
        let deadline = DispatchTime.now() + .milliseconds(max(timeoutMs, 1))
        return await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let output = PipeReader(stdout), errors = PipeReader(stderr)
            let finish: @Sendable (Int32?) -> Void = { status in
                guard ending.claim() else { return }
                guard let status, let out = output.wait(until: deadline), let err = errors.wait(until: deadline) else {
                    stop(process)
                    continuation.resume(returning: .timedOut)
                    return
                }
                continuation.resume(returning: .finished(status: status, output: out, errors: err))
            }
            process.terminationHandler = { finish($0.terminationStatus) }
            do {
                try process.run()
            } catch {
                guard ending.claim() else { return }
                continuation.resume(returning: .failedToStart(error.localizedDescription))
                return
            }
            output.start()
            errors.start()
            DispatchQueue.global().asyncAfter(deadline: deadline) { finish(nil) }
        }
    }

    private static func stop(_ process: Process) {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(500)) {
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }
}

/// Reads a pipe to its end on a Dispatch thread.
private final class PipeReader: @unchecked Sendable {
    private let pipe: Pipe
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ pipe: Pipe) { self.pipe = pipe }

    func start() {
        DispatchQueue.global().async { [self] in
            data = pipe.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
    }

    /// The pipe's content once it ended, or nil if it is still open at `deadline` (a child of the script holds it).
    func wait(until deadline: DispatchTime) -> String? {
        guard done.wait(timeout: deadline) == .success else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// True for the first caller only.
private final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = false

    func claim() -> Bool {
        lock.withLock {
            defer { claimed = true }
            return !claimed
        }
    }
}
