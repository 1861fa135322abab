/// Byte-level text checks for admin statements, which may be many MiB long: Foundation's case-insensitive
/// search and Unicode case mapping cost seconds per 16 MiB statement, and every admin session waits meanwhile
/// (they share one thread and one SQLite connection). Every word matched here is ASCII.
extension StringProtocol {
    /// Whether `needle` (ASCII) occurs in the text, ignoring the case of ASCII letters.
    func containsASCIICaseInsensitive(_ needle: String) -> Bool {
        let pattern = Array(needle.utf8).map(asciiLowercased)
        if let found = utf8.withContiguousStorageIfAvailable({ Self.search(pattern, in: $0) }) { return found }
        return Array(utf8).withUnsafeBufferPointer { Self.search(pattern, in: $0) }
    }

    private static func search(_ pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = pattern.first else { return true }
        guard bytes.count >= pattern.count else { return false }
        var start = 0
        while start <= bytes.count - pattern.count {
            if asciiLowercased(bytes[start]) == first {
                var matched = 1
                while matched < pattern.count, asciiLowercased(bytes[start + matched]) == pattern[matched] { matched += 1 }
                if matched == pattern.count { return true }
            }
            start += 1
        }
        return false
    }
}

@inline(__always)
private func asciiLowercased(_ byte: UInt8) -> UInt8 {
    byte &- 65 < 26 ? byte &+ 32 : byte
}
