import Foundation
import HeapModule
import Synchronization

/// A hierarchical navigable small-world graph over the vectors (Malkov and Yashunin, 2016): every vector is a node
/// linked to its nearest neighbours on layer 0, and a thinning sample of the nodes forms the layers above, each a
/// coarser graph of the same kind. A search walks greedily down from the top layer's entry point, then explores
/// layer 0 best first, keeping the `searchWidth` best nodes seen; its scores are exact fp32 inner products, what
/// is approximate is which vectors it reaches.
///
/// Built one vector at a time on one thread; immutable and safe to search from many threads at once.
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
    /// Visited marks, one buffer per concurrent search.
    private let visitedPool = VisitedPool()

    private var baseSlots: Int { 2 * maxNeighbors }

    /// Links every vector of `flat` into the graph.
    ///
    /// - Parameters:
    ///   - flat: The vectors; kept for scoring.
    ///   - maxNeighbors: *M*: the neighbours a node keeps above layer 0 (2*M* on layer 0); 16 to 48 suits
    ///     sentence embeddings.
    ///   - constructionWidth: The candidates examined when a node's neighbours are chosen (efConstruction).
    ///   - seed: Fixes each node's top layer, so that a build is the same on every run.
    ///   - progress: Called with the share of the nodes linked, in [0, 1], every 1,024 nodes.
    /// - Complexity: About O(*n* log *n* · `constructionWidth` · `dimension`).
    public init(
        building flat: FlatVectorIndex, maxNeighbors: Int = 16, constructionWidth: Int = 100,
        seed: UInt64 = 0x4E5_5EED, progress: ((Double) -> Void)? = nil
    ) {
        precondition(maxNeighbors >= 2, "a graph node needs at least 2 neighbours")
        let count = flat.count
        let baseSlots = 2 * maxNeighbors
        var base = [Int32](repeating: -1, count: count * baseSlots)
        var upper: [[Int32: [Int32]]] = []
        var entry: Int32 = -1
        var topLevel = -1
        var generator = SplitMix64(seed: seed)
        let levelScale = 1 / log(Double(maxNeighbors))
        let visited = VisitedMarks(count: count)
        flat.storage.withElements { vectors in
            let graph = GraphView(vectors: vectors, dimension: flat.dimension)
            for node in 0..<count {
                let uniform = Double.random(in: Double.ulpOfOne..<1, using: &generator)
                let level = Int(-log(uniform) * levelScale)
                while upper.count < level { upper.append([:]) }
                for layer in stride(from: level, through: 1, by: -1) { upper[layer - 1][Int32(node)] = [] }
                guard entry >= 0 else {
                    (entry, topLevel) = (Int32(node), level)
                    continue
                }
                let query = graph.vector(node)
                var nearest = Candidate(id: entry, score: graph.score(query, entry))
                for layer in stride(from: topLevel, to: level, by: -1) {
                    nearest = graph.greedy(from: nearest, query: query) { upper[layer - 1][$0] ?? [] }
                }
                var entries = [nearest]
                for layer in stride(from: min(level, topLevel), through: 0, by: -1) {
                    let limit = layer == 0 ? baseSlots : maxNeighbors
                    let found: [Candidate]
                    if layer == 0 {
                        found = graph.searchLayer(
                            query: query, entries: entries, width: constructionWidth, visited: visited
                        ) { Self.neighbors(of: $0, in: base, slots: baseSlots) }
                    } else {
                        found = graph.searchLayer(
                            query: query, entries: entries, width: constructionWidth, visited: visited
                        ) { upper[layer - 1][$0] ?? [] }
                    }
                    let chosen = graph.diverse(found, limit: limit)
                    let ids = chosen.map(\.id)
                    if layer == 0 {
                        for (slot, id) in ids.enumerated() { base[node * baseSlots + slot] = id }
                    } else {
                        upper[layer - 1][Int32(node)] = ids
                    }
                    // Each chosen neighbour links back, keeping its most diverse `limit` when full.
                    for neighbor in ids {
                        var links =
                            layer == 0
                            ? Self.neighbors(of: neighbor, in: base, slots: baseSlots)
                            : upper[layer - 1][neighbor] ?? []
                        links.append(Int32(node))
                        if links.count > limit {
                            let own = graph.vector(Int(neighbor))
                            let scored = links.map { Candidate(id: $0, score: graph.score(own, $0)) }.sorted(by: >)
                            links = graph.diverse(scored, limit: limit).map(\.id)
                        }
                        if layer == 0 {
                            for slot in 0..<baseSlots {
                                base[Int(neighbor) * baseSlots + slot] = slot < links.count ? links[slot] : -1
                            }
                        } else {
                            upper[layer - 1][neighbor] = links
                        }
                    }
                    entries = found
                }
                if level > topLevel { (entry, topLevel) = (Int32(node), level) }
                if node % 1024 == 1023 { progress?(Double(node + 1) / Double(count)) }
            }
        }
        progress?(1)
        self.init(
            flat: flat, maxNeighbors: maxNeighbors, baseNeighbors: .array(base), upperNeighbors: upper,
            entryPoint: entry)
    }

    init(
        flat: FlatVectorIndex, maxNeighbors: Int, baseNeighbors: VectorStorage<Int32>,
        upperNeighbors: [[Int32: [Int32]]], entryPoint: Int32
    ) {
        self.flat = flat
        self.maxNeighbors = maxNeighbors
        self.baseNeighbors = baseNeighbors
        self.upperNeighbors = upperNeighbors
        self.entryPoint = entryPoint
    }

    private static func neighbors(of node: Int32, in base: [Int32], slots: Int) -> [Int32] {
        let start = Int(node) * slots
        var result: [Int32] = []
        result.reserveCapacity(slots)
        for slot in start..<(start + slots) {
            guard base[slot] >= 0 else { break }
            result.append(base[slot])
        }
        return result
    }

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
        return flat.storage.withElements { vectors in
            query.withUnsafeBufferPointer { query in
                let graph = GraphView(vectors: vectors, dimension: dimension)
                var nearest = Candidate(id: entryPoint, score: graph.score(query, entryPoint))
                for layer in stride(from: upperNeighbors.count, through: 1, by: -1) {
                    nearest = graph.greedy(from: nearest, query: query) { upperNeighbors[layer - 1][$0] ?? [] }
                }
                let slots = baseSlots
                let found = baseNeighbors.withElements { base in
                    graph.searchLayer(
                        query: query, entries: [nearest], width: max(searchWidth, limit), visited: visited,
                        keeps: allowed.map { allowed in { allowed.contains(Int($0)) } }
                    ) { node, body in
                        for slot in (Int(node) * slots)..<(Int(node) * slots + slots) {
                            guard base[slot] >= 0 else { break }
                            body(base[slot])
                        }
                    }
                }
                return found.prefix(limit).map { VectorMatch(index: Int($0.id), score: $0.score) }
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

    /// Moves to a better neighbour while there is one (the upper layers' walk).
    func greedy(from start: Candidate, query: UnsafeBufferPointer<Float>, neighbors: (Int32) -> [Int32]) -> Candidate {
        var current = start
        var moved = true
        while moved {
            moved = false
            for neighbor in neighbors(current.id) {
                let candidate = Candidate(id: neighbor, score: score(query, neighbor))
                if candidate > current {
                    current = candidate
                    moved = true
                }
            }
        }
        return current
    }

    /// Best-first search of one layer from `entries`, keeping the `width` best nodes seen; returns them best
    /// first.
    func searchLayer(
        query: UnsafeBufferPointer<Float>, entries: [Candidate], width: Int, visited: VisitedMarks,
        neighbors: (Int32) -> [Int32]
    ) -> [Candidate] {
        searchLayer(query: query, entries: entries, width: width, visited: visited) { node, body in
            for neighbor in neighbors(node) { body(neighbor) }
        }
    }

    /// `searchLayer(query:entries:width:visited:neighbors:)` with the neighbours handed to a body one at a time
    /// (no list made per node).
    /// With `keeps`, only the nodes it accepts are kept (and returned); the others are walked through.
    func searchLayer(
        query: UnsafeBufferPointer<Float>, entries: [Candidate], width: Int, visited: VisitedMarks,
        keeps: ((Int32) -> Bool)? = nil, forEachNeighbor: (Int32, (Int32) -> Void) -> Void
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
        while let best = frontier.popMax() {
            if kept.count >= width, let worst = kept.min, best < worst { break }
            forEachNeighbor(best.id) { neighbor in
                guard visited.insert(neighbor) else { return }
                let candidate = Candidate(id: neighbor, score: score(query, neighbor))
                if kept.count < width || kept.min.map({ candidate > $0 }) ?? true {
                    frontier.insert(candidate)
                    guard keeps?(neighbor) ?? true else { return }
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
