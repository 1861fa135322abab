/// One active row of `mysql_query_rules`, as loaded (query-processing.md §2). `nil` is SQL NULL:
/// for a match column "any", for an action column "leave the output as it is".
public struct QueryRuleDefinition: Sendable, Equatable {
    public var ruleID: Int
    public var username: String?
    public var schemaname: String?
    public var flagIN: Int = 0
    public var clientAddr: String?
    public var proxyAddr: String?
    public var proxyPort: Int?
    public var digest: String?
    public var matchDigest: String?
    public var matchPattern: String?
    public var negateMatchPattern = false
    public var reModifiers: String? = "CASELESS"
    public var flagOUT: Int?
    public var replacePattern: String?
    public var destinationHostgroup: Int?
    public var cacheTTL: Int?
    public var cacheEmptyResult: Int?
    public var cacheTimeout: Int?
    public var reconnect: Int?
    public var timeout: Int?
    public var retries: Int?
    public var delay: Int?
    public var nextQueryFlagIN: Int?
    public var mirrorFlagOUT: Int?
    public var mirrorHostgroup: Int?
    public var errorMsg: String?
    public var okMsg: String?
    public var stickyConn: Int?
    public var multiplex: Int?
    public var gtidFromHostgroup: Int?
    public var log: Int?
    public var apply = false
    public var attributes: String = ""

    public init(ruleID: Int) {
        self.ruleID = ruleID
    }
}

/// One row of `mysql_query_rules_fast_routing`.
public struct FastRoutingDefinition: Sendable, Equatable {
    public var username: String
    public var schemaname: String
    public var flagIN: Int
    public var destinationHostgroup: Int

    public init(username: String, schemaname: String, flagIN: Int, destinationHostgroup: Int) {
        self.username = username
        self.schemaname = schemaname
        self.flagIN = flagIN
        self.destinationHostgroup = destinationHostgroup
    }
}
