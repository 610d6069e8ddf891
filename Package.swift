// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-siem",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SIEMCore", targets: ["SIEMCore"]),
        .library(name: "SIEMRules", targets: ["SIEMRules"]),
        .library(name: "SIEMStore", targets: ["SIEMStore"]),
        .library(name: "SIEMHTTP", targets: ["SIEMHTTP"]),
        .executable(name: "siemd", targets: ["siemd"]),
        .executable(name: "siem-agent", targets: ["siem-agent"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .target(name: "SIEMCore"),
        .target(
            name: "SIEMRules",
            dependencies: ["SIEMCore", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "SIEMStore",
            dependencies: ["SIEMCore", "CSQLite", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SIEMHTTP",
            dependencies: [
                "SIEMCore", "SIEMRules", "SIEMStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Dashboard"), .copy("OpenAPI")]
        ),
        .executableTarget(
            name: "siemd",
            dependencies: [
                "SIEMHTTP", "SIEMRules",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "siem-agent",
            dependencies: [
                "SIEMCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "siem-bench",
            dependencies: [
                "SIEMHTTP", "SIEMRules", "SIEMStore", "SIEMCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "SIEMCoreTests", dependencies: ["SIEMCore"]),
        .testTarget(name: "SIEMRulesTests", dependencies: ["SIEMRules"]),
        .testTarget(name: "SIEMStoreTests", dependencies: ["SIEMStore"]),
        .testTarget(
            name: "siemdTests",
            dependencies: [
                "siemd", "siem-agent", "SIEMStore",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "siemAgentTests",
            dependencies: [
                "siemd", "siem-agent", "SIEMStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "SIEMHTTPTests",
            dependencies: [
                "SIEMHTTP",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
