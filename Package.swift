// swift-tools-version:6.1
import PackageDescription

/// The targets every query passes through: in release builds, without the runtime exclusivity checks
/// (the profile showed them at ~1.5% of the proxy's CPU; debug builds and tests keep them).
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Junction",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "junction", targets: ["junction"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .target(name: "MySQLProtocol", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: hotPath),
        .target(name: "SQLText", swiftSettings: hotPath),
        .target(name: "MySQLClient", dependencies: [
            "MySQLProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .target(name: "JunctionConfig"),
        .target(name: "QueryRouting", dependencies: ["SQLText"], swiftSettings: hotPath),
        .target(name: "Proxy", dependencies: [
            "MySQLProtocol", "SQLText", "JunctionConfig", "QueryRouting",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: hotPath),
        // Configuration kept in sync between nodes: peer state and the sync decision (pure so far).
        .target(name: "Cluster", dependencies: [
            "MySQLClient", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Monitor", dependencies: [
            "MySQLClient", "JunctionConfig",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Admin", dependencies: [
            "MySQLProtocol", "JunctionConfig", "QueryRouting", "SQLText",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The HTTP side (Hummingbird): the Prometheus exporter and REST API (admin-restapi_*), the dashboard (admin-web_*).
        .target(name: "HTTPEndpoints", dependencies: [
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Junction", dependencies: [
            "Proxy", "HTTPEndpoints", "JunctionConfig", "Admin", "QueryRouting", "SQLText", "Monitor", "Cluster", "MySQLClient",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .executableTarget(name: "junction", dependencies: [
            "Junction", "JunctionConfig",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "junction-bench", dependencies: [
            "SQLText", "QueryRouting", "MySQLProtocol", "Proxy",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
        ]),
        // Fuzz targets for every parser of outside input; @testable, so built with testing enabled (scripts/fuzz.sh).
        .target(name: "JunctionFuzzTargets", dependencies: [
            "MySQLProtocol", "MySQLClient", "SQLText", "Proxy", "Admin", "JunctionConfig", "QueryRouting", "Cluster",
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // libFuzzer's entry point over those targets, or a replay runner without libFuzzer (scripts/fuzz.sh).
        .executableTarget(name: "junction-fuzz", dependencies: ["JunctionFuzzTargets"],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        // The floor under Junction's cost in the benchmarks: bytes between two sockets on SwiftNIO, no MySQL.
        .executableTarget(name: "nio-forwarder", dependencies: [
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "MySQLProtocolTests", dependencies: [
            "MySQLProtocol", .product(name: "NIOCore", package: "swift-nio"),
        ]),
        .testTarget(name: "SQLTextTests", dependencies: ["SQLText"]),
        .testTarget(name: "ClusterTests", dependencies: ["Cluster"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["JunctionFuzzTargets"]),
        .testTarget(name: "JunctionConfigTests", dependencies: ["JunctionConfig"]),
        .testTarget(name: "AdminTests", dependencies: ["Admin", "JunctionConfig"]),
        .testTarget(name: "HTTPEndpointsTests", dependencies: ["HTTPEndpoints"]),
        .testTarget(name: "MonitorTests", dependencies: ["Monitor", "JunctionConfig"]),
        .testTarget(name: "QueryRoutingTests", dependencies: ["QueryRouting", "SQLText"]),
        .testTarget(name: "ProxyTests", dependencies: [
            "Proxy", "MySQLProtocol", "SQLText", "JunctionConfig",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
