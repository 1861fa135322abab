import Foundation

/// Runs a `restapi_routes` script as ProxySQL does: the request's JSON is its one argument, its standard input is
/// empty, its standard output is the answer. A script that overruns `timeoutMs` is killed.
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
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished.continuation.yield($0.terminationStatus); finished.continuation.finish() }
        do { try process.run() } catch { return .failedToStart("\(error.localizedDescription)") }
        // Output is drained while the script runs, so a large answer cannot fill the pipe and stall it.
        let output = Task.detached { stdout.fileHandleForReading.readDataToEndOfFile() }
        let errors = Task.detached { stderr.fileHandleForReading.readDataToEndOfFile() }
        let overran = OverrunFlag()
        let watchdog = Task {
            try await Task.sleep(nanoseconds: UInt64(max(timeoutMs, 1)) * 1_000_000)
            if process.isRunning {
                overran.set()
                kill(process.processIdentifier, SIGKILL)
            }
        }
        var status: Int32 = -1
        for await code in finished.stream { status = code }
        watchdog.cancel()
        let timedOut = overran.isSet
        let out = String(decoding: await output.value, as: UTF8.self)
        let err = String(decoding: await errors.value, as: UTF8.self)
        return timedOut ? .timedOut : .finished(status: status, output: out, errors: err)
    }
}

/// Set once by the watchdog when it kills an overrunning script.
private final class OverrunFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
