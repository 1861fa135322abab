/// Weighted random choice among the usable servers of a hostgroup (ProxySQL's rule: pick k in
/// 1...Σweight, take the first server whose running sum reaches k; weight 0 is never chosen).
struct ServerSelector {
    static func choose(from servers: [BackendServer], isUsable: (BackendServer) -> Bool,
                       random: (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) -> BackendServer? {
        var total = 0
        for server in servers where server.status == .online && server.weight > 0 && isUsable(server) { total += server.weight }
        guard total > 0 else { return nil }
        var k = total == 1 ? 1 : random(1...total)
        for server in servers where server.status == .online && server.weight > 0 && isUsable(server) {
            k -= server.weight
            if k <= 0 { return server }
        }
        return nil
    }
}

/// SplitMix64: a fast, non-cryptographic generator for server choice, one per event loop, so the
/// query path makes no `getrandom` system call.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
