import ArgumentParser
import Evident
import Foundation

/// How lexical search scores passages; shared by `search` and `eval`.
struct ScoringOptions: ParsableArguments {
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case bm25, tfidf
    }

    @Option(help: "Scoring: bm25 or tfidf (cosine). Default: what the index was built with.")
    var scoring: Method?

    @Option(help: "BM25 term-frequency saturation k1 (default: the index's, normally 0.9).")
    var k1: Float?

    @Option(help: "BM25 length normalisation b, from 0 to 1 (default: the index's, normally 0.4).")
    var b: Float?

    func validate() throws {
        if let k1, !(k1 >= 0 && k1.isFinite) { throw ValidationError("--k1 must be a number ≥ 0.") }
        if let b, !(b >= 0 && b <= 1) { throw ValidationError("--b must lie between 0 and 1.") }
        if scoring == .tfidf, k1 != nil || b != nil {
            throw ValidationError("--k1 and --b apply to BM25 only; drop them or use --scoring bm25.")
        }
    }

    /// The scoring to use given the index's default, or `nil` to use the default unchanged.
    func scoring(default indexDefault: LexicalScoring) -> LexicalScoring {
        switch scoring {
        case .tfidf: return .tfidf
        case .bm25, nil:
            var parameters = BM25Parameters.default
            if case .bm25(let indexParameters) = indexDefault { parameters = indexParameters }
            if scoring == nil, k1 == nil, b == nil { return indexDefault }
            if let k1 { parameters.k1 = k1 }
            if let b { parameters.b = b }
            return .bm25(parameters)
        }
    }
}

/// Opens an index directory (its errors are worded for people by `Advice`, where the command ends).
func openIndex(_ path: String) throws -> EvidentIndex {
    try EvidentIndex(contentsOf: URL(fileURLWithPath: path))
}
