public import Foundation

/// What an indexing job does with an index that is already at its output.
public enum ExistingIndexPolicy: Sendable, Hashable {
    /// Refuse to write over it (`StorageError.outputExists`).
    case refuse
    /// Replace it.
    case replace
    /// Keep it when it was built from the same corpus with the same settings and model (and has the sentence
    /// vectors a model's index has); otherwise replace it, reusing its vectors.
    case keepIfUpToDate
    /// Update it (`IndexUpdate`): add the new and changed documents as a segment, mark the changed and removed
    /// ones deleted; build it when there is none. The settings and model must be the index's.
    case update
}

/// One whole run of indexing, as `evident index` does it: check the output, read the corpus, decide whether an
/// index already there is up to date, build (reusing the vectors of an earlier index), and write.
///
/// The job decides; its caller only chooses the settings and shows the progress and the outcome.
public struct IndexingJob: Sendable {
    /// The corpus: a folder, a file, or a BEIR `corpus.jsonl`.
    public var corpus: URL
    /// The corpus as the manifest records it (the path the user gave); `corpus.path` when `nil`.
    public var corpusName: String?
    /// The index directory to write.
    public var output: URL
    /// How the corpus is read.
    public var reader: CorpusReaderConfiguration
    /// How the index is built.
    public var configuration: IndexConfiguration
    /// The model that embeds the passages; `nil` for a lexical index.
    public var embedder: SentenceEmbedder?
    /// How the sentence vectors of an index with a model are made.
    public var sentenceVectors: SentenceVectorMethod = .encoded
    /// The approximate index an index with a model keeps beside its passage vectors.
    public var approximateIndex: ApproximateIndexMethod = .exactOnly
    /// An earlier index whose vectors (from the same model) are reused for the texts it holds too; with
    /// `.keepIfUpToDate`, the index at `output` serves when this is `nil`.
    public var reusing: URL?
    /// What to do with an index already at `output`.
    public var existingIndex: ExistingIndexPolicy
    /// The part of the corpus to index, for one shard of a sharded index; the whole corpus when `nil`.
    public var shard: CorpusShard?

    /// Creates a job.
    ///
    /// - Parameters:
    ///   - corpus: The corpus to read.
    ///   - output: The index directory to write.
    ///   - reader: How the corpus is read.
    ///   - configuration: How the index is built.
    ///   - embedder: The model for the passage vectors, or `nil` for a lexical index.
    ///   - reusing: An earlier index whose vectors may be reused.
    ///   - existingIndex: What to do with an index already at `output`.
    public init(
        corpus: URL, output: URL, reader: CorpusReaderConfiguration = .init(),
        configuration: IndexConfiguration = .default, embedder: SentenceEmbedder? = nil, reusing: URL? = nil,
        existingIndex: ExistingIndexPolicy = .refuse
    ) {
        self.corpus = corpus
        self.output = output
        self.reader = reader
        self.configuration = configuration
        self.embedder = embedder
        self.reusing = reusing
        self.existingIndex = existingIndex
    }

    /// What the job reports while it runs, in order.
    public enum Event: Sendable {
        /// The earlier index to reuse holds no vectors from the job's model: every passage is embedded anew.
        case previousIndexHasOtherVectors(URL)
        /// Files read so far.
        case reading(CorpusProgress)
        /// The corpus is read: the bad inputs skipped (with `skipsBadInput`).
        case read(CorpusReadResult)
        /// Chunking, analysis and embedding so far.
        case building(IndexingProgress)
        /// The index is being written.
        case writing
    }

    /// How long each phase took, in seconds.
    public struct PhaseTimes: Sendable, Hashable {
        /// Reading the corpus.
        public var read = 0.0
        /// Building the index in memory: chunking, analysis and embedding.
        public var build = 0.0
        /// Embedding the passages (part of `build`).
        public var embedding = 0.0
        /// Embedding the distinct sentences (part of `build`).
        public var sentences = 0.0
        /// Writing the index directory.
        public var write = 0.0
        /// The whole job.
        public var total = 0.0
    }

    /// What a job did.
    public enum Outcome: Sendable {
        /// The index at the output was up to date and kept; `read` is the corpus as read to decide.
        case upToDate(IndexManifest, read: CorpusReadResult, times: PhaseTimes)
        /// The index was built and written.
        case built(Report)
        /// The index was updated.
        case updated(UpdateReport)
    }

    /// An update: what was read, what changed, the segment built and the manifest committed.
    public struct UpdateReport: Sendable {
        /// The corpus as read.
        public let read: CorpusReadResult
        /// Documents added (new or changed), changed, deleted (changed or gone) and unchanged.
        public let added: Int
        public let changed: Int
        public let deleted: Int
        public let unchanged: Int
        /// The segment built from the added documents, when any was added.
        public let segment: IndexBuild?
        /// The manifest committed.
        public let manifest: IndexManifest
        /// How long each phase took (`build` is the segment's, `write` the commit's).
        public let times: PhaseTimes
    }

    /// A built index: what was read, built and written, and how long each phase took.
    public struct Report: Sendable {
        /// The corpus as read.
        public let read: CorpusReadResult
        /// The index built.
        public let build: IndexBuild
        /// The manifest written.
        public let manifest: IndexManifest
        /// How long each phase took.
        public let times: PhaseTimes
    }

    /// Whether `existing` holds what this job would build from `documents`: the same corpus fingerprint, the same
    /// settings and model, and sentence vectors when it has a model.
    public func isUpToDate(_ existing: EvidentIndex, documents: [Document], repeatedLines: Set<String>? = nil) -> Bool {
        existing.manifest.corpus.fingerprint == IndexBuilder.fingerprint(of: documents)
            && existing.manifest.corpus.shard == shard
            && (repeatedLines == nil || existing.repeatedLines == repeatedLines)
            && existing.configuration
                == IndexBuilder(
                    configuration: configuration, sentenceVectors: sentenceVectors, approximateIndex: approximateIndex
                )
                .configuration(embeddingWith: embedder)
            && (embedder == nil || existing.sentenceVectors != nil)
    }

    /// Runs the job.
    ///
    /// The output is checked before the corpus is read, so that a bad output fails at once, not after the build.
    ///
    /// - Parameter progress: Called with each event, on the calling thread.
    /// - Returns: Whether the index was kept or built, with what was read and written.
    /// - Throws: `StorageError` for the output or an index to reuse, `CorpusIssue` for bad input (unless skipped),
    ///   and `IndexingJobError.emptyCorpus` when the corpus holds no document.
    public func run(progress: @escaping (Event) -> Void = { _ in }) throws -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        func seconds(since start: ContinuousClock.Instant) -> Double {
            let elapsed = clock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        var times = PhaseTimes()
        let replacing = existingIndex != .refuse
        let exists = try IndexBuild.checkTarget(output, replacing: replacing)
        if existingIndex == .update, exists {
            return try update(EvidentIndex(contentsOf: output), started: started, progress: progress)
        }
        let existing = existingIndex == .keepIfUpToDate && exists ? try? EvidentIndex(contentsOf: output) : nil
        let previous = try reusing.map { try EvidentIndex(contentsOf: $0) } ?? existing
        if let previous, let embedder, previous.configuration.embedding?.matches(embedder) != true {
            progress(.previousIndexHasOtherVectors(reusing ?? output))
        }

        let (read, corpusRepeatedLines) = try readCorpus(times: &times, progress: progress)
        if let existing, isUpToDate(existing, documents: read.documents, repeatedLines: corpusRepeatedLines) {
            times.total = seconds(since: started)
            return .upToDate(existing.manifest, read: read, times: times)
        }

        let buildStarted = clock.now
        var builder = IndexBuilder(
            configuration: configuration, sentenceVectors: sentenceVectors, approximateIndex: approximateIndex)
        builder.repeatedLines = corpusRepeatedLines
        let build = builder.build(documents: read.documents, embedder: embedder, reusing: previous) { state in
            progress(.building(state))
        }
        times.build = seconds(since: buildStarted)
        times.embedding = build.times.embeddingSeconds
        times.sentences = build.times.sentenceSeconds

        progress(.writing)
        let writeStarted = clock.now
        let manifest = try build.write(
            to: output, corpusPath: corpusName ?? corpus.path, skipped: read.skipped.count, replacing: replacing,
            shard: shard)
        times.write = seconds(since: writeStarted)
        times.total = seconds(since: started)
        return .built(Report(read: read, build: build, manifest: manifest, times: times))
    }
}

extension IndexingJob {
    /// Reads the corpus, reporting as it goes, and records how long that took in `times.read`; for a shard, keeps
    /// its documents, and finds the lines repeated across the whole corpus (which a shard's third of the documents
    /// would count otherwise), so that every shard leaves out the boilerplate one index of the corpus leaves out.
    ///
    /// - Returns: The documents read, and for a shard the corpus's repeated lines (`nil` for the whole corpus,
    ///   whose build finds them itself).
    /// - Throws: `CorpusIssue` for bad input (unless skipped), `IndexingJobError.emptyCorpus` for no document.
    private func readCorpus(times: inout PhaseTimes, progress: @escaping (Event) -> Void) throws
        -> (read: CorpusReadResult, repeatedLines: Set<String>?)
    {
        let started = ContinuousClock.now
        // The reader reports on the calling thread, while `read` runs.
        nonisolated(unsafe) let report = progress
        var read = try CorpusReader(configuration: reader).read(at: corpus) { state in report(.reading(state)) }
        var repeatedLines: Set<String>?
        if let shard {
            repeatedLines = Boilerplate.repeatedLines(
                amongLinesOf: read.documents.concurrentMap(Boilerplate.candidateLines))
            let corpusDocuments = read.documents.count
            read.documents.removeAll { !shard.contains(documentID: $0.id) }
            guard !read.documents.isEmpty else {
                throw IndexingJobError.emptyShard(shard, path: corpusName ?? corpus.path, documents: corpusDocuments)
            }
        }
        let elapsed = ContinuousClock.now - started
        times.read = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        progress(.read(read))
        guard !read.documents.isEmpty else {
            throw IndexingJobError.emptyCorpus(path: corpusName ?? corpus.path, ignoredFiles: read.ignoredFiles.count)
        }
        return (read, repeatedLines)
    }

    /// Reads the corpus and updates `existing` (at `output`) to it.
    private func update(
        _ existing: EvidentIndex, started: ContinuousClock.Instant, progress: @escaping (Event) -> Void
    ) throws -> Outcome {
        let clock = ContinuousClock()
        func seconds(since start: ContinuousClock.Instant) -> Double {
            let elapsed = clock.now - start
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        let wanted = IndexBuilder(
            configuration: configuration, sentenceVectors: sentenceVectors, approximateIndex: approximateIndex
        ).configuration(embeddingWith: embedder)
        let differences = existing.configuration.differences(from: wanted)
        guard differences.isEmpty else {
            throw IndexUpdateError.settingsDiffer(differences.joined(separator: "; "))
        }
        guard existing.manifest.corpus.shard == shard else {
            throw IndexingJobError.shardDiffers(index: existing.manifest.corpus.shard, asked: shard)
        }
        var times = PhaseTimes()
        let read = try readCorpus(times: &times, progress: progress).read
        let plan = IndexUpdate.plan(existing, documents: read.documents)
        guard !plan.isEmpty else {
            times.total = seconds(since: started)
            return .upToDate(existing.manifest, read: read, times: times)
        }
        let buildStarted = clock.now
        let (segment, manifest) = try IndexUpdate.apply(
            plan, to: existing, at: output, embedder: embedder,
            fingerprint: IndexBuilder.fingerprint(of: read.documents)
        ) { state in progress(.building(state)) }
        times.build = segment?.times.seconds ?? 0
        times.embedding = segment?.times.embeddingSeconds ?? 0
        times.sentences = segment?.times.sentenceSeconds ?? 0
        times.write = max(0, seconds(since: buildStarted) - times.build)
        times.total = seconds(since: started)
        return .updated(
            UpdateReport(
                read: read, added: plan.added.count, changed: plan.changed, deleted: plan.deleted.count,
                unchanged: plan.unchanged, segment: segment, manifest: manifest, times: times))
    }
}

/// An error of an indexing job that is neither the corpus's nor the index directory's.
public enum IndexingJobError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The corpus holds no document to index (every file was of another kind or excluded).
    case emptyCorpus(path: String, ignoredFiles: Int)
    /// The shard asked for holds none of the corpus's documents.
    case emptyShard(CorpusShard, path: String, documents: Int)
    /// An update asks for another shard than the index holds.
    case shardDiffers(index: CorpusShard?, asked: CorpusShard?)

    public var description: String {
        switch self {
        case .emptyCorpus(let path, let ignoredFiles):
            "\(path): no documents found (\(ignoredFiles) files ignored); index a folder of Markdown, text, "
                + "PubMed or JATS XML, HTML or PDF files, or a BEIR corpus.jsonl"
        case .emptyShard(let shard, let path, let documents):
            "\(path): shard \(shard) holds none of the corpus's \(documents) documents"
        case .shardDiffers(let index, let asked):
            "the index holds \(index.map { "shard \($0)" } ?? "the whole corpus"), not "
                + (asked.map { "shard \($0)" } ?? "the whole corpus")
        }
    }
}
