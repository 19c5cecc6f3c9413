/// Answers queries with ranked, cited passages from one index: lexical, dense or hybrid.
///
/// A retriever is a value over an immutable index (and model): share it between tasks freely.
public struct Retriever: Sendable {
    /// The index searched.
    public let index: EvidentIndex
    /// The model that embeds queries, the one the index's vectors come from; `nil` for lexical search only.
    public let embedder: SentenceEmbedder?

    /// Creates a lexical retriever over `index`.
    public init(index: EvidentIndex) {
        self.index = index
        embedder = nil
    }

    /// Creates a retriever that can also search the index's vectors, embedding queries with `embedder`.
    ///
    /// - Throws: `RetrievalError` when the index has no vectors, or they come from another model.
    public init(index: EvidentIndex, embedder: SentenceEmbedder) throws {
        guard let embedding = index.configuration.embedding else { throw RetrievalError.indexHasNoVectors }
        guard embedding.fingerprint == embedder.fingerprint, embedding.dimension == embedder.dimension else {
            throw RetrievalError.modelMismatch(index: embedding, given: EmbeddingSettings(of: embedder))
        }
        self.index = index
        self.embedder = embedder
    }

    /// Does now the one-time work that the first searches would otherwise wait for: the bfloat16 copy of the
    /// passage vectors that the screen searches (where the processor has AMX; every search waits while the first
    /// one makes it), and one encoder pass, which reads the model's weights into memory. A server calls it before
    /// it accepts connections; a command that searches once has no need to.
    public func prepare() {
        index.vectors?.prepareForSearch()
        _ = embedder?.embed(["a query to prepare the encoder"])
    }

    /// The analyzed terms of `query`, as the index's analyzer makes them.
    public func terms(of query: String) -> [String] {
        index.analyzer.terms(in: query)
    }

    /// The mode `options` ask for, resolved against what this retriever can do.
    ///
    /// - Throws: `RetrievalError` when dense or hybrid search is asked of a retriever without a model.
    public func mode(for options: SearchOptions) throws -> SearchMode {
        guard let mode = options.mode else { return embedder == nil ? .lexical : .hybrid }
        if mode != .lexical, embedder == nil {
            throw RetrievalError.modeNeedsModel(mode, indexModel: index.configuration.embedding?.modelID)
        }
        return mode
    }

    /// Returns the `limit` passages that best match `query`, best first, each with its citation.
    ///
    /// - Parameters:
    ///   - query: Natural-language text.
    ///   - limit: The maximum number of results, at least 1.
    ///   - scoring: The lexical scoring; the index's default when `nil`.
    /// - Returns: At most `limit` results.
    /// - Throws: `StorageError` when a passage record cannot be decoded.
    public func search(_ query: String, limit: Int = 10, scoring: LexicalScoring? = nil) throws -> [SearchResult] {
        try search(query, limit: limit, options: SearchOptions(mode: .lexical, scoring: scoring))
    }

    /// Returns the `limit` passages that best match `query` in the mode `options` choose, best first, each with
    /// its citation. Scores are BM25 (lexical), cosine similarity (dense) or the fused score (hybrid).
    ///
    /// - Parameters:
    ///   - query: Natural-language text.
    ///   - limit: The maximum number of results, at least 1.
    ///   - options: Mode, scoring and fusion.
    /// - Returns: At most `limit` results.
    /// - Throws: `RetrievalError` for a mode this retriever cannot run; `StorageError` for a damaged record.
    public func search(_ query: String, limit: Int, options: SearchOptions) throws -> [SearchResult] {
        try search(query, limit: limit, options: options, stages: nil)
    }

    /// One query of `search(batch:)`.
    public struct BatchQuery: Sendable, Hashable {
        /// Natural-language text.
        public var query: String
        /// The maximum number of results, at least 1.
        public var limit: Int
        /// Mode, scoring and fusion.
        public var options: SearchOptions

        public init(_ query: String, limit: Int, options: SearchOptions = SearchOptions()) {
            self.query = query
            self.limit = limit
            self.options = options
        }
    }

    /// Runs many searches together, as a server does with the searches that arrive at the same time: the queries
    /// of dense and hybrid searches are embedded in one encoder pass, and their vectors searched in one pass over
    /// the index (`FlatVectorIndex.search(batch:limit:threadCount:)`), which reads each vector once for all of
    /// them. Each search's results equal `search(_:limit:options:)`'s but for the rounding of its query vector,
    /// which a batch computes with other matrix products than a lone query.
    ///
    /// - Parameter queries: The searches.
    /// - Returns: Each search's results, in the order of `queries`.
    /// - Throws: `RetrievalError` when a query asks for a mode this retriever cannot run (before any search);
    ///   `StorageError` for a damaged record.
    public func search(batch queries: [BatchQuery]) throws -> [[SearchResult]] {
        let modes = try queries.map { query in
            precondition(query.limit > 0, "limit must be positive")
            return try mode(for: query.options)
        }
        var allowed: [MetadataFilter: RowSet] = [:]
        for query in queries {
            guard let filter = query.options.filter, !filter.isEmpty, allowed[filter] == nil else { continue }
            allowed[filter] = try index.passages(matching: filter)
        }
        let denseRankings = denseRankings(of: queries, modes: modes, allowed: allowed)
        return try queries.indices.map { position in
            let query = queries[position]
            let queryTerms = terms(of: query.query)
            let ranked = try rankPassages(
                query.query, terms: queryTerms, dense: denseRankings[position], limit: query.limit,
                options: query.options, allowed: query.options.filter.flatMap { allowed[$0] })
            return try results(ranked, queryTerms: queryTerms)
        }
    }

    /// For each query of a dense or hybrid search, the passages its vector ranks highest, as deep as its search
    /// needs; nil for a lexical search. Queries that search the same vectors are searched in one batch.
    private func denseRankings(of queries: [BatchQuery], modes: [SearchMode], allowed: [MetadataFilter: RowSet])
        -> [[RankedItem]?]
    {
        var rankings = [[RankedItem]?](repeating: nil, count: queries.count)
        let dense = queries.indices.filter { modes[$0] != .lexical }
        guard let embedder, let vectors = index.vectors, !dense.isEmpty else { return rankings }
        let embedded = embedder.embed(dense.map { queries[$0].query })
        func depth(_ position: Int) -> Int {
            let query = queries[position]
            return modes[position] == .hybrid ? max(query.limit, query.options.fusionDepth) : query.limit
        }
        // Approximate, fp32 and int8 searches apart. An exact group runs as deep as its deepest query (a longer list
        // of the same ranking starts with the shorter one: equal scores rank the lower index first); an approximate
        // search finds other candidates at another depth, so each depth is a group of its own, and a query gets
        // what it would get alone.
        // Queries with different filters search different vectors, so a filter is part of the group too.
        struct Group: Hashable {
            var method: DenseMethod
            var depth: Int?
            var filter: MetadataFilter?
        }
        let groups = Dictionary(grouping: dense.indices) { member -> Group in
            let options = queries[dense[member]].options
            let filter = options.filter.flatMap { $0.isEmpty ? nil : $0 }
            let method = denseMethod(options, allowed: filter.flatMap { allowed[$0] })
            switch method {
            case .approximate: return Group(method: method, depth: depth(dense[member]), filter: filter)
            case .exact, .quantized, .exactAmong: return Group(method: method, depth: nil, filter: filter)
            }
        }
        for (key, group) in groups.sorted(by: { $0.value[0] < $1.value[0] }) {
            let limit = group.map { depth(dense[$0]) }.max() ?? 1
            let threads = group.map { queries[dense[$0]].options.threadCount }.max() ?? 1
            let matches = denseMatches(
                group.map { embedded[$0] }, limit: limit, method: key.method, vectors: vectors, threadCount: threads,
                allowed: key.filter.flatMap { allowed[$0] })
            for (member, found) in zip(group, matches) {
                let position = dense[member]
                rankings[position] = found.prefix(depth(position)).map {
                    RankedItem(item: $0.index, score: Double($0.score))
                }
            }
        }
        return rankings
    }

    /// How a dense search finds its passages.
    private enum DenseMethod: Hashable {
        /// The approximate index, `probes` wide (its default when `nil`), kept to the allowed passages if any.
        case approximate(probes: Int?)
        /// Every fp32 vector.
        case exact
        /// Every int8 vector, the best re-scored in fp32.
        case quantized
        /// The fp32 vector of every allowed passage.
        case exactAmong
    }

    /// The approximate index unless `options` ask for exact search or the index has none; with a filter, the
    /// allowed passages' vectors when scanning them costs less than a filtered approximate search, and exact
    /// search over them rather than over the int8 vectors.
    private func denseMethod(_ options: SearchOptions, allowed: RowSet?) -> DenseMethod {
        if !options.exact, let approximate = index.approximateIndex {
            guard let allowed, approximate.scansExactly(allowed, breadth: options.probes) else {
                return .approximate(probes: options.probes)
            }
            return .exactAmong
        }
        if allowed != nil { return .exactAmong }
        return options.usesQuantizedVectors ? .quantized : .exact
    }

    /// The `limit` best passages of each query vector by `method`, among `allowed` when given.
    private func denseMatches(
        _ queries: [[Float]], limit: Int, method: DenseMethod, vectors: FlatVectorIndex, threadCount: Int,
        allowed: RowSet?
    ) -> [[VectorMatch]] {
        guard index.isSingleSegment else {
            return segmentedDenseMatches(
                queries, limit: limit, method: method, threadCount: threadCount, allowed: allowed)
        }
        switch method {
        case .approximate(let probes):
            guard let approximate = index.approximateIndex else { return queries.map { _ in [] } }
            return approximate.search(
                batch: queries, limit: limit, breadth: probes, threadCount: threadCount, allowed: allowed)
        case .quantized:
            guard let int8 = index.quantizedVectors else { return queries.map { _ in [] } }
            return queries.map { int8.search($0, limit: limit, threadCount: threadCount) }
        case .exact:
            return vectors.search(batch: queries, limit: limit, threadCount: threadCount)
        case .exactAmong:
            guard let allowed else { return vectors.search(batch: queries, limit: limit, threadCount: threadCount) }
            return FlatVectorIndex.searchEach(queries, threadCount: threadCount) {
                vectors.search($0, limit: limit, among: allowed)
            }
        }
    }

    /// `denseMatches` over an index of several segments (or with deleted documents): each segment searched on its
    /// own, its deleted passages left out, the matches merged. A segment without an approximate index (a small one
    /// an update added) is scanned exactly; int8 search falls back to exact fp32 search where documents are deleted.
    private func segmentedDenseMatches(
        _ queries: [[Float]], limit: Int, method: DenseMethod, threadCount: Int, allowed: RowSet?
    ) -> [[VectorMatch]] {
        var merged = [[VectorMatch]](repeating: [], count: queries.count)
        for segment in index.segments {
            guard let vectors = segment.vectors else { continue }
            let kept = segment.keptPassages(allowed)
            let found: [[VectorMatch]]
            switch method {
            case .approximate(let probes):
                if let approximate = segment.approximateIndex,
                    !(kept.map { approximate.scansExactly($0, breadth: probes) } ?? false)
                {
                    found = approximate.search(
                        batch: queries, limit: limit, breadth: probes, threadCount: threadCount, allowed: kept)
                } else {
                    found = Self.exactMatches(queries, limit: limit, vectors: vectors, threadCount: threadCount, kept)
                }
            case .quantized where kept == nil:
                found = queries.map {
                    segment.quantizedVectors?.search($0, limit: limit, threadCount: threadCount) ?? []
                }
            case .quantized, .exact, .exactAmong:
                found = Self.exactMatches(queries, limit: limit, vectors: vectors, threadCount: threadCount, kept)
            }
            for (position, matches) in found.enumerated() {
                merged[position] += matches.map {
                    VectorMatch(index: $0.index + segment.passageOffset, score: $0.score)
                }
            }
        }
        return merged.map { Array($0.sorted(by: >).prefix(limit)) }
    }

    /// Every vector of `vectors`, or of `kept` when given, scored against each query.
    private static func exactMatches(
        _ queries: [[Float]], limit: Int, vectors: FlatVectorIndex, threadCount: Int, _ kept: RowSet?
    ) -> [[VectorMatch]] {
        guard let kept else { return vectors.search(batch: queries, limit: limit, threadCount: threadCount) }
        return FlatVectorIndex.searchEach(queries, threadCount: threadCount) {
            vectors.search($0, limit: limit, among: kept)
        }
    }

    /// `search(_:limit:options:)`, adding the time each stage takes to `stages` when given.
    package func search(_ query: String, limit: Int, options: SearchOptions, stages: SearchStageTimes?) throws
        -> [SearchResult]
    {
        precondition(limit > 0, "limit must be positive")
        let queryTerms = stages.time(.analysis) { terms(of: query) }
        let ranked = try rankPassages(
            query, terms: queryTerms, limit: limit, options: options, allowed: allowedPassages(options),
            stages: stages)
        return try stages.time(.citations) { try results(ranked, queryTerms: queryTerms) }
    }

    /// The ranked passages as search results, each with its rank, citation and matched terms.
    func results(_ ranked: [RankedItem], queryTerms: [String]) throws -> [SearchResult] {
        try ranked.enumerated().map { rank, scored in
            try result(rank: rank + 1, passageIndex: scored.item, score: scored.score, queryTerms: queryTerms)
        }
    }

    /// Returns the `limit` best documents for `query`: each document scored by its best passage.
    ///
    /// - Parameters:
    ///   - query: Natural-language text.
    ///   - limit: The maximum number of documents.
    ///   - options: Mode, scoring and fusion.
    /// - Returns: Document identifiers with scores, best first.
    /// - Throws: `RetrievalError` for a mode this retriever cannot run.
    public func searchDocuments(_ query: String, limit: Int, options: SearchOptions = SearchOptions()) throws
        -> [(document: String, score: Double)]
    {
        precondition(limit > 0, "limit must be positive")
        let queryTerms = terms(of: query)
        let allowed = try allowedPassages(options)
        var passageLimit = min(limit, index.passageCount)
        while true {
            let ranked = try rankPassages(
                query, terms: queryTerms, limit: passageLimit, options: options, allowed: allowed)
            var seen = Set<Int>(minimumCapacity: ranked.count)
            var documents: [(document: String, score: Double)] = []
            documents.reserveCapacity(min(limit, ranked.count))
            for scored in ranked {
                let documentIndex = index.documentIndex(ofPassage: scored.item)
                guard seen.insert(documentIndex).inserted else { continue }
                documents.append((index.documentHeader(at: documentIndex).id, scored.score))
                if documents.count == limit { return documents }
            }
            // Fewer distinct documents than asked: look deeper unless every passage that can match was seen.
            if ranked.count < passageLimit || passageLimit >= index.passageCount { return documents }
            passageLimit = min(passageLimit * 4, index.passageCount)
        }
    }

    /// The `limit` best passages with their scores, in the mode `options` choose.
    ///
    /// - Parameters:
    ///   - query: Natural-language text.
    ///   - queryTerms: Its analyzed terms.
    ///   - queryVector: The query's embedding when the caller has it already (a batch of claims is embedded at
    ///     once); the retriever embeds `query` itself when it is `nil`.
    ///   - denseRanking: The passages the query's vector ranks highest, at least `fusionDepth` deep for a hybrid
    ///     search, when a batch has searched them already; used instead of `queryVector`.
    ///   - limit: The maximum number of passages.
    ///   - options: Mode, scoring and fusion.
    ///   - allowed: The passages of the documents `options.filter` keeps (`allowedPassages(_:)`), or `nil`.
    ///   - stages: Where to add the time each stage takes, or `nil`.
    /// - Returns: Passage indices with scores, best first.
    /// - Throws: `RetrievalError` for a mode this retriever cannot run.
    func rankPassages(
        _ query: String, terms queryTerms: [String], vector queryVector: [Float]? = nil,
        dense denseRanking: [RankedItem]? = nil, limit: Int, options: SearchOptions, allowed: RowSet? = nil,
        stages: SearchStageTimes? = nil
    ) throws -> [RankedItem] {
        let mode = try mode(for: options)
        func lexical(_ limit: Int) -> [RankedItem] {
            stages.time(.lexicalSearch) {
                index.lexicalSearch(
                    terms: queryTerms, limit: limit, scoring: options.scoring ?? index.configuration.scoring,
                    allowed: allowed
                ).map { RankedItem(item: $0.passage, score: Double($0.score)) }
            }
        }
        func dense(_ limit: Int) -> [RankedItem] {
            if let denseRanking { return Array(denseRanking.prefix(limit)) }
            guard let embedder, let vectors = index.vectors else { return [] }
            let vector = queryVector ?? stages.time(.encoding) { embedder.embed([query])[0] }
            return stages.time(.denseSearch) {
                let matches = denseMatches(
                    [vector], limit: limit, method: denseMethod(options, allowed: allowed), vectors: vectors,
                    threadCount: options.threadCount, allowed: allowed)[0]
                return matches.map { RankedItem(item: $0.index, score: Double($0.score)) }
            }
        }
        switch mode {
        case .lexical: return lexical(limit)
        case .dense: return dense(limit)
        case .hybrid:
            let depth = max(limit, options.fusionDepth)
            let rankings = [lexical(depth), dense(depth)]
            return stages.time(.fusion) { RankFusion.fuse(rankings, method: options.fusion, limit: limit) }
        }
    }

    /// The passages `options.filter` keeps, or `nil` when it keeps every document.
    ///
    /// - Throws: `MetadataFilterError` for a key the index does not have or a comparison its values do not allow.
    func allowedPassages(_ options: SearchOptions) throws(MetadataFilterError) -> RowSet? {
        guard let filter = options.filter, !filter.isEmpty else { return nil }
        return try index.passages(matching: filter)
    }

    private func result(rank: Int, passageIndex: Int, score: Double, queryTerms: [String]) throws -> SearchResult {
        let (passage, documentIndex) = try index.passageRecord(at: passageIndex)
        let header = index.documentHeader(at: documentIndex)
        var matched: [String] = []
        for term in queryTerms where !matched.contains(term) && index.contains(term, inPassage: passageIndex) {
            matched.append(term)
        }
        var citation = Citation(
            document: header.id, title: header.title, section: passage.section, url: header.url,
            start: passage.range.lowerBound, end: passage.range.upperBound, identifiers: header.identifiers)
        citation.pages = passage.pages
        return SearchResult(
            rank: rank, score: score, passageIndex: passageIndex, passage: passage, citation: citation,
            matchedTerms: matched)
    }
}
