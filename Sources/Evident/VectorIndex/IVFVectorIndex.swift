import Dispatch

/// An inverted-file index: the vectors are clustered by spherical k-means, each cluster's vectors are kept together
/// as 8-bit codes, and a query scans only the clusters whose centroids are nearest to it, then re-scores the best
/// candidates exactly.
///
/// A search scores the `listCount` centroids in 32-bit floats, takes the `probes` best lists, scores their codes
/// with the 8-bit kernel of `Int8VectorIndex` (the same per-dimension ranges over all vectors, so the scores of
/// different lists compare), and re-scores the best `limit × rescoreFactor` in 32-bit floats against the flat
/// index. Returned scores are exact; what is approximate is which vectors are found (measure it with
/// `recall(against:queries:limit:probes:)`). At 4·√*n* lists a query reads about `probes / (4·√n)` of the codes,
/// a quarter of a byte per element.
public struct IVFVectorIndex: Sendable {
    /// The number of elements of every vector.
    public var dimension: Int { flat.dimension }
    /// The number of vectors.
    public var count: Int { flat.count }
    /// The number of lists (clusters).
    public var listCount: Int { centroids.count }
    /// The lists a search scans unless told otherwise, an eighth of them (at least 8): recall@10 0.973 on the
    /// MiniLM vectors of the NCI PDQ passages (`evident info --recall`; a sixteenth gave 0.941).
    public var defaultProbes: Int { min(listCount, max(8, listCount / 8)) }

    /// The index whose vectors re-score the candidates, in their own order.
    let flat: FlatVectorIndex
    /// One unit vector per list.
    let centroids: FlatVectorIndex
    /// List `l` holds rows `listStarts[l]..<listStarts[l + 1]` of `members` and `codes`.
    let listStarts: [Int]
    /// The position in `flat` of each row, list by list.
    let members: VectorStorage<UInt32>
    /// Each dimension's range over all vectors.
    let quantizer: ScalarQuantizer
    /// The codes, list by list, `dimension` bytes a row.
    let codes: VectorStorage<UInt8>

    /// The list count 4·√*n* (at least 1, at most *n*), the low end of the usual 4–16·√*n*: lists of about √*n*/4
    /// vectors keep the centroid scan small beside the code scan.
    public static func defaultListCount(for count: Int) -> Int {
        max(1, min(count, Int((4 * Double(count).squareRoot()).rounded())))
    }

    /// Clusters the vectors of `flat` and codes them list by list.
    ///
    /// k-means is trained on a sample of at most 64 vectors per list (drawn with `seed`, so that a build is the
    /// same on every run), `iterations` rounds of assigning each sampled vector to its nearest centroid by inner
    /// product and replacing each centroid by its vectors' normalised mean; an emptied list takes half of the
    /// largest one. Every vector then goes to the list of its nearest centroid.
    ///
    /// - Parameters:
    ///   - flat: The exact index; kept for re-scoring.
    ///   - listCount: The number of lists; `defaultListCount(for:)` when `nil`.
    ///   - iterations: The rounds of k-means.
    ///   - seed: Fixes the training sample and the first centroids.
    ///   - threadCount: The threads of the matrix products (an OpenBLAS setting of the process, restored after).
    ///   - progress: Called with the share of the work done, in [0, 1].
    /// - Complexity: O((`iterations` · *s* + *n*) · `listCount` · `dimension`) for a sample of *s* vectors.
    public init(
        clustering flat: FlatVectorIndex, listCount: Int? = nil, iterations: Int = 10, seed: UInt64 = 0x1EF_5EED,
        threadCount: Int = 1, progress: (@Sendable (Double) -> Void)? = nil
    ) {
        let dimension = flat.dimension
        let count = flat.count
        let lists = max(1, min(listCount ?? Self.defaultListCount(for: count), max(count, 1)))
        var centroids = [Float]()
        var assignment = [Int32]()
        var codes = [UInt8](repeating: 0, count: count * dimension)
        var quantizer = ScalarQuantizer(
            minimums: .init(repeating: 0, count: dimension), steps: .init(repeating: 0, count: dimension))
        // OpenBLAS's thread count is the process's: set for the clustering, then put back.
        BLAS.withThreadCount(threadCount) {
            flat.storage.withElements { vectors in
                var generator = SplitMix64(seed: seed)
                // The training sample, in the order of the index (so that its reads go forward through memory).
                let sampleCount = min(count, lists * 64)
                var sample = Array(0..<count)
                if sampleCount < count {
                    for position in 0..<sampleCount {
                        sample.swapAt(position, Int.random(in: position..<count, using: &generator))
                    }
                    sample = Array(sample[0..<sampleCount]).sorted()
                }
                var training = [Float](repeating: 0, count: sampleCount * dimension)
                for (row, index) in sample.enumerated() {
                    for column in 0..<dimension {
                        training[row * dimension + column] = vectors[index * dimension + column]
                    }
                }
                // The first centroids: distinct sample vectors, chosen at random.
                var firsts = Array(0..<sampleCount)
                for position in 0..<min(lists, sampleCount) {
                    firsts.swapAt(position, Int.random(in: position..<sampleCount, using: &generator))
                }
                centroids = [Float](repeating: 0, count: lists * dimension)
                for list in 0..<lists where sampleCount > 0 {
                    let row = firsts[list % sampleCount]
                    for column in 0..<dimension {
                        centroids[list * dimension + column] = training[row * dimension + column]
                    }
                }
                let totalWork = Double(iterations * sampleCount + count)
                for round in 0..<iterations where sampleCount > 0 {
                    let nearest = training.withUnsafeBufferPointer {
                        Self.nearestCentroids(of: $0, count: sampleCount, centroids: centroids, lists: lists)
                    }
                    centroids = training.withUnsafeBufferPointer {
                        Self.means(of: $0, assignment: nearest, lists: lists, previous: centroids)
                    }
                    progress?(Double((round + 1) * sampleCount) / max(totalWork, 1))
                }
                assignment = Self.nearestCentroids(of: vectors, count: count, centroids: centroids, lists: lists)
                quantizer = ScalarQuantizer(fitting: vectors, count: count, dimension: dimension)
                progress?(1)
            }
        }
        // Rows list by list, each list in the order of the index.
        var listStarts = [Int](repeating: 0, count: lists + 1)
        for list in assignment { listStarts[Int(list) + 1] += 1 }
        for list in 0..<lists { listStarts[list + 1] += listStarts[list] }
        var next = Array(listStarts.dropLast())
        var members = [UInt32](repeating: 0, count: count)
        for (index, list) in assignment.enumerated() {
            members[next[Int(list)]] = UInt32(index)
            next[Int(list)] += 1
        }
        flat.storage.withElements { vectors in
            codes.withUnsafeMutableBufferPointer { codes in
                for (row, index) in members.enumerated() {
                    let index = Int(index)
                    quantizer.encode(
                        UnsafeBufferPointer(rebasing: vectors[(index * dimension)..<((index + 1) * dimension)]),
                        into: UnsafeMutableBufferPointer(rebasing: codes[(row * dimension)..<((row + 1) * dimension)]))
                }
            }
        }
        self.init(
            flat: flat, centroids: FlatVectorIndex(dimension: dimension, vectors: centroids), listStarts: listStarts,
            members: .array(members), quantizer: quantizer, codes: .array(codes))
    }

    init(
        flat: FlatVectorIndex, centroids: FlatVectorIndex, listStarts: [Int], members: VectorStorage<UInt32>,
        quantizer: ScalarQuantizer, codes: VectorStorage<UInt8>
    ) {
        self.flat = flat
        self.centroids = centroids
        self.listStarts = listStarts
        self.members = members
        self.quantizer = quantizer
        self.codes = codes
    }

    /// The number of vectors in each list.
    public var listSizes: [Int] { zip(listStarts.dropFirst(), listStarts).map { $0 - $1 } }

    /// The vectors of each list, as positions in the index (for measurement: synthetic data shaped as these
    /// clusters).
    package var listMembers: [[Int]] {
        members.withElements { members in
            zip(listStarts, listStarts.dropFirst()).map { start, end in (start..<end).map { Int(members[$0]) } }
        }
    }

    /// Returns the `limit` vectors with the highest inner product with `query` among those of the `probes` lists
    /// nearest to it, best first.
    ///
    /// Candidates are chosen by the quantized score; their returned scores are exact, and equal scores rank the
    /// lower index first.
    ///
    /// - Parameters:
    ///   - query: A vector of `dimension` elements.
    ///   - limit: The maximum number of matches.
    ///   - probes: The number of lists scanned; `defaultProbes` when `nil`, at most `listCount`.
    ///   - rescoreFactor: The number of candidates re-scored exactly, as a multiple of `limit`; at least 1.
    ///   - allowed: When given, only its vectors are returned; lists are then scanned, nearest first, until as many
    ///     of its vectors have been scored as the `probes` nearest lists hold in all (so that a filter keeping a
    ///     fifth of the vectors scans about five times the lists).
    /// - Returns: At most `limit` matches, best first.
    public func search(
        _ query: [Float], limit: Int, probes: Int? = nil, rescoreFactor: Int = 4, allowed: RowSet? = nil
    ) -> [VectorMatch] {
        precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        guard limit > 0, count > 0 else { return [] }
        let probes = max(1, min(probes ?? defaultProbes, listCount))
        var nearestLists = centroids.search(query, limit: allowed == nil ? probes : listCount)
        if let allowed {
            let wanted = nearestLists.prefix(probes).reduce(0) { $0 + listStarts[$1.index + 1] - listStarts[$1.index] }
            var scanned = 0
            var kept = 0
            members.withElements { members in
                for list in nearestLists where scanned < wanted {
                    for row in listStarts[list.index]..<listStarts[list.index + 1]
                    where allowed.contains(Int(members[row])) {
                        scanned += 1
                    }
                    kept += 1
                }
            }
            nearestLists.removeLast(nearestLists.count - kept)
        }
        let (product, overflow) = limit.multipliedReportingOverflow(by: max(rescoreFactor, 1))
        var candidates = TopMatches(limit: overflow ? count : min(product, count))
        let longest = nearestLists.reduce(0) { max($0, listStarts[$1.index + 1] - listStarts[$1.index]) }
        let blockRows = max(1, min(longest, FlatVectorIndex.blockRows))
        let integers = UnsafeMutableBufferPointer<Int32>.allocate(capacity: blockRows)
        defer { integers.deallocate() }
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: blockRows)
        defer { scores.deallocate() }
        let coded = quantizer.quantize(query)
        codes.withElements { codes in
            coded.withUnsafeBufferPointer { coded in
                for list in nearestLists.map(\.index) {
                    if let allowed {
                        members.withElements { members in
                            ScalarQuantizer.offer(
                                codes: codes, rows: listStarts[list]..<listStarts[list + 1], dimension: dimension,
                                query: coded, to: &candidates, scratch: (integers, scores),
                                keeping: { allowed.contains(Int(members[$0])) })
                        }
                    } else {
                        ScalarQuantizer.offer(
                            codes: codes, rows: listStarts[list]..<listStarts[list + 1], dimension: dimension,
                            query: coded, to: &candidates, scratch: (integers, scores))
                    }
                }
            }
        }
        return rescore(candidates, query: query, limit: limit)
    }

    /// Returns, for each query, what `search(_:limit:probes:rescoreFactor:)` returns; the queries are split
    /// between `threadCount` threads.
    public func search(
        batch queries: [[Float]], limit: Int, probes: Int? = nil, rescoreFactor: Int = 4, threadCount: Int = 1,
        allowed: RowSet? = nil
    ) -> [[VectorMatch]] {
        FlatVectorIndex.searchEach(queries, threadCount: threadCount) {
            search($0, limit: limit, probes: probes, rescoreFactor: rescoreFactor, allowed: allowed)
        }
    }

    /// The share of the exact top `limit` (found by `exact`, the index this one clusters) that this index finds
    /// over `queries`: recall@`limit` against exact search.
    ///
    /// - Returns: Found matches of the exact top lists over their total size, in [0, 1]; 1 for no matches at all.
    public func recall(
        against exact: FlatVectorIndex, queries: [[Float]], limit: Int = 10, probes: Int? = nil, rescoreFactor: Int = 4
    ) -> Double {
        precondition(exact.count == count && exact.dimension == dimension, "recall needs the index this one clusters")
        let truth = exact.search(batch: queries, limit: limit)
        let found = search(batch: queries, limit: limit, probes: probes, rescoreFactor: rescoreFactor)
        return VectorMatch.recall(found: found, truth: truth)
    }

    /// Re-scores the candidates (rows of the lists) exactly against their vectors and returns the `limit` best.
    private func rescore(_ candidates: TopMatches, query: [Float], limit: Int) -> [VectorMatch] {
        var top = TopMatches(limit: limit)
        flat.storage.withElements { vectors in
            members.withElements { members in
                query.withUnsafeBufferPointer { query in
                    for candidate in candidates.unordered {
                        let index = Int(members[candidate.index])
                        let score = Kernels.dotProduct(
                            UnsafeBufferPointer(rebasing: vectors[(index * dimension)..<((index + 1) * dimension)]),
                            query)
                        top.insert(VectorMatch(index: index, score: score))
                    }
                }
            }
        }
        return top.sorted
    }

    /// Rows of vectors assigned per matrix product: their scores against every centroid stay under 16 MiB.
    private static func assignmentBlockRows(lists: Int) -> Int { max(64, min(4096, (1 << 22) / max(lists, 1))) }

    /// The list of the centroid with the highest inner product with each of `count` row-major vectors.
    private static func nearestCentroids(
        of vectors: UnsafeBufferPointer<Float>, count: Int, centroids: [Float], lists: Int
    ) -> [Int32] {
        let dimension = centroids.count / lists
        var nearest = [Int32](repeating: 0, count: count)
        let blockRows = assignmentBlockRows(lists: lists)
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: min(blockRows, max(count, 1)) * lists)
        defer { scores.deallocate() }
        centroids.withUnsafeBufferPointer { centroids in
            var start = 0
            while start < count {
                let rows = min(blockRows, count - start)
                BLAS.gemm(
                    UnsafeBufferPointer(rebasing: vectors[(start * dimension)..<((start + rows) * dimension)]),
                    centroids, transposeB: true, into: scores, m: rows, n: lists, k: dimension)
                for row in 0..<rows {
                    var best = 0
                    var bestScore = -Float.infinity
                    for list in 0..<lists where scores[row * lists + list] > bestScore {
                        (best, bestScore) = (list, scores[row * lists + list])
                    }
                    nearest[start + row] = Int32(best)
                }
                start += rows
            }
        }
        return nearest
    }

    /// Each list's normalised mean of its vectors; an empty list takes half of the largest one (its centroid
    /// nudged apart from it), and a list whose mean is zero keeps its previous centroid.
    private static func means(
        of vectors: UnsafeBufferPointer<Float>, assignment: [Int32], lists: Int, previous: [Float]
    ) -> [Float] {
        let dimension = previous.count / lists
        var sums = [Double](repeating: 0, count: lists * dimension)
        var sizes = [Int](repeating: 0, count: lists)
        for (row, list) in assignment.enumerated() {
            let list = Int(list)
            sizes[list] += 1
            for column in 0..<dimension { sums[list * dimension + column] += Double(vectors[row * dimension + column]) }
        }
        var centroids = previous
        for list in 0..<lists where sizes[list] > 0 {
            let norm = (0..<dimension).reduce(0.0) { $0 + sums[list * dimension + $1] * sums[list * dimension + $1] }
                .squareRoot()
            guard norm > 0 else { continue }
            for column in 0..<dimension {
                centroids[list * dimension + column] = Float(sums[list * dimension + column] / norm)
            }
        }
        for empty in 0..<lists where sizes[empty] == 0 {
            guard let largest = sizes.indices.max(by: { sizes[$0] < sizes[$1] }), sizes[largest] > 1 else { break }
            // Two centroids a little apart on either side of the largest one's; the next round splits its vectors.
            for column in 0..<dimension {
                let value = centroids[largest * dimension + column]
                let nudge: Float = column % 2 == 0 ? 1e-3 : -1e-3
                centroids[empty * dimension + column] = value * (1 + nudge)
                centroids[largest * dimension + column] = value * (1 - nudge)
            }
            sizes[empty] = sizes[largest] / 2
            sizes[largest] -= sizes[empty]
        }
        return centroids
    }
}
