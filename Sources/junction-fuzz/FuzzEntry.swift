import Foundation
import JunctionFuzzTargets

// Built two ways (scripts/fuzz.sh):
//   -sanitize=fuzzer -DJUNCTION_LIBFUZZER   libFuzzer drives one target, named by JUNCTION_FUZZ_TARGET;
//   plain                                  a runner that replays files and directories through a target,
//                                          to reproduce a finding without libFuzzer.

#if JUNCTION_LIBFUZZER
private let selectedTarget: FuzzTargets.Target = {
    let name = ProcessInfo.processInfo.environment["JUNCTION_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTargets.named(name) else {
        let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
        FileHandle.standardError.write(Data("junction-fuzz: set JUNCTION_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// libFuzzer's driver, for programs that keep their own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The program's entry point: SwiftPM links an executable target's `main` to this symbol, so libFuzzer runs
/// through its driver function rather than its own `main`.
@_cdecl("junction_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    _ = selectedTarget  // an unknown JUNCTION_FUZZ_TARGET ends the program before libFuzzer starts
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
#else
@main
struct ReplayRunner {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTargets.named(name) else {
            print("usage: junction-fuzz TARGET FILE_OR_DIRECTORY...   (replays inputs through a fuzz target)")
            for target in FuzzTargets.all { print("  \(target.name): \(target.summary)") }
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                data.withUnsafeBytes { target.run($0) }
                count += 1
            }
        }
        print("junction-fuzz: \(target.name): \(count) inputs replayed, no crash")
    }

    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }
}
#endif
