import Foundation
import Logging
import MySQLProtocol
import NIOCore

/// Everything one event loop owns: its copy of the runtime snapshot and its backend connection pool.
/// Only that loop touches it, so nothing here takes a lock.
final class LoopContext {
    let loop: EventLoop
    let store: ProxyConfigStore
    let logger: Logger
    /// How many loops share the servers' `max_connections`; each loop may open its share.
    let loopCount: Int
    private(set) var snapshot: ProxySnapshot
    private var generation: UInt64
    /// Idle pooled connections (see LoopContext+PoolHealth for their checks).
    var idle: [PoolKey: [BackendConnection]] = [:]
    private var openPerServer: [ServerEndpoint: Int] = [:]
    /// Open and idle connections per server of a hostgroup (for `MaxConnUsed` and the pool statistics).
    var serverCounts = CounterTable<ServerKey, ServerConnectionCounts>()
    /// Servers to avoid until the given time (monotonic nanoseconds); see `markUnreachable`.
    private var unreachableUntil: [ServerEndpoint: UInt64] = [:]
    var questions = 0
    /// Hits per rule of `snapshot.queryRules` (same order), since that rule set was loaded.
    var ruleHits: [Int] = []
    /// Digest statistics and other counters of this loop.
    let statistics = LoopStatistics()
    /// Mirrored queries running, dropped for the concurrency limit, and failed.
    var mirrorsInFlight = 0
    var mirrorsDropped = 0
    var mirrorsFailed = 0
    /// Position among the loops (the processlist's ThreadID).
    var index = 0
    /// Every loop's context, this one included (set once at start-up): KILL finds a session on any loop.
    var peers: [LoopContext] = []
    /// The client sessions on this loop, for the processlist and the pool statistics. Held strongly from
    /// `channelActive` to `channelInactive`: a weak reference would move every session's reference count
    /// to a side table, and each of its many retains and releases per query onto the slow path.
    private(set) var sessions: [UInt32: ClientSession] = [:]
    /// The pool's once-a-second health round (idle pings).
    var maintenance: RepeatedTask?
    /// Requests waiting for room on a server of their hostgroup, oldest first (LoopContext+Waiting).
    var waiters = CircularBuffer<ConnectionWaiter>()
    /// Logins under way per server, and how many a loop runs at once while it has connections in use there.
    var connectsInFlight: [ServerKey: Int] = [:]
    static let maxConnectsInFlight = 4
    var waiterSweep: RepeatedTask?
    /// Hold and login times, to decide between waiting for a connection in use and opening one.
    var patience = ConnectPatience()
    var nextWaiterID: UInt64 = 0
    private var random = SplitMix64(seed: UInt64.random(in: 1...UInt64.max))

    init(loop: EventLoop, store: ProxyConfigStore, loopCount: Int, logger: Logger) {
        self.loop = loop
        self.store = store
        self.loopCount = loopCount
        self.logger = logger
        self.snapshot = store.current
        self.generation = store.generation
        ruleHits = Array(repeating: 0, count: snapshot.queryRules.rules.count)
    }

    /// Picks up a newly published snapshot; called before each client command.
    @inline(__always)
    func refreshSnapshot() {
        let g = store.generation
        guard g != generation else { return }
        let previous = snapshot
        snapshot = store.current
        generation = g
        if snapshot.queryRules !== previous.queryRules { ruleHits = Array(repeating: 0, count: snapshot.queryRules.rules.count) }
        if snapshot.hostgroups != previous.hostgroups {
            enforceServerStatuses()
            retryWaiters()
        }
    }

    struct Request {
        var hostgroup: Int
        var user: ProxyUser
        var clientCapabilities: CapabilityFlags
        var collation: UInt8
        var schema: String?
        /// A particular server of the hostgroup (KILL QUERY must reach the server running the query).
        var endpoint: ServerEndpoint? = nil
    }

    /// A backend connection for `request`: an idle pooled one if the chosen server has one, else a new one.
    /// Connect failures are retried (`connect_retries_on_failure`, `connect_retries_delay`) until
    /// `connect_timeout_server_max`, then fail with ERR 9001.
    func acquire(_ request: Request) -> EventLoopFuture<BackendConnection> {
        let started = NIODeadline.now()
        let promise = loop.makePromise(of: BackendConnection.self)
        attempt(request, number: 0, started: started, promise: promise)
        return promise.futureResult
    }

    /// Carries out `ConnectionAcquisition`'s decisions for one request: gathers the facts, then hands out,
    /// checks, waits or connects.
    /// - Parameter patient: whether the request may wait for a connection in use to come back rather than
    ///   open one (`ConnectPatience`); false once it has waited that long.
    func attempt(_ request: Request, number: Int, started: NIODeadline, promise: EventLoopPromise<BackendConnection>,
                 patient: Bool = true) {
        let settings = snapshot.settings
        let elapsedMs = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
        var servers = snapshot.hostgroups[request.hostgroup] ?? []
        if let endpoint = request.endpoint { servers = servers.filter { $0.endpoint == endpoint } }
        let server = chooseServer(servers, request)
        var facts = ConnectionAcquisition.Facts(
            serverChosen: server != nil, hostgroupHasServers: !servers.isEmpty, elapsedMs: elapsedMs,
            connectTimeoutServerMs: settings.connectTimeoutServerMs, connectTimeoutServerMaxMs: settings.connectTimeoutServerMaxMs,
            connectsInFlight: 0, maxConnectsInFlight: Self.maxConnectsInFlight)
        var idleConnection: BackendConnection?
        if let server {
            idleConnection = takeIdle(key(server, request))
            if let conn = idleConnection {
                facts.idle = needsCheckBeforeReuse(conn) ? .stale : .ready
            } else {
                let serverKey = ServerKey(hostgroup: server.hostgroup, endpoint: server.endpoint)
                if patient, request.endpoint == nil {
                    facts.patienceNs = patience.waitNs(inUse: inUse(serverKey), queued: waiters.count)
                }
                facts.connectsInFlight = connectsInFlight[serverKey] ?? 0
            }
        }
        let waiter = { ConnectionWaiter(request: request, number: number, started: started, promise: promise) }
        switch ConnectionAcquisition.next(facts) {
        case .waitForRoom, .waitForConnects:
            // Every server is full or not ONLINE, or enough logins are under way: wait for a connection to come
            // back, a login to end, or the servers to change — not a timer per waiter, which thousands of clients
            // turn into a storm.
            wait(waiter())
        case .fail(let elapsedMs):
            statistics.getConnFailure += 1
            promise.fail(ProxyError.noBackend(hostgroup: request.hostgroup, elapsedMs: elapsedMs))
        case .handOut:
            handOut(idleConnection!, promise)
        case .checkThenHandOut:
            checkThenHandOut(idleConnection!, request, number: number, started: started, promise: promise)
        case .waitPatiently(let ns):
            waitPatiently(waiter(), forNs: ns)
        case .connect(let timeoutMs):
            connect(server!, request, timeoutMs: timeoutMs, number: number, started: started, promise: promise)
        }
    }

    /// A connection idle a while: a firewall or the server may have dropped it without a word. A ping tells; a
    /// dead one is closed and the request tried again, before the client's query is sent.
    private func checkThenHandOut(_ conn: BackendConnection, _ request: Request, number: Int, started: NIODeadline,
                                  promise: EventLoopPromise<BackendConnection>) {
        conn.isAlive(timeoutMs: snapshot.settings.pingTimeoutServerMs).whenComplete { alive in
            if case .success(true) = alive {
                self.handOut(conn, promise)
            } else {
                self.logger.info("pooled connection found dead before reuse", metadata: ["backend": "\(conn.key.endpoint)"])
                conn.close()
                self.attempt(request, number: number, started: started, promise: promise)
            }
        }
    }

    private func connect(_ server: BackendServer, _ request: Request, timeoutMs: Int, number: Int, started: NIODeadline,
                         promise: EventLoopPromise<BackendConnection>) {
        let serverKey = ServerKey(hostgroup: server.hostgroup, endpoint: server.endpoint)
        openPerServer[server.endpoint, default: 0] += 1
        connectsInFlight[serverKey, default: 0] += 1
        let connectStarted = NIODeadline.now().uptimeNanoseconds
        BackendConnection.connect(key: key(server, request), server: server, user: request.user, schema: request.schema,
                                  clientCapabilities: request.clientCapabilities, on: loop, timeoutMs: timeoutMs, logger: logger)
            .whenComplete { result in
                self.connectsInFlight[serverKey, default: 1] -= 1
                defer { self.roomMade(in: server.hostgroup) }
                switch result {
                case .success(let conn):
                    conn.checkedOutAt = NIODeadline.now().uptimeNanoseconds
                    self.patience.connected(inNs: conn.checkedOutAt &- connectStarted)
                    self.serverCounts[serverKey, default: ServerConnectionCounts()].open += 1
                    conn.channel?.closeFuture.whenComplete { _ in
                        self.openPerServer[server.endpoint, default: 1] -= 1
                        self.serverCounts[serverKey, default: ServerConnectionCounts()].open -= 1
                        self.roomMade(in: server.hostgroup)
                    }
                    self.statistics.servers[serverKey, default: ServerCounters()].connectionsOK += 1
                    self.statistics.global[.serverConnectionsCreated] += 1
                    self.statistics.getConnSuccess += 1
                    self.noteInUse(conn)
                    promise.succeed(conn)
                case .failure(let error):
                    self.openPerServer[server.endpoint, default: 1] -= 1
                    self.statistics.servers[serverKey, default: ServerCounters()].connectionsFailed += 1
                    self.statistics.global[.serverConnectionsAborted] += 1
                    self.connectFailed(server, error, request, number: number, started: started, promise: promise)
                }
            }
    }

    private func connectFailed(_ server: BackendServer, _ error: Error, _ request: Request, number: Int, started: NIODeadline,
                               promise: EventLoopPromise<BackendConnection>) {
        let settings = snapshot.settings
        let failure: ConnectionAcquisition.ConnectFailure
        switch error {
        case BackendError.authenticationFailed: failure = .refusedByServer
        case BackendError.unsupportedAuth: failure = .unsupportedAuthentication
        default: failure = .unreachable
        }
        if failure == .unreachable {
            logger.info("backend connect failed", metadata: ["backend": "\(server.endpoint)", "error": "\(error)"])
            markUnreachable(server.endpoint)
            store.reportConnectFailure(server.endpoint)
        }
        let elapsedMs = Int((NIODeadline.now() - started).nanoseconds / 1_000_000)
        switch ConnectionAcquisition.afterConnectFailure(failure, attempt: number, elapsedMs: elapsedMs,
                                                         retriesOnFailure: settings.connectRetriesOnFailure,
                                                         connectTimeoutServerMaxMs: settings.connectTimeoutServerMaxMs,
                                                         retryDelayMs: settings.connectRetriesDelayMs) {
        case .failWithServerError:
            if case BackendError.authenticationFailed(let err) = error {
                promise.fail(ProxyError.backendRefused(err))
            } else {
                promise.fail(error)
            }
        case .retry(let delayMs):
            loop.scheduleTask(in: .milliseconds(Int64(delayMs))) {
                self.attempt(request, number: number + 1, started: started, promise: promise)
            }
        case .fail(let elapsedMs):
            statistics.getConnFailure += 1
            promise.fail(ProxyError.noBackend(hostgroup: request.hostgroup, elapsedMs: elapsedMs))
        }
    }

    /// A server of the hostgroup by weight, among those with room for a connection (or an idle one);
    /// one just found unreachable only when no other has room.
    private func chooseServer(_ servers: [BackendServer], _ request: Request) -> BackendServer? {
        let hasRoom = { (server: BackendServer) in
            (self.openPerServer[server.endpoint] ?? 0) < self.share(of: server.maxConnections)
                || !(self.idle[self.key(server, request)]?.isEmpty ?? true)
        }
        if !unreachableUntil.isEmpty {
            let now = NIODeadline.now().uptimeNanoseconds
            unreachableUntil = unreachableUntil.filter { $0.value > now }
            if let server = ServerSelector.choose(from: servers, isUsable: { hasRoom($0) && self.unreachableUntil[$0.endpoint] == nil },
                                                  random: { Int.random(in: $0, using: &self.random) }) {
                return server
            }
        }
        return ServerSelector.choose(from: servers, isUsable: hasRoom, random: { Int.random(in: $0, using: &self.random) })
    }

    /// A pooled connection that can be used right away (the chosen server has one, used recently), or nil:
    /// then `acquire` does the rest (checking an older one, connecting, waiting). Saves the future on the
    /// common path.
    func acquireIfReady(_ request: Request) -> BackendConnection? {
        guard request.endpoint == nil, let servers = snapshot.hostgroups[request.hostgroup],
              let server = chooseServer(servers, request) else { return nil }
        let key = key(server, request)
        let now = NIODeadline.now().uptimeNanoseconds
        // Taken in place (one lookup), put back in the rare case it cannot be used right away.
        guard let conn = idle[key]?.popLast() else { return nil }
        guard conn.isIdle, !needsCheckBeforeReuse(conn, now: now), !isTooOld(conn) else {
            idle[key]!.append(conn)
            return nil
        }
        serverCounts[slot: countsSlot(conn)].idle -= 1
        checkOut(conn, now: now)
        return conn
    }

    /// Returns a connection to the pool, or closes it when it cannot be reused.
    func release(_ conn: BackendConnection) {
        let now = NIODeadline.now().uptimeNanoseconds
        if conn.checkedOutAt != 0 { patience.connectionReturned(afterNs: now &- conn.checkedOutAt) }
        conn.idleSince = now
        conn.checkedAt = now
        putIdle(conn)
    }

    /// Puts a connection in the idle lists, unless it is broken, too old, its server is not ONLINE, or the
    /// pool for that server is full (`mysql-free_connections_pct`).
    func putIdle(_ conn: BackendConnection) {
        guard conn.isIdle, !isTooOld(conn),
              let server = snapshot.server(conn.server.endpoint, in: conn.server.hostgroup), server.status == .online else {
            statistics.global[.poolDestroy] += 1
            conn.close()
            return
        }
        if handToWaiter(conn) { return }
        statistics.global[.poolPush] += 1
        // Kept even above `mysql-free_connections_pct`: closing it now would open a new one at the next burst.
        // The once-a-second round trims the pool back (LoopContext+PoolHealth).
        idle[conn.key, default: []].append(conn) // in place: no copy of the list
        serverCounts[slot: countsSlot(conn)].idle += 1
    }

    /// A server that refused a connection or vanished under a query: for a second, new work goes to the
    /// other servers of its hostgroups (the monitor shuns it if it stays away), and its idle pooled
    /// connections, dead too, are dropped.
    func markUnreachable(_ endpoint: ServerEndpoint) {
        unreachableUntil[endpoint] = NIODeadline.now().uptimeNanoseconds + 1_000_000_000
        for (key, list) in idle where key.endpoint == endpoint {
            for conn in list {
                serverCounts[slot: countsSlot(conn)].idle -= 1
                conn.close()
            }
            idle[key] = nil
        }
    }

    func register(_ session: ClientSession) {
        sessions[session.connectionID] = session
    }

    func unregister(_ session: ClientSession) {
        sessions[session.connectionID] = nil
    }

    /// Connections in use and idle per server, server statuses, the processlist and open transactions.
    func describeConnections(into stats: inout ProxyStatistics) {
        for (hostgroup, servers) in snapshot.hostgroups {
            for server in servers {
                let key = ServerKey(hostgroup: hostgroup, endpoint: server.endpoint)
                stats.serverStatus[key] = server.status.rawValue
                stats.serverConnections[key] = stats.serverConnections[key] ?? (used: 0, free: 0)
            }
        }
        let now = NIODeadline.now().uptimeNanoseconds
        for list in idle.values {
            for conn in list {
                let key = ServerKey(hostgroup: conn.server.hostgroup, endpoint: conn.server.endpoint)
                stats.serverConnections[key, default: (used: 0, free: 0)].free += 1
                stats.freeConnections.append(FreeConnectionInfo(
                    threadID: conn.threadID, hostgroup: conn.server.hostgroup, endpoint: conn.server.endpoint,
                    user: conn.key.username, schema: conn.settings.schema,
                    timeZone: Self.value(conn.settings.settings["time_zone"]?.replay),
                    sqlMode: Self.value(conn.settings.settings["sql_mode"]?.replay),
                    autocommit: conn.settings.autocommitOff ? "OFF" : "ON", idleMs: Int((now &- conn.idleSince) / 1_000_000),
                    ageMs: Int((now &- conn.createdAt.uptimeNanoseconds) / 1_000_000), serverVersion: conn.serverVersion))
            }
        }
        for session in sessions.values {
            if let conn = session.backend {
                let key = ServerKey(hostgroup: conn.server.hostgroup, endpoint: conn.server.endpoint)
                stats.serverConnections[key, default: (used: 0, free: 0)].used += 1
            }
            if session.inTransaction { stats.activeTransactions += 1 }
            stats.processes.append(session.processInfo(threadID: index, now: now))
        }
    }

    /// `time_zone='+05:00'` → `+05:00`.
    static func value(_ replay: String?) -> String? {
        guard let replay, let equals = replay.firstIndex(of: "=") else { return replay }
        let value = replay[replay.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first else { return value }
        return String(value.dropFirst().dropLast())
    }

    /// Idle connections in this loop's pool, per server (for stats and tests).
    var idleCount: Int { idle.values.reduce(0) { $0 + $1.count } }

    /// Closes every pooled connection (shutdown).
    func closeIdle() {
        maintenance?.cancel()
        maintenance = nil
        for list in idle.values { for conn in list { conn.quit() } }
        idle = [:]
        for slot in serverCounts.values.indices { serverCounts[slot: slot].idle = 0 }
    }

    /// A pooled connection goes to a request (from the idle list or straight back from another session):
    /// counted as an immediate hand-out, its hold time starts (`ConnectPatience`), `MaxConnUsed` is kept.
    func checkOut(_ conn: BackendConnection, now: UInt64 = NIODeadline.now().uptimeNanoseconds) {
        conn.checkedOutAt = now
        statistics.getConnImmediate += 1
        noteInUse(conn)
    }

    /// Keeps `MaxConnUsed`: the most connections to a server in use at once (open minus idle).
    func noteInUse(_ conn: BackendConnection) {
        let inUse = serverCounts[slot: countsSlot(conn)].inUse
        let slot = statistics.servers.slot(for: conn.serverKey, memo: &conn.serverStatsMemo) { ServerCounters() }
        statistics.servers[slot: slot].noteInUse(inUse)
    }

    /// Connections to a server of a hostgroup out of this loop's pool: open minus idle.
    func inUse(_ key: ServerKey) -> Int {
        serverCounts[key]?.inUse ?? 0
    }

    /// The connection's place in `serverCounts`, remembered by the connection.
    func countsSlot(_ conn: BackendConnection) -> Int {
        serverCounts.slot(for: conn.serverKey, memo: &conn.poolCountsMemo) { ServerConnectionCounts() }
    }

    private func key(_ server: BackendServer, _ request: Request) -> PoolKey {
        PoolKey(hostgroup: server.hostgroup, endpoint: server.endpoint, username: request.user.username, capabilities: request.clientCapabilities,
                collation: request.collation)
    }

    func share(of maxConnections: Int) -> Int {
        max(1, (maxConnections + loopCount - 1) / loopCount)
    }

    func isTooOld(_ conn: BackendConnection) -> Bool {
        let maxAge = snapshot.settings.connectionMaxAgeMs
        guard maxAge > 0 else { return false }
        return NIODeadline.now() - conn.createdAt > .milliseconds(Int64(maxAge))
    }
}

/// One loop's connections to one server of one hostgroup.
struct ServerConnectionCounts {
    var open = 0
    var idle = 0
    var inUse: Int { open - idle }
}
