/// An admin statement prepared for command matching: the text SQLite will run (trimmed, trailing `;`
/// removed) and the matching form (whitespace runs collapsed, upper-cased).
public struct AdminStatementText: Sendable {
    /// What SQLite runs if no command matches.
    public let sql: String
    /// Single-spaced, original case (names and values keep their spelling).
    public let spaced: String
    /// `spaced`, upper-cased, for comparing with command texts.
    public let normalized: String

    public init(_ raw: String) {
        var text = Substring(raw)
        while let last = text.last, last == ";" || last.isWhitespace { text = text.dropLast() }
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        sql = String(text)
        var collapsed = ""
        collapsed.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for character in text {
            if character.isWhitespace { pendingSpace = true; continue }
            if pendingSpace, !collapsed.isEmpty { collapsed.append(" ") }
            pendingSpace = false
            collapsed.append(character)
        }
        spaced = collapsed
        normalized = collapsed.uppercased()
    }
}
