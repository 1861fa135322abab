import Foundation
import MallocInterposerSwift

/// One line of the report: time and heap allocations per call.
struct Measurement {
    var name: String
    var nanoseconds: Double
    var allocations: Double
}

/// Runs `body` until about `seconds` elapsed (after a warm-up) for the time per call, then 1,000 more calls
/// with the malloc interposer counting, for the allocations per call (Swift objects, arrays, strings and
/// buffers all come from malloc).
@discardableResult
func measure(_ name: String, seconds: Double = 0.5, _ body: () -> Void) -> Measurement {
    for _ in 0..<1000 { body() }
    var iterations = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var now = start
    let deadline = start + UInt64(seconds * 1e9)
    while now < deadline {
        for _ in 0..<100 { body() }
        iterations += 100
        now = DispatchTime.now().uptimeNanoseconds
    }
    let perCall = Double(now - start) / Double(iterations)
    let counted = 1000
    MallocInterposerSwift.reset()
    MallocInterposerSwift.hook()
    for _ in 0..<counted { body() }
    MallocInterposerSwift.unhook()
    let allocations = Double(MallocInterposerSwift.getStatistics().mallocCount) / Double(counted)
    let result = Measurement(name: name, nanoseconds: perCall, allocations: allocations)
    report.append(result)
    print(name.padding(toLength: 62, withPad: " ", startingAt: 0)
          + String(format: "%10.0f ns/op %8.1f allocs/op", perCall, allocations))
    return result
}

nonisolated(unsafe) var report: [Measurement] = []

@inline(never) func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }

/// The report as a markdown table (for docs/PERFORMANCE.md).
func markdownReport() -> String {
    var lines = ["| work | ns per call | heap allocations per call |", "|---|---:|---:|"]
    for m in report { lines.append("| \(m.name) | \(Int(m.nanoseconds.rounded())) | \(String(format: "%.1f", m.allocations)) |") }
    return lines.joined(separator: "\n")
}
