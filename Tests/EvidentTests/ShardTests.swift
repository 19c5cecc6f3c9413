import EvidentStorage
import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// A corpus split into shards by document id, each shard an index of its own, scored with the statistics of all of
/// them: what a sharded index built on several machines searches.
struct ShardTests {
    @Test func theSplitIsAStableHashOfTheDocumentID() throws {
        // FNV-1a 64 of the UTF-8 bytes, computed independently (Python) for these ids.
        #expect(CorpusShard.number(ofDocumentID: "4983", count: 3) == 1)
        #expect(CorpusShard.number(ofDocumentID: "4983", count: 7) == 7)
        #expect(CorpusShard.number(ofDocumentID: "guidelines/nivolumab.md", count: 7) == 5)
        #expect(CorpusShard.number(ofDocumentID: "é", count: 3) == 2)
        #expect(CorpusShard(parsing: "2/3") == CorpusShard(number: 2, of: 3))
        #expect(CorpusShard(parsing: "2/3")?.description == "2/3")
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2", "1/2/3", ""] { #expect(CorpusShard(parsing: bad) == nil) }
        // Every document lands in exactly one shard.
        let ids = (0..<1000).map { "doc-\($0)" }
        let shards = (1...3).map { CorpusShard(number: $0, of: 3)! }
        #expect(ids.allSatisfy { id in shards.filter { $0.contains(documentID: id) }.count == 1 })
        #expect(shards.allSatisfy { shard in ids.filter(shard.contains).count > 250 })
    }

    /// SciFact in 3 shards scored with the merged statistics: every train query's top 10, merged by score over the
    /// shards, holds the documents and BM25 scores of one index of the whole corpus.
    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func threeShardsWithCollectionStatisticsRankAsOneIndex() throws {
        let root = try #require(SharedData.sciFact)
        let documents = try CorpusReader().read(at: root.appendingPathComponent("corpus.jsonl")).documents
        let folder = try TemporaryFolder()
        var shards: [EvidentIndex] = []
        for number in 1...3 {
            let shard = try #require(CorpusShard(number: number, of: 3))
            let directory = folder.url.appendingPathComponent("shard-\(number)")
            try IndexBuilder().build(documents: documents.filter { shard.contains(documentID: $0.id) })
                .write(to: directory, corpusPath: "scifact", shard: shard)
            shards.append(try EvidentIndex(contentsOf: directory))
        }
        #expect(shards.map(\.liveDocumentCount).reduce(0, +) == documents.count)
        let statistics = try CollectionStatistics.merging(shards.map { try CollectionStatistics(of: $0) })
        // Written and read back.
        let file = folder.url.appendingPathComponent(CollectionStatistics.fileName)
        try statistics.write(to: file)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted()
                == [CollectionStatistics.fileName, "shard-1", "shard-2", "shard-3"])
        let read = try CollectionStatistics(contentsOf: file)
        #expect(read == statistics)
        let scored = try shards.map { Retriever(index: try $0.scoring(with: read)) }
        let whole = Retriever(index: try EvidentIndex(build: IndexBuilder().build(documents: documents)))
        #expect(read.scoredPassageCount == whole.index.scoredPassageCount)

        let queries = try QueryFile.read(at: root.appendingPathComponent("queries.jsonl")).map(\.text)
        let options = SearchOptions(mode: .lexical)
        var differing: [String] = []
        var alone = 0
        for query in queries {
            let merged = try scored.flatMap { try $0.search(query, limit: 10, options: options) }
                .sorted { $0.score > $1.score }.prefix(10)
            let expected = try whole.search(query, limit: 10, options: options)
            if !IndexUpdateTests.sameRanking(Array(merged), expected) { differing.append(query) }
            // Without the statistics a shard scores with its own, which differ.
            let own = try Retriever(index: shards[0]).search(query, limit: 1, options: options).first
            let shared = try scored[0].search(query, limit: 1, options: options).first
            if let own, let shared, abs(own.score - shared.score) > 1e-6 { alone += 1 }
        }
        #expect(
            differing.isEmpty, "\(differing.count) of \(queries.count) rank otherwise, first \(differing.first ?? "")")
        #expect(alone > queries.count / 2, "the statistics change the scores of \(alone) of \(queries.count) queries")
    }

    /// A line repeated across the corpus is boilerplate in every shard, though a shard holds too few of the
    /// documents that repeat it to find it so itself: each shard leaves out what one index of the corpus leaves out.
    @Test func everyShardLeavesOutTheLinesRepeatedAcrossTheWholeCorpus() throws {
        let folder = try TemporaryFolder()
        let footer = "Questions about this page go to the editorial board of the journal."
        // Twelve documents, four of which carry the footer: 4 of 12 is enough for the corpus, but a shard of a
        // third holds about one or two of them, too few to count as repeated on its own.
        for number in 1...12 {
            var text =
                "# Topic \(number)\n\nMesothelioma study number \(number) reports its own finding \(number * 7).\n"
            if number % 3 == 0 { text += "\n\(footer)\n" }
            try folder.write(text, to: "corpus/doc-\(number).md")
        }
        // Some shard holds one or two of the footer's documents: it would keep the footer, left to itself.
        let footerShards = [3, 6, 9, 12].map { CorpusShard.number(ofDocumentID: "doc-\($0).md", count: 3) }
        #expect((1...3).contains { shard in (1...2).contains(footerShards.count { $0 == shard }) }, "\(footerShards)")
        let corpus = folder.url.appendingPathComponent("corpus")
        _ = try IndexingJob(corpus: corpus, output: folder.url.appendingPathComponent("whole")).run()
        let expected = try #require(
            try EvidentIndex(contentsOf: folder.url.appendingPathComponent("whole")).repeatedLines)
        #expect(expected.contains(Boilerplate.normalizedLine(footer)), "\(expected)")
        var passages = 0
        for number in 1...3 {
            var job = IndexingJob(corpus: corpus, output: folder.url.appendingPathComponent("shard-\(number)"))
            job.shard = CorpusShard(number: number, of: 3)
            _ = try job.run()
            let shard = try EvidentIndex(contentsOf: folder.url.appendingPathComponent("shard-\(number)"))
            #expect(shard.repeatedLines == expected, "shard \(number)")
            passages += shard.passageCount
            for position in 0..<shard.passageCount {
                #expect(!(try shard.passageRecord(at: position).passage.text.contains("editorial board")))
            }
        }
        #expect(passages == (try EvidentIndex(contentsOf: folder.url.appendingPathComponent("whole")).passageCount))
    }

    @Test func statisticsAreRefusedByAShardTheyDoNotCount() throws {
        let documents = try #require(LexicalFixture.documents, "Corpus/ is missing")
        let folder = try TemporaryFolder()
        func build(_ shard: CorpusShard, _ documents: [Document], name: String) throws -> EvidentIndex {
            let directory = folder.url.appendingPathComponent(name)
            try IndexBuilder().build(documents: documents.filter { shard.contains(documentID: $0.id) })
                .write(to: directory, corpusPath: "demo", replacing: true, shard: shard)
            return try EvidentIndex(contentsOf: directory)
        }
        let halves = try (1...2).map { try build(CorpusShard(number: $0, of: 2)!, documents, name: "half-\($0)") }
        let statistics = try CollectionStatistics.merging(halves.map { try CollectionStatistics(of: $0) })
        #expect(throws: Never.self) { try halves[1].scoring(with: statistics) }
        // Incomplete, repeated or mixed splits are not merged.
        #expect(throws: CollectionStatisticsError.incomplete(count: 2, missing: [2])) {
            try CollectionStatistics.merging([CollectionStatistics(of: halves[0])])
        }
        #expect(throws: CollectionStatisticsError.repeatedShard(CorpusShard(number: 1, of: 2)!)) {
            try CollectionStatistics.merging([CollectionStatistics(of: halves[0]), CollectionStatistics(of: halves[0])])
        }
        let third = try build(CorpusShard(number: 3, of: 3)!, documents, name: "third")
        #expect(throws: CollectionStatisticsError.self) {
            try CollectionStatistics.merging([CollectionStatistics(of: halves[0]), CollectionStatistics(of: third)])
        }
        // A shard of another split, and a shard rebuilt from other documents since, refuse the statistics.
        #expect(throws: CollectionStatisticsError.self) { try third.scoring(with: statistics) }
        let rebuilt = try build(CorpusShard(number: 1, of: 2)!, Array(documents.dropLast(3)), name: "half-1")
        #expect(throws: CollectionStatisticsError.self) { try rebuilt.scoring(with: statistics) }
        // A whole-corpus index is no shard.
        let whole = try EvidentIndex(build: IndexBuilder().build(documents: documents))
        #expect(throws: CollectionStatisticsError.self) { try CollectionStatistics(of: whole) }
        // A damaged file is refused, naming it.
        var bytes = statistics.encoded()
        bytes[bytes.count / 2] ^= 0x5A
        #expect {
            try CollectionStatistics(bytes, path: "store/collection-statistics.bin")
        } throws: { error in
            (error as? StorageError)?.description.contains("store/collection-statistics.bin") == true
        }
    }
}
