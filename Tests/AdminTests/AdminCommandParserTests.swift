import Testing
@testable import Admin

/// The admin command grammar (admin-commands.md §4–§6): every LOAD/SAVE alias, SET, SHOW, and what
/// falls through to SQLite.
struct AdminCommandParserTests {
    private static let toRuntime = ["TO RUNTIME", "TO RUN", "FROM MEMORY", "FROM MEM"]
    private static let toMemory = ["TO MEMORY", "TO MEM", "FROM RUNTIME", "FROM RUN"]
    private static let fromDisk = ["TO MEMORY", "TO MEM", "FROM DISK"]
    private static let toDisk = ["TO DISK", "FROM MEMORY", "FROM MEM"]

    @Test(arguments: AdminModule.allCases.filter { !$0.runtimeOnly })
    func everyAliasOfEveryModule(module: AdminModule) {
        for alias in Self.toRuntime {
            #expect(AdminCommandParser.parse("LOAD \(module.rawValue) \(alias)") == .loadToRuntime(module))
        }
        for alias in Self.fromDisk {
            #expect(AdminCommandParser.parse("load \(module.rawValue.lowercased()) \(alias.lowercased());") == .loadFromDisk(module))
        }
        for alias in Self.toMemory {
            #expect(AdminCommandParser.parse("SAVE \(module.rawValue) \(alias)") == .saveToMemory(module))
        }
        for alias in Self.toDisk {
            #expect(AdminCommandParser.parse("  Save   \(module.rawValue)\n\(alias) ; ") == .saveToDisk(module))
        }
        let fromConfig = AdminCommandParser.parse("LOAD \(module.rawValue) FROM CONFIG")
        #expect(fromConfig == (module.loadsFromConfig ? .loadFromConfig(module) : .sql("LOAD \(module.rawValue) FROM CONFIG")))
    }

    @Test func clusterPeerStatements() {
        #expect(AdminCommandParser.parse("PROXY_SELECT a, b FROM runtime_mysql_users") == .proxySelect(table: "runtime_mysql_users", sql: "SELECT a, b FROM runtime_mysql_users"))
        #expect(AdminCommandParser.parse("  proxy_select 1") == .proxySelect(table: "", sql: "SELECT 1"))
        #expect(AdminCommandParser.parse("PROXYSQL CLUSTER_NODE_UUID 1b2C-x 0.0.0.0:6032;127.0.0.1:6033")
                == .clusterNodeUUID(uuid: "1b2C-x", adminInterfaces: "0.0.0.0:6032;127.0.0.1:6033"))
    }

    @Test func coredumpLoadsOnlyToRuntime() {
        #expect(AdminCommandParser.parse("LOAD COREDUMP TO RUNTIME") == .loadToRuntime(.coredump))
        #expect(AdminCommandParser.parse("SAVE COREDUMP TO DISK") == .sql("SAVE COREDUMP TO DISK"))
    }

    @Test func directionsThatDoNotExistFallThroughToSQLite() {
        #expect(AdminCommandParser.parse("LOAD MYSQL SERVERS FROM RUNTIME") == .sql("LOAD MYSQL SERVERS FROM RUNTIME"))
        #expect(AdminCommandParser.parse("SAVE MYSQL SERVERS TO RUNTIME") == .sql("SAVE MYSQL SERVERS TO RUNTIME"))
        #expect(AdminCommandParser.parse("LOAD MYSQL SERVERS TO RUNTIME extra") == .sql("LOAD MYSQL SERVERS TO RUNTIME extra"))
        #expect(AdminCommandParser.parse("LOAD MYSQL SERVER TO RUNTIME") == .sql("LOAD MYSQL SERVER TO RUNTIME"))
    }

    @Test func junctionNamesAreAccepted() {
        #expect(AdminCommandParser.parse("LOAD JUNCTION SERVERS TO RUNTIME") == .loadToRuntime(.proxysqlServers))
        #expect(AdminCommandParser.parse("JUNCTION FLUSH QUERY CACHE") == .proxysql(.flushQueryCache))
        #expect(AdminCommandParser.parse("proxysql readonly") == .proxysql(.readOnly))
        #expect(AdminCommandParser.parse("PROXYSQL DANCE") == .sql("PROXYSQL DANCE"))
    }

    @Test func otherLoadSaveForms() {
        #expect(AdminCommandParser.parse("LOAD MYSQL USER app_1 TO RUNTIME") == .loadUserToRuntime("app_1"))
        #expect(AdminCommandParser.parse("SAVE MYSQL DIGEST TO DISK") == .saveDigestToDisk)
        #expect(AdminCommandParser.parse("SAVE CONFIG TO FILE '/tmp/j.cnf'") == .saveConfigToFile(path: "/tmp/j.cnf"))
        #expect(AdminCommandParser.parse("SELECT CONFIG FILE") == .selectConfigFile)
        #expect(AdminCommandParser.parse("select global_checksum()") == .selectGlobalChecksum)
    }

    @Test func setOfAModuleVariableKeepsTheValueUnquoted() {
        #expect(AdminCommandParser.parse("set mysql-monitor_username='monitor'") == .setVariable(name: "mysql-monitor_username", value: "monitor"))
        #expect(AdminCommandParser.parse("SET mysql-monitor_password = \"Mm-123456\";") == .setVariable(name: "mysql-monitor_password", value: "Mm-123456"))
        #expect(AdminCommandParser.parse("SET mysql-max_connections=2000") == .setVariable(name: "mysql-max_connections", value: "2000"))
        #expect(AdminCommandParser.parse("SET admin-admin_credentials='admin:admin;radmin:it''s'") ==
            .setVariable(name: "admin-admin_credentials", value: "admin:admin;radmin:it's"))
    }

    @Test(arguments: [
        "SET NAMES utf8mb4", "SET autocommit=1", "SET character_set_results = NULL", "SET SQL_SAFE_UPDATES=1",
        "SET @@session.sql_mode = ''", "BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "USE main", "use `disk`",
        "LOCK TABLES mysql_servers READ", "UNLOCK TABLES", "/*!40101 SET NAMES utf8 */", "/*!40000 ALTER TABLE `x` DISABLE KEYS */",
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    ])
    func clientLibraryStatementsAreIgnored(statement: String) {
        #expect(AdminCommandParser.parse(statement) == .ignored)
    }

    @Test func showForms() {
        #expect(AdminCommandParser.parse("show databases") == .show(.databases))
        #expect(AdminCommandParser.parse("SHOW TABLES") == .show(.tables(schema: nil, like: nil)))
        #expect(AdminCommandParser.parse("show tables from disk") == .show(.tables(schema: "disk", like: nil)))
        #expect(AdminCommandParser.parse("SHOW TABLES IN `stats`") == .show(.tables(schema: "stats", like: nil)))
        #expect(AdminCommandParser.parse("SHOW TABLES LIKE 'mysql%'") == .show(.tables(schema: nil, like: "mysql%")))
        #expect(AdminCommandParser.parse("show create table mysql_servers") == .show(.createTable(schema: nil, table: "mysql_servers")))
        #expect(AdminCommandParser.parse("SHOW CREATE TABLE disk.mysql_users") == .show(.createTable(schema: "disk", table: "mysql_users")))
        #expect(AdminCommandParser.parse("SHOW FIELDS FROM `mysql_users`") == .show(.fields(table: "mysql_users")))
        #expect(AdminCommandParser.parse("SHOW VARIABLES") == .show(.variables(prefix: nil, like: nil, whereClause: nil)))
        #expect(AdminCommandParser.parse("SHOW GLOBAL VARIABLES LIKE 'mysql-%'") == .show(.variables(prefix: nil, like: "mysql-%", whereClause: nil)))
        #expect(AdminCommandParser.parse("SHOW MYSQL VARIABLES") == .show(.variables(prefix: "mysql-", like: nil, whereClause: nil)))
        #expect(AdminCommandParser.parse("SHOW ADMIN VARIABLES") == .show(.variables(prefix: "admin-", like: nil, whereClause: nil)))
        #expect(AdminCommandParser.parse("SHOW VARIABLES WHERE Variable_name = 'x'") ==
            .show(.variables(prefix: nil, like: nil, whereClause: "Variable_name = 'x'")))
        #expect(AdminCommandParser.parse("SHOW MYSQL STATUS") == .show(.mysqlStatus))
        #expect(AdminCommandParser.parse("SHOW FULL PROCESSLIST") == .show(.processlist(full: true)))
        #expect(AdminCommandParser.parse("SHOW COLUMNS FROM x") == .sql("SHOW COLUMNS FROM x"))
    }

    @Test func checksumTruncateKill() {
        #expect(AdminCommandParser.parse("CHECKSUM DISK MYSQL SERVERS") == .checksum(schema: .disk, tables: ["mysql_servers"]))
        #expect(AdminCommandParser.parse("CHECKSUM MEMORY MYSQL QUERY RULES") == .checksum(schema: .main, tables: ["mysql_query_rules"]))
        #expect(AdminCommandParser.parse("CHECKSUM MYSQL USERS") == .checksum(schema: .main, tables: ["mysql_users"]))
        #expect(AdminCommandParser.parse("TRUNCATE TABLE stats.stats_mysql_query_digest") == .truncateQueryDigest)
        #expect(AdminCommandParser.parse("truncate stats_mysql_query_digest_reset") == .truncateQueryDigest)
        #expect(AdminCommandParser.parse("TRUNCATE mysql_servers") == .sql("TRUNCATE mysql_servers"))
        #expect(AdminCommandParser.parse("KILL CONNECTION 12") == .killConnection(12))
    }

    @Test func explainRouting() {
        #expect(AdminCommandParser.parse("EXPLAIN ROUTING 'select 1'") == .explainRouting(query: "select 1", user: nil, schema: nil))
        #expect(AdminCommandParser.parse("explain routing \"SELECT 'it''s'\" user 'app' schema sbtest;") ==
            .explainRouting(query: "SELECT 'it''s'", user: "app", schema: "sbtest"))
        #expect(AdminCommandParser.parse("EXPLAIN ROUTING 'it''s \\'quoted\\''") == .explainRouting(query: "it's 'quoted'", user: nil, schema: nil))
        #expect(AdminCommandParser.parse("EXPLAIN ROUTING select 1") == .sql("EXPLAIN ROUTING select 1"))
        #expect(AdminCommandParser.parse("EXPLAIN ROUTING 'x' COLOR 'red'") == .sql("EXPLAIN ROUTING 'x' COLOR 'red'"))
        #expect(AdminCommandParser.parse("EXPLAIN SELECT 1") == .sql("EXPLAIN SELECT 1"))
    }

    @Test func sqlKeepsItsTextButLosesTrailingSemicolons() {
        #expect(AdminCommandParser.parse("  select * from mysql_servers ;; ") == .sql("select * from mysql_servers"))
        #expect(AdminCommandParser.parse("UPDATE t SET a = 'x  y'") == .sql("UPDATE t SET a = 'x  y'"))
    }

    @Test func showCreateLayoutMatchesTheTutorial() {
        let text = AdminTableCatalog.showCreateText(AdminTableCatalog.table("mysql_replication_hostgroups", in: .main)!.createSQL)
        #expect(text == """
            CREATE TABLE mysql_replication_hostgroups (
                writer_hostgroup INT CHECK (writer_hostgroup>=0) NOT NULL PRIMARY KEY,
                reader_hostgroup INT NOT NULL CHECK (reader_hostgroup<>writer_hostgroup AND reader_hostgroup>=0),
                check_type VARCHAR CHECK (LOWER(check_type) IN ('read_only','innodb_read_only','super_read_only','read_only|innodb_read_only','read_only&innodb_read_only')) NOT NULL DEFAULT 'read_only',
                comment VARCHAR NOT NULL DEFAULT '', UNIQUE (reader_hostgroup))
            """)
    }
}

extension AdminCommandParserTests {
    /// Found by the wire fuzzer: Unicode upper-casing made more words than the statement had (U+0345 after a line
    /// break becomes a separate "Ι"), and the SHOW parsers indexed past the end.
    @Test func wordsOfTheMatchingFormLineUpWithTheOriginal() {
        for text in ["SHOW TABLES FROM\n\u{345}", "SHOW FIELDS FROM\n\u{345}", "SHOW VARIABLES\n\u{345}", "show tables from ßtraße"] {
            _ = AdminCommandParser.parse(AdminStatementText(text))
            let statement = AdminStatementText(text)
            #expect(statement.normalized.split(separator: " ").count == statement.spaced.split(separator: " ").count)
        }
    }
}

extension AdminCommandParserTests {
    /// Found by the wire fuzzer: a 16 MiB admin statement took 6.6 s of the admin's one thread (Foundation's
    /// case-insensitive search over the whole text, a String per word). The word list now stops at a limit,
    /// and the rest of the statement stays one word.
    @Test func aStatementOfMillionsOfWordsIsSplitIntoAFewOnly() {
        let statement = "SELECT " + String(repeating: "( ", count: 1_000_000)
        let words = AdminCommandParser.words(AdminStatementText(statement).normalized)
        #expect(words.count == 17)
        #expect(words.first == "SELECT")
        #expect(AdminCommandParser.parse(statement) == .sql(AdminStatementText(statement).sql))
        #expect(AdminCommandParser.parse("PROXYSQL   FLUSH\tQUERY CACHE") == AdminCommandParser.parse("PROXYSQL FLUSH QUERY CACHE"))
    }

    @Test func asciiCaseInsensitiveSearch() {
        #expect("select * from STATS_MYSQL_QUERY_DIGEST".containsASCIICaseInsensitive("stats_mysql_query_digest"))
        #expect("SELECT * FROM Runtime_Mysql_Servers".containsASCIICaseInsensitive("runtime_"))
        #expect(!"SELECT * FROM runtime".containsASCIICaseInsensitive("runtime_"))
        #expect(!"ß".containsASCIICaseInsensitive("ss"))
        #expect("x".containsASCIICaseInsensitive(""))
        #expect(!"".containsASCIICaseInsensitive("x"))
    }
}
