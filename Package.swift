// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "optctl",
    platforms: [.macOS(.v14)],
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
    ],
    targets: [
        /// GNU readline for `optctl shell` (libreadline-dev).
        .systemLibrary(
            name: "CReadline",
            path: "Sources/CReadline",
            providers: [.apt(["libreadline-dev"])]
        ),
        /// SIMD GEMM micro-kernels (AVX-512, AVX2, portable) chosen at run time; see Runtime/GEMM.
        .target(name: "CKernels"),
        .target(
            name: "OptKit",
            dependencies: [
                "CKernels",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
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
            ]
        ),
        /// Times one model on the engine (scripts/bench-engine); `optctl bench` shares its code.
        .executableTarget(name: "engine-bench", dependencies: ["OptKit"]),
        .testTarget(name: "OptKitTests", dependencies: ["OptKit"]),
        .testTarget(name: "OptServeTests", dependencies: ["OptServe"]),
        .testTarget(name: "optctlTests", dependencies: ["OptKit"]),
    ],
    swiftLanguageModes: [.v6]
)
