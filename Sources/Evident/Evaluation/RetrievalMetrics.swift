import Foundation

/// Per-query retrieval metrics, computed as BEIR computes them with pytrec_eval (trec_eval 9).
///
/// A `ranking` is document identifiers, best first; `judgments` are one query's graded judgments (document
/// identifier → grade), and a document is relevant when its grade is above 0. Unjudged documents count as not
/// relevant. A document listed twice in a ranking counts at its first place only (trec_eval reads a run as one
/// score per document). trec_eval orders a run by score, breaking ties by document identifier in descending
/// order; ``ranking(scored:)`` orders scored results the same way.
public enum RetrievalMetrics {
    /// Normalised discounted cumulative gain at `cutoff`, as trec_eval's `ndcg_cut` (BEIR's `NDCG@k`).
    ///
    /// The gain of a document is its grade (linear, not 2^grade − 1), discounted by log2(rank + 1) with ranks from
    /// 1; the ideal ranking orders all judged documents with grades above 0 by grade, cut at `cutoff` too.
    ///
    /// - Parameters:
    ///   - ranking: Document identifiers, best first.
    ///   - judgments: Document identifier → grade for the query.
    ///   - cutoff: The number of ranks that count.
    /// - Returns: A value in 0…1; 0 when the query has no relevant document.
    public static func ndcg(ranking: [String], judgments: [String: Int], cutoff: Int) -> Double {
        let idealGrades = judgments.values.filter { $0 > 0 }.sorted(by: >).prefix(max(cutoff, 0))
        var idealGain = 0.0
        for (index, grade) in idealGrades.enumerated() { idealGain += Double(grade) / discount(rank: index + 1) }
        guard idealGain > 0 else { return 0 }
        var gain = 0.0
        for (index, documentID) in distinctPrefix(of: ranking, cutoff: cutoff).enumerated() {
            let grade = judgments[documentID] ?? 0
            if grade > 0 { gain += Double(grade) / discount(rank: index + 1) }
        }
        return gain / idealGain
    }

    /// The share of the query's relevant documents found in the first `cutoff` ranks (trec_eval's `recall_k`).
    ///
    /// - Parameters:
    ///   - ranking: Document identifiers, best first.
    ///   - judgments: Document identifier → grade for the query.
    ///   - cutoff: The number of ranks that count.
    /// - Returns: A value in 0…1; 0 when the query has no relevant document.
    public static func recall(ranking: [String], judgments: [String: Int], cutoff: Int) -> Double {
        let relevantCount = judgments.values.filter { $0 > 0 }.count
        guard relevantCount > 0 else { return 0 }
        let found = distinctPrefix(of: ranking, cutoff: cutoff).filter { (judgments[$0] ?? 0) > 0 }.count
        return Double(found) / Double(relevantCount)
    }

    /// The reciprocal of the rank of the first relevant document within `cutoff` (BEIR's `MRR@k`).
    ///
    /// - Parameters:
    ///   - ranking: Document identifiers, best first.
    ///   - judgments: Document identifier → grade for the query.
    ///   - cutoff: The number of ranks that count.
    /// - Returns: 1 / rank, or 0 when no relevant document is within `cutoff`.
    public static func reciprocalRank(ranking: [String], judgments: [String: Int], cutoff: Int) -> Double {
        for (index, documentID) in distinctPrefix(of: ranking, cutoff: cutoff).enumerated()
        where (judgments[documentID] ?? 0) > 0 {
            return 1 / Double(index + 1)
        }
        return 0
    }

    /// The ranking without the query's own identifier, as BEIR evaluates corpora where queries are documents too.
    ///
    /// - Parameters:
    ///   - ranking: Document identifiers, best first.
    ///   - id: The query's identifier.
    /// - Returns: `ranking` without `id`.
    public static func ranking(_ ranking: [String], excludingQueryID id: String) -> [String] {
        ranking.filter { $0 != id }
    }

    /// Orders scored documents as trec_eval does: score descending, ties broken by identifier descending
    /// (compared byte by byte, as `strcmp`).
    ///
    /// - Parameter scored: Documents with their scores, in any order.
    /// - Returns: Document identifiers, best first.
    /// - Complexity: O(*n* log *n*)
    public static func ranking(scored: [(documentID: String, score: Double)]) -> [String] {
        scored.sorted { left, right in
            if left.score != right.score { return left.score > right.score }
            return right.documentID.utf8.lexicographicallyPrecedes(left.documentID.utf8)
        }.map(\.documentID)
    }

    private static func discount(rank: Int) -> Double { log2(Double(rank) + 1) }

    /// The first `cutoff` distinct identifiers of `ranking`.
    private static func distinctPrefix(of ranking: [String], cutoff: Int) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for documentID in ranking where result.count < cutoff {
            if seen.insert(documentID).inserted { result.append(documentID) }
        }
        return result
    }
}
