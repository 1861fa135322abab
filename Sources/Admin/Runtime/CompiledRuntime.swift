import JunctionConfig
import QueryRouting

/// A runtime configuration checked, decoded and compiled once (`RuntimeConfiguration.compile`): what a
/// `RuntimeTarget` makes live.
public struct CompiledRuntime: Sendable {
    /// What the proxy serves from, typed.
    public struct ProxyPart: Sendable {
        public let servers: [MySQLServerRow]
        public let users: [MySQLUserRow]
        public let variables: MySQLVariables
        /// Compiled when the query rules changed; nil keeps the rules already live (and their hit counters).
        public let queryRules: QueryRuleSet?
    }

    public let runtime: RuntimeConfiguration
    /// Present when a module the proxy serves from changed (servers, users, mysql variables, query rules).
    public let proxy: ProxyPart?
}
