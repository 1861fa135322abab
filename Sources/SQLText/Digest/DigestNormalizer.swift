/// One pass over a query's bytes producing its digest text: literals become `?`, comments go (their
/// first one is kept aside), whitespace runs become one space, spaces around commas disappear, and a
/// `+`/`-` written after a space in front of a number is absorbed into its `?` (ProxySQL's quirk,
/// reproduced so digests match). Never traps: unterminated strings and comments end at the input's end.
struct DigestNormalizer {
    let input: UnsafeBufferPointer<UInt8>
    let options: DigestOptions
    private(set) var output: [UInt8] = []
    private(set) var firstComment: [UInt8]?
    /// The longest `?,?,…` run written (the grouping passes are skipped when it is short).
    private(set) var longestValueRun = 0
    private var valueRun = 0
    private var pendingSpace = false
    /// Open `/*!…` comments whose `*/` is still to come (their content counts as SQL).
    private var executableDepth = 0

    init(input: UnsafeBufferPointer<UInt8>, options: DigestOptions) {
        self.input = input
        self.options = options
        output.reserveCapacity(input.count)
    }

    private static let question = UInt8(ascii: "?")

    mutating func run() {
        var i = 0
        let n = input.count
        while i < n {
            let c = input[i]
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C:
                pendingSpace = true
                i += 1
            case UInt8(ascii: "/") where i + 1 < n && input[i + 1] == UInt8(ascii: "*"):
                i = comment(at: i)
            case UInt8(ascii: "*") where executableDepth > 0 && i + 1 < n && input[i + 1] == UInt8(ascii: "/"):
                executableDepth -= 1
                pendingSpace = true
                i += 2
            case UInt8(ascii: "#"):
                i = lineEnd(from: i)
            case UInt8(ascii: "-") where i + 1 < n && input[i + 1] == UInt8(ascii: "-") && (i + 2 == n || Self.isSpace(input[i + 2])):
                i = lineEnd(from: i)
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                i = stringEnd(from: i, quote: c)
                emit(Self.question)
            case UInt8(ascii: "`"):
                let end = backtickEnd(from: i)
                emit(input[i..<end])
                i = end
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                if let number = absorbableNumber(afterSignAt: i) {
                    i = number // the sign goes; the number that follows becomes the `?`
                } else {
                    emit(c)
                    i += 1
                }
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = number(at: i)
            case UInt8(ascii: ","):
                if output.last == 0x20 { output.removeLast() }
                pendingSpace = false
                output.append(c)
                i += 1
            default:
                if Self.isWordByte(c) {
                    i = word(at: i)
                } else {
                    emit(c)
                    i += 1
                }
            }
        }
        while let last = output.last, last == 0x20 || last == UInt8(ascii: ";") { output.removeLast() }
    }

    // MARK: Emitting

    private mutating func flushSpace() {
        if pendingSpace, let last = output.last, last != 0x20, last != UInt8(ascii: ",") { output.append(0x20) }
        pendingSpace = false
    }

    private mutating func emit(_ byte: UInt8) {
        flushSpace()
        output.append(byte)
        if byte == Self.question {
            let count = output.count
            valueRun = count >= 3 && output[count - 2] == UInt8(ascii: ",") && output[count - 3] == Self.question ? valueRun + 1 : 1
            longestValueRun = max(longestValueRun, valueRun)
        }
    }

    private mutating func emit(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        flushSpace()
        output.append(contentsOf: bytes)
    }

    // MARK: Scanners (each returns the index after what it consumed)

    private mutating func comment(at start: Int) -> Int {
        let n = input.count
        let executable = start + 2 < n && input[start + 2] == UInt8(ascii: "!")
        if executable {
            var content = start + 3
            if firstComment == nil { firstComment = Self.untilClose(input[content...]) }
            while content < n, Self.isDigit(input[content]) { content += 1 }
            executableDepth += 1
            pendingSpace = true
            return content
        }
        var end = start + 2
        while end + 1 < n, !(input[end] == UInt8(ascii: "*") && input[end + 1] == UInt8(ascii: "/")) { end += 1 }
        let contentEnd = min(end, n)
        if firstComment == nil { firstComment = Array(input[(start + 2)..<max(start + 2, contentEnd)].prefix(1024)) }
        let after = end + 1 < n ? end + 2 : n
        if options.keepComment {
            flushSpace()
            output.append(contentsOf: Array("/*".utf8))
            appendReplacingDigits(input[(start + 2)..<max(start + 2, contentEnd)])
            output.append(contentsOf: Array("*/".utf8))
        }
        pendingSpace = true
        return after
    }

    /// The bytes up to the next `*/` (or the end), at most 1024: an executable comment's first-comment text.
    private static func untilClose(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
        var result: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex, result.count < 1024 {
            if bytes[index] == UInt8(ascii: "*"), index + 1 < bytes.endIndex, bytes[index + 1] == UInt8(ascii: "/") { break }
            result.append(bytes[index])
            index += 1
        }
        return result
    }

    private mutating func lineEnd(from start: Int) -> Int {
        var end = start
        while end < input.count, input[end] != 0x0A { end += 1 }
        pendingSpace = true
        return end
    }

    /// After a quoted string: backslash escapes and doubled quotes stay inside.
    private func stringEnd(from start: Int, quote: UInt8) -> Int {
        var j = start + 1
        let n = input.count
        while j < n {
            let c = input[j]
            if c == UInt8(ascii: "\\") { j += 2; continue }
            if c == quote {
                if j + 1 < n, input[j + 1] == quote { j += 2; continue }
                return j + 1
            }
            j += 1
        }
        return n
    }

    private func backtickEnd(from start: Int) -> Int {
        var j = start + 1
        let n = input.count
        while j < n {
            if input[j] == UInt8(ascii: "`") {
                if j + 1 < n, input[j + 1] == UInt8(ascii: "`") { j += 2; continue }
                return j + 1
            }
            j += 1
        }
        return n
    }

    /// A sign written after whitespace (or first) and followed, maybe after spaces, by a number: the index of
    /// that number.
    private func absorbableNumber(afterSignAt index: Int) -> Int? {
        guard index == 0 || Self.isSpace(input[index - 1]) else { return nil }
        var k = index + 1
        while k < input.count, Self.isSpace(input[k]) { k += 1 }
        guard k < input.count else { return nil }
        if Self.isDigit(input[k]) { return k }
        return nil
    }

    private mutating func number(at start: Int) -> Int {
        let n = input.count
        var j = start
        if input[j] == UInt8(ascii: "0"), j + 2 < n, input[j + 1] | 0x20 == UInt8(ascii: "x"), Self.isHexDigit(input[j + 2]) {
            j += 2
            while j < n, Self.isHexDigit(input[j]) { j += 1 }
        } else {
            while j < n, Self.isDigit(input[j]) { j += 1 }
            if j < n, input[j] == UInt8(ascii: ".") {
                j += 1
                while j < n, Self.isDigit(input[j]) { j += 1 }
            }
            if j < n, input[j] | 0x20 == UInt8(ascii: "e") {
                var k = j + 1
                if k < n, input[k] == UInt8(ascii: "+") || input[k] == UInt8(ascii: "-") { k += 1 }
                if k < n, Self.isDigit(input[k]) {
                    j = k
                    while j < n, Self.isDigit(input[j]) { j += 1 }
                }
            }
        }
        if j < n, Self.isWordByte(input[j]) || Self.isDigit(input[j]) {
            return word(at: start) // 0b101, 123abc: a word that starts with digits
        }
        emit(Self.question)
        return j
    }

    private mutating func word(at start: Int) -> Int {
        var j = start
        while j < input.count, Self.isWordByte(input[j]) || Self.isDigit(input[j]) { j += 1 }
        let bytes = input[start..<j]
        if options.replaceNull, bytes.count == 4, bytes.elementsEqual("NULL".utf8, by: { $0 & 0xDF == $1 }) {
            emit(Self.question)
        } else if options.noDigits {
            flushSpace()
            appendReplacingDigits(bytes)
        } else {
            emit(bytes)
        }
        return j
    }

    /// Appends `bytes` with every run of digits as one `?`.
    private mutating func appendReplacingDigits(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) {
        var inDigits = false
        for byte in bytes {
            if Self.isDigit(byte) {
                if !inDigits { output.append(Self.question) }
                inDigits = true
            } else {
                inDigits = false
                output.append(byte)
            }
        }
    }

    // MARK: Byte classes

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isHexDigit(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
    /// Letters, `_`, `$` and every byte of a multi-byte UTF-8 character.
    static func isWordByte(_ c: UInt8) -> Bool {
        (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == UInt8(ascii: "_") || c == UInt8(ascii: "$") || c >= 0x80
    }
}
