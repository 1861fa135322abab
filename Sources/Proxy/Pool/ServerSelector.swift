/// Weighted random choice among the usable servers of a hostgroup (ProxySQL's rule: pick k in
/// 1...Σweight, take the first server whose running sum reaches k; weight 0 is never chosen).
struct ServerSelector {
    static func choose(from servers: [BackendServer], isUsable: (BackendServer) -> Bool,
                       random: (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) -> BackendServer? {
        var total = 0
        for server in servers where server.status == .online && server.weight > 0 && isUsable(server) { total += server.weight }
        guard total > 0 else { return nil }
        var k = random(1...total)
        for server in servers where server.status == .online && server.weight > 0 && isUsable(server) {
            k -= server.weight
            if k <= 0 { return server }
        }
        return nil
    }
}
