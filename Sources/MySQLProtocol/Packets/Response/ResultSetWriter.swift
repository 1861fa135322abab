import NIOCore

/// Encodes a whole text-protocol result set that Junction answers itself
/// (`select @@version_comment`, admin queries): column count, definitions, rows, terminator.
public struct ResultSetWriter {
    public var capabilities: CapabilityFlags
    public var statusFlags: ServerStatusFlags

    public init(capabilities: CapabilityFlags, statusFlags: ServerStatusFlags = .autocommit) {
        self.capabilities = capabilities
        self.statusFlags = statusFlags
    }

    /// Writes the result set as packets starting at `sequenceID`; returns the next sequence id.
    @discardableResult
    public func write(columns: [ColumnDefinition41], rows: [[String?]], sequenceID: UInt8,
                      into buffer: inout ByteBuffer) -> UInt8 {
        var seq = sequenceID
        buffer.writeMySQLPacket(sequenceID: seq) { $0.writeLengthEncodedInteger(UInt64(columns.count)) }
        seq &+= 1
        for column in columns {
            seq = buffer.writeMySQLPacket(sequenceID: seq) { column.encode(into: &$0) }
        }
        if !capabilities.contains(.deprecateEOF) {
            buffer.writeMySQLPacket(sequenceID: seq) { EOFPacket(statusFlags: statusFlags).encode(into: &$0) }
            seq &+= 1
        }
        for row in rows {
            var payload = ByteBufferAllocator().buffer(capacity: 64)
            for value in row {
                if let value { payload.writeLengthEncodedString(value) } else { payload.writeInteger(UInt8(0xFB)) }
            }
            seq = buffer.writeMySQLPacket(sequenceID: seq, payload: payload)
        }
        if capabilities.contains(.deprecateEOF) {
            buffer.writeMySQLPacket(sequenceID: seq) {
                OKPacket(header: 0xFE, statusFlags: statusFlags).encode(into: &$0, capabilities: capabilities)
            }
        } else {
            buffer.writeMySQLPacket(sequenceID: seq) { EOFPacket(statusFlags: statusFlags).encode(into: &$0) }
        }
        return seq &+ 1
    }
}
