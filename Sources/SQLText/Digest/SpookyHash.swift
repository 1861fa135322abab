/// SpookyHash V2 (Bob Jenkins' public-domain design), 64-bit result: the hash ProxySQL uses for query
/// digests, so `mysql_query_rules.digest` values written for ProxySQL match Junction's digests.
///
/// Little-endian reads, as the reference assumes; messages under 192 bytes take the short path.
public enum SpookyHash {
    private static let constant: UInt64 = 0xdead_beef_dead_beef
    private static let blockSize = 96
    private static let bufferSize = 192

    /// `Hash64(message, length, seed)`.
    public static func hash64<Bytes: Collection>(_ message: Bytes, seed: UInt64 = 0) -> UInt64 where Bytes.Element == UInt8 {
        let bytes = message.withContiguousStorageIfAvailable { Array($0) } ?? Array(message)
        return bytes.withUnsafeBytes { raw in
            var hash1 = seed, hash2 = seed
            hash128(raw, &hash1, &hash2)
            return hash1
        }
    }

    /// `Hash64` over raw bytes, without copying them.
    public static func hash64(raw: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hash1 = seed, hash2 = seed
        hash128(raw, &hash1, &hash2)
        return hash1
    }

    static func hash128(_ message: UnsafeRawBufferPointer, _ hash1: inout UInt64, _ hash2: inout UInt64) {
        guard message.count >= bufferSize else {
            short(message, &hash1, &hash2)
            return
        }
        var h: [UInt64] = [hash1, hash2, constant, hash1, hash2, constant, hash1, hash2, constant, hash1, hash2, constant]
        let blocks = message.count / blockSize
        var block = [UInt64](repeating: 0, count: 12)
        for index in 0..<blocks {
            for word in 0..<12 { block[word] = load64(message, index * blockSize + word * 8) }
            mix(block, &h)
        }
        let remainder = message.count - blocks * blockSize
        var last = [UInt8](repeating: 0, count: blockSize)
        for offset in 0..<remainder { last[offset] = message[blocks * blockSize + offset] }
        last[blockSize - 1] = UInt8(remainder)
        last.withUnsafeBytes { tail in
            for word in 0..<12 { block[word] = load64(tail, word * 8) }
        }
        end(block, &h)
        hash1 = h[0]
        hash2 = h[1]
    }

    @inline(__always) private static func rot(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    @inline(__always) private static func load64(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always) private static func load32(_ p: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// The long-message round over one 96-byte block.
    private static func mix(_ data: [UInt64], _ s: inout [UInt64]) {
        let rotations: [UInt64] = [11, 32, 43, 31, 17, 28, 39, 57, 55, 54, 22, 46]
        for i in 0..<12 {
            s[i] = s[i] &+ data[i]
            s[(i + 2) % 12] ^= s[(i + 10) % 12]
            s[(i + 11) % 12] ^= s[i]
            s[i] = rot(s[i], rotations[i])
            s[(i + 11) % 12] = s[(i + 11) % 12] &+ s[(i + 1) % 12]
        }
    }

    private static func endPartial(_ h: inout [UInt64]) {
        let rotations: [UInt64] = [44, 15, 34, 21, 38, 33, 10, 13, 38, 53, 42, 54]
        for i in 0..<12 {
            let a = (i + 11) % 12, b = (i + 1) % 12, c = (i + 2) % 12
            // h[a] += h[b]; h[c] ^= h[a]; h[b] = rot(h[b], r)
            h[a] = h[a] &+ h[b]
            h[c] ^= h[a]
            h[b] = rot(h[b], rotations[i])
        }
    }

    private static func end(_ data: [UInt64], _ h: inout [UInt64]) {
        for i in 0..<12 { h[i] = h[i] &+ data[i] }
        endPartial(&h)
        endPartial(&h)
        endPartial(&h)
    }

    private static func shortMix(_ h0: inout UInt64, _ h1: inout UInt64, _ h2: inout UInt64, _ h3: inout UInt64) {
        h2 = rot(h2, 50); h2 = h2 &+ h3; h0 ^= h2
        h3 = rot(h3, 52); h3 = h3 &+ h0; h1 ^= h3
        h0 = rot(h0, 30); h0 = h0 &+ h1; h2 ^= h0
        h1 = rot(h1, 41); h1 = h1 &+ h2; h3 ^= h1
        h2 = rot(h2, 54); h2 = h2 &+ h3; h0 ^= h2
        h3 = rot(h3, 48); h3 = h3 &+ h0; h1 ^= h3
        h0 = rot(h0, 38); h0 = h0 &+ h1; h2 ^= h0
        h1 = rot(h1, 37); h1 = h1 &+ h2; h3 ^= h1
        h2 = rot(h2, 62); h2 = h2 &+ h3; h0 ^= h2
        h3 = rot(h3, 34); h3 = h3 &+ h0; h1 ^= h3
        h0 = rot(h0, 5); h0 = h0 &+ h1; h2 ^= h0
        h1 = rot(h1, 36); h1 = h1 &+ h2; h3 ^= h1
    }

    private static func shortEnd(_ h0: inout UInt64, _ h1: inout UInt64, _ h2: inout UInt64, _ h3: inout UInt64) {
        h3 ^= h2; h2 = rot(h2, 15); h3 = h3 &+ h2
        h0 ^= h3; h3 = rot(h3, 52); h0 = h0 &+ h3
        h1 ^= h0; h0 = rot(h0, 26); h1 = h1 &+ h0
        h2 ^= h1; h1 = rot(h1, 51); h2 = h2 &+ h1
        h3 ^= h2; h2 = rot(h2, 28); h3 = h3 &+ h2
        h0 ^= h3; h3 = rot(h3, 9); h0 = h0 &+ h3
        h1 ^= h0; h0 = rot(h0, 47); h1 = h1 &+ h0
        h2 ^= h1; h1 = rot(h1, 54); h2 = h2 &+ h1
        h3 ^= h2; h2 = rot(h2, 32); h3 = h3 &+ h2
        h0 ^= h3; h3 = rot(h3, 25); h0 = h0 &+ h3
        h1 ^= h0; h0 = rot(h0, 63); h1 = h1 &+ h0
    }

    private static func short(_ message: UnsafeRawBufferPointer, _ hash1: inout UInt64, _ hash2: inout UInt64) {
        let length = message.count
        var a = hash1, b = hash2, c = constant, d = constant
        var offset = 0
        var remainder = length % 32
        if length > 15 {
            let end = (length / 32) * 32
            while offset < end {
                c = c &+ load64(message, offset)
                d = d &+ load64(message, offset + 8)
                shortMix(&a, &b, &c, &d)
                a = a &+ load64(message, offset + 16)
                b = b &+ load64(message, offset + 24)
                offset += 32
            }
            if remainder >= 16 {
                c = c &+ load64(message, offset)
                d = d &+ load64(message, offset + 8)
                shortMix(&a, &b, &c, &d)
                offset += 16
                remainder -= 16
            }
        }
        d = d &+ (UInt64(length) << 56)
        func byte(_ i: Int) -> UInt64 { UInt64(message[offset + i]) }
        switch remainder {
        case 12...15:
            if remainder >= 15 { d = d &+ (byte(14) << 48) }
            if remainder >= 14 { d = d &+ (byte(13) << 40) }
            if remainder >= 13 { d = d &+ (byte(12) << 32) }
            d = d &+ load32(message, offset + 8)
            c = c &+ load64(message, offset)
        case 8...11:
            if remainder >= 11 { d = d &+ (byte(10) << 16) }
            if remainder >= 10 { d = d &+ (byte(9) << 8) }
            if remainder >= 9 { d = d &+ byte(8) }
            c = c &+ load64(message, offset)
        case 4...7:
            if remainder >= 7 { c = c &+ (byte(6) << 48) }
            if remainder >= 6 { c = c &+ (byte(5) << 40) }
            if remainder >= 5 { c = c &+ (byte(4) << 32) }
            c = c &+ load32(message, offset)
        case 1...3:
            if remainder >= 3 { c = c &+ (byte(2) << 16) }
            if remainder >= 2 { c = c &+ (byte(1) << 8) }
            c = c &+ byte(0)
        default:
            c = c &+ constant
            d = d &+ constant
        }
        shortEnd(&a, &b, &c, &d)
        hash1 = a
        hash2 = b
    }
}
