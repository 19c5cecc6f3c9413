import Foundation

/// Grounding measured on claim/evidence pairs (a `PairFile`): the evidence texts become a corpus of their own, each
/// claim is grounded over it, and the verdicts are counted against the labels.
public struct PairEvaluation: Sendable, Hashable, Codable {
    /// Distinct claims grounded.
    public var claims: Int
    /// Pairs read.
    public var pairs: Int
    /// Distinct evidence texts indexed.
    public var evidenceTexts: Int
    /// Verdicts by the gold label of the claim's first citation: ``PairLabel`` raw values, or
    /// ``otherEvidence`` when the first citation quotes evidence given for other claims only, or ``nothingCited``.
    public var confusionByFirstCitation: [String: [String: Int]]
    /// Verdicts of the claims whose evidence all carries one label, by that label.
    public var confusionByClaim: [String: [String: Int]]
    /// Of the claims with any Supports or Refutes evidence, the share whose citations quote some of it.
    public var citationRecall: Double
    /// Seconds spent grounding (not indexing), all claims together.
    public var seconds: Double

    /// The row of a first citation that quotes evidence given for other claims only.
    public static let otherEvidence = "OTHER CLAIM'S"
    /// The row of claims that cite nothing.
    public static let nothingCited = "NOTHING CITED"

    /// The documents the evidence texts of `pairs` become: one per distinct text, in order of first appearance,
    /// with identifiers `e1`, `e2`, ….
    public static func evidenceDocuments(of pairs: [ClaimEvidencePair]) -> [Document] {
        var seen: Set<String> = []
        var documents: [Document] = []
        for pair in pairs where seen.insert(pair.evidence).inserted {
            documents.append(
                Document(id: "e\(documents.count + 1)", title: "", source: pair.evidence, format: .text))
        }
        return documents
    }

    /// Indexes the evidence of `pairs`, grounds every distinct claim over it and counts the verdicts.
    ///
    /// - Parameters:
    ///   - pairs: The pairs; rows of one claim share its `claimID`.
    ///   - embedder: The model for hybrid retrieval and dense similarity; `nil` grounds on word overlap alone.
    ///   - configuration: The grounding settings.
    ///   - verifier: The claim verifier, if any.
    ///   - batchSize: Claims grounded per call.
    ///   - progress: Called after each batch with the number of claims done.
    /// - Returns: The counts.
    /// - Throws: `StorageError` or `RetrievalError` when the in-memory index cannot be opened or read.
    public static func run(
        _ pairs: [ClaimEvidencePair], embedder: SentenceEmbedder?,
        configuration: GroundingConfiguration = GroundingConfiguration(), verifier: ClaimVerifier? = nil,
        batchSize: Int = 64, progress: ((Int) -> Void)? = nil
    ) throws -> PairEvaluation {
        let documents = evidenceDocuments(of: pairs)
        var documentOfText: [String: String] = [:]
        for document in documents { documentOfText[document.source] = document.id }
        let index = try EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
        let retriever = try embedder.map { try Retriever(index: index, embedder: $0) } ?? Retriever(index: index)
        let grounder = Grounder(retriever: retriever, configuration: configuration, verifier: verifier)

        // Claims in order of first appearance, each with the label of each of its evidence documents.
        var order: [String] = []
        var texts: [String: String] = [:]
        var labels: [String: [String: PairLabel]] = [:]
        for pair in pairs {
            if texts[pair.claimID] == nil {
                order.append(pair.claimID)
                texts[pair.claimID] = pair.claim
            }
            if let document = documentOfText[pair.evidence] {
                labels[pair.claimID, default: [:]][document] = pair.label
            }
        }

        var byCitation: [String: [String: Int]] = [:]
        var byClaim: [String: [String: Int]] = [:]
        var withEvidence = 0
        var recalled = 0
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = Array(order[start..<min(start + batchSize, order.count)])
            let began = clock.now
            let grounded = try grounder.ground(claims: batch.map { (id: $0, text: texts[$0] ?? "") })
            elapsed += clock.now - began
            for (claimID, claim) in zip(batch, grounded) {
                let own = labels[claimID] ?? [:]
                let verdict = claim.verdict?.rawValue ?? "none"
                let citations = claim.citations.isEmpty ? claim.parts.flatMap(\.citations) : claim.citations
                let row: String
                if let first = citations.first {
                    row = own[first.document]?.rawValue ?? otherEvidence
                } else {
                    row = nothingCited
                }
                byCitation[row, default: [:]][verdict, default: 0] += 1
                let distinct = Set(own.values)
                if distinct.count == 1, let label = distinct.first {
                    byClaim[label.rawValue, default: [:]][verdict, default: 0] += 1
                }
                let evidence = Set(own.filter { $0.value != .neutral }.keys)
                if !evidence.isEmpty {
                    withEvidence += 1
                    if citations.contains(where: { evidence.contains($0.document) }) { recalled += 1 }
                }
            }
            progress?(min(start + batchSize, order.count))
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return PairEvaluation(
            claims: order.count, pairs: pairs.count, evidenceTexts: documents.count,
            confusionByFirstCitation: byCitation, confusionByClaim: byClaim,
            citationRecall: withEvidence == 0 ? 0 : Double(recalled) / Double(withEvidence), seconds: seconds)
    }
}
