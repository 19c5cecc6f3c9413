public import Foundation

/// Brings an index up to date with a corpus without rebuilding what did not change: the new and changed documents
/// go into a new segment (lexical index, fields, vectors and sentence vectors of their own, and the index's kind of
/// approximate index when it has `ApproximateIndexMethod.smallestSegment` passages or more), the changed and
/// removed ones are marked deleted, and a new generation of the manifest is committed in one rename.
///
/// A crash at any point leaves the previous generation readable: the update never writes over a file that the
/// current manifest names (the segment's folder and the deletion files are new names), and the manifest is
/// replaced by renaming a complete, synced copy over it. Files of older generations are removed after the commit.
public struct IndexUpdate: Sendable {
    /// What an update changes: the documents to add (new or changed) and the index's documents to delete (changed
    /// or gone), by their numbers in the index.
    public struct Plan: Sendable {
        /// The lines repeated across the corpus (boilerplate) that the new segment leaves out, as the index's
        /// build did.
        public var repeatedLines: Set<String>
        public var added: [Document]
        public var deleted: [Int]
        /// The documents that stay as they are.
        public var unchanged: Int
        /// Documents of the corpus that replace one of the index (the same id, another record).
        public var changed: Int

        /// Whether the index already holds the corpus.
        public var isEmpty: Bool { added.isEmpty && deleted.isEmpty }
    }

    /// Compares the corpus `documents` with the live documents of `index`: a document is unchanged when the index
    /// holds one of the same id whose stored record is byte for byte the one `documents` would store.
    public static func plan(_ index: EvidentIndex, documents: [Document]) -> Plan {
        var live: [String: Int] = [:]
        for document in index.liveDocuments { live[index.documentHeader(at: document).id] = document }
        var added: [Document] = []
        var kept = Set<Int>()
        var changed = 0
        for document in documents {
            guard let existing = live[document.id] else {
                added.append(document)
                continue
            }
            let stored = index.documentRecord(at: existing)
            let record = document.encodedRecord()
            if record.count == stored.count, record.withUnsafeBytes({ $0.elementsEqual(stored) }) {
                kept.insert(existing)
            } else {
                added.append(document)
                changed += 1
            }
        }
        let deleted = live.values.filter { !kept.contains($0) }.sorted()
        // The lines the index's build found repeated, so that the new passages are cut as the old ones were (an
        // index that did not keep them: those of the corpus as it now is). `optimize` finds them anew.
        let repeatedLines =
            added.isEmpty
            ? []
            : index.repeatedLines
                ?? Boilerplate.repeatedLines(amongLinesOf: documents.concurrentMap(Boilerplate.candidateLines))
        return Plan(
            repeatedLines: repeatedLines, added: added, deleted: deleted, unchanged: kept.count, changed: changed)
    }

    /// Applies `plan` to the index at `directory` (opened as `index`): builds the added documents into a segment
    /// with the index's settings (reusing the index's vectors for texts it holds), writes it and the deletion
    /// marks, and commits a new manifest generation.
    ///
    /// - Parameters:
    ///   - plan: What to add and delete (`plan(_:documents:)`).
    ///   - index: The index, opened from `directory`.
    ///   - directory: The index directory.
    ///   - embedder: The index's model, when it has vectors.
    ///   - fingerprint: The fingerprint of the corpus as it now is.
    ///   - approximateIndexFrom: The fewest passages for which the segment gets the index's kind of approximate
    ///     index; a smaller segment is scanned exactly.
    ///   - progress: Called as the segment is built.
    /// - Returns: The segment built (`nil` when nothing was added) and the manifest committed.
    /// - Throws: `StorageError` when a file cannot be written; nothing the current manifest names is touched.
    public static func apply(
        _ plan: Plan, to index: EvidentIndex, at directory: URL, embedder: SentenceEmbedder?, fingerprint: String,
        approximateIndexFrom: Int = ApproximateIndexMethod.smallestSegment,
        progress: ((IndexingProgress) -> Void)? = nil
    ) throws -> (segment: IndexBuild?, manifest: IndexManifest) {
        try checkModel(embedder, for: index)
        var manifest = index.manifest
        let generation = (manifest.generation ?? 0) + 1
        var segment: IndexBuild?
        var newFiles: [(path: String, bytes: [UInt8])] = []
        if !plan.added.isEmpty {
            let embedding = index.configuration.embedding
            var builder = IndexBuilder(
                configuration: index.configuration, sentenceVectors: embedding?.sentenceVectors ?? .encoded,
                approximateIndex: embedding?.approximateIndex ?? .exactOnly)
            builder.approximateIndexMinimumPassages = approximateIndexFrom
            builder.repeatedLines = plan.repeatedLines
            let build = builder.build(
                documents: plan.added, embedder: embedder, reusing: index, reusableDocuments: plan.deleted,
                progress: progress)
            let name = String(format: "segments/%06d", generation)
            for (file, bytes) in build.files { newFiles.append(("\(name)/\(file)", bytes)) }
            var segments = manifest.segments ?? []
            segments.append(
                IndexManifest.Segment(
                    name: name, documents: build.documentCount, passages: build.passageCount,
                    files: build.files.mapValues {
                        IndexManifest.FileEntry(bytes: $0.count, sha256: Checksum.hexDigest(of: $0))
                    }))
            manifest.segments = segments
            segment = build
        }
        // Each segment's deletions: those already marked and the new ones, in a file of this generation.
        var deletions = manifest.deletions ?? [:]
        for (position, indexSegment) in index.segments.enumerated() {
            let range = indexSegment.documentOffset..<(indexSegment.documentOffset + indexSegment.documentCount)
            let new = plan.deleted.filter { range.contains($0) }
            guard !new.isEmpty else { continue }
            var marked = indexSegment.deletedDocuments ?? RowSet(rowCount: indexSegment.documentCount)
            for document in new { marked.insert((document - range.lowerBound)..<(document - range.lowerBound + 1)) }
            let bytes = EvidentIndex.encodeDeletions(marked)
            let file = "deletions-\(generation)-\(position).bin"
            newFiles.append((file, bytes))
            deletions[indexSegment.name] = IndexManifest.Deletions(
                file: file, documents: marked.count,
                entry: IndexManifest.FileEntry(bytes: bytes.count, sha256: Checksum.hexDigest(of: bytes)))
        }
        manifest.deletions = deletions.isEmpty ? nil : deletions
        manifest.generation = generation
        manifest.formatVersion = IndexManifest.segmentedFormatVersion
        manifest.evidentVersion = evidentVersion
        manifest.createdAt = ISO8601DateFormatter().string(from: Date())
        let liveDocuments = index.liveDocumentCount - plan.deleted.count + plan.added.count
        let deletedPassages = plan.deleted.reduce(0) { $0 + index.passageIndices(ofDocument: $1).count }
        manifest.corpus.documents = liveDocuments
        manifest.corpus.passages = index.livePassageCount - deletedPassages + (segment?.passageCount ?? 0)
        manifest.corpus.fingerprint = fingerprint
        try commit(manifest, files: newFiles, in: directory)
        return (segment, manifest)
    }

    /// Refuses to add to, or rebuild, an index with vectors without its model: the new passages would have none.
    static func checkModel(_ embedder: SentenceEmbedder?, for index: EvidentIndex) throws(IndexUpdateError) {
        guard let embedding = index.configuration.embedding else { return }
        guard let embedder else { throw IndexUpdateError.modelNeeded(embedding.modelID, given: nil) }
        guard embedder.fingerprint == embedding.fingerprint else {
            throw IndexUpdateError.modelNeeded(embedding.modelID, given: embedder.modelID)
        }
        guard embedder.encoder.precision == embedding.precision else {
            throw IndexUpdateError.precisionDiffers(index: embedding.precision, given: embedder.encoder.precision)
        }
    }

    /// Writes `files` (paths inside `directory`), then the manifest: into a temporary file, synced, renamed over
    /// `manifest.json`, the directory synced; then removes what no generation from this one on names.
    static func commit(_ manifest: IndexManifest, files: [(path: String, bytes: [UInt8])], in directory: URL) throws {
        let fileManager = FileManager.default
        do {
            var folders = Set<URL>()
            for (path, bytes) in files {
                let url = directory.appendingPathComponent(path)
                let folder = url.deletingLastPathComponent()
                if !folders.contains(folder) {
                    try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
                    folders.insert(folder)
                }
                try IndexBuild.writeDurably(bytes, to: url)
            }
            for folder in folders { IndexBuild.synchronizeDirectory(folder) }
            IndexBuild.synchronizeDirectory(directory.appendingPathComponent("segments"))
            IndexBuild.synchronizeDirectory(directory)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let temporary = directory.appendingPathComponent(".\(IndexManifest.fileName).tmp-\(UUID().uuidString)")
            try IndexBuild.writeDurably(Array(try encoder.encode(manifest)), to: temporary)
            guard rename(temporary.path, directory.appendingPathComponent(IndexManifest.fileName).path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? fileManager.removeItem(at: temporary)
                throw StorageError.unwritable(path: directory.path, reason: "cannot commit the manifest (\(reason))")
            }
            IndexBuild.synchronizeDirectory(directory)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.unwritable(
                path: directory.path, reason: "cannot write the update (\(error.localizedDescription))")
        }
        removeUnreferenced(by: manifest, in: directory)
    }

    /// Removes the segment folders, deletion files and manifest drafts of `directory` that `manifest` does not
    /// name: what older generations, or updates interrupted before their commit, left behind.
    static func removeUnreferenced(by manifest: IndexManifest, in directory: URL) {
        let fileManager = FileManager.default
        let segmentNames = Set((manifest.segments ?? []).map(\.name))
        let deletionFiles = Set((manifest.deletions ?? [:]).values.map(\.file))
        for name in (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let isDraft = name.hasPrefix(".\(IndexManifest.fileName).tmp-")
            let isOldDeletions = name.hasPrefix("deletions-") && name.hasSuffix(".bin") && !deletionFiles.contains(name)
            if isDraft || isOldDeletions { try? fileManager.removeItem(at: directory.appendingPathComponent(name)) }
        }
        let segments = directory.appendingPathComponent("segments")
        for name in (try? fileManager.contentsOfDirectory(atPath: segments.path)) ?? []
        where !segmentNames.contains("segments/\(name)") {
            try? fileManager.removeItem(at: segments.appendingPathComponent(name))
        }
        if segmentNames.isEmpty { try? fileManager.removeItem(at: segments) }
    }

    /// Rebuilds the index at `directory` as one segment of its live documents (reusing every vector), and puts it
    /// in the old one's place in one step: what `evident optimize` does.
    ///
    /// - Returns: The build and the manifest written.
    public static func optimize(
        _ index: EvidentIndex, at directory: URL, embedder: SentenceEmbedder?,
        progress: ((IndexingProgress) -> Void)? = nil
    ) throws -> (build: IndexBuild, manifest: IndexManifest) {
        try checkModel(embedder, for: index)
        let documents = try index.liveDocuments.map { try index.document(at: $0) }
        let embedding = index.configuration.embedding
        let build = IndexBuilder(
            configuration: index.configuration, sentenceVectors: embedding?.sentenceVectors ?? .encoded,
            approximateIndex: embedding?.approximateIndex ?? .exactOnly
        ).build(documents: documents, embedder: embedder, reusing: index, progress: progress)
        let manifest = try build.write(
            to: directory, corpusPath: index.manifest.corpus.path, skipped: index.manifest.corpus.skipped,
            replacing: true, fingerprint: index.manifest.corpus.fingerprint, shard: index.manifest.corpus.shard)
        removeUnreferenced(by: manifest, in: directory)
        return (build, manifest)
    }
}

/// Why an index cannot be updated or optimized as asked.
public enum IndexUpdateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The index has vectors and no model (or another model) was given.
    case modelNeeded(String, given: String?)
    /// The update asks for other settings than the index was built with.
    case settingsDiffer(String)
    /// The model given encodes in another precision than the index's vectors were encoded in.
    case precisionDiffers(index: EncoderPrecision, given: EncoderPrecision)

    public var description: String {
        switch self {
        case .modelNeeded(let model, let given):
            "the index's passages are embedded with \(model), and "
                + (given.map { "the model given is \($0) (another fingerprint)" } ?? "no model was given")
                + ": new passages need the same model"
        case .precisionDiffers(let index, let given):
            "the index's vectors were encoded in \(index) and the model runs in \(given) here; vectors of two "
                + "precisions would not compare alike"
        case .settingsDiffer(let what):
            "the index was built with other settings (\(what)); an update keeps an index's settings"
        }
    }
}
