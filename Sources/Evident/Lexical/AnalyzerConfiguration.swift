/// The choices that shape an ``Analyzer``'s terms; an index stores it so that queries are analyzed as documents were.
public struct AnalyzerConfiguration: Sendable, Hashable, Codable {
    /// Terms dropped from the output, compared with each token after folding and lowercasing but before stemming.
    public var stopwords: Set<String>
    /// Whether terms are reduced to their stems with the ``EnglishStemmer``.
    public var stemming: Bool
    /// Whether letters lose their diacritics and compatibility forms (`é` → `e`, `ß` → `ss`, `ﬁ` → `fi`).
    ///
    /// When `false`, letters are only lowercased, and combining marks stay part of the token.
    public var foldsDiacritics: Bool

    /// Lucene `EnglishAnalyzer`'s behaviour: English stopwords, Snowball English stemming, diacritic folding.
    public static let english = AnalyzerConfiguration()

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - stopwords: Terms to drop, written folded and lowercase; ``Stopwords/english`` by default.
    ///   - stemming: Whether to stem terms; `true` by default.
    ///   - foldsDiacritics: Whether to remove diacritics; `true` by default.
    /// - Complexity: O(1)
    public init(stopwords: Set<String> = Stopwords.english, stemming: Bool = true, foldsDiacritics: Bool = true) {
        self.stopwords = stopwords
        self.stemming = stemming
        self.foldsDiacritics = foldsDiacritics
    }

    /// Encodes the stopwords sorted, so that two builds with the same settings write the same manifest bytes (a
    /// set's own order changes from run to run).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(stopwords.sorted(), forKey: .stopwords)
        try container.encode(stemming, forKey: .stemming)
        try container.encode(foldsDiacritics, forKey: .foldsDiacritics)
    }
}
