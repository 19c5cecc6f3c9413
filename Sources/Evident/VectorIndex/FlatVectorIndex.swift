import Dispatch

/// An exact inner-product index over L2-normalised embeddings, stored as row-major 32-bit floats.
///
/// One query is scored by a runtime-dispatched AVX-512/AVX2 kernel (as fast as OpenBLAS's `sgemv` when OpenBLAS
/// picks its AVX-512 kernels, twice as fast when it does not); a batch of fewer than 64 queries by a kernel that
/// reads each vector once for the whole batch, a larger one by `sgemm` per block of vectors. The index is immutable
/// and safe to search from many tasks at once.
public struct FlatVectorIndex: Sendable {
    /// How one query is scored; the kernel unless a benchmark asks for `sgemv`.
    enum SingleQueryMethod: Sendable {
        case kernel
        case gemv
    }

    /// The number of elements of every vector.
    public let dimension: Int
    private let vectorCount: Int
    let storage: VectorStorage<Float>
    /// The bfloat16 copy behind the screen, made on first use.
    let screenCopy = ScreenCopy()

    /// Whether searches may find their candidates with the bfloat16 screen (results are exact either way).
    public var screening = Screening.automatic

    /// Vectors scored per block: a block's scores stay in the first-level cache while they are selected.
    static let blockRows = 2048
    /// A thread gets at least this many vectors; below it, splitting the work costs more than it saves.
    static let minimumRowsPerThread = 8192

    /// The number of vectors.
    public var count: Int { vectorCount }

    /// Creates an index over `vectors`, `dimension` elements each, row-major.
    ///
    /// - Parameters:
    ///   - dimension: The number of elements of every vector; positive.
    ///   - vectors: The vectors, concatenated; `vectors.count` is a multiple of `dimension`.
    public init(dimension: Int, vectors: [Float]) {
        precondition(dimension > 0, "a vector index needs a positive dimension")
        precondition(
            vectors.count % dimension == 0, "\(vectors.count) elements are not whole vectors of \(dimension)")
        self.dimension = dimension
        vectorCount = vectors.count / dimension
        storage = .array(vectors)
    }

    init(dimension: Int, count: Int, storage: VectorStorage<Float>) {
        self.dimension = dimension
        vectorCount = count
        self.storage = storage
    }

    /// Returns the vector at `index`.
    ///
    /// - Parameter index: A position in `0..<count`.
    /// - Returns: A copy of the vector's `dimension` elements.
    public func vector(at index: Int) -> [Float] {
        precondition(index >= 0 && index < count, "vector \(index) is outside 0..<\(count)")
        return storage.withElements { Array($0[(index * dimension)..<((index + 1) * dimension)]) }
    }

    /// Returns the `limit` vectors with the highest inner product with `query`, best first.
    ///
    /// Equal scores rank the lower index first.
    ///
    /// - Parameters:
    ///   - query: A vector of `dimension` elements.
    ///   - limit: The maximum number of matches.
    ///   - threadCount: 1 scores on the calling thread; 2 or more split the vectors between that many threads.
    /// - Returns: At most `limit` matches, best first.
    /// - Complexity: O(*n* · `dimension` + *n* log `limit`) for *n* vectors.
    public func search(_ query: [Float], limit: Int, threadCount: Int = 1) -> [VectorMatch] {
        precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        guard limit > 0, count > 0 else { return [] }
        if usesScreen { return screenedSearch([query], limit: limit, threadCount: threadCount)[0] }
        return search(query, limit: limit, threadCount: threadCount, method: .kernel)
    }

    /// Returns the `limit` vectors of `allowed` with the highest inner product with `query`, best first: every
    /// vector of the set is scored, run by run.
    ///
    /// - Complexity: O(*m* · `dimension` + *m* log `limit`) for *m* vectors in `allowed`, plus O(*n* / 64) to find
    ///   its runs.
    public func search(_ query: [Float], limit: Int, among allowed: RowSet) -> [VectorMatch] {
        precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        precondition(allowed.rowCount == count, "a set of \(allowed.rowCount) rows for \(count) vectors")
        guard limit > 0, allowed.count > 0 else { return [] }
        return storage.withElements { vectors in
            query.withUnsafeBufferPointer { query in
                var top = TopMatches(limit: limit)
                let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(Self.blockRows, allowed.count))
                defer { scratch.deallocate() }
                // Runs ascend, so rows are offered in index order as `insert(scores:firstIndex:)` needs.
                for run in allowed.runs {
                    var start = run.lowerBound
                    while start < run.upperBound {
                        let end = min(start + scratch.count, run.upperBound)
                        let scores = UnsafeMutableBufferPointer(rebasing: scratch[0..<(end - start)])
                        Kernels.innerProducts(
                            UnsafeBufferPointer(rebasing: vectors[(start * dimension)..<(end * dimension)]),
                            rows: end - start, dimension: dimension, query: query, into: scores)
                        top.insert(scores: UnsafeBufferPointer(scores), firstIndex: start)
                        start = end
                    }
                }
                return top.sorted
            }
        }
    }

    /// `search(_:limit:threadCount:)` with a choice of scoring method, for benchmarks.
    func search(_ query: [Float], limit: Int, threadCount: Int, method: SingleQueryMethod) -> [VectorMatch] {
        precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        guard limit > 0, count > 0 else { return [] }
        let parts = Self.partCount(rows: count, threadCount: threadCount)
        return storage.withElements { vectors in
            query.withUnsafeBufferPointer { query in
                var tops = [TopMatches](repeating: TopMatches(limit: limit), count: parts)
                tops.withUnsafeMutableBufferPointer { tops in
                    // Each part writes its own element; the buffers outlive the concurrent calls.
                    nonisolated(unsafe) let (tops, query, vectors) = (tops, query, vectors)
                    Self.forEachPart(parts, rows: count) { part, rows in
                        tops[part] = topMatches(
                            of: query, in: vectors, rows: rows, limit: limit, method: method)
                    }
                }
                var best = tops[0]
                for part in tops.dropFirst() { best.merge(part) }
                return best.sorted
            }
        }
    }

    /// Scores `rows` block by block and keeps the `limit` best.
    private func topMatches(
        of query: UnsafeBufferPointer<Float>, in vectors: UnsafeBufferPointer<Float>, rows: Range<Int>, limit: Int,
        method: SingleQueryMethod
    ) -> TopMatches {
        var top = TopMatches(limit: limit)
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(Self.blockRows, rows.count))
        defer { scratch.deallocate() }
        var start = rows.lowerBound
        while start < rows.upperBound {
            let end = min(start + Self.blockRows, rows.upperBound)
            let block = UnsafeBufferPointer(rebasing: vectors[(start * dimension)..<(end * dimension)])
            let scores = UnsafeMutableBufferPointer(rebasing: scratch[0..<(end - start)])
            switch method {
            case .kernel:
                Kernels.innerProducts(block, rows: end - start, dimension: dimension, query: query, into: scores)
            case .gemv:
                BLAS.gemv(block, rows: end - start, columns: dimension, query, into: scores)
            }
            top.insert(scores: UnsafeBufferPointer(scores), firstIndex: start)
            start = end
        }
        return top
    }

    /// How a batch of queries is scored.
    enum BatchMethod: Sendable {
        /// The 4-vector × 4-query kernel: each vector read once per batch, scores equal to single queries'.
        case kernel
        /// OpenBLAS `sgemm`, one block of vectors at a time.
        case gemm
    }

    /// Batches of at least this many queries go to `sgemm`, smaller ones to the kernel.
    static let gemmBatchSize = 64

    /// Returns, for each query, the `limit` vectors with the highest inner product, best first.
    ///
    /// Batches of fewer than 64 queries are scored by a kernel that reads each vector once for the whole batch and
    /// gives the same scores as `search(_:limit:threadCount:)`; larger batches by `sgemm`, one block of vectors at a
    /// time, whose scores equal the single-query ones up to rounding.
    ///
    /// - Parameters:
    ///   - queries: Vectors of `dimension` elements each.
    ///   - limit: The maximum number of matches per query.
    ///   - threadCount: The number of threads; for `sgemm` batches, the number of OpenBLAS threads (a process-wide
    ///     OpenBLAS setting, changed for the batch and put back after it).
    /// - Returns: One list of at most `limit` matches per query, best first.
    /// - Complexity: O(*m* · *n* · `dimension` + *m* · *n* log `limit`) for *m* queries and *n* vectors.
    public func search(batch queries: [[Float]], limit: Int, threadCount: Int = 1) -> [[VectorMatch]] {
        for query in queries {
            precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        }
        guard limit > 0, count > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        if usesScreen { return screenedSearch(queries, limit: limit, threadCount: threadCount) }
        let method: BatchMethod = queries.count >= Self.gemmBatchSize ? .gemm : .kernel
        return search(batch: queries, limit: limit, threadCount: threadCount, method: method)
    }

    /// `search(batch:limit:threadCount:)` with a choice of scoring method, for tests and benchmarks.
    func search(batch queries: [[Float]], limit: Int, threadCount: Int, method: BatchMethod) -> [[VectorMatch]] {
        for query in queries {
            precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        }
        guard limit > 0, count > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        if queries.count == 1 { return [search(queries[0], limit: limit, threadCount: threadCount)] }
        let queryMatrix = queries.flatMap { $0 }
        switch method {
        case .kernel: return kernelBatch(queryMatrix, queryCount: queries.count, limit: limit, threadCount: threadCount)
        case .gemm: return gemmBatch(queryMatrix, queryCount: queries.count, limit: limit, threadCount: threadCount)
        }
    }

    /// Splits the vectors between threads; each scores its blocks against every query with the batch kernel.
    private func kernelBatch(_ queryMatrix: [Float], queryCount: Int, limit: Int, threadCount: Int) -> [[VectorMatch]] {
        let parts = Self.partCount(rows: count, threadCount: threadCount)
        var partTops = [[TopMatches]](repeating: [], count: parts)
        storage.withElements { vectors in
            queryMatrix.withUnsafeBufferPointer { queryMatrix in
                partTops.withUnsafeMutableBufferPointer { partTops in
                    // Each part writes its own element; the buffers outlive the concurrent calls.
                    nonisolated(unsafe) let (partTops, queryMatrix, vectors) = (partTops, queryMatrix, vectors)
                    Self.forEachPart(parts, rows: count) { part, rows in
                        var tops = [TopMatches](repeating: TopMatches(limit: limit), count: queryCount)
                        let blockRows = 256
                        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: queryCount * blockRows)
                        defer { scores.deallocate() }
                        var start = rows.lowerBound
                        while start < rows.upperBound {
                            let end = min(start + blockRows, rows.upperBound)
                            Kernels.innerProducts(
                                UnsafeBufferPointer(rebasing: vectors[(start * dimension)..<(end * dimension)]),
                                rows: end - start, dimension: dimension, queries: queryMatrix,
                                queryCount: queryCount, into: scores)
                            for query in 0..<queryCount {
                                let first = query * (end - start)
                                tops[query].insert(
                                    scores: UnsafeBufferPointer(rebasing: scores[first..<(first + end - start)]),
                                    firstIndex: start)
                            }
                            start = end
                        }
                        partTops[part] = tops
                    }
                }
            }
        }
        return (0..<queryCount).map { query in
            var best = partTops[0][query]
            for part in partTops.dropFirst() { best.merge(part[query]) }
            return best.sorted
        }
    }

    /// Multiplies the queries by blocks of vectors with `sgemm` and selects from each block's scores.
    private func gemmBatch(_ queryMatrix: [Float], queryCount: Int, limit: Int, threadCount: Int) -> [[VectorMatch]] {
        BLAS.withThreadCount(threadCount) {
            gemmBatch(
                queryMatrix, queryCount: queryCount, limit: limit, selectionParts: min(max(threadCount, 1), queryCount))
        }
    }

    private func gemmBatch(_ queryMatrix: [Float], queryCount: Int, limit: Int, selectionParts: Int) -> [[VectorMatch]]
    {
        // About 4 MiB of scores per block, and never fewer than 1024 vectors.
        let blockRows = min(count, max(1024, (1 << 20) / queryCount))
        var tops = [TopMatches](repeating: TopMatches(limit: limit), count: queryCount)
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: queryCount * blockRows)
        defer { scores.deallocate() }
        storage.withElements { vectors in
            queryMatrix.withUnsafeBufferPointer { queryMatrix in
                tops.withUnsafeMutableBufferPointer { tops in
                    var start = 0
                    while start < count {
                        let rows = min(blockRows, count - start)
                        let block = UnsafeBufferPointer(
                            rebasing: vectors[(start * dimension)..<((start + rows) * dimension)])
                        BLAS.gemm(
                            queryMatrix, block, transposeB: true, into: scores, m: queryCount, n: rows, k: dimension)
                        // Each part selects for its own queries; the buffers outlive the concurrent calls.
                        nonisolated(unsafe) let (tops, scores) = (tops, scores)
                        let firstIndex = start
                        Self.forEachPart(selectionParts, rows: queryCount) { _, queryRange in
                            for query in queryRange {
                                let row = UnsafeBufferPointer(rebasing: scores[(query * rows)..<((query + 1) * rows)])
                                tops[query].insert(scores: row, firstIndex: firstIndex)
                            }
                        }
                        start += rows
                    }
                }
            }
        }
        return tops.map(\.sorted)
    }

    /// The number of threads to split `rows` between.
    static func partCount(rows: Int, threadCount: Int) -> Int {
        max(1, min(threadCount, rows / minimumRowsPerThread))
    }

    /// `search` applied to each of `queries`, the queries split between `threadCount` threads.
    static func searchEach(
        _ queries: [[Float]], threadCount: Int, _ search: @Sendable ([Float]) -> [VectorMatch]
    ) -> [[VectorMatch]] {
        var results = [[VectorMatch]](repeating: [], count: queries.count)
        results.withUnsafeMutableBufferPointer { results in
            // Each part writes the results of its own queries; the buffer outlives the concurrent calls.
            nonisolated(unsafe) let results = results
            forEachPart(max(1, min(threadCount, queries.count)), rows: queries.count) { _, range in
                for query in range { results[query] = search(queries[query]) }
            }
        }
        return results
    }

    /// Calls `body` with each of `parts` consecutive, nearly equal ranges of `0..<rows`, concurrently when
    /// `parts > 1`.
    static func forEachPart(_ parts: Int, rows: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        if parts <= 1 {
            body(0, 0..<rows)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                body(part, (rows * part / parts)..<(rows * (part + 1) / parts))
            }
        }
    }
}
