import Foundation

/// HTTP Basic authentication against the admin's accounts (pure).
public enum BasicCredentials {
    /// The realm browsers show in their login prompt.
    public static let challenge = "Basic realm=\"Junction\", charset=\"UTF-8\""

    /// The user name when `header` (an Authorization value) names an account with its password; nil otherwise.
    public static func authorizedUser(_ header: String?, accounts: [String: String]) -> String? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard let data = Data(base64Encoded: encoded), let pair = String(data: data, encoding: .utf8),
              let colon = pair.firstIndex(of: ":") else { return nil }
        let user = String(pair[..<colon])
        let password = String(pair[pair.index(after: colon)...])
        guard let expected = accounts[user], constantTimeEqual(Array(expected.utf8), Array(password.utf8)) else { return nil }
        return user
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
