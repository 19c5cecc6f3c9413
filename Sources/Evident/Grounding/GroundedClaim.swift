/// What the sources say about a claim.
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// A cited sentence says what the claim says.
    case supported
    /// The sources say part of it, or say it less exactly than a supported claim needs.
    case partiallySupported = "partially-supported"
    /// A cited sentence on the same subject says otherwise: another number, the opposite direction, a negation,
    /// "experimental" for "approved".
    case contradicted
    /// Nothing in the corpus says it.
    case unsupported
}

/// A source sentence cited for a claim: where it is and how strongly it supports the claim.
public struct GroundingCitation: Sendable, Hashable, Codable {
    /// The cited document's identifier.
    public var document: String
    /// The document's title.
    public var title: String
    /// The section path of the passage the sentence is in, " › "-joined.
    public var section: String
    /// The document's URL, if it has one.
    public var url: String?
    /// The sentence exactly as the document's source file has it: `source[start..<end]`.
    public var quote: String
    /// The quote's first Unicode scalar offset in the document's source.
    public var start: Int
    /// The scalar offset just past the quote.
    public var end: Int
    /// The sentence's support score for the claim, in [0, 1].
    public var score: Double
    /// What in the sentence contradicts the claim, if anything.
    public var conflicts: [String]
    /// What the verifier read in the sentence for the claim, when a verifier read it.
    public var entailment: Entailment?
    /// The PubMed identifier of the cited work, when known.
    public var pmid: String?
    /// The PubMed Central identifier, when known.
    public var pmcid: String?
    /// The DOI, when known.
    public var doi: String?
    /// The pages the quote lies on (a PDF's), in order; empty for documents without pages.
    public var pages: [PageReference] = []
    /// Where the quote's words are drawn (a PDF's), so that a viewer can highlight them; empty otherwise.
    public var boxes: [WordBox] = []

    /// Creates a citation.
    public init(
        document: String, title: String, section: String, url: String?, quote: String, start: Int, end: Int,
        score: Double, conflicts: [String] = [], entailment: Entailment? = nil, identifiers: WorkIdentifiers = .init(),
        pages: [PageReference] = [], boxes: [WordBox] = []
    ) {
        self.pages = pages
        self.boxes = boxes
        self.entailment = entailment
        pmid = identifiers.pmid
        pmcid = identifiers.pmcid
        doi = identifiers.doi
        self.document = document
        self.title = title
        self.section = section
        self.url = url
        self.quote = quote
        self.start = start
        self.end = end
        self.score = score
        self.conflicts = conflicts
    }

    /// The cited work's identifiers.
    public var identifiers: WorkIdentifiers { WorkIdentifiers(pmid: pmid, pmcid: pmcid, doi: doi) }

    /// Whether `other` cites the same source sentence (whatever claim it was scored for).
    public func quotesTheSameSentence(as other: GroundingCitation) -> Bool {
        document == other.document && start == other.start
    }

    enum CodingKeys: String, CodingKey {
        case document, title, section, url, quote, start, end, score, conflicts, entailment, pmid, pmcid, doi
        case page, physicalPage = "physical_page", pages, boxes
    }

    /// A box as the JSON gives it: page, x, y, width, height in PDF points.
    struct Box: Codable {
        var page: Int
        var x: Float
        var y: Float
        var width: Float
        var height: Float
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        document = try container.decode(String.self, forKey: .document)
        title = try container.decode(String.self, forKey: .title)
        section = try container.decode(String.self, forKey: .section)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        quote = try container.decode(String.self, forKey: .quote)
        start = try container.decode(Int.self, forKey: .start)
        end = try container.decode(Int.self, forKey: .end)
        score = try container.decode(Double.self, forKey: .score)
        conflicts = try container.decodeIfPresent([String].self, forKey: .conflicts) ?? []
        entailment = try container.decodeIfPresent(Entailment.self, forKey: .entailment)
        pmid = try container.decodeIfPresent(String.self, forKey: .pmid)
        pmcid = try container.decodeIfPresent(String.self, forKey: .pmcid)
        doi = try container.decodeIfPresent(String.self, forKey: .doi)
        pages = try container.decodeIfPresent([PageReference].self, forKey: .pages) ?? []
        boxes = (try container.decodeIfPresent([Box].self, forKey: .boxes) ?? []).map { box in
            WordBox(range: 0..<0, page: box.page, x: box.x, y: box.y, width: box.width, height: box.height)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(document, forKey: .document)
        try container.encode(title, forKey: .title)
        try container.encode(section, forKey: .section)
        try container.encode(url, forKey: .url)
        try container.encode(quote, forKey: .quote)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(score, forKey: .score)
        if !conflicts.isEmpty { try container.encode(conflicts, forKey: .conflicts) }
        try container.encodeIfPresent(entailment, forKey: .entailment)
        try container.encodeIfPresent(pmid, forKey: .pmid)
        try container.encodeIfPresent(pmcid, forKey: .pmcid)
        try container.encodeIfPresent(doi, forKey: .doi)
        if let page = pages.first {
            try container.encode(page.displayLabel, forKey: .page)
            try container.encode(page.number, forKey: .physicalPage)
            try container.encode(pages, forKey: .pages)
        }
        if !boxes.isEmpty {
            try container.encode(
                boxes.map { Box(page: $0.page, x: $0.x, y: $0.y, width: $0.width, height: $0.height) }, forKey: .boxes)
        }
    }
}

/// A piece of an answer with what the sources say about it: a claim with its verdict, support and citations, or a
/// piece that is not a claim (a heading, a question, a call to action, boilerplate), passed through.
public struct GroundedClaim: Sendable, Hashable, Codable {
    /// The caller's identifier (`--claims` input), if any.
    public var id: String?
    /// The clean text of the claim.
    public var text: String
    /// Whether it is a claim, and why not when it is not.
    public var kind: AnswerClaim.Kind
    /// Where it is written in the answer, in Unicode scalar offsets; `nil` for claims given one by one.
    public var range: Range<Int>?
    /// The verdict; `nil` for a piece that is not a claim.
    public var verdict: Verdict?
    /// The support score in [0, 1]: the best support of a sentence that does not contradict the claim (for a
    /// compound claim, the mean of its parts'); `nil` for a piece that is not a claim.
    public var support: Double?
    /// Up to three cited sentences, the most telling first: for a contradicted claim, the contradicting ones.
    public var citations: [GroundingCitation]
    /// The parts of a compound claim, each grounded on its own; empty when the claim was not split.
    public var parts: [GroundedClaim]

    /// Creates a grounded claim.
    public init(
        id: String? = nil, text: String, kind: AnswerClaim.Kind, range: Range<Int>? = nil, verdict: Verdict? = nil,
        support: Double? = nil, citations: [GroundingCitation] = [], parts: [GroundedClaim] = []
    ) {
        self.id = id
        self.text = text
        self.kind = kind
        self.range = range
        self.verdict = verdict
        self.support = support
        self.citations = citations
        self.parts = parts
    }

    enum CodingKeys: String, CodingKey {
        case id, text, kind, reason, verdict, support, citations, claims
    }

    /// JSON: `{"id"?, "text", "kind" ("claim" or "not-a-claim"), "reason"? (why not a claim), "verdict",
    /// "support", "citations", "claims"? (the parts of a compound claim)}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(text, forKey: .text)
        switch kind {
        case .claim:
            try container.encode("claim", forKey: .kind)
            try container.encode(verdict, forKey: .verdict)
            try container.encode(support.map { ($0 * 1000).rounded() / 1000 }, forKey: .support)
        case .notAClaim(let reason):
            try container.encode("not-a-claim", forKey: .kind)
            try container.encode(reason.rawValue, forKey: .reason)
        }
        try container.encode(citations, forKey: .citations)
        if !parts.isEmpty { try container.encode(parts, forKey: .claims) }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id)
        text = try container.decode(String.self, forKey: .text)
        if try container.decode(String.self, forKey: .kind) == "claim" {
            kind = .claim
        } else {
            kind = .notAClaim(try container.decode(NonClaimReason.self, forKey: .reason))
        }
        range = nil
        verdict = try container.decodeIfPresent(Verdict.self, forKey: .verdict)
        support = try container.decodeIfPresent(Double.self, forKey: .support)
        citations = try container.decode([GroundingCitation].self, forKey: .citations)
        parts = try container.decodeIfPresent([GroundedClaim].self, forKey: .claims) ?? []
    }
}

/// An answer split into claims, each grounded in the corpus.
public struct GroundedAnswer: Sendable, Hashable, Codable {
    /// The answer as given.
    public var answer: String
    /// Its pieces in reading order.
    public var claims: [GroundedClaim]

    /// Creates a grounded answer.
    public init(answer: String, claims: [GroundedClaim]) {
        self.answer = answer
        self.claims = claims
    }

    /// The number of claims (not counting pieces that are not claims) with each verdict.
    public var verdictCounts: [Verdict: Int] {
        var counts: [Verdict: Int] = [:]
        for claim in claims { if let verdict = claim.verdict { counts[verdict, default: 0] += 1 } }
        return counts
    }

    enum CodingKeys: String, CodingKey { case claims }

    /// JSON: `{"claims": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(claims, forKey: .claims)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        claims = try container.decode([GroundedClaim].self, forKey: .claims)
        answer = ""
    }
}
