/// A query's digest: the normalised text (literals as `?`), its 64-bit SpookyHash, and the first comment.
public struct QueryDigest: Sendable, Equatable {
    /// The normalised text's bytes. The `String` is only made when asked for (a new statistics entry,
    /// `match_digest`): most queries only need the hash.
    public let textBytes: [UInt8]
    public var text: String { String(decoding: textBytes, as: UTF8.self) }
    public let hash: UInt64
    /// What was between the first `/*` and `*/` (after `!` for `/*!…*/`), at most 1024 bytes.
    public let firstComment: String?

    /// As the stats tables and `mysql_query_rules.digest` show it: `0x` and 16 upper-case hex digits.
    public var hexString: String { Self.hexString(hash) }

    /// `0x` and 16 upper-case hex digits, as digests are shown everywhere.
    public static func hexString(_ hash: UInt64) -> String {
        let digits = String(hash, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    public static func compute(_ query: String, options: DigestOptions = DigestOptions()) -> QueryDigest {
        var query = query
        return query.withUTF8 { compute(bytes: $0, options: options) }
    }

    public static func compute(bytes: UnsafeBufferPointer<UInt8>, options: DigestOptions = DigestOptions()) -> QueryDigest {
        let input = UnsafeBufferPointer(rebasing: bytes[..<min(bytes.count, options.maxQueryLength)])
        var normalizer = DigestNormalizer(input: input, options: options)
        normalizer.run()
        var text = normalizer.output
        // The grouping passes only matter when there are enough `?` to make a long list.
        if normalizer.longestValueRun >= options.groupingLimit + 2 {
            text = DigestGrouping.collapseValues(text, limit: options.groupingLimit)
            if options.groupsGroupingLimit > 0 {
                text = DigestGrouping.collapseGroups(text, limit: options.groupsGroupingLimit)
            }
        }
        if options.lowercase {
            for index in text.indices where text[index] >= 65 && text[index] <= 90 { text[index] += 32 }
        }
        let hash = text.withUnsafeBytes { SpookyHash.hash64(raw: UnsafeRawBufferPointer(rebasing: $0.prefix(options.maxDigestLength))) }
        return QueryDigest(textBytes: text, hash: hash,
                           firstComment: normalizer.firstComment.map { String(decoding: $0, as: UTF8.self) })
    }
}
