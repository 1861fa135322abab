import Testing
@testable import JunctionConfig

/// Syntax errors: their text, their line, and that no input makes the parser trap.
struct LibconfigParserErrorTests {
    private func error(_ text: String, file: String = "junction.cnf") -> ConfigFileError? {
        do {
            _ = try LibconfigParser.parse(text, fileName: file)
            return nil
        } catch let error as ConfigFileError {
            return error
        } catch {
            return nil
        }
    }

    @Test func missingEqualsNamesTheSetting() {
        let text = "mysql_variables = {\n a = 1\n b = 2\n c = 3\n d = 4\n e = 5\n threads 4\n}"
        #expect(error(text)?.description == "junction.cnf:7: syntax error: expected '=' or ':' after 'threads'")
    }

    @Test(arguments: [
        ("a = ", 1, "syntax error: expected a value for 'a', got end of file"),
        ("a = 1\nb = foo", 2, "syntax error: unexpected 'foo' in the value of 'b' (strings need double quotes)"),
        ("a = \"open\n\n", 1, "syntax error: unterminated string"),
        ("a = 1 /* open\n", 1, "syntax error: unterminated comment '/*'"),
        ("g = {\n a = 1\n", 3, "syntax error: missing '}' for the group opened at line 1"),
        ("l = ( 1, 2\n", 2, "syntax error: missing ')' for the one opened at line 1"),
        ("l = ( 1 2 )", 1, "syntax error: expected ',' or ')' in the value of 'l', got integer 2"),
        ("a = 1\na = 2", 2, "duplicate setting 'a'"),
        ("a = [1, \"x\"]", 1, "syntax error: the array of 'a' mixes an integer and a string"),
        ("a = [{ b = 1 }]", 1, "syntax error: an array of 'a' holds only scalars, not a group; use a list '( )'"),
        ("a = 12ab", 1, "syntax error: invalid number '12ab'"),
        ("a = 1.2.3", 1, "syntax error: invalid number '1.2.3'"),
        ("a = 99999999999999999999", 1, "syntax error: integer out of range '99999999999999999999' (64-bit)"),
        ("a = 0x1FFFFFFFFFFFFFFFF", 1, "syntax error: integer out of range '0x1FFFFFFFFFFFFFFFF'"),
        ("a = 1e999", 1, "syntax error: float out of range '1e999'"),
        ("\n\n a = $", 3, "syntax error: unexpected character '$'"),
        ("= 1", 1, "syntax error: expected a setting name, got '='"),
        ("}", 1, "syntax error: expected a setting name, got '}'"),
        ("a = 1;;", 1, "syntax error: expected a setting name, got ';'"),
        ("_a = 1", 1, "syntax error: unexpected character '_'"),
        ("a = 1\u{01}", 1, "syntax error: unexpected character (byte 0x01)"),
        ("a = 1 ü", 1, "syntax error: unexpected character 'ü'"),
        ("@inclde \"x\"", 1, "syntax error: unexpected character '@' (only '@include \"file\"' may start with '@')"),
        ("@include x", 1, "syntax error: expected a quoted file name after '@include'"),
        ("@include \"x.cnf\"", 1, "@include \"x.cnf\" is not allowed here"),
    ] as [(String, Int, String)])
    func syntaxErrors(text: String, line: Int, message: String) {
        let failure = error(text)
        #expect(failure?.line == line)
        #expect(failure?.message == message)
        #expect(failure?.keyPath == nil)
    }

    @Test func nestingIsBounded() {
        let deep = "a = " + String(repeating: "(", count: 10_000)
        #expect(error(deep)?.message == "syntax error: values nested more than 64 deep")
    }

    @Test func errorsInIncludedFilesNameThatFile() {
        #expect(throws: ConfigFileError(fileName: "part.cnf", line: 2, message: "syntax error: expected '=' or ':' after 'y'")) {
            _ = try LibconfigParser.parse("a = 1\n@include \"part.cnf\"", fileName: "main.cnf") { _ in "x = 1\ny 2" }
        }
    }

    @Test func resolverFailuresAreReportedAtTheInclude() {
        struct Missing: Error, CustomStringConvertible { var description: String { "no such file" } }
        #expect(throws: ConfigFileError(fileName: "main.cnf", line: 2, message: "cannot include \"gone.cnf\": no such file")) {
            _ = try LibconfigParser.parse("a = 1\n@include \"gone.cnf\"", fileName: "main.cnf") { _ in throw Missing() }
        }
    }

    @Test func selfIncludeStops() {
        let text = "a = 1\n@include \"self.cnf\""
        let failure = #expect(throws: ConfigFileError.self) {
            _ = try LibconfigParser.parse(text, fileName: "self.cnf") { _ in text }
        }
        #expect(failure?.message == "@include nested more than 16 deep (does a file include itself?)")
    }

    @Test func descriptionWithAndWithoutKeyPathAndLine() {
        #expect(ConfigFileError(fileName: "j.cnf", line: 12, keyPath: "mysql_servers[1].port",
                                message: "expected an integer, got a string").description
                == "j.cnf:12: mysql_servers[1].port: expected an integer, got a string")
        #expect(ConfigFileError(fileName: "j.cnf", line: 0, message: "cannot read the file").description
                == "j.cnf: cannot read the file")
    }

    /// Random bytes and random mixes of grammar pieces must end in a value or a `ConfigFileError`, never a trap.
    @Test func randomInputNeverTraps() {
        var random = SplitMix64(seed: 0x5EED)
        let pieces = ["a", " = ", ":", ";", ",", "{", "}", "[", "]", "(", ")", "\"s\\", "\"", "1", "-", "0x", "L", ".",
                      "e", "true", "#", "//", "/*", "*/", "\n", "@include \"f\"", "\\x4", "é", "\0", "9999999999999999999"]
        for round in 0..<3000 {
            let text: String
            if round % 2 == 0 {
                let bytes = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                text = (0..<Int(random.next() % 40)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
            }
            do {
                _ = try LibconfigParser.parse(text, fileName: "fuzz.cnf") { _ in text }
            } catch {
                #expect(error is ConfigFileError)
            }
        }
    }
}

/// A small deterministic generator, so a fuzz failure can be replayed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
