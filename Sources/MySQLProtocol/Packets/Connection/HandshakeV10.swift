import NIOCore

/// Protocol::HandshakeV10 — the server's first packet.
public struct HandshakeV10: Equatable, Sendable {
    public var protocolVersion: UInt8 = 10
    public var serverVersion: String
    public var connectionID: UInt32
    /// The 20-byte nonce ("auth-plugin-data") the client scrambles its password with.
    public var authPluginData: [UInt8]
    public var capabilities: CapabilityFlags
    public var characterSet: UInt8
    public var statusFlags: ServerStatusFlags
    public var authPluginName: String

    public init(serverVersion: String, connectionID: UInt32, authPluginData: [UInt8], capabilities: CapabilityFlags,
                characterSet: UInt8, statusFlags: ServerStatusFlags = .autocommit,
                authPluginName: String = "mysql_native_password") {
        self.serverVersion = serverVersion
        self.connectionID = connectionID
        self.authPluginData = authPluginData
        self.capabilities = capabilities
        self.characterSet = characterSet
        self.statusFlags = statusFlags
        self.authPluginName = authPluginName
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(protocolVersion)
        buffer.writeNullTerminatedString(serverVersion)
        buffer.writeInteger(connectionID, endianness: .little)
        buffer.writeBytes(authPluginData.prefix(8))
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt16(truncatingIfNeeded: capabilities.rawValue), endianness: .little)
        buffer.writeInteger(characterSet)
        buffer.writeInteger(statusFlags.rawValue, endianness: .little)
        buffer.writeInteger(UInt16(truncatingIfNeeded: capabilities.rawValue >> 16), endianness: .little)
        buffer.writeInteger(UInt8(capabilities.contains(.pluginAuth) ? authPluginData.count + 1 : 0))
        buffer.writeRepeatingByte(0, count: 10)
        if capabilities.contains(.secureConnection) {
            buffer.writeBytes(authPluginData.dropFirst(8))
            buffer.writeInteger(UInt8(0))
        }
        if capabilities.contains(.pluginAuth) { buffer.writeNullTerminatedString(authPluginName) }
    }

    public static func decode(from payload: ByteBuffer) throws -> HandshakeV10 {
        var buffer = payload
        guard let version = buffer.readInteger(as: UInt8.self) else { throw ProtocolError.malformedPacket("handshake") }
        if version == 0xFF { throw ProtocolError.serverError(try ErrPacket.decode(from: payload, capabilities: .protocol41)) }
        guard version == 10 else { throw ProtocolError.unsupported("handshake protocol version \(version)") }
        guard let serverVersion = buffer.readNullTerminatedString(),
              let connectionID = buffer.readInteger(endianness: .little, as: UInt32.self),
              let part1 = buffer.readBytes(length: 8),
              buffer.readInteger(as: UInt8.self) != nil,
              let capsLow = buffer.readInteger(endianness: .little, as: UInt16.self) else {
            throw ProtocolError.malformedPacket("handshake")
        }
        var capabilities = CapabilityFlags(rawValue: UInt32(capsLow))
        var characterSet: UInt8 = 33
        var status = ServerStatusFlags()
        var pluginName = "mysql_native_password"
        var data = part1
        if let cs = buffer.readInteger(as: UInt8.self),
           let st = buffer.readInteger(endianness: .little, as: UInt16.self),
           let capsHigh = buffer.readInteger(endianness: .little, as: UInt16.self),
           let dataLength = buffer.readInteger(as: UInt8.self), buffer.readBytes(length: 10) != nil {
            characterSet = cs
            status = ServerStatusFlags(rawValue: st)
            capabilities.formUnion(CapabilityFlags(rawValue: UInt32(capsHigh) << 16))
            if capabilities.contains(.secureConnection) {
                let length = max(13, Int(dataLength) - 8)
                guard let part2 = buffer.readBytes(length: length) else { throw ProtocolError.malformedPacket("handshake") }
                data += part2.prefix(while: { $0 != 0 }).prefix(12)
            }
            if capabilities.contains(.pluginAuth) {
                pluginName = buffer.readNullTerminatedString() ?? buffer.readString(length: buffer.readableBytes) ?? pluginName
            }
        }
        return HandshakeV10(serverVersion: serverVersion, connectionID: connectionID, authPluginData: data,
                            capabilities: capabilities, characterSet: characterSet, statusFlags: status,
                            authPluginName: pluginName)
    }
}
