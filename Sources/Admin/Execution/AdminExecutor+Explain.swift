import JunctionConfig
import QueryRouting
import SQLText

/// `EXPLAIN ROUTING`: the query processor's decision for a query, user and schema, without running it.
extension AdminExecutor {
    func explainRouting(query: String, user: String?, schema: String?) throws -> AdminResult {
        let rules = try runtime.queryRuleSet()
        let users = runtime.mysqlUsers.filter { $0.frontend == 1 && $0.active == 1 }
        let account = user.flatMap { name in users.first { $0.username == name } } ?? (user == nil ? users.first : nil)
        let username = user ?? account?.username ?? ""
        let variables = try runtime.mysqlVariables()
        let schemaname = schema ?? account?.defaultSchema.flatMap { $0.isEmpty ? nil : $0 } ?? variables.defaultSchema
        let digestsOn = runtime.variables["mysql-query_digests"] != "false"
        let digest = digestsOn || rules.needsDigest ? QueryDigest.compute(query) : nil

        var rows: [[String?]] = []
        func row(_ item: String, _ value: String?) { rows.append([item, value]) }
        row("query", query)
        row("user", account == nil ? "\(username) (not a runtime user: no default hostgroup)" : username)
        row("schema", schemaname)
        row("digest", digest?.hexString ?? "(mysql-query_digests=false)")
        row("digest_text", digest?.text)
        let traits = StatementClassifier.classify(query)
        var kind = "\(traits.kind)"
        if traits.isLockingRead { kind += ", locking read" }
        if traits.pinsConnection { kind += ", keeps the session on its connection afterwards (session state)" }
        row("statement", kind)
        var traces: [RuleTrace] = []
        let context = QueryContext(query: query, username: username, schemaname: schemaname, digest: digest)
        let decision = QueryProcessor.evaluate(rules, context, iterations: Int(runtime.variables["mysql-query_processor_iterations"] ?? "0") ?? 0,
                                               trace: { traces.append($0) }, random: { _ in 0 })
        if traces.isEmpty { row("rules", rules.rules.isEmpty ? "no active rules at runtime" : "none examined") }
        for trace in traces {
            row("rule \(trace.ruleID) (flagIN \(trace.flagIN))", trace.matched ? trace.note : "no match: \(trace.note)")
        }
        row("final_flag", String(decision.finalFlag))
        if decision.fastRouted { row("fast_routing", "matched (\(username), \(schemaname), flag \(decision.finalFlag))") }
        if let message = decision.errorMsg {
            row("answer", "ERR 1148: \(message) (nothing runs on a backend)")
        } else if let message = decision.okMsg {
            row("answer", "OK: \(message) (nothing runs on a backend)")
        } else if let hostgroup = decision.destinationHostgroup {
            row("destination_hostgroup", "\(hostgroup)\(decision.fastRouted ? " (fast routing)" : " (rule)")")
        } else {
            row("destination_hostgroup", account.map { "\($0.defaultHostgroup) (default_hostgroup of \($0.username))" } ?? "none")
        }
        row("note", "inside a transaction, or after a statement that left state on the connection, the session stays on that connection's hostgroup")
        row("rewritten_query", decision.rewrittenQuery ?? "(not rewritten)")
        row("cache", decision.cacheTTL.map { "cache_ttl \($0) ms: a result set would be cached" } ?? "not cached")
        if decision.mirrorHostgroup != nil || decision.mirrorFlagOUT != nil {
            row("mirror", "hostgroup \(decision.mirrorHostgroup.map(String.init) ?? "-"), flagOUT \(decision.mirrorFlagOUT.map(String.init) ?? "-")")
        } else {
            row("mirror", "not mirrored")
        }
        for (name, value) in [("timeout", decision.timeout), ("retries", decision.retries), ("delay", decision.delay),
                              ("multiplex", decision.multiplex), ("next_query_flagIN", decision.nextQueryFlagIN)] {
            if let value { row(name, String(value)) }
        }
        return .rows(columns: ["item", "value"], rows: rows)
    }
}
