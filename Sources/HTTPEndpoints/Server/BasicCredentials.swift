import Foundation

/// HTTP Basic authentication against the admin's accounts (pure).
public enum BasicCredentials {
    /// The realm browsers show in their login prompt.
    public static let challenge = "Basic realm=\"Junction\", charset=\"UTF-8\""

    public enum Outcome: Equatable {
        case accepted(HTTPAccount.Role)
        /// No credentials, or not an account's.
        case denied
        /// A built-in account (`admin`, `stats`) from an address other than loopback.
        case localOnly
    }

    /// What `header` (an Authorization value) is worth, from `clientAddress`.
    public static func check(_ header: String?, accounts: [String: HTTPAccount], clientAddress: String) -> Outcome {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return .denied }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let pair = String(data: data, encoding: .utf8),
              let colon = pair.firstIndex(of: ":") else { return .denied }
        let user = String(pair[..<colon])
        let password = String(pair[pair.index(after: colon)...])
        guard let account = accounts[user], constantTimeEqual(Array(account.password.utf8), Array(password.utf8)) else {
            return .denied
        }
        if account.localOnly, !isLoopback(clientAddress) { return .localOnly }
        return .accepted(account.role)
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    /// Compares without stopping at the first difference, so timing does not reveal how much of a password matched.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            difference |= (index < lhs.count ? lhs[index] : 0) ^ (index < rhs.count ? rhs[index] : 0)
        }
        return difference == 0
    }
}
