import NIOCore

/// A request for a backend connection that waits: every server of its hostgroup is full (max_connections)
/// or not ONLINE (until `mysql-connect_timeout_server_max`), or a connection in use is expected back sooner
/// than a new one would log in (patient: until `patienceTask` fires, then it opens one).
struct ConnectionWaiter {
    var request: LoopContext.Request
    var number: Int
    var started: NIODeadline
    var promise: EventLoopPromise<BackendConnection>
    var id: UInt64 = 0
    var patienceTask: Scheduled<Void>? = nil

    var isPatient: Bool { patienceTask != nil }

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
    /// Waits for a connection in use to come back; after `forNs` without one, opens a connection instead.
    func waitPatiently(_ waiter: ConnectionWaiter, forNs patienceNs: UInt64) {
        var waiter = waiter
        nextWaiterID &+= 1
        let id = nextWaiterID
        waiter.id = id
        waiter.patienceTask = loop.scheduleTask(in: .nanoseconds(Int64(patienceNs))) { [self] in
            guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return }
            let expired = self.takeWaiter(at: index)
            self.stopSweepIfIdle()
            self.attempt(expired.request, number: expired.number, started: expired.started, promise: expired.promise,
                         patient: false)
        }
        wait(waiter)
    }

    func wait(_ waiter: ConnectionWaiter) {
        waiters.append(waiter)
        guard waiterSweep == nil else { return }
        waiterSweep = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [self] _ in
            expireWaiters()
        }
    }

    /// A connection is going back to the pool: the oldest waiter it suits gets it instead.
    func handToWaiter(_ conn: BackendConnection) -> Bool {
        guard !waiters.isEmpty, let index = waiters.firstIndex(where: { $0.accepts(conn) }) else {
            // A waiter of the same hostgroup with other needs (user, capabilities), blocked by max_connections:
            // make room for its own.
            if waiters.contains(where: { $0.request.hostgroup == conn.key.hostgroup && !$0.isPatient }) {
                conn.close()
                return true
            }
            return false
        }
        let waiter = takeWaiter(at: index)
        checkOut(conn)
        waiter.promise.succeed(conn)
        stopSweepIfIdle()
        return true
    }

    /// A connection of `hostgroup` closed: the oldest waiter of that hostgroup may open one now (patient
    /// waiters wait for a return, not for room).
    func roomMade(in hostgroup: Int) {
        guard let index = waiters.firstIndex(where: { $0.request.hostgroup == hostgroup && !$0.isPatient }) else { return }
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
            waiter.patienceTask?.cancel()
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
                waiter.patienceTask?.cancel()
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
        let waiter = index == waiters.startIndex ? waiters.removeFirst() : waiters.remove(at: index)
        waiter.patienceTask?.cancel()
        return waiter
    }

    private func stopSweepIfIdle() {
        guard waiters.isEmpty else { return }
        waiterSweep?.cancel()
        waiterSweep = nil
    }
}
