/// One sentence-level evidence annotation of a claim, as SciFact gives it for each supporting abstract.
public struct EvidenceAnnotation: Sendable, Hashable, Codable {
    /// The indices, from 0, of the abstract's sentences that make up the evidence.
    public var sentences: [Int]
    /// The annotation's label: "SUPPORT" or "CONTRADICT" in SciFact.
    public var label: String

    /// Creates an annotation.
    ///
    /// - Parameters:
    ///   - sentences: The indices, from 0, of the evidence sentences.
    ///   - label: The label.
    public init(sentences: [Int], label: String) {
        self.sentences = sentences
        self.label = label
    }
}

/// A query of an evaluation set: a question or a claim, with its evidence annotations when the set has them.
public struct EvaluationQuery: Sendable, Hashable, Codable {
    /// The query's identifier, as the relevance judgments name it.
    public var id: String
    /// The query text.
    public var text: String
    /// Evidence by document identifier (SciFact's `metadata`); `nil` when the set gives none in that shape.
    public var evidence: [String: [EvidenceAnnotation]]?

    /// Creates a query.
    ///
    /// - Parameters:
    ///   - id: The identifier.
    ///   - text: The text.
    ///   - evidence: Evidence annotations by document identifier, if any.
    public init(id: String, text: String, evidence: [String: [EvidenceAnnotation]]? = nil) {
        self.id = id
        self.text = text
        self.evidence = evidence
    }
}
