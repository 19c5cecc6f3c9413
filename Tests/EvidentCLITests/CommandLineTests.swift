import ArgumentParser
import Evident
import Foundation
import Testing

@testable import EvidentCLI

@Suite struct CommandLineTests {
    @Test(
        "out-of-range options are refused before any work",
        arguments: [
            ["search", "index", "query", "--limit", "0"],
            ["search", "index", "   "],
            ["search", "index", "query", "--scoring", "tfidf", "--k1", "1.2"],
            ["search", "index", "query", "--b", "1.5"],
            ["search", "index", "query", "--threads", "0"],
            ["search", "index", "query", "--lexical-weight", "2"],
            ["index", "corpus", "--out", "index", "--lexical-only", "--reuse", "old"],
            ["index", "corpus", "--out", "index", "--passage-words", "5"],
            ["index", "corpus", "--out", "index", "--format", "docx"],
            ["eval", "index", "--queries", "q.jsonl", "--qrels", "q.tsv", "--depth", "5"],
            ["eval", "index", "--queries", "q.jsonl", "--qrels", "q.tsv", "--depth", "99"],
            ["eval", "index", "--queries", "q.jsonl", "--qrels", "q.tsv", "--depth", "9223372036854775807"],
            ["eval", "index", "--queries", "q.jsonl"],
        ])
    func invalidArgumentsAreRefused(arguments: [String]) {
        #expect(throws: (any Error).self) { try EvidentCommand.parseAsRoot(arguments) }
    }

    @Test func searchDefaultsToTenResultsAndTheIndexScoring() throws {
        let command = try #require(try EvidentCommand.parseAsRoot(["search", "idx", "vitamin D"]) as? SearchCommand)
        #expect(command.limit == 10)
        #expect(!command.json)
        let indexDefault = LexicalScoring.bm25(BM25Parameters(k1: 1.2, b: 0.75))
        #expect(command.scoringOptions.scoring(default: indexDefault) == indexDefault)
    }

    @Test func retrievalOptionsBecomeSearchOptions() throws {
        let command = try #require(
            try EvidentCommand.parseAsRoot([
                "search", "idx", "q", "--mode", "dense", "--int8", "--threads", "2", "--fusion", "weighted",
                "--lexical-weight", "0.3",
            ]) as? SearchCommand)
        let options = command.retrievalOptions.searchOptions(scoring: nil)
        #expect(options.mode == .dense)
        #expect(options.usesQuantizedVectors)
        #expect(options.threadCount == 2)
        #expect(options.fusion == .weighted(lexicalWeight: 0.3))
        let defaults = try #require(try EvidentCommand.parseAsRoot(["search", "idx", "q"]) as? SearchCommand)
        #expect(defaults.retrievalOptions.searchOptions(scoring: nil) == SearchOptions())
        let approximate = try #require(
            try EvidentCommand.parseAsRoot(["search", "idx", "q", "--probes", "12"]) as? SearchCommand)
        #expect(approximate.retrievalOptions.searchOptions(scoring: nil).probes == 12)
        let exact = try #require(try EvidentCommand.parseAsRoot(["search", "idx", "q", "--exact"]) as? SearchCommand)
        #expect(exact.retrievalOptions.searchOptions(scoring: nil).exact)
        #expect(throws: (any Error).self) { try EvidentCommand.parseAsRoot(["search", "idx", "q", "--probes", "0"]) }
    }

    @Test func filtersReachSearchAskGroundAndEvalAndBadOnesAreRefusedBeforeAnyWork() throws {
        let search = try #require(
            try EvidentCommand.parseAsRoot(["search", "idx", "q", "--filter", "year>=2020", "--filter", "mesh=a,b"])
                as? SearchCommand)
        #expect(
            search.filterOptions.filter
                == MetadataFilter([
                    .init(key: "year", .greaterOrEqual, ["2020"]), .init(key: "mesh", .equal, ["a", "b"]),
                ]))
        let plain = try #require(try EvidentCommand.parseAsRoot(["search", "idx", "q"]) as? SearchCommand)
        #expect(plain.filterOptions.filter == nil)
        let ask = try #require(
            try EvidentCommand.parseAsRoot(["ask", "idx", "q?", "--filter", "format=pdf"]) as? AskCommand)
        #expect(ask.filterOptions.filter?.conditions.first?.key == "format")
        #expect(try EvidentCommand.parseAsRoot(["ground", "idx", "--filter", "year<2000"]) is GroundCommand)
        #expect(
            try EvidentCommand.parseAsRoot(["eval", "idx", "--queries", "q", "--qrels", "r", "--filter", "a!=b"])
                is EvalCommand)
        for bad in ["year", "year>=1,2", "=x", "year=<2020"] {
            #expect(throws: (any Error).self, "\(bad)") {
                try EvidentCommand.parseAsRoot(["search", "idx", "q", "--filter", bad])
            }
        }
        // Filters the index cannot apply are worded for the command line.
        let unknown = MetadataFilterError.unknownKey("colour", available: ["format", "year"])
        #expect("\(Advice.worded(unknown))" == "--filter: \(unknown)")
    }

    @Test func bm25OptionsOverrideOnlyWhatTheyName() throws {
        let command = try #require(
            try EvidentCommand.parseAsRoot(["search", "idx", "q", "--k1", "1.5"]) as? SearchCommand)
        let scoring = command.scoringOptions.scoring(default: .bm25(BM25Parameters(k1: 0.9, b: 0.3)))
        #expect(scoring == .bm25(BM25Parameters(k1: 1.5, b: 0.3)))
        let tfidf = try #require(
            try EvidentCommand.parseAsRoot(["search", "idx", "q", "--scoring", "tfidf"]) as? SearchCommand)
        #expect(tfidf.scoringOptions.scoring(default: .default) == .tfidf)
    }

    @Test func indexOptionsBecomeTheIndexConfiguration() throws {
        let command = try #require(
            try EvidentCommand.parseAsRoot([
                "index", "Corpus", "--out", "x", "--exclude", "answers", "--exclude", "drafts/", "--format", "text",
                "--passage-words", "80", "--no-titles",
            ]) as? IndexCommand)
        #expect(command.exclude == ["answers", "drafts/"])
        #expect(command.format == .text)
        #expect(command.passageWords == 80)
        #expect(command.noTitles && !command.noSections)
        #expect(command.ann == .none)
        let ivf = try #require(
            try EvidentCommand.parseAsRoot(["index", "Corpus", "--out", "x", "--ann", "ivf"]) as? IndexCommand)
        #expect(ivf.ann.method == .ivf)
        let hnsw = try #require(
            try EvidentCommand.parseAsRoot(["index", "Corpus", "--out", "x", "--ann", "hnsw"]) as? IndexCommand)
        #expect(hnsw.ann.method == .hnsw)
        #expect(command.ann.method == .exactOnly)
        #expect(throws: (any Error).self) {
            try EvidentCommand.parseAsRoot(["index", "Corpus", "--out", "x", "--ann", "annoy"])
        }
    }

    @Test func anIndexKeptByIfChangedStillReportsItsBuildTimeAndRate() throws {
        let documents = [
            Document(
                id: "a.md", title: "A", source: "Nivolumab is a first-line option. It helps some patients.",
                format: .text)
        ]
        var manifest = IndexBuilder().build(documents: documents).manifest(corpusPath: "c", skipped: 0)
        manifest.build?.seconds = 302
        manifest.corpus.passages = 36_957
        #expect(IndexCommand.buildSummary(manifest) == ", in 302.00 s, 122 passages/s")
        manifest.build = nil
        #expect(IndexCommand.buildSummary(manifest) == "")
    }

    @Test func openingSomethingThatIsNotAnIndexSaysSoAndHowToFixIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("not-an-index-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // The engine states the fact; the command words the advice where it ends (`Advice`).
        let fact = try #require(throws: StorageError.self) { try openIndex(folder.path) }
        let error = Advice.worded(fact) as? CommandFailure
        #expect(error?.description.contains("not an Evident index") == true)
        #expect(error?.description.contains("evident index") == true)
    }

    @Test func formatsCountsSizesAndDurationsForPeople() {
        #expect(Format.count(1_234_567) == "1,234,567")
        #expect(Format.count(999) == "999")
        #expect(Format.counted(1, "document") == "1 document")
        #expect(Format.counted(1_433, "document") == "1,433 documents")
        #expect(Format.bytes(999) == "999 B")
        #expect(Format.bytes(49_300_000) == "49.3 MB")
        #expect(Format.seconds(0.0465) == "47 ms")  // rounds half up
        #expect(Format.seconds(4.6) == "4.60 s")
        #expect(Format.decimal(0.69582, places: 4) == "0.6958")
    }
}
