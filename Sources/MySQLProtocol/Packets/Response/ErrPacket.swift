import NIOCore

/// ERR_Packet (header 0xFF): error code, SQLSTATE and message.
public struct ErrPacket: Equatable, Sendable, Error {
    public var errorCode: UInt16
    public var sqlState: String
    public var message: String

    public init(errorCode: UInt16, sqlState: String, message: String) {
        self.errorCode = errorCode
        self.sqlState = sqlState
        self.message = message
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0xFF))
        buffer.writeInteger(errorCode, endianness: .little)
        buffer.writeInteger(UInt8(ascii: "#"))
        let state = Array(sqlState.utf8.prefix(5))
        buffer.writeBytes(state + Array(repeating: UInt8(ascii: "0"), count: 5 - state.count))
        buffer.writeString(Self.bounded(message))
    }

    /// Servers cut error messages at 512 bytes (MYSQL_ERRMSG_SIZE); so does Junction, so that a message quoting
    /// what a client sent (a 20 MiB user name in a hostile handshake) can never outgrow a packet.
    public static let maxMessageBytes = 512

    static func bounded(_ message: String) -> String {
        guard message.utf8.count > maxMessageBytes else { return message }
        var cut = ""
        for character in message {
            guard cut.utf8.count + character.utf8.count <= maxMessageBytes else { break }
            cut.append(character)
        }
        return cut
    }

    public static func decode(from payload: ByteBuffer, capabilities: CapabilityFlags) throws -> ErrPacket {
        var buffer = payload
        guard buffer.readInteger(as: UInt8.self) == 0xFF,
              let code = buffer.readInteger(endianness: .little, as: UInt16.self) else { throw ProtocolError.malformedPacket("ERR") }
        var state = "HY000"
        if capabilities.contains(.protocol41), buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "#") {
            buffer.moveReaderIndex(forwardBy: 1)
            state = buffer.readString(length: 5) ?? state
        }
        return ErrPacket(errorCode: code, sqlState: state, message: buffer.readString(length: buffer.readableBytes) ?? "")
    }
}

extension ErrPacket: CustomStringConvertible {
    public var description: String { "ERROR \(errorCode) (\(sqlState)): \(message)" }
}
