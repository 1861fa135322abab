/// How the pool answers one request for a backend connection, as pure decisions: `LoopContext.attempt` gathers
/// the facts (the server chosen, what its idle list holds, logins under way…) and carries out the action.
///
/// | facts | action |
/// |---|---|
/// | no server of the hostgroup has room; servers exist and time is left | wait for room (a connection returning, the servers changing) |
/// | no server has room; no servers, or no time left | fail: ERR 9001 |
/// | an idle connection used recently | hand it out |
/// | an idle connection unused for a while | ping it: hand it out, or close it and try again |
/// | none idle; connections in use come back sooner than a login takes | wait for one, at most a login's time |
/// | none idle; enough logins to that server under way | wait for one of them or a returning connection |
/// | none idle | connect, within the time left |
///
/// After a failed connect (`afterConnectFailure`):
///
/// | failure | retries and time | action |
/// |---|---|---|
/// | the server refused the login, or asked for an unsupported method | any | fail with that error |
/// | unreachable, timed out, lost | both left | try again after `mysql-connect_retries_delay` |
/// | unreachable, timed out, lost | either used up | fail: ERR 9001 |
enum ConnectionAcquisition {
    /// What the chosen server's idle list gave.
    enum Idle: Equatable, Sendable {
        case none
        /// Used recently: safe to hand out at once.
        case ready
        /// Idle long enough that a firewall or the server may have dropped it.
        case stale
    }

    struct Facts: Equatable, Sendable {
        /// A server of the hostgroup with room for a connection (or an idle one) was found.
        var serverChosen: Bool
        var hostgroupHasServers: Bool
        var idle: Idle = .none
        /// Since the request was made (its retries included).
        var elapsedMs: Int
        var connectTimeoutServerMs: Int
        var connectTimeoutServerMaxMs: Int
        /// How long `ConnectPatience` would wait for a connection in use; nil to connect now (or when this
        /// request may not wait: it waited already, or it must reach one particular server).
        var patienceNs: UInt64?
        var connectsInFlight: Int
        var maxConnectsInFlight: Int
    }

    enum Action: Equatable, Sendable {
        case waitForRoom
        case fail(elapsedMs: Int)
        case handOut
        case checkThenHandOut
        case waitPatiently(ns: UInt64)
        case waitForConnects
        case connect(timeoutMs: Int)
    }

    static func next(_ facts: Facts) -> Action {
        guard facts.serverChosen else {
            if facts.elapsedMs < facts.connectTimeoutServerMaxMs, facts.hostgroupHasServers { return .waitForRoom }
            return .fail(elapsedMs: facts.elapsedMs)
        }
        switch facts.idle {
        case .ready: return .handOut
        case .stale: return .checkThenHandOut
        case .none: break
        }
        if let ns = facts.patienceNs { return .waitPatiently(ns: ns) }
        if facts.connectsInFlight >= facts.maxConnectsInFlight { return .waitForConnects }
        let remaining = max(1, facts.connectTimeoutServerMaxMs - facts.elapsedMs)
        return .connect(timeoutMs: min(facts.connectTimeoutServerMs, remaining))
    }

    enum ConnectFailure: Equatable, Sendable {
        /// The server answered the login with an error (access denied, too many connections…).
        case refusedByServer
        /// The server asked for an authentication method Junction does not speak.
        case unsupportedAuthentication
        /// No answer, a refused or lost TCP connection, a timeout.
        case unreachable
    }

    enum AfterFailure: Equatable, Sendable {
        /// The client gets the server's own error.
        case failWithServerError
        case retry(afterMs: Int)
        case fail(elapsedMs: Int)
    }

    /// `attempt` is 0 for the first connect, 1 for the first retry…
    static func afterConnectFailure(_ failure: ConnectFailure, attempt: Int, elapsedMs: Int, retriesOnFailure: Int,
                                    connectTimeoutServerMaxMs: Int, retryDelayMs: Int) -> AfterFailure {
        switch failure {
        case .refusedByServer, .unsupportedAuthentication:
            return .failWithServerError
        case .unreachable:
            guard attempt < retriesOnFailure, elapsedMs < connectTimeoutServerMaxMs else { return .fail(elapsedMs: elapsedMs) }
            return .retry(afterMs: retryDelayMs)
        }
    }
}
