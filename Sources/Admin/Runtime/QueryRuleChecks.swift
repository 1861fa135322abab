import Foundation

/// What LOAD MYSQL QUERY RULES TO RUNTIME checks before the rules go live: every pattern compiles
/// (with CASELESS when `re_modifiers` asks for it) and `re_modifiers` names known modifiers.
enum QueryRuleChecks {
    static let modifiers: Set<String> = ["CASELESS", "GLOBAL"]

    static func validate(_ rules: [NamedRow]) throws {
        for rule in rules where (try? rule.int("active", default: 1)) != 0 {
            let id = rule.string("rule_id") ?? "?"
            let modifierList = (rule.string("re_modifiers") ?? "").uppercased()
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if let unknown = modifierList.first(where: { !modifiers.contains($0) }) {
                throw RuntimeValidationError("mysql_query_rules rule_id \(id): re_modifiers: unknown modifier '\(unknown)' (CASELESS, GLOBAL)")
            }
            let options: NSRegularExpression.Options = modifierList.contains("CASELESS") ? [.caseInsensitive] : []
            for column in ["match_digest", "match_pattern"] {
                guard let pattern = rule.string(column), !pattern.isEmpty else { continue }
                do { _ = try NSRegularExpression(pattern: pattern, options: options) } catch {
                    throw RuntimeValidationError("mysql_query_rules rule_id \(id): \(column) '\(pattern)' is not a valid regular expression")
                }
            }
        }
    }
}
