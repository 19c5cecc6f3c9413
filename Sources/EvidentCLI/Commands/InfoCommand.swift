import ArgumentParser
import Evident
import Foundation

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe an index: its corpus, settings, counts and files; checks every checksum.")

    @Argument(help: "An index directory written by `evident index`.") var index: String
    @Flag(help: "Print the manifest as JSON.") var json = false
    @Flag(
        name: [.customLong("recall"), .customLong("int8-recall")],
        help: ArgumentHelp(
            "Measure the recall@10 of the int8 vectors and of the approximate index (at several --probes, with "
                + "the time of one search) against exact search; queries: first sentences of 500 passages."))
    var recall = false
    @Option(help: ArgumentHelp("For --recall: " + ModelLocation.optionHelp, valueName: "dir")) var model: String?
    @OptionGroup(title: "With --recall, also measure search under a filter") var filterOptions: FilterOptions

    func validate() throws {
        if !filterOptions.expressions.isEmpty, !recall {
            throw ValidationError("--filter measures search under a filter and needs --recall.")
        }
    }

    func run() throws {
        let start = Terminal.now()
        let evidentIndex = try openIndex(index)
        let loadSeconds = Terminal.now() - start
        let manifest = evidentIndex.manifest
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(manifest), as: UTF8.self))
            return
        }
        let configuration = manifest.configuration
        print(
            """
            \(index): Evident index, format \(manifest.formatVersion), written by Evident \(manifest.evidentVersion) \
            at \(manifest.createdAt)
              corpus      \(manifest.corpus.path) (\(manifest.corpus.format.rawValue)), \
            \(Format.count(manifest.corpus.documents)) documents, \(Format.count(manifest.corpus.passages)) passages\
            \(manifest.corpus.skipped > 0 ? ", \(manifest.corpus.skipped) bad inputs skipped" : "")
              fingerprint \(manifest.corpus.fingerprint)
              passages    up to \(configuration.chunker.maxWords) words, overlap \
            \(configuration.chunker.overlapSentences) sentence(s); titles \
            \(configuration.indexesTitles ? "indexed" : "not indexed"), sections \
            \(configuration.indexesSections ? "indexed" : "not indexed")
              scoring     \(configuration.scoring)
              terms       \(Format.count(manifest.statistics.terms)), postings \
            \(Format.count(manifest.statistics.postings)), mean passage \
            \(Format.decimal(manifest.statistics.averagePassageLength, places: 1)) terms
              files       \(Format.bytes(manifest.fileBytes)) in \
            \(manifest.files.count + 1) files, checksums verified; opened in \(Format.seconds(loadSeconds))
              segments    \(segmentSummary(evidentIndex))
              vectors     \(vectorSummary(evidentIndex))
              metadata    \(metadataSummary(evidentIndex.fields))
              compute     OpenBLAS \(OpenBLASKernels.coreName) kernels
            """)
        if recall { try printRecall(evidentIndex) }
    }

    /// One segment, or how many updates added and what they deleted.
    private func segmentSummary(_ index: EvidentIndex) -> String {
        guard !index.isSingleSegment else { return "1 (as built)" }
        let deleted = index.documentCount - index.liveDocumentCount
        return "\(index.segments.count) (\(index.segments.count - 1) added by updates, generation "
            + "\(index.manifest.generation ?? 0)), \(Format.counted(deleted, "deleted document")); "
            + "`evident optimize \(self.index)` merges them"
    }

    /// The filterable keys, each with its kind and number of distinct values.
    private func metadataSummary(_ fields: DocumentFields) -> String {
        fields.keys.map { key in
            let count = fields.values(of: key).count
            return "\(key) (\(fields.kind(of: key) ?? .text), \(Format.count(count)) value\(count == 1 ? "" : "s"))"
        }.joined(separator: ", ") + "; --filter key=value"
    }

    private func vectorSummary(_ index: EvidentIndex) -> String {
        guard let embedding = index.configuration.embedding else { return "none (lexical only)" }
        let passages =
            "\(embedding.modelID), \(embedding.dimension) dimensions, encoded in \(embedding.precision), stored fp32 "
            + "and int8 per passage"
        guard index.hasSentenceVectors else {
            return passages + "; no sentence vectors (an older index: rebuild with --reuse for faster grounding)"
        }
        let approximate = index.approximateIndex.map { "; approximate index: \($0.summary)" }
        return passages + "; \(Format.count(index.sentenceVectorCount)) sentence vectors (int8) for grounding"
            + (approximate ?? "")
    }

    private func printRecall(_ index: EvidentIndex) throws {
        guard let embedding = index.configuration.embedding else {
            throw CommandFailure("\(self.index): the index has no vectors; --recall needs an index with them")
        }
        let embedder = try ModelLocation.load(embedding.modelID, given: model)
        let count = min(500, index.passageCount)
        let splitter = SentenceSplitter()
        let sentences = try (0..<count).map { position -> String in
            let text = try index.passage(at: position * index.passageCount / count).text
            let scalars = Array(text.unicodeScalars)
            return splitter.sentences(in: text).first.map { String(String.UnicodeScalarView(scalars[$0])) } ?? text
        }
        let queries = embedder.embed(sentences)
        guard let recall = index.int8Recall(queries: queries, limit: 10) else { return }
        print(
            "  int8        recall@10 against exact search \(Format.decimal(recall, places: 4)) "
                + "(\(count) queries: first sentences of passages spread over the index)")
        guard let approximate = index.approximateIndex else { return }
        if let filter = filterOptions.filter, let measured = try index.filteredRecall(queries: queries, filter: filter)
        {
            let share = Double(measured.keptPassages) / Double(max(index.passageCount, 1))
            print(
                "  filter      \(filter) keeps \(Format.count(measured.keptPassages)) passages "
                    + "(\(Format.decimal(share * 100, places: 2)) %); filtered approximate search: recall@10 "
                    + "\(Format.decimal(measured.approximateRecall, places: 4)) in "
                    + "\(Format.decimal(measured.approximateSeconds * 1000, places: 3)) ms; scanning the kept vectors "
                    + "(exact): \(Format.decimal(measured.scanSeconds * 1000, places: 3)) ms; dense search "
                    + (measured.scansExactly ? "scans them" : "uses the approximate index"))
        }
        for (breadth, recall, seconds) in index.approximateRecall(
            queries: queries, limit: 10, breadths: approximate.breadthsToMeasure)
        {
            print(
                "  approximate recall@10 \(Format.decimal(recall, places: 4)) at --probes \(breadth), "
                    + "\(Format.decimal(seconds * 1000, places: 3)) ms a search"
                    + (breadth == approximate.defaultBreadth ? " (the default)" : ""))
        }
    }
}
