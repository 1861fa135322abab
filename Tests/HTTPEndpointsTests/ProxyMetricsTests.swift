import Testing
@testable import HTTPEndpoints

/// The stats tables as ProxySQL-named metrics and Junction's histograms (built from tables as the admin returns them).
struct ProxyMetricsTests {
    static func table(_ columns: [String], _ rows: [[Cell]]) -> ResultTable { ResultTable(columns: columns, rows: rows) }

    static let latencyColumns = ["hostgroup", "srv_host", "srv_port", "Total_Time_us", "Total_cnt"] + LatencyBuckets.columns + ["cnt_INFs"]

    static func latencyRow(hostgroup: Int64, port: Int64, buckets: [Int64], timeUs: Int64) -> [Cell] {
        [.integer(hostgroup), .text("10.0.0.1"), .integer(port), .integer(timeUs), .integer(buckets.reduce(0, +))]
            + buckets.map(Cell.integer)
    }

    static func tables(global: [(String, String)] = [], pool: [[Cell]] = [], latency: [[Cell]] = []) -> [ResultTable] {
        [
            table(["Variable_Name", "Variable_Value"], global.map { [.text($0.0), .text($0.1)] }),
            table(["hostgroup", "srv_host", "srv_port", "status", "ConnUsed", "ConnFree", "ConnOK", "ConnERR", "MaxConnUsed",
                   "Queries", "Bytes_data_sent", "Bytes_data_recv", "Latency_us"], pool),
            table(latencyColumns, latency),
            .empty, .empty, .empty, .empty,
            table(["variable_name", "variable_value"], [[.text("admin-version"), .text("2.7.1-junction")],
                                                        [.text("mysql-monitor_enabled"), .text("true")],
                                                        [.text("mysql-monitor_ping_interval"), .text("10000")]]),
            .empty,
        ]
    }

    static func family(_ name: String, in families: [MetricFamily]) -> MetricFamily? {
        families.first { $0.name == name }
    }

    @Test func globalVariablesBecomeProxySQLNamedFamilies() {
        let families = ProxyMetrics.families(Self.tables(global: [
            ("Questions", "120"), ("Client_Connections_connected", "3"), ("Client_Connections_created", "9"),
            ("Client_Connections_aborted", "1"), ("Backend_query_time_nsec", "2500000000"),
            ("Query_Cache_count_GET", "10"), ("Query_Cache_count_GET_OK", "4"), ("mysql_listener_paused", "false"),
        ]))
        #expect(Self.family("proxysql_questions_total", in: families)?.samples.first?.value == 120)
        #expect(Self.family("proxysql_questions_total", in: families)?.kind == .counter)
        #expect(Self.family("proxysql_client_connections_connected", in: families)?.kind == .gauge)
        let clients = Self.family("proxysql_client_connections_total", in: families)!
        #expect(clients.samples.map(\.value) == [9, 1])
        #expect(clients.samples.map { $0.labels.first!.1 } == ["created", "aborted"])
        #expect(Self.family("proxysql_backend_query_time_seconds_total", in: families)?.samples.first?.value == 2.5)
        // ProxySQL's "err" are the reads that found nothing.
        let cache = Self.family("proxysql_query_cache_count_get_total", in: families)!
        #expect(cache.samples.map(\.value) == [4, 6])
        #expect(Self.family("proxysql_mysql_listener_paused", in: families)?.samples.first?.value == 0)
        // Variables absent from the table give no family rather than a made-up zero.
        #expect(Self.family("proxysql_slow_queries_total", in: families) == nil)
        #expect(Self.family("proxysql_version_info", in: families)?.samples.first?.labels.first?.1 == "2.7.1-junction")
        #expect(Self.family("proxysql_mysql_monitor_ping_interval", in: families)?.samples.first?.value == 10)
        #expect(Self.family("proxysql_mysql_monitor_enabled", in: families)?.samples.first?.value == 1)
    }

    @Test func poolRowsGiveLabelledServerFamilies() {
        let families = ProxyMetrics.families(Self.tables(pool: [
            [.integer(20), .text("10.0.0.2"), .integer(3306), .text("SHUNNED"), .integer(1), .integer(4), .integer(5), .integer(2),
             .integer(3), .integer(77), .integer(1000), .integer(9000), .integer(350)],
        ]))
        let conns = Self.family("proxysql_connpool_conns", in: families)!
        #expect(conns.samples.count == 2)
        #expect(conns.samples[1].labels.map(\.1) == ["20", "10.0.0.2:3306", "free"])
        #expect(conns.samples[1].value == 4)
        #expect(Self.family("proxysql_connpool_conns_status", in: families)?.samples.first?.value == 2)
        #expect(Self.family("proxysql_connpool_conns_queries_total", in: families)?.samples.first?.value == 77)
        #expect(Self.family("proxysql_connpool_data_bytes_total", in: families)?.samples.map(\.value) == [1000, 9000])
    }

    @Test func latencyRowsBecomeCumulativeHistograms() {
        // 2 queries ≤ 100 µs, 3 ≤ 1 ms, 1 past 10 s.
        var buckets = [Int64](repeating: 0, count: 12)
        buckets[0] = 2
        buckets[2] = 3
        buckets[11] = 1
        let families = ProxyMetrics.families(Self.tables(latency: [Self.latencyRow(hostgroup: 1, port: 3306, buckets: buckets, timeUs: 12_000_900)]))
        let histogram = Self.family("junction_query_latency_seconds", in: families)!
        #expect(histogram.kind == .histogram)
        let bucketSamples = histogram.samples.filter { $0.suffix == "_bucket" }
        #expect(bucketSamples.count == 12)
        #expect(bucketSamples.map(\.value) == [2, 2, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6])
        #expect(bucketSamples.first?.labels.last?.1 == "0.0001")
        #expect(bucketSamples.last?.labels.last?.1 == "+Inf")
        #expect(histogram.samples.first { $0.suffix == "_count" }?.value == 6)
        #expect(histogram.samples.first { $0.suffix == "_sum" }?.value == 12.0009)
    }

    @Test func quantileBoundOfLatency() {
        var latency = LatencyBuckets()
        latency.counts[1] = 98  // ≤ 500 µs
        latency.counts[4] = 2   // ≤ 10 ms
        #expect(latency.quantileBound(0.5) == 500)
        #expect(latency.quantileBound(0.99) == 10_000)
        #expect(LatencyBuckets().quantileBound(0.99) == nil)
    }
}
