/// One lexical unit of a libconfig file, with the file and line it came from (includes are spliced in by the lexer).
struct ConfigToken {
    enum Kind: Equatable {
        /// A name: `[A-Za-z*][-A-Za-z0-9_*]*`; `true`/`false` are names until the parser sees them as values.
        case name(String)
        case int(Int64)
        case float(Double)
        /// One quoted string, escapes resolved; adjacent strings are joined by the parser.
        case string(String)
        /// One of `= : ; , { } [ ] ( )`.
        case punctuation(UInt8)
        case end
    }

    var kind: Kind
    var line: Int
    var fileName: String

    /// How the token is named in a syntax error.
    var quoted: String {
        switch kind {
        case .name(let name): return "'\(name)'"
        case .int(let value): return "integer \(value)"
        case .float(let value): return "float \(value)"
        case .string(let text): return "string \"\(text.count > 40 ? String(text.prefix(40)) + "..." : text)\""
        case .punctuation(let byte): return "'\(Character(Unicode.Scalar(byte)))'"
        case .end: return "end of file"
        }
    }

    func isPunctuation(_ character: Character) -> Bool {
        guard case .punctuation(let byte) = kind, let ascii = character.asciiValue else { return false }
        return byte == ascii
    }
}
