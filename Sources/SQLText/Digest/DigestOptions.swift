/// The `mysql-query_digests_*` variables that shape digest text (query-processing.md §5.2).
public struct DigestOptions: Sendable, Equatable {
    /// `mysql-query_digests_lowercase`: the whole digest text lower-cased.
    public var lowercase = false
    /// `mysql-query_digests_replace_null`: `NULL` becomes `?`.
    public var replaceNull = false
    /// `mysql-query_digests_no_digits`: digits inside words become `?` too (`b123` → `b?`).
    public var noDigits = false
    /// `mysql-query_digests_keep_comment`: comments stay in the digest text (their digits as `?`).
    public var keepComment = false
    /// `mysql-query_digests_grouping_limit`: a list of more than limit+1 values keeps `limit` and `,...`.
    public var groupingLimit = 3
    /// `mysql-query_digests_groups_grouping_limit`: more identical collapsed groups than this keep this many; 0 = off.
    public var groupsGroupingLimit = 10
    /// `mysql-query_digests_max_query_length`: bytes of the query that are read.
    public var maxQueryLength = 65000
    /// `mysql-query_digests_max_digest_length`: bytes of the digest text that are hashed.
    public var maxDigestLength = 2048

    public init() {}
}
