public import Foundation

/// How a ``CorpusReader`` finds and reads files.
public struct CorpusReaderConfiguration: Sendable {
    /// The format to read every file as; `nil` chooses it from the path (see ``CorpusReader``).
    public var format: CorpusFormat?
    /// Whether a bad file or BEIR line is recorded in ``CorpusReadResult/skipped`` instead of stopping the read.
    public var skipsBadInput: Bool
    /// The format of each file extension (lowercase, without the dot) read when walking a folder.
    public var fileExtensions: [String: CorpusFormat]
    /// File names (compared case-insensitively) that describe a corpus folder rather than belong to it; they are
    /// not read, and are listed in ``CorpusReadResult/ignoredFiles``.
    public var excludedFileNames: Set<String>
    /// Files or folders, relative to the corpus folder (`answers`, `drafts/old.md`), that are not read; files under
    /// them are listed in ``CorpusReadResult/ignoredFiles``.
    public var excludedPaths: [String]
    /// Readers of formats that need a library of their own (see ``register(_:)``).
    public var readers: [any DocumentFileReader] = []
    /// The largest file read in one piece (all formats but the XML ones, which are streamed): 1 GiB. A larger file
    /// is a bad file, not a reason to run out of memory.
    public var maximumFileBytes = 1 << 30

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - format: The format to force, or `nil` to choose it from the path.
    ///   - skipsBadInput: Whether bad files and lines are skipped and recorded rather than thrown.
    ///   - fileExtensions: The extensions read when walking a folder, and their formats.
    ///   - excludedFileNames: Names of files in a folder that are never read as documents.
    ///   - excludedPaths: Files or folders, relative to the corpus folder, that are not read.
    public init(
        format: CorpusFormat? = nil, skipsBadInput: Bool = false,
        fileExtensions: [String: CorpusFormat] = [
            "md": .markdown, "markdown": .markdown, "txt": .text, "xml": .pubmed, "nxml": .jats, "html": .html,
            "htm": .html, "xhtml": .html,
        ],
        excludedFileNames: Set<String> = ["readme.md", "provenance.md", "license.md", "license.txt"],
        excludedPaths: [String] = []
    ) {
        self.excludedPaths = excludedPaths.map(Self.normalizedPath)
        self.format = format
        self.skipsBadInput = skipsBadInput
        self.fileExtensions = fileExtensions
        self.excludedFileNames = excludedFileNames
    }
}

extension CorpusReaderConfiguration {
    /// `path` without a leading `./` or a trailing `/`.
    static func normalizedPath(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }
}

/// What a ``CorpusReader`` read.
public struct CorpusReadResult: Sendable {
    /// The documents, in path order (folders) or line order (BEIR).
    public var documents: [Document]
    /// The bad files and lines that were skipped; always empty unless ``CorpusReaderConfiguration/skipsBadInput``.
    public var skipped: [CorpusIssue]
    /// The number of files read, bad ones included.
    public var fileCount: Int
    /// The number of bytes in the files read.
    public var byteCount: Int
    /// Paths, relative to the corpus folder, of files not read: other extensions, and
    /// ``CorpusReaderConfiguration/excludedFileNames``.
    public var ignoredFiles: [String]
    /// Records read again under an identifier already read, which replaced the earlier one (a PubMed update
    /// file's revised articles).
    public var replacedDocuments = 0
    /// Documents removed by a later file (PubMed's `DeleteCitation`).
    public var deletedDocuments = 0

    /// Creates a result.
    ///
    /// - Parameters:
    ///   - documents: The documents read.
    ///   - skipped: The issues skipped.
    ///   - fileCount: The number of files read.
    ///   - byteCount: The number of bytes read.
    ///   - ignoredFiles: Paths, relative to the corpus folder, of files not read.
    public init(
        documents: [Document] = [], skipped: [CorpusIssue] = [], fileCount: Int = 0, byteCount: Int = 0,
        ignoredFiles: [String] = []
    ) {
        self.documents = documents
        self.skipped = skipped
        self.fileCount = fileCount
        self.byteCount = byteCount
        self.ignoredFiles = ignoredFiles
    }
}

/// How far a ``CorpusReader`` has got; reported after each file, and every 1,000 lines of a BEIR corpus.
public struct CorpusProgress: Sendable, Hashable {
    /// Files read so far.
    public var filesRead: Int
    /// The number of files to read, when known.
    public var totalFiles: Int?
    /// Documents read so far.
    public var documents: Int
    /// Bytes read so far.
    public var bytes: Int

    /// Creates a progress report.
    ///
    /// - Parameters:
    ///   - filesRead: Files read so far.
    ///   - totalFiles: The number of files to read, if known.
    ///   - documents: Documents read so far.
    ///   - bytes: Bytes read so far.
    public init(filesRead: Int, totalFiles: Int?, documents: Int, bytes: Int) {
        self.filesRead = filesRead
        self.totalFiles = totalFiles
        self.documents = documents
        self.bytes = bytes
    }
}

/// Reads a corpus — a folder of Markdown and text files, one file, or a BEIR corpus — into ``Document``s.
///
/// Unless ``CorpusReaderConfiguration/format`` forces a format, the path decides:
/// - a folder holding `corpus.jsonl` is a BEIR dataset, and only that file is read;
/// - any other folder is walked recursively in sorted path order, skipping hidden files and folders; files are
///   read by extension (`.md`, `.markdown`: Markdown; `.txt`: text) and the rest listed as ignored;
/// - a file is read by its extension, `.jsonl` being BEIR; a file with an unknown extension is read as text.
///
/// Markdown may open with YAML front matter between two `---` lines, in a YAML subset: top-level `key: value`
/// entries with plain, `'single'` or `"double"` quoted values (continued on indented lines as YAML folds them),
/// `|` and `>` blocks, `- item` and `[a, b]` lists, comments and blank lines. Its `title` and `url` fill those
/// fields, and every other key goes to ``Document/metadata`` (lists joined with ", "). Without a title, the
/// first `# ` heading is the title, and without one the file name without its extension. A text file's title is
/// its first non-empty line when that is at most 200 characters long, else the file name. Document identifiers
/// are paths relative to the folder with `/` separators (a file read directly: its name), or BEIR's `_id`.
///
/// `source` keeps the file exactly as read: line endings are not normalised (front matter in CRLF files still
/// parses), so that offsets quote the original.
public struct CorpusReader: Sendable {
    /// The reader's settings.
    public var configuration: CorpusReaderConfiguration

    /// Creates a reader.
    ///
    /// - Parameter configuration: How files are found and read.
    public init(configuration: CorpusReaderConfiguration = .init()) {
        self.configuration = configuration
    }

    /// Reads the corpus at `url`.
    ///
    /// - Parameters:
    ///   - url: A folder, a Markdown or text file, a BEIR `corpus.jsonl`, or a folder that holds one.
    ///   - progress: Called after each file (and every 1,000 BEIR lines) on the calling thread.
    /// - Returns: The documents, with any skipped issues and the files not read.
    /// - Throws: ``CorpusIssue`` for the first bad file or line, naming file and line, unless
    ///   ``CorpusReaderConfiguration/skipsBadInput`` is set; a missing `url` is always thrown.
    /// - Complexity: O(*n*) in the corpus's bytes.
    public func read(at url: URL, progress: (@Sendable (CorpusProgress) -> Void)? = nil) throws -> CorpusReadResult {
        var state = ReadState(configuration: configuration, progress: progress)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CorpusIssue(
                .unreadable, file: url.path, reason: "no such file or folder",
                fix: "pass the path of a corpus folder, a Markdown or text file, or a BEIR corpus.jsonl")
        }
        if isDirectory.boolValue {
            let beirFile = url.appendingPathComponent("corpus.jsonl")
            if configuration.format == .beir
                || (configuration.format == nil && FileManager.default.fileExists(atPath: beirFile.path))
            {
                state.totalFiles = 1
                try state.readFile(at: beirFile, displayPath: beirFile.path, id: "corpus.jsonl", format: .beir)
            } else {
                try readFolder(at: url, into: &state)
            }
        } else {
            let name = url.lastPathComponent
            let format = configuration.format ?? Self.format(ofFileNamed: name, configuration: configuration)
            state.totalFiles = 1
            try state.readFile(at: url, displayPath: url.path, id: name, format: format ?? .text)
        }
        return state.finishedResult()
    }

    /// The file at a corpus folder's root that lists paths never to index, one a line (`#` starts a comment): the
    /// sample answers, drafts, anything that sits beside the documents without being one.
    public static let ignoreFileName = ".evidentignore"

    private func readFolder(at root: URL, into state: inout ReadState) throws {
        for path in configuration.excludedPaths {
            guard FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) else {
                throw CorpusIssue(
                    .excludedPathMissing, file: root.appendingPathComponent(path).path,
                    reason: "the path to exclude is not in the corpus folder",
                    fix: "give it relative to \(root.path), as the folder's listing spells it")
            }
        }
        var reader = self
        reader.configuration.excludedPaths += Self.ignoredPaths(in: root)
        var files: [(relativePath: String, format: CorpusFormat)] = []
        try reader.collectFiles(in: root, relativePath: "", into: &files, ignored: &state.result.ignoredFiles)
        state.totalFiles = files.count
        for file in files {
            let url = root.appendingPathComponent(file.relativePath)
            try state.readFile(
                at: url, displayPath: root.path + "/" + file.relativePath, id: file.relativePath, format: file.format)
        }
    }

    private func collectFiles(
        in folder: URL, relativePath: String, into files: inout [(relativePath: String, format: CorpusFormat)],
        ignored: inout [String]
    ) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        } catch {
            throw CorpusIssue(
                .unreadable, file: folder.path, reason: "cannot list the folder (\(error.localizedDescription))",
                fix: "check the folder's permissions")
        }
        for name in names where !name.hasPrefix(".") {
            let path = relativePath.isEmpty ? name : relativePath + "/" + name
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if configuration.excludedPaths.contains(path) {
                ignored.append(path)
            } else if isDirectory.boolValue {
                try collectFiles(in: url, relativePath: path, into: &files, ignored: &ignored)
            } else if configuration.excludedFileNames.contains(name.lowercased()) {
                ignored.append(path)
            } else if let format = Self.format(ofFileNamed: name, configuration: configuration),
                format != .beir
            {
                files.append((path, configuration.format ?? format))
            } else {
                ignored.append(path)
            }
        }
    }

    /// The paths `root`'s ignore file lists, normalised as excluded paths are; none when it has no such file.
    static func ignoredPaths(in root: URL) -> [String] {
        guard let text = try? String(contentsOf: root.appendingPathComponent(ignoreFileName), encoding: .utf8) else {
            return []
        }
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            let entry = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            return entry.isEmpty ? nil : CorpusReaderConfiguration.normalizedPath(entry)
        }
    }

    /// The format a file name's extension stands for, `.jsonl` being BEIR; a `.gz` ending is looked through
    /// (`pubmed24n0001.xml.gz` is XML). An XML file's vocabulary, PubMed or JATS, is told from its root element
    /// when it is read.
    static func format(ofFileNamed name: String, configuration: CorpusReaderConfiguration) -> CorpusFormat? {
        var name = Substring(name)
        if name.lowercased().hasSuffix(".gz") { name = name.dropLast(3) }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        let fileExtension = name[name.index(after: dot)...].lowercased()
        if fileExtension == "jsonl" { return .beir }
        return configuration.fileExtensions[fileExtension]
    }
}

/// The state of one read: what has been read so far, and what to do with issues.
struct ReadState {
    let configuration: CorpusReaderConfiguration
    let progress: (@Sendable (CorpusProgress) -> Void)?
    var result = CorpusReadResult()
    var totalFiles: Int?
    /// Where each document identifier was first read, for duplicate reports.
    var firstPlaceOfID: [String: String] = [:]
    /// The position in `result.documents` of each identifier read; removed documents leave theirs.
    var positionOfID: [String: Int] = [:]
    /// Positions in `result.documents` of documents that a later record removed.
    var removedPositions = Set<Int>()

    init(configuration: CorpusReaderConfiguration, progress: (@Sendable (CorpusProgress) -> Void)?) {
        self.configuration = configuration
        self.progress = progress
    }

    /// Throws `issue`, or records it when bad input is skipped.
    mutating func report(_ issue: CorpusIssue) throws {
        guard configuration.skipsBadInput else { throw issue }
        result.skipped.append(issue)
    }

    /// Adds a document unless its identifier was read before, which is reported as an issue.
    mutating func add(_ document: Document, place: String, file: String, line: Int?) throws {
        if let first = firstPlaceOfID[document.id] {
            try report(
                CorpusIssue(
                    .duplicateID, file: file, line: line,
                    reason: "document id '\(document.id)' was already read at \(first)",
                    fix: "give each document a unique id"))
            return
        }
        firstPlaceOfID[document.id] = place
        positionOfID[document.id] = result.documents.count
        result.documents.append(document)
    }

    /// Adds a document, or replaces the one of the same identifier read before (an updated PubMed record).
    mutating func replaceOrAdd(_ document: Document, place: String, file: String, line: Int?) throws {
        if let position = positionOfID[document.id], result.documents[position].format == document.format {
            result.documents[position] = document
            result.replacedDocuments += 1
        } else {
            try add(document, place: place, file: file, line: line)
        }
    }

    /// Removes the document read under `id`, if any (a PubMed `DeleteCitation`).
    mutating func remove(id: String) {
        guard let position = positionOfID.removeValue(forKey: id) else { return }
        firstPlaceOfID[id] = nil
        removedPositions.insert(position)
        result.deletedDocuments += 1
    }

    /// The result, without the documents that later records removed.
    func finishedResult() -> CorpusReadResult {
        var finished = result
        if !removedPositions.isEmpty {
            finished.documents = result.documents.indices.compactMap { position in
                removedPositions.contains(position) ? nil : result.documents[position]
            }
        }
        return finished
    }

    func reportProgress() {
        progress?(
            CorpusProgress(
                filesRead: result.fileCount, totalFiles: totalFiles, documents: result.documents.count,
                bytes: result.byteCount))
    }

    mutating func readFile(at url: URL, displayPath: String, id: String, format: CorpusFormat) throws {
        result.fileCount += 1
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        let isStreamed = format == .pubmed || format == .jats
        if let size, size > configuration.maximumFileBytes, !isStreamed {
            try report(
                CorpusIssue(
                    .unreadable, file: displayPath,
                    reason:
                        "the file holds \(size) bytes, more than the \(configuration.maximumFileBytes) read in one piece",
                    fix: format == .beir
                        ? "a BEIR corpus is read in one piece: index it as several smaller corpora"
                        : "split the file into smaller ones"))
            reportProgress()
            return
        }
        if let reader = configuration.reader(of: format) {
            result.byteCount += size ?? 0
            do {
                for document in try reader.documents(at: url, id: id, file: displayPath) {
                    try add(document, place: displayPath, file: displayPath, line: nil)
                }
            } catch let issue as CorpusIssue {
                try report(issue)
            }
            reportProgress()
            return
        }
        if isStreamed {
            result.byteCount += size ?? 0
            try readXMLFile(
                at: url, file: displayPath, id: id, expected: format, isForced: configuration.format != nil)
            reportProgress()
            return
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            try report(
                CorpusIssue(
                    .unreadable, file: displayPath, reason: "cannot read the file (\(error.localizedDescription))",
                    fix: "check that the file exists and is readable"))
            reportProgress()
            return
        }
        result.byteCount += data.count
        switch format {
        case .beir:
            try readBEIR(data, file: displayPath)
        case .markdown, .text:
            try readDocumentFile(data, file: displayPath, id: id, format: format)
        case .html:
            try readHTML(data, file: displayPath, id: id)
        case .pubmed, .jats:
            preconditionFailure("XML files are streamed above")
        case .pdf:
            try report(
                CorpusIssue(
                    .unreadable, file: displayPath, reason: "no PDF reader is registered with this program",
                    fix: "read PDFs with the evident command, or register EvidentPDF's reader"))
        }
        reportProgress()
    }

    private mutating func readDocumentFile(_ data: Data, file: String, id: String, format: CorpusFormat) throws {
        let bytes = [UInt8](data)
        guard let source = String(validating: bytes, as: UTF8.self) else {
            try report(Self.invalidUTF8Issue(in: bytes, file: file))
            return
        }
        guard source.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            try report(
                CorpusIssue(
                    .empty, file: file, reason: bytes.isEmpty ? "the file is empty" : "the file holds only whitespace",
                    fix: "add the document's text or remove the file"))
            return
        }
        let name = (id as NSString).lastPathComponent
        let stem = (name as NSString).deletingPathExtension
        let document: Document
        switch format {
        case .markdown:
            do {
                document = try MarkdownDocumentParser.document(id: id, source: source, bytes: bytes, fileStem: stem)
            } catch let issue as MarkdownDocumentParser.Failure {
                try report(CorpusIssue(issue.kind, file: file, line: issue.line, reason: issue.reason, fix: issue.fix))
                return
            }
        default:
            document = TextDocumentParser.document(id: id, source: source, fileStem: stem)
        }
        try add(document, place: file, file: file, line: nil)
    }

    /// Reads a saved web page; bytes that are not UTF-8 are replaced (pages declare other encodings rarely now, and
    /// a page is text to search, not a file to quote byte for byte).
    private mutating func readHTML(_ data: Data, file: String, id: String) throws {
        let name = (id as NSString).lastPathComponent
        let document: Document
        do {
            document = try HTMLPageReader.document(
                of: [UInt8](data), id: id, fileStem: (name as NSString).deletingPathExtension)
        } catch {
            try report(
                CorpusIssue(
                    .empty, file: file, reason: error.reason,
                    fix: "save the page with its content (not a login, error or JavaScript-only page)"))
            return
        }
        try add(document, place: file, file: file, line: nil)
    }

    /// An issue naming the line of the first byte that is not valid UTF-8.
    static func invalidUTF8Issue(in bytes: [UInt8], file: String, firstLineNumber: Int = 1) -> CorpusIssue {
        let line = firstLineNumber - 1 + (TextInput.firstInvalidUTF8Line(in: bytes) ?? 1)
        return CorpusIssue(
            .invalidUTF8, file: file, line: line, reason: "the text is not valid UTF-8",
            fix: "convert the file to UTF-8 (for example with iconv)")
    }
}

/// Builds a document from a text file: the whole file is the body.
enum TextDocumentParser {
    /// The longest first line taken as a title; a longer one is a paragraph, and the file name is used instead.
    static let longestTitle = 200

    static func document(id: String, source: String, fileStem: String) -> Document {
        var title = fileStem
        for line in source.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            if text.count <= longestTitle { title = text }
            break
        }
        return Document(id: id, title: title, source: source, format: .text)
    }
}
