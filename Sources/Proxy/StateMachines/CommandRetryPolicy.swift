/// Whether a client command that failed on the backend side runs again, and otherwise how the client hears of it.
/// Pure: the client session describes the failure and carries out the decision.
///
/// | failure | decision |
/// |---|---|
/// | the connection died after the command was sent, nothing forwarded, a plain read, nothing held, retries left | run it again if its server is gone (a probe decides); else report the lost connection |
/// | the connection died after anything was forwarded, or the session's state was on it, or the command was sent | report the lost connection (ERR 2013, numbered after what the client got) |
/// | the command never reached a server (connect failed, connection dead in the pool, timed out), it may be retried, nothing held, retries left | run it again on another connection |
/// | anything else (a server's refusal, no retries left, a command that must not repeat) | report the error |
enum CommandRetryPolicy {
    enum Cause: Equatable, Sendable {
        /// The connection closed or failed; a connect failed or timed out: another connection may work.
        case connectionFailed
        /// A refusal (a server's error, no server in the hostgroup…): the same would happen again.
        case refused
    }

    struct Failure: Equatable, Sendable {
        var cause: Cause
        /// The connection died while the command ran on it (not: the command could not start).
        var connectionDiedUnderCommand = false
        /// The command reached a server: it may have run.
        var sent = false
        /// Part of the response reached the client.
        var forwardedAnything = false
        /// A SELECT/SHOW outside a transaction, without locks or session effects.
        var repeatableRead = false
        /// The command allows another attempt at all (not a COM_STMT_PREPARE's own steps, say).
        var retriable = true
        /// A transaction or other state lived on the session's connection.
        var sessionHeldState = false
        var attempts = 0
        /// The rule's `retries`, else `mysql-query_retries_on_failure`.
        var retries = 1
    }

    enum Decision: Equatable, Sendable {
        case retry
        case retryIfServerIsGone
        case reportLostConnection
        case reportError
    }

    static func decide(_ failure: Failure) -> Decision {
        let retriesLeft = failure.attempts < max(failure.retries, 0)
        if failure.connectionDiedUnderCommand {
            if !failure.forwardedAnything, failure.sent, failure.repeatableRead, !failure.sessionHeldState, retriesLeft {
                return .retryIfServerIsGone
            }
            if failure.forwardedAnything || failure.sessionHeldState || failure.sent { return .reportLostConnection }
        }
        if failure.cause == .connectionFailed, failure.retriable, !failure.sent, !failure.sessionHeldState, retriesLeft {
            return .retry
        }
        return .reportError
    }
}
