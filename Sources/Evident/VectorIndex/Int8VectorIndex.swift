import Dispatch

/// A scalar-quantized copy of a `FlatVectorIndex`, a quarter of its size, searched approximately and then
/// re-scored exactly.
///
/// Each dimension is coded in 8 bits on its own range over all vectors (`ScalarQuantizer`), and scored against a
/// query with the unsigned-by-signed 8-bit products of AVX-512 VNNI's `vpdpbusd`, 64 pairs per instruction. The
/// best `limit × rescoreFactor` candidates by quantized score are re-scored in 32-bit floats against the flat
/// index, so the returned scores are exact.
public struct Int8VectorIndex: Sendable {
    /// The number of elements of every vector.
    public var dimension: Int { flat.dimension }
    /// The number of vectors.
    public var count: Int { flat.count }
    /// The index whose vectors re-score the candidates.
    let flat: FlatVectorIndex
    /// Each dimension's range.
    let quantizer: ScalarQuantizer
    /// The codes, row-major, `dimension` bytes per vector.
    let codes: VectorStorage<UInt8>

    /// Vectors scored per block of a batch: their codes stay in the second-level cache while every query of the
    /// batch is scored against them.
    static let batchBlockRows = 512

    /// Quantizes every vector of `flat`.
    ///
    /// - Parameter flat: The exact index; kept for re-scoring.
    /// - Complexity: O(*n* · `dimension`).
    public init(quantizing flat: FlatVectorIndex) {
        let dimension = flat.dimension
        let count = flat.count
        var codes = [UInt8](repeating: 0, count: count * dimension)
        let quantizer = flat.storage.withElements { vectors in
            let quantizer = ScalarQuantizer(fitting: vectors, count: count, dimension: dimension)
            codes.withUnsafeMutableBufferPointer { codes in
                for row in 0..<count {
                    quantizer.encode(
                        UnsafeBufferPointer(rebasing: vectors[(row * dimension)..<((row + 1) * dimension)]),
                        into: UnsafeMutableBufferPointer(rebasing: codes[(row * dimension)..<((row + 1) * dimension)]))
                }
            }
            return quantizer
        }
        self.init(flat: flat, quantizer: quantizer, codes: .array(codes))
    }

    init(flat: FlatVectorIndex, quantizer: ScalarQuantizer, codes: VectorStorage<UInt8>) {
        self.flat = flat
        self.quantizer = quantizer
        self.codes = codes
    }

    /// Returns the `limit` vectors with the highest inner product with `query`, best first.
    ///
    /// Candidates are chosen by the quantized score; their returned scores are exact, and equal scores rank the
    /// lower index first.
    ///
    /// - Parameters:
    ///   - query: A vector of `dimension` elements.
    ///   - limit: The maximum number of matches.
    ///   - rescoreFactor: The number of candidates re-scored exactly, as a multiple of `limit`; at least 1.
    ///   - threadCount: 1 scores on the calling thread; 2 or more split the vectors between that many threads.
    /// - Returns: At most `limit` matches, best first.
    /// - Complexity: O(*n* · `dimension` + *n* log *c* + *c* · `dimension`) for *n* vectors and *c* candidates.
    public func search(_ query: [Float], limit: Int, rescoreFactor: Int = 4, threadCount: Int = 1) -> [VectorMatch] {
        let quantized = quantizer.quantize(query)
        guard limit > 0, count > 0 else { return [] }
        let candidateCount = candidateCount(limit: limit, rescoreFactor: rescoreFactor)
        let parts = FlatVectorIndex.partCount(rows: count, threadCount: threadCount)
        var tops = [TopMatches](repeating: TopMatches(limit: candidateCount), count: parts)
        codes.withElements { codes in
            quantized.withUnsafeBufferPointer { query in
                tops.withUnsafeMutableBufferPointer { tops in
                    // Each part writes its own element; the buffers outlive the concurrent calls.
                    nonisolated(unsafe) let (tops, query, codes) = (tops, query, codes)
                    FlatVectorIndex.forEachPart(parts, rows: count) { part, rows in
                        tops[part] = candidates(of: query, in: codes, rows: rows, limit: candidateCount)
                    }
                }
            }
        }
        var merged = tops[0]
        for part in tops.dropFirst() { merged.merge(part) }
        return rescore(merged, query: query, limit: limit)
    }

    /// The share of the exact top `limit` (found by `exact`, the index this one quantizes) that this index finds,
    /// over `queries`: recall@`limit` against exact search.
    ///
    /// - Parameters:
    ///   - exact: The flat index this index was made from.
    ///   - queries: Vectors of `dimension` elements each.
    ///   - limit: The number of matches compared per query.
    ///   - rescoreFactor: As in `search(_:limit:rescoreFactor:threadCount:)`.
    /// - Returns: Found matches of the exact top lists over their total size, in [0, 1]; 1 for no matches at all.
    public func recall(
        against exact: FlatVectorIndex, queries: [[Float]], limit: Int = 10, rescoreFactor: Int = 4
    ) -> Double {
        precondition(exact.count == count && exact.dimension == dimension, "recall needs the index this one quantizes")
        let truth = exact.search(batch: queries, limit: limit)
        let found = search(batch: queries, limit: limit, rescoreFactor: rescoreFactor)
        return VectorMatch.recall(found: found, truth: truth)
    }

    /// Returns, for each query, the `limit` vectors with the highest inner product, best first.
    ///
    /// The vectors are scored a block at a time against every query, so each block's codes are read from memory
    /// once per batch; the matches equal `search(_:limit:rescoreFactor:threadCount:)`'s.
    ///
    /// - Parameters:
    ///   - queries: Vectors of `dimension` elements each.
    ///   - limit: The maximum number of matches per query.
    ///   - rescoreFactor: The number of candidates re-scored exactly, as a multiple of `limit`; at least 1.
    ///   - threadCount: The number of threads the queries are split between.
    /// - Returns: One list of at most `limit` matches per query, best first.
    /// - Complexity: O(*m* · (*n* · `dimension` + *n* log *c* + *c* · `dimension`)) for *m* queries.
    public func search(batch queries: [[Float]], limit: Int, rescoreFactor: Int = 4, threadCount: Int = 1)
        -> [[VectorMatch]]
    {
        let quantized = queries.map(quantizer.quantize)
        guard limit > 0, count > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        if queries.count == 1 {
            return [search(queries[0], limit: limit, rescoreFactor: rescoreFactor, threadCount: threadCount)]
        }
        let candidateCount = candidateCount(limit: limit, rescoreFactor: rescoreFactor)
        let parts = max(1, min(threadCount, queries.count))
        var results = [[VectorMatch]](repeating: [], count: queries.count)
        codes.withElements { codes in
            results.withUnsafeMutableBufferPointer { results in
                // Each part writes the results of its own queries; the buffers outlive the concurrent calls.
                nonisolated(unsafe) let (results, codes) = (results, codes)
                FlatVectorIndex.forEachPart(parts, rows: queries.count) { _, queryRange in
                    let partQueries = queryRange.map { quantized[$0] }
                    let tops = candidates(of: partQueries, in: codes, limit: candidateCount)
                    for (query, candidates) in zip(queryRange, tops) {
                        results[query] = rescore(candidates, query: queries[query], limit: limit)
                    }
                }
            }
        }
        return results
    }

    /// `limit × rescoreFactor`, at most `count`.
    func candidateCount(limit: Int, rescoreFactor: Int) -> Int {
        let (product, overflow) = limit.multipliedReportingOverflow(by: max(rescoreFactor, 1))
        return overflow ? count : min(product, count)
    }

    /// Scores `rows` by their codes, block by block, and keeps the `limit` best.
    private func candidates(
        of query: UnsafeBufferPointer<Int8>, in codes: UnsafeBufferPointer<UInt8>, rows: Range<Int>, limit: Int
    ) -> TopMatches {
        var top = TopMatches(limit: limit)
        let blockRows = min(FlatVectorIndex.blockRows, rows.count)
        let integers = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(blockRows, 1))
        defer { integers.deallocate() }
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(blockRows, 1))
        defer { scores.deallocate() }
        ScalarQuantizer.offer(
            codes: codes, rows: rows, dimension: dimension, query: query, to: &top, scratch: (integers, scores))
        return top
    }

    /// Scores every vector against each of `queries`, a block of vectors at a time, and keeps each query's `limit`
    /// best.
    private func candidates(of queries: [[Int8]], in codes: UnsafeBufferPointer<UInt8>, limit: Int) -> [TopMatches] {
        var tops = [TopMatches](repeating: TopMatches(limit: limit), count: queries.count)
        let blockRows = Self.batchBlockRows
        let integers = UnsafeMutableBufferPointer<Int32>.allocate(capacity: blockRows)
        defer { integers.deallocate() }
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockRows)
        defer { scores.deallocate() }
        var start = 0
        while start < count {
            let end = min(start + blockRows, count)
            for (position, query) in queries.enumerated() {
                query.withUnsafeBufferPointer { query in
                    Kernels.innerProducts(
                        codes: UnsafeBufferPointer(rebasing: codes[(start * dimension)..<(end * dimension)]),
                        rows: end - start, dimension: dimension, query: query, into: integers)
                }
                for row in 0..<(end - start) { scores[row] = Float(integers[row]) }
                tops[position].insert(
                    scores: UnsafeBufferPointer(rebasing: scores[0..<(end - start)]), firstIndex: start)
            }
            start = end
        }
        return tops
    }

    /// Re-scores the candidates exactly and returns the `limit` best.
    private func rescore(_ candidates: TopMatches, query: [Float], limit: Int) -> [VectorMatch] {
        var top = TopMatches(limit: limit)
        flat.storage.withElements { vectors in
            query.withUnsafeBufferPointer { query in
                for candidate in candidates.unordered {
                    let row = candidate.index
                    let score = Kernels.dotProduct(
                        UnsafeBufferPointer(rebasing: vectors[(row * dimension)..<((row + 1) * dimension)]), query)
                    top.insert(VectorMatch(index: candidate.index, score: score))
                }
            }
        }
        return top.sorted
    }
}
