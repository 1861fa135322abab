import Testing
@testable import SQLText

/// Reference values of SpookyHash V2 Hash64 (the published test strings, and bytes (i*7+3)%256 of each length,
/// as the reference implementation computes them): every path — empty, short remainders, 32-byte rounds,
/// the 192-byte switch to the long path, partial last blocks.
struct SpookyHashTests {
    @Test func publishedStrings() {
        #expect(SpookyHash.hash64(Array("Hello World!!".utf8), seed: 123) == 0x78ed_9000_d760_5b78)
        let lyric = "DAKARA ONE TWO THREE DE ARUKIDASE\nKYOU MO ASHITA MO KINOU MO KAWARANAI\nNARABA ONE TWO THREE DE ARUKIDASE\nMAWARU SEKAI TO GYAKU MUKI DE"
        #expect(SpookyHash.hash64(Array(lyric.utf8)) == 0xf4c7_73c0_8b93_4657)
        #expect(SpookyHash.hash64(Array("select @@server_id".utf8)) == 0xda65_260d_f35b_8d13)
    }

    @Test(arguments: [
        (0, 0x2327_06fc_6bf5_0919 as UInt64), (1, 0x4b87_fa4c_899c_ff30), (15, 0x80ff_2557_a5f3_fce9), (16, 0x996b_234d_7cd0_c4ed),
        (31, 0xb8cc_43d8_89b9_2e0c), (32, 0xe10b_9985_690e_40f4), (191, 0x5a8b_5567_21e7_0004), (192, 0x4bd5_231f_c1b3_b9cf),
        (200, 0x4689_7e1d_30e0_9f68), (300, 0x5fed_2a2a_cbdf_b6a4), (1000, 0x8507_2d32_18a5_1b05),
    ])
    func lengthsAcrossEveryPath(length: Int, expected: UInt64) {
        let bytes = (0..<length).map { UInt8(($0 * 7 + 3) % 256) }
        #expect(SpookyHash.hash64(bytes) == expected)
    }
}
