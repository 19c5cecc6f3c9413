/// Answers queries with ranked, cited passages from one index.
///
/// A retriever is a value over an immutable index: share it between tasks freely.
public struct Retriever: Sendable {
    /// The index searched.
    public let index: EvidentIndex

    /// Creates a retriever over `index`.
    public init(index: EvidentIndex) {
        self.index = index
    }

    /// The analyzed terms of `query`, as the index's analyzer makes them.
    public func terms(of query: String) -> [String] {
        index.analyzer.terms(in: query)
    }

    /// Returns the `limit` passages that best match `query`, best first, each with its citation.
    ///
    /// - Parameters:
    ///   - query: Natural-language text; it is analyzed as the passages were.
    ///   - limit: The maximum number of results, at least 1.
    ///   - scoring: The scoring to use; the index's default when `nil`.
    /// - Returns: At most `limit` results; fewer when fewer passages share a term with the query.
    /// - Throws: `StorageError` when a passage record cannot be decoded.
    /// - Complexity: O(*p* + *m* log `limit`) for *p* postings of the query terms and *m* matching passages.
    public func search(_ query: String, limit: Int = 10, scoring: LexicalScoring? = nil) throws -> [SearchResult] {
        precondition(limit > 0, "limit must be positive")
        let queryTerms = terms(of: query)
        let ranked = index.lexical.search(
            terms: queryTerms, limit: limit, scoring: scoring ?? index.configuration.scoring)
        return try ranked.enumerated().map { rank, scored in
            try result(
                rank: rank + 1, passageIndex: scored.passage, score: Double(scored.score), queryTerms: queryTerms)
        }
    }

    /// Returns the `limit` best documents for `query`: each document scored by its best passage.
    ///
    /// - Parameters:
    ///   - query: Natural-language text.
    ///   - limit: The maximum number of documents.
    ///   - scoring: The scoring to use; the index's default when `nil`.
    /// - Returns: Document identifiers with scores, best first.
    /// - Throws: `StorageError` when a passage record cannot be decoded.
    public func searchDocuments(_ query: String, limit: Int, scoring: LexicalScoring? = nil) throws
        -> [(document: String, score: Double)]
    {
        precondition(limit > 0, "limit must be positive")
        let queryTerms = terms(of: query)
        let scoring = scoring ?? index.configuration.scoring
        var passageLimit = min(limit, index.passageCount)
        while true {
            let ranked = index.lexical.search(terms: queryTerms, limit: passageLimit, scoring: scoring)
            var seen = Set<Int>(minimumCapacity: ranked.count)
            var documents: [(document: String, score: Double)] = []
            documents.reserveCapacity(min(limit, ranked.count))
            for scored in ranked {
                let documentIndex = index.documentIndex(ofPassage: scored.passage)
                guard seen.insert(documentIndex).inserted else { continue }
                documents.append((index.documentHeader(at: documentIndex).id, Double(scored.score)))
                if documents.count == limit { return documents }
            }
            // Fewer distinct documents than asked: look deeper unless every matching passage was seen.
            if ranked.count < passageLimit || passageLimit >= index.passageCount { return documents }
            passageLimit = min(passageLimit * 4, index.passageCount)
        }
    }

    private func result(rank: Int, passageIndex: Int, score: Double, queryTerms: [String]) throws -> SearchResult {
        let (passage, documentIndex) = try index.passageRecord(at: passageIndex)
        let header = index.documentHeader(at: documentIndex)
        var matched: [String] = []
        for term in queryTerms where !matched.contains(term) && index.lexical.contains(term, inPassage: passageIndex) {
            matched.append(term)
        }
        return SearchResult(
            rank: rank, score: score, passageIndex: passageIndex, passage: passage,
            citation: Citation(
                document: header.id, title: header.title, section: passage.section, url: header.url,
                start: passage.range.lowerBound, end: passage.range.upperBound),
            matchedTerms: matched)
    }
}
