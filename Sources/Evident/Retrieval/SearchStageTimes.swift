import Dispatch

/// The stages of a search, in the order a hybrid search runs them.
public enum SearchStage: String, Sendable, Hashable, Codable, CaseIterable {
    /// Analyzing the query into terms.
    case analysis
    /// Embedding the query with the model.
    case encoding
    /// Scoring passages by BM25 (or TF-IDF).
    case lexicalSearch = "lexical-search"
    /// Scoring passages by their vectors.
    case denseSearch = "dense-search"
    /// Fusing the lexical and dense rankings.
    case fusion
    /// Reading the passages and building their citations.
    case citations
}

/// Time spent in each stage of one or more searches, for `evident bench` to show where a query's time goes.
///
/// A reference type so that the retriever can add to it from deep inside a search; use one per thread.
package final class SearchStageTimes {
    /// Nanoseconds by stage.
    package private(set) var nanoseconds: [SearchStage: UInt64] = [:]

    /// An empty recorder.
    package init() {}

    /// Runs `body`, adding the time it takes to `stage`.
    func time<Result>(_ stage: SearchStage, _ body: () throws -> Result) rethrows -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { nanoseconds[stage, default: 0] += DispatchTime.now().uptimeNanoseconds - start }
        return try body()
    }

    /// Forgets every time recorded.
    package func reset() { nanoseconds = [:] }
}

extension Optional where Wrapped == SearchStageTimes {
    /// Runs `body`, timing it as `stage` when there is a recorder.
    func time<Result>(_ stage: SearchStage, _ body: () throws -> Result) rethrows -> Result {
        switch self {
        case .some(let times): try times.time(stage, body)
        case .none: try body()
        }
    }
}
