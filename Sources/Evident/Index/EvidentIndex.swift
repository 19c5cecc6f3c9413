public import Foundation

/// A searchable index: the documents, their passages and the lexical index, opened from an index directory
/// (memory-mapped) or built in memory.
///
/// An `EvidentIndex` is immutable; share one value between tasks.
public struct EvidentIndex: Sendable {
    /// What the index holds and how it was built.
    public let manifest: IndexManifest
    /// Where the index was opened from; `nil` for an index built in memory.
    public let directory: URL?
    package let lexical: LexicalIndex
    /// The analyzer the index was built with; queries must be analyzed with it.
    public let analyzer: Analyzer
    private let passageFile: RecordFile
    private let documentFile: RecordFile
    /// The passage vectors, row `i` for passage `i`, when the index was built with a model.
    package let vectors: FlatVectorIndex?
    /// The same vectors quantized to 8 bits, re-scored with `vectors`.
    package let quantizedVectors: Int8VectorIndex?
    /// The approximate index of the same vectors, when the index was built with one.
    public let approximateIndex: ApproximateVectorIndex?
    /// The vectors of every passage's sentences, when the index was built with a model by a version of Evident
    /// that stores them (older indexes have none: grounding then embeds candidate sentences as it goes).
    public let sentenceVectors: SentenceVectors?
    /// The documents' metadata keys and values, which filters select documents by.
    public let fields: DocumentFields
    /// Document ids, titles and addresses, decoded when the index is opened (sources are decoded on demand).
    private let documentHeaders: [DocumentHeader]

    package struct DocumentHeader: Sendable, Hashable {
        package var id: String
        package var title: String
        package var url: String?
        package var identifiers: WorkIdentifiers
    }

    /// The number of documents.
    public var documentCount: Int { documentHeaders.count }
    /// The number of passages.
    public var passageCount: Int { passageFile.count }
    /// The settings the index was built with.
    public var configuration: IndexConfiguration { manifest.configuration }

    /// Opens the index directory at `directory`.
    ///
    /// Every file is checked against the manifest's size and SHA-256 before it is used, and every count and
    /// offset is checked against the files, so that a truncated or altered index is refused with an error.
    ///
    /// - Parameters:
    ///   - directory: An index directory written by `evident index`.
    ///   - verifiesChecksums: Whether to hash every file (sizes and structure are checked regardless).
    /// - Throws: `StorageError` naming the file at fault and how to fix it.
    public init(contentsOf directory: URL, verifiesChecksums: Bool = true) throws {
        let manifestURL = directory.appendingPathComponent(IndexManifest.fileName)
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw StorageError.noSuchIndex(path: directory.path)
        }
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            throw StorageError.notAnIndex(path: directory.path)
        }
        let manifest: IndexManifest
        do {
            manifest = try JSONDecoder().decode(IndexManifest.self, from: Data(contentsOf: manifestURL))
        } catch {
            throw StorageError.corrupt(manifestURL.path, "manifest cannot be read (\(error))")
        }
        guard manifest.formatVersion == IndexManifest.currentFormatVersion else {
            throw StorageError.unsupportedFormat(
                path: manifestURL.path, version: manifest.formatVersion, supported: IndexManifest.currentFormatVersion,
                writtenBy: manifest.evidentVersion)
        }
        if case .bm25(let parameters) = manifest.configuration.scoring, !parameters.isValid {
            throw StorageError.corrupt(
                manifestURL.path, "its BM25 parameters (k1 \(parameters.k1), b \(parameters.b)) are out of range")
        }
        // Map and check every file, hashing them on all cores: hashing is most of the time it takes to open.
        var names = IndexBuild.FileName.all + (manifest.configuration.embedding == nil ? [] : IndexBuild.FileName.dense)
        if manifest.configuration.embedding != nil, manifest.files[IndexBuild.FileName.sentenceVectors] != nil {
            names.append(IndexBuild.FileName.sentenceVectors)
        }
        if manifest.files[IndexBuild.FileName.fields] != nil { names.append(IndexBuild.FileName.fields) }
        switch manifest.configuration.embedding?.approximateIndex {
        case .ivf: names.append(IndexBuild.FileName.ivfVectors)
        case .hnsw: names.append(IndexBuild.FileName.hnswVectors)
        case .exactOnly, nil: break
        }
        let opened = try names.concurrentMap { name throws(StorageError) -> ReadOnlyBytes in
            let path = directory.appendingPathComponent(name).path
            guard let entry = manifest.files[name] else {
                throw StorageError.corrupt(manifestURL.path, "the manifest does not list \(name)")
            }
            guard FileManager.default.fileExists(atPath: path) else {
                throw StorageError.missingFile(path: path)
            }
            let bytes = try ReadOnlyBytes(mapping: path)
            guard bytes.bytes.count == entry.bytes else {
                throw StorageError.corrupt(
                    path, "it has \(bytes.bytes.count) bytes; the manifest records \(entry.bytes) (truncated?)")
            }
            if verifiesChecksums, Checksum.hexDigest(of: bytes.bytes) != entry.sha256 {
                throw StorageError.corrupt(path, "its SHA-256 differs from the manifest's (the file was altered)")
            }
            return bytes
        }
        let files = Dictionary(uniqueKeysWithValues: zip(names, opened))
        try self.init(manifest: manifest, directory: directory, files: files)
    }

    /// Opens an index built in memory, without writing it anywhere.
    ///
    /// - Parameters:
    ///   - build: The result of `IndexBuilder.build(documents:progress:)`.
    ///   - corpusPath: A name for the corpus, recorded in the manifest.
    /// - Throws: `StorageError` if the encoded files are inconsistent (a bug, never expected).
    public init(build: IndexBuild, corpusPath: String = "(memory)") throws {
        var files: [String: ReadOnlyBytes] = [:]
        for (name, bytes) in build.files { files[name] = ReadOnlyBytes(copying: bytes, path: name) }
        try self.init(manifest: build.manifest(corpusPath: corpusPath, skipped: 0), directory: nil, files: files)
    }

    private init(manifest: IndexManifest, directory: URL?, files: [String: ReadOnlyBytes]) throws(StorageError) {
        func file(_ name: String) throws(StorageError) -> ReadOnlyBytes {
            guard let bytes = files[name] else { throw StorageError.missingFile(path: name) }
            return bytes
        }
        self.manifest = manifest
        self.directory = directory
        var lexical = try LexicalIndex(
            lexicon: file(IndexBuild.FileName.lexicon), postings: file(IndexBuild.FileName.postings),
            norms: file(IndexBuild.FileName.norms))
        if case .bm25(let parameters) = manifest.configuration.scoring {
            lexical.defaultInverseNorms = (
                parameters, LexicalIndex.inverseNorms(parameters, averageLength: lexical.averageLength)
            )
        }
        self.lexical = lexical
        passageFile = try RecordFile(file(IndexBuild.FileName.passages), magic: IndexFileMagic.passages)
        documentFile = try RecordFile(file(IndexBuild.FileName.documents), magic: IndexFileMagic.documents)
        guard passageFile.count == lexical.passageCount else {
            throw StorageError.corrupt(
                passageFile.bytes.path,
                "it holds \(passageFile.count) passages; the lexical index has \(lexical.passageCount)")
        }
        for documentIndex in passageFile.keys where Int(documentIndex) >= documentFile.count {
            throw StorageError.corrupt(
                passageFile.bytes.path, "a passage names document \(documentIndex) of \(documentFile.count)")
        }
        var headers: [DocumentHeader] = []
        headers.reserveCapacity(documentFile.count)
        for index in 0..<documentFile.count {
            var reader = documentFile.reader(at: index)
            let id = try reader.readString()
            let title = try reader.readString()
            let hasURL = try reader.read(UInt8.self) == 1
            let url = try reader.readString()
            let identifiers = try WorkIdentifiers.decode(&reader)
            headers.append(DocumentHeader(id: id, title: title, url: hasURL ? url : nil, identifiers: identifiers))
        }
        documentHeaders = headers
        if let bytes = files[IndexBuild.FileName.fields] {
            fields = try DocumentFields(bytes, documentCount: documentFile.count)
        } else {
            // An index written before filters: collect the fields from the documents' records.
            var documents: [Document] = []
            documents.reserveCapacity(documentFile.count)
            for index in 0..<documentFile.count {
                var reader = documentFile.reader(at: index)
                documents.append(try Document.decode(&reader))
            }
            fields = DocumentFields(documents: documents)
        }
        analyzer = Analyzer(configuration: manifest.configuration.analyzer)
        if let embedding = manifest.configuration.embedding {
            let flat = try FlatVectorIndex(file(IndexBuild.FileName.vectors))
            guard flat.count == passageFile.count, flat.dimension == embedding.dimension else {
                throw StorageError.corrupt(
                    IndexBuild.FileName.vectors,
                    "it holds \(flat.count) vectors of \(flat.dimension) dimensions for \(passageFile.count) passages "
                        + "of a \(embedding.dimension)-dimensional model")
            }
            vectors = flat
            quantizedVectors = try Int8VectorIndex(file(IndexBuild.FileName.quantizedVectors), rescoringWith: flat)
            switch embedding.approximateIndex {
            case .exactOnly: approximateIndex = nil
            case .ivf:
                approximateIndex = .ivf(
                    try IVFVectorIndex(file(IndexBuild.FileName.ivfVectors), rescoringWith: flat))
            case .hnsw:
                approximateIndex = .hnsw(try HNSWVectorIndex(file(IndexBuild.FileName.hnswVectors), linking: flat))
            }
            if let bytes = files[IndexBuild.FileName.sentenceVectors] {
                let sentences = try SentenceVectors(bytes, passageCount: passageFile.count)
                guard sentences.dimension == embedding.dimension else {
                    throw StorageError.corrupt(
                        bytes.path,
                        "its vectors have \(sentences.dimension) dimensions, the model \(embedding.dimension)")
                }
                sentenceVectors = sentences
            } else {
                sentenceVectors = nil
            }
        } else {
            vectors = nil
            quantizedVectors = nil
            approximateIndex = nil
            sentenceVectors = nil
        }
    }

    /// Returns the passage at `index` (0 ..< `passageCount`) and the index of its document.
    ///
    /// - Throws: `StorageError` when the record cannot be decoded.
    package func passageRecord(at index: Int) throws(StorageError) -> (passage: Passage, documentIndex: Int) {
        var reader = passageFile.reader(at: index)
        let headers = documentHeaders
        let path = reader.path
        return try Passage.decode(&reader) { (documentIndex: Int) throws(StorageError) -> String in
            guard documentIndex < headers.count else {
                throw StorageError.corrupt(path, "a passage names document \(documentIndex) of \(headers.count)")
            }
            return headers[documentIndex].id
        }
    }

    /// Returns the passage at `index`, from 0 to `passageCount - 1`.
    ///
    /// - Throws: `StorageError` when the record cannot be decoded.
    public func passage(at index: Int) throws -> Passage {
        try passageRecord(at: index).passage
    }

    /// Returns the document at `index`, from 0 to `documentCount - 1`, source text included.
    ///
    /// - Throws: `StorageError` when the record cannot be decoded.
    public func document(at index: Int) throws -> Document {
        var reader = documentFile.reader(at: index)
        return try Document.decode(&reader)
    }

    package func documentHeader(at index: Int) -> DocumentHeader { documentHeaders[index] }

    /// The position of the document whose identifier is `id`, or `nil` when the index has none.
    ///
    /// - Complexity: O(*n*) in the number of documents.
    public func documentIndex(withID id: String) -> Int? {
        documentHeaders.firstIndex { $0.id == id }
    }

    /// The identifiers of the documents whose identifier or title contains `text` (case-insensitively), at most
    /// `limit` of them: suggestions when an identifier is not found.
    public func documentIDs(matching text: String, limit: Int = 5) -> [String] {
        let needle = text.lowercased()
        return Array(
            documentHeaders.lazy.filter {
                $0.id.lowercased().contains(needle) || $0.title.lowercased().contains(needle)
            }
            .prefix(limit).map(\.id))
    }

    /// The file a document was read from, when it is still where `evident index` read it: the corpus folder
    /// joined with the document's id, or the corpus file itself; `nil` otherwise (and for BEIR records).
    public func sourceFile(ofDocumentAt index: Int) -> URL? {
        let corpus = URL(fileURLWithPath: manifest.corpus.path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory) else { return nil }
        let file = isDirectory.boolValue ? corpus.appendingPathComponent(documentHeaders[index].id) : corpus
        guard !isDirectory.boolValue || FileManager.default.fileExists(atPath: file.path) else { return nil }
        return file
    }

    /// The passages of the document at `index`, in order.
    ///
    /// - Throws: `StorageError` when a record cannot be decoded.
    /// - Complexity: O(*p*) in the number of passages of the index.
    public func passages(ofDocumentAt index: Int) throws -> [Passage] {
        var passages: [Passage] = []
        for (passageIndex, key) in passageFile.keys.enumerated() where Int(key) == index {
            passages.append(try passage(at: passageIndex))
        }
        return passages
    }

    /// The index of the document that passage `index` belongs to, without decoding the passage.
    func documentIndex(ofPassage index: Int) -> Int { Int(passageFile.keys[index]) }

    /// Recall@`limit` of the int8 vectors against exact search over `queries` (see `Int8VectorIndex.recall`), or
    /// `nil` when the index has no vectors.
    public func int8Recall(queries: [[Float]], limit: Int = 10) -> Double? {
        guard let vectors, let quantizedVectors else { return nil }
        return quantizedVectors.recall(against: vectors, queries: queries, limit: limit)
    }

    /// What the approximate index finds of the exact top `limit` over `queries` at each of `breadths` (see
    /// `ApproximateVectorIndex`), with the mean time of one such search in seconds; empty when the index has no
    /// approximate index.
    public func approximateRecall(queries: [[Float]], limit: Int = 10, breadths: [Int]) -> [(
        breadth: Int, recall: Double, seconds: Double
    )] {
        guard let vectors, let approximateIndex else { return [] }
        let truth = vectors.search(batch: queries, limit: limit)
        return breadths.map { breadth in
            let started = DispatchTime.now().uptimeNanoseconds
            let found = queries.map { approximateIndex.search(batch: [$0], limit: limit, breadth: breadth)[0] }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            return (
                breadth, VectorMatch.recall(found: found, truth: truth), seconds / Double(max(queries.count, 1))
            )
        }
    }

    /// The number of documents that meet `filter`.
    ///
    /// - Throws: `MetadataFilterError` for a key the index does not have, or a comparison its values do not allow.
    public func documentCount(matching filter: MetadataFilter) throws(MetadataFilterError) -> Int {
        try fields.documents(matching: filter).count
    }

    /// The passages of the documents that meet `filter`.
    ///
    /// - Throws: `MetadataFilterError` for a key the index does not have, or a comparison its values do not allow.
    package func passages(matching filter: MetadataFilter) throws(MetadataFilterError) -> RowSet {
        let documents = try fields.documents(matching: filter)
        var passages = RowSet(rowCount: passageCount)
        for run in documents.runs {
            let first = passageIndices(ofDocument: run.lowerBound).lowerBound
            let end = passageIndices(ofDocument: run.upperBound - 1).upperBound
            passages.insert(first..<end)
        }
        return passages
    }

    /// What a filter does to approximate search: see `filteredRecall(queries:limit:filter:)`.
    public struct FilteredRecall: Sendable, Hashable {
        /// The passages the filter keeps.
        public var keptPassages: Int
        /// Whether dense search scans the kept passages' vectors rather than search the approximate index
        /// (`ApproximateVectorIndex.scansExactly(_:breadth:)`).
        public var scansExactly: Bool
        /// Recall@limit of the filtered approximate search against the exact top among the kept passages.
        public var approximateRecall: Double
        /// The mean time of one filtered approximate search, in seconds.
        public var approximateSeconds: Double
        /// The mean time of one exact scan of the kept passages, in seconds.
        public var scanSeconds: Double
    }

    /// Measures, over `queries`, the filtered approximate search (at its default breadth) against the exact scan of
    /// the passages `filter` keeps: recall and time of each, and which one dense search picks. `nil` when the
    /// index has no approximate index.
    ///
    /// - Throws: `MetadataFilterError` for a filter the index cannot apply.
    public func filteredRecall(queries: [[Float]], limit: Int = 10, filter: MetadataFilter) throws(MetadataFilterError)
        -> FilteredRecall?
    {
        guard let vectors, let approximateIndex else { return nil }
        let allowed = try passages(matching: filter)
        func timed<Result>(_ body: () -> Result) -> (Result, Double) {
            let started = DispatchTime.now().uptimeNanoseconds
            let result = body()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            return (result, seconds / Double(max(queries.count, 1)))
        }
        let (truth, scanSeconds) = timed { queries.map { vectors.search($0, limit: limit, among: allowed) } }
        let (found, approximateSeconds) = timed {
            queries.map { approximateIndex.search(batch: [$0], limit: limit, allowed: allowed)[0] }
        }
        return FilteredRecall(
            keptPassages: allowed.count, scansExactly: approximateIndex.scansExactly(allowed),
            approximateRecall: VectorMatch.recall(found: found, truth: truth), approximateSeconds: approximateSeconds,
            scanSeconds: scanSeconds)
    }

    /// The passages of the document at `documentIndex`: passages are stored in document order, so they are the
    /// run of passages whose document index is `documentIndex`, found by binary search.
    func passageIndices(ofDocument documentIndex: Int) -> Range<Int> {
        let keys = passageFile.keys
        func firstPassage(atLeast document: Int) -> Int {
            var low = 0
            var high = keys.count
            while low < high {
                let middle = (low + high) / 2
                if Int(keys[middle]) < document { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return firstPassage(atLeast: documentIndex)..<firstPassage(atLeast: documentIndex + 1)
    }
}

extension IndexBuild.FileName {
    /// The files of every index.
    static let all = [documents, passages, lexicon, postings, norms]
    /// The files of an index built with a model.
    static let dense = [vectors, quantizedVectors]
}
