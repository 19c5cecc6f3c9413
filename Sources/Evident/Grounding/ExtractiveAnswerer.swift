import Foundation

/// A short answer made only of sentences from the corpus, each with its citation.
public struct ExtractiveAnswer: Sendable, Hashable, Codable {
    /// One sentence of the answer: the source sentence's clean text and where it comes from.
    public struct Sentence: Sendable, Hashable, Codable {
        /// The sentence as indexed (Markdown removed), which is what the answer shows.
        public var text: String
        /// The number of its reference, from 1.
        public var reference: Int
        /// How relevant it is to the question, in [0, 1].
        public var relevance: Double
    }

    /// The question asked.
    public var question: String
    /// The answer's sentences in reading order.
    public var sentences: [Sentence]
    /// The cited sentences, numbered from 1 in `sentences`' `reference`; `quote` is the source text exactly.
    public var references: [GroundingCitation]
    /// The number of sentences asked for: `sentences` holds fewer when no other sentence of the best passages comes
    /// close enough to the question (past three, within 60 % of the best one's relevance).
    public var requested: Int

    /// The answer as one paragraph with `[n]` markers.
    public var text: String {
        sentences.map { "\($0.text) [\($0.reference)]" }.joined(separator: " ")
    }

    enum CodingKeys: String, CodingKey { case question, answer, sentences, references, requested }

    /// JSON: `{"question", "answer" (the paragraph with [n] markers), "sentences": [{"text", "reference",
    /// "relevance"}], "references": [citation], "requested"}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(question, forKey: .question)
        try container.encode(text, forKey: .answer)
        try container.encode(sentences, forKey: .sentences)
        try container.encode(references, forKey: .references)
        try container.encode(requested, forKey: .requested)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        question = try container.decode(String.self, forKey: .question)
        sentences = try container.decode([Sentence].self, forKey: .sentences)
        references = try container.decode([GroundingCitation].self, forKey: .references)
        requested = try container.decodeIfPresent(Int.self, forKey: .requested) ?? sentences.count
    }

    /// Creates an answer.
    ///
    /// - Parameters:
    ///   - question: The question asked.
    ///   - sentences: The answer's sentences in reading order.
    ///   - references: The cited sentences.
    ///   - requested: The sentences asked for; `sentences.count` when `nil`.
    public init(question: String, sentences: [Sentence], references: [GroundingCitation], requested: Int? = nil) {
        self.question = question
        self.sentences = sentences
        self.references = references
        self.requested = requested ?? sentences.count
    }
}

/// Settings of `ExtractiveAnswerer`.
public struct AnswerConfiguration: Sendable, Hashable {
    /// Passages retrieved for the question; their sentences are the candidates.
    public var candidatePassages: Int
    /// Candidate sentences, the best by word overlap and passage rank, that the dense model scores when the index
    /// stores no sentence vectors (with them, every candidate is scored).
    public var sentencesScored: Int
    /// The trade-off of maximal marginal relevance: 1 picks by relevance alone, 0 by novelty alone.
    public var relevanceWeight: Double
    /// A sentence more similar than this to one already picked is a repetition and is skipped.
    public var redundancyLimit: Double

    /// Creates settings.
    public init(
        candidatePassages: Int = 8, sentencesScored: Int = 24, relevanceWeight: Double = 0.7,
        redundancyLimit: Double = 0.85
    ) {
        self.candidatePassages = candidatePassages
        self.sentencesScored = sentencesScored
        self.relevanceWeight = relevanceWeight
        self.redundancyLimit = redundancyLimit
    }
}

/// Answers a question with 3 to 6 sentences taken verbatim from the best passages: relevant to the question, not
/// repeating one another (maximal marginal relevance), in the order they are read in their documents.
public struct ExtractiveAnswerer: Sendable {
    /// The retriever over the index.
    public let retriever: Retriever
    /// The settings.
    public var configuration: AnswerConfiguration
    /// The documents an answer may draw on; every document when `nil`.
    public var filter: MetadataFilter?
    let comparer: ClaimComparer

    /// Creates an answerer over `retriever`'s index.
    public init(retriever: Retriever, configuration: AnswerConfiguration = AnswerConfiguration()) {
        self.retriever = retriever
        self.configuration = configuration
        comparer = ClaimComparer(index: retriever.index)
    }

    /// Answers `question` with at most `sentenceCount` sentences of the corpus.
    ///
    /// - Parameters:
    ///   - question: Natural-language text.
    ///   - sentenceCount: The number of sentences wanted, 3 to 6; fewer when the corpus has fewer relevant ones.
    /// - Returns: The answer; no sentences when nothing relevant is found.
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func answer(_ question: String, sentenceCount: Int = 5) throws -> ExtractiveAnswer {
        precondition((1...20).contains(sentenceCount), "sentenceCount must lie in 1...20")
        let embedder = retriever.embedder
        // "How does X work for Y?" asks first how X works, "What causes X?" for X's risk factors: the passages
        // that answer that general question (`kind.focus`) join the ones found for the question asked. Both are
        // embedded in one batch.
        let plan = AnswerPlan(question, sentenceCount: sentenceCount, configuration: configuration)
        let queryVectors = embedder?.embed(plan.queries)
        let mode: SearchMode = embedder == nil ? .lexical : .hybrid
        let allowed = try retriever.allowedPassages(SearchOptions(filter: filter))
        let rankings = try zip(plan.queries, plan.limits).enumerated().map { position, query in
            try retriever.rankPassages(
                query.0, terms: retriever.terms(of: query.0), vector: queryVectors?[position], limit: query.1,
                options: SearchOptions(mode: mode), allowed: allowed
            ).map(\.item)
        }
        var cache = SentenceCache(index: retriever.index, comparer: comparer)
        let stored = retriever.index.hasSentenceVectors
        var candidates = try self.candidates(
            plan, passages: plan.passages(rankings), queryVectors: queryVectors, cache: &cache, withVectors: stored)
        if !stored {
            // The encoder scores the best few only.
            candidates = plan.keptForScoring(candidates, configuration: configuration)
            candidates = withSimilarities(candidates, queryVectors: queryVectors, cache: cache)
        }
        return plan.answer(candidates, configuration: configuration, scoresEverySentence: true)
    }

    /// What a shard of a sharded index contributes to answering `question`: the candidate sentences of the passages
    /// it holds among the question's candidate passages (`passages`: each passage and its place and rank in the whole
    /// index's retrieval), with word overlap, penalty, dense similarity and vector, every sentence scored. The
    /// question (and its general form) are embedded in one batch, as `answer` embeds them.
    ///
    /// - Throws: `StorageError` when a record of the index cannot be read.
    public func shardCandidates(
        for question: String, sentenceCount: Int, passages: [(passage: Int, place: Int, rank: Int)]
    ) throws -> [AnswerCandidate] {
        let plan = AnswerPlan(question, sentenceCount: sentenceCount, configuration: configuration)
        let queryVectors = retriever.embedder?.embed(plan.queries)
        var cache = SentenceCache(index: retriever.index, comparer: comparer)
        return try candidates(plan, passages: passages, queryVectors: queryVectors, cache: &cache, withVectors: true)
    }

    /// The candidate sentences of `passages` (in that order), each scored for the plan's question; with a model and
    /// `withVectors`, each with its vector and its similarity to the question (or to its general form, when
    /// closer).
    private func candidates(
        _ plan: AnswerPlan, passages: [(passage: Int, place: Int, rank: Int)], queryVectors: [[Float]]?,
        cache: inout SentenceCache, withVectors: Bool
    ) throws -> [AnswerCandidate] {
        let kind = plan.kind
        let question = plan.question
        var candidates: [(sentence: CandidateSentence, place: Int, rank: Int, lexical: Double, penalty: Double)] = []
        let preparedQuestion = comparer.prepare(question)
        let preparedFocus = kind.focus.map { comparer.prepare($0) }
        for (passage, place, rank) in passages {
            // A passage counts with its better rank: for the question asked, or for the general one.
            for sentence in try cache.sentences(ofPassage: passage)
            where Self.canStandAlone(sentence.text)
                && !candidates.contains(where: { $0.sentence.key == sentence.key })
            {
                let comparison = comparer.compare(
                    claim: preparedQuestion, sentence: sentence.prepared, context: sentence.preparedContext)
                // Word coverage of the question asked, or of the general one when that is better.
                let focusCoverage = preparedFocus.map {
                    comparer.compare(claim: $0, sentence: sentence.prepared, context: sentence.preparedContext)
                        .coverage
                }
                let coverage = max(comparison.coverage, focusCoverage ?? 0)
                // A sentence about another disease, drug or cell type than the question's weighs less: it lacks
                // one the question names and names others instead (another cancer's trial), or names the
                // question's with "non" ("non-Hodgkin" for "Hodgkin").
                let foreign = sentence.prepared.words.keyTerms.contains {
                    !preparedQuestion.words.contains(keyTerm: $0)
                }
                let otherKind =
                    (!comparison.missingKeyTerms.isEmpty && foreign)
                    || !ClaimWords.oppositeKinds(preparedQuestion.words, sentence.prepared.words).isEmpty
                var penalty = otherKind ? 0.2 : 0
                // A sentence about the reader ("People with X sometimes ask whether …") states no fact.
                if Self.isAboutTheReader(sentence.text) { penalty += 0.25 }
                // "What causes X?" is answered by sentences that name a cause or a risk.
                if kind.asksCause, Self.namesACause(sentence.text) { penalty -= 0.15 }
                // "How does X work for Y?" is answered first by a section on how X works (its title and headings
                // name X): its sentences need not name Y, and weigh more.
                if let focusCoverage, focusCoverage >= 0.5, Self.explainsHow(section: sentence.section) {
                    penalty = min(penalty, 0) - 0.1
                }
                candidates.append((sentence, place, rank, 0.7 * coverage + 0.3 / Double(rank + 1), penalty))
            }
        }
        let found = candidates.map {
            AnswerCandidate(
                sentence: $0.sentence, place: $0.place, rank: $0.rank, lexical: $0.lexical, penalty: $0.penalty)
        }
        return withVectors ? withSimilarities(found, queryVectors: queryVectors, cache: cache) : found
    }

    /// `candidates` with their vectors and their dense similarity to the question, or to its general form when
    /// closer; unchanged without a model.
    private func withSimilarities(_ candidates: [AnswerCandidate], queryVectors: [[Float]]?, cache: SentenceCache)
        -> [AnswerCandidate]
    {
        guard let embedder = retriever.embedder, let queryVectors else { return candidates }
        let vectors = cache.vectors(of: candidates.map(\.sentence), embedder: embedder)
        return zip(candidates, vectors).map { candidate, vector in
            var scored = candidate
            scored.vector = vector
            scored.similarity = queryVectors.map { Double(Kernels.dotProduct(vector, $0)) }.max()
            return scored
        }
    }

    /// Whether a sentence speaks about what readers do rather than about the subject: people or patients who
    /// ask, wonder, read or hear about something.
    static func isAboutTheReader(_ text: String) -> Bool {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
        let subjects: Set<String> = ["people", "patients", "readers", "families", "many", "some", "you", "caregivers"]
        let adverbs: Set<String> = ["sometimes", "often", "usually", "may", "might", "also", "then", "still", "first"]
        let actions: Set<String> = ["ask", "asks", "wonder", "wonders", "read", "hear", "search", "look", "want"]
        for (index, word) in words.enumerated() where subjects.contains(word) {
            var next = index + 1
            // "People with mesothelioma sometimes read …": skip a short "with …" phrase and adverbs.
            if next < words.count, words[next] == "with" { next = min(words.count, next + 2) }
            while next < words.count, adverbs.contains(words[next]) { next += 1 }
            if next < words.count, actions.contains(words[next]) { return true }
        }
        return false
    }

    /// Whether a sentence names a cause or a risk ("is caused by", "exposure to", "risk factor", "linked to").
    static func namesACause(_ text: String) -> Bool {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
        let causal: Set<String> = ["cause", "caused", "causes", "causing", "exposure", "exposed", "triggers"]
        if words.contains(where: causal.contains) && !words.contains("symptoms") { return true }
        let joined = " " + words.joined(separator: " ") + " "
        return [" risk factor", " linked to ", " associated with ", " due to ", " leads to "].contains {
            joined.contains($0)
        }
    }

    /// Whether a section's heading path says it explains how something works or goes step by step.
    static func explainsHow(section: String) -> Bool {
        let lowercased = section.lowercased()
        if lowercased.contains("how") && lowercased.contains("work") { return true }
        return ["step by step", "steps", "what happens", "the process", "mechanism"].contains {
            lowercased.contains($0)
        }
    }

    /// Whether a sentence reads as a statement on its own: long enough, ending as a sentence does, not a bare
    /// heading-like fragment ("Lymphodepletion."), not leaning on the sentence before it ("It is …", "Today, these
    /// …", "And …"), not sending the reader elsewhere ("To learn more …, visit …"), and not what grounding calls a
    /// non-claim (a question, a call to action such as "Ask whether a trial is open", a disclaimer).
    static func canStandAlone(_ text: String) -> Bool {
        let words = text.split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
        guard words.count >= 6, !text.hasSuffix(":") else { return false }
        // A line without a full stop is a heading or a table row ("Managing the side effects of CAR T-cell
        // therapies"), not a statement.
        guard let last = text.last(where: { !$0.isWhitespace && !"\"”’')]*".contains($0) }), ".!?".contains(last)
        else { return false }
        guard text.first?.isUppercase == true || text.first?.isNumber == true else { return false }
        // The subject is the first word, or the one after an opening word set off by a comma ("Today, it …").
        let subject = words[0].hasSuffix(",") ? words[1] : words[0]
        if anaphors.contains(subject.trimmingCharacters(in: .punctuationCharacters)) { return false }
        if referrals.contains(where: { text.lowercased().hasPrefix($0) }) { return false }
        return ClaimSplitter.nonClaimReason(of: text) == nil
    }

    /// Words that, opening a sentence, point back at the one before it ("It is …", "And it can …").
    static let anaphors: Set<String> = [
        "it", "it’s", "it's", "its", "this", "these", "those", "they", "that", "such", "another", "both", "he",
        "she", "there", "here", "and", "but", "or", "so", "also", "yet",
    ]
    /// Openings of sentences that send the reader elsewhere instead of saying something, besides the calls to
    /// action ("Visit …", "See …", "Learn more …") that `ClaimSplitter.nonClaimReason` finds.
    static let referrals = ["to learn more", "for more information"]
}

/// What a question asks, as far as its first words tell.
struct QuestionKind: Sendable, Hashable {
    /// Whether it asks how something works or is done ("How does …", "How is …").
    var isHow: Bool
    /// Whether it asks for causes or risks ("What causes …", "Why do people get …", "What are the risk factors …").
    var asksCause: Bool
    /// For "How does X work for Y?" (or "in Y", "with Y"), the general question "How does X work?"; `nil`
    /// otherwise.
    var focus: String?

    init(_ question: String) {
        let trimmed = question.trimmingCharacters(in: .whitespacesAndNewlines)
        let lowercased = trimmed.lowercased()
        isHow =
            lowercased.hasPrefix("how ") && !lowercased.hasPrefix("how many") && !lowercased.hasPrefix("how much")
            && !lowercased.hasPrefix("how long") && !lowercased.hasPrefix("how often")
        focus = nil
        asksCause = [
            "what causes", "what can cause", "why do", "why does", "what are the causes", "what is the cause",
            "what are the risk factors", "what increases the risk", "who is at risk",
        ].contains {
            lowercased.hasPrefix($0)
        }
        if asksCause, let of = ["what causes ", "what can cause "].first(where: { lowercased.hasPrefix($0) }) {
            // "What causes X?" is answered where X's risk factors are: ask for them too.
            let subject = trimmed.dropFirst(of.count).trimmingCharacters(in: CharacterSet(charactersIn: "? "))
            focus = "What are the causes and risk factors of \(subject)?"
            return
        }
        guard isHow else { return }
        for qualifier in [" work for ", " work in ", " work with ", " done for ", " used for ", " used in "] {
            if let range = lowercased.range(of: qualifier) {
                let verb = qualifier.split(separator: " ")[0]
                let end = trimmed.index(
                    trimmed.startIndex,
                    offsetBy: lowercased.distance(
                        from: lowercased.startIndex, to: range.lowerBound))
                focus = String(trimmed[..<end]) + " \(verb)?"
                return
            }
        }
    }
}
