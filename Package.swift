// swift-tools-version: 6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Evident",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Evident", targets: ["Evident"]),
        .executable(name: "evident", targets: ["EvidentCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CEvidentKernels"),
        .target(
            name: "Evident",
            dependencies: [
                "CBLAS",
                "CEvidentKernels",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(name: "EvidentCLI", dependencies: ["Evident", argumentParser]),
        .target(name: "EvidentTestSupport", dependencies: ["Evident"]),
        .testTarget(
            name: "EvidentTests",
            dependencies: ["Evident", "EvidentTestSupport", "CEvidentKernels"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "EvidentCLITests", dependencies: ["EvidentCLI", "Evident", "EvidentTestSupport"]),
    ]
)

for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    let features = ["ExistentialAny", "MemberImportVisibility", "InternalImportsByDefault"]
    target.swiftSettings = (target.swiftSettings ?? []) + features.map { SwiftSetting.enableUpcomingFeature($0) }
}
