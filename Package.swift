// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-siem",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "SIEMCore", targets: ["SIEMCore"]),
        .library(name: "SIEMRules", targets: ["SIEMRules"]),
        .library(name: "SIEMStore", targets: ["SIEMStore"]),
        .library(name: "SIEMEngine", targets: ["SIEMEngine"]),
        .library(name: "SIEMHTTP", targets: ["SIEMHTTP"]),
        .library(name: "SIEMAgent", targets: ["SIEMAgent"]),
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
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // zlib, to inflate gzip and deflate request bodies (shippers compress by default).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
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
            name: "SIEMEngine",
            dependencies: [
                "SIEMCore", "SIEMRules", "SIEMStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "SIEMOTLP",
            dependencies: ["SIEMCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "SIEMHTTP",
            dependencies: [
                "SIEMCore", "SIEMRules", "SIEMStore", "SIEMEngine", "SIEMOTLP", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Dashboard"), .copy("OpenAPI")]
        ),
        .executableTarget(
            name: "siemd",
            dependencies: [
                "SIEMHTTP", "SIEMEngine", "SIEMRules", "SIEMCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "SIEMAgent",
            dependencies: [
                "SIEMCore",
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
            name: "siem-agent",
            dependencies: [
                "SIEMAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "siem-bench",
            dependencies: [
                "SIEMHTTP", "SIEMEngine", "SIEMRules", "SIEMStore", "SIEMCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Helpers shared by the test targets (temporary folders, the shared samples); not a product.
        .target(name: "SIEMTestSupport", path: "Tests/SIEMTestSupport"),
        .testTarget(name: "SIEMCoreTests", dependencies: ["SIEMCore", "SIEMTestSupport"]),
        .testTarget(
            name: "SIEMRulesTests",
            dependencies: ["SIEMRules", "SIEMTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "SIEMStoreTests", dependencies: ["SIEMStore", "SIEMTestSupport"]),
        .testTarget(name: "SIEMEngineTests", dependencies: ["SIEMEngine", "SIEMTestSupport"]),
        .testTarget(name: "SIEMOTLPTests", dependencies: ["SIEMOTLP", "SIEMCore", "SIEMTestSupport"]),
        .testTarget(
            name: "siemdTests",
            dependencies: [
                "siemd", "siem-agent", "SIEMAgent", "SIEMStore", "SIEMTestSupport",
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "siemAgentTests",
            dependencies: [
                "siemd", "siem-agent", "SIEMAgent", "SIEMStore", "SIEMTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .testTarget(
            name: "SIEMHTTPTests",
            dependencies: [
                "SIEMHTTP", "SIEMEngine", "SIEMTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
    ]
)
