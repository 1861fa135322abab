import Crypto

/// `caching_sha2_password` fast path: XOR(SHA256(password), SHA256(SHA256(SHA256(password)) + nonce)).
///
/// The full-authentication path (RSA key exchange or clear text over TLS) is not implemented: a backend that
/// asks for it gets a clear error, and Junction never asks a client for it (it keeps passwords in clear).
public enum CachingSHA2Password {
    public static let pluginName = "caching_sha2_password"

    public static func scramble(password: String, nonce: [UInt8]) -> [UInt8] {
        guard !password.isEmpty else { return [] }
        let stage1 = Array(SHA256.hash(data: Array(password.utf8)))
        let stage2 = Array(SHA256.hash(data: stage1))
        var hasher = SHA256()
        hasher.update(data: stage2)
        hasher.update(data: nonce.prefix(20))
        let mix = Array(hasher.finalize())
        return zip(stage1, mix).map { $0 ^ $1 }
    }

    public static func verify(scramble: [UInt8], clearPassword: String, nonce: [UInt8]) -> Bool {
        if clearPassword.isEmpty { return scramble.isEmpty || scramble == [0] }
        return constantTimeEqual(scramble, Self.scramble(password: clearPassword, nonce: nonce))
    }
}

/// Random 20-byte nonces for the handshake: printable ASCII without `\0`, as servers send them.
public enum AuthNonce {
    public static func make() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<20).map { _ in UInt8.random(in: 0x21...0x7E, using: &generator) }
    }
}
