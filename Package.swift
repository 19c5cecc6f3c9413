// swift-tools-version: 6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Evident",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Evident", targets: ["Evident"]),
        .library(name: "EvidentCorpus", targets: ["EvidentCorpus"]),
        .library(name: "EvidentPDF", targets: ["EvidentPDF"]),
        .library(name: "EvidentServer", targets: ["EvidentServer"]),
        .library(name: "EvidentBenchmarking", targets: ["EvidentBenchmarking"]),
        .executable(name: "evident", targets: ["EvidentCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // The router's client of the shard servers (`evident serve --shards`).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CEvidentKernels"),
        // The engine's floors, bottom up. The stages whose boundary is stable are targets of their own, so that the
        // compiler keeps the arrows honest; `Evident` holds the rest, one folder a stage (Scripts/layering.py checks
        // that those folders form a stack), and re-exports the floors below it.
        // The only door to native code: OpenBLAS (BLAS.swift) and our C kernels (Kernels.swift).
        .target(name: "EvidentLinearAlgebra", dependencies: ["CBLAS", "CEvidentKernels"]),
        // The bytes of index files: memory maps, binary coding, checksums (swift-crypto), file magics, errors.
        .target(name: "EvidentStorage", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Documents and the readers of corpus formats; a reader that needs a system library gets its own target.
        // zlib, for gzip-compressed corpus files (`.xml.gz`): part of every Linux system, its headers in zlib1g-dev.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "EvidentCorpus", dependencies: ["CZlib"]),
        // The PDF reader: poppler (Debian libpoppler-glib-dev) behind its own target, registered by the CLI and the
        // server, so that a program using the engine links poppler only if it reads PDF.
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib", providers: [.apt(["libpoppler-glib-dev"])]),
        .target(name: "EvidentPDF", dependencies: ["CPoppler", "EvidentCorpus"]),
        .target(
            name: "Evident",
            dependencies: [
                "EvidentCorpus",
                "EvidentLinearAlgebra",
                "EvidentStorage",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The bench lab: `evident bench`'s measurements, report and charts, beside the engine and not in it.
        .target(name: "EvidentBenchmarking", dependencies: ["Evident"]),
        .target(
            name: "EvidentServer",
            dependencies: [
                "Evident",
                "EvidentPDF",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "EvidentCLI",
            dependencies: [
                "Evident", "EvidentBenchmarking", "EvidentPDF", "EvidentServer", argumentParser,
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // Shared test fixtures and helpers (tests only; not part of any product).
        .target(name: "EvidentTestSupport", dependencies: ["Evident"]),
        .testTarget(
            name: "EvidentTests",
            dependencies: ["Evident", "EvidentBenchmarking", "EvidentCorpus", "EvidentPDF", "EvidentTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "EvidentBenchmarkingTests", dependencies: ["EvidentBenchmarking", "Evident", "EvidentTestSupport"]),
        .testTarget(name: "EvidentCLITests", dependencies: ["EvidentCLI", "Evident", "EvidentTestSupport"]),
        .testTarget(
            name: "EvidentServerTests",
            dependencies: [
                "EvidentServer", "Evident", "EvidentPDF", "EvidentTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)

for target in package.targets where [.regular, .executable, .test].contains(target.type) {
    let features = ["ExistentialAny", "MemberImportVisibility", "InternalImportsByDefault"]
    target.swiftSettings = (target.swiftSettings ?? []) + features.map { SwiftSetting.enableUpcomingFeature($0) }
}
