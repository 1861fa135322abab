import MySQLProtocol
import NIOCore

/// Frontend authentication: HandshakeResponse41, auth switch, and the connection limits.
extension ClientSession {
    func handshakeResponseReceived(_ packet: MySQLPacketAssembler.Packet) {
        if HandshakeResponse41.isSSLRequest(packet.payload) {
            sendError(MySQLErrorCode.handshakeError.packet("Junction does not offer TLS on this port yet"), sequenceID: packet.lastSequenceID &+ 1)
            context?.close(promise: nil)
            phase = .closed
            return
        }
        let response: HandshakeResponse41
        do { response = try HandshakeResponse41.decode(from: packet.payload) } catch {
            sendError(MySQLErrorCode.handshakeError.packet("Bad handshake"), sequenceID: packet.lastSequenceID &+ 1)
            context?.close(promise: nil)
            phase = .closed
            return
        }
        clientCapabilities = response.capabilities.intersection(serverCapabilities)
        collation = response.characterSet
        let plugin = response.authPluginName ?? NativePassword.pluginName
        let sequence = packet.lastSequenceID &+ 1
        switch plugin {
        case NativePassword.pluginName:
            finishLogin(response, scramble: response.authResponse, plugin: plugin, sequenceID: sequence)
        case CachingSHA2Password.pluginName:
            finishLogin(response, scramble: response.authResponse, plugin: plugin, sequenceID: sequence)
        default:
            // Ask the client to use mysql_native_password with the same nonce.
            var out = ByteBufferAllocator().buffer(capacity: 64)
            out.writeMySQLPacket(sequenceID: sequence) {
                AuthSwitchRequest(pluginName: NativePassword.pluginName, pluginData: nonce).encode(into: &$0)
            }
            writeAndFlush(out)
            phase = .awaitingAuthSwitchResponse(response)
        }
    }

    func authSwitchResponseReceived(_ packet: MySQLPacketAssembler.Packet, original: HandshakeResponse41) {
        finishLogin(original, scramble: Array(packet.payload.readableBytesView), plugin: NativePassword.pluginName,
                    sequenceID: packet.lastSequenceID &+ 1)
    }

    private func finishLogin(_ response: HandshakeResponse41, scramble: [UInt8], plugin: String, sequenceID: UInt8) {
        let snapshot = loopContext.snapshot
        var sequence = sequenceID
        let address = context?.remoteAddress?.ipAddress ?? "localhost"
        guard let candidate = snapshot.users[response.username], candidate.frontend,
              Self.verify(scramble: scramble, plugin: plugin, password: candidate.password, nonce: nonce) else {
            let usingPassword = scramble.isEmpty ? "NO" : "YES"
            logger.info("access denied", metadata: ["user": "\(response.username)", "client": "\(address)"])
            loopContext.statistics.global[.accessDeniedWrongPassword] += 1
            sendError(MySQLErrorCode.accessDenied.packet("Access denied for user '\(response.username)'@'\(address)' (using password: \(usingPassword))"),
                      sequenceID: sequence)
            context?.close(promise: nil)
            phase = .closed
            return
        }
        let total = loopContext.store.clientConnections.add(1, ordering: .relaxed).newValue
        let perUser = loopContext.store.connectionsPerUser.withLockedValue { counts -> Int in
            counts[candidate.username, default: 0] += 1
            return counts[candidate.username]!
        }
        user = candidate
        countedAsConnection = true
        if total > snapshot.settings.maxConnections {
            loopContext.statistics.global[.accessDeniedMaxConnections] += 1
            refuse(MySQLErrorCode.tooManyConnections.packet("Too many connections"), sequenceID: sequence)
            return
        }
        if perUser > candidate.maxConnections {
            loopContext.statistics.global[.accessDeniedMaxUserConnections] += 1
            refuse(MySQLErrorCode.userConnectionLimit.packet(
                "User '\(candidate.username)' has exceeded the 'max_user_connections' resource (current value: \(candidate.maxConnections))"),
                sequenceID: sequence)
            return
        }
        hostgroup = candidate.defaultHostgroup
        settings = SessionSettings(schema: response.database ?? candidate.defaultSchema,
                                   multiStatements: clientCapabilities.contains(.multiStatements))
        logger[metadataKey: "user"] = "\(candidate.username)"
        if plugin == CachingSHA2Password.pluginName {
            var out = ByteBufferAllocator().buffer(capacity: 8)
            out.writeMySQLPacket(sequenceID: sequence) { AuthMoreData.encode([AuthMoreData.fastAuthSuccess], into: &$0) }
            write(out)
            sequence &+= 1
        }
        phase = .ready
        loginCompleted = true
        cancelLoginDeadline()
        assembler.maxPacketLength = loopContext.snapshot.settings.maxAllowedPacket
        sendOK(sequenceID: sequence)
    }

    private func refuse(_ err: ErrPacket, sequenceID: UInt8) {
        sendError(err, sequenceID: sequenceID)
        context?.close(promise: nil)
        phase = .closed
    }

    static func verify(scramble: [UInt8], plugin: String, password: String, nonce: [UInt8]) -> Bool {
        if plugin == CachingSHA2Password.pluginName {
            return CachingSHA2Password.verify(scramble: scramble, clearPassword: password, nonce: nonce)
        }
        return NativePassword.verify(scramble: scramble, storedPassword: password, nonce: nonce)
    }
}
