import Testing
@testable import HTTPEndpoints

/// The text format Prometheus parses: HELP/TYPE lines, label escaping, number spelling.
struct PrometheusExpositionTests {
    @Test func rendersHelpTypeAndSamples() {
        let text = PrometheusExposition.render([
            MetricFamily(name: "proxysql_questions_total", help: "Statements.", kind: .counter, samples: [.init(value: 42)]),
            MetricFamily(name: "proxysql_connpool_conns", help: "Pool.", kind: .gauge, samples: [
                .init(labels: [("hostgroup", "1"), ("status", "free")], value: 2.5),
            ]),
        ])
        #expect(text == """
            # HELP proxysql_questions_total Statements.
            # TYPE proxysql_questions_total counter
            proxysql_questions_total 42
            # HELP proxysql_connpool_conns Pool.
            # TYPE proxysql_connpool_conns gauge
            proxysql_connpool_conns{hostgroup="1",status="free"} 2.5

            """)
    }

    @Test func escapesLabelValuesAndHelp() {
        let text = PrometheusExposition.render([
            MetricFamily(name: "m", help: "a\\b\nc", kind: .gauge, samples: [.init(labels: [("v", "say \"hi\"\\\n")], value: 1)]),
        ])
        #expect(text.contains("# HELP m a\\\\b\\nc\n"))
        #expect(text.contains(#"m{v="say \"hi\"\\\n"} 1"#))
    }

    @Test func familiesWithoutSamplesAreLeftOut() {
        #expect(PrometheusExposition.render([MetricFamily(name: "m", help: "h", kind: .gauge, samples: [])]).isEmpty)
    }

    @Test func numbers() {
        #expect(PrometheusExposition.format(3) == "3")
        #expect(PrometheusExposition.format(0.0001) == "0.0001")
        #expect(PrometheusExposition.format(.infinity) == "+Inf")
        #expect(PrometheusExposition.format(.nan) == "NaN")
    }
}
