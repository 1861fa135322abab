/// Case-insensitive ASCII word helpers for code that runs on every query: they read bytes and make
/// only small strings (up to 15 bytes, stored inline, never on the heap).
public enum ASCIIWords {
    /// `bytes` in ASCII upper case; other bytes are kept as they are.
    @inlinable
    public static func uppercased<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var index = 0
            for byte in bytes {
                buffer[index] = byte &- 97 < 26 ? byte &- 32 : byte
                index += 1
            }
            return index
        }
    }

    /// The space-separated word starting at or after `start`, upper-cased ("" when there is none or it is
    /// longer than 15 bytes, which no keyword is), and the index after it.
    public static func upperWord(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (word: String, end: Int) {
        var begin = start
        while begin < bytes.count, bytes[begin] == UInt8(ascii: " ") { begin += 1 }
        var end = begin
        while end < bytes.count, bytes[end] != UInt8(ascii: " ") { end += 1 }
        guard end > begin, end - begin <= 15 else { return ("", end) }
        return (uppercased(bytes[begin..<end]), end)
    }

    /// Whether `needle` (upper-case ASCII) occurs in `bytes`, ignoring ASCII case.
    public static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: StaticString) -> Bool {
        let count = needle.utf8CodeUnitCount
        guard count > 0, bytes.count >= count else { return false }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        var start = 0
        while start + count <= bytes.count {
            if matches(bytes, at: start, pattern) { return true }
            start += 1
        }
        return false
    }

    /// Whether `bytes` starts with `prefix` (upper-case ASCII), ignoring ASCII case.
    public static func hasPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ prefix: StaticString) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard bytes.count >= count else { return false }
        return matches(bytes, at: 0, UnsafeBufferPointer(start: prefix.utf8Start, count: count))
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, _ pattern: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in 0..<pattern.count {
            let byte = bytes[start + offset]
            if (byte &- 97 < 26 ? byte &- 32 : byte) != pattern[offset] { return false }
        }
        return true
    }
}
