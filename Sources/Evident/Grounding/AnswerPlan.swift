/// What answering a question asks of an index, and how the answer is picked from candidate sentences: the half of
/// `ExtractiveAnswerer` that reads no index, so that a router can run it on candidates its shards scored
/// (`ExtractiveAnswerer.shardCandidates`) and answer as one index would.
public struct AnswerPlan: Sendable {
    /// The question as asked.
    public let question: String
    /// The number of sentences wanted.
    public let sentenceCount: Int
    let kind: QuestionKind
    /// What to retrieve passages for: the question, then its general form when it has one ("How does X work?" for
    /// "How does X work for Y?").
    public let queries: [String]
    /// The passages each query retrieves: a longer answer than the default five draws on two more passages for
    /// every sentence more; the general form on half as many.
    public let limits: [Int]

    public init(_ question: String, sentenceCount: Int, configuration: AnswerConfiguration = AnswerConfiguration()) {
        self.question = question
        self.sentenceCount = sentenceCount
        kind = QuestionKind(question)
        queries = [question] + (kind.focus.map { [$0] } ?? [])
        let limit = configuration.candidatePassages + 2 * max(0, sentenceCount - 5)
        limits = kind.focus == nil ? [limit] : [limit, limit / 2]
    }

    /// The candidate passages from each query's ranking (`rankings[i]` for `queries[i]`, best first): the
    /// question's, then those of the general form's it lacks, each with its place in that order and its rank (the
    /// better of its two).
    public func passages<Passage: Hashable>(_ rankings: [[Passage]]) -> [(passage: Passage, place: Int, rank: Int)] {
        var ranked = rankings.first ?? []
        var focusRanks: [Int: Int] = [:]
        if rankings.count > 1 {
            for (rank, passage) in rankings[1].enumerated() {
                if let known = ranked.firstIndex(of: passage) {
                    focusRanks[known] = rank
                } else {
                    focusRanks[ranked.count] = rank
                    ranked.append(passage)
                }
            }
        }
        return ranked.enumerated().map { place, passage in (passage, place, min(place, focusRanks[place] ?? place)) }
    }

    /// The candidates the dense model scores when the index stores no sentence vectors: the best by word overlap.
    func keptForScoring(_ candidates: [AnswerCandidate], configuration: AnswerConfiguration) -> [AnswerCandidate] {
        Array(candidates.sorted { $0.lexical > $1.lexical }.prefix(configuration.sentencesScored))
    }

    /// The answer from every shard's candidates (`candidates[shard]`, from `ExtractiveAnswerer.shardCandidates`):
    /// ordered as one index lists them, kept to the best by word overlap unless `scoresEverySentence`, and picked.
    public func answer(
        shardCandidates candidates: [[AnswerCandidate]], configuration: AnswerConfiguration = AnswerConfiguration(),
        scoresEverySentence: Bool
    ) -> ExtractiveAnswer {
        var merged: [(candidate: AnswerCandidate, shard: Int, offset: Int)] = []
        for (shard, list) in candidates.enumerated() {
            for (offset, candidate) in list.enumerated() { merged.append((candidate.inShard(shard), shard, offset)) }
        }
        merged.sort { ($0.candidate.place, $0.shard, $0.offset) < ($1.candidate.place, $1.shard, $1.offset) }
        var ordered = merged.map(\.candidate)
        if !scoresEverySentence { ordered = keptForScoring(ordered, configuration: configuration) }
        return answer(ordered, configuration: configuration, scoresEverySentence: true)
    }

    /// Picks the answer from `candidates` (in passage order): relevance (the dense similarity blended with word
    /// overlap where there is a model), maximal marginal relevance skipping near-repetitions, reading order.
    func answer(_ candidates: [AnswerCandidate], configuration: AnswerConfiguration, scoresEverySentence: Bool)
        -> ExtractiveAnswer
    {
        var candidates = candidates.sorted { $0.lexical > $1.lexical }
        if !scoresEverySentence { candidates = Array(candidates.prefix(configuration.sentencesScored)) }
        guard !candidates.isEmpty else {
            return ExtractiveAnswer(question: question, sentences: [], references: [], requested: sentenceCount)
        }
        // Relevance: the dense similarity to the question where there is a model, blended with word overlap.
        let relevance = candidates.map { candidate in
            guard let similarity = candidate.similarity else { return candidate.lexical - candidate.penalty }
            return 0.75 * similarity + 0.25 * candidate.lexical - candidate.penalty
        }
        let vectors = candidates.compactMap(\.vector)
        func similarity(_ left: Int, _ right: Int) -> Double {
            if vectors.count != candidates.count {
                return candidates[left].sentence.text == candidates[right].sentence.text ? 1 : 0
            }
            return Double(Kernels.dotProduct(vectors[left], vectors[right]))
        }

        // Maximal marginal relevance, skipping near-repetitions outright.
        var picked: [Int] = []
        let best = relevance.max() ?? 0
        while picked.count < sentenceCount {
            var choice: (index: Int, score: Double)?
            for index in candidates.indices where !picked.contains(index) {
                let redundancy = picked.map { similarity(index, $0) }.max() ?? 0
                guard redundancy < configuration.redundancyLimit else { continue }
                let score =
                    configuration.relevanceWeight * relevance[index] - (1 - configuration.relevanceWeight) * redundancy
                if score > choice?.score ?? -.infinity { choice = (index, score) }
            }
            // Past three sentences, stop at ones far less relevant than the best.
            guard let choice, picked.count < 3 || relevance[choice.index] >= 0.6 * best else { break }
            picked.append(choice.index)
        }

        // Reading order: documents in the order their first sentence was picked, sentences as the source has them.
        let documentOrder = picked.reduce(into: [Int]()) { order, index in
            let document = candidates[index].sentence.key.document
            if !order.contains(document) { order.append(document) }
        }
        picked.sort { left, right in
            let (a, b) = (candidates[left].sentence.key, candidates[right].sentence.key)
            let (da, db) = (
                documentOrder.firstIndex(of: a.document) ?? 0, documentOrder.firstIndex(of: b.document) ?? 0
            )
            return da != db ? da < db : a.start < b.start
        }
        var references: [GroundingCitation] = []
        var sentences: [ExtractiveAnswer.Sentence] = []
        for index in picked {
            let score = min(max(relevance[index], 0), 1)
            references.append(candidates[index].sentence.citation(score: score, conflicts: []))
            sentences.append(
                .init(text: candidates[index].sentence.text, reference: references.count, relevance: score))
        }
        return ExtractiveAnswer(
            question: question, sentences: sentences, references: references, requested: sentenceCount)
    }
}

/// A candidate sentence for an answer, scored by the index (or the shard) that holds it.
public struct AnswerCandidate: Sendable, Codable {
    var sentence: CandidateSentence
    /// Its passage's place among the candidate passages, and its rank (the better of the question's and the general
    /// form's).
    var place: Int
    var rank: Int
    /// Word overlap with the question and passage rank; what is taken off for a sentence about another subject or
    /// the reader.
    var lexical: Double
    var penalty: Double
    /// The dense similarity to the question and the sentence's vector, with a model.
    var similarity: Double?
    var vector: [Float]?

    init(
        sentence: CandidateSentence, place: Int, rank: Int, lexical: Double, penalty: Double,
        similarity: Double? = nil, vector: [Float]? = nil
    ) {
        self.sentence = sentence
        self.place = place
        self.rank = rank
        self.lexical = lexical
        self.penalty = penalty
        self.similarity = similarity
        self.vector = vector
    }

    /// The candidate with its document numbered apart from every other shard's.
    func inShard(_ shard: Int) -> AnswerCandidate {
        var moved = self
        moved.sentence.key.document = shard << 40 | sentence.key.document
        return moved
    }

    enum CodingKeys: String, CodingKey { case sentence, place, rank, lexical, penalty, similarity, vector }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sentence = try container.decode(SentenceRecord.self, forKey: .sentence).sentence
        place = try container.decode(Int.self, forKey: .place)
        rank = try container.decode(Int.self, forKey: .rank)
        lexical = try container.decode(Double.self, forKey: .lexical)
        penalty = try container.decode(Double.self, forKey: .penalty)
        similarity = try container.decodeIfPresent(Double.self, forKey: .similarity)
        vector = try container.decodeIfPresent([Float].self, forKey: .vector)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(SentenceRecord(sentence), forKey: .sentence)
        try container.encode(place, forKey: .place)
        try container.encode(rank, forKey: .rank)
        try container.encode(lexical, forKey: .lexical)
        try container.encode(penalty, forKey: .penalty)
        try container.encodeIfPresent(similarity, forKey: .similarity)
        try container.encodeIfPresent(vector, forKey: .vector)
    }
}

/// A candidate sentence as a shard sends it: what its citation shows, and its document's position in the shard.
struct SentenceRecord: Codable {
    var documentPosition: Int
    var document: String
    var text: String
    var title: String
    var section: String
    var url: String?
    var quote: String
    var start: Int
    var end: Int
    var identifiers: WorkIdentifiers
    var pages: [PageReference]
    var boxes: [WordBox]

    init(_ sentence: CandidateSentence) {
        documentPosition = sentence.key.document
        document = sentence.documentID
        text = sentence.text
        title = sentence.title
        section = sentence.section
        url = sentence.url
        quote = sentence.quote
        start = sentence.range.lowerBound
        end = sentence.range.upperBound
        identifiers = sentence.identifiers
        pages = sentence.pages
        boxes = sentence.boxes
    }

    /// The sentence as the judge and the answerer read it; its comparisons were made where it was read.
    var sentence: CandidateSentence {
        CandidateSentence(
            key: SentenceKey(document: documentPosition, start: start), text: text, documentID: document,
            title: title, section: section, url: url, quote: quote, range: start..<end, identifiers: identifiers,
            pages: pages, boxes: boxes, vectorRow: nil, prepared: .compared, preparedContext: .compared)
    }
}
