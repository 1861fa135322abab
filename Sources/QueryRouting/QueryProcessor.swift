import SQLText

/// What a session knows about a query when it routes it.
public struct QueryContext {
    public var query: String
    public var username: String
    public var schemaname: String
    public var clientAddress: String?
    public var proxyAddress: String?
    public var proxyPort: Int?
    /// The flag the evaluation starts from (`next_query_flagIN` of the previous query, else 0).
    public var startFlag: Int
    /// nil when `mysql-query_digests` is off: digest conditions are then ignored.
    public var digest: QueryDigest?
    /// False for prepared statements: no rewriting.
    public var isTextQuery: Bool

    public init(query: String, username: String, schemaname: String, clientAddress: String? = nil, proxyAddress: String? = nil,
                proxyPort: Int? = nil, startFlag: Int = 0, digest: QueryDigest? = nil, isTextQuery: Bool = true) {
        self.query = query
        self.username = username
        self.schemaname = schemaname
        self.clientAddress = clientAddress
        self.proxyAddress = proxyAddress
        self.proxyPort = proxyPort
        self.startFlag = startFlag
        self.digest = digest
        self.isTextQuery = isTextQuery
    }
}

/// The query processor's output (query-processing.md §3): every action a matching rule set.
public struct QueryRoutingDecision: Equatable, Sendable {
    public var destinationHostgroup: Int?
    public var rewrittenQuery: String?
    public var cacheTTL: Int?
    public var cacheEmptyResult: Int?
    public var timeout: Int?
    public var retries: Int?
    public var delay: Int?
    public var nextQueryFlagIN: Int?
    public var mirrorFlagOUT: Int?
    public var mirrorHostgroup: Int?
    public var errorMsg: String?
    public var okMsg: String?
    public var multiplex: Int?
    public var log: Int?
    public var finalFlag = 0
    /// Indexes (in `QueryRuleSet.rules`) of the rules that matched, in order.
    public var matchedRules: [Int] = []
    /// Whether the fast-routing map chose the hostgroup.
    public var fastRouted = false

    public init() {}
}

/// One rule's verdict, for the explain command.
public struct RuleTrace: Equatable, Sendable {
    public var ruleID: Int
    public var flagIN: Int
    public var matched: Bool
    /// Why it did not match (`username`, `match_pattern`, …), or what it did.
    public var note: String
}

public enum QueryProcessor {
    /// Evaluates `rules` for `context`. `random` picks among weighted flagOUTs.
    public static func evaluate(_ rules: QueryRuleSet, _ context: QueryContext,
                                iterations: Int = 0, trace: ((RuleTrace) -> Void)? = nil,
                                random: (Int) -> Int = { Int.random(in: 0..<$0) }) -> QueryRoutingDecision {
        var decision = QueryRoutingDecision()
        var flag = context.startFlag
        var reiterate = iterations
        var lastExamined: CompiledQueryRule?
        var stoppedByApply = false
        // The digest's text as a String, made once here rather than for each `match_digest` rule.
        let digestText = rules.matchesDigestText ? context.digest?.text : nil
        var index = 0
        while index < rules.rules.count {
            let rule = rules.rules[index]
            lastExamined = rule
            if let reason = mismatch(rule, context, flag: flag, rewritten: decision.rewrittenQuery, digestText: digestText) {
                if let trace {
                    let note = reason == flagINMismatch ? "flagIN \(rule.definition.flagIN) ≠ current flag \(flag)" : reason
                    trace(RuleTrace(ruleID: rule.definition.ruleID, flagIN: rule.definition.flagIN, matched: false, note: note))
                }
                index += 1
                continue
            }
            decision.matchedRules.append(index)
            var flagChanged = false
            if !rule.weightedFlags.isEmpty {
                let total = rule.weightedFlags.reduce(0) { $0 + $1.weight }
                if total > 0 {
                    var pick = random(total)
                    for choice in rule.weightedFlags {
                        if pick < choice.weight { flag = choice.flag; break }
                        pick -= choice.weight
                    }
                    flagChanged = true
                }
            }
            // `rule.definition` is read in place: binding it to a local would copy (retain) every string of it.
            if let out = rule.definition.flagOUT, out >= 0 { flag = out; flagChanged = true }
            apply(rule, to: &decision)
            if let template = rule.definition.replacePattern, context.isTextQuery, let matcher = rule.matchPattern {
                decision.rewrittenQuery = matcher.replace(in: decision.rewrittenQuery ?? context.query, with: template, global: rule.global)
            }
            if let trace {
                trace(RuleTrace(ruleID: rule.definition.ruleID, flagIN: rule.definition.flagIN, matched: true,
                                note: rule.definition.apply ? "matched, apply: evaluation stops" : "matched"))
            }
            if rule.definition.apply { stoppedByApply = true; break }
            if flagChanged && reiterate > 0 {
                reiterate -= 1
                index = 0
                continue
            }
            index += 1
        }
        decision.finalFlag = flag
        // Quirk kept from ProxySQL: fast routing is skipped when the last rule *examined* has apply=1.
        if !stoppedByApply, !(lastExamined?.definition.apply ?? false),
           let hostgroup = rules.fastRoute(username: context.username, schemaname: context.schemaname, flag: flag) {
            decision.destinationHostgroup = hostgroup
            decision.fastRouted = true
        }
        if let comment = context.digest?.firstComment, comment.contains("=") {
            QueryAnnotations(firstComment: comment).apply(to: &decision)
        }
        return decision
    }

    static let flagINMismatch = "flagIN"

    /// Why `rule` does not match, or nil when it does.
    /// (Reads `rule.definition` field by field: binding it to a local would copy every string of it.)
    static func mismatch(_ rule: CompiledQueryRule, _ context: QueryContext, flag: Int, rewritten: String?,
                         digestText: String?) -> String? {
        if rule.definition.flagIN != flag { return flagINMismatch } // the numbers are only written out for a trace
        if let user = rule.definition.username, !user.isEmpty, user != context.username { return "username" }
        if let schema = rule.definition.schemaname, !schema.isEmpty, schema != context.schemaname { return "schemaname" }
        if let pattern = rule.definition.clientAddr, !pattern.isEmpty, let address = context.clientAddress,
           !addressMatches(pattern, address) {
            return "client_addr"
        }
        if let address = rule.definition.proxyAddr, !address.isEmpty, let local = context.proxyAddress, address != local {
            return "proxy_addr"
        }
        if let port = rule.definition.proxyPort, let local = context.proxyPort, port != local { return "proxy_port" }
        if let digest = rule.digest, let actual = context.digest, digest != actual.hash { return "digest" }
        if let matcher = rule.matchDigest, let text = digestText {
            if matcher.matches(text) == rule.negate { return "match_digest" }
        }
        if let matcher = rule.matchPattern {
            if matcher.matches(rewritten ?? context.query) == rule.negate { return "match_pattern" }
        }
        return nil
    }

    /// `client_addr`: exact, `prefix%`, or `%` for any.
    static func addressMatches(_ pattern: String, _ address: String) -> Bool {
        if pattern == "%" { return true }
        if pattern.hasSuffix("%") { return address.hasPrefix(pattern.dropLast()) }
        return pattern == address
    }

    /// The rule's actions onto the decision; a negative (or NULL) number leaves the earlier value.
    /// (Plain assignments: key paths cost a runtime call each, and this runs for every matched rule.)
    private static func apply(_ rule: CompiledQueryRule, to out: inout QueryRoutingDecision) {
        @inline(__always) func set(_ value: Int?, _ target: inout Int?) {
            if let value, value >= 0 { target = value }
        }
        set(rule.definition.destinationHostgroup, &out.destinationHostgroup)
        set(rule.definition.cacheTTL, &out.cacheTTL)
        set(rule.definition.cacheEmptyResult, &out.cacheEmptyResult)
        set(rule.definition.timeout, &out.timeout)
        set(rule.definition.retries, &out.retries)
        set(rule.definition.delay, &out.delay)
        set(rule.definition.nextQueryFlagIN, &out.nextQueryFlagIN)
        set(rule.definition.mirrorFlagOUT, &out.mirrorFlagOUT)
        set(rule.definition.mirrorHostgroup, &out.mirrorHostgroup)
        set(rule.definition.multiplex, &out.multiplex)
        set(rule.definition.log, &out.log)
        if let message = rule.definition.errorMsg { out.errorMsg = message }
        if let message = rule.definition.okMsg { out.okMsg = message }
    }
}
