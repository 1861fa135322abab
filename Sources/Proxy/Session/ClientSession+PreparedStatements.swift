import MySQLProtocol
import NIOCore
import SQLText

/// The binary protocol: COM_STMT_PREPARE / EXECUTE / SEND_LONG_DATA / FETCH / RESET / CLOSE.
extension ClientSession {
    func prepareReceived(_ payload: ByteBuffer) {
        let sql = String(decoding: payload.readableBytesView.dropFirst(), as: UTF8.self)
        let digest = digestIfWanted(Array(payload.readableBytesView.dropFirst()))
        if let kill = KillStatement.parse(TokenizedStatement(sql)) {
            prepareKill(kill, sql: sql)
            return
        }
        routePrepared(sql: sql, digest: digest)
        running = RunningCommand(payload: payload, command: .prepare, retriable: true)
        beginCommand()
        running?.custom = { session, conn in
            session.ensurePrepared(sql, on: conn).whenComplete { result in
                guard case .running = session.phase else { return }
                switch result {
                case .success(let prepared): session.answerPrepare(sql: sql, digest: digest, prepared)
                case .failure(let error): session.commandFailed(error, sequenceID: 1)
                }
            }
        }
        phase = .running
        startRunning()
    }

    private func answerPrepare(sql: String, digest: QueryDigest?, _ prepared: PreparedOnBackend) {
        let id = nextStatementID
        nextStatementID &+= 1
        let traits = StatementClassifier.classify(sql)
        statements[id] = ClientStatement(sql: sql, parameterCount: Int(prepared.ok.parameterCount),
                                         columnCount: Int(prepared.ok.columnCount), digest: digest,
                                         isPlainRead: (traits.kind == .select || traits.kind == .show) && !traits.pinsConnection,
                                         facts: SessionStateMachine.Statement(traits))
        var out = ByteBufferAllocator().buffer(capacity: 256)
        var sequence: UInt8 = 1
        for (index, packet) in prepared.packets.enumerated() {
            if index == 0 {
                var first = packet
                first.setInteger(id, at: first.readerIndex + 1, endianness: .little)
                sequence = out.writeMySQLPacket(sequenceID: sequence, payload: first)
            } else {
                sequence = out.writeMySQLPacket(sequenceID: sequence, payload: packet)
            }
        }
        writeAndFlush(out)
        running = nil
        commandFinished()
    }

    /// The statement on `conn`, preparing it there first if it is not yet.
    func ensurePrepared(_ sql: String, on conn: BackendConnection) -> EventLoopFuture<PreparedOnBackend> {
        if let prepared = conn.preparedStatements[sql] { return loopContext.loop.makeSucceededFuture(prepared) }
        var payload = ByteBufferAllocator().buffer(capacity: sql.utf8.count + 1)
        payload.writeInteger(CommandCode.stmtPrepare.rawValue)
        loopContext.statistics.global[.comBackendStmtPrepare] += 1
        payload.writeString(sql)
        return conn.execute(payload, command: .prepare).flatMapThrowing { reply in
            switch reply {
            case .packets(let packets):
                guard let first = packets.first else { throw BackendError.protocolViolation("empty prepare response") }
                let ok = try StmtPrepareOK.decode(from: first)
                let prepared = PreparedOnBackend(statementID: ok.statementID, ok: ok, packets: packets)
                conn.preparedStatements[sql] = prepared
                return prepared
            case .error(let err):
                throw ProxyError.backendRefused(err)
            case .ok:
                throw BackendError.protocolViolation("OK in reply to COM_STMT_PREPARE")
            }
        }
    }

    /// `KILL [QUERY] <id>` prepared (as mysql-connector's prepared cursors send every statement): Junction's own
    /// statement, with no parameters and no columns; each execute kills as the text query would.
    private func prepareKill(_ kill: KillStatement, sql: String) {
        let id = nextStatementID
        nextStatementID &+= 1
        statements[id] = ClientStatement(sql: sql, parameterCount: 0, columnCount: 0, kill: kill)
        var out = ByteBufferAllocator().buffer(capacity: 16)
        out.writeMySQLPacket(sequenceID: 1) { StmtPrepareOK(statementID: id, columnCount: 0, parameterCount: 0).encode(into: &$0) }
        writeAndFlush(out)
    }

    func executeReceived(_ payload: ByteBuffer) {
        guard let id = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt32.self),
              var statement = statements[id] else {
            unknownStatement(payload, command: "mysqld_stmt_execute")
            return
        }
        if let kill = statement.kill {
            killReceived(kill)
            return
        }
        if statement.longDataRefused {
            statements[id]?.longDataRefused = false
            sendError(ProxyError.longDataTooLarge(limit: assembler.maxPacketLength).errPacket, sequenceID: 1)
            return
        }
        let flags = payload.getInteger(at: payload.readerIndex + 5, as: UInt8.self) ?? 0
        let nullBitmapLength = (statement.parameterCount + 7) / 8
        let boundFlagOffset = payload.readerIndex + 10 + nullBitmapLength
        if statement.parameterCount > 0, payload.getInteger(at: boundFlagOffset, as: UInt8.self) == 1,
           let types = payload.getSlice(at: boundFlagOffset + 1, length: statement.parameterCount * 2) {
            statement.parameterTypes = ByteBuffer(buffer: types)
        }
        let wantsCursor = flags & 0x07 != 0
        statement.hasCursor = wantsCursor
        statements[id] = statement
        routePrepared(sql: statement.sql, digest: statement.digest)
        queryInFlight = statement.digest.map { QueryInFlight(digest: $0, startNanos: NIODeadline.now().uptimeNanoseconds) }
        let snapshot = statement
        // A read may run again on another server if its server dies before answering (as text queries do);
        // not with a cursor, whose later fetches need the connection it was opened on.
        nextCommandOptions.repeatableRead = statement.isPlainRead && !wantsCursor
        nextStatement = statement.facts
        if wantsCursor { nextStatement.pins.insert(.cursor) }
        runOnBackend(payload, command: .execute, retriable: true, build: { session, conn in
            session.buildExecute(snapshot, payload, on: conn)
        }, after: { session, _, _, isError in
            if !snapshot.longData.isEmpty { session.statements[id]?.clearLongData() }
        })
    }

    /// An execute's payload for `conn`: with that connection's statement id at once when it has the statement
    /// prepared (and no long data waits); otherwise prepared there first, then its long data sent.
    func buildExecute(_ statement: ClientStatement, _ payload: ByteBuffer, on conn: BackendConnection) -> BuiltPayload {
        loopContext.statistics.global[.comBackendStmtExecute] += 1
        if statement.longData.isEmpty, let prepared = conn.preparedStatements[statement.sql] {
            return .now(Self.rewriteExecute(payload, backendID: prepared.statementID, statement: statement))
        }
        return .later(ensurePrepared(statement.sql, on: conn).map { prepared in
            for chunk in statement.longData {
                var packet = conn.channel!.allocator.buffer(capacity: chunk.data.readableBytes + 7)
                packet.writeInteger(CommandCode.stmtSendLongData.rawValue)
                packet.writeInteger(prepared.statementID, endianness: .little)
                packet.writeInteger(chunk.parameter, endianness: .little)
                var data = chunk.data
                packet.writeBuffer(&data)
                conn.sendWithoutResponse(packet)
            }
            return Self.rewriteExecute(payload, backendID: prepared.statementID, statement: statement)
        })
    }

    /// The execute packet with the backend's statement id, and the parameter types added back when
    /// the client left them out.
    static func rewriteExecute(_ payload: ByteBuffer, backendID: UInt32, statement: ClientStatement) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: payload.readableBytes + statement.parameterCount * 2 + 8)
        out.writeInteger(CommandCode.stmtExecute.rawValue)
        out.writeInteger(backendID, endianness: .little)
        let start = payload.readerIndex + 5
        let nullBitmapLength = (statement.parameterCount + 7) / 8
        let boundFlagOffset = payload.readerIndex + 10 + nullBitmapLength
        if statement.parameterCount > 0, payload.getInteger(at: boundFlagOffset, as: UInt8.self) == 0,
           var types = statement.parameterTypes {
            var head = payload.getSlice(at: start, length: boundFlagOffset - start)!
            out.writeBuffer(&head)
            out.writeInteger(UInt8(1))
            out.writeBuffer(&types)
            var values = payload.getSlice(at: boundFlagOffset + 1, length: payload.writerIndex - boundFlagOffset - 1)!
            out.writeBuffer(&values)
        } else {
            var rest = payload.getSlice(at: start, length: payload.writerIndex - start)!
            out.writeBuffer(&rest)
        }
        return out
    }

    func longDataReceived(_ payload: ByteBuffer) {
        guard let id = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt32.self),
              let parameter = payload.getInteger(at: payload.readerIndex + 5, endianness: .little, as: UInt16.self),
              statements[id] != nil,
              let data = payload.getSlice(at: payload.readerIndex + 7, length: payload.readableBytes - 7) else { return }
        // No reply: errors surface at the next execute, as on a server.
        let held = statements.values.reduce(0) { $0 + $1.longDataBytes }
        let adds = data.readableBytes + ClientStatement.longDataChunkOverhead
        guard held + adds <= assembler.maxPacketLength, statements[id]?.longDataRefused == false else {
            statements[id]?.clearLongData()
            statements[id]?.longDataRefused = true
            return
        }
        // A copy: a slice would keep the whole read buffer it came from alive.
        statements[id]?.appendLongData(parameter: parameter, data: ByteBuffer(buffer: data))
    }

    func closeStatementReceived(_ payload: ByteBuffer) {
        guard let id = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt32.self) else { return }
        statements[id] = nil
    }

    func resetStatementReceived(_ payload: ByteBuffer) {
        guard let id = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt32.self),
              statements[id] != nil else {
            unknownStatement(payload, command: "mysqld_stmt_reset")
            return
        }
        statements[id]?.clearLongData()
        statements[id]?.longDataRefused = false
        sendOK(sequenceID: 1)
    }

    func fetchReceived(_ payload: ByteBuffer) {
        guard let id = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt32.self),
              let statement = statements[id], backend != nil else {
            unknownStatement(payload, command: "mysqld_stmt_fetch")
            return
        }
        runOnBackend(payload, command: .fetch, retriable: false, build: { session, conn in
            var out = ByteBufferAllocator().buffer(capacity: payload.readableBytes)
            out.writeInteger(CommandCode.stmtFetch.rawValue)
            out.writeInteger(conn.preparedStatements[statement.sql]?.statementID ?? 0, endianness: .little)
            var rest = payload.getSlice(at: payload.readerIndex + 5, length: payload.readableBytes - 5)!
            out.writeBuffer(&rest)
            return .now(out)
        })
    }

    private func unknownStatement(_ payload: ByteBuffer, command: String) {
        let id = payload.getInteger(at: payload.readerIndex + 1, endianness: .little, as: UInt32.self) ?? 0
        sendError(ProxyError.unknownStatement(id, command: command).errPacket, sequenceID: 1)
    }
}
