/// How well grounding finds the evidence of claims whose evidence is annotated (SciFact's training claims):
/// citation recall, evidence-sentence accuracy and the verdicts against the gold labels.
public struct GroundingEvaluation: Sendable, Hashable, Codable {
    /// Claims grounded.
    public var claims: Int
    /// Claims with annotated evidence (SUPPORT or CONTRADICT).
    public var claimsWithEvidence: Int
    /// Of the claims with evidence, the share with a gold abstract among their citations.
    public var citationRecall: Double
    /// Of the claims with evidence, the share with a gold evidence sentence among their cited sentences.
    public var evidenceSentenceAccuracy: Double
    /// Verdict counts by gold label: "SUPPORT", "CONTRADICT" and "NO EVIDENCE" (claims whose cited abstracts
    /// hold no evidence), each by verdict name.
    public var confusion: [String: [String: Int]]
    /// Seconds spent grounding, all claims together.
    public var seconds: Double

    /// The gold label of a claim with no evidence annotation.
    public static let noEvidence = "NO EVIDENCE"

    /// One evaluation of the claims of all of `parts` (disjoint sets of claims): counts and times added, shares
    /// weighted by the claims with evidence.
    public static func merging(_ parts: [GroundingEvaluation]) -> GroundingEvaluation {
        var merged = GroundingEvaluation(
            claims: 0, claimsWithEvidence: 0, citationRecall: 0, evidenceSentenceAccuracy: 0, confusion: [:],
            seconds: 0)
        var cited = 0.0
        var anchored = 0.0
        for part in parts {
            merged.claims += part.claims
            merged.claimsWithEvidence += part.claimsWithEvidence
            cited += part.citationRecall * Double(part.claimsWithEvidence)
            anchored += part.evidenceSentenceAccuracy * Double(part.claimsWithEvidence)
            merged.seconds += part.seconds
            for (label, row) in part.confusion {
                for (verdict, count) in row { merged.confusion[label, default: [:]][verdict, default: 0] += count }
            }
        }
        if merged.claimsWithEvidence > 0 {
            merged.citationRecall = cited / Double(merged.claimsWithEvidence)
            merged.evidenceSentenceAccuracy = anchored / Double(merged.claimsWithEvidence)
        }
        return merged
    }
}

/// Labelled support features for fitting a `SupportModel`: gold evidence sentences against candidate sentences of
/// abstracts that hold no evidence for the claim.
public struct CalibrationExample: Sendable, Hashable, Codable {
    /// The features of the claim and the sentence.
    public var features: SupportFeatures
    /// Whether the sentence is gold evidence for the claim.
    public var isEvidence: Bool
}

extension Grounder {
    /// Grounds every claim of `queries` and compares the result with their evidence annotations.
    ///
    /// A claim's gold sentences are its annotations' sentence indices in the abstract, matched to the abstract's
    /// sentences as the index splits them (SciFact's own segmentation is not in the BEIR files; on abstracts the
    /// two agree closely, but a sentence split differently shifts the indices after it).
    ///
    /// - Parameters:
    ///   - queries: Claims; their `evidence` (SciFact's metadata) gives the gold abstracts and sentences.
    ///   - batchSize: Claims grounded per call (and embedded per batch).
    ///   - progress: Called after each batch with the number of claims done.
    /// - Returns: The metrics.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func evaluate(
        _ queries: [EvaluationQuery], batchSize: Int = 64, progress: ((Int) -> Void)? = nil
    ) throws -> GroundingEvaluation {
        let documentIndices = documentIndicesByID()
        var sentences = SentenceCache(index: retriever.index, comparer: comparer)
        var withEvidence = 0
        var cited = 0
        var anchored = 0
        var confusion: [String: [String: Int]] = [:]
        let clock = ContinuousClock()
        var elapsed = Duration.zero
        var done = 0
        for start in stride(from: 0, to: queries.count, by: batchSize) {
            let batch = Array(queries[start..<min(start + batchSize, queries.count)])
            let began = clock.now
            let grounded = try ground(claims: batch.map { (id: $0.id, text: $0.text) })
            elapsed += clock.now - began
            for (query, claim) in zip(batch, grounded) {
                let evidence = query.evidence ?? [:]
                let labels = Set(evidence.values.flatMap { $0.map(\.label) })
                let gold: String
                switch labels.count {
                case 0: gold = GroundingEvaluation.noEvidence
                case 1: gold = labels.first ?? Self.mixedLabel
                default: gold = Self.mixedLabel
                }
                confusion[gold, default: [:]][claim.verdict?.rawValue ?? "none", default: 0] += 1
                guard !evidence.isEmpty else { continue }
                withEvidence += 1
                let citations = claim.citations + claim.parts.flatMap(\.citations)
                if citations.contains(where: { evidence[$0.document] != nil }) { cited += 1 }
                var goldRanges: [String: [Range<Int>]] = [:]
                for (document, annotations) in evidence {
                    guard let documentIndex = documentIndices[document] else { continue }
                    let abstract = try sentences.sentences(ofDocument: documentIndex)
                    let indices = Set(annotations.flatMap(\.sentences))
                    goldRanges[document] = indices.sorted().compactMap {
                        $0 < abstract.count ? abstract[$0].range : nil
                    }
                }
                let hit = citations.contains { citation in
                    (goldRanges[citation.document] ?? []).contains { $0.overlaps(citation.start..<citation.end) }
                }
                if hit { anchored += 1 }
            }
            done += batch.count
            progress?(done)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return GroundingEvaluation(
            claims: queries.count, claimsWithEvidence: withEvidence,
            citationRecall: withEvidence == 0 ? 0 : Double(cited) / Double(withEvidence),
            evidenceSentenceAccuracy: withEvidence == 0 ? 0 : Double(anchored) / Double(withEvidence),
            confusion: confusion, seconds: seconds)
    }

    /// The label of a claim whose annotations disagree (SciFact has a few).
    static let mixedLabel = "MIXED"

    /// Labelled examples for fitting the support model: for every claim with evidence, its gold evidence
    /// sentences (positives) and the candidate sentences retrieval finds for it in abstracts without evidence for
    /// it (negatives: sentences on the same subject that do not support the claim).
    ///
    /// - Parameters:
    ///   - queries: Claims with evidence annotations; claims without are skipped.
    ///   - batchSize: Claims scored per batch.
    ///   - progress: Called after each batch with the number of claims done.
    /// - Returns: The examples, positives and negatives interleaved by claim.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func calibrationExamples(
        _ queries: [EvaluationQuery], batchSize: Int = 64, progress: ((Int) -> Void)? = nil
    ) throws -> [CalibrationExample] {
        let documentIndices = documentIndicesByID()
        var sentences = SentenceCache(index: retriever.index, comparer: comparer)
        var examples: [CalibrationExample] = []
        let annotated = queries.filter { !($0.evidence ?? [:]).isEmpty }
        var done = 0
        for start in stride(from: 0, to: annotated.count, by: batchSize) {
            let batch = Array(annotated[start..<min(start + batchSize, annotated.count)])
            var gold: [[CandidateSentence]] = []
            for query in batch {
                var list: [CandidateSentence] = []
                for (document, annotations) in query.evidence ?? [:] {
                    guard let documentIndex = documentIndices[document] else { continue }
                    let abstract = try sentences.sentences(ofDocument: documentIndex)
                    for index in Set(annotations.flatMap(\.sentences)).sorted() where index < abstract.count {
                        list.append(abstract[index])
                    }
                }
                gold.append(list)
            }
            let scored = try scoredCandidates(for: batch.map(\.text), sentences: &sentences, extra: gold)
            for ((query, goldSentences), candidates) in zip(zip(batch, gold), scored) {
                let goldKeys = Set(goldSentences.map(\.key))
                let evidenceDocuments = Set((query.evidence ?? [:]).keys)
                for candidate in candidates {
                    if goldKeys.contains(candidate.sentence.key) {
                        examples.append(CalibrationExample(features: candidate.features, isEvidence: true))
                    } else if !evidenceDocuments.contains(candidate.sentence.documentID) {
                        examples.append(CalibrationExample(features: candidate.features, isEvidence: false))
                    }
                }
            }
            done += batch.count
            progress?(done)
        }
        return examples
    }

    /// Claim/evidence pairs for training a verifier, from claims with SciFact's annotations: each annotation's
    /// sentences (joined, as the index splits the abstract) with its label (SUPPORT → Supports, CONTRADICT →
    /// Refutes), and, as Neutral, the `neutralsPerClaim` best candidate sentences grounding finds for the claim in
    /// abstracts without evidence for it — for claims without evidence too. Claims are taken in order; the pairs'
    /// `claimID` is the query's.
    ///
    /// - Parameters:
    ///   - queries: Claims, with or without evidence annotations.
    ///   - neutralsPerClaim: Neutral sentences per claim.
    ///   - batchSize: Claims scored per batch.
    ///   - progress: Called after each batch with the number of claims done.
    /// - Returns: The pairs, grouped by claim.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func trainingPairs(
        _ queries: [EvaluationQuery], neutralsPerClaim: Int = 3, batchSize: Int = 64, progress: ((Int) -> Void)? = nil
    ) throws -> [ClaimEvidencePair] {
        let documentIndices = documentIndicesByID()
        var sentences = SentenceCache(index: retriever.index, comparer: comparer)
        var pairs: [ClaimEvidencePair] = []
        var done = 0
        for start in stride(from: 0, to: queries.count, by: batchSize) {
            let batch = Array(queries[start..<min(start + batchSize, queries.count)])
            let scored = try scoredCandidates(for: batch.map(\.text), sentences: &sentences)
            for (query, candidates) in zip(batch, scored) {
                let evidence = query.evidence ?? [:]
                for document in evidence.keys.sorted() {
                    guard let documentIndex = documentIndices[document] else { continue }
                    let abstract = try sentences.sentences(ofDocument: documentIndex)
                    for annotation in evidence[document] ?? [] {
                        guard let label = PairLabel(word: annotation.label), label != .neutral else { continue }
                        let texts = annotation.sentences.sorted().compactMap {
                            $0 < abstract.count ? abstract[$0].text : nil
                        }
                        guard !texts.isEmpty else { continue }
                        pairs.append(
                            ClaimEvidencePair(
                                claimID: query.id, claim: query.text, evidence: texts.joined(separator: " "),
                                label: label))
                    }
                }
                let others = candidates.filter { evidence[$0.sentence.documentID] == nil }
                    .sorted { $0.support > $1.support }
                var seen: Set<String> = []
                for candidate in others where seen.count < neutralsPerClaim {
                    guard seen.insert(candidate.sentence.text).inserted else { continue }
                    pairs.append(
                        ClaimEvidencePair(
                            claimID: query.id, claim: query.text, evidence: candidate.sentence.text, label: .neutral))
                }
            }
            done += batch.count
            progress?(done)
        }
        return pairs
    }

    /// Fits the support model to `examples`, weighting the classes equally (each positive counts as many times
    /// as there are negatives per positive).
    public static func calibrate(_ examples: [CalibrationExample]) -> SupportModel {
        let positives = examples.filter(\.isEvidence)
        let negatives = examples.filter { !$0.isEvidence }
        guard !positives.isEmpty, !negatives.isEmpty else { return .calibrated }
        let repeats = max(1, Int((Double(negatives.count) / Double(positives.count)).rounded()))
        var balanced = negatives.map { (features: $0.features, isEvidence: false) }
        for _ in 0..<repeats { balanced += positives.map { (features: $0.features, isEvidence: true) } }
        return SupportModel.fit(balanced)
    }

    private func documentIndicesByID() -> [String: Int] {
        var indices: [String: Int] = [:]
        for position in 0..<retriever.index.documentCount {
            indices[retriever.index.documentHeader(at: position).id] = position
        }
        return indices
    }
}
