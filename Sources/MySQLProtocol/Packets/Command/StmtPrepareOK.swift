import NIOCore

/// COM_STMT_PREPARE_OK — the first packet of a successful prepare.
public struct StmtPrepareOK: Equatable, Sendable {
    public var statementID: UInt32
    public var columnCount: UInt16
    public var parameterCount: UInt16
    public var warnings: UInt16

    public init(statementID: UInt32, columnCount: UInt16, parameterCount: UInt16, warnings: UInt16 = 0) {
        self.statementID = statementID
        self.columnCount = columnCount
        self.parameterCount = parameterCount
        self.warnings = warnings
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(statementID, endianness: .little)
        buffer.writeInteger(columnCount, endianness: .little)
        buffer.writeInteger(parameterCount, endianness: .little)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(warnings, endianness: .little)
    }

    public static func decode(from payload: ByteBuffer) throws -> StmtPrepareOK {
        var buffer = payload
        guard buffer.readInteger(as: UInt8.self) == 0,
              let id = buffer.readInteger(endianness: .little, as: UInt32.self),
              let columns = buffer.readInteger(endianness: .little, as: UInt16.self),
              let params = buffer.readInteger(endianness: .little, as: UInt16.self) else {
            throw ProtocolError.malformedPacket("COM_STMT_PREPARE_OK")
        }
        _ = buffer.readInteger(as: UInt8.self)
        let warnings = buffer.readInteger(endianness: .little, as: UInt16.self) ?? 0
        return StmtPrepareOK(statementID: id, columnCount: columns, parameterCount: params, warnings: warnings)
    }
}
