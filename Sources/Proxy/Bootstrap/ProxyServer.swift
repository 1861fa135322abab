import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The client port: accepts connections and gives each a `ClientSession` on the event loop that
/// accepted it, with that loop's `LoopContext` (pool, snapshot).
public final class ProxyServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    private let store: ProxyConfigStore
    private let logger: Logger
    let contexts: LoopContexts
    private let connectionIDs = ConnectionIDGenerator()

    public init(group: MultiThreadedEventLoopGroup, store: ProxyConfigStore, logger: Logger) {
        self.group = group
        self.store = store
        self.logger = logger
        self.contexts = LoopContexts(group: group, store: store, logger: logger)
        let contexts = self.contexts
        for entry in contexts.all { entry.loop.execute { entry.value.startPoolMaintenance() } }
        // A new snapshot reaches every loop at once (not at its next client command), so connections to a
        // server set OFFLINE_HARD close now.
        store.observePublish {
            for entry in contexts.all { entry.loop.execute { entry.value.refreshSnapshot() } }
        }
        store.observeCloseRequests { endpoint in
            for entry in contexts.all { entry.loop.execute { entry.value.closeConnections(to: endpoint) } }
        }
    }

    /// Listens on `host:port`; the returned channel closes when the listener stops.
    public func bind(host: String, port: Int) -> EventLoopFuture<Channel> {
        ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { [logger] channel in
                // Out of file descriptors (or memory), accepting fails at once and would be retried in a busy
                // loop: pause accepting for a moment instead, and say why.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptBackoffHandler(shouldForwardIOErrorCaught: true, backoffProvider: { _ in .milliseconds(100) }))
                    try channel.pipeline.syncOperations.addHandler(AcceptErrorLogger(logger: logger))
                }
            }
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [contexts, logger, connectionIDs] channel in
                let id = connectionIDs.next()
                let loopContext = contexts.context(for: channel.eventLoop)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientSession(loopContext: loopContext, connectionID: id, logger: logger))
                }
            }
            .bind(host: host, port: port)
    }

    /// Asks the configured servers for their greeting, so that clients can be shown the backends'
    /// version (see `ProxyConfigStore.learnedServerVersion`). Completes when one answered or all failed.
    public func learnServerVersion() -> EventLoopFuture<String?> {
        let loop = group.any()
        let servers = store.current.hostgroups.values.flatMap { $0 }.map(\.endpoint)
        let unique = Array(Set(servers))
        guard !unique.isEmpty else { return loop.makeSucceededFuture(nil) }
        let promise = loop.makePromise(of: String?.self)
        // Every callback below runs on `loop`, so the flag needs no lock.
        final class Once: @unchecked Sendable { var done = false }
        let once = Once()
        let probes = unique.map { ServerGreetingProbe.version(of: $0, on: loop, timeoutMs: 2000) }
        for probe in probes {
            probe.whenSuccess { [store] version in
                store.learnedServerVersion.withLockedValue { if $0 == nil { $0 = version } }
                if !once.done { once.done = true; promise.succeed(version) }
            }
        }
        EventLoopFuture.whenAllComplete(probes, on: loop).whenComplete { _ in
            if !once.done { once.done = true; promise.succeed(nil) }
        }
        return promise.futureResult
    }

    /// Closes the idle pooled backend connections of every loop.
    public func closeIdleBackends() -> EventLoopFuture<Void> {
        let futures = contexts.all.map { context in context.loop.submit { context.value.closeIdle() } }
        return EventLoopFuture.andAllSucceed(futures, on: group.any())
    }

    /// Every loop's counters, merged. With `resetDigests` the loops' digest maps are emptied as they are read
    /// (`stats_mysql_query_digest_reset`, `SAVE MYSQL DIGEST TO DISK`).
    public func collectStatistics(resetDigests: Bool = false, resetConnectionPool: Bool = false,
                                  resetErrors: Bool = false) -> EventLoopFuture<ProxyStatistics> {
        let store = self.store
        let current = store.current.queryRules.rules.map(\.definition.ruleID)
        let futures = contexts.all.map { context in
            context.loop.submit { () -> ProxyStatistics in
                let loop = context.value
                loop.refreshSnapshot() // a loop without traffic since the last LOAD still counts for the old rules
                var part = ProxyStatistics()
                part.digests = loop.statistics.digests.dictionary
                if resetDigests { loop.statistics.digests.removeAll() }
                part.ruleHits = loop.ruleHits
                part.ruleIDs = loop.snapshot.queryRules.rules.map(\.definition.ruleID)
                part.questions = loop.questions
                part.backendConnectionsFree = loop.idleCount
                part.commands = loop.statistics.commands
                part.servers = loop.statistics.servers.dictionary
                part.errors = loop.statistics.errors
                part.slowQueries = loop.statistics.slowQueries
                part.getConnImmediate = loop.statistics.getConnImmediate
                part.getConnSuccess = loop.statistics.getConnSuccess + loop.statistics.getConnImmediate
                part.getConnFailure = loop.statistics.getConnFailure
                part.global = loop.statistics.global
                part.clientConnectionsNonIdle = loop.runningSessionCount
                loop.preparedStatementCounts(into: &part)
                if resetConnectionPool {
                    // Servers no longer configured leave the table; the others keep only their latency histogram.
                    let configured = Set(loop.snapshot.hostgroups.values.joined().map { ServerKey(hostgroup: $0.hostgroup, endpoint: $0.endpoint) })
                    loop.statistics.servers.retain(where: configured.contains, updating: \.afterPoolReset)
                }
                if resetErrors { loop.statistics.errors = [:] }
                loop.describeConnections(into: &part)
                return part
            }
        }
        return EventLoopFuture.reduce(into: ProxyStatistics(), futures, on: group.any()) { total, part in
            for (key, entry) in part.digests {
                if total.digests[key] == nil { total.digests[key] = entry } else { total.digests[key]!.merge(entry) }
            }
            // A loop that has not picked up the current rule set yet counts for an older one: left out.
            if part.ruleIDs == current {
                total.ruleHits = total.ruleHits.isEmpty ? part.ruleHits : zip(total.ruleHits, part.ruleHits).map(+)
            }
            total.questions += part.questions
            total.backendConnectionsFree += part.backendConnectionsFree
            total.commands.merge(part.commands) { var a = $0; a.merge($1); return a }
            total.servers.merge(part.servers) { var a = $0; a.merge($1); return a }
            total.errors.merge(part.errors) { var a = $0; a.merge($1); return a }
            total.serverConnections.merge(part.serverConnections) { (used: $0.used + $1.used, free: $0.free + $1.free) }
            total.serverStatus.merge(part.serverStatus) { first, _ in first }
            total.processes += part.processes
            total.freeConnections += part.freeConnections
            total.activeTransactions += part.activeTransactions
            total.slowQueries += part.slowQueries
            total.getConnImmediate += part.getConnImmediate
            total.getConnSuccess += part.getConnSuccess
            total.getConnFailure += part.getConnFailure
            total.global.add(part.global)
            total.clientConnectionsNonIdle += part.clientConnectionsNonIdle
            total.clientStatementsTotal += part.clientStatementsTotal
            total.clientStatementTexts.formUnion(part.clientStatementTexts)
            total.serverStatementsTotal += part.serverStatementsTotal
            total.serverStatementTexts.formUnion(part.serverStatementTexts)
        }.map { (stats: ProxyStatistics) -> ProxyStatistics in
            var stats = stats
            stats.ruleIDs = current
            if stats.ruleHits.count != current.count { stats.ruleHits = Array(repeating: 0, count: current.count) }
            stats.clientConnectionsConnected = store.openClientConnections
            stats.serversTableVersion = store.serversTableVersion
            stats.connectionsPerUser = store.connectionsPerUser.withLockedValue { $0 }
            return stats
        }
    }

    /// Idle pooled backend connections across loops (for tests and stats).
    public func idleBackendCount() -> EventLoopFuture<Int> {
        let futures = contexts.all.map { context in context.loop.submit { context.value.idleCount } }
        return EventLoopFuture.reduce(0, futures, on: group.any()) { $0 + $1 }
    }
}

/// Logs failures to accept client connections (at most once a second): without it, a full file
/// descriptor table shows only as clients that never get a greeting.
final class AcceptErrorLogger: ChannelInboundHandler {
    typealias InboundIn = Channel
    private let logger: Logger
    private var lastLogged: NIODeadline = .uptimeNanoseconds(0)

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let now = NIODeadline.now()
        guard now - lastLogged >= .seconds(1) else { return }
        lastLogged = now
        logger.warning("cannot accept client connections: \(error) (open files limit, mysql-max_connections?)")
    }
}

/// One `LoopContext` per event loop, created up front; each is used only on its own loop.
final class LoopContexts: @unchecked Sendable {
    struct Entry {
        let loop: EventLoop
        let value: LoopContext
    }
    let all: [Entry]
    private let byLoop: [ObjectIdentifier: LoopContext]

    init(group: MultiThreadedEventLoopGroup, store: ProxyConfigStore, logger: Logger) {
        var entries: [Entry] = []
        let loops = Array(group.makeIterator())
        for (index, loop) in loops.enumerated() {
            let context = LoopContext(loop: loop, store: store, loopCount: loops.count, logger: logger)
            context.index = index
            entries.append(Entry(loop: loop, value: context))
        }
        all = entries
        for entry in entries { entry.value.peers = entries.map(\.value) }
        byLoop = Dictionary(uniqueKeysWithValues: entries.map { (ObjectIdentifier($0.loop), $0.value) })
    }

    func context(for loop: EventLoop) -> LoopContext {
        byLoop[ObjectIdentifier(loop)]!
    }
}

/// Connection ids for the handshake and the processlist, unique in the process.
final class ConnectionIDGenerator: Sendable {
    private let counter = Atomic<UInt32>(1)
    func next() -> UInt32 { counter.add(1, ordering: .relaxed).oldValue }
}
