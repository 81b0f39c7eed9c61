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
    ],
    targets: [
        /// GNU readline for `optctl shell` (libreadline-dev).
        .systemLibrary(
            name: "CReadline",
            path: "Sources/CReadline",
            providers: [.apt(["libreadline-dev"])]
        ),
        .target(
            name: "OptKit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "OptServe",
            dependencies: ["OptKit"]
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
        .testTarget(
            name: "OptKitTests",
            dependencies: [
                "OptKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "OptServeTests", dependencies: ["OptServe"]),
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
