/// A vector of an index and its inner product with a query.
///
/// Matches order by score, and among equal scores the lower index is greater, so that sorting in descending order
/// gives a deterministic ranking.
public struct VectorMatch: Sendable, Hashable, Comparable {
    /// The position of the vector in its index.
    public var index: Int
    /// The inner product of the vector and the query.
    public var score: Float

    /// Creates a match.
    ///
    /// - Parameters:
    ///   - index: The position of the vector in its index.
    ///   - score: The inner product of the vector and the query.
    public init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }

    /// Whether `left` ranks below `right`: a lower score, or an equal score and a higher index.
    ///
    /// - Parameters:
    ///   - left: A match.
    ///   - right: Another match.
    /// - Returns: `true` when `left` ranks below `right`.
    public static func < (left: VectorMatch, right: VectorMatch) -> Bool {
        left.score != right.score ? left.score < right.score : left.index > right.index
    }
}

extension VectorMatch {
    /// Recall against exact search: the share of the `truth` lists' matches (by index) that the `found` lists,
    /// query by query, hold; 1 when the truth lists are empty.
    package static func recall(found: [[VectorMatch]], truth: [[VectorMatch]]) -> Double {
        var hits = 0
        var total = 0
        for (found, truth) in zip(found, truth) {
            hits += Set(truth.map(\.index)).intersection(found.map(\.index)).count
            total += truth.count
        }
        return total == 0 ? 1 : Double(hits) / Double(total)
    }
}
