import NIOCore

/// Why a login to a server failed.
public enum LoginFailure: Error, Equatable, Sendable {
    /// The server refused the credentials (its ERR packet).
    case authenticationFailed(ErrPacket)
    /// The server wants an authentication method Junction does not speak.
    case unsupportedAuth(String)
    case protocolViolation(String)
}

/// The client side of the login handshake with a server, as a pure state machine (used for backend
/// connections and by the monitor).
public struct ClientLogin: Sendable {
    public enum Action {
        /// Send this payload with this sequence id.
        case send(ByteBuffer, sequenceID: UInt8)
        /// Wait for the next packet.
        case wait
        case authenticated(HandshakeV10)
        case failed(LoginFailure)
    }

    private enum State { case awaitingHandshake, awaitingResult(nonce: [UInt8], handshake: HandshakeV10), done }

    public let username: String
    let password: String
    public let schema: String?
    let wantedCapabilities: CapabilityFlags
    let collation: UInt8
    private var state = State.awaitingHandshake
    public private(set) var negotiated: CapabilityFlags = []

    public init(username: String, password: String, schema: String?, wantedCapabilities: CapabilityFlags, collation: UInt8) {
        self.username = username
        self.password = password
        self.schema = schema
        self.wantedCapabilities = wantedCapabilities
        self.collation = collation
    }

    public mutating func packetReceived(_ payload: ByteBuffer, sequenceID: UInt8) -> Action {
        switch state {
        case .awaitingHandshake:
            let handshake: HandshakeV10
            do { handshake = try HandshakeV10.decode(from: payload) } catch let ProtocolError.serverError(err) {
                state = .done
                return .failed(.authenticationFailed(err))
            } catch {
                state = .done
                return .failed(.protocolViolation("bad handshake: \(error)"))
            }
            negotiated = wantedCapabilities.intersection(handshake.capabilities).union([.protocol41])
            if schema == nil { negotiated.remove(.connectWithDB) } else { negotiated.insert(.connectWithDB) }
            // An unknown default plugin: answer with mysql_native_password; the server may switch.
            let known = Self.scramble(plugin: handshake.authPluginName, password: password, nonce: handshake.authPluginData)
            let plugin = known == nil ? NativePassword.pluginName : handshake.authPluginName
            let auth = known ?? NativePassword.scramble(password: password, nonce: handshake.authPluginData)
            let response = HandshakeResponse41(capabilities: negotiated, characterSet: collation, username: username,
                                               authResponse: auth, database: schema, authPluginName: plugin)
            var buffer = ByteBufferAllocator().buffer(capacity: 128)
            response.encode(into: &buffer)
            state = .awaitingResult(nonce: handshake.authPluginData, handshake: handshake)
            return .send(buffer, sequenceID: sequenceID &+ 1)
        case .awaitingResult(_, let handshake):
            guard let first = payload.getInteger(at: payload.readerIndex, as: UInt8.self) else {
                return .failed(.protocolViolation("empty auth packet"))
            }
            switch first {
            case 0x00:
                state = .done
                return .authenticated(handshake)
            case 0xFF:
                state = .done
                let err = (try? ErrPacket.decode(from: payload, capabilities: .protocol41))
                    ?? MySQLErrorCode.accessDenied.packet("backend refused the login")
                return .failed(.authenticationFailed(err))
            case 0xFE:
                guard let request = try? AuthSwitchRequest.decode(from: payload) else {
                    return .failed(.protocolViolation("bad auth switch request"))
                }
                guard let auth = Self.scramble(plugin: request.pluginName, password: password, nonce: request.pluginData) else {
                    state = .done
                    return .failed(.unsupportedAuth("backend asks for auth plugin \(request.pluginName), which Junction does not support"))
                }
                state = .awaitingResult(nonce: request.pluginData, handshake: handshake)
                var buffer = ByteBufferAllocator().buffer(capacity: 32)
                buffer.writeBytes(auth)
                return .send(buffer, sequenceID: sequenceID &+ 1)
            case AuthMoreData.header:
                let status = payload.getInteger(at: payload.readerIndex + 1, as: UInt8.self)
                if status == AuthMoreData.fastAuthSuccess { return .wait }
                state = .done
                return .failed(.unsupportedAuth(
                    "backend requires caching_sha2_password full authentication (TLS or RSA key exchange), which Junction does not do yet; log in once directly to fill the server's cache, or use mysql_native_password"))
            default:
                return .failed(.protocolViolation("unexpected auth packet 0x\(String(first, radix: 16))"))
            }
        case .done:
            return .failed(.protocolViolation("packet after authentication"))
        }
    }

    /// The auth response for a plugin, or nil if Junction does not speak it.
    public static func scramble(plugin: String, password: String, nonce: [UInt8]) -> [UInt8]? {
        switch plugin {
        case NativePassword.pluginName, "": return NativePassword.scramble(password: password, nonce: nonce)
        case CachingSHA2Password.pluginName: return CachingSHA2Password.scramble(password: password, nonce: nonce)
        default: return nil
        }
    }
}
