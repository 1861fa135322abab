/// An admin statement prepared for command matching: the text SQLite will run (trimmed, trailing `;`
/// removed) and the matching form (whitespace runs collapsed, upper-cased).
public struct AdminStatementText: Sendable {
    /// What SQLite runs if no command matches.
    public let sql: String
    /// Single-spaced, original case (names and values keep their spelling).
    public let spaced: String
    /// `spaced` with ASCII letters upper-cased, for comparing with command texts.
    public let normalized: String

    public init(_ raw: String) {
        // Bytes, not Characters: grapheme breaking cost about 0.7 s per MiB of statement, and a hostile 16 MiB
        // statement held every admin session that long. Whitespace that separates words is ASCII.
        let bytes = Array(raw.utf8)
        var lower = 0
        var upper = bytes.count
        while upper > lower, bytes[upper - 1] == UInt8(ascii: ";") || Self.isSpace(bytes[upper - 1]) { upper -= 1 }
        while lower < upper, Self.isSpace(bytes[lower]) { lower += 1 }
        sql = String(decoding: bytes[lower..<upper], as: UTF8.self)
        var collapsed: [UInt8] = []
        collapsed.reserveCapacity(upper - lower)
        var pendingSpace = false
        for byte in bytes[lower..<upper] {
            if Self.isSpace(byte) { pendingSpace = true; continue }
            if pendingSpace, !collapsed.isEmpty { collapsed.append(UInt8(ascii: " ")) }
            pendingSpace = false
            collapsed.append(byte)
        }
        spaced = String(decoding: collapsed, as: UTF8.self)
        // ASCII letters only: full Unicode upper-casing can turn one character into two (U+0345 becomes a
        // separate "Ι" after a line break), and the words of `normalized` must line up with those of `spaced`.
        normalized = String(decoding: collapsed.map { $0 &- 97 < 26 ? $0 &- 32 : $0 }, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
