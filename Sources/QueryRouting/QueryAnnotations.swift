/// `key=value;…` in a query's first comment override the rules' output (query-processing.md §3.4):
/// `SELECT /* hostgroup=20;query_timeout=100 */ …`.
public struct QueryAnnotations: Equatable, Sendable {
    public var hostgroup: Int?
    public var mirror: Int?
    public var cacheTTL: Int?
    public var queryDelay: Int?
    public var queryRetries: Int?
    public var queryTimeout: Int?
    public var createNewConnection = false

    public init() {}

    /// Values must start with a digit; unknown keys and malformed pairs are ignored.
    public init(firstComment: String) {
        for pair in firstComment.split(separator: ";") {
            let compact = pair.filter { !$0.isWhitespace }
            guard let equals = compact.firstIndex(of: "=") else { continue }
            let key = compact[..<equals].lowercased()
            let value = compact[compact.index(after: equals)...]
            guard let first = value.first, first.isNumber else { continue }
            let number = Int(value.prefix { $0.isNumber })
            switch key {
            case "hostgroup": hostgroup = number
            case "mirror": mirror = number
            case "cache_ttl": cacheTTL = number
            case "query_delay": queryDelay = number
            case "query_retries": queryRetries = number
            case "query_timeout": queryTimeout = number
            case "create_new_connection": createNewConnection = number == 1
            default: continue
            }
        }
    }

    /// Applies the annotations over a rules decision.
    public func apply(to decision: inout QueryRoutingDecision) {
        if let hostgroup { decision.destinationHostgroup = hostgroup }
        if let mirror { decision.mirrorHostgroup = mirror }
        if let cacheTTL { decision.cacheTTL = cacheTTL }
        if let queryDelay { decision.delay = queryDelay }
        if let queryRetries { decision.retries = queryRetries }
        if let queryTimeout { decision.timeout = queryTimeout }
    }
}
