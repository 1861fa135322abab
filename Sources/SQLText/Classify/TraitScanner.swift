/// The traits that need every token of a statement (user variables, `GET_LOCK(`, a second statement after `;`…),
/// gathered one token at a time while the statement is tokenized. A statement of millions of tokens therefore
/// never needs all of them kept (`TokenizedStatement` keeps the first few thousand).
struct TraitScanner: Sendable {
    /// The scanned traits; `kind`, `useSchema` and `isLockingRead` are the classifier's, from the ends.
    private(set) var traits = StatementTraits()
    /// The word LOCK occurs somewhere (`FLUSH TABLES … WITH READ LOCK`).
    private(set) var mentionsLock = false
    private var sawSemicolon = false
    private var startsStatement = false
    /// The last word was a function whose call (the next token is `(`) sets a trait.
    private var awaitingCall: AwaitedCall?

    private enum AwaitedCall { case previousResult, advisoryLock }

    @inline(__always)
    mutating func scan(_ token: SQLToken, in bytes: UnsafeBufferPointer<UInt8>) {
        if let call = awaitingCall {
            awaitingCall = nil
            if bytes[token.start] == UInt8(ascii: "(") {
                switch call {
                case .previousResult: traits.readsPreviousResult = true
                case .advisoryLock: traits.usesAdvisoryLock = true
                }
            }
        }
        let atStatementStart = startsStatement
        startsStatement = false
        switch token.kind {
        case .userVariable:
            traits.usesUserVariables = true
        case .systemVariable:
            let name = Word(bytes: bytes, start: token.start, end: token.end)
            if Self.hasSuffix(name, "IDENTITY") || Self.hasSuffix(name, "LAST_INSERT_ID") { traits.usesLastInsertID = true }
            else if Self.hasSuffix(name, "WARNING_COUNT") || Self.hasSuffix(name, "ERROR_COUNT") { traits.readsPreviousResult = true }
            else if Self.hasSuffix(name, "AUTOCOMMIT") { traits.readsAutocommit = true }
        case .punctuation:
            if bytes[token.start] == UInt8(ascii: ";") { sawSemicolon = true; startsStatement = true }
        case .word:
            wordScanned(Word(bytes: bytes, start: token.start, end: token.end), atStatementStart: atStatementStart)
        default:
            if sawSemicolon { traits.isMultiStatement = true }
        }
    }

    @inline(__always)
    private mutating func wordScanned(_ word: Word, atStatementStart: Bool) {
        if sawSemicolon { traits.isMultiStatement = true }
        switch word.count {
        case 3, 4, 5, 6, 7:
            if Self.equals(word, "LOCK") { mentionsLock = true }
            if sawSemicolon, atStatementStart,
               Self.equals(word, "SET") || Self.equals(word, "USE") || Self.equals(word, "LOCK") || Self.equals(word, "PREPARE")
                || Self.equals(word, "CREATE") || Self.equals(word, "BEGIN") || Self.equals(word, "START") {
                traits.laterStatementChangesSession = true
            }
        case 8:
            if Self.equals(word, "GET_LOCK") { awaitingCall = .advisoryLock }
        case 9, 10:
            if Self.equals(word, "ROW_COUNT") || Self.equals(word, "FOUND_ROWS") { awaitingCall = .previousResult }
        case 14:
            if Self.equals(word, "LAST_INSERT_ID") { traits.usesLastInsertID = true }
        case 19:
            if Self.equals(word, "SQL_CALC_FOUND_ROWS") { traits.usesFoundRows = true }
        default:
            break
        }
    }

    /// A token's bytes, without the retain an `ArraySlice` would take.
    struct Word {
        let bytes: UnsafeBufferPointer<UInt8>
        let start: Int
        let end: Int
        var count: Int { end - start }
    }

    /// `word` is `keyword` (upper-case ASCII), ignoring ASCII case.
    @inline(__always)
    static func equals(_ word: Word, _ keyword: StaticString) -> Bool {
        word.count == keyword.utf8CodeUnitCount && hasSuffix(word, keyword)
    }

    /// `word` ends in `suffix` (upper-case ASCII), ignoring ASCII case.
    @inline(__always)
    static func hasSuffix(_ word: Word, _ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        guard word.count >= count else { return false }
        let expected = suffix.utf8Start
        var index = word.end - count
        for offset in 0..<count {
            let byte = word.bytes[index]
            if (byte &- 97 < 26 ? byte &- 32 : byte) != expected[offset] { return false }
            index += 1
        }
        return true
    }
}
