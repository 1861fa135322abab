import JunctionConfig
import MySQLProtocol

/// Decides who may log in to the admin port (admin-commands.md §2). Pure: no I/O.
struct AdminAuthenticator {
    let adminCredentials: [AdminCredential]
    let statsCredentials: [AdminCredential]

    enum Outcome: Equatable {
        case accepted(AdminSessionInfo.Role)
        /// Wrong user or password: 1045.
        case denied
        /// The built-in `admin`/`stats` names log in only over loopback: 1040.
        case localOnly
    }

    func authenticate(username: String, scramble: [UInt8], plugin: String, nonce: [UInt8], clientAddress: String) -> Outcome {
        let candidates: [(AdminCredential, AdminSessionInfo.Role)] =
            adminCredentials.map { ($0, .admin) } + statsCredentials.map { ($0, .stats) }
        guard let (credential, role) = candidates.first(where: { credential, _ in
            credential.user == username && Self.verify(scramble: scramble, plugin: plugin, password: credential.password, nonce: nonce)
        }) else { return .denied }
        let builtIn = role == .admin ? "admin" : "stats"
        if credential.user == builtIn, !Self.isLoopback(clientAddress) { return .localOnly }
        return .accepted(role)
    }

    static func verify(scramble: [UInt8], plugin: String, password: String, nonce: [UInt8]) -> Bool {
        if plugin == CachingSHA2Password.pluginName {
            return CachingSHA2Password.verify(scramble: scramble, clearPassword: password, nonce: nonce)
        }
        return NativePassword.verify(scramble: scramble, storedPassword: password, nonce: nonce)
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address == "localhost" || address.isEmpty || address.hasPrefix("::ffff:127.")
    }
}
