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
        let pieces = ClaimSplitter().claims(in: answer)
        let groundedParts = try groundStatements(pieces.flatMap { $0.isClaim ? $0.parts.map(\.text) : [] })
        var next = 0
        let claims = pieces.map { piece -> GroundedClaim in
            guard piece.isClaim else { return GroundedClaim(text: piece.text, kind: piece.kind, range: piece.range) }
            let parts = groundedParts[next..<(next + piece.parts.count)]
            next += piece.parts.count
            return combine(
                text: piece.text, range: piece.range, parts: Array(parts), partRanges: piece.parts.map(\.range))
        }
        return GroundedAnswer(answer: answer, claims: claims)
    }

    /// Grounds independent claims, each split into parts when compound.
    ///
    /// - Parameter claims: Identifiers (or `nil`) and claim texts.
    /// - Returns: One grounded claim per input, in order.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func ground(claims: [(id: String?, text: String)]) throws -> [GroundedClaim] {
        let splitter = ClaimSplitter()
        let partTexts = claims.map { claim -> [String] in
            let parts = splitter.claims(in: claim.text).filter(\.isClaim).flatMap { $0.parts.map(\.text) }
            return parts.isEmpty ? [claim.text] : parts
        }
        let grounded = try groundStatements(partTexts.flatMap { $0 })
        var next = 0
        return zip(claims, partTexts).map { claim, parts in
            let slice = Array(grounded[next..<(next + parts.count)])
            next += parts.count
            var result = combine(text: claim.text, range: nil, parts: slice, partRanges: nil)
            result.id = claim.id
            return result
        }
    }

    /// One claim from its grounded parts: a single part is the claim; several give the claim the worst verdict
    /// that still lets a reader trust it (all supported → supported, any contradicted → contradicted, some
    /// support → partially supported) and the mean support.
    private func combine(
        text: String, range: Range<Int>?, parts: [GroundedClaim], partRanges: [Range<Int>]?
    ) -> GroundedClaim {
        if parts.count == 1 {
            var claim = parts[0]
            claim.text = text
            claim.range = range
            return claim
        }
        let verdicts = parts.compactMap(\.verdict)
        let verdict: Verdict =
            verdicts.allSatisfy { $0 == .supported }
            ? .supported
            : verdicts.contains(.contradicted)
                ? .contradicted
                : verdicts.contains(where: { $0 == .supported || $0 == .partiallySupported })
                    ? .partiallySupported
                    : .unsupported
        let support = parts.compactMap(\.support).reduce(0, +) / Double(max(parts.count, 1))
        var citations: [GroundingCitation] = []
        for part in parts {
            for citation in part.citations where !citations.contains(where: { $0.quotesTheSameSentence(as: citation) })
            {
                citations.append(citation)
            }
        }
        var numbered = parts
        if let partRanges {
            for index in numbered.indices { numbered[index].range = partRanges[index] }
        }
        return GroundedClaim(
            text: text, kind: .claim, range: range, verdict: verdict, support: support,
            citations: Array(citations.prefix(configuration.citationLimit)), parts: numbered)
    }

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
        if let verifier { verify(&candidates, of: statements, with: verifier) }
        return statements.indices.map { verdict(for: statements[$0], candidates: candidates[$0]) }
    }

    /// Has `verifier` read each statement with its `verifiedSentencesPerClaim` best sentences (by support, none
    /// more than `verifiedSupportMargin` below the best) and with the best sentence the word rules find
    /// contradicting, all pairs in one batch.
    func verify(_ candidates: inout [[Candidate]], of statements: [String], with verifier: ClaimVerifier) {
        var slots: [(statement: Int, slot: Int)] = []
        for (position, list) in candidates.enumerated() {
            let order = list.indices.sorted { list[$0].support > list[$1].support }
            var chosen: [Int] = []
            var texts: Set<String> = []
            // A sentence below `closestThreshold` is neither cited nor read as refuting: not worth reading.
            // Nor is one far below the claim's best sentence.
            let best = order.first.map { list[$0].support } ?? 0
            let floor = max(configuration.closestThreshold, best - configuration.verifiedSupportMargin)
            for slot in order where chosen.count < configuration.verifiedSentencesPerClaim {
                guard list[slot].support >= floor else { break }
                if texts.insert(list[slot].sentence.text).inserted { chosen.append(slot) }
            }
            if let conflicting = order.first(where: {
                !list[$0].comparison.conflicts.isEmpty && list[$0].support >= configuration.closestThreshold
            }),
                !chosen.contains(conflicting), texts.insert(list[conflicting].sentence.text).inserted
            {
                chosen.append(conflicting)
            }
            slots += chosen.map { (position, $0) }
        }
        let results = verifier.verify(
            slots.map { (claim: statements[$0.statement], evidence: candidates[$0.statement][$0.slot].sentence.text) })
        for (place, entailment) in zip(slots, results) {
            candidates[place.statement][place.slot].entailment = entailment
        }
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
            var list: [Candidate] = []
            for (rank, passage) in ranked.enumerated() {
                for sentence in try sentences.sentences(ofPassage: passage.item) {
                    list.append(candidate(prepared, sentence, rank: rank))
                }
            }
            // With stored sentence vectors every sentence is scored; otherwise the encoder scores the best few.
            if !retriever.index.hasSentenceVectors {
                list.sort { $0.prescore > $1.prescore }
                list = Array(list.prefix(configuration.sentencesScoredPerClaim))
            }
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

        // The dense model scores the kept sentences, each distinct sentence once.
        if let embedder, let statementVectors {
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
        return candidates
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

    /// Decides a statement's verdict from its scored candidates.
    func verdict(for statement: String, candidates: [Candidate]) -> GroundedClaim {
        if candidates.contains(where: { $0.entailment != nil }) {
            return verifiedVerdict(for: statement, candidates: candidates)
        }
        let byScore = candidates.sorted { $0.support > $1.support }
        let agreeing = byScore.filter { $0.comparison.conflicts.isEmpty }
        let best = agreeing.first?.support ?? 0
        let contradicting = conflictsOnTheSubject(byScore, best: best)
        let verdict: Verdict
        // The sentences that carry the verdict lead; the others are cited as corroboration or context, the
        // scores saying how weak they are.
        var lead: [Candidate] = []
        let others: [Candidate]
        if let contradiction = contradicting.first {
            // The contradicting sentence first, then what else the sources say on the subject.
            verdict = .contradicted
            lead = [contradiction]
            others = byScore.filter {
                $0.support >= configuration.corroborationThreshold
            }
        } else if let top = agreeing.first, top.support >= configuration.partialThreshold {
            // Without the verifier, a sentence holding less than `supportedCoverage` of the claim's content
            // cannot support all of it, however similar it reads.
            let exact = top.comparison.isExact && top.comparison.coverage >= configuration.supportedCoverage
            verdict = top.support >= configuration.supportedThreshold && exact ? .supported : .partiallySupported
            others = agreeing.filter { $0.support >= configuration.corroborationThreshold }
        } else {
            // Nothing supports it: cite the closest sentences (low scores and the verdict say what they are), so a
            // reader sees what the corpus does say on the subject.
            verdict = .unsupported
            others = agreeing.filter { $0.support >= configuration.closestThreshold }
        }
        return claim(statement, verdict: verdict, support: best, lead: lead, others: others)
    }

    /// The candidates (sorted by support) whose word-rule conflicts count: a conflict counts when the sentence is
    /// on the claim's subject — about as strong as the best agreeing sentence (`best`), and (for a bare negation,
    /// the noisiest signal) covering most of the claim's words.
    private func conflictsOnTheSubject(_ byScore: [Candidate], best: Double) -> [Candidate] {
        byScore.filter { candidate in
            let conflicts = candidate.comparison.conflicts
            guard !conflicts.isEmpty, candidate.support >= configuration.partialThreshold,
                candidate.support >= best - 0.1
            else { return false }
            return conflicts != [.negation] || candidate.comparison.coverage >= 0.7
        }
    }

    /// The verdict when the verifier has read the best sentences.
    ///
    /// - A sentence the verifier reads as refuting the claim (more than any other reads as supporting it), one the
    ///   word rules find contradicting on the claim's subject that the verifier does not read as supporting, or one
    ///   on the subject that gives the opposite direction of the claim's effect (whatever the verifier reads):
    ///   `contradicted`.
    /// - Else a sentence the verifier reads as supporting it, on the subject (support ≥ `partialThreshold`): it
    ///   is `supported` when that sentence holds the claim's key terms and quantities and nothing cited
    ///   contradicts it (under `strict`, no cited sentence has any conflict or refutation), else
    ///   `partiallySupported`.
    /// - Else (the verifier reads nothing as supporting): `partiallySupported` when the support score alone would
    ///   have called it at least that (the two disagree: never `supported`; under `strict`, `unsupported`),
    ///   `unsupported` otherwise.
    func verifiedVerdict(for statement: String, candidates: [Candidate]) -> GroundedClaim {
        let byScore = candidates.sorted { $0.support > $1.support }
        let agreeing = byScore.filter { $0.comparison.conflicts.isEmpty }
        let best = agreeing.first?.support ?? 0
        func supports(_ candidate: Candidate) -> Double { candidate.entailment?.supports ?? 0 }
        func refutes(_ candidate: Candidate) -> Double { candidate.entailment?.refutes ?? 0 }
        let entailing = byScore.filter {
            supports($0) >= configuration.entailmentThreshold && supports($0) > refutes($0)
                && $0.support >= configuration.partialThreshold
        }
        let refuting = byScore.filter {
            refutes($0) >= configuration.refutationThreshold && refutes($0) > supports($0)
                && $0.support >= configuration.closestThreshold
        }.sorted { refutes($0) > refutes($1) }
        let strongestEntailment = entailing.map(supports).max() ?? 0
        // The word rules' contradictions on the claim's subject (as without a verifier); they contradict the
        // claim where the verifier does not read support, and dispute it where it does.
        let ruleConflicting = conflictsOnTheSubject(byScore, best: best)
        let ruleContradicting = ruleConflicting.filter { supports($0) < configuration.entailmentThreshold }
        // An effect the source gives the other direction on the claim's subject contradicts the claim even where
        // the verifier reads support: the verifier reads what a sentence is about better than which way an effect
        // goes ("reduces" against "increases" reads as entailment more often than as refutation).
        let directionContradicting = ruleConflicting.filter { candidate in
            candidate.comparison.conflicts.contains { if case .direction = $0 { true } else { false } }
        }

        let verdict: Verdict
        var lead: [Candidate] = []
        let others: [Candidate]
        if let refutation = refuting.first(where: { refutes($0) > strongestEntailment })
            ?? (entailing.isEmpty ? ruleContradicting.first : directionContradicting.first)
        {
            verdict = .contradicted
            lead = [refutation]
            others = byScore.filter {
                $0.support >= configuration.corroborationThreshold
            }
        } else if let top = entailing.first(where: { $0.comparison.conflicts.isEmpty }) ?? entailing.first {
            let exact = top.comparison.isExact
            let corroborating = agreeing.filter {
                $0.support >= configuration.corroborationThreshold
            }
            // Under `strict`, every sentence that will be cited must be free of conflicts and refutation.
            let disputed =
                !refuting.isEmpty || !ruleConflicting.isEmpty
                || (configuration.strict
                    && cited(lead: [top], others: corroborating).contains {
                        !$0.comparison.conflicts.isEmpty || refutes($0) >= configuration.refutationThreshold
                    })
            verdict = exact && !disputed ? .supported : .partiallySupported
            lead = [top]
            others = corroborating
        } else if let top = agreeing.first, top.support >= configuration.partialThreshold, !configuration.strict {
            // The support score finds the subject, the verifier reads no support: never `supported`.
            verdict = .partiallySupported
            others = agreeing.filter { $0.support >= configuration.corroborationThreshold }
        } else {
            verdict = .unsupported
            others = agreeing.filter { $0.support >= configuration.closestThreshold }
        }
        return claim(statement, verdict: verdict, support: best, lead: lead, others: others)
    }

    /// The sentences cited for a claim, in order: `lead` (the sentence that carries the verdict, when one does)
    /// first, then up to the citation limit of `others` in citation order, the lead counting as the first cited so
    /// that another document's best follows it.
    private func cited(lead: [Candidate], others: [Candidate]) -> [Candidate] {
        let rest = others.filter { other in !lead.contains { $0.sentence.key == other.sentence.key } }
        return Self.citationOrder(lead + rest, limit: configuration.citationLimit)
    }

    /// The grounded claim, citing `cited(lead:others:)` each with its support, conflicts and (when read) the
    /// verifier's entailment.
    private func claim(
        _ statement: String, verdict: Verdict, support: Double, lead: [Candidate], others: [Candidate]
    ) -> GroundedClaim {
        let citations = cited(lead: lead, others: others).map { candidate in
            candidate.sentence.citation(
                score: candidate.support, conflicts: candidate.comparison.conflicts.map(\.description),
                entailment: candidate.entailment)
        }
        return GroundedClaim(text: statement, kind: .claim, verdict: verdict, support: support, citations: citations)
    }

    /// Up to `limit` of `candidates` (sorted by support) in the order they are cited: the best sentence, the best
    /// of another document (sources that agree independently say more), then a third document's best when it is
    /// at least half as strong as the next sentence, else that next sentence; then the rest by support.
    static func citationOrder(_ candidates: [Candidate], limit: Int) -> [Candidate] {
        guard let first = candidates.first, limit > 0 else { return [] }
        var ordered = [first]
        func isCited(_ candidate: Candidate) -> Bool {
            ordered.contains { $0.sentence.key == candidate.sentence.key }
        }
        if let other = candidates.first(where: { $0.sentence.key.document != first.sentence.key.document }) {
            ordered.append(other)
        }
        let documents = Set(ordered.map(\.sentence.key.document))
        if let next = candidates.first(where: { !isCited($0) }) {
            if let third = candidates.first(where: { !documents.contains($0.sentence.key.document) }),
                third.support >= 0.5 * next.support
            {
                ordered.append(third)
            } else {
                ordered.append(next)
            }
        }
        for candidate in candidates where ordered.count < limit && !isCited(candidate) { ordered.append(candidate) }
        return Array(ordered.prefix(limit))
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
