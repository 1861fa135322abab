import Foundation
import MySQLProtocol
import Testing

/// Vectors computed independently (Python hashlib) for password "secret" and nonce 1…20.
@Suite struct AuthTests {
    let nonce = Array(UInt8(1)...UInt8(20))

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func nativePasswordMatchesKnownVector() {
        #expect(hex(NativePassword.scramble(password: "secret", nonce: nonce)) == "b32bb3a583e1340c0a1108d58b1be49781ad8c2f")
    }

    @Test func nativePasswordVerifiesClearAndHashedStoredPasswords() {
        let scramble = NativePassword.scramble(password: "secret", nonce: nonce)
        #expect(NativePassword.verify(scramble: scramble, storedPassword: "secret", nonce: nonce))
        #expect(NativePassword.verify(scramble: scramble, storedPassword: "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7", nonce: nonce))
        #expect(!NativePassword.verify(scramble: scramble, storedPassword: "other", nonce: nonce))
        #expect(!NativePassword.verify(scramble: [], storedPassword: "secret", nonce: nonce))
        #expect(NativePassword.verify(scramble: [], storedPassword: "", nonce: nonce))
    }

    @Test func cachingSHA2MatchesKnownVector() {
        #expect(hex(CachingSHA2Password.scramble(password: "secret", nonce: nonce))
                == "746ebe205d56a0707acb3e796e834e0dd7b1d61743b26bd5202c7a623230c7c9")
        let s = CachingSHA2Password.scramble(password: "secret", nonce: nonce)
        #expect(CachingSHA2Password.verify(scramble: s, clearPassword: "secret", nonce: nonce))
        #expect(!CachingSHA2Password.verify(scramble: s, clearPassword: "Secret", nonce: nonce))
    }

    @Test func noncesArePrintableAndFresh() {
        let a = AuthNonce.make(), b = AuthNonce.make()
        #expect(a.count == 20 && a.allSatisfy { $0 >= 0x21 && $0 <= 0x7E })
        #expect(a != b)
    }
}
