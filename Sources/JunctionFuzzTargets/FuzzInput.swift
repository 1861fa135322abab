/// Reads a fuzzer's bytes as choices and pieces: a few leading bytes pick options, the rest is the input
/// proper. Running out of bytes yields zeros and empty pieces, never a trap.
struct FuzzInput {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isEmpty: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// A choice among `count` options.
    mutating func choice(_ count: Int) -> Int { Int(byte()) % max(count, 1) }

    /// The next `count` bytes (fewer at the end).
    mutating func take(_ count: Int) -> [UInt8] {
        let end = min(bytes.count, offset + max(count, 0))
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// A piece whose length is the next byte (0…255).
    mutating func piece() -> [UInt8] { take(Int(byte())) }

    /// Everything left.
    mutating func rest() -> [UInt8] { take(bytes.count - offset) }
}
