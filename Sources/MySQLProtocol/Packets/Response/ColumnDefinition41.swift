import NIOCore

/// Protocol::ColumnDefinition41 — describes one column of a result set.
public struct ColumnDefinition41: Equatable, Sendable {
    public var schema: String
    public var table: String
    public var orgTable: String
    public var name: String
    public var orgName: String
    public var characterSet: UInt16
    public var columnLength: UInt32
    public var type: ColumnType
    public var flags: UInt16
    public var decimals: UInt8

    public init(schema: String = "", table: String = "", orgTable: String = "", name: String, orgName: String = "",
                characterSet: UInt16 = 33, columnLength: UInt32 = 1024, type: ColumnType = .varString,
                flags: UInt16 = 0, decimals: UInt8 = 0x1F) {
        self.schema = schema
        self.table = table
        self.orgTable = orgTable
        self.name = name
        self.orgName = orgName
        self.characterSet = characterSet
        self.columnLength = columnLength
        self.type = type
        self.flags = flags
        self.decimals = decimals
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeLengthEncodedString("def")
        buffer.writeLengthEncodedString(schema)
        buffer.writeLengthEncodedString(table)
        buffer.writeLengthEncodedString(orgTable)
        buffer.writeLengthEncodedString(name)
        buffer.writeLengthEncodedString(orgName)
        buffer.writeLengthEncodedInteger(0x0C)
        buffer.writeInteger(characterSet, endianness: .little)
        buffer.writeInteger(columnLength, endianness: .little)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags, endianness: .little)
        buffer.writeInteger(decimals)
        buffer.writeInteger(UInt16(0))
    }

    public static func decode(from payload: ByteBuffer) throws -> ColumnDefinition41 {
        var buffer = payload
        guard buffer.readLengthEncodedString() != nil,
              let schema = buffer.readLengthEncodedString(), let table = buffer.readLengthEncodedString(),
              let orgTable = buffer.readLengthEncodedString(), let name = buffer.readLengthEncodedString(),
              let orgName = buffer.readLengthEncodedString(), buffer.readLengthEncodedInteger() != nil,
              let charset = buffer.readInteger(endianness: .little, as: UInt16.self),
              let length = buffer.readInteger(endianness: .little, as: UInt32.self),
              let type = buffer.readInteger(as: UInt8.self),
              let flags = buffer.readInteger(endianness: .little, as: UInt16.self),
              let decimals = buffer.readInteger(as: UInt8.self) else { throw ProtocolError.malformedPacket("column definition") }
        return ColumnDefinition41(schema: schema, table: table, orgTable: orgTable, name: name, orgName: orgName,
                                  characterSet: charset, columnLength: length, type: ColumnType(rawValue: type) ?? .varString,
                                  flags: flags, decimals: decimals)
    }
}

/// Column types (`MYSQL_TYPE_*`).
public enum ColumnType: UInt8, Sendable {
    case decimal = 0x00, tiny, short, long, float, double, null, timestamp, longlong, int24, date, time, datetime, year,
         newdate, varchar, bit, timestamp2, datetime2, time2
    case json = 0xF5, newdecimal = 0xF6, enumType = 0xF7, set = 0xF8, tinyBlob = 0xF9, mediumBlob = 0xFA,
         longBlob = 0xFB, blob = 0xFC, varString = 0xFD, string = 0xFE, geometry = 0xFF
}
