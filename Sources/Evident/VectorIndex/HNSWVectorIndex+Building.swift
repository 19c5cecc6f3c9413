import Dispatch
import Foundation
import Synchronization

extension HNSWVectorIndex {
    /// Links every vector of `flat` into the graph, on `threadCount` threads, the same graph whatever their number.
    ///
    /// Nodes are linked in batches (at most 256, and an eighth of the nodes linked so far, so that a batch never
    /// outweighs the graph it joins). Each node of a batch is placed against the graph as the batch found it: its
    /// top layer drawn with `seed`, a greedy walk down the upper layers, a search of `constructionWidth` nodes on
    /// each of its own layers, to which the batch's earlier nodes of that layer are added (they are not linked
    /// yet, and a node placed one at a time would have seen them), and the most diverse of those candidates as its
    /// neighbours. Those searches read only the graph, so the batch's nodes are placed side by side. Then each
    /// node's links are written and every neighbour links back, keeping its most diverse neighbours when full;
    /// each neighbour's links are changed by one thread in the order of the batch, so the graph does not depend
    /// on the threads.
    ///
    /// - Parameters:
    ///   - flat: The vectors; kept for scoring.
    ///   - maxNeighbors: *M*: the neighbours a node keeps above layer 0 (2*M* on layer 0); 16 to 48 suits
    ///     sentence embeddings.
    ///   - constructionWidth: The candidates examined when a node's neighbours are chosen (efConstruction).
    ///   - seed: Fixes each node's top layer, so that a build is the same on every run.
    ///   - threadCount: The threads that place nodes and write links.
    ///   - progress: Called with the share of the nodes linked, in [0, 1], after every batch that passes a
    ///     multiple of 1,024 nodes.
    /// - Complexity: About O(*n* log *n* · `constructionWidth` · `dimension`), shared by the threads.
    public init(
        building flat: FlatVectorIndex, maxNeighbors: Int = 16, constructionWidth: Int = 100,
        seed: UInt64 = 0x4E5_5EED, threadCount: Int = 1, progress: ((Double) -> Void)? = nil
    ) {
        precondition(maxNeighbors >= 2, "a graph node needs at least 2 neighbours")
        let count = flat.count
        var generator = SplitMix64(seed: seed)
        let levelScale = 1 / log(Double(maxNeighbors))
        let levels = (0..<count).map { _ in
            Int(-log(Double.random(in: Double.ulpOfOne..<1, using: &generator)) * levelScale)
        }
        let links = LinkTable(levels: levels, maxNeighbors: maxNeighbors)
        let workers = max(1, min(threadCount, 64))
        let marks = (0..<workers).map { _ in VisitedMarks(count: count) }
        var entry: Int32 = count > 0 ? 0 : -1
        var topLevel = levels.first ?? -1
        flat.storage.withElements { vectors in
            let graph = GraphView(vectors: vectors, dimension: flat.dimension)
            var next = min(count, 1)
            while next < count {
                let batch = next..<min(count, next + min(256, max(1, next / 8)))
                let placed = Self.place(
                    batch, levels: levels, graph: graph, links: links, entry: entry, topLevel: topLevel,
                    constructionWidth: constructionWidth, marks: marks)
                Self.link(batch, placed: placed, graph: graph, links: links, workers: workers)
                for node in batch where levels[node] > topLevel { (entry, topLevel) = (Int32(node), levels[node]) }
                if next / 1024 != batch.upperBound / 1024 { progress?(Double(batch.upperBound) / Double(count)) }
                next = batch.upperBound
            }
        }
        progress?(1)
        self.init(
            flat: flat, maxNeighbors: maxNeighbors, baseNeighbors: .array(links.baseLinks()),
            upperNeighbors: links.upperLinks(), entryPoint: entry)
    }

    /// Each node of `batch` placed against the graph as it stands: its chosen neighbours, layer by layer (index
    /// `layer`), from layer 0 to its top.
    private static func place(
        _ batch: Range<Int>, levels: [Int], graph: GraphView, links: LinkTable, entry: Int32, topLevel: Int,
        constructionWidth: Int, marks: [VisitedMarks]
    ) -> [[[Int32]]] {
        func place(_ node: Int, visited: VisitedMarks) -> [[Int32]] {
            let level = levels[node]
            let query = graph.vector(node)
            var nearest = Candidate(id: entry, score: graph.score(query, entry))
            for layer in stride(from: topLevel, to: level, by: -1) where layer >= 1 {
                nearest = GraphView.greedy(from: nearest, score: { graph.score(query, $0) }) {
                    links.neighbors(of: $0, layer: layer)
                }
            }
            var entries = [nearest]
            var chosen = [[Int32]](repeating: [], count: level + 1)
            for layer in stride(from: level, through: 0, by: -1) {
                var found: [Candidate] = []
                if layer <= topLevel {
                    found = graph.searchLayer(
                        query: query, entries: entries, width: constructionWidth, visited: visited
                    ) { node, body in links.forEachNeighbor(of: node, layer: layer, body) }
                    if !found.isEmpty { entries = found }
                }
                let earlier = (batch.lowerBound..<node).filter { levels[$0] >= layer }
                if !earlier.isEmpty {
                    found = Array(
                        (found + earlier.map { Candidate(id: Int32($0), score: graph.score(query, Int32($0))) })
                            .sorted(by: >).prefix(constructionWidth))
                }
                chosen[layer] = graph.diverse(found, limit: links.limit(layer: layer)).map(\.id)
            }
            return chosen
        }
        guard marks.count > 1, batch.count > 1 else { return batch.map { place($0, visited: marks[0]) } }
        var placed = [[[Int32]]](repeating: [], count: batch.count)
        nonisolated(unsafe) let placeUnchecked = place
        placed.withUnsafeMutableBufferPointer { placed in
            nonisolated(unsafe) let placed = placed
            let next = Atomic(0)
            DispatchQueue.concurrentPerform(iterations: min(marks.count, batch.count)) { worker in
                // Each worker takes the next node and writes only its entry.
                while case let position = next.add(1, ordering: .relaxed).oldValue, position < batch.count {
                    placed[position] = placeUnchecked(batch.lowerBound + position, marks[worker])
                }
            }
        }
        return placed
    }

    /// Writes the links of the nodes of `batch`, then every link back from a neighbour: each neighbour is changed
    /// by one worker, in the order of the batch.
    private static func link(
        _ batch: Range<Int>, placed: [[[Int32]]], graph: GraphView, links: LinkTable, workers: Int
    ) {
        var backLinks: [Int32: [(layer: Int, node: Int32)]] = [:]
        for (position, chosen) in placed.enumerated() {
            let node = Int32(batch.lowerBound + position)
            for (layer, neighbors) in chosen.enumerated() {
                links.setNeighbors(of: node, layer: layer, neighbors)
                for neighbor in neighbors { backLinks[neighbor, default: []].append((layer, node)) }
            }
        }
        let targets = backLinks.keys.sorted()
        func linkBack(to target: Int32) {
            let own = graph.vector(Int(target))
            for (layer, node) in backLinks[target] ?? [] {
                var neighbors = links.neighbors(of: target, layer: layer)
                neighbors.append(node)
                let limit = links.limit(layer: layer)
                if neighbors.count > limit {
                    let scored = neighbors.map { Candidate(id: $0, score: graph.score(own, $0)) }.sorted(by: >)
                    neighbors = graph.diverse(scored, limit: limit).map(\.id)
                }
                links.setNeighbors(of: target, layer: layer, neighbors)
            }
        }
        guard workers > 1, targets.count > 1 else {
            targets.forEach(linkBack)
            return
        }
        nonisolated(unsafe) let linkBackUnchecked = linkBack
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // A target belongs to one worker: its links change in one order whatever the number of workers.
            for target in targets where Int(target) % workers == worker { linkBackUnchecked(target) }
        }
    }
}

/// The links of a graph being built: fixed slots per node and layer (−1 after the last link), written by one
/// thread per node at a time (`HNSWVectorIndex.link`) and read by all while no one writes.
final class LinkTable: @unchecked Sendable {  // writers touch disjoint nodes; reads and writes never overlap
    let maxNeighbors: Int
    /// Layer 0: `2 · maxNeighbors` slots a node.
    private let base: UnsafeMutableBufferPointer<Int32>
    /// Layers 1 and above (index 0 is layer 1): `maxNeighbors` slots for each node of the layer.
    private let upper: [UnsafeMutableBufferPointer<Int32>]
    /// Each upper layer's row of a node (the nodes whose top layer is at least that layer, in order).
    private let upperRows: [[Int32: Int]]

    init(levels: [Int], maxNeighbors: Int) {
        self.maxNeighbors = maxNeighbors
        base = .allocate(capacity: levels.count * 2 * maxNeighbors)
        base.initialize(repeating: -1)
        var rows: [[Int32: Int]] = Array(repeating: [:], count: levels.max() ?? 0)
        for (node, level) in levels.enumerated() where level >= 1 {
            for layer in 1...level { rows[layer - 1][Int32(node)] = rows[layer - 1].count }
        }
        upperRows = rows
        upper = rows.map { layer in
            let slots = UnsafeMutableBufferPointer<Int32>.allocate(capacity: layer.count * maxNeighbors)
            slots.initialize(repeating: -1)
            return slots
        }
    }

    deinit {
        base.deallocate()
        upper.forEach { $0.deallocate() }
    }

    /// The most links a node keeps on `layer`.
    func limit(layer: Int) -> Int { layer == 0 ? 2 * maxNeighbors : maxNeighbors }

    /// The slots of `node` on `layer`.
    private func slots(of node: Int32, layer: Int) -> UnsafeMutableBufferPointer<Int32> {
        if layer == 0 {
            let start = Int(node) * 2 * maxNeighbors
            return UnsafeMutableBufferPointer(rebasing: base[start..<(start + 2 * maxNeighbors)])
        }
        guard let row = upperRows[layer - 1][node] else { return UnsafeMutableBufferPointer(start: nil, count: 0) }
        return UnsafeMutableBufferPointer(rebasing: upper[layer - 1][(row * maxNeighbors)..<((row + 1) * maxNeighbors)])
    }

    func forEachNeighbor(of node: Int32, layer: Int, _ body: (Int32) -> Void) {
        for neighbor in slots(of: node, layer: layer) {
            guard neighbor >= 0 else { break }
            body(neighbor)
        }
    }

    func neighbors(of node: Int32, layer: Int) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(limit(layer: layer))
        forEachNeighbor(of: node, layer: layer) { result.append($0) }
        return result
    }

    func setNeighbors(of node: Int32, layer: Int, _ neighbors: [Int32]) {
        let slots = slots(of: node, layer: layer)
        precondition(neighbors.count <= slots.count, "\(neighbors.count) links for \(slots.count) slots")
        for index in slots.indices { slots[index] = index < neighbors.count ? neighbors[index] : -1 }
    }

    /// Layer 0's slots, as the index stores them.
    func baseLinks() -> [Int32] { Array(base) }

    /// The upper layers, as the index stores them: each layer's nodes with their links.
    func upperLinks() -> [[Int32: [Int32]]] {
        upperRows.indices.map { index in
            upperRows[index].reduce(into: [Int32: [Int32]]()) { layer, entry in
                layer[entry.key] = neighbors(of: entry.key, layer: index + 1)
            }
        }
    }
}
