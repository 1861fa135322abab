import MySQLProtocol
import NIOCore
import SQLText

/// A client command being run on a backend, kept until its response ends so that it can be
/// retried on another connection if the first one turns out dead before any byte reached the client.
struct RunningCommand {
    typealias After = (ClientSession, BackendConnection, ServerStatusFlags?, Bool) -> Void
    typealias Build = (ClientSession, BackendConnection) -> BuiltPayload
    var payload: ByteBuffer
    var command: ResponseTracker.Command
    var retriable: Bool
    var attempts = 0
    /// How the query processor (and the statement's kind) says it runs: delay, timeout, retries.
    var options = CommandOptions()
    /// The command went to a server. From then on a failure is reported, never retried: the server
    /// may have run it (a write would run twice) or killed it on purpose.
    var sent = false
    /// Runs when the response ended (status nil on ERR; the Bool says whether it was an ERR).
    var after: After?
    /// Turns the client's payload into the one this connection needs (statement ids), preparing first if needed.
    var build: Build?
    /// Runs instead of forwarding (COM_STMT_PREPARE); ends with `customCommandFinished` or `commandFailed`.
    var custom: ((ClientSession, BackendConnection) -> Void)?
}

/// The payload a `RunningCommand.Build` made for a connection: at once (the common case: no future), or once
/// the connection is ready for it (a statement prepared there first).
enum BuiltPayload {
    case now(ByteBuffer)
    case later(EventLoopFuture<ByteBuffer>)
}

/// How the next backend command runs, as decided before it starts (rules, first comment, statement kind).
struct CommandOptions {
    /// Milliseconds to wait before it starts (a rule's `delay`).
    var delayMs = 0
    /// Kill it after this many milliseconds; 0 = `mysql-default_query_timeout`.
    var timeoutMs = 0
    /// A rule's `retries`, overriding `mysql-query_retries_on_failure`.
    var retries: Int?
    /// A read that may run again elsewhere if its server died before answering (SELECT, SHOW).
    var repeatableRead = false
}

extension ClientSession: BackendResponseSink {
    /// Runs a client command on a backend connection of the session's hostgroup and forwards the response.
    func runOnBackend(_ payload: ByteBuffer, command: ResponseTracker.Command, retriable: Bool = true,
                      build: RunningCommand.Build? = nil, after: RunningCommand.After? = nil) {
        running = RunningCommand(payload: payload, command: command, retriable: retriable, options: nextCommandOptions,
                                 after: after, build: build)
        nextCommandOptions = CommandOptions()
        beginCommand()
        requestBytes = payload.readableBytes
        responseBytes = 0
        phase = .running
        if let delay = running?.options.delayMs, delay > 0 {
            // A rule's `delay` (or `query_delay=` in the first comment): wait, without holding the loop.
            loopContext.loop.scheduleTask(in: .milliseconds(Int64(delay))) { [self] in
                guard case .running = phase else { return }
                startRunning()
            }
            return
        }
        startRunning()
    }

    /// Asks the session's machine where the next command runs (`nextStatement`, `hostgroup`) and arranges the
    /// connections for it: the kept one, or a pooled one with a held connection set aside.
    func beginCommand() {
        let statement = nextStatement
        nextStatement = .neutral
        machine.autocommitOff = settings.autocommitOff
        let decision = machine.statementReceived(statement, hostgroup: hostgroup, policy: policy)
        if case .pool = decision.route, let kept = backend {
            backend = nil
            if decision.releaseHeld { loopContext.release(kept) } else { heldAside = kept }
        }
        autocommitForRead = decision.autocommitForRead
        if decision.autocommitForRead {
            var readSettings = settings
            readSettings.settings["autocommit"] = nil
            commandSettings = readSettings
        } else {
            commandSettings = settings
        }
    }

    func startRunning() {
        // The common case, a connection ready with the session's settings: no closure, no future.
        if let conn = backendReadyNow() { backendAcquired(.success(conn)); return }
        withBackend { [self] result in backendAcquired(result) }
    }

    /// The attached connection, or a pooled one used a moment ago, when its settings already are the
    /// session's; nil sends the caller the long way (`withBackend`: connecting, waiting, replaying).
    private func backendReadyNow() -> BackendConnection? {
        if let attached = backend { return attached.isIdle && attached.settings == commandSettings ? attached : nil }
        guard let user, let ready = loopContext.acquireIfReady(poolRequest(for: user)) else { return nil }
        backend = ready // attached either way: `withBackend` replays the settings on it
        return ready.settings == commandSettings ? ready : nil
    }

    private func backendAcquired(_ result: Result<BackendConnection, any Error>) {
        guard case .running = phase, let command = running else {
            if case .success(let conn) = result, backend !== conn { loopContext.release(conn) }
            return
        }
        switch result {
        case .failure(let error):
            commandFailed(error, sequenceID: 1)
        case .success(let conn):
            if let custom = command.custom { custom(self, conn); return }
            let tracker = ResponseTracker(command: command.command, deprecateEOF: conn.capabilities.contains(.deprecateEOF))
            switch command.build?(self, conn) ?? .now(command.payload) {
            case .now(let payload):
                send(payload, on: conn, tracker: tracker)
            case .later(let built):
                built.whenComplete { [self] built in
                    guard case .running = phase else { return }
                    switch built {
                    case .success(let payload): send(payload, on: conn, tracker: tracker)
                    case .failure(let error): commandFailed(error, sequenceID: 1)
                    }
                }
            }
        }
    }

    /// The command goes to the server: from here a failure is reported, never retried.
    private func send(_ payload: ByteBuffer, on conn: BackendConnection, tracker: ResponseTracker) {
        running?.sent = true
        conn.presentsAutocommitOff = autocommitForRead
        conn.forward(command: payload, tracker: tracker, to: self, clientWritable: clientIsWritable)
        armQueryTimeout(on: conn)
    }

    /// Ends the running command with an error: a dead connection is retried when that is safe.
    func commandFailed(_ error: any Error, sequenceID: UInt8) {
        if var command = running, CommandRetryPolicy.decide(failure(of: command, error)) == .retry {
            command.attempts += 1
            running = command
            logger.info("retrying a command on another backend connection", metadata: ["error": "\(error)"])
            startRunning()
            return
        }
        running = nil
        sendError(ProxyError.errPacket(for: error), sequenceID: sequenceID)
        commandFinished()
    }

    /// The failure of `command` as `CommandRetryPolicy` weighs it.
    private func failure(of command: RunningCommand, _ error: any Error) -> CommandRetryPolicy.Failure {
        let cause: CommandRetryPolicy.Cause
        switch error {
        case BackendError.connectionLost, BackendError.timeout, BackendError.connectFailed: cause = .connectionFailed
        default: cause = .refused
        }
        return CommandRetryPolicy.Failure(cause: cause, sent: command.sent, repeatableRead: command.options.repeatableRead,
                                          retriable: command.retriable, sessionHeldState: holdsBackendState && heldAside == nil,
                                          attempts: command.attempts,
                                          retries: command.options.retries ?? loopContext.snapshot.settings.queryRetriesOnFailure)
    }

    /// What the session asks the pool for: a connection of its hostgroup, for its user and client.
    private func poolRequest(for user: ProxyUser) -> LoopContext.Request {
        LoopContext.Request(hostgroup: hostgroup, user: user, clientCapabilities: clientCapabilities,
                            collation: collation, schema: settings.schema)
    }

    /// Gets the attached connection, or borrows one, and brings its settings in line with the session's.
    private func withBackend(_ completion: @escaping (Result<BackendConnection, any Error>) -> Void) {
        if let attached = backend {
            if attached.isIdle { replaySettings(on: attached, completion) ; return }
            backend = nil
            attached.close()
            if machine.keptConnectionLost() {
                // The state that tied the session to that connection is gone with it.
                completion(.failure(BackendError.connectionLost(attached.server.endpoint)))
                return
            }
        }
        guard let user else { completion(.failure(ProxyError.backendLost)); return }
        // A connection ready right away was already looked for (`backendReadyNow`): this is the pool's long way.
        loopContext.acquire(poolRequest(for: user)).whenComplete { [self] result in
            switch result {
            case .success(let conn):
                guard case .running = phase else { loopContext.release(conn); return }
                backend = conn
                replaySettings(on: conn, completion)
            case .failure(let error):
                completion(.failure(error))
            }
        }
    }

    /// Brings the connection's settings to the session's (`SettingsReplay` decides each step), then calls `completion`.
    private func replaySettings(on conn: BackendConnection, _ completion: @escaping (Result<BackendConnection, any Error>) -> Void) {
        let settings = commandSettings
        if conn.settings == settings { completion(.success(conn)); return }
        var replay = SettingsReplay(connection: conn.settings, target: settings,
                                    defaultSchema: loopContext.snapshot.settings.defaultSchema)
        carryOut(replay.start(), replay, on: conn, completion)
    }

    private func carryOut(_ action: SettingsReplay.Action, _ replay: SettingsReplay, on conn: BackendConnection,
                          _ completion: @escaping (Result<BackendConnection, any Error>) -> Void) {
        switch action {
        case .done:
            completion(.success(conn))
        case .fail:
            detach(conn, close: true)
            completion(.failure(ProxyError.backendLost))
        case .send(let step):
            loopContext.statistics.global.countReplay(step)
            conn.execute(step.payload, command: step.responseCommand).whenComplete { [self] result in
                var replay = replay
                switch result {
                case .success(.error(let err)):
                    _ = replay.stepFailed()
                    detach(conn, close: true)
                    completion(.failure(ProxyError.backendRefused(err)))
                case .success:
                    // The server forgets the statements prepared on a connection it resets.
                    if step == .resetConnection { conn.preparedStatements = [:] }
                    let next = replay.stepSucceeded()
                    conn.settings = replay.connection
                    carryOut(next, replay, on: conn, completion)
                case .failure(let error):
                    _ = replay.stepFailed()
                    detach(conn, close: true)
                    completion(.failure(error))
                }
            }
        }
    }

    var clientIsWritable: Bool { context?.channel.isWritable ?? true }

    func detach(_ conn: BackendConnection, close: Bool) {
        if backend === conn { backend = nil }
        if close { conn.close() } else { loopContext.release(conn) }
    }

    /// The command is over: release the connection if nothing ties the session to it, then go on
    /// with the client's next packets.
    func commandFinished() {
        cancelQueryTimeout()
        let action = responseAction ?? machine.commandEndedWithoutResponse()
        responseAction = nil
        if !action.keepCommandConnection, let conn = backend {
            backend = nil
            loopContext.release(conn)
        }
        if let held = heldAside {
            heldAside = nil
            if action.releaseHeldAside || backend != nil { loopContext.release(held) } else { backend = held }
        }
        guard case .closed = phase else {
            phase = .ready
            processInbound()
            return
        }
    }

    // MARK: - BackendResponseSink

    func backendForward(_ bytes: ByteBuffer) {
        responseBytes &+= bytes.readableBytes
        if cacheCapture != nil { captureForCache(bytes) }
        write(bytes)
    }

    func backendFlush() {
        flush()
    }

    func backendResponseEnded(_ connection: BackendConnection, status: ServerStatusFlags?, warnings: UInt16, isError: Bool,
                              summary: ResponseSummary) {
        responseAction = machine.responseEnded(status: status, warnings: warnings, isError: isError, insertID: summary.lastInsertID,
                                               hostgroup: connection.server.hostgroup,
                                               serverServes: loopContext.serves(connection), policy: policy)
        if localInfileUploaded {
            localInfileUploaded = false
            // An upload the server refused (packets out of order, a broken file) may leave it mid-read: the
            // connection serves no one else.
            if isError { discardAfterFailedUpload(connection) }
        }
        let command = running
        running = nil
        recordQueryFinished(on: connection, rowsAffected: summary.affectedRows, rowsSent: summary.rowsSent, error: summary.error)
        finishCacheCapture(isError: isError, warnings: warnings, summary: summary)
        command?.after?(self, connection, status, isError)
        flush()
        commandFinished()
    }

    private func discardAfterFailedUpload(_ connection: BackendConnection) {
        if backend === connection { backend = nil }
        connection.close()
        _ = machine.keptConnectionLost()
        responseAction = SessionStateMachine.ResponseAction(keepCommandConnection: false, releaseHeldAside: true)
    }

    func backendLocalInfileRequested(_ connection: BackendConnection) {
        localInfileUploaded = true
        flush()
        phase = .uploadingLocalInfile(connection)
        processInbound()
    }

    func backendFailed(_ connection: BackendConnection, error: any Error, forwardedAnything: Bool) {
        if heldAside === connection {
            // A transaction waiting aside: the session goes back to that connection after this command, finds it
            // dead, and the client hears that its transaction is gone.
            if holdsBackendState { return }
            // The held connection died while a command ran elsewhere: only what it held for later reads is gone.
            heldAside = nil
            _ = machine.keptConnectionLost()
            return
        }
        if backend === connection { backend = nil }
        guard let command = running else {
            // The kept connection died between commands: the next statement starts afresh.
            _ = machine.keptConnectionLost()
            return
        }
        var failure = failure(of: command, error)
        failure.connectionDiedUnderCommand = true
        failure.forwardedAnything = forwardedAnything
        switch CommandRetryPolicy.decide(failure) {
        case .retryIfServerIsGone:
            retryReadIfServerIsGone(command, failedOn: connection, error: error)
        case .reportLostConnection:
            // The client saw part of the response, or state on that connection is lost: report it. (A command run
            // aside lost only its own pooled connection: the kept one waits unharmed.)
            running = nil
            if heldAside == nil { _ = machine.keptConnectionLost() }
            let sequence = forwardedAnything ? connection.lastForwardedSequenceID &+ 1 : 1
            sendError(ProxyError.backendLost.errPacket, sequenceID: sequence)
            commandFinished()
        case .retry, .reportError:
            if case .uploadingLocalInfile = phase { phase = .running }
            commandFailed(error, sequenceID: 1)
        }
    }

    /// A read whose connection died before any byte of the answer: when its server is gone (a new TCP
    /// connection is refused or times out), the read runs again on another connection — the client does
    /// not notice the crash. When the server is alive, the connection was killed on purpose (KILL, a
    /// timeout): the client gets the error, as a direct connection would.
    private func retryReadIfServerIsGone(_ command: RunningCommand, failedOn connection: BackendConnection, error: any Error) {
        let endpoint = connection.server.endpoint
        loopContext.serverIsReachable(endpoint, timeoutMs: 300).whenComplete { [self] result in
            guard case .running = phase, running != nil else { return }
            if case .success(false) = result {
                loopContext.markUnreachable(endpoint)
                var retry = command
                retry.attempts += 1
                retry.sent = false
                running = retry
                logger.info("retrying a read: its server went away before answering", metadata: ["server": "\(endpoint)"])
                startRunning()
            } else {
                running = nil
                sendError(ProxyError.backendLost.errPacket, sequenceID: 1)
                commandFinished()
            }
        }
    }

    /// Passes the client's LOCAL INFILE packets to the backend unchanged, until the empty one.
    func forwardLocalInfileData(to conn: BackendConnection) {
        let start = inbound.readerIndex
        var end = start
        var finished = false
        while let (length, _) = inbound.peekFrameHeader(at: end), inbound.writerIndex - end >= 4 + length {
            end += 4 + length
            if length == 0 { finished = true; break }
        }
        guard end > start else { return }
        let data = inbound.getSlice(at: start, length: end - start)!
        // Consumed before sending: a send that fails at once closes the connection, and the session may go on
        // with the client's next packets (replacing `inbound`) before `sendRaw` returns.
        inbound.moveReaderIndex(to: end)
        if finished { phase = .running }
        conn.sendRaw(data, flush: true)
        if finished, case .running = phase, running != nil { conn.localInfileDataSent() }
    }
}
