/// The cluster's view of its node: settings and checksums from the admin, and where the peers' state is shown.
/// Everything is called on the admin's event loop.
public protocol ClusterHost: AnyObject {
    func clusterSettings() -> ClusterSettings
    /// This node's modules as `runtime_checksums_values` shows them, by module name.
    func localModules() -> [String: ClusterSyncDecision.Local]
    /// A peer's modules after a poll (`stats_proxysql_servers_checksums`).
    func recordPeerModules(_ peer: PeerAddress, _ modules: [String: PeerModuleState])
    /// A peer's counters (`stats_proxysql_servers_metrics`).
    func recordPeerMetrics(_ peer: PeerAddress, _ metrics: PeerMetrics)
    /// Drops the shown state of peers no longer in `proxysql_servers`.
    func forgetPeers(except peers: Set<PeerAddress>)
    /// Takes a module fetched from `peer` (the answers to `module.fetchQueries`, in order): checked against
    /// `expected`'s checksum, then made MEMORY, RUNTIME (with the peer's epoch) and, when the module says so, DISK.
    /// With `module.withRuntimeServers` the last answer is the peer's runtime servers, checked against
    /// `runtimeServers` (its `mysql_servers` checksum) and made the runtime servers. Throws and changes nothing when
    /// the rows do not hash to the advertised checksums.
    func applyModule(_ module: SyncModule, results: [(columns: [String], rows: [[String?]])], from peer: PeerAddress,
                     expected: PeerModuleState, runtimeServers: PeerModuleState?) throws
}

/// A module peers hand to each other, with this node's `admin-cluster_<module>_*` settings.
public struct SyncModule: Equatable, Sendable {
    /// The checksum that decides (`mysql_servers_v2` for the servers).
    public var name: String
    /// What is sent to the source peer to take the module (`ClusterFetchQueries`).
    public var fetchQueries: [String]
    /// The servers module also takes the peer's runtime servers (`admin-cluster_mysql_servers_sync_algorithm` 1).
    public var withRuntimeServers: Bool
    /// `admin-cluster_<module>_diffs_before_sync`: 0 turns syncing the module off.
    public var diffsBeforeSync: Int
    public var saveToDisk: Bool

    public init(name: String, diffsBeforeSync: Int, saveToDisk: Bool, withRuntimeServers: Bool = false) {
        self.name = name
        self.withRuntimeServers = withRuntimeServers && name == "mysql_servers_v2"
        self.fetchQueries = ClusterFetchQueries.queries(forChecksum: name)
            + (self.withRuntimeServers ? [ClusterFetchQueries.runtimeServers] : [])
        self.diffsBeforeSync = diffsBeforeSync
        self.saveToDisk = saveToDisk
    }
}

/// The `admin-cluster_*` settings and the runtime `proxysql_servers`.
public struct ClusterSettings: Equatable, Sendable {
    public struct Peer: Equatable, Sendable {
        public var address: PeerAddress
        public var weight: Int
        public var comment: String

        public init(address: PeerAddress, weight: Int = 0, comment: String = "") {
            self.address = address
            self.weight = weight
            self.comment = comment
        }
    }

    public var username: String
    public var password: String
    public var checkIntervalMs: Int
    /// Every this many polls a peer's `stats_mysql_global` is read too (0: never).
    public var checkStatusFrequency: Int
    public var peers: [Peer]
    /// This node's id and admin interfaces, told to every peer (`PROXYSQL CLUSTER_NODE_UUID`).
    public var nodeUUID: String
    public var adminInterfaces: String
    public var modules: [SyncModule]

    public init(username: String, password: String, checkIntervalMs: Int, checkStatusFrequency: Int, peers: [Peer],
                nodeUUID: String, adminInterfaces: String, modules: [SyncModule] = []) {
        self.modules = modules
        self.username = username
        self.password = password
        self.checkIntervalMs = checkIntervalMs
        self.checkStatusFrequency = checkStatusFrequency
        self.peers = peers
        self.nodeUUID = nodeUUID
        self.adminInterfaces = adminInterfaces
    }

    /// Polling needs credentials and someone to poll.
    public var isActive: Bool { !username.isEmpty && !peers.isEmpty }
}

/// A peer's row of `stats_proxysql_servers_metrics`.
public struct PeerMetrics: Equatable, Sendable {
    public var weight: Int
    public var comment: String
    /// The round trip of the last poll.
    public var responseTimeMs: Int
    public var uptimeSeconds: Int
    /// When the last check ran (UNIX milliseconds); the table shows its age.
    public var lastCheckAtMs: Int
    public var queries: Int
    public var clientConnectionsConnected: Int
    public var clientConnectionsCreated: Int

    public init(weight: Int, comment: String, responseTimeMs: Int, uptimeSeconds: Int, lastCheckAtMs: Int, queries: Int,
                clientConnectionsConnected: Int, clientConnectionsCreated: Int) {
        self.weight = weight
        self.comment = comment
        self.responseTimeMs = responseTimeMs
        self.uptimeSeconds = uptimeSeconds
        self.lastCheckAtMs = lastCheckAtMs
        self.queries = queries
        self.clientConnectionsConnected = clientConnectionsConnected
        self.clientConnectionsCreated = clientConnectionsCreated
    }

    /// From a peer's `stats_mysql_global` rows (Variable_Name, Variable_Value).
    public static func from(globalStatus rows: [[String?]], peer: ClusterSettings.Peer, responseTimeMs: Int, nowMs: Int) -> PeerMetrics {
        var values: [String: Int] = [:]
        for row in rows where row.count >= 2 {
            if let name = row[0], let value = row[1].flatMap({ Int($0) }) { values[name] = value }
        }
        return PeerMetrics(weight: peer.weight, comment: peer.comment, responseTimeMs: responseTimeMs,
                           uptimeSeconds: values["ProxySQL_Uptime"] ?? 0, lastCheckAtMs: nowMs, queries: values["Questions"] ?? 0,
                           clientConnectionsConnected: values["Client_Connections_connected"] ?? 0,
                           clientConnectionsCreated: values["Client_Connections_created"] ?? 0)
    }
}
