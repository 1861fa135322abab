import Admin
import Cluster
import Foundation
import JunctionConfig

/// The cluster's view of Junction: the `admin-cluster_*` settings, runtime `proxysql_servers` and checksums from the
/// admin executor, the peers' state into the `stats_proxysql_servers_*` tables. Everything runs on the admin loop.
final class AdminClusterHost: ClusterHost {
    let executor: AdminExecutor
    /// This node's id for its peers' `stats_proxysql_servers_clients_status`, new at every start.
    let nodeUUID = UUID().uuidString

    init(executor: AdminExecutor) {
        self.executor = executor
    }

    func clusterSettings() -> ClusterSettings {
        let variables = executor.runtime.variables
        let peers = executor.runtime.clusterPeers.map {
            ClusterSettings.Peer(address: PeerAddress(hostname: $0.hostname, port: $0.port), weight: $0.weight, comment: $0.comment)
        }
        return ClusterSettings(username: variables["admin-cluster_username"] ?? "", password: variables["admin-cluster_password"] ?? "",
                               checkIntervalMs: Int(variables["admin-cluster_check_interval_ms"] ?? "") ?? 1_000,
                               checkStatusFrequency: Int(variables["admin-cluster_check_status_frequency"] ?? "") ?? 10,
                               peers: peers, nodeUUID: nodeUUID, adminInterfaces: variables["admin-mysql_ifaces"] ?? "",
                               modules: AdminExecutor.clusterModules.map { name, _ in
            // Algorithm 1 takes the peer's runtime servers too; 3 does when this node's monitor is off; 2 never.
            let algorithm = Int(variables["admin-cluster_mysql_servers_sync_algorithm"] ?? "") ?? 1
            let withRuntimeServers = algorithm == 1 || (algorithm == 3 && variables["mysql-monitor_enabled"] == "false")
            // The variables are named after the module (`mysql_servers`), the decision after its checksum.
            let setting = name == "mysql_servers_v2" ? "mysql_servers" : name
            return SyncModule(name: name,
                              // The deprecated admin-checksum_<module>=false turns the module's syncing off, as in ProxySQL.
                              diffsBeforeSync: variables["admin-checksum_\(setting)"] == "false"
                                  ? 0 : Int(variables["admin-cluster_\(setting)_diffs_before_sync"] ?? "") ?? 3,
                              saveToDisk: variables["admin-cluster_\(setting)_save_to_disk"] != "false",
                              withRuntimeServers: withRuntimeServers)
        })
    }

    func applyModule(_ module: SyncModule, results: [(columns: [String], rows: [[String?]])], from peer: PeerAddress,
                     expected: PeerModuleState, runtimeServers: PeerModuleState?) throws {
        var sets = results.map { ClusterResultSet(columns: $0.columns, rows: $0.rows) }
        var peerRuntimeServers: (set: ClusterResultSet, epoch: Int, checksum: String)?
        // A peer that does not advertise its runtime servers' checksum hands over its configuration only.
        if module.withRuntimeServers, let last = sets.popLast(), let runtimeServers {
            peerRuntimeServers = (last, runtimeServers.epoch, runtimeServers.checksum)
        }
        try executor.applyClusterModule(checksumName: module.name, results: sets, runtimeServers: peerRuntimeServers,
                                        expectedChecksum: expected.checksum, epoch: expected.epoch, saveToDisk: module.saveToDisk)
    }

    func localModules() -> [String: ClusterSyncDecision.Local] {
        executor.checksums.entries.mapValues { ClusterSyncDecision.Local(version: $0.version, epoch: $0.epoch, checksum: $0.checksum) }
    }

    func recordPeerModules(_ peer: PeerAddress, _ modules: [String: PeerModuleState]) {
        executor.replaceClusterPeerRows("stats_proxysql_servers_checksums", hostname: peer.hostname, port: peer.port,
                                        rows: modules.sorted { $0.key < $1.key }.map { name, state in
            [peer.hostname, peer.port, name, state.version, state.epoch, state.checksum, state.changedAt, state.updatedAt, state.diffCheck]
        })
    }

    func recordPeerMetrics(_ peer: PeerAddress, _ metrics: PeerMetrics) {
        let ageMs = max(0, Int(Date().timeIntervalSince1970 * 1000) - metrics.lastCheckAtMs)
        executor.replaceClusterPeerRows("stats_proxysql_servers_metrics", hostname: peer.hostname, port: peer.port, rows: [[
            peer.hostname, peer.port, metrics.weight, metrics.comment, metrics.responseTimeMs, metrics.uptimeSeconds, ageMs,
            metrics.queries, metrics.clientConnectionsConnected, metrics.clientConnectionsCreated,
        ]])
    }

    func forgetPeers(except peers: Set<PeerAddress>) {
        executor.keepClusterPeerRows(Set(peers.map(\.description)))
    }
}
