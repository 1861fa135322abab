/// One lexical token of MySQL SQL. Offsets index the UTF-8 bytes of the statement.
public struct SQLToken: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A keyword or unquoted identifier.
        case word
        /// `'...'` or `"..."` (escapes kept in the text).
        case string
        /// `` `...` ``
        case quotedIdentifier
        case number
        /// `@name` or `@'name'`.
        case userVariable
        /// `@@name`, `@@session.name`, `@@global.name`.
        case systemVariable
        /// Any other single character (`=`, `,`, `(`, `;` …), or `:=`.
        case punctuation
    }

    public var kind: Kind
    public var start: Int
    public var end: Int

    public init(kind: Kind, start: Int, end: Int) {
        self.kind = kind
        self.start = start
        self.end = end
    }
}
