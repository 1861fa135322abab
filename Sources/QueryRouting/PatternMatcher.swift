import Foundation

/// A compiled `match_pattern` / `match_digest`. Patterns that are only an anchored literal (`^select`,
/// `^SELECT .* FOR UPDATE` is not) are matched on the bytes directly; everything else goes to
/// NSRegularExpression (ICU, PCRE-like syntax, as rules written for ProxySQL expect).
public struct PatternMatcher: @unchecked Sendable {
    enum Kind {
        /// `^literal` — compared byte for byte (ASCII case folded when caseless).
        case prefix([UInt8])
        case regex(NSRegularExpression)
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
        do {
            kind = .regex(try NSRegularExpression(pattern: pattern, options: caseless ? [.caseInsensitive] : []))
        } catch {
            throw QueryRuleError.badPattern(pattern)
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
        case .regex(let regex):
            let range = NSRange(text.startIndex..., in: text)
            return regex.firstMatch(in: text, options: [], range: range) != nil
        }
    }

    /// `replace_pattern`: the first match (every match with GLOBAL) replaced; `\1` … refer to groups.
    public func replace(in text: String, with template: String, global: Bool) -> String {
        let regex: NSRegularExpression
        switch kind {
        case .regex(let compiled): regex = compiled
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
