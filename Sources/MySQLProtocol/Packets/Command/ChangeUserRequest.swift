import NIOCore

/// COM_CHANGE_USER as a client sends it: log in again as another user, on the same connection.
public struct ChangeUserRequest: Equatable, Sendable {
    public var username: String
    public var scramble: [UInt8]
    /// nil when the client named none (or an empty one).
    public var schema: String?
    /// The client's character set, when it sent one.
    public var collation: UInt8?
    public var authPlugin: String?

    public init(username: String, scramble: [UInt8], schema: String?, collation: UInt8?, authPlugin: String?) {
        self.username = username
        self.scramble = scramble
        self.schema = schema
        self.collation = collation
        self.authPlugin = authPlugin
    }

    /// Reads the payload (command byte included); what the client's capabilities leave out stays nil.
    public static func decode(from payload: ByteBuffer, capabilities: CapabilityFlags) throws -> ChangeUserRequest {
        var buffer = payload
        buffer.moveReaderIndex(forwardBy: min(1, buffer.readableBytes))
        guard let username = buffer.readNullTerminatedString() else { throw ProtocolError.malformedPacket("COM_CHANGE_USER") }
        let scramble: [UInt8]
        if capabilities.contains(.secureConnection) {
            let length = buffer.readInteger(as: UInt8.self) ?? 0
            scramble = buffer.readBytes(length: Int(length)) ?? []
        } else {
            scramble = Array((buffer.readNullTerminatedString() ?? "").utf8)
        }
        var schema = buffer.readNullTerminatedString()
        if schema?.isEmpty == true { schema = nil }
        let collation = buffer.readInteger(endianness: .little, as: UInt16.self).map { UInt8(truncatingIfNeeded: $0) }
        var plugin: String?
        if capabilities.contains(.pluginAuth), let name = buffer.readNullTerminatedString(), !name.isEmpty { plugin = name }
        return ChangeUserRequest(username: username, scramble: scramble, schema: schema, collation: collation, authPlugin: plugin)
    }
}
