/// A statement with its tokens, and helpers to read them as text.
///
/// Only the first `keptTokenLimit` tokens are kept (and the last few): what needs every token is gathered while
/// tokenizing (`TraitScanner`), so a statement of millions of tokens — 60 MiB of `(` — costs time in proportion
/// to its length but no memory beyond its bytes.
public struct TokenizedStatement: Sendable {
    public let bytes: [UInt8]
    /// The statement's tokens: all of them, or the first `keptTokenLimit` (see `isCut`).
    public let tokens: [SQLToken]
    /// How many tokens the statement has.
    public let tokenCount: Int
    /// The last `lastTokenCount` tokens of a cut statement, oldest first (empty when nothing was cut).
    private let cutTail: [SQLToken]
    /// What needs every token of a cut statement, gathered while tokenizing (a statement that is not cut is scanned
    /// from `tokens` when classified: the common case pays nothing here).
    private let cutScanner: TraitScanner

    /// The traits that need every token.
    var scanner: TraitScanner {
        guard !isCut else { return cutScanner }
        var scanner = TraitScanner()
        bytes.withUnsafeBufferPointer { buffer in
            for token in tokens { scanner.scan(token, in: buffer) }
        }
        return scanner
    }

    public static let keptTokenLimit = 4096
    public static let lastTokenCount = 8

    /// The statement has more tokens than `tokens` holds: parsers that need all of them give up.
    public var isCut: Bool { tokenCount > tokens.count }

    /// The last tokens (up to `lastTokenCount`), in order.
    public var lastTokens: ArraySlice<SQLToken> { isCut ? cutTail[...] : tokens.suffix(Self.lastTokenCount) }

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var tokens: [SQLToken] = []
        // About one token per 4 bytes of SQL: one allocation instead of a doubling series.
        tokens.reserveCapacity(min(bytes.count / 4 + 4, 1024))
        var cut: CutState?
        var count = 0
        var tokenizer = SQLTokenizer(bytes)
        while let token = tokenizer.next() {
            if count < Self.keptTokenLimit {
                tokens.append(token)
            } else {
                Self.cutTokenArrived(token, index: count, kept: tokens, bytes: bytes, cut: &cut)
            }
            count += 1
        }
        self.tokens = tokens
        self.tokenCount = count
        if let cut {
            // The ring's oldest entry is the one the next token would have replaced.
            let start = count % Self.lastTokenCount
            self.cutTail = Array(cut.tail[start...] + cut.tail[..<start])
            self.cutScanner = cut.scanner
        } else {
            self.cutTail = []
            self.cutScanner = TraitScanner()
        }
    }

    /// A cut statement's last tokens (a ring) and what needs all of its tokens.
    private struct CutState {
        var tail: [SQLToken]
        var scanner = TraitScanner()
    }

    /// A token past the kept ones: scanned, and remembered in the ring. Kept apart from the loop in `init`, which
    /// every statement runs: the common case pays nothing for the rare one.
    private static func cutTokenArrived(_ token: SQLToken, index: Int, kept: [SQLToken], bytes: [UInt8], cut: inout CutState?) {
        bytes.withUnsafeBufferPointer { buffer in
            if cut == nil {
                // The statement is cut: what needs every token is gathered from here on, the kept ones first.
                var state = CutState(tail: Array(kept.suffix(lastTokenCount)))
                for token in kept { state.scanner.scan(token, in: buffer) }
                cut = state
            }
            cut!.scanner.scan(token, in: buffer)
            cut!.tail[index % lastTokenCount] = token
        }
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
