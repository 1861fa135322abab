import NIOCore

/// One wire frame: a 4-byte header (3-byte little-endian length, 1-byte sequence id) and its payload.
///
/// A logical packet of 0xFFFFFF bytes or more is sent as several frames; every frame but the last
/// has the maximum length. `MySQLFrame` is that unit; `MySQLPacketAssembler` joins frames.
public enum MySQLFrame {
    /// Largest payload one frame can carry; a frame this long is continued by the next one.
    public static let maxPayloadLength = 0xFF_FFFF
    public static let headerLength = 4
}

extension ByteBuffer {
    /// Peeks the header of the next frame: payload length and sequence id, or nil if fewer than 4 bytes.
    @inlinable
    public func peekFrameHeader(at index: Int? = nil) -> (length: Int, sequenceID: UInt8)? {
        guard let word = getInteger(at: index ?? readerIndex, endianness: .little, as: UInt32.self) else { return nil }
        return (Int(word & 0x00FF_FFFF), UInt8(truncatingIfNeeded: word >> 24))
    }

    /// Reads the next complete frame as (payload slice, sequence id), or nil until all of it has arrived.
    @inlinable
    public mutating func readFrame() -> (payload: ByteBuffer, sequenceID: UInt8)? {
        guard let (length, sequenceID) = peekFrameHeader(),
              readableBytes >= MySQLFrame.headerLength + length else { return nil }
        moveReaderIndex(forwardBy: MySQLFrame.headerLength)
        return (readSlice(length: length)!, sequenceID)
    }

    /// Like `readFrame`, but the payload slice keeps the frame's header in front of its reader index, so
    /// that `frameInFront(sequenceID:)` can hand the whole frame on without framing a copy.
    @inlinable
    public mutating func readFrameKeepingHeader() -> (payload: ByteBuffer, sequenceID: UInt8)? {
        guard let (length, sequenceID) = peekFrameHeader(),
              readableBytes >= MySQLFrame.headerLength + length else { return nil }
        var payload = readSlice(length: MySQLFrame.headerLength + length)!
        payload.moveReaderIndex(forwardBy: MySQLFrame.headerLength)
        return (payload, sequenceID)
    }

    /// This payload framed with `sequenceID`, without a copy, when the four bytes in front of its reader
    /// index are that frame's header (a packet read with `readFrameKeepingHeader`); nil otherwise. A
    /// header holds only the length and the sequence id, so bytes that say exactly those are the header
    /// framing would write, wherever they came from.
    public func frameInFront(sequenceID: UInt8) -> ByteBuffer? {
        let start = readerIndex - MySQLFrame.headerLength
        guard start >= 0, readableBytes < MySQLFrame.maxPayloadLength else { return nil }
        // `get…` only reads between the reader and writer indexes: step the reader index back instead.
        var frame = self
        frame.moveReaderIndex(to: start)
        guard let (length, sequence) = frame.peekFrameHeader(), length == readableBytes, sequence == sequenceID
        else { return nil }
        return frame
    }

    /// Writes `payload` as one logical packet, split into frames of at most 0xFFFFFF bytes
    /// (with an empty final frame when the length is an exact multiple). Returns the next sequence id.
    @discardableResult
    public mutating func writeMySQLPacket(sequenceID: UInt8, payload: ByteBuffer) -> UInt8 {
        var sequence = sequenceID
        var rest = payload
        while true {
            let chunk = Swift.min(rest.readableBytes, MySQLFrame.maxPayloadLength)
            writeInteger(UInt32(chunk) | UInt32(sequence) << 24, endianness: .little)
            var part = rest.readSlice(length: chunk)!
            writeBuffer(&part)
            sequence &+= 1
            if chunk < MySQLFrame.maxPayloadLength { return sequence }
        }
    }

    /// Writes a packet whose payload `body` produces; the header is written last. Returns the next sequence id.
    /// A payload of 16 MiB or more (a column name or value a client chose) is split into frames as the protocol
    /// says, and then takes more than one sequence id.
    @inlinable
    @discardableResult
    public mutating func writeMySQLPacket(sequenceID: UInt8, _ body: (inout ByteBuffer) -> Void) -> UInt8 {
        let start = writerIndex
        writeInteger(UInt32(0))
        body(&self)
        let length = writerIndex - start - MySQLFrame.headerLength
        guard length < MySQLFrame.maxPayloadLength else {
            let payload = getSlice(at: start + MySQLFrame.headerLength, length: length)!
            moveWriterIndex(to: start)
            return writeMySQLPacket(sequenceID: sequenceID, payload: payload)
        }
        setInteger(UInt32(length) | UInt32(sequenceID) << 24, at: start, endianness: .little)
        return sequenceID &+ 1
    }
}
