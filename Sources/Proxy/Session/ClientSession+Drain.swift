import NIOCore

extension ClientSession {
    /// Whether the session has work a stop must wait for: a command running, or a transaction or other state held
    /// on a backend connection (it ends with the client's COMMIT/ROLLBACK, or the client leaving).
    var hasWorkInFlight: Bool {
        switch phase {
        case .running, .uploadingLocalInfile: return true
        case .awaitingHandshakeResponse, .awaitingAuthSwitchResponse: return false
        case .ready: return machine.holdsState
        case .closed: return false
        }
    }

    /// During a stop: closes the session when it has nothing in flight (between commands, no transaction), so the
    /// client reconnects elsewhere. Returns whether it is still open.
    func closeIfNothingInFlight() -> Bool {
        if case .closed = phase { return false }
        guard !hasWorkInFlight else { return true }
        context?.close(promise: nil)
        return false
    }
}

extension LoopContext {
    /// Closes this loop's sessions that have nothing in flight; returns how many remain.
    func closeSessionsWithNothingInFlight() -> Int {
        sessions.values.reduce(0) { $0 + ($1.closeIfNothingInFlight() ? 1 : 0) }
    }
}

extension ProxyServer {
    /// One round of a stop's drain: every loop closes the client sessions that have nothing in flight. The future
    /// gives how many sessions still run a command or hold a transaction.
    public func closeSessionsWithNothingInFlight() -> EventLoopFuture<Int> {
        let futures = contexts.all.map { context in context.loop.submit { context.value.closeSessionsWithNothingInFlight() } }
        return EventLoopFuture.whenAllSucceed(futures, on: group.any()).map { $0.reduce(0, +) }
    }
}
