// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live in their own package so that package-benchmark (and its jemalloc) stays out of users' graphs.
let package = Package(
    name: "EvidentBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Evident", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "HotPaths",
            dependencies: [
                .product(name: "Evident", package: "Evident"),
                .product(name: "EvidentBenchmarking", package: "Evident"),
            ],
            path: "Benchmarks/HotPaths"
        ),
        .executableTarget(
            name: "HotPathCounts",
            dependencies: ["HotPaths"],
            path: "Benchmarks/HotPathCounts"
        ),
        .executableTarget(
            name: "GroundingBenchmarks",
            dependencies: [
                .product(name: "Evident", package: "Evident"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GroundingBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "HotPathBenchmarks",
            dependencies: [
                "HotPaths",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/HotPathBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EncoderBenchmarks",
            dependencies: [
                .product(name: "Evident", package: "Evident"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/EncoderBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LexicalBenchmarks",
            dependencies: [
                .product(name: "Evident", package: "Evident"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LexicalBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VectorBenchmarks",
            dependencies: [
                .product(name: "Evident", package: "Evident"),
                .product(name: "EvidentBenchmarking", package: "Evident"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/VectorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
