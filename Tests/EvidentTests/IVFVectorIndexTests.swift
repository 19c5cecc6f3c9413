import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct IVFVectorIndexTests {
    @Test func everyVectorIsInExactlyOneListAndItsNearestCentroidsList() {
        let (flat, _) = clusteredIndexAndQueries(count: 4000, seed: 1)
        let ivf = IVFVectorIndex(clustering: flat)
        #expect(ivf.listCount == IVFVectorIndex.defaultListCount(for: 4000))
        #expect(ivf.listCount == 253)
        #expect(ivf.listSizes.reduce(0, +) == 4000)
        let members = ivf.members.withElements { Array($0) }
        #expect(Set(members).count == 4000)
        // k-means leaves no list empty on data with more vectors than lists.
        #expect(ivf.listSizes.allSatisfy { $0 > 0 }, "\(ivf.listSizes.filter { $0 == 0 }.count) empty lists")
        for list in stride(from: 0, to: ivf.listCount, by: 17) {
            for row in ivf.listStarts[list]..<ivf.listStarts[list + 1] {
                let nearest = ivf.centroids.search(flat.vector(at: Int(members[row])), limit: 1)[0].index
                #expect(nearest == list, "vector \(members[row]) sits in list \(list), nearest \(nearest)")
            }
        }
    }

    @Test func recallGrowsWithProbesAndScoresAreExact() {
        let (flat, queries) = clusteredIndexAndQueries(count: 20_000, seed: 2)
        let ivf = IVFVectorIndex(clustering: flat, threadCount: 2)
        let one = ivf.recall(against: flat, queries: queries, probes: 1)
        let standard = ivf.recall(against: flat, queries: queries)
        let all = ivf.recall(against: flat, queries: queries, probes: ivf.listCount)
        #expect(one < standard)
        #expect(standard >= 0.95, "recall@10 \(standard) at \(ivf.defaultProbes) of \(ivf.listCount) lists")
        #expect(all >= 0.99, "scanning every list should find what int8 search finds: \(all)")
        for query in queries.prefix(10) {
            for match in ivf.search(query, limit: 10) {
                let exact = Kernels.dotProduct(flat.vector(at: match.index), query)
                #expect(match.score == exact)
            }
        }
        // Batches and threads change nothing.
        #expect(ivf.search(batch: queries, limit: 10, threadCount: 2) == queries.map { ivf.search($0, limit: 10) })
    }

    @Test func theSameSeedBuildsTheSameIndex() {
        let (flat, _) = clusteredIndexAndQueries(count: 3000, seed: 3)
        #expect(IVFVectorIndex(clustering: flat).encoded() == IVFVectorIndex(clustering: flat).encoded())
        #expect(IVFVectorIndex(clustering: flat).encoded() != IVFVectorIndex(clustering: flat, seed: 9).encoded())
    }

    @Test func smallAndEdgeCases() {
        let flat = FlatVectorIndex(dimension: 3, vectors: [1, 0, 0, 0, 1, 0, 0.6, 0.8, 0])
        let ivf = IVFVectorIndex(clustering: flat, listCount: 10)
        #expect(ivf.listCount == 3)
        #expect(ivf.search([0, 1, 0], limit: 10, probes: 3).map(\.index) == [1, 2, 0])
        #expect(ivf.search([0, 1, 0], limit: 0).isEmpty)
        let empty = IVFVectorIndex(clustering: FlatVectorIndex(dimension: 3, vectors: []))
        #expect(empty.search([1, 0, 0], limit: 5).isEmpty)
        let reopened = try? IVFVectorIndex(
            ReadOnlyBytes(copying: empty.encoded(), path: "empty.ivf"),
            rescoringWith: FlatVectorIndex(dimension: 3, vectors: []))
        #expect(reopened?.count == 0)
    }

    @Test func aReopenedIndexSearchesAlikeAndDamageIsRefused() throws {
        let (flat, queries) = clusteredIndexAndQueries(count: 2000, seed: 4)
        let ivf = IVFVectorIndex(clustering: flat, listCount: 40)
        let bytes = ivf.encoded()
        let reopened = try IVFVectorIndex(ReadOnlyBytes(copying: bytes, path: "test.ivf"), rescoringWith: flat)
        #expect(reopened.encoded() == bytes)
        for query in queries.prefix(20) {
            #expect(reopened.search(query, limit: 10, probes: 5) == ivf.search(query, limit: 10, probes: 5))
        }
        let open = { (bytes: ReadOnlyBytes, flat: FlatVectorIndex) in
            _ = try IVFVectorIndex(bytes, rescoringWith: flat)
        }
        func refused(_ bytes: [UInt8]) -> String? { refusal(bytes, against: flat, open: open) }
        expectCommonDamageRefused(bytes, against: flat, step: 97, open: open)
        // A member listed twice (the second made equal to the first) is refused with what is wrong. The layout:
        // header, list count, ranges, list starts, padding to 32, centroids, members.
        let headerEnd = 24 + 8 + 64 * 8 + 8 * 41
        let membersOffset = (headerEnd + 31) / 32 * 32 + 40 * 64 * 4
        var twice = bytes
        twice.replaceSubrange(
            (membersOffset + 4)..<(membersOffset + 8), with: bytes[membersOffset..<(membersOffset + 4)])
        #expect(refused(twice)?.contains("listed twice") == true)
        // A list that starts after the next one.
        var disordered = bytes
        let firstListStart = 24 + 8 + 64 * 8 + 8
        disordered[firstListStart] = 0xFF
        #expect(refused(disordered) != nil)
    }
}
