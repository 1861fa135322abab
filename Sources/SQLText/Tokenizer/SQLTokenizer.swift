/// A one-pass tokenizer over the UTF-8 bytes of a statement. Comments are skipped (`#`, `-- `,
/// `/* */`); the body of a `/*! … */` hint is tokenized as SQL, since servers run it.
/// Never fails: unterminated strings and comments end at the end of the input.
public struct SQLTokenizer: IteratorProtocol, Sequence {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    public mutating func next() -> SQLToken? {
        skipSpaceAndComments()
        guard index < bytes.count else { return nil }
        let start = index
        let c = bytes[index]
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            skipQuoted(c, backslashEscapes: true)
            return SQLToken(kind: .string, start: start, end: index)
        case UInt8(ascii: "`"):
            skipQuoted(c, backslashEscapes: false)
            return SQLToken(kind: .quotedIdentifier, start: start, end: index)
        case UInt8(ascii: "@"):
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "@") {
                index += 1
                while index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
                return SQLToken(kind: .systemVariable, start: start, end: index)
            }
            if index < bytes.count, [UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`")].contains(bytes[index]) {
                skipQuoted(bytes[index], backslashEscapes: bytes[index] != UInt8(ascii: "`"))
            } else {
                while index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
            }
            return SQLToken(kind: .userVariable, start: start, end: index)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            index += 1
            while index < bytes.count, isWordByte(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
            return SQLToken(kind: .number, start: start, end: index)
        case UInt8(ascii: "."):
            if index + 1 < bytes.count, isDigit(bytes[index + 1]) {
                index += 1
                while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                return SQLToken(kind: .number, start: start, end: index)
            }
            index += 1
            return SQLToken(kind: .punctuation, start: start, end: index)
        case UInt8(ascii: ":"):
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "=") { index += 1 }
            return SQLToken(kind: .punctuation, start: start, end: index)
        default:
            if isWordByte(c) {
                while index < bytes.count, isWordByte(bytes[index]) { index += 1 }
                return SQLToken(kind: .word, start: start, end: index)
            }
            index += 1
            return SQLToken(kind: .punctuation, start: start, end: index)
        }
    }

    private mutating func skipSpaceAndComments() {
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C { index += 1; continue }
            if c == UInt8(ascii: "#") { skipLine(); continue }
            if c == UInt8(ascii: "-"), index + 2 < bytes.count + 1, index + 1 < bytes.count,
               bytes[index + 1] == UInt8(ascii: "-"),
               index + 2 == bytes.count || [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index + 2]) {
                skipLine(); continue
            }
            if c == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "*") {
                if index + 2 < bytes.count, bytes[index + 2] == UInt8(ascii: "!") || bytes[index + 2] == UInt8(ascii: "M") {
                    // Executable hint: skip the marker and version digits; its body is SQL.
                    index += 3
                    if bytes[index - 1] == UInt8(ascii: "M"), index < bytes.count, bytes[index] == UInt8(ascii: "!") { index += 1 }
                    while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                    continue
                }
                index += 2
                while index + 1 < bytes.count, !(bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/")) { index += 1 }
                index = Swift.min(bytes.count, index + 2)
                continue
            }
            if c == UInt8(ascii: "*"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                index += 2  // end of an executable hint
                continue
            }
            return
        }
    }

    private mutating func skipLine() {
        while index < bytes.count, bytes[index] != 0x0A { index += 1 }
    }

    private mutating func skipQuoted(_ quote: UInt8, backslashEscapes: Bool) {
        index += 1
        while index < bytes.count {
            let c = bytes[index]
            if backslashEscapes, c == UInt8(ascii: "\\") { index += 2; continue }
            index += 1
            if c == quote {
                if index < bytes.count, bytes[index] == quote { index += 1; continue }
                return
            }
        }
        index = bytes.count
    }

    @inline(__always) private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    @inline(__always) private func isWordByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x24 || c >= 0x80
    }
}
