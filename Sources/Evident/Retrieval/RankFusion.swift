/// How a hybrid search combines a lexical and a dense ranking.
public enum FusionMethod: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): score = Σ 1 / (k + rank), rank from 1.
    ///
    /// Only positions count; the input scores serve only to find ties, which share the best of their ranks. `k` must
    /// be positive; 60 is the paper's value.
    case reciprocalRank(k: Double)

    /// Weighted sum of min-max normalised scores: lexicalWeight · lexical + (1 − lexicalWeight) · dense.
    ///
    /// Takes exactly two rankings, the lexical one first. `lexicalWeight` must lie in 0...1.
    case weighted(lexicalWeight: Double)

    /// Reciprocal rank fusion with k = 60.
    public static let `default` = FusionMethod.reciprocalRank(k: 60)

    /// The method and its parameter, for logs and reports.
    public var description: String {
        switch self {
        case .reciprocalRank(let k): "reciprocal rank fusion (k \(k))"
        case .weighted(let lexicalWeight): "weighted fusion (lexical weight \(lexicalWeight))"
        }
    }
}

/// One ranked item of an input list: an item index (a passage number) and its score, best first.
public struct RankedItem: Sendable, Hashable {
    /// The item ranked, such as a passage number.
    public var item: Int
    /// The item's score in its ranking; higher is better.
    public var score: Double

    /// Creates a ranked item.
    ///
    /// - Parameters:
    ///   - item: The item ranked, such as a passage number.
    ///   - score: The item's score; higher is better.
    public init(item: Int, score: Double) {
        self.item = item
        self.score = score
    }
}

/// Combines several rankings of the same items into one.
public enum RankFusion {
    /// Fuses rankings (each best first, items unique within a list) into one, best first, at most `limit` items.
    ///
    /// Items missing from a list contribute nothing from it (RRF) or 0 after normalisation (weighted).
    /// Ties: the item ranked better in the first list, then the lower item index. An item absent from the first
    /// list ranks after every item present in it. Scores tie when the computed `Double` values are equal.
    ///
    /// With `.reciprocalRank(k:)`, an item at position *r* (from 1) of a list gains 1 / (k + *r*) from that list,
    /// whatever its score there, except that items with equal scores in a list all take the position of the first
    /// of them (competition ranking, "1 2 2 4"): how a list happens to order its ties (by passage number in one index,
    /// by shard in a sharded one) changes nothing. Any number of lists may be fused. With `.weighted(lexicalWeight:)`, there must be
    /// exactly two lists, lexical then dense; each list's scores are normalised to 0...1 by
    /// (*s* − min) / (max − min) over that list, or to 1 for every item when all its scores are equal, and an
    /// item's fused score is lexicalWeight · lexical + (1 − lexicalWeight) · dense. Its scores must be finite.
    ///
    /// - Parameters:
    ///   - rankings: The input rankings, each best first, with no item twice in one list.
    ///   - method: How to combine them.
    ///   - limit: The maximum number of items returned, at least 0.
    /// - Returns: The fused ranking, best first, each item with its fused score; at most `limit` items, fewer when
    ///   the lists hold fewer distinct items.
    /// - Complexity: O(*n* + `limit` log `limit`) expected, for *n* items over all lists.
    public static func fuse(_ rankings: [[RankedItem]], method: FusionMethod, limit: Int) -> [RankedItem] {
        precondition(limit >= 0, "limit must not be negative; got \(limit)")
        let contributions: [(RankedItem) -> Double]
        switch method {
        case .reciprocalRank(let k):
            precondition(k > 0 && k.isFinite, "reciprocal rank fusion needs a finite k > 0; got \(k)")
            contributions = []
        case .weighted(let lexicalWeight):
            precondition(
                (0...1).contains(lexicalWeight), "lexicalWeight must lie in 0...1; got \(lexicalWeight)")
            precondition(
                rankings.count == 2,
                "weighted fusion takes exactly two rankings (lexical, dense); got \(rankings.count)")
            contributions = [
                normaliser(of: rankings[0], weight: lexicalWeight),
                normaliser(of: rankings[1], weight: 1 - lexicalWeight),
            ]
        }

        var candidates: [Candidate] = []
        candidates.reserveCapacity(rankings.reduce(0) { $0 + $1.count })
        var positions: [Int: Int] = [:]  // item → its index in `candidates`
        positions.reserveCapacity(candidates.capacity)
        for (list, ranking) in rankings.enumerated() {
            var position = 0  // the position of the first item with this item's score
            for (offset, ranked) in ranking.enumerated() {
                if offset > 0, ranked.score != ranking[offset - 1].score { position = offset }
                let gain: Double
                switch method {
                case .reciprocalRank(let k): gain = 1 / (k + Double(position + 1))
                case .weighted: gain = contributions[list](ranked)
                }
                if let position = positions[ranked.item] {
                    precondition(
                        candidates[position].lastList != list, "item \(ranked.item) appears twice in ranking \(list)")
                    candidates[position].score += gain
                    candidates[position].lastList = list
                } else {
                    positions[ranked.item] = candidates.count
                    candidates.append(
                        Candidate(
                            item: ranked.item, score: gain, firstListRank: list == 0 ? position : Int.max,
                            lastList: list))
                }
            }
        }

        let count = min(limit, candidates.count)
        selectBest(count, of: &candidates)
        return candidates[..<count].sorted(by: Candidate.ranksBefore).map { RankedItem(item: $0.item, score: $0.score) }
    }

    /// An item being fused: its score so far and what breaks ties.
    private struct Candidate {
        var item: Int
        var score: Double
        /// The item's position in the first ranking (the first position of its score's ties), or `Int.max` when it is
        /// absent from it.
        var firstListRank: Int
        /// The last ranking that contributed, to catch an item listed twice in one ranking.
        var lastList: Int

        /// Whether `first` ranks before `second`: higher score, then better first-list rank, then lower item.
        static func ranksBefore(_ first: Candidate, _ second: Candidate) -> Bool {
            if first.score != second.score { return first.score > second.score }
            if first.firstListRank != second.firstListRank { return first.firstListRank < second.firstListRank }
            return first.item < second.item
        }
    }

    /// A function giving a ranked item's min-max normalised score in `ranking`, times `weight`.
    private static func normaliser(of ranking: [RankedItem], weight: Double) -> (RankedItem) -> Double {
        var minimum = Double.infinity
        var maximum = -Double.infinity
        for ranked in ranking {
            precondition(
                ranked.score.isFinite, "weighted fusion needs finite scores; item \(ranked.item) has \(ranked.score)")
            minimum = min(minimum, ranked.score)
            maximum = max(maximum, ranked.score)
        }
        guard minimum < maximum else { return { _ in weight } }
        let range = maximum - minimum
        if range.isFinite {
            return { weight * (($0.score - minimum) / range) }
        }
        // The range overflows (scores near ±Double.greatestFiniteMagnitude): halve everything first.
        let halfMinimum = minimum / 2
        let halfRange = maximum / 2 - halfMinimum
        return { weight * (($0.score / 2 - halfMinimum) / halfRange) }
    }

    /// Moves the `count` best candidates, in no particular order, to the front of `candidates`.
    ///
    /// Quickselect with random pivots: O(*n*) expected. Candidates are totally ordered (items are distinct), so the
    /// set selected does not depend on the pivots.
    private static func selectBest(_ count: Int, of candidates: inout [Candidate]) {
        // Invariant: everything before `lower` ranks before everything from `lower` on, and everything before
        // `upper` ranks before everything from `upper` on; lower ≤ count ≤ upper.
        var lower = 0
        var upper = candidates.count
        while lower < count && count < upper {
            let pivotIndex = Int.random(in: lower..<upper)
            let pivot = candidates[pivotIndex]
            let boundary = candidates[lower..<upper].partition { !Candidate.ranksBefore($0, pivot) }
            if boundary == lower {
                // The pivot is the best of the range: put it first and shrink the range by one.
                if let index = candidates[lower..<upper].firstIndex(where: { $0.item == pivot.item }) {
                    candidates.swapAt(lower, index)
                }
                lower += 1
            } else if boundary > count {
                upper = boundary
            } else {
                lower = boundary
            }
        }
    }
}
