import Foundation

/// The rules of one LOAD MYSQL QUERY RULES TO RUNTIME, compiled once (patterns, digests, fast-routing
/// map) and shared read-only by every event loop.
public final class QueryRuleSet: Sendable {
    public let rules: [CompiledQueryRule]
    let fastRouting: [FastRoutingKey: Int]
    /// Whether any rule looks at the digest (then every query needs one).
    public let needsDigest: Bool
    /// Whether any rule has a `match_digest` (then the digest text is made once per evaluation).
    let matchesDigestText: Bool

    public static let empty = QueryRuleSet(compiled: [], fastRouting: [:])

    /// - Throws: `QueryRuleError` naming the first rule that does not compile.
    public convenience init(rules: [QueryRuleDefinition], fastRouting: [FastRoutingDefinition]) throws {
        let compiled = try rules.sorted { $0.ruleID < $1.ruleID }.map(CompiledQueryRule.init)
        var map: [FastRoutingKey: Int] = [:]
        for route in fastRouting {
            map[FastRoutingKey(username: route.username, schemaname: route.schemaname, flagIN: route.flagIN)] = route.destinationHostgroup
        }
        self.init(compiled: compiled, fastRouting: map)
    }

    private init(compiled: [CompiledQueryRule], fastRouting: [FastRoutingKey: Int]) {
        rules = compiled
        self.fastRouting = fastRouting
        needsDigest = compiled.contains { $0.digest != nil || $0.matchDigest != nil }
        matchesDigestText = compiled.contains { $0.matchDigest != nil }
    }

    public var isEmpty: Bool { rules.isEmpty && fastRouting.isEmpty }

    func fastRoute(username: String, schemaname: String, flag: Int) -> Int? {
        fastRouting.isEmpty ? nil : fastRouting[FastRoutingKey(username: username, schemaname: schemaname, flagIN: flag)]
    }
}

struct FastRoutingKey: Hashable, Sendable {
    var username: String
    var schemaname: String
    var flagIN: Int
}

/// A rule ready to evaluate: its definition plus compiled patterns and parsed digest. A class, so that
/// walking the rules does not copy (and retain) every field of every rule per query.
public final class CompiledQueryRule: Sendable {
    public let definition: QueryRuleDefinition
    let matchDigest: PatternMatcher?
    let matchPattern: PatternMatcher?
    let digest: UInt64?
    let global: Bool
    let negate: Bool
    /// `attributes.flagOUTs`: weighted flag choices.
    let weightedFlags: [(flag: Int, weight: Int)]

    init(_ definition: QueryRuleDefinition) throws {
        self.definition = definition
        // Unknown words are ignored, as ProxySQL does (configs written for it keep loading).
        let modifiers = Set((definition.reModifiers ?? "").uppercased().split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init))
        let caseless = modifiers.contains("CASELESS")
        global = modifiers.contains("GLOBAL")
        negate = definition.negateMatchPattern
        func compile(_ pattern: String?, _ column: String) throws -> PatternMatcher? {
            guard let pattern, !pattern.isEmpty else { return nil }
            do { return try PatternMatcher(pattern, caseless: caseless) } catch {
                throw QueryRuleError.badRule(id: definition.ruleID, reason: "\(column) '\(pattern)' is not a valid regular expression")
            }
        }
        matchDigest = try compile(definition.matchDigest, "match_digest")
        matchPattern = try compile(definition.matchPattern, "match_pattern")
        if let text = definition.digest, !text.isEmpty {
            let hex = text.hasPrefix("0x") || text.hasPrefix("0X") ? String(text.dropFirst(2)) : text
            guard let value = UInt64(hex, radix: 16) else {
                throw QueryRuleError.badRule(id: definition.ruleID, reason: "digest '\(text)' is not a 64-bit hex number")
            }
            digest = value
        } else {
            digest = nil
        }
        weightedFlags = Self.parseFlagOUTs(definition.attributes)
    }

    /// `{"flagOUTs":[{"id":2,"weight":1},…]}`; anything else is no choice.
    static func parseFlagOUTs(_ attributes: String) -> [(flag: Int, weight: Int)] {
        guard !attributes.isEmpty, let data = attributes.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = object["flagOUTs"] as? [[String: Any]] else { return [] }
        return entries.compactMap { entry in
            guard let id = entry["id"] as? Int, let weight = entry["weight"] as? Int, id >= 0, weight >= 0 else { return nil }
            return (id, weight)
        }
    }
}
