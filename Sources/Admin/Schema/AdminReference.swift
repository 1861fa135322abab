import JunctionConfig

/// Builds docs/ADMIN.md from the code: the LOAD/SAVE grammar from `AdminModule`, the tables from
/// `AdminTableCatalog`, the variables from `VariableCatalog`. A unit test compares the file with this
/// output, so the reference cannot drift from what Junction does.
public enum AdminReference {
    public static func markdown() -> String {
        var out = """
        # Junction admin reference

        <!-- Generated from the code by `JUNCTION_UPDATE_DOCS=1 swift test --filter AdminReferenceTests`; do not edit by hand. -->

        The admin interface speaks the MySQL protocol on `admin-mysql_ifaces` (default `127.0.0.1:6032`):

            mariadb -uadmin -padmin -h127.0.0.1 -P6032

        Accounts come from `admin-admin_credentials` (full access) and `admin-stats_credentials` (read-only,
        the `stats` schema as `main`), `user:password` pairs separated by `;`. The built-in names `admin` and
        `stats` log in only over loopback; add another pair for remote administration.

        Every statement that is not a command below is run by SQLite as written, so `SELECT`, `INSERT`,
        `INSERT OR REPLACE`, `UPDATE`, `DELETE` and SQLite's functions work. Errors come back as
        `ERROR 1045 (28000): Junction Admin Error: <message>` (SQLite's message for SQL errors).

        Each statement text applies at once: every admin session, the monitor and the statistics share one SQLite
        connection, so a transaction must end in the statement text that opens it (`BEGIN; …; COMMIT` works). A
        statement that would leave one open (`BEGIN TRANSACTION`, `SAVEPOINT a`) is rolled back and refused with
        `ERROR 1235 (42000)`; a plain `BEGIN`, `START TRANSACTION`, `COMMIT` or `ROLLBACK`, as drivers send them, is
        answered OK and changes nothing.

        ## Databases

        | schema | where | what |
        |---|---|---|
        | `main` | memory | MEMORY: the configuration you edit, and the `runtime_*` views of what is live |
        | `disk` | `<datadir>/junction.db` | DISK: the saved configuration, read at start |
        | `stats` | memory | counters, filled when a query names a table |
        | `monitor` | memory | health-check logs |
        | `stats_history` | `<datadir>/junction_stats.db` | periodic snapshots |

        ## Layers and LOAD / SAVE

        Editing `main` tables changes nothing until it is loaded to RUNTIME; SAVE … TO DISK makes it
        survive a restart. LOAD … TO RUNTIME validates the whole module first: a bad row is an error that
        names it, and what is running stays as it was.

        | command | moves |
        |---|---|
        | `LOAD <module> TO RUNTIME` (`TO RUN`, `FROM MEMORY`, `FROM MEM`) | MEMORY → RUNTIME |
        | `SAVE <module> TO MEMORY` (`TO MEM`, `FROM RUNTIME`, `FROM RUN`) | RUNTIME → MEMORY |
        | `LOAD <module> TO MEMORY` (`TO MEM`, `FROM DISK`) | DISK → MEMORY |
        | `SAVE <module> TO DISK` (`FROM MEMORY`, `FROM MEM`) | MEMORY → DISK (one transaction) |
        | `LOAD <module> FROM CONFIG` | config file → MEMORY (INSERT OR REPLACE) |

        Tables are replaced as a whole between MEMORY and DISK; variables are merged.

        | module | tables | FROM CONFIG |
        |---|---|---|

        """
        for module in AdminModule.allCases {
            let tables = module.variablePrefix.map { "`global_variables` rows `\($0)%`" }
                ?? module.tables.map { "`\($0)`" }.joined(separator: ", ")
            let note = module.runtimeOnly ? " (LOAD … TO RUNTIME only)" : ""
            out += "| `\(module.rawValue)`\(note) | \(tables) | \(module.loadsFromConfig ? "yes" : "no") |\n"
        }
        out += """

        `PROXYSQL SERVERS` may also be written `JUNCTION SERVERS`, and every `PROXYSQL …` command below
        `JUNCTION …`.

        ## Other commands

        | command | effect |
        |---|---|
        | `SET mysql-<name> = <value>`, `SET admin-<name> = <value>` | checks name and value, then updates `global_variables` in MEMORY; an unknown name or a bad value is an error and changes nothing |
        | `SHOW DATABASES`, `SHOW TABLES [FROM <db>]`, `SHOW TABLES LIKE '<p>'` | schemas and tables |
        | `SHOW CREATE TABLE [<db>.]<table>`, `SHOW FIELDS FROM <table>` | a table's definition |
        | `SHOW [GLOBAL|MYSQL|ADMIN] VARIABLES [LIKE '<p>' | WHERE …]` | `global_variables` |
        | `SHOW MYSQL STATUS`, `SHOW [FULL] PROCESSLIST`, `SHOW MYSQL USERS`, `SHOW MYSQL SERVERS` | stats and config shortcuts |
        | `SHOW PROMETHEUS METRICS` | one row, column `Data`: the text `/metrics` serves (admin and stats users) |
        | `LOAD MYSQL USER <name> TO RUNTIME` | one user's rows to RUNTIME |
        | `EXPLAIN ROUTING '<query>' [USER '<name>'] [SCHEMA '<schema>']` | how the runtime query rules would route a query, without running it: each rule examined and why it matched or not, the flags, the hostgroup, the digest, rewrite, cache, mirror |
        | `SELECT CONFIG FILE`, `SAVE CONFIG TO FILE <path>` | MEMORY rendered as a config file |
        | `CHECKSUM [MEMORY|DISK] MYSQL <SERVERS|USERS|QUERY RULES|VARIABLES|…>` | checksum of a table |
        | `SELECT GLOBAL_CHECKSUM()` | checksum over every module's runtime checksum and version |
        | `PROXY_SELECT … FROM runtime_…` | a cluster peer's fetch: the rows the module's checksum covers (other tables: a SELECT) |
        | `PROXYSQL CLUSTER_NODE_UUID <uuid> <admin interfaces>` | a cluster peer polling this node says who it is (`stats_proxysql_servers_clients_status`) |
        | `SAVE MYSQL DIGEST TO DISK`, `TRUNCATE stats_mysql_query_digest` | digest statistics to history / cleared |
        | `PROXYSQL READONLY`, `PROXYSQL READWRITE` | admin SQL read-only / writable |
        | `JUNCTION HEALTH` | Junction's own: `stopping` (1 after SIGTERM) and every ONLINE `writer`, for `junction health` |
        | `PROXYSQL FLUSH LOGS`, `PROXYSQL FLUSH CONFIGDB`, `PROXYSQL FLUSH MYSQL CLIENT HOSTS` | refused with error 1047 saying why: Junction logs to standard error, keeps no client host cache, and its configuration database needs no reopening |
        | `KILL [CONNECTION] <id>`, `KILL QUERY <id>` | a client's connection, or its running query, by `stats_mysql_processlist.SessionID` (1094 when unknown) |
        | `DROP TABLE`, `ALTER TABLE` | refused for the admin's own tables (any schema); allowed for tables you created |

        ## Statistics

        The `stats_*` tables are filled from the running proxy when a statement names them (each event loop
        keeps its own counters; the admin merges them): `stats_mysql_query_digest` (normalised queries per
        hostgroup, schema and user, with counts, times and rows; hostgroup -1 for queries Junction answered
        itself: cache hits, `error_msg`/`OK_msg` rules, `select @@version_comment`), `stats_mysql_query_rules`
        (hits since the last LOAD), `stats_mysql_commands_counters`, `stats_mysql_connection_pool`,
        `stats_mysql_processlist` (`SHOW [FULL] PROCESSLIST`), `stats_mysql_users`, `stats_mysql_errors`,
        `stats_mysql_free_connections`, and `stats_mysql_global` (`SHOW MYSQL STATUS`). The `*_reset`
        variants return the same rows and then reset the cumulative counters; `TRUNCATE
        stats_mysql_query_digest` and `SAVE MYSQL DIGEST TO DISK` (into
        `stats_history.history_mysql_query_digest`) empty the digest statistics. In
        `stats_mysql_free_connections`, `fd` is the server's thread id of the connection.

        `stats_mysql_query_latency` is Junction's own: each server's query times in a hostgroup, in the buckets
        of `stats_mysql_commands_counters` (`cnt_100us` … `cnt_INFs`, each counting its own bucket). The
        Prometheus histograms `junction_query_latency_seconds` come from it; reading
        `stats_mysql_connection_pool_reset` leaves it, so those counters never go back.

        `stats_history` is filled on the `admin-stats_*` intervals (seconds, 0 = off; samples are taken at whole
        multiples of the interval): `mysql_connections` and `history_mysql_status_variables` (every
        `stats_mysql_global` value) on `admin-stats_mysql_connections`; `myhgm_connections` and
        `history_stats_mysql_connection_pool` on `admin-stats_mysql_connection_pool`; `mysql_query_cache`,
        `system_cpu` (the process's `times()` in clock ticks) and `system_memory` (the process figures of
        `stats_memory_metrics`) on theirs. The `_hour` and `_day` tables summarise each whole hour and day (counters
        by their largest value, gauges by their mean); samples are kept 7 days, hourly rows a year.
        `admin-stats_mysql_query_digest_to_disk` saves and resets the digest statistics every N seconds.

        ## HTTP: metrics, REST API, dashboard

        - `admin-restapi_enabled` / `admin-restapi_port` (6070): `GET /metrics` (Prometheus text format, no
          credentials, as ProxySQL serves it; ProxySQL's metric names, and Junction's `junction_*` ones such as the
          histograms `junction_query_latency_seconds{hostgroup,endpoint}`); `GET|POST /sync/<uri>` runs the
          active `runtime_restapi_routes` row of that method and uri with the request as one JSON argument (a POST's
          body, or a GET's query parameters) and answers its output when it exits 0 with JSON, else 424 with the
          error (`error_code` 62 after `timeout_ms`); `GET /api/v1/{servers,pool,digests,global,errors,monitor/errors,cluster,dashboard}`
          answer JSON.
        - `admin-web_enabled` / `admin-web_port` (6080): the dashboard page at `/` and the same `/api/v1/…`.
        - Everything but `/metrics` asks for HTTP Basic credentials of `admin-stats_credentials` or
          `admin-admin_credentials`. Both listen on every address over plain HTTP; LOAD ADMIN VARIABLES TO RUNTIME
          starts, moves and stops them.

        `runtime_checksums_values` shows, per synchronised module, how many times it was loaded
        (`version`), when (`epoch`) and a checksum of the loaded content.

        ## Start-up

        - No `<datadir>/junction.db` yet: the config file is loaded and saved to disk.
        - `junction.db` exists: it is the configuration; the file only gives `datadir` and the like.
        - `--initial`: `junction.db` is renamed `junction.db.bak` and the file is loaded as on a first start.
        - `--reload`: the file is merged into the saved configuration (the file wins for the same keys).

        ## Variables

        Values are checked when set (`SET`) and again at LOAD … TO RUNTIME. "restart" marks the variables
        read only at start. Variables of features Junction does not have yet (monitor, cluster, events log)
        are stored, checked and saved, and take effect when the feature lands.

        | variable | default | |
        |---|---|---|

        """
        for definition in VariableCatalog.all.sorted(by: { $0.name < $1.name }) {
            let value = definition.defaultValue.isEmpty ? "" : "`\(definition.defaultValue.replacingOccurrences(of: "|", with: "\\|"))`"
            out += "| `\(definition.name)` | \(value) | \(definition.needsRestart ? "restart" : "") |\n"
        }
        out += "\n## Tables\n\nThe exact definitions; `SHOW CREATE TABLE` prints the same text, one column per line.\n"
        for schema in AdminSchemaName.allCases {
            out += "\n### `\(schema.rawValue)`\n"
            for table in AdminTableCatalog.tables(in: schema) where schema != .disk || !table.schemas.contains(.main) {
                out += "\n```sql\n\(table.createSQL)\n```\n"
            }
            if schema == .disk {
                out += "\nand every `main` table above that is not `runtime_*` or `coredump_filters`.\n"
            }
        }
        return out
    }
}
