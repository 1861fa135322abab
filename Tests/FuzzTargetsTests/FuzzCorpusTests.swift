import Foundation
import JunctionFuzzTargets
import Testing

/// Every input in fuzz/corpus/<target>/ runs through its target: the seeds captured from real traffic, and each
/// finding of a fuzz campaign (`finding-*`), kept so that a fixed crash stays fixed.
struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fuzz/corpus")

    static func inputs(of target: String) -> [URL] {
        let directory = corpus.appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTargets.all.map(\.name))
    func corpusRunsThrough(target name: String) throws {
        let target = try #require(FuzzTargets.named(name))
        let inputs = Self.inputs(of: name)
        #expect(inputs.count >= 5, "fuzz/corpus/\(name) has \(inputs.count) seeds: scripts/fuzz.sh needs a corpus to start from")
        for url in inputs {
            let data = try Data(contentsOf: url)
            data.withUnsafeBytes { target.run($0) }
        }
    }

    @Test func emptyAndTinyInputsRunThroughEveryTarget() {
        for target in FuzzTargets.all {
            for bytes: [UInt8] in [[], [0], [0xFF], [0, 0, 0, 0], Array(repeating: 0xFF, count: 64)] {
                bytes.withUnsafeBytes { target.run($0) }
            }
        }
    }
}
