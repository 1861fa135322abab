@testable import Proxy
import Testing

@Suite struct ServerSelectorTests {
    let a = BackendServer(hostgroup: 1, endpoint: ServerEndpoint(host: "a", port: 1), weight: 1)
    let b = BackendServer(hostgroup: 1, endpoint: ServerEndpoint(host: "b", port: 1), weight: 3)
    let off = BackendServer(hostgroup: 1, endpoint: ServerEndpoint(host: "c", port: 1), status: .offlineSoft, weight: 100)
    let zero = BackendServer(hostgroup: 1, endpoint: ServerEndpoint(host: "d", port: 1), weight: 0)

    @Test func cumulativeWeightDecides() {
        let servers = [a, b, off, zero]
        #expect(ServerSelector.choose(from: servers, isUsable: { _ in true }, random: { _ in 1 })?.endpoint.host == "a")
        #expect(ServerSelector.choose(from: servers, isUsable: { _ in true }, random: { _ in 2 })?.endpoint.host == "b")
        #expect(ServerSelector.choose(from: servers, isUsable: { _ in true }, random: { r in r.upperBound })?.endpoint.host == "b")
    }

    @Test func offlineFullAndZeroWeightServersAreSkipped() {
        #expect(ServerSelector.choose(from: [off, zero], isUsable: { _ in true }) == nil)
        #expect(ServerSelector.choose(from: [a, b], isUsable: { $0.endpoint.host == "b" })?.endpoint.host == "b")
    }

    @Test func distributionFollowsWeights() {
        var counts: [String: Int] = [:]
        for _ in 0..<4000 { counts[ServerSelector.choose(from: [a, b], isUsable: { _ in true })!.endpoint.host, default: 0] += 1 }
        #expect((800...1200).contains(counts["a"] ?? 0))
    }
}

extension ServerSelectorTests {
    @Test func splitMixSpreadsChoicesByWeight() {
        var generator = SplitMix64(seed: 42)
        var counts: [String: Int] = [:]
        for _ in 0..<4000 {
            let server = ServerSelector.choose(from: [a, b], isUsable: { _ in true }, random: { Int.random(in: $0, using: &generator) })!
            counts[server.endpoint.host, default: 0] += 1
        }
        #expect((800...1200).contains(counts["a"] ?? 0))
    }
}
