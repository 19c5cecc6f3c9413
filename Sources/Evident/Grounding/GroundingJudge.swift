/// Decides each claim's verdict and citations from its scored candidate sentences: the part of grounding that
/// reads no index, so that a router can run it on candidates its shards scored
/// (`GroundingCandidate`) and reach the verdicts one index would.
public struct GroundingJudge: Sendable {
    /// The settings.
    public var configuration: GroundingConfiguration
    /// The cross-encoder that reads each claim with its best sentences, if any.
    public var verifier: ClaimVerifier?

    public init(configuration: GroundingConfiguration = GroundingConfiguration(), verifier: ClaimVerifier? = nil) {
        self.configuration = configuration
        self.verifier = verifier
    }

    /// What grounding an answer, or a list of claims, asks: the statements (each one claim) to ground, and how
    /// their verdicts make the answer's claims (`assemble`).
    public struct Plan: Sendable {
        /// The statements to ground, in order.
        public let statements: [String]
        fileprivate let answer: String?
        fileprivate let pieces: [AnswerClaim]
        fileprivate let claims: [(id: String?, text: String, parts: Int)]
    }

    /// The plan of grounding `answer` (Markdown or plain text): its claims split, compound ones into parts.
    public func plan(answer: String) -> Plan {
        let pieces = ClaimSplitter().claims(in: answer)
        return Plan(
            statements: pieces.flatMap { $0.isClaim ? $0.parts.map(\.text) : [] }, answer: answer, pieces: pieces,
            claims: [])
    }

    /// The plan of grounding independent claims, each split into parts when compound.
    public func plan(claims: [(id: String?, text: String)]) -> Plan {
        let splitter = ClaimSplitter()
        let partTexts = claims.map { claim -> [String] in
            let parts = splitter.claims(in: claim.text).filter(\.isClaim).flatMap { $0.parts.map(\.text) }
            return parts.isEmpty ? [claim.text] : parts
        }
        return Plan(
            statements: partTexts.flatMap { $0 }, answer: nil, pieces: [],
            claims: zip(claims, partTexts).map { ($0.id, $0.text, $1.count) })
    }

    /// The grounded answer of `plan` from its statements' grounded claims (`grounded[i]` for
    /// `plan.statements[i]`): every piece of the answer in reading order, claims grounded, other pieces passed
    /// through; for a plan of claims, one grounded claim per claim, in order, with an empty answer.
    public func assemble(_ plan: Plan, grounded: [GroundedClaim]) -> GroundedAnswer {
        precondition(grounded.count == plan.statements.count, "one grounded claim per statement")
        var next = 0
        guard let answer = plan.answer else {
            return GroundedAnswer(
                answer: "",
                claims: plan.claims.map { claim in
                    let slice = Array(grounded[next..<(next + claim.parts)])
                    next += claim.parts
                    var result = combine(text: claim.text, range: nil, parts: slice, partRanges: nil)
                    result.id = claim.id
                    return result
                })
        }
        let claims = plan.pieces.map { piece -> GroundedClaim in
            guard piece.isClaim else { return GroundedClaim(text: piece.text, kind: piece.kind, range: piece.range) }
            let parts = grounded[next..<(next + piece.parts.count)]
            next += piece.parts.count
            return combine(
                text: piece.text, range: piece.range, parts: Array(parts), partRanges: piece.parts.map(\.range))
        }
        return GroundedAnswer(answer: answer, claims: claims)
    }

    /// One claim from its grounded parts: a single part is the claim; several give the claim the worst verdict
    /// that still lets a reader trust it (all supported → supported, any contradicted → contradicted, some
    /// support → partially supported) and the mean support.
    func combine(
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

    /// Has `verifier` read each statement with its `verifiedSentencesPerClaim` best sentences (by support, none
    /// more than `verifiedSupportMargin` below the best) and with the best sentence the word rules find
    /// contradicting, all pairs in one batch.
    func verify(_ candidates: inout [[Grounder.Candidate]], of statements: [String], with verifier: ClaimVerifier) {
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

    /// Decides a statement's verdict from its scored candidates.
    func verdict(for statement: String, candidates: [Grounder.Candidate]) -> GroundedClaim {
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
        var lead: [Grounder.Candidate] = []
        let others: [Grounder.Candidate]
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
    private func conflictsOnTheSubject(_ byScore: [Grounder.Candidate], best: Double) -> [Grounder.Candidate] {
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
    func verifiedVerdict(for statement: String, candidates: [Grounder.Candidate]) -> GroundedClaim {
        let byScore = candidates.sorted { $0.support > $1.support }
        let agreeing = byScore.filter { $0.comparison.conflicts.isEmpty }
        let best = agreeing.first?.support ?? 0
        func supports(_ candidate: Grounder.Candidate) -> Double { candidate.entailment?.supports ?? 0 }
        func refutes(_ candidate: Grounder.Candidate) -> Double { candidate.entailment?.refutes ?? 0 }
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
        var lead: [Grounder.Candidate] = []
        let others: [Grounder.Candidate]
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
    private func cited(lead: [Grounder.Candidate], others: [Grounder.Candidate]) -> [Grounder.Candidate] {
        let rest = others.filter { other in !lead.contains { $0.sentence.key == other.sentence.key } }
        return Self.citationOrder(lead + rest, limit: configuration.citationLimit)
    }

    /// The grounded claim, citing `cited(lead:others:)` each with its support, conflicts and (when read) the
    /// verifier's entailment.
    private func claim(
        _ statement: String, verdict: Verdict, support: Double, lead: [Grounder.Candidate], others: [Grounder.Candidate]
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
    static func citationOrder(_ candidates: [Grounder.Candidate], limit: Int) -> [Grounder.Candidate] {
        guard let first = candidates.first, limit > 0 else { return [] }
        var ordered = [first]
        func isCited(_ candidate: Grounder.Candidate) -> Bool {
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
