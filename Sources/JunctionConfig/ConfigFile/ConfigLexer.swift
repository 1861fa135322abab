/// Turns libconfig text into tokens, splicing `@include`d files in place as libconfig's scanner does.
///
/// Works on UTF-8 bytes: every character with a meaning is ASCII, and anything else only matters inside strings.
/// Every path ends in a token or a `ConfigFileError`; no input makes it trap.
struct ConfigLexer {
    /// Deep enough for any sane layout, shallow enough to stop a file that includes itself.
    static let maxIncludeDepth = 16

    let bytes: [UInt8]
    let fileName: String
    let includeResolver: ((String) throws -> String)?
    let includeDepth: Int
    var index = 0
    var line = 1

    init(text: String, fileName: String, includeResolver: ((String) throws -> String)?, includeDepth: Int = 0) {
        self.bytes = Array(text.utf8)
        self.fileName = fileName
        self.includeResolver = includeResolver
        self.includeDepth = includeDepth
    }

    /// All tokens of the text (included files spliced in), ending with one `.end`.
    mutating func tokenize() throws -> [ConfigToken] {
        var tokens: [ConfigToken] = []
        while try skipBlanksAndComments() {
            let byte = bytes[index]
            let tokenLine = line
            if byte == UInt8(ascii: "\"") {
                tokens.append(token(.string(try readString()), line: tokenLine))
            } else if byte == UInt8(ascii: "@") {
                tokens += try readInclude()
            } else if Self.isPunctuation(byte) {
                index += 1
                tokens.append(token(.punctuation(byte), line: tokenLine))
            } else if startsNumber() {
                tokens.append(token(try readNumber(), line: tokenLine))
            } else if Self.isNameStart(byte) {
                tokens.append(token(.name(readName()), line: tokenLine))
            } else {
                throw syntaxError("unexpected character \(describeCharacter(at: index))", line: tokenLine)
            }
        }
        tokens.append(token(.end, line: line))
        return tokens
    }

    // MARK: - Blanks and comments

    /// Skips whitespace, `#`/`//` line comments and `/* */` comments; false at the end of the text.
    private mutating func skipBlanksAndComments() throws -> Bool {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"):
                line += 1
                index += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                index += 1
            case UInt8(ascii: "#"):
                skipToEndOfLine()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                skipToEndOfLine()
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                try skipBlockComment()
            default:
                return true
            }
        }
        return false
    }

    private mutating func skipToEndOfLine() {
        while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
    }

    private mutating func skipBlockComment() throws {
        let startLine = line
        index += 2
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "*"), peek(1) == UInt8(ascii: "/") {
                index += 2
                return
            }
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }
        throw syntaxError("unterminated comment '/*'", line: startLine)
    }

    // MARK: - Strings

    /// Reads one quoted string; newlines may appear inside it, as in libconfig.
    mutating func readString() throws -> String {
        let startLine = line
        index += 1
        var text: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                appendEscape(to: &text)
            case UInt8(ascii: "\n"):
                line += 1
                text.append(byte)
            default:
                text.append(byte)
            }
        }
        throw syntaxError("unterminated string", line: startLine)
    }

    /// Called after a backslash. An unknown escape keeps its backslash (as libconfig does), so a regex such as
    /// `"^SELECT \d+"` survives.
    private mutating func appendEscape(to text: inout [UInt8]) {
        let replacement: UInt8?
        switch peek(0) {
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "v"): replacement = 0x0B
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "a"): replacement = 0x07
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): replacement = peek(0)
        case UInt8(ascii: "x"):
            if let high = Self.hexValue(peek(1)), let low = Self.hexValue(peek(2)) {
                text.append(high << 4 | low)
                index += 3
                return
            }
            replacement = nil
        default: replacement = nil
        }
        if let replacement {
            text.append(replacement)
            index += 1
        } else {
            text.append(UInt8(ascii: "\\"))
        }
    }

    // MARK: - @include

    /// Reads `@include "path"` and returns the tokens of that file (without its end token).
    private mutating func readInclude() throws -> [ConfigToken] {
        let includeLine = line
        let keyword = Array("@include".utf8)
        guard bytes[index...].starts(with: keyword), !Self.isNameCharacter(peek(keyword.count)) else {
            throw syntaxError("unexpected character '@' (only '@include \"file\"' may start with '@')", line: includeLine)
        }
        index += keyword.count
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") {
            index += 1
        }
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw syntaxError("expected a quoted file name after '@include'", line: includeLine)
        }
        let path = try readString()
        guard let includeResolver else {
            throw ConfigFileError(fileName: fileName, line: includeLine, message: "@include \"\(path)\" is not allowed here")
        }
        guard includeDepth < Self.maxIncludeDepth else {
            throw ConfigFileError(fileName: fileName, line: includeLine,
                                  message: "@include nested more than \(Self.maxIncludeDepth) deep (does a file include itself?)")
        }
        let text: String
        do {
            text = try includeResolver(path)
        } catch let error as ConfigFileError {
            throw ConfigFileError(fileName: fileName, line: includeLine, message: "cannot include \"\(path)\": \(error.message)")
        } catch {
            throw ConfigFileError(fileName: fileName, line: includeLine, message: "cannot include \"\(path)\": \(error)")
        }
        var nested = ConfigLexer(text: text, fileName: path, includeResolver: includeResolver, includeDepth: includeDepth + 1)
        var tokens = try nested.tokenize()
        tokens.removeLast()
        return tokens
    }

    // MARK: - Names and helpers

    private mutating func readName() -> String {
        let start = index
        index += 1
        while index < bytes.count, Self.isNameCharacter(bytes[index]) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    func token(_ kind: ConfigToken.Kind, line: Int) -> ConfigToken {
        ConfigToken(kind: kind, line: line, fileName: fileName)
    }

    func syntaxError(_ message: String, line: Int) -> ConfigFileError {
        .syntax(message, fileName: fileName, line: line)
    }

    /// The byte `offset` places ahead, or 0 past the end (0 matches none of the lexer's tests).
    func peek(_ offset: Int) -> UInt8 {
        let position = index + offset
        return position < bytes.count ? bytes[position] : 0
    }

    private func describeCharacter(at position: Int) -> String {
        let byte = bytes[position]
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        if byte >= 0x80, let character = String(decoding: bytes[position..<min(position + 4, bytes.count)], as: UTF8.self).first,
           character != "\u{FFFD}" {
            return "'\(character)'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return "(byte 0x" + (hex.count == 1 ? "0" + hex : hex) + ")"
    }

    static func isPunctuation(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "{"),
             UInt8(ascii: "}"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "("), UInt8(ascii: ")"):
            return true
        default:
            return false
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func isNameStart(_ byte: UInt8) -> Bool {
        isLetter(byte) || byte == UInt8(ascii: "*")
    }

    static func isNameCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "*")
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
