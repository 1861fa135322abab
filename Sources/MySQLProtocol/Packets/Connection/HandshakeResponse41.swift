import NIOCore

/// Protocol::HandshakeResponse41 — the client's answer to the handshake.
public struct HandshakeResponse41: Equatable, Sendable {
    public var capabilities: CapabilityFlags
    public var maxPacketSize: UInt32
    public var characterSet: UInt8
    public var username: String
    public var authResponse: [UInt8]
    public var database: String?
    public var authPluginName: String?
    public var attributes: [(key: String, value: String)]

    public init(capabilities: CapabilityFlags, maxPacketSize: UInt32 = 1 << 30, characterSet: UInt8, username: String,
                authResponse: [UInt8], database: String? = nil, authPluginName: String? = nil,
                attributes: [(key: String, value: String)] = []) {
        self.capabilities = capabilities
        self.maxPacketSize = maxPacketSize
        self.characterSet = characterSet
        self.username = username
        self.authResponse = authResponse
        self.database = database
        self.authPluginName = authPluginName
        self.attributes = attributes
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.capabilities == b.capabilities && a.maxPacketSize == b.maxPacketSize && a.characterSet == b.characterSet
            && a.username == b.username && a.authResponse == b.authResponse && a.database == b.database
            && a.authPluginName == b.authPluginName
            && a.attributes.map(\.key) == b.attributes.map(\.key) && a.attributes.map(\.value) == b.attributes.map(\.value)
    }

    /// True when `payload` is an SSLRequest (a handshake response cut short after the filler).
    public static func isSSLRequest(_ payload: ByteBuffer) -> Bool {
        guard payload.readableBytes == 32, let caps = payload.getInteger(at: payload.readerIndex, endianness: .little, as: UInt32.self)
        else { return false }
        return CapabilityFlags(rawValue: caps).contains(.ssl)
    }

    public func encode(into buffer: inout ByteBuffer) {
        var caps = capabilities
        if database != nil { caps.insert(.connectWithDB) } else { caps.remove(.connectWithDB) }
        buffer.writeInteger(caps.rawValue, endianness: .little)
        buffer.writeInteger(maxPacketSize, endianness: .little)
        buffer.writeInteger(characterSet)
        buffer.writeRepeatingByte(0, count: 23)
        buffer.writeNullTerminatedString(username)
        if caps.contains(.pluginAuthLenencClientData) {
            buffer.writeLengthEncodedBytes(authResponse)
        } else if caps.contains(.secureConnection) {
            buffer.writeInteger(UInt8(authResponse.count))
            buffer.writeBytes(authResponse)
        } else {
            buffer.writeBytes(authResponse)
            buffer.writeInteger(UInt8(0))
        }
        if let database { buffer.writeNullTerminatedString(database) }
        if caps.contains(.pluginAuth) { buffer.writeNullTerminatedString(authPluginName ?? "") }
        if caps.contains(.connectAttrs) {
            var attrs = ByteBufferAllocator().buffer(capacity: 64)
            for (key, value) in attributes {
                attrs.writeLengthEncodedString(key)
                attrs.writeLengthEncodedString(value)
            }
            buffer.writeLengthEncodedInteger(UInt64(attrs.readableBytes))
            buffer.writeBuffer(&attrs)
        }
    }

    public static func decode(from payload: ByteBuffer) throws -> HandshakeResponse41 {
        var buffer = payload
        guard let rawCaps = buffer.readInteger(endianness: .little, as: UInt32.self) else {
            throw ProtocolError.malformedPacket("handshake response")
        }
        let caps = CapabilityFlags(rawValue: rawCaps)
        guard caps.contains(.protocol41) else { throw ProtocolError.unsupported("pre-4.1 client protocol") }
        guard let maxPacket = buffer.readInteger(endianness: .little, as: UInt32.self),
              let charset = buffer.readInteger(as: UInt8.self),
              buffer.readBytes(length: 23) != nil,
              let username = buffer.readNullTerminatedString() else {
            throw ProtocolError.malformedPacket("handshake response")
        }
        let auth: [UInt8]
        if caps.contains(.pluginAuthLenencClientData) {
            guard let slice = buffer.readLengthEncodedSlice() else { throw ProtocolError.malformedPacket("auth response") }
            auth = Array(slice.readableBytesView)
        } else if caps.contains(.secureConnection) {
            guard let length = buffer.readInteger(as: UInt8.self), let bytes = buffer.readBytes(length: Int(length)) else {
                throw ProtocolError.malformedPacket("auth response")
            }
            auth = bytes
        } else {
            guard let text = buffer.readNullTerminatedString() else { throw ProtocolError.malformedPacket("auth response") }
            auth = Array(text.utf8)
        }
        var database: String?
        if caps.contains(.connectWithDB), buffer.readableBytes > 0 {
            database = buffer.readNullTerminatedString() ?? buffer.readString(length: buffer.readableBytes)
            if database?.isEmpty == true { database = nil }
        }
        var plugin: String?
        if caps.contains(.pluginAuth), buffer.readableBytes > 0 {
            plugin = buffer.readNullTerminatedString() ?? buffer.readString(length: buffer.readableBytes)
        }
        var attributes: [(key: String, value: String)] = []
        if caps.contains(.connectAttrs), buffer.readableBytes > 0, var attrs = buffer.readLengthEncodedSlice() {
            while attrs.readableBytes > 0 {
                guard let key = attrs.readLengthEncodedString(), let value = attrs.readLengthEncodedString() else { break }
                attributes.append((key, value))
            }
        }
        return HandshakeResponse41(capabilities: caps, maxPacketSize: maxPacket, characterSet: charset, username: username,
                                   authResponse: auth, database: database, authPluginName: plugin, attributes: attributes)
    }
}
