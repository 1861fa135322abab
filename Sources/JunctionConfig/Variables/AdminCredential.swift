/// One `user:password` pair of `admin-admin_credentials` or `admin-stats_credentials`.
public struct AdminCredential: Sendable, Equatable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// Splits `user:pass[;user:pass...]`: pairs on `;`, each on its first `:` (so passwords may contain `:`).
    /// Empty pieces between `;` are skipped. Nil when nothing is left or a piece has no `:` or no user.
    static func parseList(_ text: String) -> [AdminCredential]? {
        var credentials: [AdminCredential] = []
        for piece in text.split(separator: ";") where !piece.isEmpty {
            guard let colon = piece.firstIndex(of: ":"), colon != piece.startIndex else { return nil }
            credentials.append(AdminCredential(user: String(piece[..<colon]),
                                               password: String(piece[piece.index(after: colon)...])))
        }
        return credentials.isEmpty ? nil : credentials
    }
}
