/// A passage of one shard of a sharded index: the shard's position among the router's shards (from 0) and the
/// passage's number in that shard.
public struct ShardPassage: Sendable, Hashable, Codable, Comparable {
    /// The shard's position in the router's list, from 0.
    public var shard: Int
    /// The passage's number in the shard's index.
    public var passage: Int

    public init(shard: Int, passage: Int) {
        self.shard = shard
        self.passage = passage
    }

    public static func < (left: ShardPassage, right: ShardPassage) -> Bool {
        (left.shard, left.passage) < (right.shard, right.passage)
    }
}

/// One shard's rankings of a query: what a shard server sends a router, which merges them with the other shards'
/// and fuses them as one index would (`ShardedRanking.rank`).
public struct ShardRankings: Sendable, Hashable, Codable {
    /// The lexical ranking (BM25 with the cluster's statistics), best first; empty for a dense search.
    public var lexical: [ShardRankedPassage]
    /// The dense ranking (cosine similarity), best first; empty for a lexical search.
    public var dense: [ShardRankedPassage]

    public init(lexical: [ShardRankedPassage] = [], dense: [ShardRankedPassage] = []) {
        self.lexical = lexical
        self.dense = dense
    }
}

/// A passage of a shard's ranking with its score; `[passage, score]` in JSON.
public struct ShardRankedPassage: Sendable, Hashable, Codable {
    public var passage: Int
    public var score: Double

    public init(passage: Int, score: Double) {
        self.passage = passage
        self.score = score
    }

    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        passage = try container.decode(Int.self)
        score = try container.decode(Double.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        try container.encode(passage)
        try container.encode(Float(score))  // scores are floats: their shortest form, as in a search response
    }
}

/// Merges the rankings of the shards of a sharded index into the one ranking a single index of all their passages
/// would give.
///
/// The shards score with the same statistics (`CollectionStatistics`: BM25 is then the same number whichever shard
/// holds a passage) and the same model (a cosine does not depend on the shard), so a shard's best `depth` are all
/// of its passages that can be in the whole index's best `depth`, and merging the lists by score gives the whole
/// index's list. Hybrid search then fuses the merged lists exactly as `Retriever` fuses one index's. Equal scores
/// are ordered by shard, then passage: a single index orders them by its own passage numbers, which a router does
/// not know.
public enum ShardedRanking {
    /// The `limit` best of `lists` (one per shard, each best first), best first.
    public static func merge(_ lists: [[ShardRankedPassage]], limit: Int) -> [(passage: ShardPassage, score: Double)] {
        var merged: [(passage: ShardPassage, score: Double)] = []
        merged.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        for (shard, list) in lists.enumerated() {
            for ranked in list { merged.append((ShardPassage(shard: shard, passage: ranked.passage), ranked.score)) }
        }
        merged.sort { $0.score != $1.score ? $0.score > $1.score : $0.passage < $1.passage }
        return Array(merged.prefix(limit))
    }

    /// The ranking of a search in `mode` from the shards' rankings (`nil` for a shard that did not answer), best
    /// first, at most `limit` long; a hybrid search fuses the merged lists `fusionDepth` deep (at least `limit`), as
    /// `Retriever` does.
    public static func rank(
        _ shards: [ShardRankings?], mode: SearchMode, limit: Int, fusion: FusionMethod = .default,
        fusionDepth: Int = SearchOptions().fusionDepth
    ) -> [(passage: ShardPassage, score: Double)] {
        let answered = shards.map { $0 ?? ShardRankings() }
        switch mode {
        case .lexical: return merge(answered.map(\.lexical), limit: limit)
        case .dense: return merge(answered.map(\.dense), limit: limit)
        case .hybrid:
            let depth = max(limit, fusionDepth)
            let lexical = merge(answered.map(\.lexical), limit: depth)
            let dense = merge(answered.map(\.dense), limit: depth)
            // RankFusion numbers items; a shard's passages get the numbers after the shards before it.
            func item(_ passage: ShardPassage) -> Int { passage.shard << 40 | passage.passage }
            let fused = RankFusion.fuse(
                [
                    lexical.map { RankedItem(item: item($0.passage), score: $0.score) },
                    dense.map { RankedItem(item: item($0.passage), score: $0.score) },
                ],
                method: fusion, limit: limit)
            return fused.map { (ShardPassage(shard: $0.item >> 40, passage: $0.item & (1 << 40 - 1)), $0.score) }
        }
    }
}

extension Retriever {
    /// This index's rankings of `query` for a router that merges them with other shards' (`ShardedRanking`): the
    /// lexical ranking `limit` deep for a lexical search, the dense one for a dense search, both as deep as hybrid
    /// search fuses (`max(limit, fusionDepth)`) for a hybrid one.
    ///
    /// - Throws: `RetrievalError` for a mode this retriever cannot run; `MetadataFilterError` for a bad filter.
    public func shardRankings(_ query: String, limit: Int, options: SearchOptions) throws -> ShardRankings {
        precondition(limit > 0, "limit must be positive")
        let mode = try mode(for: options)
        let queryTerms = terms(of: query)
        let allowed = try allowedPassages(options)
        func ranking(_ mode: SearchMode, _ limit: Int) throws -> [ShardRankedPassage] {
            var options = options
            options.mode = mode
            return try rankPassages(query, terms: queryTerms, limit: limit, options: options, allowed: allowed).map {
                ShardRankedPassage(passage: $0.item, score: $0.score)
            }
        }
        switch mode {
        case .lexical: return ShardRankings(lexical: try ranking(.lexical, limit))
        case .dense: return ShardRankings(dense: try ranking(.dense, limit))
        case .hybrid:
            let depth = max(limit, options.fusionDepth)
            return ShardRankings(lexical: try ranking(.lexical, depth), dense: try ranking(.dense, depth))
        }
    }

    /// The search results of `passages` for `query` (ranked from 1 in the order given, with the scores given):
    /// what a shard server sends a router for the passages of the merged ranking it holds.
    ///
    /// - Throws: `StorageError` for a damaged record; a passage number outside the index is a precondition.
    public func results(_ passages: [ShardRankedPassage], for query: String) throws -> [SearchResult] {
        for ranked in passages {
            precondition((0..<index.passageCount).contains(ranked.passage), "no passage \(ranked.passage)")
        }
        return try results(passages.map { RankedItem(item: $0.passage, score: $0.score) }, queryTerms: terms(of: query))
    }
}
