/// A statement with its tokens, and helpers to read them as text.
///
/// Only the first `keptTokenLimit` tokens are kept (and the last few): what needs every token is gathered while
/// tokenizing (`TraitScanner`), so a statement of millions of tokens — 60 MiB of `(` — costs time in proportion
/// to its length but no memory beyond its bytes.
public struct TokenizedStatement: Sendable {
    public let bytes: [UInt8]
    /// The statement's tokens: all of them, or the first `keptTokenLimit` (see `isCut`).
    public let tokens: [SQLToken]
    /// The last tokens (up to `lastTokenCount`), in order.
    public let lastTokens: [SQLToken]
    /// How many tokens the statement has.
    public let tokenCount: Int
    /// What needs every token, gathered while tokenizing.
    let scanner: TraitScanner

    public static let keptTokenLimit = 4096
    public static let lastTokenCount = 8

    /// The statement has more tokens than `tokens` holds: parsers that need all of them give up.
    public var isCut: Bool { tokenCount > tokens.count }

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var tokens: [SQLToken] = []
        // About one token per 4 bytes of SQL: one allocation instead of a doubling series.
        tokens.reserveCapacity(min(bytes.count / 4 + 4, 1024))
        var last = [SQLToken](repeating: SQLToken(kind: .punctuation, start: 0, end: 0), count: Self.lastTokenCount)
        var scanner = TraitScanner()
        var count = 0
        var tokenizer = SQLTokenizer(bytes)
        while let token = tokenizer.next() {
            if count < Self.keptTokenLimit { tokens.append(token) }
            last[count % Self.lastTokenCount] = token
            scanner.scan(token, in: bytes)
            count += 1
        }
        self.tokens = tokens
        self.tokenCount = count
        let kept = min(count, Self.lastTokenCount)
        self.lastTokens = (count - kept..<count).map { last[$0 % Self.lastTokenCount] }
        self.scanner = scanner
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
        guard index >= 0, index < tokens.count else { return false }
        return isKeyword(tokens[index], keyword)
    }

    /// Whether `token` is the word `keyword` (upper-case ASCII), ignoring case.
    public func isKeyword(_ token: SQLToken, _ keyword: StaticString) -> Bool {
        guard token.kind == .word else { return false }
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
