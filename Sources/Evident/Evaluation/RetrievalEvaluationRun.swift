/// A document in a ranking, with its score.
public struct RankedDocument: Sendable, Hashable, Codable {
    /// The document identifier.
    public var document: String
    /// Its score; higher is better.
    public var score: Double
}

/// The outcome of running a retriever over an evaluation set: quality, the rankings, and how long searching took.
public struct RetrievalEvaluationRun: Sendable {
    /// Quality metrics over the judged queries.
    public var evaluation: RetrievalEvaluation
    /// Each judged query's ranking (at most `depth` documents, the query's own id removed), by query identifier.
    public var rankings: [String: [RankedDocument]]
    /// The judged queries, in query-file order.
    public var queryIDs: [String]
    /// Wall-clock seconds spent searching all judged queries, one entry per repetition.
    public var searchSeconds: [Double]
    /// The distinct documents the judgments of the judged queries name as relevant, and how many of them the
    /// index holds: none means the judgments belong to another corpus, and every metric is zero for that reason.
    public var relevantDocuments = 0
    public var relevantDocumentsInIndex = 0

    /// The median of `searchSeconds`.
    public var medianSearchSeconds: Double {
        let sorted = searchSeconds.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Judged queries searched per second, one at a time on the calling thread (median repetition).
    public var queriesPerSecond: Double {
        medianSearchSeconds > 0 ? Double(queryIDs.count) / medianSearchSeconds : 0
    }

    /// The rankings as a TREC run file.
    ///
    /// - Parameter tag: The run tag in the last column.
    /// - Returns: One `qid Q0 docid rank score tag` line per ranked document, queries in file order.
    public func trecRun(tag: String) -> String {
        queryIDs.map { id in
            TRECRun.format(
                queryID: id, ranking: (rankings[id] ?? []).map { ($0.document, $0.score) }, tag: tag)
        }.joined()
    }
}

extension Retriever {
    /// Searches every judged query of an evaluation set and scores the rankings, following BEIR's conventions:
    /// only queries the judgments name are evaluated, and a hit whose id equals the query's id is dropped.
    ///
    /// - Parameters:
    ///   - queries: The query set (BEIR `queries.jsonl`).
    ///   - judgments: Relevance judgments (BEIR qrels).
    ///   - depth: Documents retrieved per query (100 for Recall@100).
    ///   - options: Mode, scoring and fusion.
    ///   - repetitions: How many times to time the whole query set; rankings come from the first.
    ///   - progress: Called after each query of the first repetition with (done, total).
    /// - Returns: Metrics, rankings and timings.
    /// - Throws: `RetrievalError` for a mode this retriever cannot run; `StorageError` for a damaged record.
    public func evaluate(
        queries: [EvaluationQuery], judgments: RelevanceJudgments, depth: Int = 100,
        options: SearchOptions = SearchOptions(mode: .lexical),
        repetitions: Int = 1, progress: ((Int, Int) -> Void)? = nil
    ) throws -> RetrievalEvaluationRun {
        precondition(depth > 0 && repetitions > 0, "depth and repetitions must be positive")
        let judged = queries.filter { judgments.judgments[$0.id] != nil }
        var rankings: [String: [RankedDocument]] = [:]
        var seconds: [Double] = []
        let clock = ContinuousClock()
        for repetition in 0..<repetitions {
            var ranked: [[RankedDocument]] = []
            ranked.reserveCapacity(judged.count)
            let elapsed = try clock.measure {
                for (done, query) in judged.enumerated() {
                    // One more than the depth: BEIR drops the query's own id when it comes back.
                    let documents = try searchDocuments(
                        query.text, limit: min(depth, index.documentCount) + 1, options: options)
                    ranked.append(documents.map { RankedDocument(document: $0.document, score: $0.score) })
                    if repetition == 0 { progress?(done + 1, judged.count) }
                }
            }
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            if repetition == 0 {
                for (query, documents) in zip(judged, ranked) {
                    rankings[query.id] = Array(documents.filter { $0.document != query.id }.prefix(depth))
                }
            }
        }
        // Metrics see each ranking as trec_eval (and so BEIR) orders it: by score, ties by document id descending.
        let evaluation = RetrievalEvaluation(
            rankings: rankings.mapValues { ranking in
                RetrievalMetrics.ranking(scored: ranking.map { (documentID: $0.document, score: $0.score) })
            }, judgments: judgments, queries: queries)
        var run = RetrievalEvaluationRun(
            evaluation: evaluation, rankings: rankings, queryIDs: judged.map(\.id), searchSeconds: seconds)
        let relevant = Set(judged.flatMap { query in judgments[query.id].filter { $0.value > 0 }.keys })
        let indexed = Set((0..<index.documentCount).map { index.documentHeader(at: $0).id })
        run.relevantDocuments = relevant.count
        run.relevantDocumentsInIndex = relevant.intersection(indexed).count
        return run
    }
}
