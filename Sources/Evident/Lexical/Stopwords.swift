/// Stopword lists for the ``Analyzer``.
public enum Stopwords {
    /// Lucene's `EnglishAnalyzer` default stop set: 33 function words.
    ///
    /// bm25s's `"en"` list (`bm25s.stopwords.STOPWORDS_EN`, checked in bm25s 0.3.16) is the same 33 words, so
    /// an index built with this list matches the bm25s baseline Evident is measured against.
    public static let english: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
    ]
}
