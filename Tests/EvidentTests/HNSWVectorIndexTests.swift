import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct HNSWVectorIndexTests {
    @Test func everyNodeIsLinkedBothWaysWithinItsBudget() {
        let (flat, _) = clusteredIndexAndQueries(count: 3000, seed: 5)
        let graph = HNSWVectorIndex(building: flat, maxNeighbors: 8)
        let slots = 16
        let base = graph.baseNeighbors.withElements { Array($0) }
        var linked = Set<Int32>()
        for node in 0..<3000 {
            let neighbors = base[(node * slots)..<((node + 1) * slots)].prefix { $0 >= 0 }
            #expect(!neighbors.isEmpty, "node \(node) has no neighbour")
            #expect(Set(neighbors).count == neighbors.count && !neighbors.contains(Int32(node)))
            // No link after the first empty slot.
            #expect(base[(node * slots + neighbors.count)..<((node + 1) * slots)].allSatisfy { $0 < 0 })
            linked.formUnion(neighbors)
        }
        #expect(linked.count == 3000, "every node can be reached from another")
        for layer in graph.upperNeighbors {
            for (node, neighbors) in layer {
                #expect(neighbors.count <= 8 && neighbors.allSatisfy { layer[$0] != nil && $0 != node })
            }
        }
        // The layers thin out upwards.
        #expect(graph.upperNeighbors.isEmpty || graph.upperNeighbors[0].count < 3000 / 4)
    }

    @Test func recallGrowsWithTheSearchWidthAndScoresAreExact() {
        let (flat, queries) = clusteredIndexAndQueries(count: 8000, seed: 6)
        let graph = HNSWVectorIndex(building: flat)
        let narrow = graph.recall(against: flat, queries: queries, searchWidth: 10)
        let standard = graph.recall(against: flat, queries: queries)
        let wide = graph.recall(against: flat, queries: queries, searchWidth: 400)
        #expect(narrow <= standard && standard <= wide)
        #expect(standard >= 0.95, "recall@10 \(standard) at the default width")
        #expect(wide >= 0.99, "recall@10 \(wide) at width 400")
        for query in queries.prefix(10) {
            let found = graph.search(query, limit: 10)
            #expect(found == found.sorted(by: >))
            for match in found { #expect(match.score == Kernels.dotProduct(flat.vector(at: match.index), query)) }
        }
        // Walking 8-bit codes finds nearly as much, and the scores it returns are the exact ones.
        let walking = graph.walkingCodes(of: Int8VectorIndex(quantizing: flat))
        #expect(walking.walksCodes && !graph.walksCodes)
        let coded = walking.recall(against: flat, queries: queries)
        let codedWide = walking.recall(against: flat, queries: queries, searchWidth: 400)
        #expect(coded >= standard - 0.03 && coded >= 0.93, "recall@10 \(coded) walking codes, \(standard) in fp32")
        #expect(codedWide >= 0.99, "recall@10 \(codedWide) walking codes at width 400")
        for query in queries.prefix(10) {
            let found = walking.search(query, limit: 10)
            #expect(found == found.sorted(by: >))
            for match in found { #expect(match.score == Kernels.dotProduct(flat.vector(at: match.index), query)) }
        }
    }

    @Test func theSameSeedBuildsTheSameGraphAndEdgeCasesHold() {
        let (flat, queries) = clusteredIndexAndQueries(count: 1500, seed: 7)
        let first = HNSWVectorIndex(building: flat, maxNeighbors: 8)
        let second = HNSWVectorIndex(building: flat, maxNeighbors: 8)
        #expect(first.encoded() == second.encoded() && first.entryPoint == second.entryPoint)
        // Nodes placed side by side on other thread counts make the same graph.
        for threads in [2, 3] {
            let shared = HNSWVectorIndex(building: flat, maxNeighbors: 8, threadCount: threads)
            #expect(shared.encoded() == first.encoded(), "\(threads) threads")
        }
        #expect(first.search(queries[0], limit: 5) == second.search(queries[0], limit: 5))
        #expect(first.search(queries[0], limit: 0).isEmpty)
        let empty = HNSWVectorIndex(building: FlatVectorIndex(dimension: 3, vectors: []))
        #expect(empty.search([1, 0, 0], limit: 3).isEmpty)
        let one = HNSWVectorIndex(building: FlatVectorIndex(dimension: 3, vectors: [0, 1, 0]))
        #expect(one.search([0, 1, 0], limit: 3).map(\.index) == [0])
    }

    @Test func aReopenedGraphSearchesAlikeAndDamageIsRefused() throws {
        let (flat, queries) = clusteredIndexAndQueries(count: 2000, seed: 8)
        let graph = HNSWVectorIndex(building: flat, maxNeighbors: 8)
        let bytes = graph.encoded()
        let reopened = try HNSWVectorIndex(ReadOnlyBytes(copying: bytes, path: "test.hnsw"), linking: flat)
        #expect(reopened.encoded() == bytes)
        for query in queries.prefix(20) { #expect(reopened.search(query, limit: 10) == graph.search(query, limit: 10)) }
        let open = { (bytes: ReadOnlyBytes, flat: FlatVectorIndex) in _ = try HNSWVectorIndex(bytes, linking: flat) }
        func refused(_ bytes: [UInt8]) -> String? { refusal(bytes, against: flat, open: open) }
        expectCommonDamageRefused(bytes, against: flat, step: 101, open: open)
        // A link of layer 0 past the last vector (the header is 36 bytes, padded to 32: the slots start at 64).
        var outside = bytes
        withUnsafeBytes(of: Int32(2000).littleEndian) {
            for (offset, byte) in $0.enumerated() { outside[64 + offset] = byte }
        }
        #expect(refused(outside)?.contains("outside") == true)
        // An entry point outside the index.
        var entry = bytes
        withUnsafeBytes(of: Int32(-5).littleEndian) {
            for (offset, byte) in $0.enumerated() { entry[28 + offset] = byte }
        }
        #expect(refused(entry) != nil)
    }
}
