/// One query's retrieval metrics.
public struct QueryRetrievalScores: Sendable, Hashable, Codable {
    /// nDCG@10.
    public var ndcgAt10: Double
    /// Recall@100.
    public var recallAt100: Double
    /// MRR@10 (reciprocal rank of the first relevant document within 10).
    public var mrrAt10: Double

    /// Creates scores.
    ///
    /// - Parameters:
    ///   - ndcgAt10: nDCG@10.
    ///   - recallAt100: Recall@100.
    ///   - mrrAt10: MRR@10.
    public init(ndcgAt10: Double, recallAt100: Double, mrrAt10: Double) {
        self.ndcgAt10 = ndcgAt10
        self.recallAt100 = recallAt100
        self.mrrAt10 = mrrAt10
    }
}

/// Retrieval quality over an evaluation set: the mean of per-query metrics over the judged queries.
///
/// Only queries that the relevance judgments name are evaluated, as BEIR does. A judged query without a ranking
/// (the retriever returned nothing) scores 0. Judged queries that the query file lacks are not evaluated and are
/// listed in ``missingQueryIDs``.
public struct RetrievalEvaluation: Sendable, Hashable, Codable {
    /// Mean nDCG@10.
    public var ndcgAt10: Double
    /// Mean Recall@100.
    public var recallAt100: Double
    /// Mean MRR@10.
    public var mrrAt10: Double
    /// The number of queries evaluated.
    public var queries: Int
    /// Each evaluated query's scores, by query identifier.
    public var perQuery: [String: QueryRetrievalScores]
    /// Judged query identifiers that are not in the query set, sorted.
    public var missingQueryIDs: [String]
    /// The number of queries in the query set without judgments, which were not evaluated.
    public var unjudgedQueries: Int

    /// Evaluates rankings against judgments.
    ///
    /// - Parameters:
    ///   - rankings: Query identifier → document identifiers, best first (already without the query's own
    ///     identifier where that matters; see ``RetrievalMetrics/ranking(_:excludingQueryID:)``).
    ///   - judgments: The relevance judgments.
    ///   - queryIDs: The identifiers of the query set.
    /// - Complexity: O(*q* · (*r* + *j* log *j*)) for *q* queries, rankings of *r* and *j* judgments a query.
    public init(rankings: [String: [String]], judgments: RelevanceJudgments, queryIDs: some Sequence<String>) {
        let querySet = Set(queryIDs)
        var perQuery: [String: QueryRetrievalScores] = [:]
        for (queryID, graded) in judgments.judgments where querySet.contains(queryID) {
            let ranking = rankings[queryID] ?? []
            perQuery[queryID] = QueryRetrievalScores(
                ndcgAt10: RetrievalMetrics.ndcg(ranking: ranking, judgments: graded, cutoff: 10),
                recallAt100: RetrievalMetrics.recall(ranking: ranking, judgments: graded, cutoff: 100),
                mrrAt10: RetrievalMetrics.reciprocalRank(ranking: ranking, judgments: graded, cutoff: 10))
        }
        // Sum in a fixed order so that the means do not depend on dictionary order.
        let ordered = perQuery.keys.sorted().compactMap { perQuery[$0] }
        let count = Double(max(ordered.count, 1))
        ndcgAt10 = ordered.reduce(0) { $0 + $1.ndcgAt10 } / count
        recallAt100 = ordered.reduce(0) { $0 + $1.recallAt100 } / count
        mrrAt10 = ordered.reduce(0) { $0 + $1.mrrAt10 } / count
        queries = ordered.count
        self.perQuery = perQuery
        missingQueryIDs = judgments.judgments.keys.filter { !querySet.contains($0) }.sorted()
        unjudgedQueries = querySet.filter { judgments.judgments[$0] == nil }.count
    }

    /// Evaluates rankings against judgments for a query set.
    ///
    /// - Parameters:
    ///   - rankings: Query identifier → document identifiers, best first.
    ///   - judgments: The relevance judgments.
    ///   - queries: The query set.
    public init(rankings: [String: [String]], judgments: RelevanceJudgments, queries: [EvaluationQuery]) {
        self.init(rankings: rankings, judgments: judgments, queryIDs: queries.map(\.id))
    }
}
