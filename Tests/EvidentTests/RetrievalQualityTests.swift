import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// End-to-end quality on real data: read, chunk, analyze, index, search, evaluate.
@Suite(.offThePool) struct RetrievalQualityTests {
    /// nDCG@10 of bm25s (method "lucene", k1 0.9, b 0.4, English stopwords, PyStemmer) on the 809 SciFact training
    /// claims, as measured by `Scripts/compare-bm25s.sh`.
    static let bm25sReference = 0.6945

    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func bm25OnSciFactMatchesTheLuceneReferenceWithinOneHundredth() throws {
        let sciFact = try #require(SharedData.sciFact)
        let documents = try CorpusReader().read(at: sciFact).documents
        #expect(documents.count == 5_183)
        let index = try EvidentIndex(build: IndexBuilder().build(documents: documents))
        #expect(index.passageCount == 5_183)  // a BEIR document is one passage
        let run = try Retriever(index: index).evaluate(
            queries: QueryFile.read(at: sciFact.appendingPathComponent("queries.jsonl")),
            judgments: RelevanceJudgments.read(at: sciFact.appendingPathComponent("qrels/train.tsv")))
        #expect(run.evaluation.queries == 809)
        #expect(abs(run.evaluation.ndcgAt10 - Self.bm25sReference) <= 0.01, "nDCG@10 \(run.evaluation.ndcgAt10)")
        #expect(run.evaluation.recallAt100 > 0.9)
        // BEIR drops a hit whose id is the query's own.
        for (queryID, ranking) in run.rankings { #expect(!ranking.contains { $0.document == queryID }) }
    }

    @Test func theDemoCorpusIndexesAndFindsItsMesotheliomaImmunotherapyPage() throws {
        let reader = CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answers"]))
        let read = try reader.read(at: SharedData.demoCorpus)
        #expect(read.documents.count >= 20 && read.documents.count <= 30)
        #expect(!read.documents.contains { $0.id.hasPrefix("answers/") })
        let index = try EvidentIndex(build: IndexBuilder().build(documents: read.documents))
        let results = try Retriever(index: index).search("nivolumab ipilimumab first-line pleural", limit: 3)
        let top = try #require(results.first)
        #expect(top.citation.document == "mesothelioma/first-line-immunotherapy-nivolumab-ipilimumab.md")
        #expect(Set(top.matchedTerms).isSuperset(of: ["nivolumab", "ipilimumab"]))
        #expect(top.citation.url?.hasPrefix("https://www.cancer.gov/") == true)
    }
}
