import NIOCore

/// Protocol::AuthSwitchRequest — the server asks the client to authenticate with another plugin.
public struct AuthSwitchRequest: Equatable, Sendable {
    public var pluginName: String
    public var pluginData: [UInt8]

    public init(pluginName: String, pluginData: [UInt8]) {
        self.pluginName = pluginName
        self.pluginData = pluginData
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0xFE))
        buffer.writeNullTerminatedString(pluginName)
        buffer.writeBytes(pluginData)
        buffer.writeInteger(UInt8(0))
    }

    public static func decode(from payload: ByteBuffer) throws -> AuthSwitchRequest {
        var buffer = payload
        guard buffer.readInteger(as: UInt8.self) == 0xFE, let name = buffer.readNullTerminatedString() else {
            throw ProtocolError.malformedPacket("auth switch request")
        }
        var data = buffer.readBytes(length: buffer.readableBytes) ?? []
        if data.last == 0 { data.removeLast() }
        return AuthSwitchRequest(pluginName: name, pluginData: data)
    }
}

/// Protocol::AuthMoreData — extra authentication data (caching_sha2_password's fast-auth result and key exchange).
public enum AuthMoreData {
    public static let header: UInt8 = 0x01
    /// caching_sha2_password: the scramble matched the server's cache.
    public static let fastAuthSuccess: UInt8 = 0x03
    /// caching_sha2_password: the server needs the full password (TLS or RSA).
    public static let performFullAuthentication: UInt8 = 0x04

    public static func encode(_ data: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeInteger(header)
        buffer.writeBytes(data)
    }
}
