import Foundation

extension AdminExecutor {
    /// Why the runtime configuration changes.
    enum RuntimeChange {
        /// `LOAD … TO RUNTIME` (also at start-up, and a module taken from a cluster peer, with the peer's epoch and
        /// checksum): the module's version goes up.
        case load(peer: (epoch: Int, checksum: String)?)
        /// The monitor placed servers by read_only: `mysql_servers` changes, its version and `mysql_servers_v2` stay.
        case monitorPlacement
        /// A cluster peer's runtime servers (its monitor's placement) were taken: `mysql_servers` gets the peer's
        /// epoch when it hashes alike, `mysql_servers_v2` stays.
        case peerRuntimeServers(epoch: Int, checksum: String)
    }

    /// The one way configuration goes live, for LOAD, start-up, the cluster's sync and the monitor: check and
    /// compile once, hand to the target (which may still refuse), then it is the runtime and its checksums are
    /// recorded. On an error nothing changed.
    func goLive(_ candidate: RuntimeConfiguration, changed module: AdminModule, as change: RuntimeChange) throws {
        let compiled = try candidate.compile(module)
        try target?.apply(compiled, changed: module)
        runtime = candidate
        let now = Int(Date().timeIntervalSince1970)
        switch change {
        case .load(let peer): checksums.recordLoad(of: module, runtime: candidate, now: now, peer: peer)
        case .monitorPlacement: checksums.recordMonitorChange(runtime: candidate, now: now)
        case .peerRuntimeServers(let epoch, let checksum):
            checksums.recordRuntimeServers(runtime: candidate, now: now, peer: (epoch: epoch, checksum: checksum))
        }
        if module == .adminVariables { try adminVariablesApplied() }
    }
}
