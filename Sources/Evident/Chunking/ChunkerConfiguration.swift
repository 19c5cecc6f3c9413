/// How a ``Chunker`` cuts documents into passages.
public struct ChunkerConfiguration: Sendable, Hashable, Codable {
    /// The most words a passage packs; a single longer sentence still becomes a passage of its own.
    public var maxWords: Int = 160
    /// How many sentences at the end of a passage are repeated at the start of the next one in the same section.
    public var overlapSentences: Int = 1

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - maxWords: The most words a passage packs; at least 1.
    ///   - overlapSentences: Sentences repeated from one passage to the next; at least 0.
    public init(maxWords: Int = 160, overlapSentences: Int = 1) {
        precondition(maxWords >= 1, "maxWords must be at least 1")
        precondition(overlapSentences >= 0, "overlapSentences cannot be negative")
        self.maxWords = maxWords
        self.overlapSentences = overlapSentences
    }

    /// 160 words, one sentence of overlap.
    public static let `default` = ChunkerConfiguration()
}
