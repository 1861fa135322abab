import Foundation
import Logging
import MySQLClient
import NIOCore

/// Polls every peer of the runtime `proxysql_servers` on its admin port (cluster.md §3): one connection per peer,
/// `SELECT GLOBAL_CHECKSUM()` every `admin-cluster_check_interval_ms`, the peer's `runtime_checksums_values` when it
/// changed, its `stats_mysql_global` every `admin-cluster_check_status_frequency` polls; what it learns goes to the
/// host's stats tables. A peer that is down or refuses the credentials is retried with a growing pause (up to 5 s), and logged
/// once per condition, not per poll.
///
/// Runs on the admin's event loop, off the query path; an admin client never waits for it.
public final class ClusterService {
    let loop: EventLoop
    private(set) weak var host: ClusterHost?
    let logger: Logger
    private var links: [PeerAddress: PeerLink] = [:]
    private var stopped = false
    /// Modules being fetched from a peer: one fetch per module at a time.
    private var syncing: Set<String> = []
    /// Per module, the peer and checksum whose fetch did not apply (it did not hash to what was advertised).
    private var rejected: [String: String] = [:]
    static let timeoutMs = 1_000

    /// One peer's connection and what the last polls found.
    final class PeerLink {
        var connection: MySQLClientConnection?
        var busy = false
        var polls = 0
        var lastGlobalChecksum: String?
        var modules: [String: PeerModuleState] = [:]
        var retryAt: NIODeadline = .uptimeNanoseconds(0)
        var backoffMs = 0
        /// The condition last logged (an error's text), so that a peer down for an hour is one log line.
        var loggedCondition: String?
    }

    public init(loop: EventLoop, host: ClusterHost, logger: Logger) {
        self.loop = loop
        self.host = host
        self.logger = logger
    }

    public func start() {
        loop.execute { [self] in tick() }
    }

    @discardableResult
    public func stop() -> EventLoopFuture<Void> {
        loop.submit { [self] in
            stopped = true
            for link in links.values { link.connection?.close() }
            links = [:]
        }
    }

    private func tick() {
        guard !stopped, let host else { return }
        let settings = host.clusterSettings()
        let wanted = Set(settings.peers.map(\.address))
        for (address, link) in links where !wanted.contains(address) {
            link.connection?.close()
            links[address] = nil
        }
        host.forgetPeers(except: settings.isActive ? wanted : [])
        if settings.isActive {
            for peer in settings.peers {
                let link = links[peer.address] ?? PeerLink()
                links[peer.address] = link
                if !link.busy, NIODeadline.now() >= link.retryAt { poll(peer, link, settings) }
            }
        } else {
            for link in links.values { link.connection?.close() }
            links = [:]
        }
        loop.scheduleTask(in: .milliseconds(Int64(max(10, settings.checkIntervalMs)))) { [weak self] in self?.tick() }
    }

    private func poll(_ peer: ClusterSettings.Peer, _ link: PeerLink, _ settings: ClusterSettings) {
        link.busy = true
        let started = NIODeadline.now()
        connected(peer, link, settings).flatMap { connection in
            connection.query("SELECT GLOBAL_CHECKSUM()", timeoutMs: Self.timeoutMs).flatMap { global in
                self.modulesIfChanged(global.rows.first?.first ?? nil, connection, link)
            }.flatMap { advertised in
                self.statusIfDue(connection, link, settings).map { (advertised, $0) }
            }
        }.whenComplete { [self] result in
            link.busy = false
            guard !stopped, let host else { return }
            switch result {
            case .success(let (advertised, status)):
                recovered(peer.address, link)
                let now = Int(Date().timeIntervalSince1970)
                let local = host.localModules()
                var modules: [String: PeerModuleState] = [:]
                let current = advertised ?? link.modules.mapValues {
                    PeerModuleState.Advertised(version: $0.version, epoch: $0.epoch, checksum: $0.checksum)
                }
                for (name, module) in current {
                    modules[name] = PeerModuleState.polled(link.modules[name], advertised: module,
                                                          localChecksum: local[name]?.checksum, now: now)
                }
                link.modules = modules
                host.recordPeerModules(peer.address, modules)
                considerSync(settings, local: local)
                if let status {
                    let elapsedMs = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
                    host.recordPeerMetrics(peer.address, PeerMetrics.from(globalStatus: status, peer: peer, responseTimeMs: elapsedMs,
                                                                          nowMs: Int(Date().timeIntervalSince1970 * 1000)))
                }
            case .failure(let error):
                failed(peer.address, link, error)
            }
        }
    }

    /// The link's connection, or a new one (logged in with the cluster credentials, introduced with our uuid).
    private func connected(_ peer: ClusterSettings.Peer, _ link: PeerLink, _ settings: ClusterSettings) -> EventLoopFuture<MySQLClientConnection> {
        if let connection = link.connection, connection.isOpen { return loop.makeSucceededFuture(connection) }
        link.connection = nil
        link.lastGlobalChecksum = nil
        return MySQLClientConnection.connect(host: peer.address.hostname, port: peer.address.port, username: settings.username,
                                             password: settings.password, timeoutMs: Self.timeoutMs, on: loop)
            .flatMap { connection in
                link.connection = connection
                let hello = "PROXYSQL CLUSTER_NODE_UUID \(settings.nodeUUID) \(settings.adminInterfaces)"
                return connection.query(hello, timeoutMs: Self.timeoutMs).map { _ in connection }
            }
    }

    /// The peer's modules when its global checksum changed since the last poll; nil when it did not.
    private func modulesIfChanged(_ global: String?, _ connection: MySQLClientConnection,
                                  _ link: PeerLink) -> EventLoopFuture<[String: PeerModuleState.Advertised]?> {
        if let global, global == link.lastGlobalChecksum, !link.modules.isEmpty { return loop.makeSucceededFuture(nil) }
        return connection.query("SELECT name, version, epoch, checksum FROM runtime_checksums_values ORDER BY name",
                                timeoutMs: Self.timeoutMs).flatMapThrowing { result in
            let modules = try PeerModuleState.advertised(from: result.rows)
            link.lastGlobalChecksum = global
            return modules
        }
    }

    private func statusIfDue(_ connection: MySQLClientConnection, _ link: PeerLink, _ settings: ClusterSettings) -> EventLoopFuture<[[String?]]?> {
        link.polls += 1
        // The first poll, then every checkStatusFrequency-th.
        guard settings.checkStatusFrequency > 0, (link.polls - 1) % settings.checkStatusFrequency == 0 else {
            return loop.makeSucceededFuture(nil)
        }
        return connection.query("SELECT * FROM stats_mysql_global ORDER BY Variable_Name", timeoutMs: Self.timeoutMs).map { $0.rows }
    }

    /// Takes each module a peer changed, when `ClusterSyncDecision` says so; logs conflicts and version-1 peers.
    private func considerSync(_ settings: ClusterSettings, local: [String: ClusterSyncDecision.Local]) {
        for module in settings.modules where !syncing.contains(module.name) {
            let peers = links.compactMapValues { $0.modules[module.name] }
            let mine = local[module.name] ?? ClusterSyncDecision.Local(version: 1, epoch: 0, checksum: "")
            switch ClusterSyncDecision.decide(local: mine, peers: peers, diffsBeforeSync: module.diffsBeforeSync) {
            case .none:
                break
            case .sync(let source, let expected):
                // What this peer advertised failed once already: not fetched again until it advertises something else.
                if rejected[module.name] == "\(source) \(expected.checksum)" { continue }
                guard let link = links[source], !link.busy, let connection = link.connection, connection.isOpen else { continue }
                sync(module, from: source, link, connection, expected: expected)
            case .conflict(let peer):
                logger.error("cluster conflict: a peer loaded a different configuration in the same second; nothing is synced",
                             metadata: ["module": "\(module.name)", "peer": "\(peer)"])
            case .peerNeverLoaded(let peer):
                logger.warning("cluster peer differs but never loaded this module since it started: not a source",
                               metadata: ["module": "\(module.name)", "peer": "\(peer)"])
            }
        }
    }

    private func sync(_ module: SyncModule, from source: PeerAddress, _ link: PeerLink, _ connection: MySQLClientConnection,
                      expected: PeerModuleState) {
        syncing.insert(module.name)
        link.busy = true
        let started = NIODeadline.now()
        var results: [MySQLTextResult] = []
        var chain = loop.makeSucceededVoidFuture()
        for sql in module.fetchQueries {
            chain = chain.flatMap { connection.query(sql, timeoutMs: Self.timeoutMs) }.map { results.append($0) }
        }
        chain.whenComplete { [self] result in
            link.busy = false
            syncing.remove(module.name)
            guard !stopped, let host else { return }
            do {
                try result.get()
                try host.applyModule(module, results: results.map { (columns: $0.columns, rows: $0.rows) }, from: source,
                                     expected: expected, runtimeServers: link.modules["mysql_servers"])
                let ms = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
                rejected[module.name] = nil
                logger.notice("cluster: module taken from a peer", metadata: [
                    "module": "\(module.name)", "peer": "\(source)", "checksum": "\(expected.checksum)",
                    "epoch": "\(expected.epoch)", "ms": "\(ms)"])
            } catch {
                rejected[module.name] = "\(source) \(expected.checksum)"
                logger.warning("cluster: module from a peer not applied", metadata: [
                    "module": "\(module.name)", "peer": "\(source)", "error": "\(error)"])
            }
        }
    }

    private func failed(_ peer: PeerAddress, _ link: PeerLink, _ error: Error) {
        link.connection?.close()
        link.connection = nil
        link.backoffMs = min(max(link.backoffMs * 2, 250), 5_000)
        link.retryAt = .now() + .milliseconds(Int64(link.backoffMs))
        let condition = "\(error)"
        if condition != link.loggedCondition {
            link.loggedCondition = condition
            logger.warning("cluster peer unreachable or refusing", metadata: ["peer": "\(peer)", "error": "\(condition)"])
        }
    }

    private func recovered(_ peer: PeerAddress, _ link: PeerLink) {
        link.backoffMs = 0
        if link.loggedCondition != nil {
            link.loggedCondition = nil
            logger.notice("cluster peer answering again", metadata: ["peer": "\(peer)"])
        }
    }
}

enum ClusterError: Error, CustomStringConvertible {
    case malformedAnswer(String)

    var description: String {
        switch self {
        case .malformedAnswer(let what): return "malformed answer: \(what)"
        }
    }
}
