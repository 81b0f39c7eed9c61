// swift-tools-version:6.0
// Times the engine's tensor kernels in a release build, for scripts/bench-tensor-kernels
// (which runs numpy on the same work and prints the ratios). Its own package so the
// benchmark never builds with the main package's tests.
import PackageDescription

let package = Package(
    name: "TensorKernelBenchmarks",
    platforms: [.macOS(.v14)],
    // scripts/bench-tensor-kernels links the repository at .root/optctl: a path dependency is
    // named after its folder, and a checkout may be named anything.
    dependencies: [.package(path: ".root/optctl")],
    targets: [
        .executableTarget(
            name: "bench-tensor-kernels",
            dependencies: [.product(name: "OptKit", package: "optctl")]
        )
    ],
    swiftLanguageModes: [.v6]
)
