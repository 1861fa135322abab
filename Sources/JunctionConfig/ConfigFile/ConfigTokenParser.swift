/// Recursive-descent parser from tokens to settings, following libconfig's grammar.
///
/// ```
/// settings   := setting*
/// setting    := name ('=' | ':') value (';' | ',')?
/// value      := scalar | '[' scalars? ']' | '(' values? ')' | '{' settings '}'
/// scalar     := integer | float | boolean | string+
/// ```
/// Nesting is bounded, so hostile input ends in an error, not a stack overflow.
struct ConfigTokenParser {
    static let maxNesting = 64

    private let tokens: [ConfigToken]
    private var position = 0
    private var nesting = 0

    /// `tokens` must end with an `.end` token, as `ConfigLexer.tokenize()` produces.
    init(tokens: [ConfigToken]) {
        self.tokens = tokens
    }

    mutating func parseFile(fileName: String) throws -> ConfigGroup {
        ConfigGroup(settings: try parseSettings(closedBy: nil), line: 1, fileName: fileName)
    }

    // MARK: - Settings

    /// Reads settings up to the closing `}` (left unread) or, at top level, to the end of the file.
    private mutating func parseSettings(closedBy opening: ConfigToken?) throws -> [ConfigSetting] {
        var settings: [ConfigSetting] = []
        var seen: Set<String> = []
        while true {
            let token = current
            switch token.kind {
            case .end:
                if let opening {
                    throw syntaxError("missing '}' for the group opened at line \(opening.line)", at: token)
                }
                return settings
            case .punctuation(UInt8(ascii: "}")) where opening != nil:
                return settings
            case .name(let name):
                position += 1
                let setting = try parseSetting(named: name, at: token)
                guard seen.insert(name).inserted else {
                    throw ConfigFileError(fileName: token.fileName, line: token.line, message: "duplicate setting '\(name)'")
                }
                settings.append(setting)
            default:
                throw syntaxError("expected a setting name, got \(token.quoted)", at: token)
            }
        }
    }

    private mutating func parseSetting(named name: String, at nameToken: ConfigToken) throws -> ConfigSetting {
        guard current.isPunctuation("=") || current.isPunctuation(":") else {
            throw syntaxError("expected '=' or ':' after '\(name)'", at: nameToken)
        }
        position += 1
        let value = try parseValue(of: name)
        if current.isPunctuation(";") || current.isPunctuation(",") { position += 1 }
        return ConfigSetting(name: name, value: value, line: nameToken.line, fileName: nameToken.fileName)
    }

    // MARK: - Values

    private mutating func parseValue(of name: String) throws -> ConfigValue {
        let token = current
        position += 1
        switch token.kind {
        case .int(let value):
            return .int(value)
        case .float(let value):
            return .float(value)
        case .string(var text):
            while case .string(let more) = current.kind {
                text += more
                position += 1
            }
            return .string(text)
        case .name(let word):
            switch word.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw syntaxError("unexpected '\(word)' in the value of '\(name)' (strings need double quotes)", at: token)
            }
        case .punctuation(UInt8(ascii: "{")):
            try enterNesting(at: token)
            defer { nesting -= 1 }
            let settings = try parseSettings(closedBy: token)
            position += 1
            return .group(ConfigGroup(settings: settings, line: token.line, fileName: token.fileName))
        case .punctuation(UInt8(ascii: "[")):
            try enterNesting(at: token)
            defer { nesting -= 1 }
            return .array(try parseArrayElements(of: name, opening: token))
        case .punctuation(UInt8(ascii: "(")):
            try enterNesting(at: token)
            defer { nesting -= 1 }
            return .list(try parseElements(of: name, opening: token, closing: ")"))
        default:
            throw syntaxError("expected a value for '\(name)', got \(token.quoted)", at: token)
        }
    }

    /// Comma-separated values up to `closing` (consumed); a trailing comma is accepted.
    private mutating func parseElements(of name: String, opening: ConfigToken, closing: Character) throws -> [ConfigValue] {
        var elements: [ConfigValue] = []
        func checkNotAtEnd() throws {
            if case .end = current.kind {
                throw syntaxError("missing '\(closing)' for the one opened at line \(opening.line)", at: current)
            }
        }
        while !current.isPunctuation(closing) {
            try checkNotAtEnd()
            elements.append(try parseValue(of: name))
            if current.isPunctuation(",") {
                position += 1
            } else if !current.isPunctuation(closing) {
                try checkNotAtEnd()
                throw syntaxError("expected ',' or '\(closing)' in the value of '\(name)', got \(current.quoted)", at: current)
            }
        }
        position += 1
        return elements
    }

    /// Array elements: scalars only, all of one type (libconfig's rule).
    private mutating func parseArrayElements(of name: String, opening: ConfigToken) throws -> [ConfigValue] {
        let firstToken = current
        let elements = try parseElements(of: name, opening: opening, closing: "]")
        if let odd = elements.first(where: { !$0.isScalar }) {
            throw syntaxError("an array of '\(name)' holds only scalars, not \(odd.typeDescription); use a list '( )'",
                              at: firstToken)
        }
        if let first = elements.first, let odd = elements.first(where: { $0.typeDescription != first.typeDescription }) {
            throw syntaxError("the array of '\(name)' mixes \(first.typeDescription) and \(odd.typeDescription)", at: firstToken)
        }
        return elements
    }

    // MARK: - Helpers

    private var current: ConfigToken {
        tokens[min(position, tokens.count - 1)]
    }

    private mutating func enterNesting(at token: ConfigToken) throws {
        guard nesting < Self.maxNesting else {
            throw syntaxError("values nested more than \(Self.maxNesting) deep", at: token)
        }
        nesting += 1
    }

    private func syntaxError(_ message: String, at token: ConfigToken) -> ConfigFileError {
        .syntax(message, fileName: token.fileName, line: token.line)
    }
}
