/// The embedding model an index's vectors come from; a dense search must embed queries with the same model.
public struct EmbeddingSettings: Sendable, Hashable, Codable {
    /// The model folder's name (`all-MiniLM-L6-v2`).
    public var modelID: String
    /// `SentenceEmbedder.fingerprint` of the model.
    public var fingerprint: String
    /// The vectors' dimension.
    public var dimension: Int
    /// The precision the encoder ran at when it made the vectors (fp32 in indexes that do not say). Queries are
    /// embedded in fp32 whatever it is; a vector is reused only from an index of the same precision.
    public var precision: EncoderPrecision
    /// How the sentence vectors for grounding were made (`encoded` in indexes that do not say).
    public var sentenceVectors: SentenceVectorMethod
    /// The approximate index kept beside the exact vectors (`none` in indexes that do not say).
    public var approximateIndex: ApproximateIndexMethod

    /// Settings of a model by its name, fingerprint, dimension and precision.
    public init(
        modelID: String, fingerprint: String, dimension: Int, precision: EncoderPrecision = .fp32,
        sentenceVectors: SentenceVectorMethod = .encoded, approximateIndex: ApproximateIndexMethod = .exactOnly
    ) {
        self.modelID = modelID
        self.fingerprint = fingerprint
        self.dimension = dimension
        self.precision = precision
        self.sentenceVectors = sentenceVectors
        self.approximateIndex = approximateIndex
    }

    /// The settings of `embedder`'s model, at the precision its encoder runs, with sentence vectors made by
    /// `sentenceVectors` and an approximate index made by `approximateIndex`.
    public init(
        of embedder: SentenceEmbedder, sentenceVectors: SentenceVectorMethod = .encoded,
        approximateIndex: ApproximateIndexMethod = .exactOnly
    ) {
        modelID = embedder.modelID
        fingerprint = embedder.fingerprint
        dimension = embedder.dimension
        precision = embedder.encoder.precision
        self.sentenceVectors = sentenceVectors
        self.approximateIndex = approximateIndex
    }

    /// Whether vectors made with these settings are what `embedder` would make: the same model and precision.
    public func matches(_ embedder: SentenceEmbedder) -> Bool {
        fingerprint == embedder.fingerprint && precision == embedder.encoder.precision
    }

    private enum CodingKeys: String, CodingKey {
        case modelID, fingerprint, dimension, precision, sentenceVectors, approximateIndex
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        modelID = try container.decode(String.self, forKey: .modelID)
        fingerprint = try container.decode(String.self, forKey: .fingerprint)
        dimension = try container.decode(Int.self, forKey: .dimension)
        precision = try container.decodeIfPresent(EncoderPrecision.self, forKey: .precision) ?? .fp32
        sentenceVectors =
            try container.decodeIfPresent(SentenceVectorMethod.self, forKey: .sentenceVectors) ?? .encoded
        approximateIndex =
            try container.decodeIfPresent(ApproximateIndexMethod.self, forKey: .approximateIndex) ?? .exactOnly
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(modelID, forKey: .modelID)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(precision, forKey: .precision)
        try container.encode(sentenceVectors, forKey: .sentenceVectors)
        // Left out when there is none, so that the manifests of indexes without one stay as they were.
        if approximateIndex != .exactOnly { try container.encode(approximateIndex, forKey: .approximateIndex) }
    }
}

/// The approximate nearest-neighbour index an index keeps beside its exact passage vectors.
public enum ApproximateIndexMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// None: dense search scans every vector.
    case exactOnly = "none"
    /// An inverted file (`IVFVectorIndex`): k-means lists of 8-bit codes, the nearest lists scanned, the best
    /// candidates re-scored exactly.
    case ivf
    /// A graph (`HNSWVectorIndex`, M 32, efConstruction 200): searched best first from a top layer down.
    case hnsw

    /// The fewest passages a segment added by an update must have to get an approximate index of its own; a
    /// smaller one is scanned exactly. Measured with `evident bench --ann-sizes 1000,2000,5000`, which puts exact
    /// search beside both indexes at each size (one thread, recall@10 >= 0.95): at 1,000 vectors the exact scan is
    /// as fast as the IVF and faster than the graph; at 2,000 the IVF is 4.2x and the graph 2.5x faster, and they
    /// build in 0.04 and 0.18 s. `optimize` gives the whole index one.
    public static let smallestSegment = 2000
}

/// How an index makes the vectors of its passages' sentences, which grounding compares with claims.
public enum SentenceVectorMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each distinct sentence is encoded on its own, after the passages: a second encoder pass over the text.
    case encoded
    /// Each sentence's vector is pooled from its passage's token states, in the passage's own encoder pass
    /// (`SentenceEmbedder.embed(_:pooling:batchSize:)`); only sentences that cannot be pooled are encoded.
    case pooled
}

/// Everything that decides how a corpus becomes an index.
public struct IndexConfiguration: Sendable, Hashable, Codable {
    /// How documents are cut into passages.
    public var chunker: ChunkerConfiguration
    /// How text becomes terms.
    public var analyzer: AnalyzerConfiguration
    /// The default scoring of lexical search (a search may choose another).
    public var scoring: LexicalScoring
    /// Whether the document title is indexed with every passage.
    public var indexesTitles: Bool
    /// Whether the passage's section headings are indexed with it.
    public var indexesSections: Bool
    /// The model of the passage vectors, or `nil` for a lexical-only index.
    public var embedding: EmbeddingSettings?

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - chunker: How documents are cut into passages.
    ///   - analyzer: How text becomes terms.
    ///   - scoring: The default lexical scoring.
    ///   - indexesTitles: Whether titles are indexed with each passage.
    ///   - indexesSections: Whether section headings are indexed with each passage.
    public init(
        chunker: ChunkerConfiguration = .default, analyzer: AnalyzerConfiguration = .english,
        scoring: LexicalScoring = .default, indexesTitles: Bool = true, indexesSections: Bool = true
    ) {
        self.chunker = chunker
        self.analyzer = analyzer
        self.scoring = scoring
        self.indexesTitles = indexesTitles
        self.indexesSections = indexesSections
    }

    /// Passages of 160 words, English analysis, BM25 (k1 0.9, b 0.4), titles and sections indexed.
    public static let `default` = IndexConfiguration()

    /// What differs between this configuration and `other`, for people ("passages of 160 words, not 200"); empty
    /// when they are equal.
    public func differences(from other: IndexConfiguration) -> [String] {
        var found: [String] = []
        if chunker != other.chunker {
            found.append(
                "passages of \(chunker.maxWords) words with \(chunker.overlapSentences) sentence(s) of overlap, not "
                    + "\(other.chunker.maxWords) with \(other.chunker.overlapSentences)")
        }
        if analyzer != other.analyzer { found.append("another analyzer") }
        if scoring != other.scoring { found.append("scoring \(scoring), not \(other.scoring)") }
        if indexesTitles != other.indexesTitles || indexesSections != other.indexesSections {
            found.append("titles and sections indexed differently")
        }
        switch (embedding, other.embedding) {
        case (nil, nil): break
        case (nil, let model?): found.append("no model, not \(model.modelID)")
        case (let model?, nil): found.append("the model \(model.modelID), not none (lexical only)")
        case (let mine?, let theirs?):
            if mine.modelID != theirs.modelID || mine.fingerprint != theirs.fingerprint {
                found.append("the model \(mine.modelID), not \(theirs.modelID)")
            }
            if mine.precision != theirs.precision {
                found.append("precision \(mine.precision), not \(theirs.precision)")
            }
            if mine.sentenceVectors != theirs.sentenceVectors {
                found.append("sentence vectors \(mine.sentenceVectors), not \(theirs.sentenceVectors)")
            }
            if mine.approximateIndex != theirs.approximateIndex {
                found.append(
                    "approximate index \(mine.approximateIndex.rawValue), not \(theirs.approximateIndex.rawValue)")
            }
        }
        return found
    }

    /// The text that is analyzed for `passage` of `document`.
    package func indexedText(of passage: Passage, in documentTitle: String) -> String {
        var parts: [String] = []
        if indexesTitles, !documentTitle.isEmpty { parts.append(documentTitle) }
        if indexesSections { parts.append(contentsOf: passage.sectionPath) }
        parts.append(passage.text)
        return parts.joined(separator: "\n")
    }
}
