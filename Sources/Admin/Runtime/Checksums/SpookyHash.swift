/// Bob Jenkins' SpookyHash V2 (public domain algorithm), 128 bits, little-endian, streaming.
///
/// ProxySQL's cluster checksums are built from it (docs/notes/cluster-checksums.md), so Junction computes the same
/// values to take part in a ProxySQL cluster. Feeding the bytes in several `update` calls gives the same hash as one
/// call with their concatenation. Messages under 192 bytes take the short path.
struct SpookyHash {
    private static let wordCount = 12
    private static let blockSize = 96
    private static let bufferSize = 192
    private static let constant: UInt64 = 0xDEAD_BEEF_DEAD_BEEF
    private static let mixRotations: [UInt64] = [11, 32, 43, 31, 17, 28, 39, 57, 55, 54, 22, 46]
    private static let endRotations: [UInt64] = [44, 15, 34, 21, 38, 33, 10, 13, 38, 53, 42, 54]

    private var buffer = [UInt8](repeating: 0, count: SpookyHash.bufferSize)
    private var state = [UInt64](repeating: 0, count: SpookyHash.wordCount)
    private var length = 0
    private var remainder = 0

    init(seed1: UInt64, seed2: UInt64) {
        state[0] = seed1
        state[1] = seed2
    }

    /// The first 64 bits of the one-shot hash of `bytes`.
    static func hash64(_ bytes: [UInt8], seed1: UInt64, seed2: UInt64) -> UInt64 {
        var hasher = SpookyHash(seed1: seed1, seed2: seed2)
        hasher.update(bytes)
        return hasher.finalize().0
    }

    mutating func update(_ text: String) { update(Array(text.utf8)) }

    mutating func update<T: FixedWidthInteger>(littleEndian value: T) {
        update(withUnsafeBytes(of: value.littleEndian) { Array($0) })
    }

    mutating func update(_ message: [UInt8]) {
        let newLength = message.count + remainder
        if newLength < Self.bufferSize {
            buffer.replaceSubrange(remainder..<newLength, with: message)
            length += message.count
            remainder = newLength
            return
        }
        var h = length < Self.bufferSize
            ? [state[0], state[1], Self.constant, state[0], state[1], Self.constant,
               state[0], state[1], Self.constant, state[0], state[1], Self.constant]
            : state
        length += message.count
        var position = 0
        var left = message.count
        if remainder > 0 {
            let prefix = Self.bufferSize - remainder
            buffer.replaceSubrange(remainder..<Self.bufferSize, with: message[0..<prefix])
            Self.mix(Self.words(buffer, at: 0), &h)
            Self.mix(Self.words(buffer, at: Self.blockSize), &h)
            position = prefix
            left -= prefix
        }
        let blocks = left / Self.blockSize
        for block in 0..<blocks {
            Self.mix(Self.words(message, at: position + block * Self.blockSize), &h)
        }
        let tail = position + blocks * Self.blockSize
        remainder = left - blocks * Self.blockSize
        buffer.replaceSubrange(0..<remainder, with: message[tail..<(tail + remainder)])
        state = h
    }

    /// The two 64-bit halves of the hash of everything given to `update`.
    func finalize() -> (UInt64, UInt64) {
        if length < Self.bufferSize {
            return Self.short(Array(buffer[0..<length]), seed1: state[0], seed2: state[1])
        }
        var h = state
        var offset = 0
        var left = remainder
        if left >= Self.blockSize {
            Self.mix(Self.words(buffer, at: 0), &h)
            offset = Self.blockSize
            left -= Self.blockSize
        }
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        block.replaceSubrange(0..<left, with: buffer[offset..<(offset + left)])
        block[Self.blockSize - 1] = UInt8(left)
        Self.end(Self.words(block, at: 0), &h)
        return (h[0], h[1])
    }

    // MARK: - The reference rounds

    private static func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    private static func word32(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<4 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }

    private static func words(_ bytes: [UInt8], at offset: Int) -> [UInt64] {
        (0..<wordCount).map { word(bytes, at: offset + 8 * $0) }
    }

    private static func mix(_ data: [UInt64], _ h: inout [UInt64]) {
        for i in 0..<wordCount {
            h[i] &+= data[i]
            h[(i + 2) % 12] ^= h[(i + 10) % 12]
            h[(i + 11) % 12] ^= h[i]
            h[i] = rotate(h[i], mixRotations[i])
            h[(i + 11) % 12] &+= h[(i + 1) % 12]
        }
    }

    private static func endPartial(_ h: inout [UInt64]) {
        for i in 0..<wordCount {
            let a = (i + 11) % 12, b = (i + 1) % 12, c = (i + 2) % 12
            h[a] &+= h[b]
            h[c] ^= h[a]
            h[b] = rotate(h[b], endRotations[i])
        }
    }

    private static func end(_ data: [UInt64], _ h: inout [UInt64]) {
        for i in 0..<wordCount { h[i] &+= data[i] }
        endPartial(&h)
        endPartial(&h)
        endPartial(&h)
    }

    private static func shortMix(_ h: inout (UInt64, UInt64, UInt64, UInt64)) {
        let steps: [(Int, UInt64)] = [(2, 50), (3, 52), (0, 30), (1, 41), (2, 54), (3, 48),
                                       (0, 38), (1, 37), (2, 62), (3, 34), (0, 5), (1, 36)]
        var v = [h.0, h.1, h.2, h.3]
        for (i, r) in steps {
            // h[i] = rot(h[i], r); h[i] += h[i+1]; h[i-2] ^= h[i]
            v[i] = rotate(v[i], r)
            v[i] &+= v[(i + 1) % 4]
            v[(i + 2) % 4] ^= v[i]
        }
        h = (v[0], v[1], v[2], v[3])
    }

    private static func shortEnd(_ h: inout (UInt64, UInt64, UInt64, UInt64)) {
        let steps: [(Int, UInt64)] = [(3, 15), (0, 52), (1, 26), (2, 51), (3, 28), (0, 9),
                                       (1, 47), (2, 54), (3, 32), (0, 25), (1, 63)]
        var v = [h.0, h.1, h.2, h.3]
        for (i, r) in steps {
            // h[i] ^= h[i-1]; h[i-1] = rot(h[i-1], r); h[i] += h[i-1]
            let previous = (i + 3) % 4
            v[i] ^= v[previous]
            v[previous] = rotate(v[previous], r)
            v[i] &+= v[previous]
        }
        h = (v[0], v[1], v[2], v[3])
    }

    private static func short(_ message: [UInt8], seed1: UInt64, seed2: UInt64) -> (UInt64, UInt64) {
        let count = message.count
        var h = (seed1, seed2, constant, constant)
        var offset = 0
        var left = count % 32
        if count > 15 {
            let end = (count / 32) * 32
            while offset < end {
                h.2 &+= word(message, at: offset)
                h.3 &+= word(message, at: offset + 8)
                shortMix(&h)
                h.0 &+= word(message, at: offset + 16)
                h.1 &+= word(message, at: offset + 24)
                offset += 32
            }
            if left >= 16 {
                h.2 &+= word(message, at: offset)
                h.3 &+= word(message, at: offset + 8)
                shortMix(&h)
                offset += 16
                left -= 16
            }
        }
        h.3 &+= UInt64(count) << 56
        let p = Array(message[offset...]) + [UInt8](repeating: 0, count: 16)
        func byte(_ i: Int, _ shift: UInt64) -> UInt64 { UInt64(p[i]) << shift }
        switch left {
        case 12...15:
            if left >= 15 { h.3 &+= byte(14, 48) }
            if left >= 14 { h.3 &+= byte(13, 40) }
            if left >= 13 { h.3 &+= byte(12, 32) }
            h.3 &+= word32(p, at: 8)
            h.2 &+= word(p, at: 0)
        case 8...11:
            if left >= 11 { h.3 &+= byte(10, 16) }
            if left >= 10 { h.3 &+= byte(9, 8) }
            if left >= 9 { h.3 &+= byte(8, 0) }
            h.2 &+= word(p, at: 0)
        case 4...7:
            if left >= 7 { h.2 &+= byte(6, 48) }
            if left >= 6 { h.2 &+= byte(5, 40) }
            if left >= 5 { h.2 &+= byte(4, 32) }
            h.2 &+= word32(p, at: 0)
        case 1...3:
            if left >= 3 { h.2 &+= byte(2, 16) }
            if left >= 2 { h.2 &+= byte(1, 8) }
            h.2 &+= byte(0, 0)
        default:
            h.2 &+= constant
            h.3 &+= constant
        }
        shortEnd(&h)
        return (h.0, h.1)
    }
}
