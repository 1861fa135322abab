import Crypto

/// `mysql_native_password`: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))).
public enum NativePassword {
    public static let pluginName = "mysql_native_password"

    /// The scramble a client sends for `password` and the server's 20-byte `nonce`. Empty password → empty.
    public static func scramble(password: String, nonce: [UInt8]) -> [UInt8] {
        guard !password.isEmpty else { return [] }
        let stage1 = Array(Insecure.SHA1.hash(data: Array(password.utf8)))
        let stage2 = Array(Insecure.SHA1.hash(data: stage1))
        var hasher = Insecure.SHA1()
        hasher.update(data: nonce.prefix(20))
        hasher.update(data: stage2)
        let mix = Array(hasher.finalize())
        return zip(stage1, mix).map { $0 ^ $1 }
    }

    /// Checks a client's scramble against the password kept in clear or as `*` + hex(SHA1(SHA1(password))).
    public static func verify(scramble: [UInt8], storedPassword: String, nonce: [UInt8]) -> Bool {
        if storedPassword.isEmpty { return scramble.isEmpty }
        guard scramble.count == 20 else { return false }
        if let stage2 = hashedStage2(storedPassword) {
            var hasher = Insecure.SHA1()
            hasher.update(data: nonce.prefix(20))
            hasher.update(data: stage2)
            let mix = Array(hasher.finalize())
            let stage1 = zip(scramble, mix).map { $0 ^ $1 }
            return Array(Insecure.SHA1.hash(data: stage1)) == stage2
        }
        return constantTimeEqual(scramble, Self.scramble(password: storedPassword, nonce: nonce))
    }

    /// `*` + 40 hex digits, as `PASSWORD()` prints it; nil for a clear-text password.
    static func hashedStage2(_ stored: String) -> [UInt8]? {
        let chars = Array(stored.utf8)
        guard chars.count == 41, chars[0] == UInt8(ascii: "*") else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        var index = 1
        while index < 41 {
            guard let hi = hexValue(chars[index]), let lo = hexValue(chars[index + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Compares two byte arrays without an early exit.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}
