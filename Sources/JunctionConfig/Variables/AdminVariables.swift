/// The `admin-*` variables the admin module uses, typed; every other one is in `values`.
public struct AdminVariables: Sendable, Equatable {
    /// Every `admin-*` variable by full name, normalised: defaults overlaid with the given values.
    public let values: [String: String]

    /// `admin-admin_credentials`: accounts with read/write access to the admin schema.
    public let adminCredentials: [AdminCredential]
    /// `admin-stats_credentials`: read-only accounts that see the stats schema.
    public let statsCredentials: [AdminCredential]
    /// `admin-mysql_ifaces` split on `;`: admin listeners, `host:port` or a socket path.
    public let mysqlIfaces: [String]

    /// Builds the set from `admin-*` values (full or short names) over the defaults.
    /// - Throws: `VariableError` for an unknown name or an invalid value.
    public init(_ values: [String: String] = [:]) throws {
        let resolved = try ResolvedVariables(module: "admin", given: values)
        self.values = resolved.values
        adminCredentials = AdminCredential.parseList(resolved.string("admin-admin_credentials")) ?? []
        statsCredentials = AdminCredential.parseList(resolved.string("admin-stats_credentials")) ?? []
        mysqlIfaces = resolved.list("admin-mysql_ifaces", separator: ";")
    }

    /// The normalised value of an `admin-*` variable by full name.
    public subscript(name: String) -> String? {
        values[name]
    }
}
