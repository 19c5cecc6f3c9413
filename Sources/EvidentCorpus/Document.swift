/// The on-disk shape a corpus, or one file of it, is read as.
public enum CorpusFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Markdown with optional YAML front matter (`title`, `url`, any other key kept as metadata).
    case markdown
    /// Plain UTF-8 text; paragraphs are separated by blank lines.
    case text
    /// A BEIR `corpus.jsonl`: one JSON object per line with `_id`, `title` and `text`.
    case beir
    /// PubMed/MEDLINE XML (`PubmedArticleSet`, `MedlineCitationSet`; also gzipped): one document per article.
    case pubmed
    /// A JATS article (`<article>`: PMC's `.nxml`, PLOS's XML): front matter, body sections and references.
    case jats
    /// A saved web page: its main content, headings as sections.
    case html
    /// A PDF, read by a reader that the program registers (``DocumentFileReader``; poppler in `EvidentPDF`).
    case pdf

    /// Whether documents of this format carry their outline in ``Document/sections`` (extracted text, no markup)
    /// rather than in markup that the chunker reads.
    public var hasExtractedOutline: Bool {
        switch self {
        case .markdown, .text, .beir: false
        case .pubmed, .jats, .html, .pdf: true
        }
    }
}

/// A section of a document whose reader found its outline (PubMed's labelled abstract parts, JATS's `<sec>`s):
/// the headings above it and where its text lies.
public struct DocumentSection: Sendable, Hashable, Codable {
    /// The headings above the section's text, outermost first; empty for text under no heading.
    public var path: [String]
    /// The scalar offsets of the section's text in ``Document/source`` (its heading not included).
    public var range: Range<Int>

    /// Creates a section.
    ///
    /// - Parameters:
    ///   - path: The headings above the text, outermost first.
    ///   - range: The scalar offsets of the text in the document's source.
    public init(path: [String], range: Range<Int>) {
        self.path = path
        self.range = range
    }
}

/// One page of a paginated document (PDF): where its text lies in the source.
public struct DocumentPage: Sendable, Hashable, Codable {
    /// The physical page number, from 1.
    public var number: Int
    /// The page's label as printed ("iv", "12"), when the document's page labels give one.
    public var label: String?
    /// The scalar offsets of the page's text in ``Document/source``.
    public var range: Range<Int>

    /// Creates a page.
    ///
    /// - Parameters:
    ///   - number: The physical page number, from 1.
    ///   - label: The printed label, if any.
    ///   - range: The scalar offsets of the page's text in the source.
    public init(number: Int, label: String? = nil, range: Range<Int>) {
        self.number = number
        self.label = label
        self.range = range
    }

}

/// Where one word of a document's text is drawn on its page, in PDF points from the page's top-left corner.
public struct WordBox: Sendable, Hashable, Codable {
    /// The word's scalar offsets in ``Document/source``.
    public var range: Range<Int>
    /// The physical page number, from 1.
    public var page: Int
    /// The box: left, top, width and height in points.
    public var x: Float
    public var y: Float
    public var width: Float
    public var height: Float

    /// Creates a word box.
    public init(range: Range<Int>, page: Int, x: Float, y: Float, width: Float, height: Float) {
        self.range = range
        self.page = page
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}

/// A place in a document's text that cites an entry of its bibliography.
public struct ReferenceMention: Sendable, Hashable, Codable {
    /// The scalar offset of the mention in ``Document/source``.
    public var offset: Int
    /// The position of the cited entry in ``Document/bibliography``, from 0.
    public var entry: Int

    /// Creates a mention.
    ///
    /// - Parameters:
    ///   - offset: The scalar offset of the mention in the document's source.
    ///   - entry: The position of the cited entry in the bibliography.
    public init(offset: Int, entry: Int) {
        self.offset = offset
        self.entry = entry
    }
}

/// The identifiers under which a published work can be looked up.
public struct WorkIdentifiers: Sendable, Hashable, Codable {
    /// The PubMed identifier ("31216009").
    public var pmid: String?
    /// The PubMed Central identifier, with its prefix ("PMC6543210").
    public var pmcid: String?
    /// The Digital Object Identifier, without a resolver prefix ("10.1093/jee/toz164").
    public var doi: String?

    /// Creates identifiers.
    ///
    /// - Parameters:
    ///   - pmid: The PubMed identifier.
    ///   - pmcid: The PubMed Central identifier.
    ///   - doi: The DOI.
    public init(pmid: String? = nil, pmcid: String? = nil, doi: String? = nil) {
        self.pmid = pmid
        self.pmcid = pmcid
        self.doi = doi
    }

    /// Whether no identifier is known.
    public var isEmpty: Bool { pmid == nil && pmcid == nil && doi == nil }

    /// How a citation names the work beside its title: "PMID 31216009", else "PMC6543210", else "doi:10.1093/…";
    /// `nil` when none is known.
    public var label: String? {
        if let pmid { return "PMID \(pmid)" }
        if let pmcid { return pmcid }
        return doi.map { "doi:" + $0 }
    }
}

/// One work in a document's list of references, as the text cites it (`[12]`, or a JATS `<xref rid="B12">`).
public struct BibliographyEntry: Sendable, Hashable, Codable {
    /// The reference's identifier in the document (JATS `id`: "B12", "pone.0146913.ref012").
    public var key: String
    /// The number or label the text cites it by ("12"), when it has one.
    public var label: String?
    /// The reference as printed: authors, title, journal, year.
    public var text: String
    /// The cited work's identifiers, when the reference gives them.
    public var identifiers: WorkIdentifiers

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - key: The reference's identifier in the document.
    ///   - label: The number or label it is cited by.
    ///   - text: The reference as printed.
    ///   - identifiers: The cited work's identifiers.
    public init(key: String, label: String? = nil, text: String, identifiers: WorkIdentifiers = .init()) {
        self.key = key
        self.label = label
        self.text = text
        self.identifiers = identifiers
    }
}

/// One source document: a guideline page, an article, or one abstract of a BEIR corpus.
///
/// `source` is the document exactly as read, and every character offset in Evident (passage ranges, citation
/// quotes) counts Unicode scalars into it, the way Python counts `str` indices. For Markdown and text files,
/// `source` is the whole file, front matter included; for BEIR, it is the record's `text` field.
public struct Document: Sendable, Hashable, Codable {
    /// The path relative to the corpus root (`pdq/mesothelioma-treatment.md`), or BEIR's `_id`.
    public var id: String
    /// The title from front matter or BEIR's `title`; otherwise the first heading or the file name.
    public var title: String
    /// The canonical address of the document, when the corpus gives one.
    public var url: String?
    /// Every other front matter key; list values are joined with ", ".
    public var metadata: [String: String]
    /// The document exactly as read.
    public var source: String
    /// The scalar offsets of the body inside `source` (after the front matter).
    public var bodyRange: Range<Int>
    /// The format the document was read as.
    public var format: CorpusFormat
    /// The outline that the reader of a structured format found; empty for formats whose markup gives it
    /// (Markdown) or that have none (text, BEIR). Passages never cross a section.
    public var sections: [DocumentSection]
    /// The work's identifiers (PMID, PMCID, DOI), when the format gives them.
    public var identifiers: WorkIdentifiers
    /// The works the document cites, in its order; empty when the format does not list them.
    public var bibliography: [BibliographyEntry]
    /// Where the text cites entries of ``bibliography``, in text order.
    public var referenceMentions: [ReferenceMention]
    /// The pages of a paginated document, in order; empty for other formats.
    public var pages: [DocumentPage]
    /// Where each word of a PDF's text is drawn, in text order; empty for other formats.
    public var words: [WordBox]

    /// Creates a document.
    ///
    /// - Parameters:
    ///   - id: The document's identifier, unique in its corpus.
    ///   - title: The display title.
    ///   - url: The canonical address, if any.
    ///   - metadata: Other descriptive fields.
    ///   - source: The document exactly as read.
    ///   - bodyRange: Scalar offsets of the body in `source`; the whole of `source` when `nil`.
    ///   - format: The format the document was read as.
    ///   - sections: The outline a structured format's reader found.
    ///   - identifiers: The work's identifiers.
    ///   - bibliography: The works the document cites.
    ///   - referenceMentions: Where the text cites them.
    ///   - pages: The pages of a paginated document.
    ///   - words: Where each word of a PDF is drawn.
    public init(
        id: String, title: String, url: String? = nil, metadata: [String: String] = [:], source: String,
        bodyRange: Range<Int>? = nil, format: CorpusFormat, sections: [DocumentSection] = [],
        identifiers: WorkIdentifiers = .init(), bibliography: [BibliographyEntry] = [],
        referenceMentions: [ReferenceMention] = [], pages: [DocumentPage] = [], words: [WordBox] = []
    ) {
        self.id = id
        self.title = title
        self.url = url
        self.metadata = metadata
        self.source = source
        self.bodyRange = bodyRange ?? 0..<source.unicodeScalars.count
        self.format = format
        self.sections = sections
        self.identifiers = identifiers
        self.bibliography = bibliography
        self.referenceMentions = referenceMentions
        self.pages = pages
        self.words = words
    }

    /// The pages that the scalar range `range` of the source lies on, in order; empty when the document has no
    /// pages.
    public func pages(of range: Range<Int>) -> [DocumentPage] {
        pages.filter { $0.range.overlaps(range) || ($0.range.contains(range.lowerBound)) }
    }

    /// The boxes of the words inside `range`, in order.
    public func wordBoxes(in range: Range<Int>) -> [WordBox] {
        guard !words.isEmpty else { return [] }
        var low = 0
        var high = words.count
        while low < high {
            let middle = (low + high) / 2
            if words[middle].range.upperBound <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        var boxes: [WordBox] = []
        var position = low
        while position < words.count && words[position].range.lowerBound < range.upperBound {
            boxes.append(words[position])
            position += 1
        }
        return boxes
    }
}
