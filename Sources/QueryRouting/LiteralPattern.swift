/// Patterns made only of literal words joined by `.*`, optionally anchored (`^SELECT.*FOR UPDATE$`,
/// `^select`, `sbtest1`), matched on the query's bytes without a regex engine.
///
/// Exactly equivalent to the regex for the texts it accepts: ASCII-only text without line breaks (where
/// `.` could stop and Unicode case folding could differ). Other texts return nil and the regex decides.
struct LiteralPattern: Sendable {
    let anchoredStart: Bool
    let anchoredEnd: Bool
    /// Lower-cased when caseless.
    let segments: [[UInt8]]
    let caseless: Bool

    /// nil when the pattern is not of this shape.
    init?(_ pattern: String, caseless: Bool) {
        var body = Substring(pattern)
        anchoredStart = body.hasPrefix("^")
        if anchoredStart { body = body.dropFirst() }
        anchoredEnd = body.hasSuffix("$") && !body.hasSuffix("\\$")
        if anchoredEnd { body = body.dropLast() }
        let parts = body.components(separatedBy: ".*")
        guard !parts.isEmpty, !parts.contains(where: \.isEmpty) || parts.count == 1 && !body.isEmpty else { return nil }
        var segments: [[UInt8]] = []
        for part in parts {
            guard !part.isEmpty, part.utf8.allSatisfy(Self.isLiteralByte) else { return nil }
            segments.append(Array(part.utf8).map { caseless ? PatternMatcher.lower($0) : $0 })
        }
        self.segments = segments
        self.caseless = caseless
    }

    /// Letters, digits, space and punctuation that is not a regex metacharacter.
    private static func isLiteralByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: " "), UInt8(ascii: "_"), UInt8(ascii: ","), UInt8(ascii: "="), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "!"), UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "@"),
             UInt8(ascii: "`"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "#"):
            return true
        default:
            return false
        }
    }

    /// The match result, or nil when the text needs the regex engine (non-ASCII bytes or line breaks).
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool? {
        for byte in text where byte >= 0x80 || byte == 0x0A || byte == 0x0D { return nil }
        var position = 0
        for (index, segment) in segments.enumerated() {
            let isFirst = index == 0, isLast = index == segments.count - 1
            if isLast && anchoredEnd {
                let start = text.count - segment.count
                guard start >= position, equal(segment, text, at: start) else { return false }
                if isFirst && anchoredStart && start != 0 { return false }
                return true
            }
            if isFirst && anchoredStart {
                guard equal(segment, text, at: 0) else { return false }
                position = segment.count
                continue
            }
            guard let found = find(segment, in: text, from: position) else { return false }
            position = found + segment.count
        }
        return true
    }

    private func equal(_ segment: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
        guard start >= 0, start + segment.count <= text.count else { return false }
        for offset in 0..<segment.count {
            let byte = text[start + offset]
            if (caseless ? PatternMatcher.lower(byte) : byte) != segment[offset] { return false }
        }
        return true
    }

    private func find(_ segment: [UInt8], in text: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard segment.count <= text.count else { return nil }
        var start = from
        while start + segment.count <= text.count {
            if equal(segment, text, at: start) { return start }
            start += 1
        }
        return nil
    }
}
