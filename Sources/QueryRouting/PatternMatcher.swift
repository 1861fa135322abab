import Foundation

/// A compiled `match_pattern` / `match_digest`. Patterns that are only an anchored literal (`^select`,
/// `^SELECT .* FOR UPDATE` is not) are matched on the bytes directly; everything else goes to
/// NSRegularExpression (ICU, PCRE-like syntax, as rules written for ProxySQL expect).
public struct PatternMatcher: @unchecked Sendable {
    enum Kind {
        /// `^literal` — compared byte for byte (ASCII case folded when caseless).
        case prefix([UInt8])
        /// Literal words joined by `.*`, with the regex kept for texts the byte matcher cannot judge.
        case literal(LiteralPattern, NSRegularExpression)
        /// A regex; when it starts with `^literal`, texts without that prefix are rejected before it runs.
        case regex(NSRegularExpression, requiredPrefix: [UInt8]?)
    }

    let kind: Kind
    let caseless: Bool
    public let pattern: String

    /// - Throws: `QueryRuleError` when the pattern does not compile.
    public init(_ pattern: String, caseless: Bool) throws {
        self.pattern = pattern
        self.caseless = caseless
        if let literal = Self.anchoredLiteral(pattern) {
            kind = .prefix(Array(literal.utf8).map { caseless ? Self.lower($0) : $0 })
            return
        }
        let regex: NSRegularExpression
        do {
            regex = try NSRegularExpression(pattern: pattern, options: caseless ? [.caseInsensitive] : [])
        } catch {
            throw QueryRuleError.badPattern(pattern)
        }
        if let literal = LiteralPattern(pattern, caseless: caseless) {
            kind = .literal(literal, regex)
        } else {
            kind = .regex(regex, requiredPrefix: Self.requiredPrefix(of: pattern).map { Array($0.utf8).map { caseless ? Self.lower($0) : $0 } })
        }
    }

    /// Partial match: the pattern may match anywhere unless anchored.
    public func matches(_ text: String) -> Bool {
        switch kind {
        case .prefix(let literal):
            var iterator = text.utf8.makeIterator()
            for expected in literal {
                guard let byte = iterator.next() else { return false }
                if (caseless ? Self.lower(byte) : byte) != expected { return false }
            }
            return true
        case .literal(let literal, let regex):
            var text = text
            if let result = text.withUTF8({ literal.matches($0) }) { return result }
            return Self.regexMatches(regex, text)
        case .regex(let regex, let prefix):
            if let prefix {
                var text = text
                let rejected = text.withUTF8 { bytes -> Bool in
                    guard bytes.count >= prefix.count else { return true }
                    for (offset, expected) in prefix.enumerated() {
                        let byte = bytes[offset]
                        if byte >= 0x80 { return false } // Unicode case folding: let the regex judge
                        if (caseless ? Self.lower(byte) : byte) != expected { return true }
                    }
                    return false
                }
                if rejected { return false }
            }
            return Self.regexMatches(regex, text)
        }
    }

    /// The literal text every match must start with: what follows `^` up to the first metacharacter,
    /// minus a last character that a quantifier makes optional. nil when there is none.
    static func requiredPrefix(of pattern: String) -> String? {
        guard pattern.hasPrefix("^") else { return nil }
        var prefix: [Character] = []
        for character in pattern.dropFirst() {
            if character.isLetter || character.isNumber || character == " " || character == "_" {
                guard character.isASCII else { break }
                prefix.append(character)
                continue
            }
            if "*?{".contains(character), !prefix.isEmpty { prefix.removeLast() }
            break
        }
        return prefix.isEmpty ? nil : String(prefix)
    }

    private static func regexMatches(_ regex: NSRegularExpression, _ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// `replace_pattern`: the first match (every match with GLOBAL) replaced; `\1` … refer to groups.
    public func replace(in text: String, with template: String, global: Bool) -> String {
        let regex: NSRegularExpression
        switch kind {
        case .regex(let compiled, _), .literal(_, let compiled): regex = compiled
        case .prefix:
            guard let compiled = try? NSRegularExpression(pattern: pattern, options: caseless ? [.caseInsensitive] : []) else { return text }
            regex = compiled
        }
        // ProxySQL templates use \1; NSRegularExpression uses $1.
        let nsTemplate = Self.templateFromBackslashes(template)
        let full = NSRange(text.startIndex..., in: text)
        if global {
            return regex.stringByReplacingMatches(in: text, options: [], range: full, withTemplate: nsTemplate)
        }
        guard let first = regex.firstMatch(in: text, options: [], range: full) else { return text }
        let replacement = regex.replacementString(for: first, in: text, offset: 0, template: nsTemplate)
        return (text as NSString).replacingCharacters(in: first.range, with: replacement)
    }

    /// `^` followed only by letters, digits, spaces and `_`: a plain prefix test.
    static func anchoredLiteral(_ pattern: String) -> String? {
        guard pattern.hasPrefix("^") else { return nil }
        let body = pattern.dropFirst()
        guard !body.isEmpty, body.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x20 || byte == 0x5F
        }) else { return nil }
        return String(body)
    }

    static func templateFromBackslashes(_ template: String) -> String {
        var out = ""
        var iterator = template.makeIterator()
        while let character = iterator.next() {
            if character == "\\", let next = iterator.next() {
                if next.isNumber { out.append("$"); out.append(next) } else { out.append("\\"); out.append(next) }
            } else if character == "$" {
                out.append("\\$")
            } else {
                out.append(character)
            }
        }
        return out
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }
}

public enum QueryRuleError: Error, Equatable, CustomStringConvertible {
    case badPattern(String)
    case badRule(id: Int, reason: String)

    public var description: String {
        switch self {
        case .badPattern(let pattern): return "'\(pattern)' is not a valid regular expression"
        case .badRule(let id, let reason): return "mysql_query_rules rule_id \(id): \(reason)"
        }
    }
}
