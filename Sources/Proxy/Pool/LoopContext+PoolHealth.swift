import NIOCore

/// Keeping the pool's idle connections alive and pointed at servers that serve: idle pings, the check
/// before reusing a connection that sat idle, and closing connections when a server goes offline.
extension LoopContext {
    /// An idle connection unused this long is pinged before a client's query goes on it: networks drop
    /// idle TCP connections silently (firewalls, NAT), and a query sent on one would fail.
    static let checkBeforeReuseAfterNs: UInt64 = 500_000_000

    func needsCheckBeforeReuse(_ conn: BackendConnection, now: UInt64 = NIODeadline.now().uptimeNanoseconds) -> Bool {
        now &- conn.checkedAt >= Self.checkBeforeReuseAfterNs
    }

    /// The newest usable idle connection for `key`; broken or too old ones met on the way are closed.
    func takeIdle(_ key: PoolKey) -> BackendConnection? {
        while var list = idle[key], let conn = list.popLast() {
            idle[key] = list.isEmpty ? nil : list
            serverCounts[slot: countsSlot(conn)].idle -= 1
            if conn.isIdle && !isTooOld(conn) { return conn }
            conn.close()
        }
        return nil
    }

    func handOut(_ conn: BackendConnection, _ promise: EventLoopPromise<BackendConnection>) {
        checkOut(conn)
        promise.succeed(conn)
    }

    /// Starts the once-a-second round over the idle connections. The task holds the context strongly (it
    /// lives as long as its loop anyway): a weak reference would put the context's reference count in a side
    /// table, a slower retain and release on every query.
    func startPoolMaintenance() {
        guard maintenance == nil else { return }
        maintenance = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
            maintainIdleConnections()
        }
    }

    /// Pings idle connections unused for `mysql-ping_interval_server_msec` (timeout `mysql-ping_timeout_server`);
    /// the dead ones are closed, the others go back to the pool. Connections to servers that no longer serve
    /// are closed.
    func maintainIdleConnections() {
        refreshSnapshot()
        let settings = snapshot.settings
        let interval = UInt64(max(settings.pingIntervalServerMs, 1)) * 1_000_000
        let now = NIODeadline.now().uptimeNanoseconds
        for (key, list) in idle {
            var kept: [BackendConnection] = []
            // Above `mysql-free_connections_pct` of the server's share, connections idle for a second or more
            // go (oldest first: the list is used from its end).
            var surplus = max(0, list.count - freeCap(key))
            for conn in list {
                if surplus > 0, now &- conn.idleSince >= 1_000_000_000 {
                    surplus -= 1
                    serverCounts[slot: countsSlot(conn)].idle -= 1
                    conn.quit()
                    continue
                }
                if !conn.isIdle || isTooOld(conn) || !serves(conn) {
                    serverCounts[slot: countsSlot(conn)].idle -= 1
                    conn.close()
                } else if now &- conn.checkedAt >= interval {
                    serverCounts[slot: countsSlot(conn)].idle -= 1
                    conn.isAlive(timeoutMs: settings.pingTimeoutServerMs).whenComplete { alive in
                        guard case .success(true) = alive else {
                            self.logger.info("idle pooled connection failed its ping", metadata: ["backend": "\(conn.server.endpoint)"])
                            conn.close()
                            return
                        }
                        conn.checkedAt = NIODeadline.now().uptimeNanoseconds
                        self.putIdle(conn)
                    }
                } else {
                    kept.append(conn)
                }
            }
            idle[key] = kept.isEmpty ? nil : kept
        }
    }

    /// After the servers changed: idle connections to servers that are not ONLINE are closed, and
    /// connections in use on OFFLINE_HARD or removed servers are closed too — the query in flight fails and
    /// an open transaction is lost, as the status promises (sessions-and-pooling.md §8). SHUNNED and
    /// OFFLINE_SOFT servers keep their connections in use until their sessions let go.
    func enforceServerStatuses() {
        for (key, list) in idle {
            let kept = list.filter { conn in
                guard serves(conn) else {
                    serverCounts[slot: countsSlot(conn)].idle -= 1
                    conn.close()
                    return false
                }
                return true
            }
            idle[key] = kept.isEmpty ? nil : kept
        }
        for session in sessions.values {
            guard let conn = session.backend else { continue }
            let status = snapshot.server(conn.server.endpoint, in: conn.server.hostgroup)?.status
            if status == nil || status == .offlineHard {
                logger.info("closing a connection in use: its server is OFFLINE_HARD or removed",
                            metadata: ["backend": "\(conn.server.endpoint)", "hostgroup": "\(conn.server.hostgroup)"])
                conn.close()
            }
        }
    }

    /// Closes every connection to `endpoint`, idle and in use (the server stopped answering): running
    /// queries fail now instead of waiting for TCP to time out.
    func closeConnections(to endpoint: ServerEndpoint) {
        markUnreachable(endpoint)
        for session in sessions.values {
            guard let conn = session.backend, conn.server.endpoint == endpoint else { continue }
            logger.info("closing a connection in use: its server stopped answering pings", metadata: ["backend": "\(endpoint)"])
            conn.close()
        }
    }

    /// How many idle connections a pool key keeps for long: `mysql-free_connections_pct` of this loop's
    /// share of the server's max_connections.
    private func freeCap(_ key: PoolKey) -> Int {
        let maxConnections = snapshot.server(key.endpoint, in: key.hostgroup)?.maxConnections ?? 1
        return max(1, share(of: maxConnections) * max(snapshot.settings.freeConnectionsPct, 1) / 100)
    }

    /// Whether the connection's server is ONLINE in its hostgroup.
    func serves(_ conn: BackendConnection) -> Bool {
        snapshot.server(conn.server.endpoint, in: conn.server.hostgroup)?.status == .online
    }
}
