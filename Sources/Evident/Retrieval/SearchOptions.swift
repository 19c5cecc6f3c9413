/// Which index answers a search.
public enum SearchMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// BM25 (or TF-IDF) over the inverted index.
    case lexical
    /// Inner product of the query's embedding with the passage vectors.
    case dense
    /// Both, fused (reciprocal rank fusion by default).
    case hybrid
}

/// How a search is run; the defaults suit most queries.
public struct SearchOptions: Sendable, Hashable {
    /// The mode; `nil` means hybrid when the retriever can embed queries, lexical otherwise.
    public var mode: SearchMode?
    /// The lexical scoring; the index's default when `nil`.
    public var scoring: LexicalScoring?
    /// How hybrid search combines its two rankings.
    public var fusion: FusionMethod
    /// Whether dense search scans the int8 vectors (re-scored exactly) instead of the fp32 ones.
    public var usesQuantizedVectors: Bool
    /// Passages each ranking contributes to a hybrid search (at least the limit).
    public var fusionDepth: Int
    /// Threads for one dense search.
    public var threadCount: Int

    /// Creates options.
    ///
    /// - Parameters:
    ///   - mode: The mode, or `nil` for the best the retriever can do.
    ///   - scoring: The lexical scoring, or `nil` for the index's.
    ///   - fusion: How hybrid search fuses.
    ///   - usesQuantizedVectors: Whether to scan int8 vectors.
    ///   - fusionDepth: Passages per ranking in hybrid search.
    ///   - threadCount: Threads for one dense search.
    public init(
        mode: SearchMode? = nil, scoring: LexicalScoring? = nil, fusion: FusionMethod = .default,
        usesQuantizedVectors: Bool = false, fusionDepth: Int = 100, threadCount: Int = 1
    ) {
        self.mode = mode
        self.scoring = scoring
        self.fusion = fusion
        self.usesQuantizedVectors = usesQuantizedVectors
        self.fusionDepth = fusionDepth
        self.threadCount = threadCount
    }
}

/// An error raised when a search cannot be run as asked.
public struct RetrievalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String
    /// How to fix it.
    public var fix: String?

    /// Creates an error.
    public init(reason: String, fix: String? = nil) {
        self.reason = reason
        self.fix = fix
    }

    public var description: String { reason + (fix.map { "; \($0)" } ?? "") }
}
