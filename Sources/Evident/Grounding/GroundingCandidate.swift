/// A candidate sentence for a statement, scored by the shard of a sharded index that holds it: what a shard server
/// sends a router, which decides the verdicts from every shard's candidates (`GroundingJudge`).
public struct GroundingCandidate: Sendable, Codable {
    /// The sentence and what its citation shows.
    var sentence: SentenceRecord
    /// Its features, word-overlap score, passage rank, dense similarity and support, as `Grounder` computes them.
    var comparison: ClaimComparison
    var prescore: Double
    var passageRank: Int
    var similarity: Double
    var support: Double

    init(_ candidate: Grounder.Candidate) {
        sentence = SentenceRecord(candidate.sentence)
        comparison = candidate.comparison
        prescore = candidate.prescore
        passageRank = candidate.passageRank
        similarity = candidate.similarity
        support = candidate.support
    }

    /// The candidate as the judge reads it, its document numbered apart from every other shard's.
    func candidate(shard: Int) -> Grounder.Candidate {
        var sentence = self.sentence.sentence
        sentence.key.document = shard << 40 | sentence.key.document
        return Grounder.Candidate(
            sentence: sentence, comparison: comparison, prescore: prescore, passageRank: passageRank,
            similarity: similarity, support: support)
    }
}

extension GroundingJudge {
    /// The candidates the dense model scores when the index stores no sentence vectors: the best
    /// `sentencesScoredPerClaim` by word overlap.
    func keptForScoring(_ candidates: [Grounder.Candidate]) -> [Grounder.Candidate] {
        Array(candidates.sorted { $0.prescore > $1.prescore }.prefix(configuration.sentencesScoredPerClaim))
    }

    /// The grounded statements from the candidates every shard scored (`candidates[shard][statement]`, from
    /// `Grounder.shardCandidates`; an empty list for a shard that did not answer): each statement's candidates in
    /// the order one index lists them (by passage rank), kept to the best by word overlap unless
    /// `scoresEverySentence` (the index stores sentence vectors), read by the verifier if the judge has one, and
    /// judged.
    public func verdicts(
        for statements: [String], candidates: [[[GroundingCandidate]]], scoresEverySentence: Bool
    ) -> [GroundedClaim] {
        var merged = statements.indices.map { position in
            var list: [(candidate: Grounder.Candidate, shard: Int, offset: Int)] = []
            for (shard, lists) in candidates.enumerated() where position < lists.count {
                for (offset, candidate) in lists[position].enumerated() {
                    list.append((candidate.candidate(shard: shard), shard, offset))
                }
            }
            list.sort {
                ($0.candidate.passageRank, $0.shard, $0.offset) < ($1.candidate.passageRank, $1.shard, $1.offset)
            }
            let ordered = list.map(\.candidate)
            return scoresEverySentence ? ordered : keptForScoring(ordered)
        }
        if let verifier { verify(&merged, of: statements, with: verifier) }
        return statements.indices.map { verdict(for: statements[$0], candidates: merged[$0]) }
    }
}
