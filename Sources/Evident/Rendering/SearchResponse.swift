import Foundation

/// The JSON shape of a search, as `evident search --json` prints it.
///
/// ```json
/// {"query": "…", "mode": "lexical", "scoring": "BM25 (k1 0.9, b 0.4)", "results": [
///   {"rank": 1, "score": 12.3, "document": "pdq/….md", "title": "…", "section": "A › B", "url": "https://…",
///    "start": 1234, "end": 2345, "text": "…", "passage": 17, "evidence_levels": ["C1"], "references": [1, 2],
///    "matched_terms": ["mesothelioma"]}]}
/// ```
public struct SearchResponse: Sendable, Hashable, Codable {
    /// One result.
    public struct Item: Sendable, Hashable, Codable {
        /// Position from 1.
        public var rank: Int
        /// The score; higher is better.
        public var score: Double
        /// The document identifier.
        public var document: String
        /// The document title.
        public var title: String
        /// The heading path, joined with " › ".
        public var section: String
        /// The document's address, or `null`.
        public var url: String?
        /// First Unicode scalar offset of the passage in the document's source.
        public var start: Int
        /// One past the last scalar offset.
        public var end: Int
        /// The passage text, cleaned of Markdown.
        public var text: String
        /// The passage's index in the index.
        public var passage: Int
        /// Levels of evidence cited in the passage.
        public var evidenceLevels: [String]
        /// Reference numbers cited in the passage.
        public var references: [Int]
        /// Query terms (analyzed) found in the passage.
        public var matchedTerms: [String]
        /// The cited work's PubMed, PubMed Central and DOI identifiers; absent from the JSON when unknown.
        public var pmid: String?
        public var pmcid: String?
        public var doi: String?
        /// The pages the passage lies on (a PDF's); absent from the JSON for documents without pages.
        public var pages: [PageReference]
        /// The shard that holds the passage ("2/3"), in a router's answer; `passage` is then its number in that
        /// shard. Absent from a single index's answer.
        public var shard: String?

        enum CodingKeys: String, CodingKey {
            case rank, score, document, title, section, url, start, end, text, passage, pmid, pmcid, doi, pages, shard
            case evidenceLevels = "evidence_levels"
            case references
            case matchedTerms = "matched_terms"
        }

        /// Creates the JSON item of `result`.
        public init(_ result: SearchResult) {
            rank = result.rank
            score = result.score
            document = result.citation.document
            title = result.citation.title
            section = result.citation.section
            url = result.citation.url
            start = result.citation.start
            end = result.citation.end
            text = result.passage.text
            passage = result.passageIndex
            evidenceLevels = result.passage.evidenceLevels
            references = result.passage.references
            matchedTerms = result.matchedTerms
            pmid = result.citation.pmid
            pmcid = result.citation.pmcid
            doi = result.citation.doi
            pages = result.citation.pages
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            rank = try container.decode(Int.self, forKey: .rank)
            score = try container.decode(Double.self, forKey: .score)
            document = try container.decode(String.self, forKey: .document)
            title = try container.decode(String.self, forKey: .title)
            section = try container.decode(String.self, forKey: .section)
            url = try container.decodeIfPresent(String.self, forKey: .url)
            start = try container.decode(Int.self, forKey: .start)
            end = try container.decode(Int.self, forKey: .end)
            text = try container.decode(String.self, forKey: .text)
            passage = try container.decode(Int.self, forKey: .passage)
            evidenceLevels = try container.decode([String].self, forKey: .evidenceLevels)
            references = try container.decode([Int].self, forKey: .references)
            matchedTerms = try container.decode([String].self, forKey: .matchedTerms)
            pmid = try container.decodeIfPresent(String.self, forKey: .pmid)
            pmcid = try container.decodeIfPresent(String.self, forKey: .pmcid)
            doi = try container.decodeIfPresent(String.self, forKey: .doi)
            pages = try container.decodeIfPresent([PageReference].self, forKey: .pages) ?? []
            shard = try container.decodeIfPresent(String.self, forKey: .shard)
        }

        /// The first page, as printed and as a number: written for the reader, not read back.
        enum PageKeys: String, CodingKey {
            case page, physicalPage = "physical_page"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rank, forKey: .rank)
            try container.encode(Float(score), forKey: .score)  // scores are floats: print their shortest form
            try container.encode(document, forKey: .document)
            try container.encode(title, forKey: .title)
            try container.encode(section, forKey: .section)
            try container.encode(url, forKey: .url)  // explicit null rather than a missing key
            try container.encode(start, forKey: .start)
            try container.encode(end, forKey: .end)
            try container.encode(text, forKey: .text)
            try container.encode(passage, forKey: .passage)
            try container.encode(evidenceLevels, forKey: .evidenceLevels)
            try container.encode(references, forKey: .references)
            try container.encode(matchedTerms, forKey: .matchedTerms)
            try container.encodeIfPresent(pmid, forKey: .pmid)
            try container.encodeIfPresent(pmcid, forKey: .pmcid)
            try container.encodeIfPresent(doi, forKey: .doi)
            try container.encodeIfPresent(shard, forKey: .shard)
            if let page = pages.first {
                var pageContainer = encoder.container(keyedBy: PageKeys.self)
                try pageContainer.encode(page.displayLabel, forKey: .page)
                try pageContainer.encode(page.number, forKey: .physicalPage)
                try container.encode(pages, forKey: .pages)
            }
        }
    }

    /// The query as given.
    public var query: String
    /// "lexical", "dense" or "hybrid".
    public var mode: String
    /// The scoring used.
    public var scoring: String
    /// The results, best first.
    public var results: [Item]

    /// Creates the response for `results` of `query`.
    public init(query: String, mode: SearchMode = .lexical, scoring: LexicalScoring, results: [SearchResult]) {
        self.query = query
        self.mode = mode.rawValue
        self.scoring = scoring.description
        self.results = results.map(Item.init)
    }

    /// Creates the response of items already made (by a router, from its shards' items).
    public init(query: String, mode: SearchMode, scoring: String, items: [Item]) {
        self.query = query
        self.mode = mode.rawValue
        self.scoring = scoring
        results = items
    }

    /// The response as pretty-printed JSON with sorted keys.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
