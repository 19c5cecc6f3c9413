import Benchmark
import Evident
import EvidentBenchmarking
import Foundation

// Exact (fp32) and quantized (int8) vector search: one query at a time and batches of 16, 64 and 256, on one and
// two threads, top 10.
//
// Data: random unit vectors of 384 elements (a MiniLM-sized embedding) from a seeded generator, 10k and 100k of
// them, plus 1M when EVIDENT_BENCH_LARGE=1 (1.5 GB of fp32 plus 384 MB of codes). Each benchmark runs in its own
// process; the vectors and indexes are made on first use, before `startMeasurement()`.
//
// Instead of random data, EVIDENT_BENCH_VECTORS=FILE (and optionally EVIDENT_BENCH_QUERIES=FILE) searches vectors
// read from disk, so another engine can search the same data (Scripts/compare-faiss.sh). The format: raw
// little-endian float32, row-major, no header, in FILE; its shape in FILE.json, `{"count": N, "dimension": D}`.
// The benchmarks are then named `<kind>/file/...`.

/// The number of elements of the random vectors.
private let dimension = 384
/// Matches asked for per query.
private let limit = 10
/// Random queries per data set; single-query benchmarks cycle through them.
private let randomQueryCount = 1024

private let environment = ProcessInfo.processInfo.environment

/// `count` vectors of `dimension` elements, uniform in [-1, 1) per element and then scaled to unit length.
private func randomUnitVectors(count: Int, dimension: Int, seed: UInt64) -> [Float] {
    var generator = SplitMix64(seed: seed)
    var vectors = [Float](repeating: 0, count: count * dimension)
    vectors.withUnsafeMutableBufferPointer { vectors in
        for row in 0..<count {
            var squares: Float = 0
            for column in 0..<dimension {
                // The top 24 bits make a float in [0, 1) exactly.
                let value = Float(generator.next() >> 40) * 0x1p-24 * 2 - 1
                vectors[row * dimension + column] = value
                squares += value * value
            }
            let scale = squares > 0 ? 1 / squares.squareRoot() : 0
            for column in 0..<dimension { vectors[row * dimension + column] *= scale }
        }
    }
    return vectors
}

/// Reads a raw little-endian float32 file whose shape is in the JSON file beside it (`FILE.json`).
private func readVectorFile(_ path: String) -> (vectors: [Float], count: Int, dimension: Int) {
    struct Shape: Decodable {
        var count: Int
        var dimension: Int
    }
    do {
        let shape = try JSONDecoder().decode(
            Shape.self, from: Data(contentsOf: URL(fileURLWithPath: path + ".json")))
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard shape.count > 0, shape.dimension > 0, data.count == shape.count * shape.dimension * 4 else {
            fatalError("\(path): \(data.count) bytes, but \(path).json says \(shape.count) × \(shape.dimension) floats")
        }
        var vectors = [Float](repeating: 0, count: shape.count * shape.dimension)
        vectors.withUnsafeMutableBytes { _ = data.copyBytes(to: $0) }
        // The file is little-endian; so is every machine this runs on, but say so rather than assume it silently.
        precondition(UInt32(1).littleEndian == 1, "big-endian hosts would need a byte swap here")
        return (vectors, shape.count, shape.dimension)
    } catch {
        fatalError("cannot read \(path) (and its shape in \(path).json): \(error)")
    }
}

/// One data set: the exact index, its quantized copy (made only when an int8 benchmark asks), and queries.
private final class DataSet: @unchecked Sendable {
    let flat: FlatVectorIndex
    let plain: FlatVectorIndex
    let queries: [[Float]]
    private let lock = NSLock()
    private var quantized: Int8VectorIndex?

    init(flat: FlatVectorIndex, queries: [[Float]]) {
        self.flat = flat
        var plain = flat
        plain.screening = .off
        self.plain = plain
        self.queries = queries
    }

    var int8: Int8VectorIndex {
        lock.lock()
        defer { lock.unlock() }
        if let quantized { return quantized }
        let made = Int8VectorIndex(quantizing: flat)
        quantized = made
        // Not a time, but the number that makes int8's times worth reading: how much of the exact top 10 it finds.
        let sample = Array(queries.prefix(256))
        let recall = made.recall(against: flat, queries: sample, limit: limit)
        print("int8 recall@\(limit) against exact search, \(sample.count) queries, \(flat.count) vectors: \(recall)")
        return made
    }
}

/// What a data set is made from; its label names the benchmarks.
private enum Source: Sendable {
    case random(count: Int)
    case file(vectors: String, queries: String?)

    var label: String {
        switch self {
        case .random(let count):
            count >= 1_000_000 && count % 1_000_000 == 0
                ? "\(count / 1_000_000)M" : count % 1000 == 0 ? "\(count / 1000)k" : "\(count)"
        case .file: "file"
        }
    }
}

/// Data sets, made once per process on first use.
private final class Fixtures: @unchecked Sendable {
    static let shared = Fixtures()
    private let lock = NSLock()
    private var sets: [String: DataSet] = [:]

    func dataSet(_ source: Source) -> DataSet {
        lock.lock()
        defer { lock.unlock() }
        if let set = sets[source.label] { return set }
        let set: DataSet
        switch source {
        case .random(let count):
            let vectors = randomUnitVectors(count: count, dimension: dimension, seed: 42)
            let queries = randomUnitVectors(count: randomQueryCount, dimension: dimension, seed: 7)
            set = DataSet(
                flat: FlatVectorIndex(dimension: dimension, vectors: vectors),
                queries: rows(queries, dimension: dimension))
        case .file(let vectorPath, let queryPath):
            let (vectors, _, fileDimension) = readVectorFile(vectorPath)
            let queries: [[Float]]
            if let queryPath {
                let read = readVectorFile(queryPath)
                precondition(
                    read.dimension == fileDimension, "queries have \(read.dimension) elements, vectors \(fileDimension)"
                )
                queries = rows(read.vectors, dimension: fileDimension)
            } else {
                queries = rows(
                    randomUnitVectors(count: randomQueryCount, dimension: fileDimension, seed: 7),
                    dimension: fileDimension)
            }
            set = DataSet(flat: FlatVectorIndex(dimension: fileDimension, vectors: vectors), queries: queries)
        }
        sets[source.label] = set
        return set
    }
}

private func rows(_ matrix: [Float], dimension: Int) -> [[Float]] {
    stride(from: 0, to: matrix.count, by: dimension).map { Array(matrix[$0..<($0 + dimension)]) }
}

/// The `size` queries starting at `start`, wrapping around.
private func batch(of queries: [[Float]], size: Int, start: Int) -> [[Float]] {
    (0..<size).map { queries[(start + $0) % queries.count] }
}

private enum Kind: String, CaseIterable, Sendable {
    /// Exact search as users get it: through the bfloat16 screen where the processor has AMX.
    case fp32
    /// Exact search scoring every vector in fp32 (the path without AMX).
    case fp32Plain = "fp32-plain"
    case int8
}

let benchmarks: @Sendable () -> Void = {
    let onCI = environment["CI"] != nil
    let queriesPerSecond = BenchmarkMetric.custom("queries/s", polarity: .prefersLarger, useScalingFactor: false)
    let timeMetrics: [BenchmarkMetric] = onCI ? [.instructions] : [.wallClock, .throughput]

    let sources: [Source]
    if let vectors = environment["EVIDENT_BENCH_VECTORS"], !vectors.isEmpty {
        sources = [
            .file(vectors: vectors, queries: environment["EVIDENT_BENCH_QUERIES"].flatMap { $0.isEmpty ? nil : $0 })
        ]
    } else {
        sources =
            [.random(count: 10_000), .random(count: 100_000)]
            + (environment["EVIDENT_BENCH_LARGE"] == "1" ? [.random(count: 1_000_000)] : [])
    }

    // Microseconds always, so exported percentiles keep their precision whatever the magnitude.
    Benchmark.defaultConfiguration = .init(
        metrics: timeMetrics,
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 5_000
    )

    for source in sources {
        // Without AMX, fp32 and fp32-plain are the same path: skip the copy.
        for kind in Kind.allCases where kind != .fp32Plain || FlatVectorIndex.screeningIsAvailable {
            for threads in [1, 2] {
                // One query per iteration, cycling through the queries: the latency of one search.
                Benchmark("\(kind)/\(source.label)/single/t\(threads)") { benchmark in
                    let set = Fixtures.shared.dataSet(source)
                    let queries = set.queries
                    let int8 = kind == .int8 ? set.int8 : nil
                    var next = 0
                    benchmark.startMeasurement()
                    for _ in benchmark.scaledIterations {
                        let query = queries[next % queries.count]
                        if let int8 {
                            blackHole(int8.search(query, limit: limit, threadCount: threads))
                        } else {
                            let flat = kind == .fp32Plain ? set.plain : set.flat
                            blackHole(flat.search(query, limit: limit, threadCount: threads))
                        }
                        next += 1
                    }
                }

                // One batch per iteration: wall clock is the time of the whole batch, queries/s its throughput.
                for size in [16, 64, 256] {
                    Benchmark(
                        "\(kind)/\(source.label)/batch\(size)/t\(threads)",
                        configuration: .init(
                            metrics: timeMetrics + (onCI ? [] : [queriesPerSecond]),
                            timeUnits: .microseconds,
                            warmupIterations: 2,
                            maxDuration: .seconds(2),
                            maxIterations: 1_000)
                    ) { benchmark in
                        let set = Fixtures.shared.dataSet(source)
                        let queries = set.queries
                        let int8 = kind == .int8 ? set.int8 : nil
                        // Batches made before the measurement, cycling through the queries.
                        let batches = (0..<max(1, queries.count / size)).map {
                            batch(of: queries, size: size, start: $0 * size)
                        }
                        var next = 0
                        benchmark.startMeasurement()
                        for _ in benchmark.scaledIterations {
                            let queries = batches[next % batches.count]
                            let start = ContinuousClock.now
                            if let int8 {
                                blackHole(int8.search(batch: queries, limit: limit, threadCount: threads))
                            } else {
                                let flat = kind == .fp32Plain ? set.plain : set.flat
                                blackHole(flat.search(batch: queries, limit: limit, threadCount: threads))
                            }
                            let elapsed = ContinuousClock.now - start
                            if !onCI {
                                let seconds =
                                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                                benchmark.measurement(queriesPerSecond, Int(Double(size) / seconds))
                            }
                            next += 1
                        }
                    }
                }
            }
        }
    }
}
