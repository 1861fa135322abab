import Foundation

/// The Prometheus text `/metrics` serves, read through `source` (also the admin's `SHOW PROMETHEUS METRICS`).
public func prometheusMetrics(from source: any ObservationSource) async throws -> String {
    ObservationResponses.metrics(try await source.read(ObservationResponses.metricsStatements))
}

/// What each endpoint answers, from the tables it read (pure).
enum ObservationResponses {
    typealias Shape = ([ResultTable]) -> JSONValue

    static let metricsStatements = ProxyMetrics.statements

    static func metrics(_ tables: [ResultTable]) -> String {
        PrometheusExposition.render(ProxyMetrics.families(tables))
    }

    /// `/api/v1/<path>`: the statements it reads (given the `limit` query parameter) and the JSON made of them.
    static let apiRoutes: [(path: String, statements: (Int) -> [String], shape: Shape)] = [
        ("servers", { _ in [ObservationQueries.servers] }, { .rows($0[0]) }),
        ("pool", { _ in [ObservationQueries.pool] }, { .rows($0[0]) }),
        ("digests", { [ObservationQueries.digests(limit: $0)] }, { .rows($0[0]) }),
        ("global", { _ in [ObservationQueries.global] }, { nameValueObject($0[0]) }),
        ("errors", { _ in [ObservationQueries.errors] }, { .rows($0[0]) }),
        ("monitor/errors", { [ObservationQueries.monitorErrors(limit: $0)] }, { .rows($0[0]) }),
        ("cluster", { _ in [ObservationQueries.peers, ObservationQueries.peerChecksums] },
         { .object([("peers", .rows($0[0])), ("checksums", .rows($0[1]))]) }),
        ("dashboard", { _ in dashboardStatements }, { dashboard($0) }),
    ]

    static let dashboardStatements = [
        ObservationQueries.global, ObservationQueries.pool, ObservationQueries.latency, ObservationQueries.digests(limit: 10),
        ObservationQueries.peers, ObservationQueries.monitorErrors(limit: 10), "SELECT variable_value FROM runtime_global_variables WHERE variable_name = 'admin-version'",
        "SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
    ]

    /// `stats_mysql_global`-shaped rows as one object, numbers as numbers.
    static func nameValueObject(_ table: ResultTable) -> JSONValue {
        .object(table.rows.compactMap { row in
            guard row.count >= 2, let name = row[0].string else { return nil }
            if let number = row[1].number { return (name, .number(number)) }
            return (name, JSONValue(row[1]))
        })
    }

    /// Everything the dashboard shows in one read: cumulative counters (the page derives rates), the pool, latency by
    /// hostgroup with its 99th percentile bound, the heaviest digests, peers and the monitor's latest errors.
    static func dashboard(_ tables: [ResultTable]) -> JSONValue {
        let byHostgroup = LatencyBuckets.byHostgroup(tables[2])
        let total = byHostgroup.values.reduce(into: (time: 0.0, count: 0.0)) { $0.time += $1.timeUs; $0.count += $1.count }
        let hostgroups: [JSONValue] = byHostgroup.keys.sorted().map { hostgroup in
            let latency = byHostgroup[hostgroup]!
            return .object([("hostgroup", .number(Double(hostgroup))), ("count", .number(latency.count)),
                            ("time_us", .number(latency.timeUs)),
                            ("p99_us", latency.quantileBound(0.99).map { .number($0) } ?? .null)])
        }
        let version = tables[6].rows.first?.first?.string ?? ""
        return .object([
            ("version", .string(version)),
            // The reading's time on Junction's clock: the page's rates do not depend on when its requests were answered.
            ("now_ms", tables[7].rows.first?.first.map(JSONValue.init) ?? .null),
            ("global", nameValueObject(tables[0])),
            ("latency_total", .object([("time_us", .number(total.time)), ("count", .number(total.count))])),
            ("pool", .rows(tables[1])),
            ("hostgroups", .array(hostgroups)),
            ("digests", .rows(tables[3])),
            ("peers", .rows(tables[4])),
            ("monitor_errors", .rows(tables[5])),
        ])
    }

    /// A `/sync` request Junction could not take (ProxySQL's `"type":"in"` errors).
    static func requestError(_ text: String) -> JSONValue {
        .object([("error", .string(text)), ("type", .string("in"))])
    }

    /// The HTTP status and body for a `/sync` script's outcome: its output as it printed it when it exited 0 with
    /// JSON, else 424 with ProxySQL's `"type":"out"` error (the exit status, signal or 62 for a timeout as `error_code`).
    static func scriptAnswer(_ outcome: ScriptRunner.Outcome, route: RestRoute) -> (status: Int, body: String) {
        func failure(_ text: String, code: String, output: String = "", errors: String = "") -> (Int, String) {
            (424, JSONValue.object([("error", .string(text)), ("type", .string("out")), ("error_code", .string(code)),
                                    ("script_stdout", .string(output)), ("script_stderr", .string(errors))]).text + "\n")
        }
        switch outcome {
        case .failedToStart(let reason):
            return failure("Script failed to be executed: \(reason)", code: "2")
        case .timedOut:
            return failure("Script execution timed out after \(route.timeoutMs) ms", code: "62")
        case .finished(let status, let output, let errors):
            guard status == 0 else { return failure("Script failed to be executed", code: String(status), output: output, errors: errors) }
            guard !output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                return failure("Script response is empty, only valid JSONs are accepted", code: "0", errors: errors)
            }
            guard JSONSyntax.isValid(output) else {
                return failure("Script did not print valid JSON", code: "0", output: output, errors: errors)
            }
            return (200, output)
        }
    }
}
