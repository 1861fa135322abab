import NIOCore

/// Reading and writing the protocol's basic data types (length-encoded integers and strings;
/// NUL-terminated strings come with NIO) on `ByteBuffer`. Readers return nil when the buffer is too short and
/// leave the reader index untouched in that case.
extension ByteBuffer {
    /// Reads a length-encoded integer (`int<lenenc>`). 0xFB (NULL) and 0xFF are not integers: nil.
    public mutating func readLengthEncodedInteger() -> UInt64? {
        guard let first = getInteger(at: readerIndex, as: UInt8.self) else { return nil }
        switch first {
        case 0..<0xFB:
            moveReaderIndex(forwardBy: 1)
            return UInt64(first)
        case 0xFC:
            guard let v = getInteger(at: readerIndex + 1, endianness: .little, as: UInt16.self) else { return nil }
            moveReaderIndex(forwardBy: 3)
            return UInt64(v)
        case 0xFD:
            guard readableBytes >= 4,
                  let lo = getInteger(at: readerIndex + 1, endianness: .little, as: UInt16.self),
                  let hi = getInteger(at: readerIndex + 3, as: UInt8.self) else { return nil }
            moveReaderIndex(forwardBy: 4)
            return UInt64(lo) | UInt64(hi) << 16
        case 0xFE:
            guard let v = getInteger(at: readerIndex + 1, endianness: .little, as: UInt64.self) else { return nil }
            moveReaderIndex(forwardBy: 9)
            return v
        default:
            return nil
        }
    }

    /// Writes `value` as `int<lenenc>`.
    @discardableResult
    public mutating func writeLengthEncodedInteger(_ value: UInt64) -> Int {
        switch value {
        case 0..<0xFB:
            return writeInteger(UInt8(value))
        case 0xFB...0xFFFF:
            return writeInteger(UInt8(0xFC)) + writeInteger(UInt16(value), endianness: .little)
        case 0x1_0000...0xFF_FFFF:
            return writeInteger(UInt8(0xFD)) + writeInteger(UInt16(value & 0xFFFF), endianness: .little)
                + writeInteger(UInt8(value >> 16))
        default:
            return writeInteger(UInt8(0xFE)) + writeInteger(value, endianness: .little)
        }
    }

    /// Reads a `string<lenenc>` as a slice sharing storage with this buffer.
    public mutating func readLengthEncodedSlice() -> ByteBuffer? {
        let save = readerIndex
        guard let length = readLengthEncodedInteger(), length <= UInt64(Int.max),
              let slice = readSlice(length: Int(length)) else {
            moveReaderIndex(to: save)
            return nil
        }
        return slice
    }

    /// Reads a `string<lenenc>` as UTF-8 text (invalid bytes repaired).
    public mutating func readLengthEncodedString() -> String? {
        guard let slice = readLengthEncodedSlice() else { return nil }
        return String(buffer: slice)
    }

    /// Writes `bytes` as `string<lenenc>`.
    public mutating func writeLengthEncodedBytes<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        writeLengthEncodedInteger(UInt64(bytes.count))
        writeBytes(bytes)
    }

    /// Writes `text` as `string<lenenc>`.
    public mutating func writeLengthEncodedString(_ text: String) {
        writeLengthEncodedBytes(Array(text.utf8))
    }
}
