// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "optctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "optctl", targets: ["optctl"]),
        .library(name: "OptKit", targets: ["OptKit"]),
        .library(name: "OptServe", targets: ["OptServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // Already resolved through Hummingbird; named because the Socket.IO server serves its
        // WebSockets in NIO channel pipelines (NIO's upgrader and frame codec, the HTTP types
        // bridge of swift-nio-extras) and runs as a lifecycle service.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/mattpolzin/OpenAPIKit", from: "6.4.0"),
    ],
    targets: [
        /// GNU readline for `optctl shell` (libreadline-dev).
        .systemLibrary(
            name: "CReadline",
            path: "Sources/CReadline",
            providers: [.apt(["libreadline-dev"])]
        ),
        /// zlib, to read .npz calibration archives written by numpy.savez_compressed (zlib1g-dev).
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        /// SIMD GEMM micro-kernels (AVX-512, AVX2, portable) chosen at run time; see Runtime/GEMM.
        .target(name: "CKernels"),
        .target(
            name: "OptKit",
            dependencies: [
                "CKernels",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "OptServe",
            dependencies: [
                "OptKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        /// The Socket.IO / Engine.IO endpoints configured as the protocols' own test suites
        /// expect (scripts/socketio-conformance runs them against it).
        .executableTarget(
            name: "socketio-conformance",
            dependencies: [
                "OptServe",
                "OptKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        /// The real-time channel with a synthetic progress emitter, for scripts/bench-realtime.
        .executableTarget(
            name: "socketio-bench-server",
            dependencies: [
                "OptServe",
                "OptKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "optctl",
            dependencies: [
                "OptKit",
                "OptServe",
                "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// Times one model on the engine (scripts/bench-engine); `optctl bench` shares its code.
        .executableTarget(name: "engine-bench", dependencies: ["OptKit"]),
        /// Applies one pass to a model file (scripts/compare-quantization) until `optctl run` exists.
        .executableTarget(name: "run-pass", dependencies: ["OptKit"]),
        .testTarget(
            name: "OptKitTests",
            dependencies: [
                "OptKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OptServeTests",
            dependencies: [
                "OptServe",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "OptKit",
            ]
        ),
        /// End-to-end tests: they run the built `optctl` binary (hence the dependency).
        .testTarget(
            name: "optctlTests",
            dependencies: ["optctl", "OptKit", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        /// ONNX's backend test cases and the onnxruntime cross-check on Examples/ (docs/conformance.md).
        .testTarget(name: "ConformanceTests", dependencies: ["OptKit"]),
    ],
    swiftLanguageModes: [.v6]
)
