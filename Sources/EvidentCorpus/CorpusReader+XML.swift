import Foundation

/// The bytes of a corpus file whose first chunk has been looked at: as they are, or inflated when they are gzip.
enum XMLFileBytes: ByteChunkSource {
    case plain(PeekedChunks<FileChunks>)
    case gzip(GzipChunks<PeekedChunks<FileChunks>>)

    /// Opens `url`, inflating it when it opens with gzip's magic number.
    init(url: URL) throws {
        var file = try FileChunks(url: url)
        let first = try file.nextChunk() ?? []
        let peeked = PeekedChunks(first: first, rest: file)
        self = GzipChunks<FileChunks>.isGzip(first) ? .gzip(GzipChunks(peeked)) : .plain(peeked)
    }

    mutating func nextChunk() throws(XMLParseError) -> [UInt8]? {
        switch self {
        case .plain(var chunks):
            defer { self = .plain(chunks) }
            return try chunks.nextChunk()
        case .gzip(var chunks):
            defer { self = .gzip(chunks) }
            return try chunks.nextChunk()
        }
    }
}

/// A chunk source whose first chunk was read ahead.
struct PeekedChunks<Rest: ByteChunkSource>: ByteChunkSource {
    private var first: [UInt8]?
    private var rest: Rest

    init(first: [UInt8], rest: Rest) {
        self.first = first
        self.rest = rest
    }

    mutating func nextChunk() throws(XMLParseError) -> [UInt8]? {
        if let chunk = first {
            first = nil
            if !chunk.isEmpty { return chunk }
        }
        return try rest.nextChunk()
    }
}

extension ReadState {
    /// Reads an XML file (gzipped or not) as the vocabulary its root element names: PubMed/MEDLINE or JATS.
    ///
    /// The file is streamed: a PubMed file holds one article's tree at a time, never the whole file's.
    ///
    /// - Parameters:
    ///   - url: The file.
    ///   - file: Its path as issues name it.
    ///   - id: Its path in the corpus, a JATS article's id.
    ///   - expected: The format the caller expects (from `--format` or the file name); a root element of the
    ///     other XML vocabulary is read as what it is unless the format was forced.
    ///   - isForced: Whether `expected` was forced with `--format`.
    /// - Throws: ``CorpusIssue`` for a bad file or record, unless bad input is skipped.
    mutating func readXMLFile(at url: URL, file: String, id: String, expected: CorpusFormat, isForced: Bool) throws {
        var parser: XMLPullParser<XMLFileBytes>
        do {
            parser = XMLPullParser(source: try XMLFileBytes(url: url))
        } catch {
            try report(
                CorpusIssue(
                    .unreadable, file: file, reason: "cannot read the file (\(error.localizedDescription))",
                    fix: "check that the file exists and is readable"))
            return
        }
        let before = result.documents.count
        do {
            guard case .start(let root, _)? = try Self.firstElement(of: &parser) else { return }
            if PubMedArticleReader.rootNames.contains(root) {
                guard !isForced || expected == .pubmed else { throw Self.wrongVocabulary(root, expected, file: file) }
                try readPubMed(&parser, file: file)
            } else if root == "article" || root == "pmc-articleset" {
                guard !isForced || expected == .jats else { throw Self.wrongVocabulary(root, expected, file: file) }
                try readJATS(&parser, root: root, file: file, id: id)
            } else {
                throw CorpusIssue(
                    .unknownXML, file: file, line: parser.startTagLine,
                    reason: "the root element <\(root)> is neither PubMed/MEDLINE XML (<PubmedArticleSet>) nor a JATS "
                        + "article (<article>)",
                    fix: "give Evident PubMed exports, MEDLINE baseline or update files, or PMC/PLOS article XML")
            }
        } catch let error as XMLParseError {
            try report(
                CorpusIssue(
                    .malformedXML, file: file, line: error.line, column: error.column, reason: error.reason,
                    fix: result.documents.count > before
                        ? "the \(result.documents.count - before) records before it were read; repair or re-download "
                            + "the file" : "repair or re-download the file"))
        }
    }

    private static func firstElement(of parser: inout XMLPullParser<XMLFileBytes>) throws -> XMLEvent? {
        while let event = try parser.next() {
            if case .start = event { return event }
        }
        return nil
    }

    private static func wrongVocabulary(_ root: String, _ format: CorpusFormat, file: String) -> CorpusIssue {
        CorpusIssue(
            .unknownXML, file: file, line: 1,
            reason: "the format \(format.rawValue) was forced, but the root element is <\(root)>",
            fix: "do not force a format for XML files: Evident tells PubMed from JATS by the root element")
    }

    /// Reads a JATS article, or each article of a PMC article set (ids `path#PMCID`, else `path#n`).
    private mutating func readJATS(
        _ parser: inout XMLPullParser<XMLFileBytes>, root: String, file: String, id: String
    ) throws {
        let line = parser.startTagLine
        guard root == "pmc-articleset" else {
            let article = try parser.element(named: root, attributes: [:], line: line)
            try addJATS(article, file: file, id: id)
            return
        }
        var ordinal = 0
        while let event = try parser.next() {
            guard case .start(let name, let attributes) = event else { continue }
            let element = try parser.element(named: name, attributes: attributes, line: parser.startTagLine)
            guard name == "article" else { continue }
            ordinal += 1
            let pmcid = element.first(path: "front/article-meta")?.all("article-id")
                .first { $0.attributes["pub-id-type"] == "pmc" || $0.attributes["pub-id-type"] == "pmcid" }?.text
            let articleID = pmcid.map { $0.hasPrefix("PMC") ? $0 : "PMC" + $0 } ?? String(ordinal)
            try addJATS(element, file: file, id: id + "#" + articleID)
        }
    }

    private mutating func addJATS(_ article: XMLElement, file: String, id: String) throws {
        let document: Document
        do {
            document = try JATSArticleReader.document(of: article, id: id)
        } catch {
            try report(
                CorpusIssue(
                    .empty, file: file, line: error.line, reason: error.reason,
                    fix: "check that the file is a full-text article, not only its metadata"))
            return
        }
        try add(document, place: "\(file):\(article.line)", file: file, line: article.line)
    }

    /// Reads the records of a PubMed file: each article a document (a later record of the same PMID, as in an
    /// update file, replaces the earlier one), each `DeleteCitation` removing the documents it names.
    private mutating func readPubMed(_ parser: inout XMLPullParser<XMLFileBytes>, file: String) throws {
        var records = 0
        while let event = try parser.next() {
            guard case .start(let name, let attributes) = event else { continue }
            let isRecord = PubMedArticleReader.recordNames.contains(name)
            guard isRecord || name == "DeleteCitation" else {
                // Anything else at this level is passed over whole.
                _ = try parser.element(named: name, attributes: attributes, line: parser.startTagLine)
                continue
            }
            let element = try parser.element(named: name, attributes: attributes, line: parser.startTagLine)
            guard isRecord else {
                for pmid in PubMedArticleReader.deletedPMIDs(in: element) { remove(id: pmid) }
                continue
            }
            records += 1
            if records % 1_000 == 0 { reportProgress() }
            let document: Document
            do {
                document = try PubMedArticleReader.document(of: element)
            } catch {
                try report(CorpusIssue(.missingField, file: file, line: error.line, reason: error.reason))
                continue
            }
            try replaceOrAdd(document, place: "\(file):\(element.line)", file: file, line: element.line)
        }
    }
}
