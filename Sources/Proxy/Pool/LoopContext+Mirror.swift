import MySQLProtocol
import NIOCore
import NIOPosix

/// Mirrored queries (a rule's `mirror_hostgroup`): a copy runs on its own connection, the result is
/// thrown away and never reaches the client; failures only count.
extension LoopContext {
    func mirror(_ query: String, hostgroup: Int, user: ProxyUser, schema: String?, capabilities: CapabilityFlags, collation: UInt8) {
        let limit = max(1, snapshot.settings.mirrorMaxConcurrency / max(1, loopCount))
        guard mirrorsInFlight < limit else {
            mirrorsDropped += 1
            return
        }
        mirrorsInFlight += 1
        let request = Request(hostgroup: hostgroup, user: user, clientCapabilities: capabilities, collation: collation, schema: schema)
        acquire(request).flatMap { conn -> EventLoopFuture<BackendConnection> in
            var payload = ByteBufferAllocator().buffer(capacity: query.utf8.count + 1)
            payload.writeInteger(CommandCode.query.rawValue)
            payload.writeString(query)
            return conn.execute(payload, command: .query).map { _ in conn }.flatMapErrorThrowing { error in
                conn.close()
                throw error
            }
        }.whenComplete { [self] result in
            mirrorsInFlight -= 1
            switch result {
            case .success(let conn):
                statistics.servers[ServerKey(hostgroup: conn.server.hostgroup, endpoint: conn.server.endpoint), default: ServerCounters()]
                    .queries += 1
                release(conn)
            case .failure: mirrorsFailed += 1
            }
        }
    }
}

/// KILL QUERY for query timeouts.
extension LoopContext {
    /// Kills what `conn` is running, from another connection to the same server.
    func killQuery(on conn: BackendConnection, user: ProxyUser?) {
        guard let user else { return }
        let request = Request(hostgroup: conn.server.hostgroup, user: user, clientCapabilities: conn.capabilities,
                              collation: 33, schema: nil, endpoint: conn.server.endpoint)
        let threadID = conn.threadID
        acquire(request).flatMap { killer -> EventLoopFuture<BackendConnection> in
            var payload = ByteBufferAllocator().buffer(capacity: 32)
            payload.writeInteger(CommandCode.query.rawValue)
            payload.writeString("KILL QUERY \(threadID)")
            return killer.execute(payload, command: .query).map { _ in killer }.flatMapErrorThrowing { error in
                killer.close()
                throw error
            }
        }.whenComplete { [self] result in
            switch result {
            case .success(let killer): release(killer)
            case .failure(let error): logger.warning("KILL QUERY failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Is a server still there? A plain TCP connect: refused or timed out means gone.
extension LoopContext {
    func serverIsReachable(_ endpoint: ServerEndpoint, timeoutMs: Int) -> EventLoopFuture<Bool> {
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .connect(host: endpoint.host, port: endpoint.port)
            .map { channel in
                channel.close(promise: nil)
                return true
            }
            .recover { _ in false }
    }
}
