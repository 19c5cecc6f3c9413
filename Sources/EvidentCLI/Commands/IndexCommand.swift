import ArgumentParser
import Evident
import Foundation

struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Read a corpus, cut it into passages and write a searchable index directory.",
        discussion: """
            CORPUS is a folder of Markdown (with optional YAML front matter) and .txt files, a single such file, \
            a BEIR corpus.jsonl, or a folder that holds one. The format follows from the path; --format \
            overrides it. Bad input stops the run with an error naming file and line, unless --skip-bad is given, \
            in which case it is skipped, reported and counted.

            The index directory is written beside its final place and renamed into it when complete.
            """)

    @Argument(help: "The corpus: a folder, a Markdown or text file, or a BEIR corpus.jsonl.") var corpus: String
    @Option(name: .shortAndLong, help: "The index directory to write.") var out: String
    @Option(help: "Read every file as this format: markdown, text or beir.") var format: FormatOption?
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
    @Flag(help: "Build a lexical index only, without passage embeddings.") var lexicalOnly = false
    @Option(
        help: ArgumentHelp(
            "An earlier index built with the same model: passages whose text it holds keep their vectors "
                + "instead of being embedded again (it may be the --out being replaced).", valueName: "index-dir"))
    var reuse: String?
    @Flag(
        help: """
            Keep an index already at --out when it was built from the same corpus with the same settings and model             (and has sentence vectors); otherwise build it, reusing its vectors.
            """)
    var ifChanged = false
    @Flag(name: .shortAndLong, help: "Print only errors.") var quiet = false

    func validate() throws {
        guard passageWords >= 10 else { throw ValidationError("--passage-words must be at least 10.") }
        guard overlapSentences >= 0 else { throw ValidationError("--overlap-sentences must not be negative.") }
        guard k1 >= 0, k1.isFinite else { throw ValidationError("--k1 must be a number ≥ 0.") }
        guard (0...1).contains(b) else { throw ValidationError("--b must lie between 0 and 1.") }
        if lexicalOnly, model != nil { throw ValidationError("--lexical-only and --model exclude each other.") }
        if lexicalOnly, reuse != nil { throw ValidationError("--reuse keeps embeddings; --lexical-only has none.") }
    }

    /// ", in 302.00 s, 122 passages/s" from the manifest's build times; empty when it has none.
    static func buildSummary(_ manifest: IndexManifest) -> String {
        guard let build = manifest.build else { return "" }
        let rate = build.passagesPerSecond(passages: manifest.corpus.passages)
        return ", in \(Format.seconds(build.seconds)), \(Format.count(Int(rate.rounded()))) passages/s"
    }

    func run() throws {
        // Refuse a bad --out before the corpus is read, not after it is indexed.
        let existing: EvidentIndex?
        do {
            let exists = try IndexBuild.checkTarget(URL(fileURLWithPath: out), replacing: force || ifChanged)
            existing = ifChanged && exists ? try? EvidentIndex(contentsOf: URL(fileURLWithPath: out)) : nil
        } catch let error as StorageError {
            throw CommandFailure(error.description)
        }
        let embedder = try loadEmbedder()
        let previous = try reuse.map(openIndex) ?? existing
        if let previous, let embedder, previous.configuration.embedding?.fingerprint != embedder.fingerprint {
            Terminal.writeError(
                "note: \(reuse ?? "") has no vectors from \(embedder.modelID); every passage is embedded anew\n")
        }
        let start = Terminal.now()
        let progress = ProgressLine(isEnabled: !quiet && Terminal.standardErrorIsTerminal)
        let readerConfiguration = CorpusReaderConfiguration(
            format: format.map { CorpusFormat(rawValue: $0.rawValue) } ?? nil, skipsBadInput: skipBad,
            excludedPaths: exclude)
        let corpusURL = URL(fileURLWithPath: corpus)
        let read: CorpusReadResult
        do {
            read = try CorpusReader(configuration: readerConfiguration).read(at: corpusURL) { state in
                let total = state.totalFiles.map { " of \(Format.count($0))" } ?? ""
                progress.update(
                    "reading: \(Format.count(state.filesRead))\(total) files, \(Format.count(state.documents)) "
                        + "documents, \(Format.bytes(state.bytes))")
            }
        } catch let issue as CorpusIssue {
            progress.finish()
            let canSkip = !skipBad && issue.kind != .unreadable
            throw CommandFailure(issue.description + (canSkip ? "\n(--skip-bad skips bad files and lines)" : ""))
        }
        progress.finish()
        for issue in read.skipped { Terminal.writeError("warning: skipped \(issue.description)\n") }
        guard !read.documents.isEmpty else {
            throw CommandFailure(
                "\(corpus): no documents found (\(read.ignoredFiles.count) files ignored); "
                    + "index a folder of .md or .txt files, or a BEIR corpus.jsonl")
        }
        let readSeconds = Terminal.now() - start

        let configuration = IndexConfiguration(
            chunker: ChunkerConfiguration(maxWords: passageWords, overlapSentences: overlapSentences),
            scoring: .bm25(BM25Parameters(k1: k1, b: b)), indexesTitles: !noTitles, indexesSections: !noSections)
        if let existing, existing.manifest.corpus.fingerprint == IndexBuilder.fingerprint(of: read.documents),
            existing.configuration == IndexBuilder(configuration: configuration).configuration(embeddingWith: embedder),
            embedder == nil || existing.sentenceVectors != nil
        {
            if !quiet {
                print(
                    "\(out) is up to date: the same \(Format.counted(existing.documentCount, "document")) and "
                        + "settings\(embedder.map { " and model \($0.modelID)" } ?? ""); not rebuilt (built "
                        + "\(existing.manifest.createdAt)\(Self.buildSummary(existing.manifest)))")
            }
            return
        }
        let buildStart = Terminal.now()
        var embeddingStart: Double?
        var embeddingSeconds = 0.0
        var sentenceStart: Double?
        var sentenceSeconds = 0.0
        var sentenceCount = 0
        let build = IndexBuilder(configuration: configuration).build(
            documents: read.documents, embedder: embedder, reusing: previous
        ) {
            state in
            if state.sentencesToEmbed > 0 {
                let started = sentenceStart ?? Terminal.now()
                sentenceStart = started
                let elapsed = max(Terminal.now() - started, 1e-6)
                sentenceSeconds = elapsed
                sentenceCount = state.sentencesToEmbed
                let rate = Double(state.sentencesEmbedded) / elapsed
                let remaining = Double(state.sentencesToEmbed - state.sentencesEmbedded) / max(rate, 1e-6)
                progress.update(
                    "embedding sentences: \(Format.count(state.sentencesEmbedded))/"
                        + "\(Format.count(state.sentencesToEmbed)), \(Format.count(Int(rate))) sentences/s, "
                        + "\(Format.seconds(remaining)) left", force: true)
                return
            }
            if state.passagesEmbedded > 0 {
                let started = embeddingStart ?? Terminal.now()
                embeddingStart = started
                let elapsed = max(Terminal.now() - started, 1e-6)
                embeddingSeconds = elapsed
                let rate = Double(state.passagesEmbedded) / elapsed
                let remaining = Double(state.passages - state.passagesEmbedded) / max(rate, 1e-6)
                progress.update(
                    "embedding: \(Format.count(state.passagesEmbedded))/\(Format.count(state.passages)) passages, "
                        + "\(Format.count(Int(rate))) passages/s, \(Format.seconds(remaining)) left", force: true)
                return
            }
            if embeddingStart == nil, embedder != nil, state.documentsDone == state.documentCount {
                embeddingStart = Terminal.now()
                progress.update("embedding \(Format.count(state.passages)) passages…", force: true)
                return
            }
            let elapsed = max(Terminal.now() - buildStart, 1e-6)
            progress.update(
                "indexing: \(Format.count(state.documentsDone))/\(Format.count(state.documentCount)) documents, "
                    + "\(Format.count(state.passages)) passages, "
                    + "\(Format.count(Int(Double(state.documentsDone) / elapsed))) documents/s")
        }
        progress.finish()
        let buildSeconds = Terminal.now() - buildStart
        do {
            try build.write(
                to: URL(fileURLWithPath: out), corpusPath: corpus, skipped: read.skipped.count,
                replacing: force || ifChanged)
        } catch let error as StorageError {
            throw CommandFailure(error.description)
        }
        guard !quiet else { return }
        let total = Terminal.now() - start
        var summary = """
            Indexed \(Format.counted(build.documentCount, "document")) (\(Format.bytes(read.byteCount))) into \
            \(Format.counted(build.passageCount, "passage")) in \(Format.seconds(total)) \
            (read \(Format.seconds(readSeconds)), index \(Format.seconds(buildSeconds)), \
            \(Format.decimal(Double(build.passageCount) / max(buildSeconds, 1e-6), places: 1)) passages/s).
              terms \(Format.count(build.statistics.terms)), postings \(Format.count(build.statistics.postings)), \
            mean passage \(Format.decimal(build.statistics.averagePassageLength, places: 1)) terms
              index \(out) (\(Format.bytes(build.byteCount)))
            """
        if let embedder {
            let embedded = build.passageCount - build.reusedEmbeddings
            summary += "\n  embeddings \(embedder.modelID), \(embedder.dimension) dimensions"
            if embeddingSeconds > 0 {
                summary +=
                    ", \(Format.counted(embedded, "passage")) embedded at "
                    + "\(Format.count(Int(Double(embedded) / embeddingSeconds))) passages/s "
                    + "(\(Format.seconds(embeddingSeconds)))"
            }
            if let reuse { summary += ", \(Format.count(build.reusedEmbeddings)) reused from \(reuse)" }
            summary +=
                "\n  sentence vectors for grounding: \(Format.counted(sentenceCount, "distinct sentence")) "
                + "(\(Format.seconds(sentenceSeconds)), reused ones included)"
        } else {
            summary += "\n  lexical only (no model): dense and hybrid search need `--model DIR`"
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
        print(summary)
    }
}

extension IndexCommand {
    /// The model to embed passages with: --model, else the default folder when present; none with --lexical-only.
    func loadEmbedder() throws -> SentenceEmbedder? {
        guard !lexicalOnly else { return nil }
        let directory = model.map { URL(fileURLWithPath: $0) } ?? SentenceEmbedder.defaultDirectory
        if model == nil,
            !FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path)
        {
            return nil
        }
        do {
            return try SentenceEmbedder(directory: directory)
        } catch let error as EmbeddingError {
            throw CommandFailure(error.description)
        }
    }
}

/// `--format`: the corpus formats, spelled as on the command line.
enum FormatOption: String, ExpressibleByArgument, CaseIterable {
    case markdown, text, beir
}
