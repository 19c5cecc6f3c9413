/// TREC run files: `query-id Q0 doc-id rank score tag` lines, as trec_eval and pytrec_eval read them.
public enum TRECRun {
    /// Formats one query's ranking as run lines, ranks from 1, each line ending in `\n`.
    ///
    /// Identifiers and the tag must not contain whitespace, which would split their column; scores are written in
    /// Swift's shortest round-tripping form.
    ///
    /// - Parameters:
    ///   - queryID: The query's identifier.
    ///   - ranking: Documents with their scores, best first.
    ///   - tag: The run's name.
    /// - Returns: One line per document; empty for an empty ranking.
    public static func format(queryID: String, ranking: [(documentID: String, score: Double)], tag: String) -> String {
        var text = ""
        for (index, result) in ranking.enumerated() {
            text += "\(queryID) Q0 \(result.documentID) \(index + 1) \(result.score) \(tag)\n"
        }
        return text
    }
}
