import Foundation
import JunctionConfig
import Logging
import MySQLClient
import NIOCore

/// Runs the connect, ping and read_only checks on their intervals with the monitor user, logs every
/// result, and moves servers between writer and reader hostgroups by read_only (monitor.md §2).
///
/// Lives on one event loop (the admin's): checks are non-blocking I/O, so they never hold a proxy loop,
/// and the host's tables are only touched there.
public final class MonitorService {
    typealias Endpoint = ReadOnlyPlacement.Endpoint

    let loop: EventLoop
    private(set) weak var host: MonitorHost?
    let logger: Logger
    /// Idle monitor connections per server. A check takes one for itself (ping, read_only and lag checks of one server
    /// may overlap; a connection runs one command at a time) and gives it back when its command succeeded.
    private var idleConnections: [Endpoint: [MySQLClientConnection]] = [:]
    private static let idlePerServer = 4
    /// Consecutive failed read_only checks per server.
    private var readOnlyFailures: [Endpoint: Int] = [:]
    private var readOnlyRoundRunning = false
    /// Consecutive failed pings per server.
    private var pingFailures: [Endpoint: Int] = [:]
    /// Why Junction shunned each server it shunned (a server comes back only when no reason is left).
    var shunReasons: [Endpoint: Set<ShunReason>] = [:]
    /// Failed connects reported by the query path (`mysql-shun_on_failures`).
    var connectFailures = ConnectFailureShunning()

    enum ShunReason: Hashable {
        /// `mysql-monitor_ping_max_failures` pings failed in a row.
        case pings
        /// `mysql-shun_on_failures` connects from the query path failed within a second.
        case connectFailures
    }
    /// Consecutive checks over `max_replication_lag`, per hostgroup entry, and the entries shunned for lag.
    private var lagStrikes: [LagKey: Int] = [:]
    private var shunnedForLag: Set<LagKey> = []
    /// Servers that answer only `SHOW REPLICA STATUS` (MySQL 8.4 dropped `SHOW SLAVE STATUS`).
    private var usesReplicaStatus: Set<Endpoint> = []

    struct LagKey: Hashable {
        var hostgroup: Int
        var endpoint: Endpoint
    }
    private(set) var stopped = false
    /// Servers connect-checked with `connectCheckedCredentials` (the monitor user and password).
    private var connectChecked: Set<Endpoint> = []
    private var connectCheckedCredentials = ""

    public init(loop: EventLoop, host: MonitorHost, logger: Logger) {
        self.loop = loop
        self.host = host
        self.logger = logger
    }

    /// Starts the check timers (each re-reads its interval, so LOAD MYSQL VARIABLES takes effect).
    public func start() {
        loop.execute { [self] in
            schedule(every: { $0.readOnlyIntervalMs }, readOnlyRound)
            schedule(every: { $0.pingIntervalMs }, pingRound)
            schedule(every: { $0.connectIntervalMs }, connectRound)
            // A server added, or monitor credentials changed, gets its connect check within a second, not an interval.
            schedule(every: { _ in 1_000 }, connectNewcomers)
            schedule(every: { $0.replicationLagIntervalMs }, replicationLagRound)
        }
    }

    /// Stops the timers and closes the monitor's connections; completes once done on the loop.
    @discardableResult
    public func stop() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            stopped = true
            for connection in idleConnections.values.joined() { connection.close() }
            idleConnections = [:]
        }
    }

    private func schedule(every interval: @escaping (MonitorSettings) -> Int, _ round: @escaping () -> Void) {
        guard !stopped, let host else { return }
        let settings = host.monitorTopology().settings
        if settings.enabled { round() }
        loop.scheduleTask(in: .milliseconds(Int64(max(100, interval(settings))))) { [weak self] in
            guard let self, !self.stopped else { return }
            self.schedule(every: interval, round)
        }
    }

    private static var nowUs: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    /// Servers the monitor watches: runtime servers not OFFLINE_HARD, each host:port once.
    private func endpoints(_ topology: MonitorTopology, onlyHostgroups: Set<Int>? = nil) -> [Endpoint] {
        var seen = Set<Endpoint>()
        return topology.servers.compactMap { row in
            guard row.status != .offlineHard, onlyHostgroups.map({ $0.contains(row.hostgroupID) }) ?? true else { return nil }
            let endpoint = Endpoint(host: row.hostname, port: row.port)
            return seen.insert(endpoint).inserted ? endpoint : nil
        }
    }

    // MARK: Connect check

    private func connectRound() {
        guard let host else { return }
        let topology = host.monitorTopology()
        host.purgeMonitorLogs(olderThan: Self.nowUs - Int64(topology.settings.historyMs) * 1000)
        connectCheck(endpoints(topology), topology)
    }

    /// The servers not connect-checked yet with the current monitor credentials.
    private func connectNewcomers() {
        guard let host else { return }
        let topology = host.monitorTopology()
        let credentials = topology.settings.username + "\u{0}" + topology.settings.password
        if credentials != connectCheckedCredentials {
            connectChecked = []
            connectCheckedCredentials = credentials
        }
        let newcomers = endpoints(topology).filter { !connectChecked.contains($0) }
        if !newcomers.isEmpty { connectCheck(newcomers, topology) }
    }

    private func connectCheck(_ endpoints: [Endpoint], _ topology: MonitorTopology) {
        for endpoint in endpoints {
            connectChecked.insert(endpoint)
            let start = Self.nowUs
            MySQLClientConnection.connect(host: endpoint.host, port: endpoint.port, username: topology.settings.username,
                                          password: topology.settings.password, timeoutMs: topology.settings.connectTimeoutMs, on: loop)
                .whenComplete { [weak self] result in
                    switch result {
                    case .success(let connection):
                        connection.close()
                        self?.host?.recordMonitorLog(.connect(host: endpoint.host, port: endpoint.port, startUs: start,
                                                              successUs: Self.nowUs - start, error: nil))
                    case .failure(let error):
                        self?.host?.recordMonitorLog(.connect(host: endpoint.host, port: endpoint.port, startUs: start,
                                                              successUs: nil, error: "\(error)"))
                    }
                }
        }
    }

    // MARK: Ping check

    private func pingRound() {
        guard let host else { return }
        let topology = host.monitorTopology()
        for endpoint in endpoints(topology) {
            let start = Self.nowUs
            withConnection(to: endpoint, topology.settings) { connection in
                connection.ping(timeoutMs: topology.settings.pingTimeoutMs)
            }.whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success:
                    let latency = Self.nowUs - start
                    self.host?.recordMonitorLog(.ping(host: endpoint.host, port: endpoint.port, startUs: start,
                                                      successUs: latency, error: nil))
                    self.host?.serverLatency(host: endpoint.host, port: endpoint.port, microseconds: latency)
                    self.pingFailures[endpoint] = 0
                    self.setShunned(endpoint, false, for: .pings,
                                    reason: "\(endpoint.host):\(endpoint.port) answers pings again: ONLINE")
                case .failure(let error):
                    self.host?.recordMonitorLog(.ping(host: endpoint.host, port: endpoint.port, startUs: start,
                                                      successUs: nil, error: "\(error)"))
                    let failures = (self.pingFailures[endpoint] ?? 0) + 1
                    self.pingFailures[endpoint] = failures
                    if failures >= topology.settings.pingMaxFailures {
                        self.setShunned(endpoint, true, for: .pings,
                                        reason: "\(endpoint.host):\(endpoint.port) failed \(failures) pings: SHUNNED")
                    }
                }
            }
        }
    }

    /// Shuns a server (in every hostgroup) for `reason`, or takes that reason back; it is ONLINE again once
    /// no reason is left and no hostgroup entry is shunned for lag. Only statuses Junction set are undone:
    /// a server a user set SHUNNED stays so.
    func setShunned(_ endpoint: Endpoint, _ shun: Bool, for cause: ShunReason, reason: String) {
        guard let host else { return }
        var reasons = shunReasons[endpoint] ?? []
        if shun { guard reasons.insert(cause).inserted else { return } } else { guard reasons.remove(cause) != nil else { return } }
        shunReasons[endpoint] = reasons.isEmpty ? nil : reasons
        var servers = host.monitorTopology().servers
        var changed = false
        for index in servers.indices where servers[index].hostname == endpoint.host && servers[index].port == endpoint.port {
            if shun, servers[index].status == .online { servers[index].status = .shunned; changed = true }
            let lagKey = LagKey(hostgroup: servers[index].hostgroupID, endpoint: endpoint)
            if !shun, reasons.isEmpty, servers[index].status == .shunned, !shunnedForLag.contains(lagKey) {
                servers[index].status = .online
                changed = true
            }
        }
        guard changed else { return }
        logger.warning("monitor changes a server's status", metadata: ["reason": "\(reason)"])
        host.applyMonitorPlacement(servers, reason: reason)
        // sessions-and-pooling.md §8: a server shunned for failed pings loses all its connections.
        if shun, cause == .pings { host.closeConnections(host: endpoint.host, port: endpoint.port) }
    }

    // MARK: Replication lag

    /// `SHOW SLAVE STATUS` on every server that has `max_replication_lag` > 0 in some hostgroup; an entry
    /// whose lag exceeds it for `mysql-monitor_replication_lag_count` checks is SHUNNED, and set ONLINE again
    /// once the lag is back under (monitor.md §2.4).
    private func replicationLagRound() {
        guard let host else { return }
        let topology = host.monitorTopology()
        let settings = topology.settings
        let entries = topology.servers.filter { $0.maxReplicationLag > 0 && $0.status != .offlineHard }
        let watched = Set(entries.map { Endpoint(host: $0.hostname, port: $0.port) })
        for endpoint in watched {
            let start = Self.nowUs
            let statement = usesReplicaStatus.contains(endpoint) ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS"
            withConnection(to: endpoint, settings) { connection in
                connection.query(statement, timeoutMs: settings.replicationLagTimeoutMs)
            }.whenComplete { [weak self] result in
                guard let self else { return }
                switch result {
                case .success(let status):
                    // Not a replica: no lag to judge. Stopped replication: the configured stand-in.
                    guard !status.rows.isEmpty else { return }
                    let seconds = status.first("Seconds_Behind_Master") ?? status.first("Seconds_Behind_Source")
                    let lag = seconds.flatMap { Int($0) } ?? settings.slaveLagWhenNull
                    self.host?.recordMonitorLog(.replicationLag(host: endpoint.host, port: endpoint.port, startUs: start,
                                                                successUs: Self.nowUs - start, lagSeconds: lag, error: nil))
                    self.judgeLag(endpoint, lag: lag)
                case .failure(MySQLClientError.server(let err)) where err.errorCode == 1064 && statement == "SHOW SLAVE STATUS":
                    // MySQL 8.4 knows only SHOW REPLICA STATUS; the next round asks that way.
                    self.usesReplicaStatus.insert(endpoint)
                case .failure(let error):
                    self.host?.recordMonitorLog(.replicationLag(host: endpoint.host, port: endpoint.port, startUs: start,
                                                                successUs: nil, lagSeconds: nil, error: "\(error)"))
                }
            }
        }
    }

    private func judgeLag(_ endpoint: Endpoint, lag: Int) {
        guard let host else { return }
        let topology = host.monitorTopology()
        var servers = topology.servers
        var reasons: [String] = []
        for index in servers.indices where servers[index].hostname == endpoint.host && servers[index].port == endpoint.port
            && servers[index].maxReplicationLag > 0 {
            let key = LagKey(hostgroup: servers[index].hostgroupID, endpoint: endpoint)
            if lag > servers[index].maxReplicationLag {
                let strikes = (lagStrikes[key] ?? 0) + 1
                lagStrikes[key] = strikes
                if strikes >= topology.settings.replicationLagCount, servers[index].status == .online {
                    servers[index].status = .shunned
                    shunnedForLag.insert(key)
                    reasons.append("\(endpoint.host):\(endpoint.port) in hostgroup \(key.hostgroup) lags \(lag)s > \(servers[index].maxReplicationLag)s: SHUNNED")
                }
            } else {
                lagStrikes[key] = 0
                if shunnedForLag.remove(key) != nil, servers[index].status == .shunned, shunReasons[endpoint] == nil {
                    servers[index].status = .online
                    reasons.append("\(endpoint.host):\(endpoint.port) in hostgroup \(key.hostgroup) caught up (\(lag)s): ONLINE")
                }
            }
        }
        guard !reasons.isEmpty else { return }
        let reason = reasons.joined(separator: "; ")
        logger.warning("monitor changes a server's status", metadata: ["reason": "\(reason)"])
        host.applyMonitorPlacement(servers, reason: reason)
    }

    // MARK: read_only check and placement

    private func readOnlyRound() {
        guard let host, !readOnlyRoundRunning else { return }
        let topology = host.monitorTopology()
        guard !topology.replicationHostgroups.isEmpty else { return }
        var checkTypes: [Int: String] = [:]
        for pair in topology.replicationHostgroups {
            checkTypes[pair.writerHostgroup] = pair.checkType
            checkTypes[pair.readerHostgroup] = pair.checkType
        }
        let watched = endpoints(topology, onlyHostgroups: Set(checkTypes.keys))
        guard !watched.isEmpty else { return }
        readOnlyRoundRunning = true
        let settings = topology.settings
        let checks = watched.map { endpoint -> EventLoopFuture<(Endpoint, Bool?)> in
            let hostgroup = topology.servers.first { $0.hostname == endpoint.host && $0.port == endpoint.port && checkTypes[$0.hostgroupID] != nil }
            let query = ReadOnlyPlacement.query(checkType: hostgroup.flatMap { checkTypes[$0.hostgroupID] } ?? "read_only")
            let start = Self.nowUs
            return withConnection(to: endpoint, settings) { connection in
                connection.query(query, timeoutMs: settings.readOnlyTimeoutMs)
            }.map { [weak self] result -> (Endpoint, Bool?) in
                let value = result.first("read_only").flatMap { Int($0) }
                self?.host?.recordMonitorLog(.readOnly(host: endpoint.host, port: endpoint.port, startUs: start,
                                                       successUs: Self.nowUs - start, readOnly: value, error: nil))
                return (endpoint, value.map { $0 != 0 })
            }.flatMapErrorThrowing { [weak self] error -> (Endpoint, Bool?) in
                self?.host?.recordMonitorLog(.readOnly(host: endpoint.host, port: endpoint.port, startUs: start,
                                                       successUs: nil, readOnly: nil, error: "\(error)"))
                return (endpoint, nil)
            }
        }
        EventLoopFuture.whenAllComplete(checks, on: loop).whenComplete { [weak self] outcome in
            guard let self else { return }
            self.readOnlyRoundRunning = false
            guard case .success(let results) = outcome else { return }
            var readOnly: [Endpoint: Bool] = [:]
            for case .success(let (endpoint, value)) in results {
                if let value {
                    readOnly[endpoint] = value
                    self.readOnlyFailures[endpoint] = 0
                } else {
                    let failures = (self.readOnlyFailures[endpoint] ?? 0) + 1
                    self.readOnlyFailures[endpoint] = failures
                    if failures >= settings.readOnlyMaxTimeoutCount {
                        // monitor.md §2.3: after N missed checks the server is assumed read_only=1.
                        readOnly[endpoint] = true
                        if failures == settings.readOnlyMaxTimeoutCount {
                            self.logger.warning("server missed read_only checks: assuming read_only=1",
                                                metadata: ["server": "\(endpoint.host):\(endpoint.port)", "checks": "\(failures)"])
                        }
                    }
                }
            }
            self.place(readOnly)
        }
    }

    private func place(_ readOnly: [Endpoint: Bool]) {
        guard let host, !readOnly.isEmpty else { return }
        let topology = host.monitorTopology()
        let placed = ReadOnlyPlacement.place(servers: topology.servers, pairs: topology.replicationHostgroups,
                                             readOnly: readOnly, writerIsAlsoReader: topology.settings.writerIsAlsoReader)
        let current = topology.servers.sorted { ($0.hostgroupID, $0.hostname, $0.port) < ($1.hostgroupID, $1.hostname, $1.port) }
        guard placed != current else { return }
        let summary = readOnly.map { "\($0.key.host):\($0.key.port) read_only=\($0.value ? 1 : 0)" }.sorted().joined(separator: ", ")
        logger.notice("monitor moves servers between writer and reader hostgroups", metadata: ["read_only": "\(summary)"])
        host.applyMonitorPlacement(placed, reason: summary)
    }

    // MARK: Monitor connections

    /// Runs `command` on a connection to `endpoint` that nothing else uses meanwhile: an idle one, or a new one. After
    /// a success the connection goes back idle; after a failure (timeout, error, lost connection) it is closed.
    private func withConnection<Result>(to endpoint: Endpoint, _ settings: MonitorSettings,
                                        _ command: @escaping (MySQLClientConnection) -> EventLoopFuture<Result>) -> EventLoopFuture<Result> {
        var idle = (idleConnections[endpoint] ?? []).filter(\.isOpen)
        let reused = idle.popLast()
        idleConnections[endpoint] = idle
        let acquired = reused.map { loop.makeSucceededFuture($0) }
            ?? MySQLClientConnection.connect(host: endpoint.host, port: endpoint.port, username: settings.username,
                                             password: settings.password, timeoutMs: settings.connectTimeoutMs, on: loop)
        return acquired.flatMap { [weak self] connection in
            command(connection).map { result in
                self?.giveBack(connection, to: endpoint)
                return result
            }.flatMapErrorThrowing { error in
                connection.close()
                throw error
            }
        }
    }

    private func giveBack(_ connection: MySQLClientConnection, to endpoint: Endpoint) {
        guard !stopped, connection.isOpen, (idleConnections[endpoint]?.count ?? 0) < Self.idlePerServer else {
            connection.close()
            return
        }
        idleConnections[endpoint, default: []].append(connection)
    }
}
