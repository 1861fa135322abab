/// Parses `SET …` into what the proxy does with it.
///
/// Junction runs every SET on a backend (so the server validates it and reports errors as a direct
/// connection would) and, when each assignment has a plain value, remembers it so it can be
/// replayed on any other backend connection the session moves to. That keeps multiplexing on.
public enum SetStatementParser {
    /// One remembered session setting.
    public struct Setting: Equatable, Sendable {
        /// What it sets: a lower-case variable name, `names`, `transaction_isolation`, `transaction_access`.
        public var key: String
        /// The text after `SET ` that reproduces it, or nil for "back to the default" (autocommit=1).
        public var replay: String?
        /// Must be sent as a SET statement of its own (NAMES, TRANSACTION).
        public var standalone: Bool

        public init(key: String, replay: String?, standalone: Bool = false) {
            self.key = key
            self.replay = replay
            self.standalone = standalone
        }
    }

    public enum Result: Equatable, Sendable {
        /// Session settings that can be replayed elsewhere.
        case session([Setting])
        /// Only global settings: they touch no session state.
        case global
        /// Anything else (user variables, expressions, one-shot variables): the session stays on this connection.
        case pinsSession
    }

    /// Variables that apply to the next statement only, or that cannot be moved between connections.
    static let oneShot: Set<String> = [
        "insert_id", "last_insert_id", "rand_seed1", "rand_seed2", "gtid_next", "pseudo_thread_id", "identity",
        "pseudo_slave_mode", "gtid_seq_no", "gtid_domain_id", "server_id",
    ]

    public static func parse(_ text: String) -> Result { parse(TokenizedStatement(text)) }

    public static func parse(_ s: TokenizedStatement) -> Result {
        // Cut statements (thousands of tokens) are not parsed: the server runs them and the session stays put.
        guard s.keyword(0) == "SET", !s.isCut else { return .pinsSession }
        var i = 1
        // Drop a trailing `;`.
        var count = s.tokens.count
        if count > 1, s.bytes[s.tokens[count - 1].start] == UInt8(ascii: ";") { count -= 1 }
        guard i < count else { return .pinsSession }

        switch s.keyword(1) {
        case "NAMES":
            guard count >= 3, count == 3 || (count == 5 && s.keyword(3) == "COLLATE") else { return .pinsSession }
            return .session([Setting(key: "names", replay: s.text(from: 1, to: count - 1), standalone: true)])
        case "CHARACTER", "CHARSET":
            let last = count - 1
            guard (s.keyword(1) == "CHARSET" && count == 3) || (s.keyword(2) == "SET" && count == 4) else { return .pinsSession }
            return .session([Setting(key: "names", replay: s.text(from: 1, to: last), standalone: true)])
        default:
            break
        }
        if let transaction = parseTransaction(s, count: count) { return transaction }

        var settings: [Setting] = []
        var sawGlobal = false
        while i < count {
            var scopeGlobal = false
            var name: String
            let token = s.tokens[i]
            switch token.kind {
            case .userVariable:
                return .pinsSession
            case .systemVariable:
                var raw = s.text(token).dropFirst(2).lowercased()
                if raw.hasPrefix("global.") { scopeGlobal = true; raw.removeFirst(7) }
                else if raw.hasPrefix("session.") { raw.removeFirst(8) }
                else if raw.hasPrefix("local.") { raw.removeFirst(6) }
                name = raw
                i += 1
            case .word:
                let word = s.text(token).lowercased()
                if word == "global" || word == "session" || word == "local" {
                    scopeGlobal = word == "global"
                    i += 1
                    guard i < count, s.tokens[i].kind == .word || s.tokens[i].kind == .quotedIdentifier else { return .pinsSession }
                    name = s.identifier(s.tokens[i]).lowercased()
                } else {
                    name = word
                }
                i += 1
            case .quotedIdentifier:
                name = s.identifier(token).lowercased()
                i += 1
            default:
                return .pinsSession
            }
            guard i < count, s.tokens[i].kind == .punctuation,
                  ["=", ":="].contains(s.text(s.tokens[i])) else { return .pinsSession }
            i += 1
            guard let (valueText, next) = simpleValue(s, at: i, count: count) else { return .pinsSession }
            i = next
            if i < count {
                guard s.bytes[s.tokens[i].start] == UInt8(ascii: ","), s.tokens[i].end - s.tokens[i].start == 1 else { return .pinsSession }
                i += 1
                guard i < count else { return .pinsSession }
            }
            if scopeGlobal { sawGlobal = true; continue }
            if oneShot.contains(name) { return .pinsSession }
            if name == "autocommit" {
                let on = ["1", "on", "true"].contains(valueText.lowercased())
                let off = ["0", "off", "false"].contains(valueText.lowercased())
                guard on || off else { return .pinsSession }
                settings.append(Setting(key: "autocommit", replay: on ? nil : "autocommit=0"))
                continue
            }
            settings.append(Setting(key: name, replay: "\(name)=\(valueText)"))
        }
        if settings.isEmpty { return sawGlobal ? .global : .pinsSession }
        return .session(settings)
    }

    /// A value we can replay verbatim: a literal, a word (ON, DEFAULT, an identifier), or a signed number.
    private static func simpleValue(_ s: TokenizedStatement, at i: Int, count: Int) -> (String, Int)? {
        guard i < count else { return nil }
        let token = s.tokens[i]
        switch token.kind {
        case .string, .number, .quotedIdentifier:
            return (s.text(token), i + 1)
        case .word:
            if i + 1 < count, s.bytes[s.tokens[i + 1].start] == UInt8(ascii: "(") { return nil }  // a function call
            let word = s.text(token)
            if word.uppercased() == "SELECT" { return nil }
            return (word, i + 1)
        case .punctuation:
            let p = s.text(token)
            if p == "-" || p == "+", i + 1 < count, s.tokens[i + 1].kind == .number {
                return (p + s.text(s.tokens[i + 1]), i + 2)
            }
            return nil
        default:
            return nil
        }
    }

    /// `SET [SESSION|GLOBAL] TRANSACTION characteristic [, characteristic]`.
    private static func parseTransaction(_ s: TokenizedStatement, count: Int) -> Result? {
        var i = 1
        var scope = "NEXT"
        if let k = s.keyword(1), k == "SESSION" || k == "GLOBAL" || k == "LOCAL" { scope = k == "LOCAL" ? "SESSION" : k; i = 2 }
        guard s.keyword(i) == "TRANSACTION" else { return nil }
        if scope == "GLOBAL" { return .global }
        // Without SESSION the characteristics apply to the next transaction on this connection only.
        guard scope == "SESSION" else { return .pinsSession }
        i += 1
        var settings: [Setting] = []
        while i < count {
            if s.keyword(i) == "ISOLATION", s.keyword(i + 1) == "LEVEL" {
                var j = i + 2
                while j < count, s.tokens[j].kind == .word { j += 1 }
                guard j > i + 2 else { return .pinsSession }
                settings.append(Setting(key: "transaction_isolation",
                                        replay: "SESSION TRANSACTION " + s.text(from: i, to: j - 1), standalone: true))
                i = j
            } else if s.keyword(i) == "READ", let mode = s.keyword(i + 1), mode == "ONLY" || mode == "WRITE" {
                settings.append(Setting(key: "transaction_access", replay: "SESSION TRANSACTION READ \(mode)", standalone: true))
                i += 2
            } else {
                return .pinsSession
            }
            if i < count, s.text(s.tokens[i]) == "," { i += 1 }
        }
        return settings.isEmpty ? .pinsSession : .session(settings)
    }
}
