import MySQLProtocol
import NIOCore

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
            case .success(let conn): release(conn)
            case .failure: mirrorsFailed += 1
            }
        }
    }
}
