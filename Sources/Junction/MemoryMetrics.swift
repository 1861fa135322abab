import Admin
import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// `stats_memory_metrics`, with ProxySQL 2.7.1's variable names. Junction allocates with glibc, not jemalloc: the
/// `jemalloc_*` rows carry the process's own figures from /proc/self/statm (resident, data, mapped), so tools that
/// read them still see memory move. Structures are measured by the bytes of what they hold.
enum MemoryMetrics {
    struct Sizes {
        var sqliteBytes: Int
        var authBytes: Int
        var digestBytes: Int
        var ruleBytes: Int
        var preparedClientBytes: Int
        var preparedServerBytes: Int
        var threads: Int
    }

    static func rows(_ sizes: Sizes) -> TableRows {
        let process = processPages()
        let values: [(String, Int)] = [
            ("SQLite3_memory_bytes", sizes.sqliteBytes),
            ("jemalloc_resident", process.resident),
            ("jemalloc_active", process.resident),
            ("jemalloc_allocated", process.data),
            ("jemalloc_mapped", process.mapped),
            ("jemalloc_metadata", 0),
            ("jemalloc_retained", 0),
            ("Auth_memory", sizes.authBytes),
            ("query_digest_memory", sizes.digestBytes),
            ("mysql_query_rules_memory", sizes.ruleBytes),
            ("prepare_statement_metadata_memory", sizes.preparedClientBytes),
            ("prepare_statement_backend_memory", sizes.preparedServerBytes),
            ("mysql_firewall_users_table", 0),
            ("mysql_firewall_users_config", 0),
            ("mysql_firewall_rules_table", 0),
            ("mysql_firewall_rules_config", 0),
            // Each event loop is a thread with the default 8 MiB stack; the admin, monitor and cluster share one loop.
            ("stack_memory_mysql_threads", sizes.threads * 8 << 20),
            ("stack_memory_admin_threads", 8 << 20),
            ("stack_memory_cluster_threads", 0),
        ]
        return TableRows(columns: ["Variable_Name", "Variable_Value"],
                         rows: values.map { [$0.0.databaseValue, String($0.1).databaseValue] })
    }

    /// Resident, data-segment and mapped bytes from /proc/self/statm.
    static func processPages() -> (resident: Int, data: Int, mapped: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return (0, 0, 0) }
        let pages = text.split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
        guard pages.count >= 6 else { return (0, 0, 0) }
        let size = Int(sysconf(Int32(_SC_PAGESIZE)))
        return (pages[1] * size, pages[5] * size, pages[0] * size)
    }
}
