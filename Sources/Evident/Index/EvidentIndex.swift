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
    /// The segments: the first build's, then one for each update (see `IndexSegment`).
    package let segments: [IndexSegment]
    /// The analyzer the index was built with; queries must be analyzed with it.
    public let analyzer: Analyzer
    /// The documents' metadata keys and values, which filters select documents by (every segment's, in the
    /// index's document numbers).
    public let fields: DocumentFields
    /// The first segment's lexical index (the whole index's when it has one segment).
    package var lexical: LexicalIndex { segments[0].lexical }
    /// The first segment's passage vectors, row `i` for passage `i`, when the index was built with a model.
    package var vectors: FlatVectorIndex? { segments[0].vectors }
    /// The same vectors quantized to 8 bits, re-scored with `vectors`.
    package var quantizedVectors: Int8VectorIndex? { segments[0].quantizedVectors }
    /// The approximate index of the first segment's vectors, when the index was built with one (segments added
    /// by updates are scanned exactly until `evident optimize` merges them).
    public var approximateIndex: ApproximateVectorIndex? { segments[0].approximateIndex }
    /// The first segment's sentence vectors (see `hasSentenceVectors` for the whole index).
    public var sentenceVectors: SentenceVectors? { segments[0].sentenceVectors }
    /// Whether every segment stores the vectors of its passages' sentences (older indexes have none: grounding
    /// then embeds candidate sentences as it goes).
    public var hasSentenceVectors: Bool { segments.allSatisfy { $0.sentenceVectors != nil } }
    /// The number of stored sentence vectors in all segments.
    public var sentenceVectorCount: Int { segments.reduce(0) { $0 + ($1.sentenceVectors?.count ?? 0) } }
    /// The lines the first build found repeated across the corpus and left out as boilerplate (`nil` in indexes
    /// written before it was kept): an update's segment leaves out the same ones.
    package var repeatedLines: Set<String>? { segments[0].repeatedLines }
    /// The passages of documents no update deleted (index-wide numbers), or `nil` when no document is deleted.
    package let livePassages: RowSet?
    /// Whether the index has one segment and no deleted document: what a full build writes.
    public var isSingleSegment: Bool { segments.count == 1 && segments[0].deletedDocuments == nil }
    /// The statistics of the whole sharded corpus this index is one shard of, when lexical search and grounding
    /// score with them rather than the index's own (`scoring(with:)`).
    public private(set) var collectionStatistics: CollectionStatistics?

    package struct DocumentHeader: Sendable, Hashable {
        package var id: String
        package var title: String
        package var url: String?
        package var identifiers: WorkIdentifiers
    }

    /// The number of documents, deleted ones included: documents are numbered 0 ..< `documentCount`.
    public var documentCount: Int { segments.reduce(0) { $0 + $1.documentCount } }
    /// The number of passages, those of deleted documents included: passages are numbered 0 ..< `passageCount`.
    public var passageCount: Int { segments.reduce(0) { $0 + $1.passageCount } }
    /// The documents no update deleted.
    public var liveDocumentCount: Int {
        segments.reduce(0) { $0 + $1.documentCount - ($1.deletedDocuments?.count ?? 0) }
    }
    /// The passages of those documents.
    public var livePassageCount: Int { segments.reduce(0) { $0 + ($1.livePassages?.count ?? $1.passageCount) } }
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
        guard
            manifest.formatVersion == IndexManifest.currentFormatVersion
                || manifest.formatVersion == IndexManifest.segmentedFormatVersion
        else {
            throw StorageError.unsupportedFormat(
                path: manifestURL.path, version: manifest.formatVersion, supported: IndexManifest.currentFormatVersion,
                writtenBy: manifest.evidentVersion)
        }
        if case .bm25(let parameters) = manifest.configuration.scoring, !parameters.isValid {
            throw StorageError.corrupt(
                manifestURL.path, "its BM25 parameters (k1 \(parameters.k1), b \(parameters.b)) are out of range")
        }
        // Every file of every segment, and the deletion files, by path inside the directory with its manifest entry.
        var wanted = Self.fileNames(of: manifest.configuration, listed: manifest.files, isFirst: true).map {
            WantedFile(path: $0, entry: manifest.files[$0])
        }
        for segment in manifest.segments ?? [] {
            for name in Self.fileNames(of: manifest.configuration, listed: segment.files, isFirst: false) {
                wanted.append(WantedFile(path: "\(segment.name)/\(name)", entry: segment.files[name]))
            }
        }
        for deletions in (manifest.deletions ?? [:]).values {
            wanted.append(WantedFile(path: deletions.file, entry: deletions.entry))
        }
        // Map and check every file, hashing them on all cores: hashing is most of the time it takes to open.
        let opened = try wanted.concurrentMap { (wanted: WantedFile) throws(StorageError) -> ReadOnlyBytes in
            let path = directory.appendingPathComponent(wanted.path).path
            guard let entry = wanted.entry else {
                throw StorageError.corrupt(manifestURL.path, "the manifest does not list \(wanted.path)")
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
        let files = Dictionary(uniqueKeysWithValues: zip(wanted.map(\.path), opened))
        try self.init(manifest: manifest, directory: directory, files: files)
    }

    /// A file to open and what the manifest says of it.
    private struct WantedFile: Sendable {
        var path: String
        var entry: IndexManifest.FileEntry?
    }

    /// The files a segment of an index with `configuration` has: the five of every index, `fields.bin` and the
    /// vector files when `listed` names them (older indexes lack them), the dense files with a model; the first
    /// segment must have the approximate index the configuration names, a segment an update added has one when it
    /// was large enough (`ApproximateIndexMethod.smallestSegment`).
    private static func fileNames(
        of configuration: IndexConfiguration, listed: [String: IndexManifest.FileEntry], isFirst: Bool
    ) -> [String] {
        var names = IndexBuild.FileName.all
        for optional in [IndexBuild.FileName.fields, IndexBuild.FileName.repeatedLines] where listed[optional] != nil {
            names.append(optional)
        }
        guard let embedding = configuration.embedding else { return names }
        names += IndexBuild.FileName.dense
        if listed[IndexBuild.FileName.sentenceVectors] != nil { names.append(IndexBuild.FileName.sentenceVectors) }
        switch embedding.approximateIndex {
        case .ivf where listed[IndexBuild.FileName.ivfVectors] != nil: names.append(IndexBuild.FileName.ivfVectors)
        case .hnsw where listed[IndexBuild.FileName.hnswVectors] != nil:
            names.append(IndexBuild.FileName.hnswVectors)
        case .ivf where isFirst: names.append(IndexBuild.FileName.ivfVectors)  // missing: refused, the file named
        case .hnsw where isFirst: names.append(IndexBuild.FileName.hnswVectors)
        case .ivf, .hnsw, .exactOnly: break
        }
        return names
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

    /// Opens the segments from `files` (paths inside the index directory), marks their deleted documents, and
    /// numbers their passages and documents one after the other.
    private init(manifest: IndexManifest, directory: URL?, files: [String: ReadOnlyBytes]) throws(StorageError) {
        self.manifest = manifest
        self.directory = directory
        analyzer = Analyzer(configuration: manifest.configuration.analyzer)
        var segments: [IndexSegment] = []
        for name in [""] + (manifest.segments ?? []).map(\.name) {
            let prefix = name.isEmpty ? "" : name + "/"
            var segmentFiles: [String: ReadOnlyBytes] = [:]
            for (path, bytes) in files where path.hasPrefix(prefix) {
                let fileName = String(path.dropFirst(prefix.count))
                if !fileName.contains("/") { segmentFiles[fileName] = bytes }
            }
            var segment = try IndexSegment(name: name, files: segmentFiles, configuration: manifest.configuration)
            if let last = segments.last {
                segment.passageOffset = last.passageOffset + last.passageCount
                segment.documentOffset = last.documentOffset + last.documentCount
                segment.sentenceRowOffset = last.sentenceRowOffset + (last.sentenceVectors?.count ?? 0)
            }
            if let deletions = manifest.deletions?[name] {
                guard let bytes = files[deletions.file] else { throw StorageError.missingFile(path: deletions.file) }
                segment.markDeleted(try Self.deletedDocuments(bytes, documentCount: segment.documentCount))
            }
            segments.append(segment)
        }
        for name in (manifest.deletions ?? [:]).keys where !segments.contains(where: { $0.name == name }) {
            throw StorageError.corrupt(
                directory?.appendingPathComponent(IndexManifest.fileName).path ?? IndexManifest.fileName,
                "it deletes documents of a segment it does not list (\(name))")
        }
        self.segments = segments
        livePassages = Self.livePassages(of: segments)
        fields =
            segments.count == 1
            ? segments[0].fields : DocumentFields(merging: segments.map { ($0.fields, $0.documentOffset) })
    }

    /// The deletion file: magic, version, the segment's document count and the deleted documents' numbers, each a
    /// little-endian 32-bit integer, ascending.
    static func encodeDeletions(_ documents: RowSet) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(IndexFileMagic.deletions)
        writer.write(IndexFileMagic.version)
        writer.write(UInt32(documents.rowCount))
        writer.write(UInt32(documents.count))
        for run in documents.runs {
            for document in run { writer.write(UInt32(document)) }
        }
        return writer.bytes
    }

    /// Reads what `encodeDeletions(_:)` wrote.
    static func deletedDocuments(_ bytes: ReadOnlyBytes, documentCount: Int) throws(StorageError) -> RowSet {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        try IndexFileMagic.check(&reader, magic: IndexFileMagic.deletions)
        let recorded = try reader.read(UInt32.self)
        guard Int(recorded) == documentCount else {
            throw StorageError.corrupt(bytes.path, "it is for \(recorded) documents; its segment has \(documentCount)")
        }
        let count = try reader.readCount(limit: documentCount)
        var deleted = RowSet(rowCount: documentCount)
        var previous = -1
        for _ in 0..<count {
            let document = Int(try reader.read(UInt32.self))
            guard document > previous, document < documentCount else {
                throw StorageError.corrupt(bytes.path, "document \(document) is out of order or range")
            }
            deleted.insert(document..<(document + 1))
            previous = document
        }
        guard reader.isAtEnd else { throw StorageError.corrupt(bytes.path, "it has bytes after its last document") }
        return deleted
    }

    /// The segment that holds passage `passage` of the index, and the passage's number in it.
    @inline(__always)
    func segment(ofPassage passage: Int) -> (segment: Int, local: Int) {
        segment(containing: passage, offset: \.passageOffset)
    }

    /// The segment that holds document `document` of the index, and the document's number in it.
    @inline(__always)
    func segment(ofDocument document: Int) -> (segment: Int, local: Int) {
        segment(containing: document, offset: \.documentOffset)
    }

    /// The last segment whose `offset` is at most `number`, and `number` less that offset.
    private func segment(containing number: Int, offset: KeyPath<IndexSegment, Int>) -> (segment: Int, local: Int) {
        guard segments.count > 1 else { return (0, number) }
        var low = 0
        var high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle][keyPath: offset] <= number { low = middle } else { high = middle - 1 }
        }
        return (low, number - segments[low][keyPath: offset])
    }

    /// Whether document `document` (an index-wide number) was deleted by an update.
    public func isDeleted(document: Int) -> Bool {
        let (segment, local) = segment(ofDocument: document)
        return segments[segment].isDeleted(document: local)
    }

    /// Returns the passage at `index` (0 ..< `passageCount`) and the index of its document.
    ///
    /// - Throws: `StorageError` when the record cannot be decoded.
    package func passageRecord(at index: Int) throws(StorageError) -> (passage: Passage, documentIndex: Int) {
        let (position, local) = segment(ofPassage: index)
        let segment = segments[position]
        var reader = segment.passageFile.reader(at: local)
        let headers = segment.documentHeaders
        let path = reader.path
        let (passage, documentIndex) = try Passage.decode(&reader) {
            (documentIndex: Int) throws(StorageError) -> String in
            guard documentIndex < headers.count else {
                throw StorageError.corrupt(path, "a passage names document \(documentIndex) of \(headers.count)")
            }
            return headers[documentIndex].id
        }
        return (passage, documentIndex + segment.documentOffset)
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
        let (segment, local) = segment(ofDocument: index)
        var reader = segments[segment].documentFile.reader(at: local)
        return try Document.decode(&reader)
    }

    /// The stored record of the document at `index`: equal bytes, equal documents.
    func documentRecord(at index: Int) -> UnsafeRawBufferPointer {
        let (segment, local) = segment(ofDocument: index)
        return segments[segment].documentFile.reader(at: local).bytes
    }

    package func documentHeader(at index: Int) -> DocumentHeader {
        let (segment, local) = segment(ofDocument: index)
        return segments[segment].documentHeaders[local]
    }

    /// The index-wide numbers of the documents no update deleted, in order.
    public var liveDocuments: [Int] {
        segments.flatMap { segment in
            (0..<segment.documentCount).filter { !segment.isDeleted(document: $0) }.map { $0 + segment.documentOffset }
        }
    }

    /// The position of the document whose identifier is `id`, or `nil` when the index has none.
    ///
    /// - Complexity: O(*n*) in the number of documents.
    public func documentIndex(withID id: String) -> Int? {
        // The newest segment first: an updated document's live version is in a later segment than its old one.
        for segment in segments.reversed() {
            if let local = segment.documentHeaders.indices.first(where: {
                segment.documentHeaders[$0].id == id && !segment.isDeleted(document: $0)
            }) {
                return local + segment.documentOffset
            }
        }
        return nil
    }

    /// The identifiers of the documents whose identifier or title contains `text` (case-insensitively), at most
    /// `limit` of them: suggestions when an identifier is not found.
    public func documentIDs(matching text: String, limit: Int = 5) -> [String] {
        let needle = text.lowercased()
        return Array(
            segments.lazy.flatMap { segment in
                segment.documentHeaders.indices.lazy.filter { !segment.isDeleted(document: $0) }.map {
                    segment.documentHeaders[$0]
                }
            }
            .filter { $0.id.lowercased().contains(needle) || $0.title.lowercased().contains(needle) }
            .prefix(limit).map(\.id))
    }

    /// The file a document was read from, when it is still where `evident index` read it: the corpus folder
    /// joined with the document's id, or the corpus file itself; `nil` otherwise (and for BEIR records).
    public func sourceFile(ofDocumentAt index: Int) -> URL? {
        let corpus = URL(fileURLWithPath: manifest.corpus.path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory) else { return nil }
        let file = isDirectory.boolValue ? corpus.appendingPathComponent(documentHeader(at: index).id) : corpus
        guard !isDirectory.boolValue || FileManager.default.fileExists(atPath: file.path) else { return nil }
        return file
    }

    /// The passages of the document at `index`, in order.
    ///
    /// - Throws: `StorageError` when a record cannot be decoded.
    /// - Complexity: O(*p*) in the number of passages of the index.
    public func passages(ofDocumentAt index: Int) throws -> [Passage] {
        try passageIndices(ofDocument: index).map { try passage(at: $0) }
    }

    /// The index of the document that passage `index` belongs to, without decoding the passage.
    func documentIndex(ofPassage index: Int) -> Int {
        let (segment, local) = segment(ofPassage: index)
        return Int(segments[segment].passageFile.keys[local]) + segments[segment].documentOffset
    }

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
        let documents = try fields.documents(matching: filter)
        return (0..<documentCount).filter { documents.contains($0) && !isDeleted(document: $0) }.count
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
        if let live = livePassages { passages.formIntersection(live) }
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
        // The first segment's vectors are the ones the approximate index covers.
        let allowed = try passages(matching: filter).slice(0..<vectors.count)
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
        let (position, local) = segment(ofDocument: documentIndex)
        let segment = segments[position]
        let passages = segment.passageIndices(ofDocuments: local..<(local + 1))
        return (passages.lowerBound + segment.passageOffset)..<(passages.upperBound + segment.passageOffset)
    }

    /// The passages of `segments`' documents that no update deleted, numbered across them; `nil` when no document
    /// is deleted.
    private static func livePassages(of segments: [IndexSegment]) -> RowSet? {
        guard segments.contains(where: { $0.livePassages != nil }), let last = segments.last else { return nil }
        var live = RowSet(rowCount: last.passageOffset + last.passageCount)
        for segment in segments {
            guard let segmentLive = segment.livePassages else {
                live.insert(segment.passageOffset..<(segment.passageOffset + segment.passageCount))
                continue
            }
            for run in segmentLive.runs {
                live.insert((run.lowerBound + segment.passageOffset)..<(run.upperBound + segment.passageOffset))
            }
        }
        return live
    }

    /// BM25's collection statistics over every segment, deleted passages left out, for `terms`: `nil` for an index
    /// of one segment without deletions, whose lexical index holds them itself.
    package func lexicalStatistics(for terms: [String]) -> LexicalStatistics? {
        if let collectionStatistics { return collectionStatistics.lexicalStatistics(for: terms) }
        guard !isSingleSegment else { return nil }
        let scored = ownScoredPassageCount
        let length = ownTotalLength
        var frequencies: [String: Int] = [:]
        for term in terms where frequencies[term] == nil { frequencies[term] = documentFrequency(of: term) }
        return LexicalStatistics(
            scoredPassageCount: scored,
            averageLength: scored == 0 ? 1 : Float(Double(length) / Double(scored)), documentFrequencies: frequencies)
    }

    /// BM25's N and a term's document frequency over the live passages of every segment (of every shard, with
    /// collection statistics), as the grounding's word comparisons weigh terms.
    package var scoredPassageCount: Int { collectionStatistics?.scoredPassageCount ?? ownScoredPassageCount }

    package func documentFrequency(of term: String) -> Int {
        if let collectionStatistics { return collectionStatistics.documentFrequencies[term] ?? 0 }
        return segments.reduce(0) {
            $0 + $1.lexical.documentFrequency(of: term) - ($1.deletedFrequencies[term] ?? 0)
        }
    }

    /// BM25's N over the live passages of this index's segments alone.
    package var ownScoredPassageCount: Int {
        segments.reduce(0) { $0 + $1.lexical.scoredPassageCount - $1.deletedScoredPassages }
    }

    /// The analyzed terms of those passages, in all.
    package var ownTotalLength: Int { segments.reduce(0) { $0 + $1.lexical.totalLength - $1.deletedLength } }

    /// This index, one shard of a sharded corpus, scoring with the statistics of the whole corpus: its BM25 scores
    /// and grounding's term weights are then those of one index of every shard.
    ///
    /// - Throws: `CollectionStatisticsError.shardNotCounted` when `statistics` do not count this shard as it is
    ///   (another shard, or one rebuilt or updated since they were merged).
    public func scoring(with statistics: CollectionStatistics, named name: String = "the statistics")
        throws(CollectionStatisticsError) -> EvidentIndex
    {
        guard statistics.entry(for: self) != nil else {
            throw CollectionStatisticsError.shardNotCounted(
                path: directory?.path ?? "the index", shard: manifest.corpus.shard, statistics: name)
        }
        var index = self
        index.collectionStatistics = statistics
        return index
    }

    /// The `limit` best passages for the analyzed query `terms` among `allowed` (every live passage when `nil`):
    /// each segment is searched with the statistics of all of them, so the scores are those of one index of the
    /// live documents.
    package func lexicalSearch(terms: [String], limit: Int, scoring: LexicalScoring, allowed: RowSet?)
        -> [LexicalIndex.ScoredPassage]
    {
        let statistics = lexicalStatistics(for: terms)
        guard statistics != nil || !isSingleSegment else {
            return segments[0].lexical.search(terms: terms, limit: limit, scoring: scoring, allowed: allowed)
        }
        var merged: [LexicalIndex.ScoredPassage] = []
        for segment in segments {
            let kept = segment.keptPassages(allowed)
            merged += segment.lexical.search(
                terms: terms, limit: limit, scoring: scoring, allowed: kept, statistics: statistics
            ).map { LexicalIndex.ScoredPassage(passage: $0.passage + segment.passageOffset, score: $0.score) }
        }
        return Array(merged.sorted(by: >).prefix(limit))
    }

    /// The fp32 vector of passage `passage` (an index-wide number), or `nil` for an index without vectors.
    package func passageVector(at passage: Int) -> [Float]? {
        let (segment, local) = segment(ofPassage: passage)
        return segments[segment].vectors?.vector(at: local)
    }

    /// Whether `term` occurs in passage `passage` (an index-wide number).
    package func contains(_ term: String, inPassage passage: Int) -> Bool {
        let (segment, local) = segment(ofPassage: passage)
        return segments[segment].lexical.contains(term, inPassage: local)
    }

    /// The rows of stored sentence vectors of passage `passage`, numbered across segments, or `nil` when its
    /// segment stores none.
    package func sentenceRows(ofPassage passage: Int) -> Range<Int>? {
        let (position, local) = segment(ofPassage: passage)
        let segment = segments[position]
        guard let rows = segment.sentenceVectors?.rows(ofPassage: local) else { return nil }
        return (rows.lowerBound + segment.sentenceRowOffset)..<(rows.upperBound + segment.sentenceRowOffset)
    }

    /// The stored sentence vector at `row` (numbered across segments, as `sentenceRows(ofPassage:)` gives them).
    package func sentenceVector(row: Int) -> [Float] {
        let position = segments.lastIndex { $0.sentenceRowOffset <= row && $0.sentenceVectors != nil } ?? 0
        let segment = segments[position]
        return segment.sentenceVectors?.vector(row: row - segment.sentenceRowOffset) ?? []
    }
}

extension IndexBuild.FileName {
    /// The files of every index.
    static let all = [documents, passages, lexicon, postings, norms]
    /// The files of an index built with a model.
    static let dense = [vectors, quantizedVectors]
}
