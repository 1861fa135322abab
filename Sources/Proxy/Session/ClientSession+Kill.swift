import MySQLProtocol
import NIOCore
import SQLText

/// `KILL [QUERY] <id>` with the connection id a client got in Junction's handshake (what drivers and the
/// `mariadb` client send): the session with that id may be on any event loop, so each loop is asked.
extension ClientSession {
    enum KillOutcome: Sendable {
        case done
        case notOwner
        case unknown
    }

    func killReceived(_ kill: KillStatement) {
        guard let user else { return }
        if kill.connectionID == connectionID {
            if kill.queryOnly { sendOK(sequenceID: 1); recordAnsweredLocally(); return }
            sendError(MySQLErrorCode.connectionKilled.packet("Connection was killed"), sequenceID: 1)
            phase = .closed
            context?.close(promise: nil)
            return
        }
        phase = .running
        let username = user.username
        let futures = loopContext.peers.map { peer in
            peer.loop.submit { peer.kill(kill, requestedBy: username) }
        }
        EventLoopFuture.whenAllComplete(futures, on: loopContext.loop).whenComplete { [self] results in
            let outcomes = (try? results.get())?.compactMap { try? $0.get() } ?? []
            guard case .running = phase else { return }
            if outcomes.contains(where: { if case .done = $0 { return true } else { return false } }) {
                sendOK(sequenceID: 1)
            } else if outcomes.contains(where: { if case .notOwner = $0 { return true } else { return false } }) {
                sendError(MySQLErrorCode.notOwnerOfThread.packet("You are not owner of thread \(kill.connectionID)"), sequenceID: 1)
            } else {
                sendError(MySQLErrorCode.unknownThread.packet("Unknown thread id: \(kill.connectionID)"), sequenceID: 1)
            }
            recordAnsweredLocally()
            phase = .ready
            processInbound()
        }
    }

    /// Another client asked to kill this session (its query, or its connection).
    func killedByClient(queryOnly: Bool) {
        if let conn = backend, running != nil {
            loopContext.killQuery(on: conn, user: user)
        }
        guard !queryOnly else { return }
        phase = .closed
        context?.close(promise: nil)
    }
}

extension LoopContext {
    /// Kills session `kill.connectionID` if it lives on this loop and belongs to `username`.
    func kill(_ kill: KillStatement, requestedBy username: String) -> ClientSession.KillOutcome {
        guard let session = sessions[kill.connectionID] else { return .unknown }
        guard session.user?.username == username else { return .notOwner }
        session.killedByClient(queryOnly: kill.queryOnly)
        return .done
    }
}

extension ProxyServer {
    /// The admin's `KILL [QUERY] <id>`: the session may live on any loop. The future says whether it existed.
    public func kill(connectionID: Int, queryOnly: Bool) -> EventLoopFuture<Bool> {
        let futures = contexts.all.map { context in
            context.loop.submit { () -> Bool in
                guard let id = UInt32(exactly: connectionID), let session = context.value.sessions[id] else { return false }
                session.killedByClient(queryOnly: queryOnly)
                return true
            }
        }
        return EventLoopFuture.whenAllSucceed(futures, on: group.any()).map { $0.contains(true) }
    }
}
