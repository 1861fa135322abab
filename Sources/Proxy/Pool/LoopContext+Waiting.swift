import NIOCore

/// A request for a backend connection that found every server of its hostgroup full (max_connections)
/// or not ONLINE, waiting until `mysql-connect_timeout_server_max`.
struct ConnectionWaiter {
    var request: LoopContext.Request
    var number: Int
    var started: NIODeadline
    var promise: EventLoopPromise<BackendConnection>

    /// Whether `conn` can serve this request as it is.
    func accepts(_ conn: BackendConnection) -> Bool {
        // The key this request would pool under on the connection's server (PoolKey decides what matters).
        let wanted = PoolKey(hostgroup: request.hostgroup, endpoint: conn.key.endpoint, username: request.user.username,
                             capabilities: request.clientCapabilities, collation: request.collation)
        return wanted == conn.key && (request.endpoint == nil || request.endpoint == conn.key.endpoint)
    }
}

/// Waiting for a connection without polling: waiters are woken by the events that can make room — a connection
/// coming back (handed straight to the oldest waiter it suits), a connection closing, new servers or statuses —
/// and a sweep every 100 ms fails those past their deadline with ERR 9001.
extension LoopContext {
    func wait(_ waiter: ConnectionWaiter) {
        waiters.append(waiter)
        guard waiterSweep == nil else { return }
        waiterSweep = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] _ in
            self?.expireWaiters()
        }
    }

    /// A connection is going back to the pool: the oldest waiter it suits gets it instead.
    func handToWaiter(_ conn: BackendConnection) -> Bool {
        guard !waiters.isEmpty, let index = waiters.firstIndex(where: { $0.accepts(conn) }) else {
            // A waiter of the same hostgroup with other needs (user, capabilities): make room for its own.
            if waiters.contains(where: { $0.request.hostgroup == conn.key.hostgroup }) {
                conn.close()
                return true
            }
            return false
        }
        let waiter = takeWaiter(at: index)
        statistics.getConnImmediate += 1
        noteInUse(ServerKey(hostgroup: conn.server.hostgroup, endpoint: conn.server.endpoint))
        waiter.promise.succeed(conn)
        stopSweepIfIdle()
        return true
    }

    /// A connection of `hostgroup` closed: the oldest waiter of that hostgroup may open one now.
    func roomMade(in hostgroup: Int) {
        guard let index = waiters.firstIndex(where: { $0.request.hostgroup == hostgroup }) else { return }
        let waiter = takeWaiter(at: index)
        stopSweepIfIdle()
        attempt(waiter.request, number: waiter.number, started: waiter.started, promise: waiter.promise)
    }

    /// The servers changed (a LOAD, the monitor): every waiter tries again.
    func retryWaiters() {
        guard !waiters.isEmpty else { return }
        let pending = Array(waiters)
        waiters.removeAll()
        stopSweepIfIdle()
        for waiter in pending {
            attempt(waiter.request, number: waiter.number, started: waiter.started, promise: waiter.promise)
        }
    }

    private func expireWaiters() {
        let limitMs = snapshot.settings.connectTimeoutServerMaxMs
        let now = NIODeadline.now()
        var kept = CircularBuffer<ConnectionWaiter>(initialCapacity: waiters.count)
        for waiter in waiters {
            let elapsedMs = Int((now - waiter.started).nanoseconds / 1_000_000)
            if elapsedMs >= limitMs {
                statistics.getConnFailure += 1
                waiter.promise.fail(ProxyError.noBackend(hostgroup: waiter.request.hostgroup, elapsedMs: elapsedMs))
            } else {
                kept.append(waiter)
            }
        }
        waiters = kept
        stopSweepIfIdle()
    }

    /// The oldest waiter is the usual one: taken in O(1).
    private func takeWaiter(at index: CircularBuffer<ConnectionWaiter>.Index) -> ConnectionWaiter {
        index == waiters.startIndex ? waiters.removeFirst() : waiters.remove(at: index)
    }

    private func stopSweepIfIdle() {
        guard waiters.isEmpty else { return }
        waiterSweep?.cancel()
        waiterSweep = nil
    }
}
