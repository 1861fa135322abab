/// Whether a node takes a module's configuration from a peer, and from which: pure (cluster.md §4).
///
/// | peers (this module) | local | decision |
/// |---|---|---|
/// | syncing the module is off (`admin-cluster_<module>_diffs_before_sync = 0`) | any | nothing |
/// | a peer loaded it after its start (version > 1), newer than ours (or ours never loaded: version 1), differing for `diffs_before_sync` polls | any | fetch it from the peer with the highest such epoch |
/// | a peer with the same epoch as ours but another checksum, every `10 × diffs_before_sync` polls | any | log a conflict: nothing is synced |
/// | a peer that never loaded it (version 1) and differs, every `10 × diffs_before_sync` polls | any | log that it is not a source |
/// | otherwise | any | nothing |
///
/// No node leads: a node restarted with an old or empty configuration (its modules at version 1) takes the cluster's,
/// and never pushes its own, because nobody syncs from a version-1 module.
public enum ClusterSyncDecision: Equatable, Sendable {
    case none
    case sync(from: PeerAddress, expected: PeerModuleState)
    case conflict(with: PeerAddress)
    case peerNeverLoaded(PeerAddress)

    public struct Local: Equatable, Sendable {
        public var version: Int
        public var epoch: Int
        public var checksum: String

        public init(version: Int, epoch: Int, checksum: String) {
            self.version = version
            self.epoch = epoch
            self.checksum = checksum
        }
    }

    public static func decide(local: Local, peers: [PeerAddress: PeerModuleState], diffsBeforeSync: Int) -> ClusterSyncDecision {
        guard diffsBeforeSync > 0 else { return .none }
        var best: (PeerAddress, PeerModuleState)?
        var warning: ClusterSyncDecision = .none
        for (address, peer) in peers.sorted(by: { $0.key < $1.key }) where peer.checksum != local.checksum {
            let reportable = peer.diffCheck > 0 && peer.diffCheck % (diffsBeforeSync * 10) == 0
            guard peer.version > 1 else {
                if reportable, case .none = warning { warning = .peerNeverLoaded(address) }
                continue
            }
            if local.version == 1 || peer.epoch > local.epoch {
                if peer.diffCheck >= diffsBeforeSync, best.map({ peer.epoch > $0.1.epoch }) ?? true { best = (address, peer) }
            } else if peer.epoch == local.epoch, reportable {
                warning = .conflict(with: address)
            }
        }
        if let (address, peer) = best { return .sync(from: address, expected: peer) }
        return warning
    }
}

/// A peer's admin address, as `proxysql_servers` lists it.
public struct PeerAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var hostname: String
    public var port: Int

    public init(hostname: String, port: Int) {
        self.hostname = hostname
        self.port = port
    }

    public static func < (a: PeerAddress, b: PeerAddress) -> Bool { (a.hostname, a.port) < (b.hostname, b.port) }
    public var description: String { "\(hostname):\(port)" }
}
