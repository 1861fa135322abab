import MySQLProtocol
import NIOCore
import NIOPosix

/// Queries Junction runs on its own pooled connections, beside the client's: mirrors of a rule's
/// `mirror_hostgroup`, and KILL QUERY for query timeouts. Their results never reach a client.
extension LoopContext {
    /// Runs `query` on a connection for `request`, then returns the connection to the pool (or closes it
    /// if the query failed). The future fails if no connection could be had or the query failed.
    private func runOnSpareConnection(_ query: String, _ request: Request) -> EventLoopFuture<BackendConnection> {
        acquire(request).flatMap { conn -> EventLoopFuture<BackendConnection> in
            var payload = ByteBufferAllocator().buffer(capacity: query.utf8.count + 1)
            payload.writeInteger(CommandCode.query.rawValue)
            payload.writeString(query)
            return conn.execute(payload, command: .query).map { _ in conn }.flatMapErrorThrowing { error in
                conn.close()
                throw error
            }
        }.map { [self] conn in
            release(conn)
            return conn
        }
    }

    /// A mirrored query: counted on its server, limited by `mysql-mirror_max_concurrency`; failures only count.
    func mirror(_ query: String, hostgroup: Int, user: ProxyUser, schema: String?, capabilities: CapabilityFlags, collation: UInt8) {
        let limit = max(1, snapshot.settings.mirrorMaxConcurrency / max(1, loopCount))
        guard mirrorsInFlight < limit else {
            mirrorsDropped += 1
            return
        }
        mirrorsInFlight += 1
        let request = Request(hostgroup: hostgroup, user: user, clientCapabilities: capabilities, collation: collation, schema: schema)
        runOnSpareConnection(query, request).whenComplete { [self] result in
            mirrorsInFlight -= 1
            switch result {
            case .success(let conn):
                statistics.servers[ServerKey(hostgroup: conn.server.hostgroup, endpoint: conn.server.endpoint), default: ServerCounters()]
                    .queries += 1
            case .failure:
                mirrorsFailed += 1
            }
        }
    }

    /// Kills what `conn` is running, from another connection to the same server.
    func killQuery(on conn: BackendConnection, user: ProxyUser?) {
        guard let user else { return }
        statistics.global[.killedBackendQueries] += 1
        let request = Request(hostgroup: conn.server.hostgroup, user: user, clientCapabilities: conn.capabilities,
                              collation: 33, schema: nil, endpoint: conn.server.endpoint)
        runOnSpareConnection("KILL QUERY \(conn.threadID)", request).whenFailure { [self] error in
            logger.warning("KILL QUERY failed", metadata: ["error": "\(error)"])
        }
    }

    /// Is a server still there? It is when a new connection gets its greeting within `timeoutMs`. A bare
    /// TCP connect is not enough: a server being killed can still complete handshakes from its backlog.
    func serverIsReachable(_ endpoint: ServerEndpoint, timeoutMs: Int) -> EventLoopFuture<Bool> {
        let promise = loop.makePromise(of: Bool.self)
        var done = false
        let answer = { (reachable: Bool) in
            guard !done else { return }  // every path runs on `loop`
            done = true
            promise.succeed(reachable)
        }
        let timeout = loop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) { answer(false) }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(timeoutMs)))
            .channelInitializer { $0.pipeline.addHandler(GreetingWaiter(answer: answer)) }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenComplete { result in
                switch result {
                case .success(let channel): promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure: answer(false)
                }
            }
        return promise.futureResult
    }
}

/// Answers true at the first byte a server sends, false if the connection ends first.
private final class GreetingWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let answer: (Bool) -> Void

    init(answer: @escaping (Bool) -> Void) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        answer(true)
    }

    func channelInactive(context: ChannelHandlerContext) {
        answer(false)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        answer(false)
        context.close(promise: nil)
    }
}
