/// Where a passage comes from: enough to show a reader the source and to quote it exactly.
public struct Citation: Sendable, Hashable, Codable {
    /// The document's identifier (its path in the corpus, or BEIR `_id`).
    public var document: String
    /// The document's title.
    public var title: String
    /// The heading path of the passage, joined with " › ".
    public var section: String
    /// The document's address, when known.
    public var url: String?
    /// The first Unicode scalar of the passage in the document's source.
    public var start: Int
    /// One past the last Unicode scalar of the passage in the document's source.
    public var end: Int
    /// The PubMed identifier of the cited work, when known.
    public var pmid: String?
    /// The PubMed Central identifier, when known.
    public var pmcid: String?
    /// The DOI, when known.
    public var doi: String?
    /// The pages the passage lies on (a PDF's), in order; empty for documents without pages.
    public var pages: [PageReference] = []

    /// Creates a citation.
    ///
    /// - Parameters:
    ///   - document: The document's identifier.
    ///   - title: The document's title.
    ///   - section: The heading path.
    ///   - url: The document's address.
    ///   - start: The first scalar offset.
    ///   - end: One past the last scalar offset.
    ///   - identifiers: The cited work's PMID, PMCID and DOI, where known.
    public init(
        document: String, title: String, section: String, url: String?, start: Int, end: Int,
        identifiers: WorkIdentifiers = .init()
    ) {
        self.document = document
        self.title = title
        self.section = section
        self.url = url
        self.start = start
        self.end = end
        pmid = identifiers.pmid
        pmcid = identifiers.pmcid
        doi = identifiers.doi
    }

    /// The cited work's identifiers.
    public var identifiers: WorkIdentifiers { WorkIdentifiers(pmid: pmid, pmcid: pmcid, doi: doi) }

    /// The first page the passage lies on, if the document has pages.
    public var page: PageReference? { pages.first }
}

/// One ranked passage returned by a search.
public struct SearchResult: Sendable, Hashable, Codable {
    /// The position in the ranking, from 1.
    public var rank: Int
    /// The score (BM25 or TF-IDF cosine); higher is better, comparable within one search only.
    public var score: Double
    /// The passage's index in the index, from 0.
    public var passageIndex: Int
    /// The passage.
    public var passage: Passage
    /// Where it comes from.
    public var citation: Citation
    /// The analyzed query terms that occur in the passage (or its title and section), in query order.
    public var matchedTerms: [String]
}
