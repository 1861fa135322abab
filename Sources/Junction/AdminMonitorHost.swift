import Admin
import JunctionConfig
import Monitor
import NIOConcurrencyHelpers
import Proxy

/// The monitor's view of Junction: runtime topology and variables from the admin executor, logs into
/// the `monitor` schema, placement into the runtime servers. Everything runs on the admin loop.
final class AdminMonitorHost: MonitorHost {
    let executor: AdminExecutor
    let store: ProxyConfigStore
    /// `MySQL_Monitor_<check>_check_OK` / `_ERR` by name, read by the stats (from another thread).
    let checkCounts: NIOLockedValueBox<[String: Int]>

    init(executor: AdminExecutor, store: ProxyConfigStore, checkCounts: NIOLockedValueBox<[String: Int]>) {
        self.executor = executor
        self.store = store
        self.checkCounts = checkCounts
    }

    func serverLatency(host: String, port: Int, microseconds: Int64) {
        store.serverLatencies.withLockedValue { $0[ServerEndpoint(host: host, port: port)] = Int(microseconds) }
    }

    func closeConnections(host: String, port: Int) {
        store.closeConnections(to: ServerEndpoint(host: host, port: port))
    }

    func monitorTopology() -> MonitorTopology {
        let runtime = executor.runtime
        return MonitorTopology(servers: runtime.mysqlServers, replicationHostgroups: runtime.replicationHostgroups,
                               settings: MonitorSettings(variables: runtime.variables))
    }

    func recordMonitorLog(_ entry: MonitorLogEntry) {
        countCheck(entry)
        switch entry {
        case .connect(let host, let port, let start, let success, let error):
            executor.appendMonitorLog("mysql_server_connect_log", [host, port, start, success ?? 0, error])
        case .ping(let host, let port, let start, let success, let error):
            executor.appendMonitorLog("mysql_server_ping_log", [host, port, start, success ?? 0, error])
        case .readOnly(let host, let port, let start, let success, let readOnly, let error):
            executor.appendMonitorLog("mysql_server_read_only_log", [host, port, start, success ?? 0, readOnly, error])
        case .replicationLag(let host, let port, let start, let success, let lag, let error):
            executor.appendMonitorLog("mysql_server_replication_lag_log", [host, port, start, success ?? 0, lag, error])
        }
    }

    func purgeMonitorLogs(olderThan microseconds: Int64) {
        executor.purgeMonitorLogs(olderThan: microseconds)
    }

    func applyMonitorPlacement(_ servers: [MySQLServerRow], reason: String) {
        do { try executor.applyRuntimeServers(servers, reason: reason) } catch {
            executor.logger.error("monitor placement refused", metadata: ["error": "\(error)"])
        }
    }
}

extension AdminMonitorHost {
    private func countCheck(_ entry: MonitorLogEntry) {
        let (check, failed): (String, Bool)
        switch entry {
        case .connect(_, _, _, _, let error): (check, failed) = ("connect", error != nil)
        case .ping(_, _, _, _, let error): (check, failed) = ("ping", error != nil)
        case .readOnly(_, _, _, _, _, let error): (check, failed) = ("read_only", error != nil)
        case .replicationLag(_, _, _, _, _, let error): (check, failed) = ("replication_lag", error != nil)
        }
        let name = "MySQL_Monitor_\(check)_check_\(failed ? "ERR" : "OK")"
        checkCounts.withLockedValue { $0[name, default: 0] += 1 }
    }
}
