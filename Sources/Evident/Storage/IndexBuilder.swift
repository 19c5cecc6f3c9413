public import Foundation

/// Progress of `IndexBuilder.build`, reported after each batch of documents.
public struct IndexingProgress: Sendable, Hashable {
    /// Documents chunked and analyzed so far.
    public var documentsDone: Int
    /// Documents in all.
    public var documentCount: Int
    /// Passages produced so far.
    public var passages: Int
}

/// Turns documents into a lexical index: chunking, analysis and the inverted index, in memory.
///
/// The result can be written to an index directory (`IndexBuild.write(to:corpusPath:skipped:replacing:)`) or
/// searched at once (`EvidentIndex(build:)`).
public struct IndexBuilder: Sendable {
    /// The settings used.
    public let configuration: IndexConfiguration

    /// Creates a builder.
    ///
    /// - Parameter configuration: How documents become passages and terms.
    public init(configuration: IndexConfiguration = .default) {
        self.configuration = configuration
    }

    /// Chunks, analyzes and indexes `documents`, using every core for chunking and analysis.
    ///
    /// - Parameters:
    ///   - documents: The corpus; document ids must be unique.
    ///   - progress: Called from the calling task after each batch of documents.
    /// - Returns: The encoded index, ready to write or to search.
    /// - Complexity: O(total text length).
    public func build(documents: [Document], progress: ((IndexingProgress) -> Void)? = nil) -> IndexBuild {
        let chunker = Chunker(configuration: configuration.chunker)
        let analyzer = Analyzer(configuration: configuration.analyzer)
        var lexical = LexicalIndexBuilder()
        var passageRecords: [[UInt8]] = []
        var passageDocuments: [UInt32] = []
        var documentPassageCounts: [UInt32] = []
        var fingerprint = SHA256()
        let batchSize = 64
        var done = 0
        while done < documents.count {
            let batch = documents[done..<min(done + batchSize, documents.count)]
            let analyzed = Array(batch).concurrentMap { document in
                chunker.passages(of: document).map { passage in
                    (passage, analyzer.terms(in: configuration.indexedText(of: passage, in: document.title)))
                }
            }
            for (offset, passages) in analyzed.enumerated() {
                let documentIndex = done + offset
                let document = documents[documentIndex]
                fingerprint.update(Array(document.id.utf8) + [0] + Array(document.source.utf8) + [0])
                for (passage, terms) in passages {
                    lexical.add(terms: terms)
                    passageRecords.append(passage.encodedRecord(documentIndex: documentIndex))
                    passageDocuments.append(UInt32(documentIndex))
                }
                documentPassageCounts.append(UInt32(passages.count))
            }
            done += batch.count
            progress?(
                IndexingProgress(
                    documentsDone: done, documentCount: documents.count,
                    passages: passageRecords.count))
        }
        var impactParameters = BM25Parameters.default
        if case .bm25(let parameters) = configuration.scoring { impactParameters = parameters }
        let encoded = lexical.encoded(impactParameters: impactParameters)
        let files: [String: [UInt8]] = [
            IndexBuild.FileName.documents: RecordFile.encode(
                magic: IndexFileMagic.documents, records: documents.map { $0.encodedRecord() },
                keys: documentPassageCounts),
            IndexBuild.FileName.passages: RecordFile.encode(
                magic: IndexFileMagic.passages, records: passageRecords, keys: passageDocuments),
            IndexBuild.FileName.lexicon: encoded.lexicon,
            IndexBuild.FileName.postings: encoded.postings,
            IndexBuild.FileName.norms: encoded.norms,
        ]
        let totalLength = lexical.lengths.reduce(0) { $0 + Int($1) }
        return IndexBuild(
            configuration: configuration, files: files, documentCount: documents.count,
            passageCount: passageRecords.count, fingerprint: fingerprint.finalizeHex(),
            format: Self.dominantFormat(of: documents),
            statistics: IndexManifest.Statistics(
                terms: encoded.termCount, postings: encoded.postingCount,
                averagePassageLength: passageRecords.isEmpty ? 0 : Double(totalLength) / Double(passageRecords.count)))
    }

    private static func dominantFormat(of documents: [Document]) -> CorpusFormat {
        var counts: [CorpusFormat: Int] = [:]
        for document in documents { counts[document.format, default: 0] += 1 }
        return counts.max { $0.value < $1.value }?.key ?? .markdown
    }
}

/// An index built in memory: the encoded files and what the manifest will say of them.
public struct IndexBuild: Sendable {
    /// The settings the index was built with.
    public let configuration: IndexConfiguration
    /// The encoded contents of every index file but the manifest, by file name.
    let files: [String: [UInt8]]
    /// Documents indexed.
    public let documentCount: Int
    /// Passages indexed.
    public let passageCount: Int
    /// SHA-256 over every document's id and source.
    public let fingerprint: String
    /// The corpus format (the most common one).
    public let format: CorpusFormat
    /// Lexical index counts.
    public let statistics: IndexManifest.Statistics

    enum FileName {
        static let documents = "documents.bin"
        static let passages = "passages.bin"
        static let lexicon = "lexicon.bin"
        static let postings = "postings.bin"
        static let norms = "norms.bin"
    }

    /// The total size of the index files, in bytes.
    public var byteCount: Int { files.values.reduce(0) { $0 + $1.count } }

    /// The manifest describing this build.
    public func manifest(corpusPath: String, skipped: Int) -> IndexManifest {
        IndexManifest(
            format: "evident-index", formatVersion: IndexManifest.currentFormatVersion,
            evidentVersion: evidentVersion, createdAt: ISO8601DateFormatter().string(from: Date()),
            corpus: IndexManifest.CorpusSummary(
                path: corpusPath, format: format, fingerprint: fingerprint, documents: documentCount,
                passages: passageCount, skipped: skipped),
            configuration: configuration, statistics: statistics,
            files: files.mapValues { IndexManifest.FileEntry(bytes: $0.count, sha256: SHA256.hexDigest(of: $0)) })
    }

    /// Writes the index directory at `directory`: every file goes into a temporary directory beside it, which is
    /// then renamed into place, so that a reader never sees a half-written index.
    ///
    /// - Parameters:
    ///   - directory: The index directory to create.
    ///   - corpusPath: The corpus path to record in the manifest.
    ///   - skipped: The number of bad inputs skipped while reading the corpus.
    ///   - replacing: Whether an existing index directory at `directory` may be replaced.
    /// - Returns: The manifest written.
    /// - Throws: `StorageError` when `directory` exists and `replacing` is false, when it exists and is not an
    ///   index, or when a file cannot be written.
    @discardableResult
    public func write(to directory: URL, corpusPath: String, skipped: Int = 0, replacing: Bool = false) throws
        -> IndexManifest
    {
        let fileManager = FileManager.default
        let target = directory.standardizedFileURL
        var isDirectory: ObjCBool = false
        let exists = fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory)
        if exists {
            guard replacing else {
                throw StorageError(
                    path: target.path, reason: "already exists",
                    fix: "choose another --out, or pass --force to replace the index there")
            }
            let manifestPath = target.appendingPathComponent(IndexManifest.fileName).path
            guard isDirectory.boolValue, fileManager.fileExists(atPath: manifestPath) else {
                throw StorageError(
                    path: target.path, reason: "exists and is not an Evident index; refusing to replace it",
                    fix: "choose another --out")
            }
        }
        let parent = target.deletingLastPathComponent()
        try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
        let temporary = parent.appendingPathComponent(".\(target.lastPathComponent).tmp-\(UUID().uuidString)")
        try fileManager.createDirectory(at: temporary, withIntermediateDirectories: false)
        do {
            let manifest = manifest(corpusPath: corpusPath, skipped: skipped)
            for (name, bytes) in files {
                try Data(bytes).write(to: temporary.appendingPathComponent(name))
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(manifest).write(to: temporary.appendingPathComponent(IndexManifest.fileName))
            if exists {
                let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(UUID().uuidString)")
                try fileManager.moveItem(at: target, to: old)
                try fileManager.moveItem(at: temporary, to: target)
                try? fileManager.removeItem(at: old)
            } else {
                try fileManager.moveItem(at: temporary, to: target)
            }
            return manifest
        } catch {
            try? fileManager.removeItem(at: temporary)
            throw error
        }
    }
}
