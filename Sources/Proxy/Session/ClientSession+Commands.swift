import Foundation
import MySQLProtocol
import NIOCore
import SQLText

/// Dispatch of client commands: what Junction answers itself and what runs on a backend.
extension ClientSession {
    func commandReceived(_ payload: ByteBuffer) {
        guard let byte = payload.getInteger(at: payload.readerIndex, as: UInt8.self) else {
            sendError(MySQLErrorCode.malformedPacket.packet("Malformed communication packet"), sequenceID: 1)
            return
        }
        loopContext.questions += 1
        queryInFlight = nil
        cacheCapture = nil
        commandStartedNanos = NIODeadline.now().uptimeNanoseconds
        commandGeneration &+= 1
        nextCommandOptions = CommandOptions()
        // Commands other than COM_QUERY go to the user's default hostgroup (the machine keeps a bound session
        // on its connection).
        if let user { hostgroup = user.defaultHostgroup }
        switch CommandCode(rawValue: byte) {
        case .quit:
            phase = .closed
            context?.close(promise: nil)
        case .ping:
            sendOK(sequenceID: 1)
        case .query:
            queryReceived(payload)
        case .initDB:
            loopContext.statistics.global[.comFrontendInitDB] += 1
            let schema = String(decoding: payload.readableBytesView.dropFirst(), as: UTF8.self)
            runOnBackend(payload, command: .singlePacket, after: { session, conn, _, isError in
                guard !isError else { return }
                session.settings.schema = schema
                conn.settings.schema = schema
            })
        case .fieldList:
            runOnBackend(payload, command: .fieldList)
        case .statistics:
            statisticsReceived()
        case .setOption:
            setOptionReceived(payload)
        case .changeUser:
            changeUserReceived(payload)
        case .resetConnection:
            resetSessionState(keepSchema: true)
            sendOK(sequenceID: 1)
        case .stmtPrepare:
            loopContext.statistics.global[.comFrontendStmtPrepare] += 1
            prepareReceived(payload)
        case .stmtExecute:
            loopContext.statistics.global[.comFrontendStmtExecute] += 1
            executeReceived(payload)
        case .stmtSendLongData:
            longDataReceived(payload)
        case .stmtClose:
            loopContext.statistics.global[.comFrontendStmtClose] += 1
            closeStatementReceived(payload)
        case .stmtReset:
            resetStatementReceived(payload)
        case .stmtFetch:
            fetchReceived(payload)
        default:
            sendError(MySQLErrorCode.unknownCommand.packet("Unknown command"), sequenceID: 1)
        }
    }

    private func queryReceived(_ original: ByteBuffer) {
        let sql = Array(original.readableBytesView.dropFirst())
        let digest = digestIfWanted(sql)
        queryInFlight = digest.map { QueryInFlight(digest: $0, startNanos: commandStartedNanos) }
        if isVersionCommentProbe(sql) {
            answerVersionComment()
            recordAnsweredLocally()
            return
        }
        let payload: ByteBuffer
        let statement: TokenizedStatement
        switch route(sql: sql, digest: digest) {
        case .answered:
            return
        case .run(rewritten: nil):
            payload = original
            statement = TokenizedStatement(sql)
        case .run(rewritten: let rewritten?):
            payload = rewritten
            statement = TokenizedStatement(Array(rewritten.readableBytesView.dropFirst()))
        }
        let traits = StatementClassifier.classify(statement)
        if traits.kind == .other, let kill = KillStatement.parse(statement) {
            killReceived(kill)
            return
        }
        switch traits.kind {
        case .commit where !machine.isBound, .rollback where !machine.isBound:
            // Nothing is open anywhere: answer as the server would.
            loopContext.statistics.global[traits.kind == .commit ? .comCommitFiltered : .comRollbackFiltered] += 1
            sendOK(sequenceID: 1)
            recordAnsweredLocally()
        case .set:
            let parsed = SetStatementParser.parse(statement)
            var answeredLocally = false
            if case .session(let changes) = parsed {
                answeredLocally = !machine.isBound && LocalSettingCheck.accepts(changes)
                loopContext.statistics.global.countFrontendSet(changes, answeredLocally: answeredLocally)
            }
            switch parsed {
            case .session(let changes) where answeredLocally:
                // Checked here: no backend needed (a client's connect-time SETs must not depend on the writer).
                // It reaches a backend with the session's next statement, wherever that runs.
                settings.apply(changes)
                sendOK(sequenceID: 1)
                recordAnsweredLocally()
            case .session(let changes):
                runOnBackend(payload, command: .query, after: { session, conn, _, isError in
                    guard !isError else { return }
                    session.settings.apply(changes)
                    conn.settings.apply(changes)
                })
            case .global:
                runOnBackend(payload, command: .query)
            case .pinsSession:
                nextStatement.pins = .untrackedSessionChange
                runOnBackend(payload, command: .query)
            }
        case .show where machine.kept == .none && isShowWarnings(statement):
            // The previous statement left no warnings; a pooled connection's would be someone else's.
            answerNoWarnings(count: statement.keyword(1) == "COUNT")
        case .show where isShowWarnings(statement):
            // Reading warnings does not clear them: the next statement may read them again.
            nextStatement = SessionStateMachine.Statement(readsPreviousStatement: true, leavesWarnings: true)
            runOnBackend(payload, command: .query)
        case .use:
            loopContext.statistics.global[.comFrontendUseDB] += 1
            runOnBackend(payload, command: .query, after: { session, conn, _, isError in
                guard !isError, let schema = traits.useSchema else { return }
                session.settings.schema = schema
                conn.settings.schema = schema
            })
        case .loadDataLocal where !loopContext.snapshot.settings.enableLoadDataLocalInfile:
            sendError(MySQLErrorCode.unknownCommand.packet("Unsupported 'LOAD DATA LOCAL INFILE' command"), sequenceID: 1)
        default:
            nextStatement = SessionStateMachine.Statement(traits)
            nextCommandOptions.repeatableRead = (traits.kind == .select || traits.kind == .show) && !traits.pinsConnection
                && !traits.isMultiStatement
            runOnBackend(payload, command: .query, retriable: traits.kind != .loadDataLocal)
        }
    }

    /// `SHOW WARNINGS`, `SHOW ERRORS`, `SHOW COUNT(*) WARNINGS` … (with or without LIMIT).
    private func isShowWarnings(_ s: TokenizedStatement) -> Bool {
        let target = s.keyword(1) == "COUNT" ? s.keyword(5) : s.keyword(1)
        return target == "WARNINGS" || target == "ERRORS"
    }

    private func answerNoWarnings(count: Bool) {
        var out = ByteBufferAllocator().buffer(capacity: 256)
        let writer = ResultSetWriter(capabilities: clientCapabilities, statusFlags: statusFlags)
        if count {
            writer.write(columns: [ColumnDefinition41(name: "@@session.warning_count", columnLength: 21, type: .longlong)],
                         rows: [["0"]], sequenceID: 1, into: &out)
        } else {
            writer.write(columns: [ColumnDefinition41(name: "Level", columnLength: 28),
                                   ColumnDefinition41(name: "Code", characterSet: 63, columnLength: 4, type: .long, flags: 0x20),
                                   ColumnDefinition41(name: "Message", columnLength: 2048)],
                         rows: [], sequenceID: 1, into: &out)
        }
        writeAndFlush(out)
    }

    /// `select @@version_comment limit 1`, which the mysql/mariadb CLI sends on connect.
    private func isVersionCommentProbe(_ sql: [UInt8]) -> Bool {
        guard sql.count == 32 else { return false }
        return String(decoding: sql, as: UTF8.self).lowercased() == "select @@version_comment limit 1"
    }

    private func answerVersionComment() {
        var out = ByteBufferAllocator().buffer(capacity: 128)
        ResultSetWriter(capabilities: clientCapabilities, statusFlags: statusFlags)
            .write(columns: [ColumnDefinition41(name: "@@version_comment", columnLength: 64)],
                   rows: [[loopContext.snapshot.settings.versionComment]], sequenceID: 1, into: &out)
        writeAndFlush(out)
    }

    private func statisticsReceived() {
        let open = loopContext.store.openClientConnections
        let text = "Uptime: \(ProcessUptime.seconds)  Threads: \(open)  Questions: \(loopContext.questions)  Slow queries: 0  Opens: 0  Open tables: 0  Queries per second avg: 0.000"
        var out = ByteBufferAllocator().buffer(capacity: text.utf8.count + 4)
        out.writeMySQLPacket(sequenceID: 1) { $0.writeString(text) }
        writeAndFlush(out)
    }

    private func setOptionReceived(_ payload: ByteBuffer) {
        guard let option = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt16.self), option <= 1 else {
            sendError(MySQLErrorCode.unknownCommand.packet("Unknown COM_SET_OPTION option"), sequenceID: 1)
            return
        }
        settings.multiStatements = option == 0
        var out = ByteBufferAllocator().buffer(capacity: 16)
        out.writeMySQLPacket(sequenceID: 1) {
            if deprecateEOF {
                OKPacket(header: 0xFE, statusFlags: statusFlags).encode(into: &$0, capabilities: clientCapabilities)
            } else {
                EOFPacket(statusFlags: statusFlags).encode(into: &$0)
            }
        }
        writeAndFlush(out)
    }

    /// COM_CHANGE_USER: log in again as another user, then start from a clean session.
    private func changeUserReceived(_ payload: ByteBuffer) {
        guard let request = try? ChangeUserRequest.decode(from: payload, capabilities: clientCapabilities) else {
            sendError(MySQLErrorCode.malformedPacket.packet("Malformed COM_CHANGE_USER"), sequenceID: 1)
            return
        }
        let username = request.username
        let scramble = request.scramble
        let schema = request.schema
        if let requested = request.collation { collation = requested }
        let plugin = request.authPlugin ?? NativePassword.pluginName
        let snapshot = loopContext.snapshot
        guard let candidate = snapshot.users[username], candidate.frontend,
              Self.verify(scramble: scramble, plugin: plugin, password: candidate.password, nonce: nonce) else {
            let address = context?.remoteAddress?.ipAddress ?? "localhost"
            sendError(MySQLErrorCode.accessDenied.packet("Access denied for user '\(username)'@'\(address)' (using password: \(scramble.isEmpty ? "NO" : "YES"))"),
                      sequenceID: 1)
            context?.close(promise: nil)
            phase = .closed
            return
        }
        if let previous = user, previous.username != candidate.username {
            loopContext.store.connectionsPerUser.withLockedValue {
                $0[previous.username, default: 1] -= 1
                $0[candidate.username, default: 0] += 1
            }
        }
        user = candidate
        hostgroup = candidate.defaultHostgroup
        resetSessionState(keepSchema: false)
        settings.schema = schema ?? candidate.defaultSchema
        logger[metadataKey: "user"] = "\(candidate.username)"
        var sequence: UInt8 = 1
        if plugin == CachingSHA2Password.pluginName {
            var out = ByteBufferAllocator().buffer(capacity: 8)
            out.writeMySQLPacket(sequenceID: sequence) { AuthMoreData.encode([AuthMoreData.fastAuthSuccess], into: &$0) }
            write(out)
            sequence = 2
        }
        sendOK(sequenceID: sequence)
    }

    /// Forgets everything the session set: variables, transaction, pins, prepared statements.
    /// An attached backend connection is closed, since it may hold that state.
    func resetSessionState(keepSchema: Bool) {
        if let backend {
            self.backend = nil
            if holdsBackendState { backend.close() } else { loopContext.release(backend) }
        }
        let schema = keepSchema ? settings.schema : nil
        settings = SessionSettings(schema: schema, multiStatements: clientCapabilities.contains(.multiStatements))
        machine.reset()
        statements = [:]
        hostgroup = user?.defaultHostgroup ?? hostgroup
    }
}

/// Seconds since Junction started (COM_STATISTICS), and wall-clock seconds without a system call.
public enum ProcessUptime {
    public static let start = NIODeadline.now()
    static let startEpoch = Int(Date().timeIntervalSince1970)
    public static var seconds: Int64 { (NIODeadline.now() - start).nanoseconds / 1_000_000_000 }
    /// Wall-clock seconds without a system call: the start's epoch plus the monotonic uptime.
    static var epochSeconds: Int { startEpoch + Int(seconds) }
}
