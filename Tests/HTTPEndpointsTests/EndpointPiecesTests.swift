import Foundation
import Testing
@testable import HTTPEndpoints

/// Credentials, JSON text and the `/sync` script answers.
struct EndpointPiecesTests {
    static let accounts = [
        "stats": HTTPAccount(password: "stats", role: .stats, localOnly: true),
        "admin": HTTPAccount(password: "admin", role: .admin, localOnly: true),
        "ops": HTTPAccount(password: "s3cret:x", role: .admin, localOnly: false),
    ]

    static func basic(_ pair: String) -> String { "Basic " + Data(pair.utf8).base64EncodedString() }

    static func check(_ header: String?, from address: String = "127.0.0.1") -> BasicCredentials.Outcome {
        BasicCredentials.check(header, accounts: accounts, clientAddress: address)
    }

    @Test func basicCredentials() {
        #expect(Self.check(Self.basic("stats:stats")) == .accepted(.stats))
        // The password may hold a colon: only the first one separates.
        #expect(Self.check(Self.basic("ops:s3cret:x"), from: "10.1.2.3") == .accepted(.admin))
        #expect(Self.check(Self.basic("stats:wrong")) == .denied)
        #expect(Self.check(Self.basic("nobody:stats")) == .denied)
        #expect(Self.check("Bearer abc") == .denied)
        #expect(Self.check("Basic !!!") == .denied)
        #expect(Self.check(nil) == .denied)
    }

    @Test func builtInAccountsOnlyFromLoopback() {
        #expect(Self.check(Self.basic("admin:admin"), from: "::1") == .accepted(.admin))
        #expect(Self.check(Self.basic("admin:admin"), from: "::ffff:127.0.0.1") == .accepted(.admin))
        #expect(Self.check(Self.basic("admin:admin"), from: "10.1.2.3") == .localOnly)
        #expect(Self.check(Self.basic("stats:stats"), from: "192.168.0.9") == .localOnly)
        // A wrong password is denied before the address is looked at.
        #expect(Self.check(Self.basic("admin:nope"), from: "10.1.2.3") == .denied)
    }

    @Test func sameOrigin() {
        #expect(SameOrigin.matches(origin: "http://127.0.0.1:6070", host: "127.0.0.1:6070"))
        #expect(!SameOrigin.matches(origin: "https://evil.example", host: "127.0.0.1:6070"))
        #expect(!SameOrigin.matches(origin: "null", host: "127.0.0.1:6070"))
        #expect(!SameOrigin.matches(origin: "http://127.0.0.1:6070", host: nil))
    }

    @Test func jsonKeepsColumnOrderTypesAndEscapes() {
        let table = ResultTable(columns: ["hostgroup", "digest_text", "avg", "note"],
                                rows: [[.integer(1), .text("SELECT \"a\"\n</script>"), .real(1.5), .null]])
        #expect(JSONValue.rows(table).text == #"[{"hostgroup":1,"digest_text":"SELECT \"a\"\n\u003c/script>","avg":1.5,"note":null}]"#)
        let parsed = try? JSONSerialization.jsonObject(with: Data(JSONValue.rows(table).text.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["digest_text"] as? String == "SELECT \"a\"\n</script>")
    }

    static let route = RestRoute(id: 1, method: "POST", uri: "echo", script: "/usr/local/bin/echo.sh", timeoutMs: 500)

    static func body(_ answer: (status: Int, body: String)) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func scriptAnswersAsProxySQLGivesThem() {
        let ok = ObservationResponses.scriptAnswer(.finished(status: 0, output: "{ \"a\": 1 }\n", errors: ""), route: Self.route)
        #expect(ok.status == 200 && ok.body == "{ \"a\": 1 }\n")
        let failed = ObservationResponses.scriptAnswer(.finished(status: 3, output: "", errors: "boom"), route: Self.route)
        #expect(failed.status == 424)
        #expect(Self.body(failed)["error_code"] as? String == "3")
        #expect(Self.body(failed)["script_stderr"] as? String == "boom")
        let notJSON = ObservationResponses.scriptAnswer(.finished(status: 0, output: "hello", errors: ""), route: Self.route)
        #expect(notJSON.status == 424 && Self.body(notJSON)["type"] as? String == "out")
        let empty = ObservationResponses.scriptAnswer(.finished(status: 0, output: "  \n", errors: ""), route: Self.route)
        #expect((Self.body(empty)["error"] as? String)?.contains("empty") == true)
        let late = ObservationResponses.scriptAnswer(.timedOut, route: Self.route)
        #expect(late.status == 424 && Self.body(late)["error_code"] as? String == "62")
    }

    @Test func scriptRunnerPassesTheJSONAsItsArgumentAndKillsOverruns() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("junction-script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let echo = directory.appendingPathComponent("echo.sh").path
        try "#!/bin/sh\nprintf '{\"got\":%s}' \"$1\"\n".write(toFile: echo, atomically: true, encoding: .utf8)
        let slow = directory.appendingPathComponent("slow.sh").path
        try "#!/bin/sh\nsleep 5\necho '{}'\n".write(toFile: slow, atomically: true, encoding: .utf8)
        // Exits at once, but leaves a child holding its output open.
        let leaver = directory.appendingPathComponent("leaver.sh").path
        try "#!/bin/sh\n(sleep 5) &\necho '{}'\n".write(toFile: leaver, atomically: true, encoding: .utf8)
        for path in [echo, slow, leaver] { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }

        #expect(await ScriptRunner.run(echo, argument: #"{"a":1}"#, timeoutMs: 5_000)
            == .finished(status: 0, output: #"{"got":{"a":1}}"#, errors: ""))
        let started = Date()
        #expect(await ScriptRunner.run(slow, argument: "{}", timeoutMs: 200) == .timedOut)
        #expect(Date().timeIntervalSince(started) < 4)
        let leaving = Date()
        #expect(await ScriptRunner.run(leaver, argument: "{}", timeoutMs: 300) == .timedOut)
        #expect(Date().timeIntervalSince(leaving) < 4)
        if case .failedToStart = await ScriptRunner.run(directory.appendingPathComponent("missing").path, argument: "{}", timeoutMs: 500) {
        } else {
            Issue.record("a missing script must fail to start")
        }
    }
}

struct QueryStringTests {
    @Test func formFields() {
        #expect(QueryString.parameters("b=x+y&a=1&c=%2B%26&a=2&flag") == ["a": "2", "b": "x y", "c": "+&", "flag": ""])
        #expect(QueryString.parameters("").isEmpty)
    }
}
