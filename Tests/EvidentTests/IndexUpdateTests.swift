import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct IndexUpdateTests {
    /// `documents` with every `step`-th one changed (a sentence added) or, offset by half a step, removed.
    static func edited(_ documents: [Document], changing: Int, removing: Int, step: Int) -> [Document] {
        var result: [Document] = []
        var changed = 0
        var removed = 0
        for (position, document) in documents.enumerated() {
            if position % step == step / 2, removed < removing {
                removed += 1
                continue
            }
            if position % step == 0, changed < changing {
                changed += 1
                var edited = document
                edited.source += " An added sentence about zanidatamab and tumour response."
                edited.bodyRange = edited.bodyRange.lowerBound..<edited.source.unicodeScalars.count
                result.append(edited)
                continue
            }
            result.append(document)
        }
        return result
    }

    /// Whether two top lists hold the same documents with the same scores (within 1e-5, relative). Documents of
    /// equal score may come in another order (a tie ranks the lower passage number first, and an updated index
    /// numbers its passages otherwise than a build), and of a tie at the end of the list each may keep other ones.
    static func sameRanking(_ left: [SearchResult], _ right: [SearchResult]) -> Bool {
        guard left.count == right.count else { return false }
        guard zip(left, right).allSatisfy({ abs($0.score - $1.score) <= 1e-5 * abs($1.score) }) else { return false }
        let last = right.last?.score
        func groups(_ results: [SearchResult]) -> [Double: Set<String>] {
            var groups: [Double: Set<String>] = [:]
            for (result, reference) in zip(results, right) where reference.score != last {
                groups[reference.score, default: []].insert(result.citation.document)
            }
            return groups
        }
        return groups(left) == groups(right)
    }

    /// Every query's top 10 as (document, start, score): the same passages of the same documents.
    static func topTen(_ retriever: Retriever, _ queries: [String], mode: SearchMode) throws -> [[String]] {
        try queries.map { query in
            try retriever.search(query, limit: 10, options: SearchOptions(mode: mode, exact: true)).map {
                "\($0.citation.document)@\($0.citation.start)"
            }
        }
    }

    static func scores(_ retriever: Retriever, _ queries: [String], mode: SearchMode) throws -> [[Double]] {
        try queries.map { query in
            try retriever.search(query, limit: 10, options: SearchOptions(mode: mode, exact: true)).map(\.score)
        }
    }

    /// SciFact built from 90 % of its abstracts, then updated with the other 10 %, 25 changed and 25 removed
    /// abstracts, ranks every train query's top 10 as a build of the final corpus does, with the same BM25 scores:
    /// document frequencies, the passage count and the average length are the live documents' across segments.
    @Test(.enabled(if: SharedData.sciFact != nil, Comment(rawValue: SharedData.missingMessage)))
    func anUpdatedIndexRanksAsARebuildOfTheSameCorpus() throws {
        let root = try #require(SharedData.sciFact)
        let all = try CorpusReader().read(at: root.appendingPathComponent("corpus.jsonl")).documents
        let base = all.enumerated().filter { $0.offset % 10 != 3 }.map(\.element)
        let final = Self.edited(all, changing: 25, removing: 25, step: 97)
        #expect(final.count == all.count - 25)
        let folder = try TemporaryFolder()
        let directory = folder.url.appendingPathComponent("scifact.index")
        try IndexBuilder().build(documents: base).write(to: directory, corpusPath: "scifact")
        let before = try EvidentIndex(contentsOf: directory)
        let plan = IndexUpdate.plan(before, documents: final)
        #expect(plan.added.count + plan.unchanged == final.count)
        #expect(plan.unchanged + plan.deleted.count == base.count)
        #expect(plan.changed > 0 && plan.changed <= 25)
        _ = try IndexUpdate.apply(
            plan, to: before, at: directory, embedder: nil, fingerprint: IndexBuilder.fingerprint(of: final))
        let updated = try EvidentIndex(contentsOf: directory)
        #expect(updated.segments.count == 2)
        #expect(updated.liveDocumentCount == final.count)
        #expect(updated.manifest.generation == 1)
        #expect(updated.manifest.formatVersion == IndexManifest.segmentedFormatVersion)
        // A second update with nothing new plans nothing.
        #expect(IndexUpdate.plan(updated, documents: final).isEmpty)

        let rebuilt = try EvidentIndex(build: IndexBuilder().build(documents: final))
        let queries = try QueryFile.read(at: root.appendingPathComponent("queries.jsonl")).map(\.text)
        let fromUpdate = Retriever(index: updated)
        let fromRebuild = Retriever(index: rebuilt)
        for scoring in [LexicalScoring.default, .bm25(BM25Parameters(k1: 1.2, b: 0.75))] {
            var differing = 0
            var firstDiffering: String?
            for query in queries {
                let options = SearchOptions(mode: .lexical, scoring: scoring)
                let left = try fromUpdate.search(query, limit: 10, options: options)
                let right = try fromRebuild.search(query, limit: 10, options: options)
                if !Self.sameRanking(left, right) {
                    differing += 1
                    firstDiffering = firstDiffering ?? query
                }
            }
            #expect(
                differing == 0,
                "\(differing) of \(queries.count) queries rank otherwise (\(scoring)), first \(firstDiffering ?? "")")
        }
        // Deleted documents are never returned, their old versions are not found by id, and filters see the update.
        let removed = Set(all.map(\.id)).subtracting(final.map(\.id))
        #expect(removed.count == 25)
        for id in removed { #expect(updated.documentIndex(withID: id) == nil) }
        let changedID = try #require(final.first { $0.source.hasSuffix("tumour response.") }?.id)
        let changed = try #require(updated.documentIndex(withID: changedID))
        #expect(changed >= updated.segments[1].documentOffset, "the live version is the new segment's")
        let results = try fromUpdate.search("zanidatamab", limit: 30)
        #expect(results.count == 25, "the 25 changed abstracts, and only their new versions")
        #expect(results.allSatisfy { !removed.contains($0.citation.document) })
        // Optimizing merges the segments into one index equal to the rebuild.
        _ = try IndexUpdate.optimize(updated, at: directory, embedder: nil)
        let optimized = try EvidentIndex(contentsOf: directory)
        #expect(optimized.isSingleSegment && optimized.liveDocumentCount == final.count)
        #expect(optimized.manifest.corpus.fingerprint == IndexBuilder.fingerprint(of: final))
        let sample = Array(queries.prefix(50))
        #expect(
            try Self.scores(Retriever(index: optimized), sample, mode: .lexical)
                .elementsEqual(Self.scores(fromRebuild, sample, mode: .lexical)) {
                    zip($0, $1).allSatisfy { abs($0 - $1) <= 1e-5 * abs($1) }
                })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!leftovers.contains("segments") && !leftovers.contains { $0.hasPrefix("deletions-") }, "\(leftovers)")
    }

    /// With a model: the new segment's passages and sentences are embedded (or reused), dense and hybrid search
    /// and grounding read every segment, and a filter keeps to the live documents it names.
    @Test(.enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
    func denseSearchAndGroundingReadEverySegment() throws {
        let documents = try #require(LexicalFixture.documents, "Corpus/ is missing")
        let embedder = try SentenceEmbedder(directory: #require(SharedData.miniLMModel))
        let base = Array(documents.dropLast(4))
        let final = Self.edited(documents, changing: 2, removing: 1, step: 11)
        let folder = try TemporaryFolder()
        let directory = folder.url.appendingPathComponent("demo.index")
        try IndexBuilder(approximateIndex: .hnsw).build(documents: base, embedder: embedder)
            .write(to: directory, corpusPath: "demo")
        let before = try EvidentIndex(contentsOf: directory)
        let plan = IndexUpdate.plan(before, documents: final)
        #expect(throws: IndexUpdateError.self) {
            try IndexUpdate.apply(plan, to: before, at: directory, embedder: nil, fingerprint: "")
        }
        let (segment, _) = try IndexUpdate.apply(
            plan, to: before, at: directory, embedder: embedder, fingerprint: IndexBuilder.fingerprint(of: final))
        let built = try #require(segment)
        #expect(built.passageCount > 0 && built.times.embeddedPassages > 0)
        let updated = try EvidentIndex(contentsOf: directory)
        #expect(updated.hasSentenceVectors && updated.segments[1].approximateIndex == nil)
        let rebuilt = try EvidentIndex(build: IndexBuilder().build(documents: final, embedder: embedder))
        let fromUpdate = try Retriever(index: updated, embedder: embedder)
        let fromRebuild = try Retriever(index: rebuilt, embedder: embedder)
        let queries = [
            "zanidatamab tumour response", "first-line treatment for pleural mesothelioma",
            "cytokine release syndrome after CAR T-cell therapy", "checkpoint inhibitor side effects",
        ]
        for mode in [SearchMode.dense, .hybrid, .lexical] {
            #expect(
                try Self.topTen(fromUpdate, queries, mode: mode) == Self.topTen(fromRebuild, queries, mode: mode),
                "\(mode)")
            let left = try Self.scores(fromUpdate, queries, mode: mode)
            let right = try Self.scores(fromRebuild, queries, mode: mode)
            #expect(left.elementsEqual(right) { zip($0, $1).allSatisfy { abs($0 - $1) <= 1e-4 } }, "\(mode)")
        }
        // The approximate index of the first segment is searched beside an exact scan of the new one.
        let approximate = try fromUpdate.search(queries[0], limit: 5, options: SearchOptions(mode: .dense))
        let exact = try fromUpdate.search(queries[0], limit: 5, options: SearchOptions(mode: .dense, exact: true))
        #expect(approximate.first?.citation.document == exact.first?.citation.document)
        // Grounding finds the changed documents' new sentence in the new segment, with its stored vector.
        let grounded = try Grounder(retriever: fromUpdate).ground(
            claims: [(id: nil, text: "An added sentence about zanidatamab and tumour response.")])
        let citation = try #require(grounded.first?.citations.first)
        let live = try #require(updated.documentIndex(withID: citation.document))
        #expect(live >= updated.segments[1].documentOffset)
        // Filters reach the new segment and skip deleted documents.
        let markdown = try updated.passages(matching: MetadataFilter(parsing: ["format=markdown"]))
        #expect(markdown.count < updated.livePassageCount && markdown.count > 0)
    }

    /// A segment at least `approximateIndexFrom` passages large gets the index's kind of approximate index, stored
    /// with its checksum and searched beside the first segment's; a smaller one gets none.
    @Test(
        .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)),
        arguments: [ApproximateIndexMethod.ivf, .hnsw])
    func aLargeEnoughSegmentGetsItsOwnApproximateIndex(method: ApproximateIndexMethod) throws {
        // A quarter of the demo corpus, half of it in the first build: embedding is what the test spends its time on.
        let documents = try Array(#require(LexicalFixture.documents, "Corpus/ is missing").prefix(8))
        let embedder = try SentenceEmbedder(directory: #require(SharedData.miniLMModel))
        let folder = try TemporaryFolder()
        let directory = folder.url.appendingPathComponent("demo.index")
        try IndexBuilder(approximateIndex: method).build(documents: Array(documents.prefix(4)), embedder: embedder)
            .write(to: directory, corpusPath: "demo")
        // A copy, to apply the same update with the default threshold below.
        let small = folder.url.appendingPathComponent("small.index")
        try FileManager.default.copyItem(at: directory, to: small)
        let before = try EvidentIndex(contentsOf: directory)
        let plan = IndexUpdate.plan(before, documents: documents)
        let (segment, manifest) = try IndexUpdate.apply(
            plan, to: before, at: directory, embedder: embedder, fingerprint: "", approximateIndexFrom: 8)
        let built = try #require(segment)
        #expect(built.passageCount >= 8)
        let file = method == .ivf ? IndexBuild.FileName.ivfVectors : IndexBuild.FileName.hnswVectors
        #expect(manifest.segments?.last?.files[file] != nil)
        let updated = try EvidentIndex(contentsOf: directory)
        switch (method, updated.segments[1].approximateIndex) {
        case (.ivf, .ivf?), (.hnsw, .hnsw?): break
        default: Issue.record("the segment's approximate index is \(String(describing: updated.segments[1]))")
        }
        // The approximate search of both segments finds what exact search finds.
        let retriever = try Retriever(index: updated, embedder: embedder)
        let queries = ["zanidatamab tumour response", "cytokine release syndrome after CAR T-cell therapy"]
        for query in queries {
            let approximate = try retriever.search(query, limit: 10, options: SearchOptions(mode: .dense))
            let exact = try retriever.search(query, limit: 10, options: SearchOptions(mode: .dense, exact: true))
            let found = Set(approximate.map(\.passageIndex)).intersection(exact.map(\.passageIndex)).count
            #expect(found >= 8, "\(query): \(found) of the exact top 10")
        }

        // The same update with the default threshold: a segment this small is scanned exactly.
        let smallBefore = try EvidentIndex(contentsOf: small)
        _ = try IndexUpdate.apply(
            IndexUpdate.plan(smallBefore, documents: documents), to: smallBefore, at: small, embedder: embedder,
            fingerprint: "")
        #expect(try EvidentIndex(contentsOf: small).segments[1].approximateIndex == nil)
    }
}
