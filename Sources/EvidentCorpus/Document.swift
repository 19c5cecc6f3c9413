/// The on-disk shape a corpus, or one file of it, is read as.
public enum CorpusFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Markdown with optional YAML front matter (`title`, `url`, any other key kept as metadata).
    case markdown
    /// Plain UTF-8 text; paragraphs are separated by blank lines.
    case text
    /// A BEIR `corpus.jsonl`: one JSON object per line with `_id`, `title` and `text`.
    case beir
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
    public init(
        id: String, title: String, url: String? = nil, metadata: [String: String] = [:], source: String,
        bodyRange: Range<Int>? = nil, format: CorpusFormat
    ) {
        self.id = id
        self.title = title
        self.url = url
        self.metadata = metadata
        self.source = source
        self.bodyRange = bodyRange ?? 0..<source.unicodeScalars.count
        self.format = format
    }
}
