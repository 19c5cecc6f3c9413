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
