// swift-tools-version:6.0
// libFuzzer targets for OptKit, kept out of the main package because `--sanitize=fuzzer`
// applies to everything in a build. Built and run by scripts/fuzz-loader; not part of CI.
import PackageDescription

let package = Package(
    name: "OptKitFuzz",
    dependencies: [
        .package(name: "optctl", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "FuzzLoader",
            dependencies: [.product(name: "OptKit", package: "optctl")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
