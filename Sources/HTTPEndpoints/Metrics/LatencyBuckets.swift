import Foundation

/// Query latency of a hostgroup or server from `stats_mysql_query_latency` (the buckets of
/// `stats_mysql_commands_counters`: `cnt_100us` … `cnt_10s`, then `cnt_INFs`; each row counts its own bucket only).
struct LatencyBuckets: Equatable {
    static let columns = ["cnt_100us", "cnt_500us", "cnt_1ms", "cnt_5ms", "cnt_10ms", "cnt_50ms", "cnt_100ms", "cnt_500ms",
                          "cnt_1s", "cnt_5s", "cnt_10s"]
    /// Upper bounds in microseconds, one per column above.
    static let boundsUs: [Double] = [100, 500, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000]

    var counts = [Double](repeating: 0, count: boundsUs.count + 1)
    var timeUs = 0.0
    var count = 0.0

    init() {}

    init(_ record: ResultTable.Record) {
        for (index, column) in Self.columns.enumerated() { counts[index] = record.number(column) }
        counts[Self.boundsUs.count] = record.number("cnt_INFs")
        timeUs = record.number("Total_Time_us")
        count = record.number("Total_cnt")
    }

    mutating func add(_ other: LatencyBuckets) {
        for index in counts.indices { counts[index] += other.counts[index] }
        timeUs += other.timeUs
        count += other.count
    }

    /// Running totals per bound, then the total (`+Inf`), as a Prometheus histogram states them.
    var cumulative: [Double] {
        var running = 0.0
        return counts.map { running += $0; return running }
    }

    /// The smallest bound at or under which `quantile` of the queries finished; nil when it is past the last bound.
    func quantileBound(_ quantile: Double) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0 else { return nil }
        let wanted = total * quantile
        for (index, running) in cumulative.enumerated() where running >= wanted {
            return index < Self.boundsUs.count ? Self.boundsUs[index] : nil
        }
        return nil
    }

    /// Rows summed by hostgroup.
    static func byHostgroup(_ table: ResultTable) -> [Int: LatencyBuckets] {
        var out: [Int: LatencyBuckets] = [:]
        for record in table.records {
            out[Int(record.number("hostgroup")), default: LatencyBuckets()].add(LatencyBuckets(record))
        }
        return out
    }
}

/// Whether a script printed one JSON document.
enum JSONSyntax {
    static func isValid(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, let data = trimmed.data(using: .utf8) else { return false }
        return (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil
    }
}
