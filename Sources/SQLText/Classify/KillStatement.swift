/// `KILL [HARD | SOFT] [CONNECTION | QUERY] <id>`: what a client kills, by the connection id it got in the
/// handshake. (`KILL QUERY ID <query id>` and `KILL USER <name>` are not this: they go to the server.)
public struct KillStatement: Equatable, Sendable {
    /// KILL QUERY stops the running statement; KILL [CONNECTION] closes the connection too.
    public var queryOnly: Bool
    public var connectionID: UInt32

    public init(queryOnly: Bool, connectionID: UInt32) {
        self.queryOnly = queryOnly
        self.connectionID = connectionID
    }

    public static func parse(_ s: TokenizedStatement) -> KillStatement? {
        guard s.isKeyword(0, "KILL"), !s.isCut else { return nil }
        var index = 1
        if s.isKeyword(index, "HARD") || s.isKeyword(index, "SOFT") { index += 1 }
        var queryOnly = false
        if s.isKeyword(index, "QUERY") { queryOnly = true; index += 1 }
        else if s.isKeyword(index, "CONNECTION") { index += 1 }
        var count = s.tokens.count
        if count > index + 1, s.bytes[s.tokens[count - 1].start] == UInt8(ascii: ";") { count -= 1 }
        guard count == index + 1, s.tokens[index].kind == .number, let id = UInt32(s.text(s.tokens[index])) else { return nil }
        return KillStatement(queryOnly: queryOnly, connectionID: id)
    }
}
