import Dispatch
public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of `IndexBuilder.build`, reported after each batch of documents, then of embedded passages, then of
/// embedded sentences.
public struct IndexingProgress: Sendable, Hashable {
    /// Passages embedded so far (0 until chunking is done, or without an embedder).
    public var passagesEmbedded: Int = 0
    /// Distinct sentences embedded so far (0 until the passages are embedded, or without an embedder).
    public var sentencesEmbedded: Int = 0
    /// Distinct sentences to embed (0 until the passages are embedded, or without an embedder).
    public var sentencesToEmbed: Int = 0
    /// Documents chunked and analyzed so far.
    public var documentsDone: Int
    /// Documents in all.
    public var documentCount: Int
    /// Passages produced so far.
    public var passages: Int
    /// Whether the approximate index of the passage vectors is being built (after they are embedded).
    public var buildingApproximateIndex = false
}

/// Turns documents into a lexical index: chunking, analysis and the inverted index, in memory.
///
/// The result can be written to an index directory (`IndexBuild.write(to:corpusPath:skipped:replacing:)`) or
/// searched at once (`EvidentIndex(build:)`).
public struct IndexBuilder: Sendable {
    /// The settings used.
    public let configuration: IndexConfiguration
    /// How the sentence vectors of an index with a model are made.
    public let sentenceVectors: SentenceVectorMethod
    /// The approximate index an index with a model keeps beside its passage vectors.
    public let approximateIndex: ApproximateIndexMethod
    /// The lines repeated across the corpus that the chunker leaves out as boilerplate; found among the documents
    /// built when `nil`. An update's segment holds a few documents of a larger corpus, so it is given the lines
    /// found in the whole corpus.
    public var repeatedLines: Set<String>?
    /// The fewest passages for which the approximate index is built; below it the vectors are searched exactly.
    /// An update's segment is built with `ApproximateIndexMethod.smallestSegment`: a handful of new passages is
    /// scanned faster than an index of them is searched.
    public var approximateIndexMinimumPassages = 0

    /// Creates a builder.
    ///
    /// - Parameters:
    ///   - configuration: How documents become passages and terms.
    ///   - sentenceVectors: How the sentence vectors of an index with a model are made.
    ///   - approximateIndex: The approximate index an index with a model keeps beside its passage vectors.
    public init(
        configuration: IndexConfiguration = .default, sentenceVectors: SentenceVectorMethod = .encoded,
        approximateIndex: ApproximateIndexMethod = .exactOnly
    ) {
        self.configuration = configuration
        self.sentenceVectors = sentenceVectors
        self.approximateIndex = approximateIndex
    }

    /// Chunks, analyzes and indexes `documents`, using every core for chunking and analysis.
    ///
    /// - Parameters:
    ///   - documents: The corpus; document ids must be unique.
    ///   - embedder: The model to embed every passage with, for dense and hybrid search; `nil` for a lexical
    ///     index only.
    ///   - previous: An earlier index whose vectors come from the same model: passages whose indexed text it
    ///     holds too keep their vector instead of being embedded again.
    ///   - reusableDocuments: The documents of `previous` (index-wide numbers) whose vectors may be reused;
    ///     all of them when `nil` (an update reuses those of the documents it replaces, not the whole index's).
    ///   - progress: Called from the calling task after each batch of documents.
    /// - Returns: The encoded index, ready to write or to search.
    /// - Complexity: O(total text length).
    public func build(
        documents: [Document], embedder: SentenceEmbedder? = nil, reusing previous: EvidentIndex? = nil,
        reusableDocuments: [Int]? = nil, progress: ((IndexingProgress) -> Void)? = nil
    ) -> IndexBuild {
        let started = DispatchTime.now().uptimeNanoseconds
        func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var times = IndexManifest.BuildTimes(
            seconds: 0, embeddedPassages: 0, embeddingSeconds: 0, embeddedSentences: 0, sentenceSeconds: 0)
        let configuration = configuration(embeddingWith: embedder)
        var embeddedTexts: [String] = []
        let repeatedLines =
            self.repeatedLines
            ?? Boilerplate.repeatedLines(amongLinesOf: documents.concurrentMap(Boilerplate.candidateLines))
        let chunker = {
            var chunker = Chunker(configuration: configuration.chunker)
            chunker.boilerplate = Boilerplate(repeatedLines: repeatedLines)
            return chunker
        }()
        let analyzer = Analyzer(configuration: configuration.analyzer)
        var lexical = LexicalIndexBuilder()
        var passageRecords: [[UInt8]] = []
        var passageDocuments: [UInt32] = []
        var documentPassageCounts: [UInt32] = []
        // With a model, the sentences of each passage (as grounding splits them) are embedded too.
        var sentenceTexts: [String] = []
        var passageSentences: [[String]] = []
        let batchSize = 64
        var done = 0
        while done < documents.count {
            let batch = documents[done..<min(done + batchSize, documents.count)]
            let analyzed = Array(batch).concurrentMap { document in
                let sentenceSplitter = embedder == nil ? nil : PassageSentenceSplitter(document: document)
                return chunker.passages(of: document).map { passage in
                    (
                        passage, analyzer.terms(in: configuration.indexedText(of: passage, in: document.title)),
                        sentenceSplitter?.sentences(of: passage).map(\.text) ?? []
                    )
                }
            }
            for (offset, passages) in analyzed.enumerated() {
                let documentIndex = done + offset
                let document = documents[documentIndex]
                for (passage, terms, sentences) in passages {
                    if embedder != nil {
                        embeddedTexts.append(configuration.indexedText(of: passage, in: document.title))
                        sentenceTexts += sentences
                        passageSentences.append(sentences)
                    }
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
        var files: [String: [UInt8]] = [
            IndexBuild.FileName.documents: RecordFile.encode(
                magic: IndexFileMagic.documents, records: documents.map { $0.encodedRecord() },
                keys: documentPassageCounts),
            IndexBuild.FileName.passages: RecordFile.encode(
                magic: IndexFileMagic.passages, records: passageRecords, keys: passageDocuments),
            IndexBuild.FileName.lexicon: encoded.lexicon,
            IndexBuild.FileName.postings: encoded.postings,
            IndexBuild.FileName.norms: encoded.norms,
            IndexBuild.FileName.fields: DocumentFields(documents: documents).encoded(),
            IndexBuild.FileName.repeatedLines: Self.encodeRepeatedLines(repeatedLines),
        ]
        var reusedEmbeddings = 0
        var distinctSentences = 0
        if let embedder {
            let dimension = embedder.dimension
            let passageCount = passageRecords.count
            // Vectors of the previous index, by the text they embed, when it comes from the same model.
            let reusable = Self.reusableVectors(
                in: previous, documents: reusableDocuments, for: embedder, sentenceVectors: sentenceVectors)
            let embeddingStarted = DispatchTime.now().uptimeNanoseconds
            // With pooled sentence vectors, the first passage that holds a sentence gives its vector.
            var pooled: [String: [Float]] = [:]
            let vectors = Self.embed(
                embeddedTexts, with: embedder, reusing: reusable.passages,
                pooling: sentenceVectors == .pooled ? (passageSentences, reusable.sentences) : nil
            ) { embedded, reused, sentences in
                reusedEmbeddings = reused
                for (text, vector) in sentences where pooled[text] == nil { pooled[text] = vector }
                progress?(
                    IndexingProgress(
                        passagesEmbedded: embedded, documentsDone: documents.count, documentCount: documents.count,
                        passages: passageCount))
            }
            times.embeddedPassages = passageCount - reusedEmbeddings
            times.embeddingSeconds = seconds(since: embeddingStarted)
            let flat = FlatVectorIndex(dimension: dimension, vectors: vectors)
            files[IndexBuild.FileName.vectors] = flat.encoded()
            files[IndexBuild.FileName.quantizedVectors] = Int8VectorIndex(quantizing: flat).encoded()
            if approximateIndex != .exactOnly, passageCount >= approximateIndexMinimumPassages {
                progress?(
                    IndexingProgress(
                        passagesEmbedded: passageCount, documentsDone: documents.count,
                        documentCount: documents.count, passages: passageCount, buildingApproximateIndex: true))
                let clusteringStarted = DispatchTime.now().uptimeNanoseconds
                switch approximateIndex {
                case .exactOnly: break
                case .ivf:
                    files[IndexBuild.FileName.ivfVectors] =
                        IVFVectorIndex(clustering: flat, threadCount: ProcessInfo.processInfo.activeProcessorCount)
                        .encoded()
                case .hnsw:
                    files[IndexBuild.FileName.hnswVectors] =
                        HNSWVectorIndex(
                            building: flat, maxNeighbors: 32, constructionWidth: 200,
                            threadCount: ProcessInfo.processInfo.activeProcessorCount
                        ).encoded()
                }
                times.approximateIndexSeconds = seconds(since: clusteringStarted)
            }

            // Each distinct sentence is embedded once.
            var distinct: [String: Int] = [:]
            var distinctTexts: [String] = []
            let rows = sentenceTexts.map { text in
                if let row = distinct[text] { return row }
                distinct[text] = distinctTexts.count
                distinctTexts.append(text)
                return distinctTexts.count - 1
            }
            let sentencesStarted = DispatchTime.now().uptimeNanoseconds
            var reusedSentences = 0
            let distinctVectors = Self.embed(
                distinctTexts, with: embedder, reusing: reusable.sentences.merging(pooled) { kept, _ in kept },
                pooling: nil
            ) { embedded, reused, _ in
                reusedSentences = reused
                progress?(
                    IndexingProgress(
                        passagesEmbedded: passageCount, sentencesEmbedded: embedded,
                        sentencesToEmbed: distinctTexts.count, documentsDone: documents.count,
                        documentCount: documents.count, passages: passageCount))
            }
            times.embeddedSentences = distinctTexts.count - reusedSentences
            times.pooledSentences = distinctTexts.count { reusable.sentences[$0] == nil && pooled[$0] != nil }
            distinctSentences = distinctTexts.count
            times.sentenceSeconds = seconds(since: sentencesStarted)
            files[IndexBuild.FileName.sentenceVectors] = SentenceVectors(
                dimension: dimension, sentenceCounts: passageSentences.map(\.count), vectors: distinctVectors,
                rows: rows
            ).encoded()
        }
        let totalLength = lexical.lengths.reduce(0) { $0 + Int($1) }
        times.seconds = seconds(since: started)
        return IndexBuild(
            configuration: configuration, files: files, reusedEmbeddings: reusedEmbeddings, times: times,
            documentCount: documents.count,
            passageCount: passageRecords.count, fingerprint: Self.fingerprint(of: documents),
            format: Self.dominantFormat(of: documents),
            statistics: IndexManifest.Statistics(
                terms: encoded.termCount, postings: encoded.postingCount,
                averagePassageLength: passageRecords.isEmpty ? 0 : Double(totalLength) / Double(passageRecords.count)),
            distinctSentences: distinctSentences)
    }

    /// Embeds `texts`, row `i` of the result for `texts[i]`, taking the vectors `reusable` holds for a text
    /// instead of embedding it again.
    ///
    /// - Parameters:
    ///   - texts: The texts to embed.
    ///   - embedder: The model.
    ///   - reusable: Vectors already computed, by text.
    ///   - sentences: Per text, its sentences to pool from the text's encoder pass, and the sentence vectors that
    ///     may be reused; `nil` to pool none. A text is encoded again, even with a vector to reuse, when one of its
    ///     sentences has none, so that every pooled vector comes from a pass as a fresh build would make it.
    ///   - progress: Called after each chunk with the texts done so far, how many were reused, and the sentence
    ///     vectors pooled in the chunk (text, vector; sentences that could not be pooled are left out).
    /// - Returns: The vectors, row-major.
    static func embed(
        _ texts: [String], with embedder: SentenceEmbedder, reusing reusable: [String: [Float]],
        pooling sentences: (texts: [[String]], reusable: [String: [Float]])?,
        progress: (_ done: Int, _ reused: Int, _ pooled: [(String, [Float])]) -> Void
    ) -> [Float] {
        let dimension = embedder.dimension
        var vectors = [Float](repeating: 0, count: texts.count * dimension)
        var missing: [Int] = []
        for (row, text) in texts.enumerated() {
            // A text whose sentences are pooled is encoded again when one of them has no vector to reuse.
            let sentencesReusable = sentences.map { $0.texts[row].allSatisfy($0.reusable.keys.contains) } ?? true
            if let vector = reusable[text], sentencesReusable {
                vectors.replaceSubrange(row * dimension..<(row + 1) * dimension, with: vector)
            } else {
                missing.append(row)
            }
        }
        let reused = texts.count - missing.count
        // Embedded in chunks for progress, of about 60,000 tokens (256 passages, 2,048 sentences): long enough that
        // the threads rarely wait for each other at a chunk's end, short enough for the progress line. The encoder
        // batches sequences of similar length inside each chunk.
        let averageLength = texts.isEmpty ? 1 : texts.reduce(0) { $0 + $1.utf8.count } / texts.count
        let chunk = min(2048, max(256, 256 * 1200 / max(averageLength, 1)))
        var start = 0
        while start < missing.count {
            let end = min(start + chunk, missing.count)
            let rows = missing[start..<end]
            var pooled: [(String, [Float])] = []
            if let sentences {
                let embedded = embedder.embed(rows.map { texts[$0] }, pooling: rows.map { sentences.texts[$0] })
                for (row, result) in zip(rows, embedded) {
                    vectors.replaceSubrange(row * dimension..<(row + 1) * dimension, with: result.vector)
                    for (text, vector) in zip(sentences.texts[row], result.sentences) {
                        if let vector { pooled.append((text, vector)) }
                    }
                }
            } else {
                for (row, vector) in zip(rows, embedder.embed(rows.map { texts[$0] })) {
                    vectors.replaceSubrange(row * dimension..<(row + 1) * dimension, with: vector)
                }
            }
            start = end
            progress(reused + end, reused, pooled)
        }
        if missing.isEmpty { progress(texts.count, reused, []) }
        return vectors
    }

    /// The passage and sentence vectors of `previous` (of `documents` only, when given) by the text they embed, when
    /// its model is `embedder`'s.
    static func reusableVectors(
        in previous: EvidentIndex?, documents: [Int]? = nil, for embedder: SentenceEmbedder,
        sentenceVectors method: SentenceVectorMethod
    ) -> (
        passages: [String: [Float]], sentences: [String: [Float]]
    ) {
        guard let previous, previous.vectors != nil, let settings = previous.configuration.embedding,
            settings.matches(embedder)
        else { return ([:], [:]) }
        // Sentence vectors are reused only when they were made the same way.
        let reusesSentences = settings.sentenceVectors == method
        var passages: [String: [Float]] = [:]
        var sentences: [String: [Float]] = [:]
        passages.reserveCapacity(previous.passageCount)
        for documentIndex in documents ?? Array(0..<previous.documentCount) {
            let title = previous.documentHeader(at: documentIndex).title
            let splitter = (reusesSentences ? try? previous.document(at: documentIndex) : nil)
                .map(PassageSentenceSplitter.init(document:))
            for passageIndex in previous.passageIndices(ofDocument: documentIndex) {
                guard let (passage, _) = try? previous.passageRecord(at: passageIndex),
                    let vector = previous.passageVector(at: passageIndex)
                else { continue }
                passages[previous.configuration.indexedText(of: passage, in: title)] = vector
                guard let splitter, let rows = previous.sentenceRows(ofPassage: passageIndex) else { continue }
                let texts = splitter.sentences(of: passage).map(\.text)
                guard texts.count == rows.count else { continue }
                for (text, row) in zip(texts, rows) { sentences[text] = previous.sentenceVector(row: row) }
            }
        }
        return (passages, sentences)
    }

    /// The repeated-lines file: magic, version, then the lines (normalised, sorted) as a count and
    /// length-prefixed strings.
    static func encodeRepeatedLines(_ lines: Set<String>) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(IndexFileMagic.repeatedLines)
        writer.write(IndexFileMagic.version)
        writer.write(lines.sorted())
        return writer.bytes
    }

    /// Reads what `encodeRepeatedLines(_:)` wrote.
    static func decodeRepeatedLines(_ bytes: ReadOnlyBytes) throws(StorageError) -> Set<String> {
        var reader = ByteReader(bytes.bytes, path: bytes.path)
        try IndexFileMagic.check(&reader, magic: IndexFileMagic.repeatedLines)
        let lines = try reader.readStrings()
        guard reader.isAtEnd else { throw StorageError.corrupt(bytes.path, "it has bytes after its last line") }
        return Set(lines)
    }

    /// SHA-256 over every document's id and source, in order: the corpus fingerprint an index records, so that
    /// a corpus can be checked against an index without building it again.
    public static func fingerprint(of documents: [Document]) -> String {
        var fingerprint = Checksum()
        for document in documents {
            fingerprint.update(Array(document.id.utf8) + [0] + Array(document.source.utf8) + [0])
        }
        return fingerprint.finalizeHex()
    }

    /// The configuration an index built by this builder with `embedder` records.
    public func configuration(embeddingWith embedder: SentenceEmbedder?) -> IndexConfiguration {
        var configuration = self.configuration
        configuration.embedding = embedder.map {
            EmbeddingSettings(of: $0, sentenceVectors: sentenceVectors, approximateIndex: approximateIndex)
        }
        return configuration
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
    /// Passages whose vector was taken from a previous index instead of being embedded.
    public let reusedEmbeddings: Int
    /// How long the build took.
    public let times: IndexManifest.BuildTimes
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
    /// Distinct sentences with a vector for grounding (embedded or reused); 0 without a model.
    public let distinctSentences: Int

    enum FileName {
        static let documents = "documents.bin"
        static let passages = "passages.bin"
        static let lexicon = "lexicon.bin"
        static let postings = "postings.bin"
        static let norms = "norms.bin"
        static let vectors = "vectors.bin"
        static let quantizedVectors = "vectors-int8.bin"
        static let ivfVectors = "vectors-ivf.bin"
        static let hnswVectors = "vectors-hnsw.bin"
        static let sentenceVectors = "sentence-vectors.bin"
        static let fields = "fields.bin"
        static let repeatedLines = "repeated-lines.bin"
    }

    /// The total size of the index files, in bytes.
    public var byteCount: Int { files.values.reduce(0) { $0 + $1.count } }

    /// The manifest describing this build.
    public func manifest(corpusPath: String, skipped: Int, fingerprint: String? = nil, shard: CorpusShard? = nil)
        -> IndexManifest
    {
        IndexManifest(
            format: "evident-index", formatVersion: IndexManifest.currentFormatVersion,
            evidentVersion: evidentVersion, createdAt: ISO8601DateFormatter().string(from: Date()),
            corpus: IndexManifest.CorpusSummary(
                path: corpusPath, format: format, fingerprint: fingerprint ?? self.fingerprint,
                documents: documentCount,
                passages: passageCount, skipped: skipped, shard: shard),
            configuration: configuration, statistics: statistics,
            files: files.mapValues { IndexManifest.FileEntry(bytes: $0.count, sha256: Checksum.hexDigest(of: $0)) },
            build: times)
    }

    /// Writes the index directory at `directory`: every file goes into a temporary directory beside it, which is
    /// then renamed into place, so that a reader never sees a half-written index.
    ///
    /// - Parameters:
    ///   - directory: The index directory to create.
    ///   - corpusPath: The corpus path to record in the manifest.
    ///   - skipped: The number of bad inputs skipped while reading the corpus.
    ///   - replacing: Whether an existing index directory at `directory` may be replaced.
    ///   - fingerprint: The corpus fingerprint to record, when not that of the documents built (an optimized
    ///     index records its corpus's, whatever order its documents came in).
    ///   - shard: The part of the corpus the documents are, when the index is one shard of a sharded index.
    /// - Returns: The manifest written.
    /// - Throws: `StorageError` when `directory` exists and `replacing` is false, when it exists and is not an
    ///   index, or when a file cannot be written.
    @discardableResult
    public func write(
        to directory: URL, corpusPath: String, skipped: Int = 0, replacing: Bool = false, fingerprint: String? = nil,
        shard: CorpusShard? = nil
    ) throws -> IndexManifest {
        let fileManager = FileManager.default
        let target = directory.standardizedFileURL
        let exists = try Self.checkTarget(target, replacing: replacing)
        let parent = target.deletingLastPathComponent()
        let temporary = parent.appendingPathComponent(".\(target.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try fileManager.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw StorageError.unwritable(
                path: parent.path, reason: "cannot create the index there (\(error.localizedDescription))")
        }
        do {
            let manifest = manifest(
                corpusPath: corpusPath, skipped: skipped, fingerprint: fingerprint, shard: shard)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var contents = files
            contents[IndexManifest.fileName] = Array(try encoder.encode(manifest))
            for (name, bytes) in contents {
                try Self.writeDurably(bytes, to: temporary.appendingPathComponent(name))
            }
            Self.synchronizeDirectory(temporary)
            if exists, Self.exchange(temporary, target) {
                // The new index took the old one's place in one step; the old one is where the new one was.
                try? fileManager.removeItem(at: temporary)
            } else if exists {
                // Without an atomic exchange: move the old index aside, the new one in, and the old one back if
                // that fails.
                let old = parent.appendingPathComponent(".\(target.lastPathComponent).old-\(UUID().uuidString)")
                try fileManager.moveItem(at: target, to: old)
                do {
                    try fileManager.moveItem(at: temporary, to: target)
                } catch {
                    try? fileManager.moveItem(at: old, to: target)
                    throw error
                }
                try? fileManager.removeItem(at: old)
            } else {
                try fileManager.moveItem(at: temporary, to: target)
            }
            Self.synchronizeDirectory(parent)
            return manifest
        } catch {
            try? fileManager.removeItem(at: temporary)
            if let error = error as? StorageError { throw error }
            throw StorageError.unwritable(
                path: target.path, reason: "cannot write the index (\(error.localizedDescription))")
        }
    }

    /// Checks that an index may be written at `target`; returns whether something is there to replace.
    ///
    /// - Throws: `StorageError.outputIsNotAnIndex` when `target` exists and is not an Evident index (a folder
    ///   with a `manifest.json` of another program is not one), whether or not `replacing`; `.outputExists` when
    ///   it is an index and `replacing` is false; `.outputParentIsAFile` when its parent is not a folder.
    public static func checkTarget(_ target: URL, replacing: Bool) throws(StorageError) -> Bool {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        let parent = target.standardizedFileURL.deletingLastPathComponent()
        if fileManager.fileExists(atPath: parent.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw StorageError.outputParentIsAFile(path: parent.path)
        }
        guard fileManager.fileExists(atPath: target.path, isDirectory: &isDirectory) else { return false }
        let manifestURL = target.appendingPathComponent(IndexManifest.fileName)
        let manifest = (try? Data(contentsOf: manifestURL)).flatMap {
            try? JSONDecoder().decode(ManifestHeader.self, from: $0)
        }
        guard isDirectory.boolValue, manifest?.format == "evident-index" else {
            throw StorageError.outputIsNotAnIndex(path: target.path)
        }
        guard replacing else { throw StorageError.outputExists(path: target.path) }
        return true
    }

    /// Just enough of a manifest to tell an Evident index from anything else.
    private struct ManifestHeader: Decodable {
        var format: String
    }

    static func writeDurably(_ bytes: [UInt8], to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw StorageError.unwritable(path: url.path, reason: "cannot create the file")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: bytes)
        try handle.synchronize()
    }

    /// Swaps two directories in one step (Linux's `renameat2` with `RENAME_EXCHANGE`, looked up at run time as
    /// Glibc's module map does not declare it), so that a reader, or a process killed at any moment, finds the old
    /// index or the new one at the target and never neither. `false` where the call is missing or refused.
    private static func exchange(_ first: URL, _ second: URL) -> Bool {
        #if os(Linux)
            typealias RenameAt2 =
                @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
            guard let symbol = dlsym(nil, "renameat2") else { return false }
            let renameAt2 = unsafeBitCast(symbol, to: RenameAt2.self)
            let exchangeFlag: UInt32 = 1 << 1  // RENAME_EXCHANGE
            return renameAt2(AT_FDCWD, first.path, AT_FDCWD, second.path, exchangeFlag) == 0
        #else
            return false
        #endif
    }

    /// Flushes a directory's entries to disk, so that a rename survives a power loss.
    static func synchronizeDirectory(_ url: URL) {
        let descriptor = open(url.path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
