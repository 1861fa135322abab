/// What one node knows of one module on one peer (`stats_proxysql_servers_checksums`), updated at every poll.
///
/// `diffCheck` counts the consecutive polls in which the peer's checksum differed from this node's: it starts at 1
/// when the peer's checksum changes, grows by one at each poll that finds it unchanged, and is 0 while the peer has
/// this node's checksum.
public struct PeerModuleState: Equatable, Sendable {
    public var version: Int
    public var epoch: Int
    public var checksum: String
    /// When the peer's checksum last changed (UNIX seconds).
    public var changedAt: Int
    /// When it was last polled (UNIX seconds).
    public var updatedAt: Int
    public var diffCheck: Int

    public init(version: Int, epoch: Int, checksum: String, changedAt: Int, updatedAt: Int, diffCheck: Int) {
        self.version = version
        self.epoch = epoch
        self.checksum = checksum
        self.changedAt = changedAt
        self.updatedAt = updatedAt
        self.diffCheck = diffCheck
    }

    /// The module as a peer advertises it (a row of its `runtime_checksums_values`).
    public struct Advertised: Equatable, Sendable {
        public var version: Int
        public var epoch: Int
        public var checksum: String

        public init(version: Int, epoch: Int, checksum: String) {
            self.version = version
            self.epoch = epoch
            self.checksum = checksum
        }
    }

    /// A peer's `runtime_checksums_values` rows (name, version, epoch, checksum), by module name.
    public static func advertised(from rows: [[String?]]) throws -> [String: Advertised] {
        var modules: [String: Advertised] = [:]
        for row in rows {
            guard row.count == 4, let name = row[0], let version = row[1].flatMap({ Int($0) }),
                  let epoch = row[2].flatMap({ Int($0) }), let checksum = row[3] else {
                throw ClusterError.malformedAnswer("runtime_checksums_values row \(row.map { $0 ?? "NULL" })")
            }
            modules[name] = Advertised(version: version, epoch: epoch, checksum: checksum)
        }
        return modules
    }

    /// The state after a poll that found `advertised` on the peer while this node has `localChecksum`.
    public static func polled(_ previous: PeerModuleState?, advertised: Advertised, localChecksum: String?, now: Int) -> PeerModuleState {
        var state = previous ?? PeerModuleState(version: advertised.version, epoch: advertised.epoch, checksum: advertised.checksum,
                                                changedAt: now, updatedAt: now, diffCheck: 0)
        if let previous, previous.checksum != advertised.checksum {
            state.changedAt = now
            state.diffCheck = 1
        } else if previous == nil {
            state.diffCheck = 1
        } else {
            state.diffCheck += 1
        }
        if advertised.checksum == localChecksum { state.diffCheck = 0 }
        state.version = advertised.version
        state.epoch = advertised.epoch
        state.checksum = advertised.checksum
        state.updatedAt = now
        return state
    }
}
