/// Refuses statements that would break the admin's own schema: `DROP TABLE` / `DROP VIEW` / `ALTER TABLE` of a
/// table Junction defines (in any schema). Tables a user created may be dropped and altered.
enum SchemaGuard {
    private static let protectedNames = Set(AdminTableCatalog.all.map { $0.name.lowercased() })

    /// The error for `sql` (one statement), or nil when it may run.
    static func refusal(of sql: String) -> AdminError? {
        var words = ASCIIWords(sql)
        guard let verb = words.next()?.uppercased(), verb == "DROP" || verb == "ALTER" else { return nil }
        guard let kind = words.next()?.uppercased(), kind == "TABLE" || (verb == "DROP" && kind == "VIEW") else { return nil }
        var name = words.next() ?? ""
        if verb == "DROP", name.uppercased() == "IF", words.next()?.uppercased() == "EXISTS" { name = words.next() ?? "" }
        let table = unquoted(name.split(separator: ".").last.map(String.init) ?? name).lowercased()
        guard protectedNames.contains(table) else { return nil }
        return AdminError.admin("\(table) belongs to the admin's schema and cannot be \(verb == "DROP" ? "dropped" : "altered") "
                                + "(only tables you created can)")
    }

    private static func unquoted(_ name: String) -> String {
        guard let first = name.first, "`\"'[".contains(first) else { return name }
        return String(name.dropFirst().dropLast())
    }

    /// Whitespace-separated words, with comments skipped, and `schema.name` or a quoted name kept whole.
    private struct ASCIIWords: IteratorProtocol {
        private var rest: Substring

        init(_ text: String) { rest = Substring(text) }

        mutating func next() -> String? {
            while true {
                rest = rest.drop { $0.isWhitespace }
                if rest.hasPrefix("--") || rest.hasPrefix("#") {
                    rest = rest.drop { $0 != "\n" }
                } else if rest.hasPrefix("/*") {
                    rest = rest.range(of: "*/").map { rest[$0.upperBound...] } ?? ""
                } else {
                    break
                }
            }
            guard !rest.isEmpty else { return nil }
            let word = rest.prefix { !$0.isWhitespace && $0 != "(" && $0 != ";" }
            rest = rest.dropFirst(max(1, word.count))
            return String(word)
        }
    }
}
