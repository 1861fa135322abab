/// A statement with its tokens, and helpers to read them as text.
public struct TokenizedStatement: Sendable {
    public let bytes: [UInt8]
    public let tokens: [SQLToken]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var tokens: [SQLToken] = []
        // About one token per 4 bytes of SQL: one allocation instead of a doubling series.
        tokens.reserveCapacity(min(bytes.count / 4 + 4, 1024))
        var tokenizer = SQLTokenizer(bytes)
        while let token = tokenizer.next() { tokens.append(token) }
        self.tokens = tokens
    }

    public init(_ text: String) { self.init(Array(text.utf8)) }

    /// The token's source text.
    public func text(_ token: SQLToken) -> String {
        String(decoding: bytes[token.start..<token.end], as: UTF8.self)
    }

    /// The token's text in upper case, for keyword comparison.
    public func keyword(_ index: Int) -> String? {
        guard index < tokens.count, tokens[index].kind == .word else { return nil }
        return upper(tokens[index])
    }

    /// Whether token `index` is the word `keyword` (upper-case ASCII), ignoring case. Reads the bytes:
    /// no string is made, unlike comparing `keyword(index)`.
    public func isKeyword(_ index: Int, _ keyword: StaticString) -> Bool {
        guard index < tokens.count, tokens[index].kind == .word else { return false }
        let token = tokens[index]
        let count = keyword.utf8CodeUnitCount
        guard token.end - token.start == count else { return false }
        let expected = keyword.utf8Start
        for offset in 0..<count {
            let byte = bytes[token.start + offset]
            if (byte &- 97 < 26 ? byte &- 32 : byte) != expected[offset] { return false }
        }
        return true
    }

    /// The token's text in ASCII upper case (keywords are ASCII; no allocation for short words).
    public func upper(_ token: SQLToken) -> String {
        ASCIIWords.uppercased(bytes[token.start..<token.end])
    }

    /// Source text from the start of token `from` to the end of token `to` (inclusive).
    public func text(from: Int, to: Int) -> String {
        String(decoding: bytes[tokens[from].start..<tokens[to].end], as: UTF8.self)
    }

    /// An identifier's name: backticks removed and doubled backticks undone.
    public func identifier(_ token: SQLToken) -> String {
        let raw = text(token)
        guard token.kind == .quotedIdentifier, raw.count >= 2 else { return raw }
        var name = ""
        var previousWasBacktick = false
        for ch in raw.dropFirst().dropLast() {
            if ch == "`", previousWasBacktick { previousWasBacktick = false; continue }
            previousWasBacktick = ch == "`"
            name.append(ch)
        }
        return name
    }
}
