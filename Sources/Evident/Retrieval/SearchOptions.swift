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
    /// Whether dense search scans every vector even when the index has an approximate index (which it uses
    /// otherwise).
    public var exact: Bool
    /// How widely an approximate search looks (the lists an IVF scans, the nodes an HNSW search keeps in view);
    /// the index's default when `nil`.
    public var probes: Int?
    /// Passages each ranking contributes to a hybrid search (at least the limit).
    public var fusionDepth: Int
    /// Threads for one dense search.
    public var threadCount: Int
    /// Which documents' passages may be returned; every document when `nil` or empty. Lexical and exact dense
    /// search stay exact under a filter; an approximate search looks further, or scans the kept passages' vectors
    /// when that costs less (`ApproximateVectorIndex.scansExactly(_:breadth:)`).
    public var filter: MetadataFilter?

    /// Creates options.
    ///
    /// - Parameters:
    ///   - mode: The mode, or `nil` for the best the retriever can do.
    ///   - scoring: The lexical scoring, or `nil` for the index's.
    ///   - fusion: How hybrid search fuses.
    ///   - usesQuantizedVectors: Whether to scan int8 vectors.
    ///   - fusionDepth: Passages per ranking in hybrid search.
    ///   - threadCount: Threads for one dense search.
    ///   - exact: Whether dense search scans every vector even when the index has an approximate index.
    ///   - probes: The lists an approximate search scans, or `nil` for the index's default.
    ///   - filter: Which documents may be returned, or `nil` for all.
    public init(
        mode: SearchMode? = nil, scoring: LexicalScoring? = nil, fusion: FusionMethod = .default,
        usesQuantizedVectors: Bool = false, fusionDepth: Int = 100, threadCount: Int = 1, exact: Bool = false,
        probes: Int? = nil, filter: MetadataFilter? = nil
    ) {
        self.filter = filter
        self.exact = exact
        self.probes = probes
        self.mode = mode
        self.scoring = scoring
        self.fusion = fusion
        self.usesQuantizedVectors = usesQuantizedVectors
        self.fusionDepth = fusionDepth
        self.threadCount = threadCount
    }
}

/// An error raised when a search cannot be run as asked. The cases state what is missing; a front end words the
/// advice in its own terms.
public enum RetrievalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A model was given for an index that has no passage vectors (it was built without a model).
    case indexHasNoVectors
    /// The index's vectors come from another model than the one given.
    case modelMismatch(index: EmbeddingSettings, given: EmbeddingSettings)
    /// A dense or hybrid search was asked of a retriever without a model. `indexModel` is the model the index's
    /// vectors come from, or `nil` when the index has none.
    case modeNeedsModel(SearchMode, indexModel: String?)

    public var description: String {
        switch self {
        case .indexHasNoVectors:
            "the index has no passage vectors (it was built without a model)"
        case .modelMismatch(let index, let given):
            "the index's vectors come from the model \(index.modelID) (fingerprint \(index.fingerprint.prefix(12))…), "
                + "not from \(given.modelID) (\(given.fingerprint.prefix(12))…)"
        case .modeNeedsModel(let mode, let indexModel):
            "\(mode.rawValue) search needs the embedding model"
                + (indexModel.map { " the index was built with (\($0))" } ?? ", and this index has no vectors")
        }
    }
}
