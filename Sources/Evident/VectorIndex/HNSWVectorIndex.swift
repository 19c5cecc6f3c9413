import Foundation
import HeapModule
import Synchronization

/// A hierarchical navigable small-world graph over the vectors (Malkov and Yashunin, 2016): every vector is a node
/// linked to its nearest neighbours on layer 0, and a thinning sample of the nodes forms the layers above, each a
/// coarser graph of the same kind. A search walks greedily down from the top layer's entry point, then explores
/// layer 0 best first, keeping the `searchWidth` best nodes seen; its scores are exact fp32 inner products, what
/// is approximate is which vectors it reaches.
///
/// Built in batches on as many threads as asked (`init(building:…)`, the same graph whatever their number);
/// immutable and safe to search from many threads at once.
public struct HNSWVectorIndex: Sendable {
    /// The number of elements of every vector.
    public var dimension: Int { flat.dimension }
    /// The number of vectors.
    public var count: Int { flat.count }
    /// The neighbours a node keeps on the layers above 0 (twice as many on layer 0).
    public let maxNeighbors: Int
    /// The nodes a search keeps in view on layer 0 unless told otherwise.
    public static let defaultSearchWidth = 64

    /// The vectors the graph links.
    let flat: FlatVectorIndex
    /// Layer 0: `2 · maxNeighbors` slots a node, −1 after its last neighbour.
    let baseNeighbors: VectorStorage<Int32>
    /// Layers 1 and above (index 0 is layer 1): each node of the layer and its neighbours.
    let upperNeighbors: [[Int32: [Int32]]]
    /// The node searches start from, on the top layer; −1 for an empty index.
    let entryPoint: Int32
    /// The 8-bit codes a search walks with when attached (`walkingCodes(of:)`), the same rows as `flat`.
    let codes: Int8VectorIndex?
    /// Visited marks, one buffer per concurrent search.
    private let visitedPool = VisitedPool()

    private var baseSlots: Int { 2 * maxNeighbors }

    init(
        flat: FlatVectorIndex, maxNeighbors: Int, baseNeighbors: VectorStorage<Int32>,
        upperNeighbors: [[Int32: [Int32]]], entryPoint: Int32, codes: Int8VectorIndex? = nil
    ) {
        self.flat = flat
        self.maxNeighbors = maxNeighbors
        self.baseNeighbors = baseNeighbors
        self.upperNeighbors = upperNeighbors
        self.entryPoint = entryPoint
        self.codes = codes
    }

    /// This graph walking `codes` (8-bit codes of the same vectors, as the index keeps them for int8 search): a
    /// search scores the nodes it passes with the 8-bit kernel, a quarter of the bytes of fp32 a node, then
    /// re-scores the `searchWidth` best in fp32, so that the scores it returns are exact.
    package func walkingCodes(of codes: Int8VectorIndex) -> HNSWVectorIndex {
        precondition(codes.count == count && codes.dimension == dimension, "codes of other vectors")
        return HNSWVectorIndex(
            flat: flat, maxNeighbors: maxNeighbors, baseNeighbors: baseNeighbors, upperNeighbors: upperNeighbors,
            entryPoint: entryPoint, codes: codes)
    }

    /// The vectors from which an index's graph walks its 8-bit codes rather than its fp32 vectors. Measured one
    /// query at a time on one thread (`evident bench --ann-sizes`, `evident info --recall`): at the same recall
    /// the code walk answered 1.6× the queries/s at 1M vectors and 1.8× at 200k (synthetic, out of the cache), but
    /// 10 % fewer on NCI PDQ's 35k vectors, which fit in the cache.
    public static let codeWalkThreshold = 100_000

    /// This graph as an index searches it: walking `codes` from `codeWalkThreshold` vectors, else the fp32 vectors.
    package func searchingAsAnIndex(codes: Int8VectorIndex) -> HNSWVectorIndex {
        count >= Self.codeWalkThreshold ? walkingCodes(of: codes) : self
    }

    /// Whether searches walk 8-bit codes (then re-score in fp32) rather than the fp32 vectors.
    public var walksCodes: Bool { codes != nil }

    /// Returns about the `limit` vectors with the highest inner product with `query`, best first, with exact
    /// scores.
    ///
    /// - Parameters:
    ///   - query: A vector of `dimension` elements.
    ///   - limit: The maximum number of matches.
    ///   - searchWidth: The nodes kept in view on layer 0 (efSearch); at least `limit`. More: higher recall,
    ///     slower.
    ///   - allowed: When given, only its vectors are returned: the walk goes through every node, but only those of
    ///     `allowed` are kept, and it goes on until `searchWidth` of them are in view (a narrow filter makes it
    ///     walk far; `ApproximateVectorIndex.scansExactly(_:breadth:)` says when scanning the allowed vectors costs less).
    /// - Returns: At most `limit` matches, best first; equal scores rank the lower index first.
    public func search(_ query: [Float], limit: Int, searchWidth: Int = defaultSearchWidth, allowed: RowSet? = nil)
        -> [VectorMatch]
    {
        precondition(query.count == dimension, "query has \(query.count) elements; the index has \(dimension)")
        guard limit > 0, entryPoint >= 0 else { return [] }
        let visited = visitedPool.acquire(count: count)
        defer { visitedPool.release(visited) }
        let width = max(searchWidth, limit)
        let keeps = allowed.map { allowed in { (node: Int32) in allowed.contains(Int(node)) } }
        return flat.storage.withElements { vectors in
            query.withUnsafeBufferPointer { query in
                let graph = GraphView(vectors: vectors, dimension: dimension)
                guard let codes else {
                    let found = walk(width: width, visited: visited, keeps: keeps) { rows, scores in
                        Kernels.gatheredInnerProducts(
                            vectors, dimension: dimension, rows: rows, query: query, into: scores)
                    }
                    return found.prefix(limit).map { VectorMatch(index: Int($0.id), score: $0.score) }
                }
                // Walk the codes, then score the nodes kept in fp32 and keep the best.
                let coded = codes.quantizer.quantize(Array(query))
                var integers = [Int32](repeating: 0, count: 2 * maxNeighbors)
                let found = codes.codes.withElements { codeBytes in
                    coded.withUnsafeBufferPointer { coded in
                        walk(width: width, visited: visited, keeps: keeps) { rows, scores in
                            if integers.count < rows.count { integers = [Int32](repeating: 0, count: rows.count) }
                            integers.withUnsafeMutableBufferPointer { integers in
                                Kernels.gatheredInnerProducts(
                                    codes: codeBytes, dimension: dimension, rows: rows, query: coded, into: integers)
                                for index in rows.indices { scores[index] = Float(integers[index]) }
                            }
                        }
                    }
                }
                let rescored = found.map { Candidate(id: $0.id, score: graph.score(query, $0.id)) }.sorted(by: >)
                return rescored.prefix(limit).map { VectorMatch(index: Int($0.id), score: $0.score) }
            }
        }
    }

    /// The greedy walk down the upper layers and the best-first search of layer 0, scoring nodes with `scoring`
    /// (`scores[i]` for `rows[i]`); the `width` best nodes kept, best first by those scores.
    private func walk(
        width: Int, visited: VisitedMarks, keeps: ((Int32) -> Bool)?,
        scoring: (UnsafeBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) -> Void
    ) -> [Candidate] {
        func score(_ node: Int32) -> Float {
            var result: Float = 0
            withUnsafePointer(to: node) { node in
                withUnsafeMutablePointer(to: &result) { result in
                    scoring(
                        UnsafeBufferPointer(start: node, count: 1), UnsafeMutableBufferPointer(start: result, count: 1))
                }
            }
            return result
        }
        var nearest = Candidate(id: entryPoint, score: score(entryPoint))
        for layer in stride(from: upperNeighbors.count, through: 1, by: -1) {
            nearest = GraphView.greedy(from: nearest, score: score) { upperNeighbors[layer - 1][$0] ?? [] }
        }
        let slots = baseSlots
        return baseNeighbors.withElements { base in
            GraphView.searchLayer(
                entries: [nearest], width: width, visited: visited, keeps: keeps, scoring: scoring
            ) { node, body in
                for slot in (Int(node) * slots)..<(Int(node) * slots + slots) {
                    guard base[slot] >= 0 else { break }
                    body(base[slot])
                }
            }
        }
    }

    /// The share of the exact top `limit` (found by `exact`, the index this graph links) that searches of
    /// `searchWidth` find over `queries`.
    public func recall(
        against exact: FlatVectorIndex, queries: [[Float]], limit: Int = 10, searchWidth: Int = defaultSearchWidth
    ) -> Double {
        precondition(exact.count == count && exact.dimension == dimension, "recall needs the index this one links")
        let truth = exact.search(batch: queries, limit: limit)
        let found = queries.map { search($0, limit: limit, searchWidth: searchWidth) }
        return VectorMatch.recall(found: found, truth: truth)
    }
}

/// A node and its inner product with the vector being placed or searched; ordered by score, then the lower id
/// first.
struct Candidate: Comparable {
    var id: Int32
    var score: Float

    static func < (left: Candidate, right: Candidate) -> Bool {
        left.score != right.score ? left.score < right.score : left.id > right.id
    }
}

/// The graph's walks over the vectors, in one place for building and searching.
struct GraphView {
    let vectors: UnsafeBufferPointer<Float>
    let dimension: Int

    func vector(_ node: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: vectors[(node * dimension)..<((node + 1) * dimension)])
    }

    func score(_ query: UnsafeBufferPointer<Float>, _ node: Int32) -> Float {
        Kernels.dotProduct(vector(Int(node)), query)
    }

    /// Moves to a better neighbour while there is one (the upper layers' walk), scoring nodes with `score`.
    static func greedy(from start: Candidate, score: (Int32) -> Float, neighbors: (Int32) -> [Int32]) -> Candidate {
        var current = start
        var moved = true
        while moved {
            moved = false
            for neighbor in neighbors(current.id) {
                let candidate = Candidate(id: neighbor, score: score(neighbor))
                if candidate > current {
                    current = candidate
                    moved = true
                }
            }
        }
        return current
    }

    /// `GraphView.searchLayer(entries:width:visited:keeps:scoring:forEachNeighbor:)` scoring in fp32 against
    /// `query`.
    func searchLayer(
        query: UnsafeBufferPointer<Float>, entries: [Candidate], width: Int, visited: VisitedMarks,
        keeps: ((Int32) -> Bool)? = nil, forEachNeighbor: (Int32, (Int32) -> Void) -> Void
    ) -> [Candidate] {
        Self.searchLayer(
            entries: entries, width: width, visited: visited, keeps: keeps,
            scoring: { rows, scores in
                Kernels.gatheredInnerProducts(vectors, dimension: dimension, rows: rows, query: query, into: scores)
            }, forEachNeighbor: forEachNeighbor)
    }

    /// Best-first search of one layer from `entries`, scoring nodes with `scoring` (`scores[i]` for `rows[i]`),
    /// keeping the `width` best nodes seen (only those `keeps` accepts, when given); returns them best first.
    static func searchLayer(
        entries: [Candidate], width: Int, visited: VisitedMarks, keeps: ((Int32) -> Bool)?,
        scoring: (UnsafeBufferPointer<Int32>, UnsafeMutableBufferPointer<Float>) -> Void,
        forEachNeighbor: (Int32, (Int32) -> Void) -> Void
    ) -> [Candidate] {
        visited.startSearch()
        var frontier = Heap<Candidate>()
        var kept = Heap<Candidate>()
        for entry in entries where visited.insert(entry.id) {
            frontier.insert(entry)
            guard keeps?(entry.id) ?? true else { continue }
            kept.insert(entry)
            if kept.count > width { kept.removeMin() }
        }
        // A node's neighbours not seen yet are scored in one call, which asks for the next ones' vectors while it
        // multiplies (at a million vectors most of them are not in the cache), then weighed in their order.
        var fresh: [Int32] = []
        fresh.reserveCapacity(64)
        var scores = [Float](repeating: 0, count: 64)
        while let best = frontier.popMax() {
            if kept.count >= width, let worst = kept.min, best < worst { break }
            fresh.removeAll(keepingCapacity: true)
            forEachNeighbor(best.id) { neighbor in
                if visited.insert(neighbor) { fresh.append(neighbor) }
            }
            if scores.count < fresh.count { scores = [Float](repeating: 0, count: fresh.count) }
            fresh.withUnsafeBufferPointer { rows in
                scores.withUnsafeMutableBufferPointer { scores in scoring(rows, scores) }
            }
            for (neighbor, score) in zip(fresh, scores) {
                let candidate = Candidate(id: neighbor, score: score)
                if kept.count < width || kept.min.map({ candidate > $0 }) ?? true {
                    frontier.insert(candidate)
                    guard keeps?(neighbor) ?? true else { continue }
                    kept.insert(candidate)
                    if kept.count > width { kept.removeMin() }
                }
            }
        }
        return kept.unordered.sorted(by: >)
    }

    /// Of `candidates` (best first), the at most `limit` that are nearer to the query than to any candidate kept
    /// before them, so that a node's links point in different directions (the heuristic of the HNSW paper).
    func diverse(_ candidates: [Candidate], limit: Int) -> [Candidate] {
        var chosen: [Candidate] = []
        chosen.reserveCapacity(limit)
        for candidate in candidates {
            guard chosen.count < limit else { break }
            let own = vector(Int(candidate.id))
            if chosen.allSatisfy({ Kernels.dotProduct(own, vector(Int($0.id))) < candidate.score }) {
                chosen.append(candidate)
            }
        }
        return chosen
    }
}

/// Which nodes a search has reached: a stamp per node, so that starting a search costs nothing.
final class VisitedMarks: @unchecked Sendable {  // used by one search at a time, handed over through the pool
    private let stamps: UnsafeMutableBufferPointer<UInt32>
    private var current: UInt32 = 0

    init(count: Int) {
        stamps = .allocate(capacity: max(count, 1))
        stamps.initialize(repeating: 0)
    }

    var capacity: Int { stamps.count }

    func startSearch() {
        current &+= 1
        if current == 0 {
            stamps.update(repeating: 0)
            current = 1
        }
    }

    /// Marks `node`; `true` when it was not marked in this search.
    func insert(_ node: Int32) -> Bool {
        guard stamps[Int(node)] != current else { return false }
        stamps[Int(node)] = current
        return true
    }

    deinit { stamps.deallocate() }
}

/// A thread-safe stack of `VisitedMarks`; concurrent searches each get their own.
final class VisitedPool: Sendable {
    private let free = Mutex<[VisitedMarks]>([])

    func acquire(count: Int) -> VisitedMarks {
        if let marks = free.withLock({ $0.popLast() }), marks.capacity >= count { return marks }
        return VisitedMarks(count: count)
    }

    func release(_ marks: VisitedMarks) {
        free.withLock { pool in
            if pool.count < 16 { pool.append(marks) }
        }
    }
}
