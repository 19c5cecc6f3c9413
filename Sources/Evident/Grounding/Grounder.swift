import Foundation

/// Settings of grounding.
public struct GroundingConfiguration: Sendable, Hashable {
    /// Passages retrieved (hybrid when the index has vectors) per claim; their sentences are the candidates.
    public var candidatePassages: Int
    /// Sentences per claim, the best by word overlap, that the dense model scores when the index stores no
    /// sentence vectors (with them, every sentence of the candidate passages is scored).
    public var sentencesScoredPerClaim: Int
    /// Citations kept per claim.
    public var citationLimit: Int
    /// The support a claim needs to be `supported`.
    public var supportedThreshold: Double
    /// The support a claim needs to be `partiallySupported`; a contradicting sentence needs it too.
    public var partialThreshold: Double
    /// The share of the claim's content (``coverage``, weighted by rarity) that the best sentence must hold for
    /// the claim to be `supported` when no verifier has read it.
    public var supportedCoverage: Double
    /// The support a sentence of another document needs to be cited beside the ones that carry the verdict.
    public var corroborationThreshold: Double
    /// The support an unsupported claim's closest sentences need to be cited as such.
    public var closestThreshold: Double
    /// The support score.
    public var supportModel: SupportModel
    /// Sentences per claim, the best by support, that the verifier reads with the claim (when the grounder has
    /// one).
    public var verifiedSentencesPerClaim: Int
    /// How far below the claim's best sentence (in support) a sentence may be and still be read by the verifier.
    public var verifiedSupportMargin: Double
    /// The verifier's probability of "supports" a sentence needs to count as entailing the claim.
    public var entailmentThreshold: Double
    /// The verifier's probability of "refutes" a sentence needs to count as contradicting the claim.
    public var refutationThreshold: Double
    /// Whether `supported` needs the verifier's entailment from a sentence and no contradiction (the verifier's
    /// or the word rules') from any cited one; without it, a contradiction counts only from a sentence on the
    /// claim's subject.
    public var strict: Bool

    /// Creates settings; the defaults are the ones `make demo` and the evaluation in the README use.
    public init(
        candidatePassages: Int = 10, sentencesScoredPerClaim: Int = 16, citationLimit: Int = 3,
        supportedThreshold: Double = 0.7, partialThreshold: Double = 0.4, supportedCoverage: Double = 0.4,
        corroborationThreshold: Double = 0.25, closestThreshold: Double = 0.15,
        supportModel: SupportModel = .calibrated, verifiedSentencesPerClaim: Int = 3,
        verifiedSupportMargin: Double = 0.1, entailmentThreshold: Double = 0.5, refutationThreshold: Double = 0.5,
        strict: Bool = false
    ) {
        self.verifiedSentencesPerClaim = verifiedSentencesPerClaim
        self.verifiedSupportMargin = verifiedSupportMargin
        self.entailmentThreshold = entailmentThreshold
        self.refutationThreshold = refutationThreshold
        self.strict = strict
        self.corroborationThreshold = corroborationThreshold
        self.closestThreshold = closestThreshold
        self.candidatePassages = candidatePassages
        self.sentencesScoredPerClaim = sentencesScoredPerClaim
        self.citationLimit = citationLimit
        self.supportedThreshold = supportedThreshold
        self.partialThreshold = partialThreshold
        self.supportedCoverage = supportedCoverage
        self.supportModel = supportModel
    }
}

/// Grounds the claims of an answer in the exact sentences of an index that support them — or finds that nothing
/// does, or that a source says otherwise.
///
/// For each claim: retrieve candidate passages (hybrid), split them into their source sentences, compare each
/// with the claim (coverage of the claim's content words, key terms, numbers, negation, approval status,
/// direction), score the most promising with the dense model, turn the features into a support score
/// (`SupportModel`), and decide the verdict. All claims of a call are embedded in one batch, and so are all
/// candidate sentences.
public struct Grounder: Sendable {
    /// The retriever over the index; with a model for dense similarity, without one on lexical evidence alone.
    public let retriever: Retriever
    /// The settings.
    public var configuration: GroundingConfiguration
    /// The cross-encoder that reads each claim with its best sentences; without one, verdicts rest on the support
    /// score and the word rules alone.
    public var verifier: ClaimVerifier?
    /// The documents whose sentences may support a claim; every document when `nil`.
    public var filter: MetadataFilter?
    let comparer: ClaimComparer

    /// Creates a grounder over `retriever`'s index.
    public init(
        retriever: Retriever, configuration: GroundingConfiguration = GroundingConfiguration(),
        verifier: ClaimVerifier? = nil
    ) {
        self.retriever = retriever
        self.configuration = configuration
        self.verifier = verifier
        comparer = ClaimComparer(index: retriever.index)
    }

    /// Splits `answer` into claims and grounds each.
    ///
    /// - Parameter answer: Markdown or plain text.
    /// - Returns: Every piece of the answer in reading order, claims grounded, other pieces passed through.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func ground(answer: String) throws -> GroundedAnswer {
        let plan = judge.plan(answer: answer)
        return judge.assemble(plan, grounded: try groundStatements(plan.statements))
    }

    /// Grounds independent claims, each split into parts when compound.
    ///
    /// - Parameter claims: Identifiers (or `nil`) and claim texts.
    /// - Returns: One grounded claim per input, in order.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func ground(claims: [(id: String?, text: String)]) throws -> [GroundedClaim] {
        let plan = judge.plan(claims: claims)
        return judge.assemble(plan, grounded: try groundStatements(plan.statements)).claims
    }

    /// What decides the verdicts from the scored candidates.
    var judge: GroundingJudge { GroundingJudge(configuration: configuration, verifier: verifier) }

    /// A candidate sentence for one statement, with its features and support.
    struct Candidate {
        var sentence: CandidateSentence
        var comparison: ClaimComparison
        var prescore: Double
        /// The rank of the sentence's passage in the claim's retrieval, from 0.
        var passageRank: Int
        var similarity: Double = 0
        var support: Double = 0
        /// What the verifier read, for the sentences it read.
        var entailment: Entailment?

        var features: SupportFeatures {
            SupportFeatures(
                similarity: similarity, coverage: comparison.coverage, precision: comparison.precision,
                quote: comparison.isQuote ? 1 : 0, missingKeyTerms: Double(comparison.missingKeyTerms.count),
                passagePrior: 1 / Double(1 + passageRank))
        }
    }

    /// Grounds statements that are each one claim (already split).
    func groundStatements(_ statements: [String]) throws -> [GroundedClaim] {
        var sentences = SentenceCache(index: retriever.index, comparer: comparer)
        var candidates = try scoredCandidates(for: statements, sentences: &sentences)
        if let verifier { judge.verify(&candidates, of: statements, with: verifier) }
        return statements.indices.map { judge.verdict(for: statements[$0], candidates: candidates[$0]) }
    }

    /// For each statement, its best candidate sentences with features and support: the sentences of its best
    /// passages, pre-scored by word overlap, the best `sentencesScoredPerClaim` scored by the dense model.
    /// `extra` sentences are scored for a statement too, whatever their overlap (calibration uses it for gold
    /// evidence).
    func scoredCandidates(
        for statements: [String], sentences: inout SentenceCache, extra: [[CandidateSentence]] = []
    ) throws -> [[Candidate]] {
        guard !statements.isEmpty else { return [] }
        let embedder = retriever.embedder
        let statementVectors = embedder?.embed(statements)
        let mode: SearchMode = embedder == nil ? .lexical : .hybrid
        let allowed = try retriever.allowedPassages(SearchOptions(filter: filter))

        var candidates: [[Candidate]] = []
        for (position, statement) in statements.enumerated() {
            let prepared = comparer.prepare(statement)
            let ranked = try retriever.rankPassages(
                statement, terms: retriever.terms(of: statement), vector: statementVectors?[position],
                limit: configuration.candidatePassages, options: SearchOptions(mode: mode), allowed: allowed)
            var list = try self.candidates(
                prepared, passages: ranked.enumerated().map { ($1.item, $0) }, sentences: &sentences)
            // With stored sentence vectors every sentence is scored; otherwise the encoder scores the best few.
            if !retriever.index.hasSentenceVectors { list = judge.keptForScoring(list) }
            if position < extra.count {
                // An extra sentence's rank is its document's best passage's, or one past the last retrieved.
                var documentRanks: [Int: Int] = [:]
                for (rank, passage) in ranked.enumerated() {
                    let document = retriever.index.documentIndex(ofPassage: passage.item)
                    if documentRanks[document] == nil { documentRanks[document] = rank }
                }
                for sentence in extra[position] where !list.contains(where: { $0.sentence.key == sentence.key }) {
                    let rank = documentRanks[sentence.key.document] ?? configuration.candidatePassages
                    list.append(candidate(prepared, sentence, rank: rank))
                }
            }
            candidates.append(list)
        }
        score(&candidates, statementVectors: statementVectors, sentences: sentences)
        return candidates
    }

    /// The candidates of the sentences of `passages` (in that order, each with its passage's rank) for a statement.
    private func candidates(
        _ statement: ClaimComparer.PreparedText, passages: [(passage: Int, rank: Int)], sentences: inout SentenceCache
    ) throws -> [Candidate] {
        var list: [Candidate] = []
        for (passage, rank) in passages {
            for sentence in try sentences.sentences(ofPassage: passage) {
                list.append(candidate(statement, sentence, rank: rank))
            }
        }
        return list
    }

    /// Gives each candidate its dense similarity to its statement (each distinct sentence's vector read or embedded
    /// once) and its support.
    private func score(_ candidates: inout [[Candidate]], statementVectors: [[Float]]?, sentences: SentenceCache) {
        if let embedder = retriever.embedder, let statementVectors {
            var keys: [SentenceKey: Int] = [:]
            var distinct: [CandidateSentence] = []
            for list in candidates {
                for candidate in list where keys[candidate.sentence.key] == nil {
                    keys[candidate.sentence.key] = distinct.count
                    distinct.append(candidate.sentence)
                }
            }
            let vectors = sentences.vectors(of: distinct, embedder: embedder)
            for position in candidates.indices {
                for slot in candidates[position].indices {
                    let vector = vectors[keys[candidates[position][slot].sentence.key] ?? 0]
                    candidates[position][slot].similarity = Double(
                        Kernels.dotProduct(vector, statementVectors[position]))
                }
            }
        }
        for position in candidates.indices {
            for slot in candidates[position].indices {
                candidates[position][slot].support = configuration.supportModel.support(
                    candidates[position][slot].features)
            }
        }
    }

    /// What a shard of a sharded index contributes to grounding `statements`: the candidate sentences of the
    /// passages it holds among each statement's candidate passages (`passages[i]` for `statements[i]`: the
    /// passage and its rank in the whole index's retrieval for the statement), with features, similarity and
    /// support, every sentence scored (a router keeps the best by word overlap when the index stores no sentence
    /// vectors, `GroundingJudge.verdicts(for:candidates:scoresEverySentence:)`). The statements are embedded in one
    /// batch, as `ground` embeds them.
    ///
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func shardCandidates(for statements: [String], passages: [[(passage: Int, rank: Int)]]) throws
        -> [[GroundingCandidate]]
    {
        precondition(passages.count == statements.count, "one list of passages per statement")
        guard !statements.isEmpty else { return [] }
        var sentences = SentenceCache(index: retriever.index, comparer: comparer)
        var candidates = try zip(statements, passages).map { statement, passages in
            try self.candidates(comparer.prepare(statement), passages: passages, sentences: &sentences)
        }
        score(&candidates, statementVectors: retriever.embedder?.embed(statements), sentences: sentences)
        return candidates.map { $0.map(GroundingCandidate.init) }
    }

    private func candidate(
        _ statement: ClaimComparer.PreparedText, _ sentence: CandidateSentence, rank: Int
    ) -> Candidate {
        let comparison = comparer.compare(
            claim: statement, sentence: sentence.prepared, context: sentence.preparedContext)
        // Sentences that give a number for a unit the claim gives one for rank higher: they confirm or
        // contradict it.
        let numbers = comparison.conflicts.contains { if case .number = $0 { true } else { false } }
        let prescore =
            (comparison.isQuote ? 1 : 0) + 0.6 * comparison.coverage + 0.25 * comparison.precision
            + 0.3 / Double(rank + 1) + (numbers ? 0.3 : 0)
        return Candidate(sentence: sentence, comparison: comparison, prescore: prescore, passageRank: rank)
    }

}

/// Identifies a source sentence: its document and where it starts.
struct SentenceKey: Hashable {
    var document: Int
    var start: Int
}

/// A sentence of a retrieved passage with what a citation of it needs.
struct CandidateSentence {
    var key: SentenceKey
    var text: String
    var documentID: String
    var title: String
    var section: String
    var url: String?
    var quote: String
    var range: Range<Int>
    /// The document's PMID, PMCID and DOI, where known.
    var identifiers: WorkIdentifiers
    /// The pages the sentence lies on and its words' boxes (a PDF's; empty otherwise).
    var pages: [PageReference] = []
    var boxes: [WordBox] = []
    /// The sentence's row in the index's sentence vectors, when it has them.
    var vectorRow: Int?
    /// The sentence, ready for comparisons.
    var prepared: ClaimComparer.PreparedText
    /// The document's title and the passage's section path, which the sentence's words may lean on, ready for
    /// comparisons.
    var preparedContext: ClaimComparer.PreparedText

    func citation(score: Double, conflicts: [String], entailment: Entailment? = nil) -> GroundingCitation {
        GroundingCitation(
            document: documentID, title: title, section: section, url: url, quote: quote,
            start: range.lowerBound, end: range.upperBound, score: score, conflicts: conflicts,
            entailment: entailment, identifiers: identifiers, pages: pages, boxes: boxes)
    }
}

/// Documents and passage sentences read during one grounding call, each read once.
struct SentenceCache {
    let index: EvidentIndex
    /// Prepares each sentence and context once for comparisons with claims.
    let comparer: ClaimComparer
    private var documents: [Int: (document: Document, scalars: [Unicode.Scalar], splitter: PassageSentenceSplitter)] =
        [:]
    private var passages: [Int: [CandidateSentence]] = [:]

    init(index: EvidentIndex, comparer: ClaimComparer) {
        self.index = index
        self.comparer = comparer
    }

    /// The sentences of every passage of the document at `documentIndex`, in order.
    mutating func sentences(ofDocument documentIndex: Int) throws -> [CandidateSentence] {
        try index.passageIndices(ofDocument: documentIndex).flatMap { try sentences(ofPassage: $0) }
    }

    /// The vectors of `sentences`: their stored ones where the index has them, the others embedded in one batch.
    func vectors(of sentences: [CandidateSentence], embedder: SentenceEmbedder) -> [[Float]] {
        let missing = sentences.indices.filter { sentences[$0].vectorRow == nil }
        var embedded = (missing.isEmpty ? [] : embedder.embed(missing.map { sentences[$0].text }))
            .makeIterator()
        return sentences.map { sentence in
            if let row = sentence.vectorRow { return index.sentenceVector(row: row) }
            return embedded.next() ?? []
        }
    }

    mutating func sentences(ofPassage passageIndex: Int) throws -> [CandidateSentence] {
        if let cached = passages[passageIndex] { return cached }
        let (passage, documentIndex) = try index.passageRecord(at: passageIndex)
        let entry: (document: Document, scalars: [Unicode.Scalar], splitter: PassageSentenceSplitter)
        if let cached = documents[documentIndex] {
            entry = cached
        } else {
            let document = try index.document(at: documentIndex)
            entry = (document, Array(document.source.unicodeScalars), PassageSentenceSplitter(document: document))
            documents[documentIndex] = entry
        }
        let document = entry.document
        let preparedContext = comparer.prepare(([document.title] + passage.sectionPath).joined(separator: " "))
        let split = entry.splitter.sentences(of: passage)
        // Stored vectors are used only when the index split the passage as we do (it always should).
        let rows = index.sentenceRows(ofPassage: passageIndex)
        let vectorRows = rows.flatMap { $0.count == split.count ? $0 : nil }
        let sentences = split.enumerated().map { offset, sentence in
            CandidateSentence(
                key: SentenceKey(document: documentIndex, start: sentence.range.lowerBound), text: sentence.text,
                documentID: document.id, title: document.title, section: passage.section,
                url: document.url,
                quote: String(String.UnicodeScalarView(entry.scalars[sentence.range])), range: sentence.range,
                identifiers: document.identifiers, pages: document.pageReferences(of: sentence.range),
                boxes: document.wordBoxes(in: sentence.range),
                vectorRow: vectorRows.map { $0.lowerBound + offset }, prepared: comparer.prepare(sentence.text),
                preparedContext: preparedContext)
        }
        passages[passageIndex] = sentences
        return sentences
    }
}
