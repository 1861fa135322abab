import Foundation
import QueryRouting
import SQLText

// Microbenchmarks of the per-query work Junction adds: framing and forwarding, digest, classification,
// rule evaluation, session-state replay — time and heap allocations per call.
// Run: swift run -c release junction-bench [--markdown]   (numbers go to docs/PERFORMANCE.md)

let select150 = "SELECT id, c, pad, k FROM sbtest1 WHERE id BETWEEN 4711 AND 4811 AND k > 123456 AND c LIKE 'abc%' AND pad <> 'x' ORDER BY c DESC LIMIT 10 /* app */"
let insert4k = "INSERT INTO sbtest1 (id, k, c, pad) VALUES " + (0..<40).map { i in
    "(\(i), \(i * 37), '\(String(repeating: "x", count: 60))', '\(String(repeating: "y", count: 20))')"
}.joined(separator: ",")
print("query sizes: select \(select150.utf8.count) B, insert \(insert4k.utf8.count) B")

benchmarkPacketPath()
benchmarkSessionState()
_ = measure("classify: 150-byte SELECT (tokens + traits)") { blackHole(StatementClassifier.classify(select150)) }
_ = measure("digest: 150-byte SELECT") { blackHole(QueryDigest.compute(select150)) }
_ = measure("digest: 4 KiB INSERT") { blackHole(QueryDigest.compute(insert4k)) }
_ = measure("SpookyHash64: 150 bytes") { blackHole(SpookyHash.hash64(select150.utf8)) }

// 20 rules, only the last matches.
var rules: [QueryRuleDefinition] = (1...19).map { id in
    var rule = QueryRuleDefinition(ruleID: id)
    rule.matchPattern = "^UPDATE sbtest\(id) SET .* WHERE id = [0-9]+"
    rule.destinationHostgroup = 10
    return rule
}
var last = QueryRuleDefinition(ruleID: 20)
last.matchPattern = "^SELECT .* FROM sbtest1 WHERE"
last.destinationHostgroup = 20
last.apply = true
rules.append(last)
let ruleSet = try QueryRuleSet(rules: rules, fastRouting: [])
let context = QueryContext(query: select150, username: "app", schemaname: "sbtest")
_ = measure("rules: 20 regex rules, the last matches (NSRegularExpression)") { blackHole(QueryProcessor.evaluate(ruleSet, context)) }

var split: [QueryRuleDefinition] = []
for (id, pattern, hostgroup) in [(1, "^SELECT.*FOR UPDATE$", 10), (2, "^select", 20), (3, "^insert", 10)] {
    var rule = QueryRuleDefinition(ruleID: id)
    rule.matchPattern = pattern
    rule.destinationHostgroup = hostgroup
    rule.apply = true
    split.append(rule)
}
let splitSet = try QueryRuleSet(rules: split, fastRouting: [])
_ = measure("rules: the tutorial's split, a plain SELECT") { blackHole(QueryProcessor.evaluate(splitSet, context)) }

let routes = (0..<10_000).map { FastRoutingDefinition(username: "app", schemaname: "tenant\($0)", flagIN: 0, destinationHostgroup: $0 % 7) }
let fastSet = try QueryRuleSet(rules: [], fastRouting: routes)
let tenant = QueryContext(query: select150, username: "app", schemaname: "tenant4711")
_ = measure("fast routing: lookup among 10,000 routes") { blackHole(QueryProcessor.evaluate(fastSet, tenant)) }

// Regex engines on the same 20 patterns (partial match, case-insensitive).
let patterns = rules.map { $0.matchPattern! }
let ns = try patterns.map { try NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }
_ = measure("engine: NSRegularExpression, 20 patterns") {
    let range = NSRange(select150.startIndex..., in: select150)
    for regex in ns where regex.firstMatch(in: select150, options: [], range: range) != nil { blackHole(regex); break }
}
if #available(macOS 13, *) {
    let swiftRegexes = try patterns.map { try Regex($0).ignoresCase() }
    _ = measure("engine: Swift Regex, 20 patterns") {
        for regex in swiftRegexes where select150.firstMatch(of: regex) != nil { blackHole(regex); break }
    }
}

if CommandLine.arguments.contains("--markdown") { print(markdownReport()) }
