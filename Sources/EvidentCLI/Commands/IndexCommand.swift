import ArgumentParser
import Evident
import EvidentPDF
import Foundation

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Read a corpus, cut it into passages and write a searchable index directory.",
        discussion: """
            CORPUS is a folder of Markdown (with optional YAML front matter), .txt, XML, HTML and PDF files, a \
            single such file, a BEIR corpus.jsonl, or a folder that holds one. XML files (.xml, .nxml, also gzipped: .xml.gz) \
            are PubMed/MEDLINE exports and baseline or update files (one document per article, its PMID as id; \
            a later record of a PMID replaces the earlier one and DeleteCitation removes it) or JATS articles \
            (PMC, PLOS), told apart by their root element. Web pages (.html, .htm) give their main content, \
            without navigation, banners and footers. PDFs (.pdf) give their text page by page in reading \
            order, without running heads, page and line numbers, with headings from the outline and tables as \
            rows of cells joined by " | "; an encrypted or scanned PDF (no text layer) is a bad file, and each PDF \
            is read within 120 seconds. The format follows from the path; --format overrides \
            it. Bad input stops the run with an error naming file and line, unless --skip-bad is given, \
            in which case it is skipped, reported and counted. A folder's .evidentignore lists paths (one a line, \
            relative to the folder) that are never indexed, as --exclude does.

            The index directory is written beside its final place and renamed into it when complete.
            """)

    @Argument(help: "The corpus: a folder, a Markdown, text or XML file, or a BEIR corpus.jsonl.") var corpus: String
    @Option(name: .shortAndLong, help: "The index directory to write.") var out: String
    @Option(help: "Read every file as this format: markdown, text, beir, pubmed, jats, html or pdf.") var format:
        FormatOption?
    @Flag(help: "Skip bad files and lines with a warning instead of stopping.") var skipBad = false
    @Flag(help: "Replace an existing index at --out.") var force = false
    @Option(
        help: ArgumentHelp(
            "A file or folder, relative to the corpus folder, not to index (repeatable).", valueName: "path"))
    var exclude: [String] = []
    @Option(help: "Word budget of a passage.") var passageWords = ChunkerConfiguration.default.maxWords
    @Option(help: "Sentences repeated at the start of the next passage of a section.")
    var overlapSentences = ChunkerConfiguration.default.overlapSentences
    @Option(help: "Default BM25 k1 stored in the index.") var k1 = BM25Parameters.default.k1
    @Option(help: "Default BM25 b stored in the index.") var b = BM25Parameters.default.b
    @Flag(help: "Do not index document titles with each passage.") var noTitles = false
    @Flag(help: "Do not index section headings with each passage.") var noSections = false
    @Option(
        help: ArgumentHelp(
            "A sentence-transformers BERT folder whose embeddings are stored for dense and hybrid search "
                + "(default: Models/all-MiniLM-L6-v2 when present).", valueName: "dir"))
    var model: String?
    @Option(
        help: ArgumentHelp(
            ModelLocation.precisionHelp + " auto (the default) is int16 where the processor has AVX-512 VNNI, else "
                + "fp32. The passage and sentence vectors are made at it and the manifest records it; queries are "
                + "always embedded in fp32."))
    var precision: PrecisionOption = .auto
    @Option(
        help: ArgumentHelp(
            "How the sentence vectors for grounding are made: pooled (each sentence's vector pooled from its "
                + "passage's own encoder pass; only sentences past the model's sequence limit, 256 tokens for MiniLM, are encoded "
                + "on their own) or encoded (every distinct sentence encoded on its own after the passages: a second pass, "
                + "about 40 % more time). The manifest records it.",
            valueName: "method"))
    var sentenceVectors: SentenceVectorsOption = .encoded
    @Option(
        help: ArgumentHelp(
            "An approximate nearest-neighbour index kept beside the exact vectors: ivf (k-means lists of 8-bit "
                + "codes; dense search scans the lists nearest the query), hnsw (a graph searched best first; "
                + "slower to build) or none. Dense search uses it; --exact scans every vector.",
            valueName: "kind"))
    var ann: ApproximateIndexOption = .none
    @Flag(help: "Build a lexical index only, without passage embeddings.") var lexicalOnly = false
    @Option(
        help: ArgumentHelp(
            "An earlier index built with the same model: passages whose text it holds keep their vectors "
                + "instead of being embedded again (it may be the --out being replaced).", valueName: "index-dir"))
    var reuse: String?
    @Flag(
        help: """
            Keep an index already at --out when it was built from the same corpus with the same settings and model \
            (and has sentence vectors); otherwise build it, reusing its vectors.
            """)
    var ifChanged = false
    @Flag(
        help: """
            Update the index at --out to the corpus: new and changed documents go into a new segment (embedded, \
            unless the index holds their texts), changed and removed ones are marked deleted, and the update is \
            committed in one step. The settings and model must be the index's. Builds the index when there is none. \
            A segment of 2,000 passages or more gets the index's approximate index (--ann); a smaller one is \
            scanned exactly. `evident optimize` merges the segments.
            """)
    var update = false
    @Option(
        help: ArgumentHelp(
            "Index only shard K of N of the corpus (K from 1 to N): the documents whose id hashes to it (FNV-1a, "
                + "stable across runs and machines). The manifest records it; evident-ray builds every shard this "
                + "way, and `evident statistics` merges their BM25 statistics.", valueName: "K/N"),
        transform: { text in
            guard let shard = CorpusShard(parsing: text) else {
                throw ValidationError("--shard takes K/N with 1 ≤ K ≤ N, such as 2/3; got '\(text)'.")
            }
            return shard
        })
    var shard: CorpusShard?
    @Flag(name: .shortAndLong, help: "Print only errors.") var quiet = false

    func validate() throws {
        guard passageWords >= 10 else { throw ValidationError("--passage-words must be at least 10.") }
        guard overlapSentences >= 0 else { throw ValidationError("--overlap-sentences must not be negative.") }
        guard k1 >= 0, k1.isFinite else { throw ValidationError("--k1 must be a number ≥ 0.") }
        guard (0...1).contains(b) else { throw ValidationError("--b must lie between 0 and 1.") }
        if lexicalOnly, model != nil { throw ValidationError("--lexical-only and --model exclude each other.") }
        if lexicalOnly, reuse != nil { throw ValidationError("--reuse keeps embeddings; --lexical-only has none.") }
        if update, force || ifChanged || reuse != nil {
            throw ValidationError("--update keeps the index at --out; it excludes --force, --if-changed and --reuse.")
        }
    }

    /// ", in 302.00 s, 122 passages/s" from the manifest's build times; empty when it has none.
    static func buildSummary(_ manifest: IndexManifest) -> String {
        guard let build = manifest.build else { return "" }
        let rate = build.passagesPerSecond(passages: manifest.corpus.passages)
        return ", in \(Format.seconds(build.seconds)), \(Format.count(Int(rate.rounded()))) passages/s"
    }

    func run() throws {
        var reader = CorpusReaderConfiguration(
            format: format.map { CorpusFormat(rawValue: $0.rawValue) } ?? nil, skipsBadInput: skipBad,
            excludedPaths: exclude)
        reader.register(ReadPDFCommand.isolatedReader)
        var job = IndexingJob(
            corpus: URL(fileURLWithPath: corpus), output: URL(fileURLWithPath: out),
            reader: reader,
            configuration: IndexConfiguration(
                chunker: ChunkerConfiguration(maxWords: passageWords, overlapSentences: overlapSentences),
                scoring: .bm25(BM25Parameters(k1: k1, b: b)), indexesTitles: !noTitles, indexesSections: !noSections),
            embedder: try loadEmbedder(), reusing: reuse.map { URL(fileURLWithPath: $0) },
            existingIndex: update ? .update : force ? .replace : ifChanged ? .keepIfUpToDate : .refuse)
        job.corpusName = corpus
        job.sentenceVectors = sentenceVectors.method
        job.approximateIndex = ann.method
        job.shard = shard
        let display = IndexingDisplay(
            progress: ProgressLine(isEnabled: !quiet && Terminal.standardErrorIsTerminal), embeds: job.embedder != nil)
        let outcome: IndexingJob.Outcome
        do {
            outcome = try job.run { display.show($0, reuse: reuse) }
        } catch let issue as CorpusIssue {
            display.progress.finish()
            let canSkip = !skipBad && issue.kind != .unreadable && issue.kind != .excludedPathMissing
            throw CommandFailure(issue.description + (canSkip ? "\n(--skip-bad skips bad files and lines)" : ""))
        } catch {
            display.progress.finish()
            throw error
        }
        display.progress.finish()
        guard !quiet else { return }
        switch outcome {
        case .upToDate(let manifest, _, _):
            print(
                "\(out) is up to date: the same \(Format.counted(manifest.corpus.documents, "document")) and "
                    + "settings\(job.embedder.map { " and model \($0.modelID)" } ?? ""); not rebuilt (built "
                    + "\(manifest.createdAt)\(Self.buildSummary(manifest)))")
        case .built(let report):
            print(summary(of: report, embedder: job.embedder))
        case .updated(let report):
            print(Self.summary(of: report, out: out))
        }
    }

    /// What `evident index --update` prints.
    static func summary(of report: IndexingJob.UpdateReport, out: String) -> String {
        let manifest = report.manifest
        var summary =
            "Updated \(out) in \(Format.seconds(report.times.total)) (read \(Format.seconds(report.times.read)), "
            + "segment \(Format.seconds(report.times.build)), commit \(Format.seconds(report.times.write))): "
            + "\(Format.count(report.added - report.changed)) new, \(Format.count(report.changed)) changed, "
            + "\(Format.count(report.deleted - report.changed)) removed, \(Format.count(report.unchanged)) unchanged."
        if let segment = report.segment {
            summary +=
                "\n  new segment: \(Format.counted(segment.documentCount, "document")), "
                + "\(Format.counted(segment.passageCount, "passage"))"
            if segment.times.embeddedPassages > 0 {
                summary +=
                    ", \(Format.counted(segment.times.embeddedPassages, "passage")) embedded in "
                    + Format.seconds(segment.times.embeddingSeconds)
            }
            if segment.reusedEmbeddings > 0 { summary += ", \(Format.count(segment.reusedEmbeddings)) vectors reused" }
            if segment.times.approximateIndexSeconds > 0 {
                summary += ", its approximate index built in \(Format.seconds(segment.times.approximateIndexSeconds))"
            } else if let method = manifest.configuration.embedding?.approximateIndex, method != .exactOnly {
                summary +=
                    ", scanned exactly (an approximate index from "
                    + "\(Format.count(ApproximateIndexMethod.smallestSegment)) passages)"
            }
        }
        let segments = 1 + (manifest.segments?.count ?? 0)
        let deleted = (manifest.deletions ?? [:]).values.reduce(0) { $0 + $1.documents }
        summary +=
            "\n  index: \(Format.counted(manifest.corpus.documents, "document")), "
            + "\(Format.counted(manifest.corpus.passages, "passage")) in \(segments) segments, "
            + "\(Format.counted(deleted, "deleted document")) kept until `evident optimize \(out)` merges them "
            + "(generation \(manifest.generation ?? 0))"
        return summary
    }

    /// What `evident index` prints after a build.
    func summary(of report: IndexingJob.Report, embedder: SentenceEmbedder?) -> String {
        let build = report.build
        let read = report.read
        let times = report.times
        var summary = """
            Indexed \(Format.counted(build.documentCount, "document")) (\(Format.bytes(read.byteCount))) into \
            \(Format.counted(build.passageCount, "passage")) in \(Format.seconds(times.total)) \
            (read \(Format.seconds(times.read)), index \(Format.seconds(times.build)), \
            \(Format.decimal(Double(build.passageCount) / max(times.build, 1e-6), places: 1)) passages/s).
              terms \(Format.count(build.statistics.terms)), postings \(Format.count(build.statistics.postings)), \
            mean passage \(Format.decimal(build.statistics.averagePassageLength, places: 1)) terms
              index \(out) (\(Format.bytes(build.byteCount)))
            """
        if let shard = report.manifest.corpus.shard {
            summary +=
                "\n  shard \(shard) of the corpus (the documents whose id hashes to it); merge the shards' BM25 "
                + "statistics with `evident statistics`"
        }
        if let embedder {
            let embedded = build.passageCount - build.reusedEmbeddings
            summary +=
                "\n  embeddings \(embedder.modelID), \(embedder.dimension) dimensions, \(embedder.encoder.precision)"
            if embedded > 0, times.embedding > 0 {
                summary +=
                    ", \(Format.counted(embedded, "passage")) embedded at "
                    + "\(Format.count(Int(Double(embedded) / times.embedding))) passages/s "
                    + "(\(Format.seconds(times.embedding)))"
            }
            if let reuse { summary += ", \(Format.count(build.reusedEmbeddings)) reused from \(reuse)" }
            summary +=
                "\n  sentence vectors for grounding: \(Format.counted(build.distinctSentences, "distinct sentence")) "
            if build.times.pooledSentences > 0 {
                summary +=
                    "(\(Format.count(build.times.pooledSentences)) pooled from their passages; "
                    + "\(Format.count(build.times.embeddedSentences)) encoded on their own in "
                    + "\(Format.seconds(times.sentences)))"
            } else {
                summary += "(\(Format.seconds(times.sentences)), reused ones included)"
            }
            if build.times.approximateIndexSeconds > 0 {
                summary +=
                    "\n  approximate index: \(ann.rawValue.uppercased()) over the passage vectors, built in "
                    + Format.seconds(build.times.approximateIndexSeconds)
            }
        } else {
            summary += "\n  lexical only (no model): dense and hybrid search need `--model DIR`"
        }
        if read.replacedDocuments > 0 || read.deletedDocuments > 0
            || read.documents.contains(where: \.format.hasExtractedOutline)
        {
            summary +=
                "\n  read \(Format.rate(read.documents.count, per: times.read)) documents/s"
            let pages = read.documents.reduce(0) { $0 + $1.pages.count }
            if pages > 0 {
                summary +=
                    " (\(Format.count(pages)) PDF pages, \(Format.rate(pages, per: times.read))/s)"
            }
            if read.replacedDocuments > 0 {
                summary += ", \(Format.count(read.replacedDocuments)) replaced by a later record"
            }
            if read.deletedDocuments > 0 {
                summary += ", \(Format.count(read.deletedDocuments)) deleted (DeleteCitation)"
            }
        }
        if !read.skipped.isEmpty {
            summary += "\n  skipped \(Format.counted(read.skipped.count, "bad input")) (see the warnings above)"
        }
        if !read.ignoredFiles.isEmpty {
            let examples = read.ignoredFiles.prefix(3).joined(separator: ", ")
            summary +=
                "\n  not indexed: \(Format.counted(read.ignoredFiles.count, "file")) (\(examples)"
                + (read.ignoredFiles.count > 3 ? ", …)" : ")")
        }
        return summary
    }
}

/// The progress line of `evident index`: what the job is doing, with rates and the time left.
final class IndexingDisplay {
    let progress: ProgressLine
    /// Whether the job embeds passages (it has a model).
    private let embeds: Bool
    private var buildStart: Double?
    private var embeddingStart: Double?
    private var sentenceStart: Double?

    init(progress: ProgressLine, embeds: Bool) {
        self.progress = progress
        self.embeds = embeds
    }

    func show(_ event: IndexingJob.Event, reuse: String?) {
        switch event {
        case .previousIndexHasOtherVectors(let index):
            Terminal.writeError(
                "note: \(reuse ?? index.path) has no vectors from this model; every passage is embedded anew\n")
        case .reading(let state):
            let total = state.totalFiles.map { " of \(Format.count($0))" } ?? ""
            progress.update(
                "reading: \(Format.count(state.filesRead))\(total) files, \(Format.count(state.documents)) "
                    + "documents, \(Format.bytes(state.bytes))")
        case .read(let read):
            progress.finish()
            for issue in read.skipped { Terminal.writeError("warning: skipped \(issue.description)\n") }
        case .building(let state):
            showBuilding(state)
        case .writing:
            progress.update("writing the index…", force: true)
        }
    }

    private func showBuilding(_ state: IndexingProgress) {
        let now = Terminal.now()
        if state.buildingApproximateIndex {
            progress.update(
                "building the approximate index of \(Format.count(state.passages)) passage vectors…", force: true)
            return
        }
        if state.sentencesToEmbed > 0 {
            let started = sentenceStart ?? now
            sentenceStart = started
            let elapsed = max(now - started, 1e-6)
            let rate = Double(state.sentencesEmbedded) / elapsed
            let remaining = Double(state.sentencesToEmbed - state.sentencesEmbedded) / max(rate, 1e-6)
            progress.update(
                "embedding sentences: \(Format.count(state.sentencesEmbedded))/"
                    + "\(Format.count(state.sentencesToEmbed)), \(Format.count(Int(rate))) sentences/s, "
                    + "\(Format.seconds(remaining)) left", force: true)
            return
        }
        if state.passagesEmbedded > 0 {
            let started = embeddingStart ?? now
            embeddingStart = started
            let elapsed = max(now - started, 1e-6)
            let rate = Double(state.passagesEmbedded) / elapsed
            let remaining = Double(state.passages - state.passagesEmbedded) / max(rate, 1e-6)
            progress.update(
                "embedding: \(Format.count(state.passagesEmbedded))/\(Format.count(state.passages)) passages, "
                    + "\(Format.count(Int(rate))) passages/s, \(Format.seconds(remaining)) left", force: true)
            return
        }
        let started = buildStart ?? now
        buildStart = started
        if embeddingStart == nil, embeds, state.documentsDone == state.documentCount {
            embeddingStart = now
            progress.update("embedding \(Format.count(state.passages)) passages…", force: true)
            return
        }
        let elapsed = max(now - started, 1e-6)
        progress.update(
            "indexing: \(Format.count(state.documentsDone))/\(Format.count(state.documentCount)) documents, "
                + "\(Format.count(state.passages)) passages, "
                + "\(Format.count(Int(Double(state.documentsDone) / elapsed))) documents/s")
    }
}

extension IndexCommand {
    /// The model to embed passages with: --model, else the default folder when present; none with --lexical-only.
    func loadEmbedder() throws -> SentenceEmbedder? {
        guard !lexicalOnly else { return nil }
        if model == nil, ModelLocation.directory(for: ModelSearchPath.defaultModelID, given: nil) == nil { return nil }
        return try ModelLocation.load(ModelSearchPath.defaultModelID, given: model, precision: precision.precision)
    }
}

/// `--sentence-vectors`: how an index makes its sentence vectors, spelled as the manifest spells them.
enum SentenceVectorsOption: String, ExpressibleByArgument, CaseIterable {
    case pooled, encoded

    var method: SentenceVectorMethod {
        switch self {
        case .pooled: .pooled
        case .encoded: .encoded
        }
    }
}

/// `--ann`: the approximate index kinds, spelled as the manifest spells them.
enum ApproximateIndexOption: String, ExpressibleByArgument, CaseIterable {
    case none, ivf, hnsw

    var method: ApproximateIndexMethod {
        switch self {
        case .none: .exactOnly
        case .ivf: .ivf
        case .hnsw: .hnsw
        }
    }
}

/// `--format`: the corpus formats, spelled as on the command line.
enum FormatOption: String, ExpressibleByArgument, CaseIterable {
    case markdown, text, beir, pubmed, jats, html, pdf
}
