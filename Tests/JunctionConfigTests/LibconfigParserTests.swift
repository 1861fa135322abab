import Testing
@testable import JunctionConfig

/// The libconfig grammar, one construct per test (config-file.md §1).
struct LibconfigParserTests {
    private func parse(_ text: String) throws -> ConfigGroup {
        try LibconfigParser.parse(text, fileName: "test.cnf")
    }

    private func value(_ text: String) throws -> ConfigValue? {
        try parse("v = \(text)")["v"]
    }

    @Test func equalsAndColonBothAssign() throws {
        let root = try parse("a = 1\nb : 2\nc=3 d:4")
        #expect(root.names == ["a", "b", "c", "d"])
        #expect(root["b"] == .int(2))
        #expect(root["d"] == .int(4))
    }

    @Test func terminatorsAreOptional() throws {
        let root = try parse("a = 1; b = 2, c = 3\nd = 4")
        #expect(root.names == ["a", "b", "c", "d"])
    }

    @Test func namesTakeLettersDigitsUnderscoreDashAndStar() throws {
        let root = try parse("*star = 1\nwith-dash_and_9 = 2\nflagIN = 3")
        #expect(root["*star"] == .int(1))
        #expect(root["with-dash_and_9"] == .int(2))
        #expect(root["flagIN"] == .int(3))
        #expect(root["flagin"] == nil)
    }

    @Test(arguments: [
        ("123", Int64(123)), ("-42", -42), ("+7", 7), ("0", 0), ("0x1F", 31), ("0X1f", 31),
        ("123L", 123), ("9223372036854775807L", Int64.max), ("-9223372036854775808", Int64.min),
        ("0xFFFFFFFFFFFFFFFFL", -1), ("5000000000", 5_000_000_000), ("12LL", 12),
    ])
    func integers(text: String, expected: Int64) throws {
        #expect(try value(text) == .int(expected))
    }

    @Test(arguments: [("1.5", 1.5), ("-0.25", -0.25), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("2.5E-1", 0.25),
                      ("+1.0e+2", 100.0)])
    func floats(text: String, expected: Double) throws {
        #expect(try value(text) == .float(expected))
    }

    @Test(arguments: [("true", true), ("false", false), ("TRUE", true), ("False", false), ("tRuE", true)])
    func booleansIgnoreCase(text: String, expected: Bool) throws {
        #expect(try value(text) == .bool(expected))
    }

    @Test func stringEscapes() throws {
        #expect(try value(#""a\"b\\c\nd\te\x41\r""#) == .string("a\"b\\c\nd\teA\r"))
    }

    @Test func unknownEscapesKeepTheirBackslash() throws {
        #expect(try value(#""^SELECT \d+ \q""#) == .string(#"^SELECT \d+ \q"#))
        #expect(try value(#""\x4""#) == .string(#"\x4"#))
    }

    @Test func adjacentStringsAreJoined() throws {
        #expect(try value("\"ab\" \"cd\"\n  /* c */ \"ef\"") == .string("abcdef"))
    }

    @Test func stringsKeepUTF8AndNewlines() throws {
        #expect(try value("\"héllo\nwörld\"") == .string("héllo\nwörld"))
    }

    @Test func groups() throws {
        let root = try parse("g = { a = 1; inner = { b = \"x\" } }")
        let group = try #require(root["g"]?.groupValue)
        #expect(group["a"] == .int(1))
        #expect(group["inner"]?.groupValue?["b"] == .string("x"))
    }

    @Test func arraysOfScalars() throws {
        #expect(try value("[1, 2, 3]") == .array([.int(1), .int(2), .int(3)]))
        #expect(try value("[\"a\", \"b\",]") == .array([.string("a"), .string("b")]))
        #expect(try value("[]") == .array([]))
    }

    @Test func listsOfAnything() throws {
        let list = try value("( 1, \"two\", { three = 3 }, [4], (5) )")
        #expect(list == .list([
            .int(1), .string("two"), .group(ConfigGroup(settings: [ConfigSetting(name: "three", value: .int(3))])),
            .array([.int(4)]), .list([.int(5)]),
        ]))
        #expect(try value("()") == .list([]))
    }

    @Test func comments() throws {
        let root = try parse("""
        # hash comment
        a = 1 // line comment
        /* block
           comment */ b = 2
        c = "not # a // comment"
        """)
        #expect(root.names == ["a", "b", "c"])
        #expect(root["c"] == .string("not # a // comment"))
    }

    @Test func settingsRecordTheirLines() throws {
        let root = try parse("\n\na = 1\n/* x\n */\nb = {\n c = 2 }\n")
        #expect(root.setting(named: "a")?.line == 3)
        #expect(root.setting(named: "b")?.line == 6)
        #expect(root["b"]?.groupValue?.line == 6)
        #expect(root["b"]?.groupValue?.setting(named: "c")?.line == 7)
        #expect(root.setting(named: "a")?.fileName == "test.cnf")
    }

    @Test func emptyInputIsAnEmptyGroup() throws {
        #expect(try parse("").isEmpty)
        #expect(try parse("  # only a comment\n").isEmpty)
    }

    @Test func includeSplicesTheOtherFile() throws {
        let files = ["servers.cnf": "mysql_servers = ( { address = \"db1\" } )\n@include \"more.cnf\"", "more.cnf": "x = 2"]
        let root = try LibconfigParser.parse("a = 1\n@include \"servers.cnf\"\nb = 3", fileName: "main.cnf") { path in
            guard let text = files[path] else { throw ConfigFileError(fileName: path, line: 0, message: "no such file") }
            return text
        }
        #expect(root.names == ["a", "mysql_servers", "x", "b"])
        #expect(root.setting(named: "mysql_servers")?.fileName == "servers.cnf")
        #expect(root.setting(named: "x")?.fileName == "more.cnf")
        #expect(root.setting(named: "b")?.line == 3)
    }

    @Test func includeInsideAGroup() throws {
        let root = try LibconfigParser.parse("g = {\n@include \"part.cnf\"\n}", fileName: "main.cnf") { _ in "k = 1" }
        #expect(root["g"]?.groupValue?["k"] == .int(1))
    }
}
