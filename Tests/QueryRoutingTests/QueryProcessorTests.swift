import Foundation
import SQLText
import Testing
@testable import QueryRouting

/// Rule evaluation (query-processing.md §2–§4), one behaviour per test, on hand-built rule sets.
struct QueryProcessorTests {
    private func rule(_ id: Int, _ configure: (inout QueryRuleDefinition) -> Void = { _ in }) -> QueryRuleDefinition {
        var definition = QueryRuleDefinition(ruleID: id)
        configure(&definition)
        return definition
    }

    private func evaluate(_ rules: [QueryRuleDefinition], _ query: String, user: String = "app", schema: String = "db",
                          fast: [FastRoutingDefinition] = [], flag: Int = 0, digests: Bool = true,
                          client: String? = "10.0.0.5", iterations: Int = 0) throws -> QueryRoutingDecision {
        let set = try QueryRuleSet(rules: rules, fastRouting: fast)
        let context = QueryContext(query: query, username: user, schemaname: schema, clientAddress: client,
                                   proxyAddress: "127.0.0.1", proxyPort: 6033, startFlag: flag,
                                   digest: digests ? QueryDigest.compute(query) : nil)
        return QueryProcessor.evaluate(set, context, iterations: iterations)
    }

    /// The tutorial's three rules.
    private var tutorial: [QueryRuleDefinition] {
        [
            rule(2) { $0.matchPattern = "^select"; $0.destinationHostgroup = 20; $0.apply = true },
            rule(1) { $0.matchPattern = "^SELECT.*FOR UPDATE$"; $0.destinationHostgroup = 10; $0.apply = true },
            rule(3) { $0.matchPattern = "^insert"; $0.destinationHostgroup = 10; $0.apply = true },
        ]
    }

    @Test func tutorialSplit() throws {
        #expect(try evaluate(tutorial, "select @@server_id").destinationHostgroup == 20)
        #expect(try evaluate(tutorial, "select @@server_id for update").destinationHostgroup == 10)
        #expect(try evaluate(tutorial, "SELECT * FROM t").destinationHostgroup == 20)
        #expect(try evaluate(tutorial, "insert into t values (1)").destinationHostgroup == 10)
        #expect(try evaluate(tutorial, "update t set a = 1").destinationHostgroup == nil)
        #expect(try evaluate(tutorial, "select 1 for update").matchedRules == [0], "rule_id order: rule 1 first")
    }

    @Test func caselessIsTheDefaultAndCanBeTurnedOff() throws {
        let strict = [rule(1) { $0.matchPattern = "^select"; $0.reModifiers = ""; $0.destinationHostgroup = 5 }]
        #expect(try evaluate(strict, "SELECT 1").destinationHostgroup == nil)
        #expect(try evaluate(strict, "select 1").destinationHostgroup == 5)
    }

    @Test func usernameSchemaAddressesAndPort() throws {
        let rules = [
            rule(1) { $0.username = "report"; $0.destinationHostgroup = 1 },
            rule(2) { $0.schemaname = "analytics"; $0.destinationHostgroup = 2 },
            rule(3) { $0.clientAddr = "10.0.%"; $0.destinationHostgroup = 3; $0.proxyPort = 6033 },
        ]
        #expect(try evaluate(rules, "select 1", user: "report").destinationHostgroup == 3, "later matches overwrite")
        #expect(try evaluate(rules, "select 1", user: "report").matchedRules == [0, 2])
        #expect(try evaluate(rules, "select 1", schema: "analytics", client: "192.168.1.1").destinationHostgroup == 2)
        #expect(try evaluate(rules, "select 1", client: "192.168.1.1").destinationHostgroup == nil)
        #expect(try evaluate(rules, "select 1", client: nil).destinationHostgroup == 3, "unknown address: not applied")
        #expect(QueryProcessor.addressMatches("%", "1.2.3.4"))
        #expect(!QueryProcessor.addressMatches("10.0.0.1", "10.0.0.10"))
    }

    @Test func digestAndMatchDigest() throws {
        let digest = QueryDigest.compute("SELECT * FROM t WHERE id = 1")
        let rules = [
            rule(1) { $0.digest = digest.hexString; $0.destinationHostgroup = 7; $0.apply = true },
            rule(2) { $0.matchDigest = "^UPDATE t SET a = \\?"; $0.destinationHostgroup = 8 },
        ]
        #expect(try evaluate(rules, "SELECT * FROM t WHERE id = 42").destinationHostgroup == 7)
        #expect(try evaluate(rules, "UPDATE t SET a = 5").destinationHostgroup == 8)
        #expect(try evaluate(rules, "UPDATE t SET a = 5", digests: false).destinationHostgroup == 7,
                "without digests a digest condition is ignored, so rule 1 matches")
    }

    @Test func negateInvertsBothPatterns() throws {
        let rules = [rule(1) { $0.matchPattern = "^select"; $0.negateMatchPattern = true; $0.destinationHostgroup = 10 }]
        #expect(try evaluate(rules, "insert into t values (1)").destinationHostgroup == 10)
        #expect(try evaluate(rules, "select 1").destinationHostgroup == nil)
    }

    @Test func flagChainsGoForwardOnly() throws {
        let rules = [
            rule(10) { $0.matchPattern = "^select"; $0.flagOUT = 100 },
            rule(20) { $0.flagIN = 100; $0.matchPattern = "from orders"; $0.destinationHostgroup = 30; $0.apply = true },
            rule(5) { $0.flagIN = 100; $0.destinationHostgroup = 99 },
        ]
        let decision = try evaluate(rules, "select * from orders")
        #expect(decision.destinationHostgroup == 30, "rule 5 comes before the flag changed, so it never matches")
        #expect(decision.finalFlag == 100)
        #expect(try evaluate(rules, "select * from users").finalFlag == 100)
        #expect(try evaluate(rules, "select * from users").destinationHostgroup == nil)
        #expect(try evaluate(rules, "select * from users", iterations: 1).destinationHostgroup == 99, "iterations restart from the top")
    }

    @Test func applyStopsAndLaterRulesDoNotRun() throws {
        let rules = [rule(1) { $0.destinationHostgroup = 1; $0.apply = true }, rule(2) { $0.destinationHostgroup = 2 }]
        #expect(try evaluate(rules, "anything").destinationHostgroup == 1)
    }

    @Test func actionsAreCopiedAndNullsLeaveThemAlone() throws {
        let rules = [
            rule(1) { $0.cacheTTL = 5000; $0.timeout = 100; $0.retries = 2; $0.delay = 5; $0.multiplex = 0; $0.log = 1;
                      $0.nextQueryFlagIN = 3; $0.mirrorHostgroup = 40; $0.mirrorFlagOUT = 4; $0.cacheEmptyResult = 1 },
            rule(2) { $0.timeout = 200 },
        ]
        let d = try evaluate(rules, "select 1")
        #expect(d.cacheTTL == 5000 && d.timeout == 200 && d.retries == 2 && d.delay == 5 && d.multiplex == 0 && d.log == 1)
        #expect(d.nextQueryFlagIN == 3 && d.mirrorHostgroup == 40 && d.mirrorFlagOUT == 4 && d.cacheEmptyResult == 1)
    }

    @Test func errorAndOKMessages() throws {
        let rules = [
            rule(1) { $0.matchPattern = "^drop"; $0.errorMsg = "DROP is not allowed here"; $0.apply = true },
            rule(2) { $0.matchPattern = "^do sleep"; $0.okMsg = "skipped" },
        ]
        #expect(try evaluate(rules, "DROP TABLE t").errorMsg == "DROP is not allowed here")
        #expect(try evaluate(rules, "do sleep(5)").okMsg == "skipped")
    }

    @Test func rewriteFirstOrEveryMatchWithBackreferences() throws {
        let first = [rule(1) { $0.matchPattern = "(\\w+)_old"; $0.replacePattern = "\\1_new" }]
        #expect(try evaluate(first, "select * from a_old join b_old").rewrittenQuery == "select * from a_new join b_old")
        let every = [rule(1) { $0.matchPattern = "(\\w+)_old"; $0.replacePattern = "\\1_new"; $0.reModifiers = "CASELESS,GLOBAL" }]
        #expect(try evaluate(every, "select * from a_old join b_old").rewrittenQuery == "select * from a_new join b_new")
        let chained = every + [rule(2) { $0.matchPattern = "b_new"; $0.destinationHostgroup = 9 }]
        #expect(try evaluate(chained, "select * from b_old").destinationHostgroup == 9, "later rules see the rewritten text")
    }

    @Test func fastRoutingAfterRules() throws {
        let fast = [FastRoutingDefinition(username: "app", schemaname: "tenant7", flagIN: 0, destinationHostgroup: 70)]
        #expect(try evaluate([], "select 1", schema: "tenant7", fast: fast).destinationHostgroup == 70)
        #expect(try evaluate([], "select 1", schema: "tenant8", fast: fast).destinationHostgroup == nil)
        #expect(try evaluate([rule(1) { $0.destinationHostgroup = 1 }], "select 1", schema: "tenant7", fast: fast).destinationHostgroup == 70,
                "fast routing overrides rules that did not apply")
        #expect(try evaluate([rule(1) { $0.destinationHostgroup = 1; $0.apply = true }], "select 1", schema: "tenant7", fast: fast)
            .destinationHostgroup == 1)
        // Quirk: a last rule with apply=1 that did not match still turns fast routing off.
        let quirk = [rule(1) { $0.matchPattern = "^nothing"; $0.apply = true }]
        #expect(try evaluate(quirk, "select 1", schema: "tenant7", fast: fast).destinationHostgroup == nil)
    }

    @Test func weightedFlagOUTs() throws {
        let rules = [rule(1) { $0.attributes = #"{"flagOUTs":[{"id":1,"weight":1},{"id":2,"weight":3}]}"# }]
        let set = try QueryRuleSet(rules: rules, fastRouting: [])
        let context = QueryContext(query: "select 1", username: "u", schemaname: "s")
        #expect(QueryProcessor.evaluate(set, context, random: { _ in 0 }).finalFlag == 1)
        #expect(QueryProcessor.evaluate(set, context, random: { _ in 1 }).finalFlag == 2)
        #expect(QueryProcessor.evaluate(set, context, random: { _ in 3 }).finalFlag == 2)
    }

    @Test func firstCommentAnnotationsOverrideTheRules() throws {
        let rules = [rule(1) { $0.destinationHostgroup = 20; $0.cacheTTL = 100 }]
        let d = try evaluate(rules, "SELECT /* hostgroup=10; cache_ttl = 5000 ;query_timeout=30;mirror=7;bogus=1;query_delay=x */ 1")
        #expect(d.destinationHostgroup == 10 && d.cacheTTL == 5000 && d.timeout == 30 && d.mirrorHostgroup == 7 && d.delay == nil)
        #expect(try evaluate(rules, "SELECT /* just a comment */ 1").destinationHostgroup == 20)
        #expect(try evaluate([], "/* hostgroup=3 */ SELECT 1").destinationHostgroup == 3)
        #expect(try evaluate([], "/* hostgroup=3 */ SELECT 1", digests: false).destinationHostgroup == nil,
                "without digests there is no first comment")
    }

    @Test func brokenRulesAreRefusedWithTheirID() {
        #expect(throws: QueryRuleError.badRule(id: 4, reason: "match_pattern '^SELECT (unclosed' is not a valid regular expression")) {
            try QueryRuleSet(rules: [rule(4) { $0.matchPattern = "^SELECT (unclosed" }], fastRouting: [])
        }
        #expect((try? QueryRuleSet(rules: [rule(5) { $0.reModifiers = "CASELESS MULTILINE" }], fastRouting: [])) != nil,
                "unknown modifiers are ignored, as in ProxySQL")
        #expect(throws: QueryRuleError.self) { try QueryRuleSet(rules: [rule(6) { $0.digest = "0xnothex" }], fastRouting: []) }
    }

    @Test func literalPrefixFastPathAgreesWithTheRegex() throws {
        let prefix = try PatternMatcher("^select", caseless: true)
        guard case .prefix = prefix.kind else { Issue.record("^select should not need a regex"); return }
        for query in ["select 1", "SELECT 1", "Select", "selec", " select 1", "insert", "", "sélect"] {
            let regex = try PatternMatcher("^select(?:)", caseless: true)
            #expect(prefix.matches(query) == regex.matches(query), "\(query)")
        }
    }
}

/// The byte matcher for literal patterns must agree with the regex on every text it judges.
struct LiteralPatternTests {
    static let patterns = ["^SELECT.*FOR UPDATE$", "^select", "FOR UPDATE", "^insert.*values", "sbtest1.*WHERE.*id",
                           "^UPDATE sbtest1 SET$", "^$x", "a.*b.*c$", "^SELECT [0-9]+", "^SELECTS? 1", "^sel(ect)",
                           "^select 1 fo*r", "^SELECT\\s"]
    static let texts = ["SELECT 1 FOR UPDATE", "select c from t for update", "SELECT 1 FOR UPDATE ", "SELECT 1 FOR UPDATE\n",
                        "select\n1 for update", "INSERT INTO t VALUES (1)", "insert into t", "SELECT * FROM sbtest1 WHERE id=1",
                        "SELECT * FROM sbtest1 WHERE x", "UPDATE sbtest1 SET", "abc", "cab", "a b c", "", "é FOR UPDATE",
                        "SELECT ſ FOR UPDATE", "xx select"]

    @Test func agreesWithTheRegex() throws {
        for pattern in Self.patterns {
            for caseless in [true, false] {
                let matcher = try PatternMatcher(pattern, caseless: caseless)
                let regex = try NSRegularExpression(pattern: pattern, options: caseless ? [.caseInsensitive] : [])
                for text in Self.texts {
                    let expected = regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
                    #expect(matcher.matches(text) == expected, "\(pattern) caseless=\(caseless) on \(text.debugDescription)")
                }
            }
        }
    }

    @Test func requiredPrefixes() {
        #expect(PatternMatcher.requiredPrefix(of: "^UPDATE sbtest1 SET .* WHERE id = [0-9]+") == "UPDATE sbtest1 SET ")
        #expect(PatternMatcher.requiredPrefix(of: "^SELECTS? 1") == "SELECT")
        #expect(PatternMatcher.requiredPrefix(of: "^sel(ect)") == "sel")
        #expect(PatternMatcher.requiredPrefix(of: "select") == nil)
        #expect(PatternMatcher.requiredPrefix(of: "^(a|b)") == nil)
    }

    @Test func onlyLiteralShapesTakeTheFastPath() {
        #expect(LiteralPattern("^SELECT.*FOR UPDATE$", caseless: true) != nil)
        #expect(LiteralPattern("^select", caseless: true) != nil)
        #expect(LiteralPattern("^SELECT (a|b)", caseless: true) == nil)
        #expect(LiteralPattern("^SELECT.+x", caseless: true) == nil)
        #expect(LiteralPattern("^SELECT \\d+", caseless: true) == nil)
        #expect(LiteralPattern(".*", caseless: true) == nil)
    }
}
