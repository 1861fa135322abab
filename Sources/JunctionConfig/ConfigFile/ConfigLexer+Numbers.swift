extension ConfigLexer {
    /// True when a number starts here: a digit, or a sign or `.` followed by one.
    func startsNumber() -> Bool {
        let byte = peek(0)
        if Self.isDigit(byte) { return true }
        if byte == UInt8(ascii: ".") { return Self.isDigit(peek(1)) }
        if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
            return Self.isDigit(peek(1)) || (peek(1) == UInt8(ascii: ".") && Self.isDigit(peek(2)))
        }
        return false
    }

    /// Reads an integer (decimal or `0x` hex, optional `L`/`LL` suffix) or a float (`1.5`, `.5`, `2e-3`).
    ///
    /// A number glued to letters or dots (`12ab`, `1.2.3`) is one invalid number rather than two tokens.
    mutating func readNumber() throws -> ConfigToken.Kind {
        let start = index
        let negative = peek(0) == UInt8(ascii: "-")
        if peek(0) == UInt8(ascii: "+") || negative { index += 1 }
        let kind: ConfigToken.Kind
        if peek(0) == UInt8(ascii: "0"), peek(1) | 0x20 == UInt8(ascii: "x"), Self.hexValue(peek(2)) != nil {
            index += 2
            kind = try readHexadecimal(negative: negative, start: start)
        } else {
            kind = try readDecimal(negative: negative, start: start)
        }
        if Self.isNameCharacter(peek(0)) || peek(0) == UInt8(ascii: ".") {
            while Self.isNameCharacter(peek(0)) || peek(0) == UInt8(ascii: ".") { index += 1 }
            throw syntaxError("invalid number '\(text(from: start))'", line: line)
        }
        return kind
    }

    private mutating func readHexadecimal(negative: Bool, start: Int) throws -> ConfigToken.Kind {
        var magnitude: UInt64 = 0
        while let digit = Self.hexValue(peek(0)) {
            guard magnitude >> 60 == 0 else {
                while Self.isNameCharacter(peek(0)) { index += 1 }
                throw syntaxError("integer out of range '\(text(from: start))'", line: line)
            }
            magnitude = magnitude << 4 | UInt64(digit)
            index += 1
        }
        skipLongSuffix()
        // Like libconfig, a 64-bit hex pattern is taken bit for bit: 0xFFFFFFFFFFFFFFFF is -1.
        let value = Int64(bitPattern: magnitude)
        return .int(negative ? 0 &- value : value)
    }

    private mutating func readDecimal(negative: Bool, start: Int) throws -> ConfigToken.Kind {
        let digitsStart = index
        skipDigits()
        let digitsEnd = index
        var isFloat = false
        if peek(0) == UInt8(ascii: ".") {
            isFloat = true
            index += 1
            skipDigits()
        }
        if peek(0) | 0x20 == UInt8(ascii: "e") {
            let sign = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-") ? 1 : 0
            if Self.isDigit(peek(1 + sign)) {
                isFloat = true
                index += 1 + sign
                skipDigits()
            }
        }
        if isFloat {
            let literal = text(from: start)
            guard let value = Double(literal), value.isFinite else {
                throw syntaxError("float out of range '\(literal)'", line: line)
            }
            return .float(value)
        }
        var magnitude: UInt64 = 0
        for byte in bytes[digitsStart..<digitsEnd] {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw outOfRange(start: start) }
            magnitude = sum
        }
        skipLongSuffix()
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw outOfRange(start: start) }
            return .int(0 &- Int64(truncatingIfNeeded: magnitude))
        }
        guard magnitude <= UInt64(Int64.max) else { throw outOfRange(start: start) }
        return .int(Int64(magnitude))
    }

    private mutating func outOfRange(start: Int) -> ConfigFileError {
        while Self.isDigit(peek(0)) || peek(0) == UInt8(ascii: "L") { index += 1 }
        return syntaxError("integer out of range '\(text(from: start))' (64-bit)", line: line)
    }

    private mutating func skipDigits() {
        while Self.isDigit(peek(0)) { index += 1 }
    }

    /// libconfig marks 64-bit integers with `L` (`LL` is accepted too); both sizes are `Int64` here.
    private mutating func skipLongSuffix() {
        if peek(0) == UInt8(ascii: "L") {
            index += 1
            if peek(0) == UInt8(ascii: "L") { index += 1 }
        }
    }

    private func text(from start: Int) -> String {
        String(decoding: bytes[start..<index], as: UTF8.self)
    }
}
