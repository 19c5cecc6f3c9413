import EvidentBenchmarking
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// The best `limit` matches computed in double precision, ties to the lower index.
private func bruteForce(_ query: [Float], vectors: [Float], dimension: Int, limit: Int) -> [(Int, Double)] {
    let count = vectors.count / dimension
    let scores = (0..<count).map { row in
        (0..<dimension).reduce(0.0) { $0 + Double(vectors[row * dimension + $1]) * Double(query[$1]) }
    }
    let order = (0..<count).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    return order.prefix(limit).map { ($0, scores[$0]) }
}

private func expectSameMatches(
    _ left: [VectorMatch], _ right: [VectorMatch], tolerance: Float, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(left.map(\.index) == right.map(\.index), sourceLocation: sourceLocation)
    for (left, right) in zip(left, right) {
        #expect(abs(left.score - right.score) <= tolerance, sourceLocation: sourceLocation)
    }
}

@Suite(.offThePool) struct VectorIndexTests {
    @Test(arguments: [(3000, 384), (1000, 37), (5, 1)])
    func flatSearchEqualsBruteForce(count: Int, dimension: Int) {
        var generator = SplitMix64(seed: UInt64(count * 1000 + dimension))
        let vectors = randomUnitVectors(count: count, dimension: dimension, generator: &generator)
        let index = FlatVectorIndex(dimension: dimension, vectors: vectors)
        #expect(index.count == count)
        for _ in 0..<5 {
            let query = normalised((0..<dimension).map { _ in generator.gaussian() })
            let expected = bruteForce(query, vectors: vectors, dimension: dimension, limit: 10)
            for method in [FlatVectorIndex.SingleQueryMethod.kernel, .gemv] {
                let found = index.search(query, limit: 10, threadCount: 1, method: method)
                #expect(found.map(\.index) == expected.map(\.0))
                for (match, (_, score)) in zip(found, expected) {
                    #expect(abs(Double(match.score) - score) <= 1e-5)
                }
            }
        }
    }

    @Test func batchSearchEqualsSingleQueries() {
        var generator = SplitMix64(seed: 7)
        let dimension = 48
        let vectors = randomUnitVectors(count: 5000, dimension: dimension, generator: &generator)
        let index = FlatVectorIndex(dimension: dimension, vectors: vectors)
        let queries = (0..<9).map { _ in normalised((0..<dimension).map { _ in generator.gaussian() }) }
        for threadCount in [1, 2] {
            let batch = index.search(batch: queries, limit: 7, threadCount: threadCount)
            #expect(batch.count == queries.count)
            let kernel = index.search(batch: queries, limit: 7, threadCount: threadCount, method: .kernel)
            let gemm = index.search(batch: queries, limit: 7, threadCount: threadCount, method: .gemm)
            for (position, query) in queries.enumerated() {
                let single = index.search(query, limit: 7)
                expectSameMatches(batch[position], single, tolerance: 1e-5)
                #expect(kernel[position] == single)
                expectSameMatches(gemm[position], single, tolerance: 1e-5)
            }
        }
        #expect(index.search(batch: [], limit: 3).isEmpty)
        #expect(index.search(batch: [queries[0]], limit: 3) == [index.search(queries[0], limit: 3)])
    }

    @Test func twoThreadsFindWhatOneThreadFinds() {
        var generator = SplitMix64(seed: 11)
        let dimension = 16
        let vectors = randomUnitVectors(count: 20_000, dimension: dimension, generator: &generator)
        let index = FlatVectorIndex(dimension: dimension, vectors: vectors)
        let quantized = Int8VectorIndex(quantizing: index)
        #expect(FlatVectorIndex.partCount(rows: index.count, threadCount: 2) == 2)
        let queries = (0..<4).map { _ in normalised((0..<dimension).map { _ in generator.gaussian() }) }
        for query in queries {
            for method in [FlatVectorIndex.SingleQueryMethod.kernel, .gemv] {
                #expect(
                    index.search(query, limit: 10, threadCount: 2, method: method)
                        == index.search(query, limit: 10, threadCount: 1, method: method))
            }
            #expect(
                quantized.search(query, limit: 10, threadCount: 2) == quantized.search(query, limit: 10, threadCount: 1)
            )
        }
        #expect(
            index.search(batch: queries, limit: 10, threadCount: 2, method: .kernel)
                == index.search(batch: queries, limit: 10, threadCount: 1, method: .kernel))
        let one = index.search(batch: queries, limit: 10, threadCount: 1, method: .gemm)
        let two = index.search(batch: queries, limit: 10, threadCount: 2, method: .gemm)
        for (one, two) in zip(one, two) { expectSameMatches(one, two, tolerance: 1e-6) }
        #expect(
            quantized.search(batch: queries, limit: 10, threadCount: 2)
                == quantized.search(batch: queries, limit: 10, threadCount: 1))
    }

    @Test func equalScoresRankTheLowerIndexFirst() {
        let dimension = 4
        let row: [Float] = [0.5, 0.5, 0.5, 0.5]
        let other: [Float] = [1, 0, 0, 0]
        // 20,000 equal vectors, so that both threads' halves hold ties; a lower-scoring vector at 0 and 10,000.
        var vectors: [Float] = []
        for position in 0..<20_000 { vectors += position % 10_000 == 0 ? other : row }
        let index = FlatVectorIndex(dimension: dimension, vectors: vectors)
        let quantized = Int8VectorIndex(quantizing: index)
        let query: [Float] = [0, 1, 0, 0]
        let expected = [1, 2, 3, 4, 5]
        for threadCount in [1, 2] {
            #expect(index.search(query, limit: 5, threadCount: threadCount).map(\.index) == expected)
            #expect(index.search(query, limit: 5, threadCount: threadCount, method: .gemv).map(\.index) == expected)
            #expect(quantized.search(query, limit: 5, threadCount: threadCount).map(\.index) == expected)
            for method in [FlatVectorIndex.BatchMethod.kernel, .gemm] {
                let batch = index.search(batch: [query, query], limit: 5, threadCount: threadCount, method: method)
                #expect(batch.map { $0.map(\.index) } == [expected, expected])
            }
            let quantizedBatch = quantized.search(batch: [query, query], limit: 5, threadCount: threadCount)
            #expect(quantizedBatch.map { $0.map(\.index) } == [expected, expected])
        }
        #expect(VectorMatch(index: 1, score: 0.5) > VectorMatch(index: 2, score: 0.5))
        #expect(VectorMatch(index: 9, score: 0.6) > VectorMatch(index: 2, score: 0.5))
    }

    @Test func aLimitAboveTheCountReturnsEveryVector() {
        let index = FlatVectorIndex(dimension: 2, vectors: [1, 0, 0, 1, 0.6, 0.8])
        let quantized = Int8VectorIndex(quantizing: index)
        let query: [Float] = [0, 1]
        #expect(index.search(query, limit: 10).map(\.index) == [1, 2, 0])
        #expect(index.search(batch: [query, [1, 0]], limit: 10).map { $0.map(\.index) } == [[1, 2, 0], [0, 2, 1]])
        #expect(quantized.search(query, limit: 10, rescoreFactor: 100).map(\.index) == [1, 2, 0])
        #expect(quantized.search(query, limit: Int.max).map(\.index) == [1, 2, 0])
        #expect(index.search(query, limit: 0).isEmpty)
        #expect(quantized.search(query, limit: 0).isEmpty)
        #expect(index.vector(at: 2) == [0.6, 0.8])
    }

    @Test func anEmptyIndexFindsNothing() throws {
        let index = FlatVectorIndex(dimension: 3, vectors: [])
        let quantized = Int8VectorIndex(quantizing: index)
        #expect(index.count == 0)
        #expect(index.search([1, 0, 0], limit: 5, threadCount: 2).isEmpty)
        #expect(index.search(batch: [[1, 0, 0], [0, 1, 0]], limit: 5) == [[], []])
        #expect(quantized.search([1, 0, 0], limit: 5).isEmpty)
        #expect(quantized.search(batch: [[1, 0, 0], [0, 1, 0]], limit: 5) == [[], []])
        let reopened = try FlatVectorIndex(ReadOnlyBytes(copying: index.encoded(), path: "empty.vectors"))
        #expect(reopened.count == 0 && reopened.dimension == 3)
        let reopenedQuantized = try Int8VectorIndex(
            ReadOnlyBytes(copying: quantized.encoded(), path: "empty.int8"), rescoringWith: reopened)
        #expect(reopenedQuantized.search([1, 0, 0], limit: 5).isEmpty)
    }

    @Test(arguments: ["random", "clustered"])
    func int8RecallAtTenIsAtLeast99Percent(data: String) {
        var generator = SplitMix64(seed: data == "random" ? 21 : 22)
        let dimension = 384
        let count = 20_000
        let vectors =
            data == "random"
            ? randomUnitVectors(count: count, dimension: dimension, generator: &generator)
            : clusteredUnitVectors(
                count: count, dimension: dimension, centreCount: 200, spread: 0.04, generator: &generator)
        let index = FlatVectorIndex(dimension: dimension, vectors: vectors)
        let quantized = Int8VectorIndex(quantizing: index)
        // Queries from the same distribution: perturbed copies of indexed vectors.
        let queries = (0..<100).map { _ in
            let row = Int.random(in: 0..<count, using: &generator)
            return normalised(index.vector(at: row).map { $0 + 0.03 * generator.gaussian() })
        }
        let truth = index.search(batch: queries, limit: 10)
        let found = quantized.search(batch: queries, limit: 10)
        let measured = quantized.recall(against: index, queries: queries)
        #expect(measured >= 0.99, "recall@10 \(measured) on \(data) data")
        let hits = zip(found, truth).reduce(0) { $0 + Set($1.0.map(\.index)).intersection($1.1.map(\.index)).count }
        #expect(measured == Double(hits) / Double(truth.joined().count))
        // Scores of the matches found are exact.
        for (found, query) in zip(found, queries) {
            for match in found {
                let exact = zip(index.vector(at: match.index), query).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                #expect(abs(match.score - exact) <= 1e-5)
            }
        }
        for query in queries.prefix(5) {
            #expect(quantized.search(query, limit: 10) == found[queries.firstIndex(of: query) ?? 0])
        }
    }

    @Test func indexesRoundTripThroughTheirEncodedBytes() throws {
        var generator = SplitMix64(seed: 31)
        let dimension = 24
        let index = FlatVectorIndex(
            dimension: dimension, vectors: randomUnitVectors(count: 300, dimension: dimension, generator: &generator))
        let quantized = Int8VectorIndex(quantizing: index)
        let flatBytes = ReadOnlyBytes(copying: index.encoded(), path: "test.vectors")
        let reopened = try FlatVectorIndex(flatBytes)
        let reopenedQuantized = try Int8VectorIndex(
            ReadOnlyBytes(copying: quantized.encoded(), path: "test.int8"), rescoringWith: reopened)
        #expect(reopened.dimension == dimension && reopened.count == 300)
        #expect(reopened.encoded() == index.encoded())
        #expect(reopenedQuantized.encoded() == quantized.encoded())
        for row in [0, 17, 299] { #expect(reopened.vector(at: row) == index.vector(at: row)) }
        let query = normalised((0..<dimension).map { _ in generator.gaussian() })
        #expect(reopened.search(query, limit: 10) == index.search(query, limit: 10))
        #expect(reopenedQuantized.search(query, limit: 10) == quantized.search(query, limit: 10))
        // The reopened index reads the vectors in place.
        if case .mapped(_, let view) = reopened.storage {
            #expect(view.baseAddress.map { UnsafeRawPointer($0) } == flatBytes.bytes.baseAddress.map { $0 + 32 })
        } else {
            Issue.record("the reopened index copied its vectors")
        }
    }

    @Test func truncatedOrDamagedFilesThrowStorageErrors() {
        var generator = SplitMix64(seed: 41)
        let index = FlatVectorIndex(
            dimension: 5, vectors: randomUnitVectors(count: 7, dimension: 5, generator: &generator))
        let quantized = Int8VectorIndex(quantizing: index)
        let flatBytes = index.encoded()
        let quantizedBytes = quantized.encoded()

        func flatThrows(_ bytes: [UInt8]) -> Bool {
            do {
                _ = try FlatVectorIndex(ReadOnlyBytes(copying: bytes, path: "damaged.vectors"))
                return false
            } catch { return true }
        }
        func quantizedThrows(_ bytes: [UInt8], flat: FlatVectorIndex = index) -> Bool {
            do {
                _ = try Int8VectorIndex(ReadOnlyBytes(copying: bytes, path: "damaged.int8"), rescoringWith: flat)
                return false
            } catch { return true }
        }
        for length in 0..<flatBytes.count { #expect(flatThrows(Array(flatBytes.prefix(length)))) }
        for length in 0..<quantizedBytes.count { #expect(quantizedThrows(Array(quantizedBytes.prefix(length)))) }
        #expect(flatThrows(flatBytes + [0]))
        #expect(quantizedThrows(quantizedBytes + [0]))
        // Magic, version, dimension and count fields, each damaged.
        for offset in [0, 4, 8, 16, 19] {
            var damaged = flatBytes
            damaged[offset] ^= 0x5A
            #expect(flatThrows(damaged), "byte \(offset)")
            damaged = quantizedBytes
            damaged[offset] ^= 0x5A
            #expect(quantizedThrows(damaged), "byte \(offset)")
        }
        var enormous = flatBytes
        for offset in 16..<24 { enormous[offset] = 0xFF }
        #expect(flatThrows(enormous))
        #expect(quantizedThrows(flatBytes))
        #expect(flatThrows(quantizedBytes))
        // A quantization range that is not a number.
        var notANumber = quantizedBytes
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { nan in
            for (offset, byte) in nan.enumerated() { notANumber[24 + offset] = byte }
        }
        #expect(quantizedThrows(notANumber))
        // The flat index re-scoring must hold the same vectors.
        #expect(quantizedThrows(quantizedBytes, flat: FlatVectorIndex(dimension: 5, vectors: [1, 0, 0, 0, 0])))
        do {
            _ = try FlatVectorIndex(ReadOnlyBytes(copying: Array(flatBytes.prefix(10)), path: "short.vectors"))
        } catch {
            #expect(error.path == "short.vectors")
        }
    }

    @Test func sentenceVectorsKeepInnerProductsAndRoundTrip() throws {
        var generator = SplitMix64(seed: 53)
        let dimension = 384
        // Passages of 3, 0, 5 and 1 sentences.
        let counts = [3, 0, 5, 1]
        let vectors = randomUnitVectors(count: 9, dimension: dimension, generator: &generator)
        let sentences = SentenceVectors(dimension: dimension, sentenceCounts: counts, vectors: vectors)
        #expect(sentences.count == 9 && sentences.passageCount == 4)
        #expect(sentences.rows(ofPassage: 0) == 0..<3)
        #expect(sentences.rows(ofPassage: 1).isEmpty)
        #expect(sentences.rows(ofPassage: 2) == 3..<8)
        #expect(sentences.rows(ofPassage: 3) == 8..<9)
        // Quantized inner products stay within 0.002 of the exact ones for unit vectors.
        let query = normalised((0..<dimension).map { _ in generator.gaussian() })
        for row in 0..<9 {
            let exact = (0..<dimension).reduce(Float(0)) { $0 + vectors[row * dimension + $1] * query[$1] }
            #expect(abs(Kernels.dotProduct(sentences.vector(row: row), query) - exact) < 0.002, "row \(row)")
            let selfSimilarity = Kernels.dotProduct(
                sentences.vector(row: row), Array(vectors[row * dimension..<(row + 1) * dimension]))
            #expect(abs(selfSimilarity - 1) < 0.002)
        }
        // A sentence that recurs points at one row of distinct vectors: the same codes as quantizing it in place.
        let shared = SentenceVectors(
            dimension: dimension, sentenceCounts: [2, 1], vectors: Array(vectors[0..<(2 * dimension)]), rows: [1, 0, 1])
        #expect(shared.count == 3)
        #expect(shared.vector(row: 0) == sentences.vector(row: 1))
        #expect(shared.vector(row: 1) == sentences.vector(row: 0))
        #expect(shared.vector(row: 2) == sentences.vector(row: 1))
        let bytes = sentences.encoded()
        let reopened = try SentenceVectors(ReadOnlyBytes(copying: bytes, path: "test.sentences"), passageCount: 4)
        #expect(reopened.encoded() == bytes)
        for row in 0..<9 { #expect(reopened.vector(row: row) == sentences.vector(row: row)) }

        func opens(_ bytes: [UInt8], passageCount: Int = 4) -> Bool {
            (try? SentenceVectors(ReadOnlyBytes(copying: bytes, path: "damaged.sentences"), passageCount: passageCount))
                != nil
        }
        #expect(opens(bytes))
        #expect(!opens(bytes, passageCount: 5))
        for length in stride(from: 0, to: bytes.count, by: 97) { #expect(!opens(Array(bytes.prefix(length)))) }
        #expect(!opens(bytes + [0]))
        // Row offsets out of order (passage 1's end before its start).
        var disordered = bytes
        disordered[24 + 4 + 4] = 9
        #expect(!opens(disordered))
    }

    @Test(arguments: [1, 7, 15, 16, 17, 63, 64, 65, 383, 384, 385])
    func kernelsMatchAScalarLoop(length: Int) {
        var generator = SplitMix64(seed: UInt64(length))
        let rows = 9
        let matrix = (0..<(rows * length)).map { _ in generator.gaussian() }
        let query = (0..<length).map { _ in generator.gaussian() }
        let codes = (0..<(rows * length)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let byteQuery = (0..<length).map { _ in Int8.random(in: -127...127, using: &generator) }
        let expected = (0..<rows).map { row in
            (0..<length).reduce(0.0) { $0 + Double(matrix[row * length + $1]) * Double(query[$1]) }
        }
        let expectedIntegers = (0..<rows).map { row -> Int32 in
            var sum: Int32 = 0
            for column in 0..<length { sum += Int32(codes[row * length + column]) * Int32(byteQuery[column]) }
            return sum
        }
        for level in Kernels.Level.allCases {
            var scores = [Float](repeating: 0, count: rows)
            var integers = [Int32](repeating: 0, count: rows)
            matrix.withUnsafeBufferPointer { matrix in
                query.withUnsafeBufferPointer { query in
                    scores.withUnsafeMutableBufferPointer { scores in
                        Kernels.innerProducts(
                            matrix, rows: rows, dimension: length, query: query, into: scores, level: level)
                    }
                }
            }
            codes.withUnsafeBufferPointer { codes in
                byteQuery.withUnsafeBufferPointer { byteQuery in
                    integers.withUnsafeMutableBufferPointer { integers in
                        Kernels.innerProducts(
                            codes: codes, rows: rows, dimension: length, query: byteQuery, into: integers,
                            level: level)
                    }
                }
            }
            for (score, exact) in zip(scores, expected) {
                #expect(abs(Double(score) - exact) <= 1e-5 * Double(length).squareRoot() * 4, "level \(level)")
            }
            #expect(integers == expectedIntegers, "level \(level)")
            // Scattered rows (a graph node's neighbours, repeats allowed) score exactly as in the contiguous call.
            let scattered: [Int32] = [8, 0, 3, 3, 7, 1, 5, 2, 6, 4, 0]
            var gathered = [Float](repeating: .nan, count: scattered.count)
            matrix.withUnsafeBufferPointer { matrix in
                query.withUnsafeBufferPointer { query in
                    scattered.withUnsafeBufferPointer { rows in
                        gathered.withUnsafeMutableBufferPointer { gathered in
                            Kernels.gatheredInnerProducts(
                                matrix, dimension: length, rows: rows, query: query, into: gathered, level: level)
                        }
                    }
                }
            }
            #expect(gathered == scattered.map { scores[Int($0)] }, "level \(level): gathered rows")
            var gatheredIntegers = [Int32](repeating: -1, count: scattered.count)
            codes.withUnsafeBufferPointer { codes in
                byteQuery.withUnsafeBufferPointer { byteQuery in
                    scattered.withUnsafeBufferPointer { rows in
                        gatheredIntegers.withUnsafeMutableBufferPointer { gathered in
                            Kernels.gatheredInnerProducts(
                                codes: codes, dimension: length, rows: rows, query: byteQuery, into: gathered,
                                level: level)
                        }
                    }
                }
            }
            #expect(gatheredIntegers == scattered.map { expectedIntegers[Int($0)] }, "level \(level): gathered codes")
            // A batch of queries scores each as alone: 4 × 4 blocks, and the rows and queries left over.
            for queryCount in [1, 4, 6] {
                let queries = (0..<(queryCount * length)).map { _ in generator.gaussian() }
                var batch = [Float](repeating: 0, count: rows * queryCount)
                matrix.withUnsafeBufferPointer { matrix in
                    queries.withUnsafeBufferPointer { queries in
                        batch.withUnsafeMutableBufferPointer { batch in
                            Kernels.innerProducts(
                                matrix, rows: rows, dimension: length, queries: queries, queryCount: queryCount,
                                into: batch, level: level)
                        }
                    }
                }
                for query in 0..<queryCount {
                    var alone = [Float](repeating: 0, count: rows)
                    matrix.withUnsafeBufferPointer { matrix in
                        queries.withUnsafeBufferPointer { queries in
                            alone.withUnsafeMutableBufferPointer { alone in
                                Kernels.innerProducts(
                                    matrix, rows: rows, dimension: length,
                                    query: UnsafeBufferPointer(rebasing: queries[(query * length)...]), into: alone,
                                    level: level)
                            }
                        }
                    }
                    #expect(Array(batch[(query * rows)..<((query + 1) * rows)]) == alone, "level \(level)")
                }
                // The matrix's rows scored in two parts, each into its own columns, fill the same output.
                if level == .avx512 {
                    var parts = [Float](repeating: -1, count: rows * queryCount)
                    let split = rows / 2
                    matrix.withUnsafeBufferPointer { matrix in
                        queries.withUnsafeBufferPointer { queries in
                            parts.withUnsafeMutableBufferPointer { parts in
                                Kernels.innerProducts(
                                    UnsafeBufferPointer(rebasing: matrix[..<(split * length)]), rows: split,
                                    dimension: length, queries: queries, queryCount: queryCount, into: parts,
                                    stride: rows)
                                Kernels.innerProducts(
                                    UnsafeBufferPointer(rebasing: matrix[(split * length)...]), rows: rows - split,
                                    dimension: length, queries: queries, queryCount: queryCount,
                                    into: UnsafeMutableBufferPointer(rebasing: parts[split...]), stride: rows)
                            }
                        }
                    }
                    #expect(parts == batch, "\(queryCount) queries in two parts")
                }
            }
            // One row alone is rounded as within the block.
            for row in 0..<rows {
                var single: [Float] = [0]
                matrix.withUnsafeBufferPointer { matrix in
                    query.withUnsafeBufferPointer { query in
                        single.withUnsafeMutableBufferPointer { single in
                            Kernels.innerProducts(
                                UnsafeBufferPointer(rebasing: matrix[(row * length)..<((row + 1) * length)]), rows: 1,
                                dimension: length, query: query, into: single, level: level)
                        }
                    }
                }
                #expect(single[0] == scores[row], "level \(level) row \(row)")
            }
        }
        #expect(
            Kernels.dotProduct(Array(matrix.prefix(length)), query)
                == {
                    var score: [Float] = [0]
                    matrix.withUnsafeBufferPointer { matrix in
                        query.withUnsafeBufferPointer { query in
                            score.withUnsafeMutableBufferPointer { score in
                                Kernels.innerProducts(matrix, rows: 1, dimension: length, query: query, into: score)
                            }
                        }
                    }
                    return score[0]
                }())
    }
}

@Suite(.offThePool, .enabled(if: FlatVectorIndex.screeningIsAvailable, "needs Intel AMX (the bfloat16 screen)"))
struct ScreenedSearchTests {
    /// Searches with and without the screen; results must be identical, scores included.
    private func expectScreenIsExact(
        vectors: [Float], dimension: Int, queries: [[Float]], limits: [Int],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let screened = FlatVectorIndex(dimension: dimension, vectors: vectors)
        var plain = screened
        plain.screening = .off
        #expect(screened.usesScreen && !plain.usesScreen, sourceLocation: sourceLocation)
        for limit in limits {
            for threadCount in [1, 2] {
                let expected = queries.map { plain.search($0, limit: limit, threadCount: 1) }
                let batch = screened.search(batch: queries, limit: limit, threadCount: threadCount)
                #expect(batch == expected, sourceLocation: sourceLocation)
                for (query, expected) in zip(queries, expected).prefix(3) {
                    #expect(
                        screened.search(query, limit: limit, threadCount: threadCount) == expected,
                        sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test func preparingAnIndexMakesTheScreensCopyBeforeTheFirstSearch() {
        var generator = SplitMix64(seed: 11)
        let vectors = randomUnitVectors(count: 4100, dimension: 64, generator: &generator)
        let index = FlatVectorIndex(dimension: 64, vectors: vectors)
        #expect(!index.screenCopy.isMade)
        index.prepareForSearch()
        #expect(index.screenCopy.isMade)
        var plain = FlatVectorIndex(dimension: 64, vectors: vectors)
        plain.screening = .off
        plain.prepareForSearch()
        #expect(!plain.screenCopy.isMade, "an index that never screens makes no copy")
        let small = FlatVectorIndex(dimension: 64, vectors: Array(vectors.prefix(64 * 100)))
        small.prepareForSearch()
        #expect(!small.screenCopy.isMade, "below minimumScreenedCount vectors, no copy")
    }

    @Test(arguments: [(5007, 384), (4100, 37)])
    func screenedSearchEqualsExactSearchOnRandomVectors(count: Int, dimension: Int) {
        var generator = SplitMix64(seed: UInt64(count + dimension))
        let vectors = randomUnitVectors(count: count, dimension: dimension, generator: &generator)
        // 1, 16 and 32 queries fill the tile unit's groups exactly; 3, 17 and 40 leave them part empty.
        for queryCount in [1, 3, 16, 17, 32, 40] {
            let queries = (0..<queryCount).map { _ in normalised((0..<dimension).map { _ in generator.gaussian() }) }
            expectScreenIsExact(vectors: vectors, dimension: dimension, queries: queries, limits: [1, 10, 100])
        }
    }

    @Test func screenedSearchEqualsExactSearchOnClusteredAndNearDuplicateVectors() {
        var generator = SplitMix64(seed: 99)
        let dimension = 384
        var vectors = clusteredUnitVectors(
            count: 6000, dimension: dimension, centreCount: 20, spread: 0.02, generator: &generator)
        // Near-duplicates, as overlapping passages embed: scores 10⁻⁴ apart, closer than bfloat16 can resolve, so
        // the approximate order differs from the exact one (a screen without its margin misses some of the top).
        let first = Array(vectors[0..<dimension])
        for copy in 1...300 {
            let start = copy * 13 * dimension
            let variant = normalised(first.map { $0 + 1e-4 * generator.gaussian() })
            vectors.replaceSubrange(start..<(start + dimension), with: variant)
        }
        let queries =
            [first]
            + (0..<20).map { row in Array(vectors[(row * 271 * dimension)..<((row * 271 + 1) * dimension)]) }
        expectScreenIsExact(vectors: vectors, dimension: dimension, queries: queries, limits: [1, 10, 50])
    }

    @Test func screenErrorBoundsWhatBFloat16RoundingCanChange() {
        // One element of each vector at its worst rounding: 1 + 2⁻⁸ rounds down by 2⁻⁸ (ties to even).
        let bound = FlatVectorIndex.screenError(queryNorm: 1, largestNorm: 1, dimension: 384)
        #expect(bound > 2 * 0x1p-8)
        #expect(bound < 0.0080)
        var converted = [UInt16](repeating: 0, count: 32)
        let values: [Float] = [1, 1 + 0x1p-8, 1 + 0x1p-7 + 0x1p-8, -2.5, 0] + [Float](repeating: 0, count: 27)
        values.withUnsafeBufferPointer { values in
            converted.withUnsafeMutableBufferPointer { converted in
                guard let target = converted.baseAddress else { return }
                Kernels.convertToBFloat16(values, rows: 1, dimension: 32, into: target, paddedDimension: 32)
            }
        }
        // 1 = 0x3F80; 1 + 2⁻⁸ is a tie and rounds to the even 0x3F80; 1 + 3·2⁻⁸ is a tie and rounds up to 0x3F82.
        #expect(Array(converted.prefix(5)) == [0x3F80, 0x3F80, 0x3F82, 0xC020, 0])
    }
}
