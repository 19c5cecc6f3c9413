import EvidentBenchmarking
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// A ranking of `items`, best first, with made-up scores that fall down the list.
private func ranking(_ items: [Int]) -> [RankedItem] {
    items.enumerated().map { offset, item in RankedItem(item: item, score: Double(items.count - offset)) }
}

/// Records an issue unless `actual` has the items of `expected`, in order, with scores equal within `tolerance`.
private func expectRanking(
    _ actual: [RankedItem], _ expected: [(item: Int, score: Double)], tolerance: Double = 1e-12,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let sameItems = actual.map(\.item) == expected.map(\.item)
    let sameScores = zip(actual, expected).allSatisfy { abs($0.score - $1.score) <= tolerance }
    if !sameItems || !sameScores {
        Issue.record("expected \(expected); got \(actual)", sourceLocation: sourceLocation)
    }
}

@Suite(.offThePool) struct RankFusionTests {
    // MARK: Reciprocal rank fusion

    @Test func reciprocalRankScoresAreSumsOfOneOverKPlusRank() {
        // 10: rank 1 in A and 3 in B; 20: rank 2 in A only; 30: rank 3 in A and 1 in B; 40: rank 2 in B only.
        // 10 and 30 both score 1/61 + 1/63 = 0.0322893; 10 is better in A. 20 and 40 both score 1/62 = 0.0161290;
        // 20 is in A, 40 is not.
        let fused = RankFusion.fuse(
            [ranking([10, 20, 30]), ranking([30, 40, 10])], method: .reciprocalRank(k: 60), limit: 10)
        expectRanking(fused, [(10, 1.0 / 61 + 1.0 / 63), (30, 1.0 / 61 + 1.0 / 63), (20, 1.0 / 62), (40, 1.0 / 62)])
    }

    @Test func reciprocalRankUsesK() {
        // k 1: item 7 at rank 1 in A and rank 2 in B scores 1/2 + 1/3; item 8 at rank 2 in A and 1 in B, the same.
        let fused = RankFusion.fuse([ranking([7, 8]), ranking([8, 7])], method: .reciprocalRank(k: 1), limit: 2)
        expectRanking(fused, [(7, 1.0 / 2 + 1.0 / 3), (8, 1.0 / 2 + 1.0 / 3)])
    }

    @Test func reciprocalRankIgnoresInputScores() {
        // Scores rising down the list do not reorder it: only positions count.
        let list = [5, 3, 9, 1, 7].enumerated().map { RankedItem(item: $1, score: Double($0)) }
        let fused = RankFusion.fuse([list], method: .default, limit: 5)
        expectRanking(fused, [(5, 1.0 / 61), (3, 1.0 / 62), (9, 1.0 / 63), (1, 1.0 / 64), (7, 1.0 / 65)])
    }

    @Test func itemsInOneListOnlyScoreFromThatListAlone() {
        // 1: A rank 1 = 1/61; 4: B rank 1 = 1/61 (not in A, so after 1); 2: A rank 2 = 1/62; 5: B rank 2 = 1/62.
        let fused = RankFusion.fuse([ranking([1, 2]), ranking([4, 5])], method: .default, limit: 10)
        expectRanking(fused, [(1, 1.0 / 61), (4, 1.0 / 61), (2, 1.0 / 62), (5, 1.0 / 62)])
        let denseOnly = RankFusion.fuse([[], ranking([3, 6])], method: .default, limit: 10)
        expectRanking(denseOnly, [(3, 1.0 / 61), (6, 1.0 / 62)])
    }

    @Test func tiesGoToTheItemRankedBetterInTheFirstList() {
        // 9 and 4 both score 1/62. With A first, 9 (in A) wins although 4 is the lower index; with B first, 4 wins.
        let listA = ranking([1, 9])
        let listB = ranking([8, 4])
        let aFirst = RankFusion.fuse([listA, listB], method: .default, limit: 4)
        #expect(aFirst.map(\.item) == [1, 8, 9, 4])
        let bFirst = RankFusion.fuse([listB, listA], method: .default, limit: 4)
        #expect(bFirst.map(\.item) == [8, 1, 4, 9])
    }

    @Test func tiesAmongItemsMissingFromTheFirstListGoToTheLowerItem() {
        // 7 and 5 both score 1/61 + 1/62 and are absent from the first list; 7 is seen first but 5 is lower.
        let fused = RankFusion.fuse(
            [ranking([1]), ranking([7, 5]), ranking([5, 7])], method: .default, limit: 3)
        expectRanking(fused, [(5, 1.0 / 61 + 1.0 / 62), (7, 1.0 / 62 + 1.0 / 61), (1, 1.0 / 61)])
    }

    @Test func tiedItemsShareTheirBestRankSoTheOrderOfTiesChangesNothing() {
        // Lexical: 1 (score 5), then 2 and 3 tied at 4, then 4 (3): ranks 1, 2, 2, 4. Dense: 3 then 4.
        let tied = [
            RankedItem(item: 1, score: 5), RankedItem(item: 2, score: 4), RankedItem(item: 3, score: 4),
            RankedItem(item: 4, score: 3),
        ]
        let dense = ranking([3, 4])
        let fused = RankFusion.fuse([tied, dense], method: .default, limit: 10)
        expectRanking(
            fused, [(3, 1.0 / 62 + 1.0 / 61), (4, 1.0 / 64 + 1.0 / 62), (1, 1.0 / 61), (2, 1.0 / 62)])
        // The same lists with the tie listed the other way fuse to the same ranking and scores.
        let swapped = [tied[0], tied[2], tied[1], tied[3]]
        #expect(RankFusion.fuse([swapped, dense], method: .default, limit: 10) == fused)
    }

    @Test func aSingleListKeepsItsOrder() {
        let items = [42, 7, 19, 3, 88, 0, 56, 21]
        let fused = RankFusion.fuse([ranking(items)], method: .default, limit: items.count)
        #expect(fused.map(\.item) == items)
        let expectedScores: [Double] = (1...items.count).map { rank in 1 / (60 + Double(rank)) }
        #expect(fused.map(\.score) == expectedScores)
    }

    // MARK: Limit and empty input

    @Test func limitSmallerThanTheUnionKeepsTheBest() {
        // Scores: 1 and 5 at 1/61, 2 and 6 at 1/62, 3 and 7 at 1/63, 4 and 8 at 1/64; A's item wins each tie.
        let lists = [ranking([1, 2, 3, 4]), ranking([5, 6, 7, 8])]
        let fused = RankFusion.fuse(lists, method: .default, limit: 3)
        expectRanking(fused, [(1, 1.0 / 61), (5, 1.0 / 61), (2, 1.0 / 62)])
        #expect(RankFusion.fuse(lists, method: .default, limit: 0).isEmpty)
    }

    @Test func everyLimitGivesAPrefixOfTheFullRanking() {
        // Two shuffled, overlapping lists of 200 items from 0..<300, fused at every limit: the selection must agree
        // with the full sort, ties included (many items share a score).
        var generator = SplitMix64(seed: 7)
        let lexical = Array(Array(0..<300).shuffled(using: &generator).prefix(200))
        let dense = Array(Array(0..<300).shuffled(using: &generator).prefix(200))
        for method in [FusionMethod.default, .weighted(lexicalWeight: 0.5)] {
            let lists = [ranking(lexical), ranking(dense)]
            let full = RankFusion.fuse(lists, method: method, limit: 1000)
            #expect(Set(full.map(\.item)) == Set(lexical + dense))
            #expect(full.count == Set(lexical + dense).count)
            #expect(zip(full, full.dropFirst()).allSatisfy { $0.score >= $1.score })
            for limit in 0...full.count + 1 {
                let limited = RankFusion.fuse(lists, method: method, limit: limit)
                #expect(limited == Array(full.prefix(limit)), "\(method), limit \(limit)")
            }
        }
    }

    @Test func emptyInputGivesAnEmptyRanking() {
        #expect(RankFusion.fuse([], method: .default, limit: 10).isEmpty)
        #expect(RankFusion.fuse([[], []], method: .default, limit: 10).isEmpty)
        #expect(RankFusion.fuse([[], []], method: .weighted(lexicalWeight: 0.5), limit: 10).isEmpty)
    }

    // MARK: Weighted fusion

    @Test func weightedScoresAreWeightedSumsOfMinMaxNormalisedScores() {
        // Lexical 10, 6, 2 → 1, 0.5, 0. Dense 0.75, 0.5, 0.25 → 1, 0.5, 0. Weight 0.25 on lexical, 0.75 on dense:
        // 3 = 0.25·0 + 0.75·1 = 0.75; 4 = 0.75·0.5 = 0.375; 1 = 0.25·1 + 0.75·0 = 0.25; 2 = 0.25·0.5 = 0.125.
        let lexical = [RankedItem(item: 1, score: 10), RankedItem(item: 2, score: 6), RankedItem(item: 3, score: 2)]
        let dense = [
            RankedItem(item: 3, score: 0.75), RankedItem(item: 4, score: 0.5), RankedItem(item: 1, score: 0.25),
        ]
        let fused = RankFusion.fuse([lexical, dense], method: .weighted(lexicalWeight: 0.25), limit: 10)
        expectRanking(fused, [(3, 0.75), (4, 0.375), (1, 0.25), (2, 0.125)])
    }

    @Test func aListWithEqualScoresNormalisesToOne() {
        // Lexical 3, 3 → 1, 1; dense holds one item, 0.5 → 1. Weight 0.5: 2 = 0.5 + 0.5 = 1; 1 = 0.5.
        let lexical = [RankedItem(item: 1, score: 3), RankedItem(item: 2, score: 3)]
        let dense = [RankedItem(item: 2, score: 0.5)]
        let fused = RankFusion.fuse([lexical, dense], method: .weighted(lexicalWeight: 0.5), limit: 10)
        expectRanking(fused, [(2, 1), (1, 0.5)])
    }

    @Test func theLowestScoreTiesWithAbsence() {
        // Lexical 4, 2 → 1, 0; dense 8, 6 → 1, 0. Weight 0.5: 1 = 0.5, 5 = 0.5 (1 is in lexical, so first);
        // 2 = 0 and 6 = 0 (2 is in lexical, so first).
        let lexical = [RankedItem(item: 1, score: 4), RankedItem(item: 2, score: 2)]
        let dense = [RankedItem(item: 5, score: 8), RankedItem(item: 6, score: 6)]
        let fused = RankFusion.fuse([lexical, dense], method: .weighted(lexicalWeight: 0.5), limit: 10)
        expectRanking(fused, [(1, 0.5), (5, 0.5), (2, 0), (6, 0)])
    }

    @Test func weightOneGivesTheLexicalOrderAndWeightZeroTheDenseOrder() {
        // Lexical 9, 7, 4, 1 → 1, 0.75, 0.375, 0; dense 0.8, 0.6, 0.3, 0.1 over the same items in another order.
        let lexical = [(1, 9.0), (2, 7.0), (3, 4.0), (4, 1.0)].map { RankedItem(item: $0, score: $1) }
        let dense = [(3, 0.8), (1, 0.6), (4, 0.3), (2, 0.1)].map { RankedItem(item: $0, score: $1) }
        let lexicalOnly = RankFusion.fuse([lexical, dense], method: .weighted(lexicalWeight: 1), limit: 10)
        expectRanking(lexicalOnly, [(1, 1), (2, 0.75), (3, 0.375), (4, 0)])
        let denseOnly = RankFusion.fuse([lexical, dense], method: .weighted(lexicalWeight: 0), limit: 10)
        expectRanking(denseOnly, [(3, 1), (1, 0.5 / 0.7), (4, 0.2 / 0.7), (2, 0)])
    }

    @Test func scoresSpanningTheWholeDoubleRangeNormalise() {
        // max − min overflows to infinity; the normalised scores are still 1, 0.5 and 0.
        let extreme = Double.greatestFiniteMagnitude
        let lexical = [(1, extreme), (3, 0), (2, -extreme)].map { RankedItem(item: $0, score: $1) }
        let fused = RankFusion.fuse([lexical, []], method: .weighted(lexicalWeight: 1), limit: 10)
        expectRanking(fused, [(1, 1), (3, 0.5), (2, 0)])
    }

    // MARK: The method value

    @Test func theDefaultIsReciprocalRankFusionWithK60() throws {
        #expect(FusionMethod.default == .reciprocalRank(k: 60))
        #expect(FusionMethod.default.description == "reciprocal rank fusion (k 60.0)")
        #expect(FusionMethod.weighted(lexicalWeight: 0.3).description == "weighted fusion (lexical weight 0.3)")
        for method in [FusionMethod.default, .weighted(lexicalWeight: 0.3)] {
            let decoded = try JSONDecoder().decode(FusionMethod.self, from: JSONEncoder().encode(method))
            #expect(decoded == method)
        }
    }

    // MARK: Preconditions

    @Test func invalidParametersStopTheProcess() async {
        await #expect(processExitsWith: .failure) {
            _ = RankFusion.fuse([[]], method: .reciprocalRank(k: 0), limit: 1)
        }
        await #expect(processExitsWith: .failure) {
            _ = RankFusion.fuse([[], []], method: .weighted(lexicalWeight: 1.5), limit: 1)
        }
        await #expect(processExitsWith: .failure) {
            _ = RankFusion.fuse([[], [], []], method: .weighted(lexicalWeight: 0.5), limit: 1)
        }
        await #expect(processExitsWith: .failure) {
            _ = RankFusion.fuse([[]], method: .default, limit: -1)
        }
        await #expect(processExitsWith: .failure) {
            _ = RankFusion.fuse(
                [[RankedItem(item: 1, score: 2), RankedItem(item: 1, score: 1)]], method: .default, limit: 1)
        }
    }
}
