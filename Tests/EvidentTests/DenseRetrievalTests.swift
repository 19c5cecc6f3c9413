import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

/// The index built with a model: vectors stored beside the lexical index, dense and hybrid search, model checks.
@Suite(.offThePool, .enabled(if: SharedData.miniLMModel != nil, Comment(rawValue: SharedData.missingModelMessage)))
struct DenseRetrievalTests {
    /// A few documents of the demo corpus, small enough to embed quickly in a debug build.
    static func documents() throws -> [Document] {
        let read = try CorpusReader(configuration: CorpusReaderConfiguration(excludedPaths: ["answers"]))
            .read(at: SharedData.demoCorpus)
        let wanted = [
            "cell-therapy/car-t-how-it-works.md", "mesothelioma/radiation-therapy.md",
            "immunotherapy/cancer-treatment-vaccines.md",
        ]
        return read.documents.filter { wanted.contains($0.id) }
    }

    static func embedder() throws -> SentenceEmbedder {
        try SentenceEmbedder(directory: #require(SharedData.miniLMModel))
    }

    @Test func vectorsAreStoredForEveryPassageAndReadBackAligned() throws {
        let embedder = try Self.embedder()
        let documents = try Self.documents()
        #expect(documents.count == 3)
        let build = IndexBuilder().build(documents: documents, embedder: embedder)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dense-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try build.write(to: directory, corpusPath: "demo")
        let index = try EvidentIndex(contentsOf: directory)
        let vectors = try #require(index.vectors)
        #expect(vectors.count == index.passageCount)
        #expect(index.configuration.embedding?.modelID == "all-MiniLM-L6-v2")
        // Row i is the embedding of passage i's indexed text, after the round trip through the file.
        for passageIndex in [0, index.passageCount / 2, index.passageCount - 1] {
            let (passage, documentIndex) = try index.passageRecord(at: passageIndex)
            let title = index.documentHeader(at: documentIndex).title
            let expected = embedder.embed([index.configuration.indexedText(of: passage, in: title)])[0]
            let stored = vectors.vector(at: passageIndex)
            #expect(zip(expected, stored).allSatisfy { abs($0 - $1) < 1e-5 }, "passage \(passageIndex)")
        }
        // Every passage's sentences, as grounding splits them, have their vectors, in order.
        let sentenceVectors = try #require(index.sentenceVectors)
        #expect(sentenceVectors.passageCount == index.passageCount)
        var sentenceCount = 0
        for documentIndex in 0..<index.documentCount {
            let splitter = PassageSentenceSplitter(document: try index.document(at: documentIndex))
            for passageIndex in index.passageIndices(ofDocument: documentIndex) {
                let sentences = splitter.sentences(of: try index.passage(at: passageIndex))
                let rows = sentenceVectors.rows(ofPassage: passageIndex)
                #expect(rows.count == sentences.count, "passage \(passageIndex)")
                sentenceCount += sentences.count
                guard passageIndex % 7 == 0, let sentence = sentences.first else { continue }
                let row = rows.lowerBound
                let expected = embedder.embed([sentence.text])[0]
                #expect(Kernels.dotProduct(sentenceVectors.vector(row: row), expected) > 0.999, "\(sentence.text)")
                #expect(abs(Kernels.dotProduct(sentenceVectors.vector(row: row), expected) - 1) < 0.002)
            }
        }
        #expect(sentenceVectors.count == sentenceCount)
        #expect(sentenceCount > index.passageCount)
    }

    @Test func denseAndHybridSearchFindTheTopicOfAParaphrase() throws {
        let embedder = try Self.embedder()
        let index = try EvidentIndex(build: IndexBuilder().build(documents: Self.documents(), embedder: embedder))
        let retriever = try Retriever(index: index, embedder: embedder)
        // A paraphrase of how CAR T cells are made and given, in words the page mostly does not use.
        let query = "genetically modified white blood cells returned into the bloodstream"
        let dense = try retriever.search(query, limit: 3, options: SearchOptions(mode: .dense))
        #expect(dense.first?.citation.document == "cell-therapy/car-t-how-it-works.md")
        #expect(dense.allSatisfy { $0.score > -1 && $0.score <= 1 })
        let int8 = try retriever.search(
            query, limit: 3, options: SearchOptions(mode: .dense, usesQuantizedVectors: true))
        #expect(int8.map(\.passageIndex) == dense.map(\.passageIndex))
        let hybrid = try retriever.search(query, limit: 3, options: SearchOptions())
        #expect(try retriever.mode(for: SearchOptions()) == .hybrid)
        #expect(hybrid.first?.citation.document == "cell-therapy/car-t-how-it-works.md")
    }

    @Test func aBatchOfSearchesGivesEachSearchItsOwnResults() throws {
        let embedder = try Self.embedder()
        let index = try EvidentIndex(build: IndexBuilder().build(documents: Self.documents(), embedder: embedder))
        let retriever = try Retriever(index: index, embedder: embedder)
        let queries: [Retriever.BatchQuery] = [
            .init("genetically modified white blood cells", limit: 3, options: SearchOptions(mode: .dense)),
            .init("radiation therapy for mesothelioma", limit: 5, options: SearchOptions(mode: .lexical)),
            .init("how are cancer vaccines made", limit: 2, options: SearchOptions()),
            .init("side effects of CAR T", limit: 7, options: SearchOptions(mode: .hybrid, fusionDepth: 20)),
            .init("tumor antigens", limit: 4, options: SearchOptions(mode: .dense, usesQuantizedVectors: true)),
            .init("genetically modified white blood cells", limit: 1, options: SearchOptions(mode: .dense)),
            .init("a query no passage matches xyzzy", limit: 3, options: SearchOptions(mode: .lexical)),
        ]
        let batch = try retriever.search(batch: queries)
        #expect(batch.count == queries.count)
        for (query, results) in zip(queries, batch) {
            let alone = try retriever.search(query.query, limit: query.limit, options: query.options)
            #expect(results.map(\.passageIndex) == alone.map(\.passageIndex), "\(query.query)")
            #expect(results.map(\.rank) == alone.map(\.rank))
            #expect(results.map(\.citation) == alone.map(\.citation))
            for (batched, lone) in zip(results, alone) {
                #expect(abs(batched.score - lone.score) < 1e-5, "\(query.query): \(batched.score) vs \(lone.score)")
            }
        }
        #expect(batch[6].isEmpty)
        #expect(try retriever.search(batch: []).isEmpty)
        // A lexical retriever runs lexical batches and refuses the others before searching.
        let lexical = Retriever(index: index)
        #expect(try lexical.search(batch: [queries[1]])[0].map(\.passageIndex) == batch[1].map(\.passageIndex))
        #expect(throws: RetrievalError.self) { try lexical.search(batch: [queries[1], queries[0]]) }
    }

    @Test(arguments: [ApproximateIndexMethod.ivf, .hnsw])
    func anIndexWithAnApproximateIndexSearchesItUnlessAskedForExactSearch(method: ApproximateIndexMethod) throws {
        let embedder = try Self.embedder()
        let build = IndexBuilder(approximateIndex: method).build(documents: try Self.documents(), embedder: embedder)
        #expect(build.times.approximateIndexSeconds > 0)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ann-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try build.write(to: directory, corpusPath: "demo")
        let index = try EvidentIndex(contentsOf: directory)
        #expect(index.configuration.embedding?.approximateIndex == method)
        let approximate = try #require(index.approximateIndex)
        // The widest search: every list of the IVF, every node of the graph in view.
        let widest: Int
        switch approximate {
        case .ivf(let ivf):
            #expect(method == .ivf && ivf.listCount == IVFVectorIndex.defaultListCount(for: index.passageCount))
            widest = ivf.listCount
        case .hnsw(let graph):
            #expect(method == .hnsw && graph.count == index.passageCount)
            widest = index.passageCount
        }
        let retriever = try Retriever(index: index, embedder: embedder)
        let queries = [
            "genetically modified white blood cells returned into the bloodstream", "radiation for mesothelioma",
            "how are cancer vaccines made", "tumor antigens",
        ]
        for query in queries {
            let exact = try retriever.search(query, limit: 10, options: SearchOptions(mode: .dense, exact: true))
            #expect(
                exact.map(\.passageIndex) == (index.vectors?.search(embedder.embed([query])[0], limit: 10).map(\.index))
            )
            // The widest search finds what exact search finds; narrower ones find fewer, never other scores.
            let everyList = try retriever.search(
                query, limit: 10, options: SearchOptions(mode: .dense, probes: widest))
            #expect(everyList.map(\.passageIndex) == exact.map(\.passageIndex), "\(query)")
            let oneList = try retriever.search(query, limit: 10, options: SearchOptions(mode: .dense, probes: 1))
            let exactScores = Dictionary(uniqueKeysWithValues: exact.map { ($0.passageIndex, $0.score) })
            for result in oneList where exactScores[result.passageIndex] != nil {
                #expect(abs(result.score - exactScores[result.passageIndex]!) < 1e-6)
            }
            // The batch path takes the same road as a single search, beside a deeper search of the same query.
            let batched = try retriever.search(batch: [
                .init(query, limit: 10, options: SearchOptions(mode: .dense, probes: 1)),
                .init(query, limit: 40, options: SearchOptions(mode: .dense, probes: 1)),
            ])
            #expect(batched[0].map(\.passageIndex) == oneList.map(\.passageIndex))
            let deeper = try retriever.search(query, limit: 40, options: SearchOptions(mode: .dense, probes: 1))
            #expect(batched[1].map(\.passageIndex) == deeper.map(\.passageIndex))
        }
        // An index without one records none and keeps its manifest as before (no key).
        let plain = IndexBuilder().build(documents: try Self.documents(), embedder: embedder)
        let manifest = try JSONEncoder().encode(plain.configuration)
        #expect(!String(decoding: manifest, as: UTF8.self).contains("approximateIndex"))
    }

    @Test func rebuildingReusesTheVectorsOfUnchangedPassagesAndEmbedsTheRest() throws {
        let embedder = try Self.embedder()
        var documents = try Self.documents()
        let first = try EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
        // Edit one sentence of one document: only the passages holding it need new vectors.
        let edited = try #require(documents.firstIndex { $0.id == "mesothelioma/radiation-therapy.md" })
        let source = documents[edited].source
        let sentenceEnd = try #require(
            source.range(of: ". ", range: source.index(source.startIndex, offsetBy: 700)..<source.endIndex))
        documents[edited].source = source.replacingCharacters(in: sentenceEnd, with: ", as studies showed. ")
        documents[edited].bodyRange =
            documents[edited].bodyRange.lowerBound..<documents[edited].source.unicodeScalars.count
        let rebuilt = IndexBuilder().build(documents: documents, embedder: embedder, reusing: first)
        let fresh = try EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: embedder))
        let reused = try EvidentIndex(build: rebuilt)
        #expect(rebuilt.reusedEmbeddings > 0)
        #expect(rebuilt.reusedEmbeddings < reused.passageCount)
        let freshVectors = try #require(fresh.vectors)
        let reusedVectors = try #require(reused.vectors)
        #expect(reused.passageCount == fresh.passageCount)
        for passage in 0..<fresh.passageCount {
            let difference =
                zip(freshVectors.vector(at: passage), reusedVectors.vector(at: passage))
                .map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-5, "passage \(passage)")
        }
        // Sentence vectors are reused too (quantized once more, to the same codes).
        let freshSentences = try #require(fresh.sentenceVectors)
        let reusedSentences = try #require(reused.sentenceVectors)
        #expect(freshSentences.count == reusedSentences.count)
        for row in 0..<freshSentences.count {
            let difference =
                zip(freshSentences.vector(row: row), reusedSentences.vector(row: row)).map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-6, "sentence \(row)")
        }
        // Another model's index (here: none) is not reused.
        let lexical = try EvidentIndex(build: IndexBuilder().build(documents: documents))
        #expect(IndexBuilder().build(documents: documents, embedder: embedder, reusing: lexical).reusedEmbeddings == 0)
    }

    @Test(.enabled(if: EncoderPrecision.bf16.isAvailable, "the processor has no AVX-512 BF16"))
    func vectorsAreReusedOnlyAtTheSamePrecisionAndQueriesStayFP32() throws {
        let model = try #require(SharedData.miniLMModel)
        let fp32 = try Self.embedder()
        let bf16 = try SentenceEmbedder(directory: model, precision: .bf16)
        let documents = try Self.documents()
        let built = IndexBuilder().build(documents: documents, embedder: bf16)
        let index = try EvidentIndex(build: built)
        #expect(index.configuration.embedding?.precision == .bf16)
        // fp32 vectors are not bf16 vectors: none is reused across precisions, all are at the same one.
        let fromFP32 = try EvidentIndex(build: IndexBuilder().build(documents: documents, embedder: fp32))
        #expect(fromFP32.configuration.embedding?.precision == .fp32)
        #expect(IndexBuilder().build(documents: documents, embedder: bf16, reusing: fromFP32).reusedEmbeddings == 0)
        #expect(
            IndexBuilder().build(documents: documents, embedder: bf16, reusing: index).reusedEmbeddings
                == index.passageCount)
        // The manifest says so on disk, and an index that does not say is fp32.
        let folder = try TemporaryFolder()
        let directory = folder.url.appendingPathComponent("bf16.index")
        try built.write(to: directory, corpusPath: "memory")
        let reopened = try EvidentIndex(contentsOf: directory)
        #expect(reopened.configuration.embedding?.precision == .bf16)
        let old = try JSONDecoder().decode(
            EmbeddingSettings.self, from: Data(#"{"modelID":"m","fingerprint":"f","dimension":384}"#.utf8))
        #expect(old.precision == .fp32)
        // Queries are embedded in fp32 whatever the passages were: an fp32 embedder searches the bf16 index.
        let results = try Retriever(index: index, embedder: fp32).search(
            "radiation for chest wall pain", limit: 3, options: SearchOptions(mode: .dense))
        #expect(results.count == 3)
    }

    @Test func pooledSentenceVectorsNeedNoSecondPassAndAreReusedOnlyFromAPooledIndex() throws {
        let embedder = try Self.embedder()
        let documents = try Self.documents()
        let encodedBuild = IndexBuilder().build(documents: documents, embedder: embedder)
        let pooledBuild = IndexBuilder(sentenceVectors: .pooled).build(documents: documents, embedder: embedder)
        let encoded = try EvidentIndex(build: encodedBuild)
        let pooled = try EvidentIndex(build: pooledBuild)
        #expect(pooled.configuration.embedding?.sentenceVectors == .pooled)
        #expect(encoded.configuration.embedding?.sentenceVectors == .encoded)
        // Nearly every distinct sentence is pooled; the passage vectors are the same either way (to float rounding:
        // OpenBLAS's thread count is one setting for the whole process, which other tests running beside this one
        // change, and its matrix products split their sums differently with another count).
        #expect(pooledBuild.times.pooledSentences > pooledBuild.distinctSentences * 9 / 10)
        #expect(
            pooledBuild.times.embeddedSentences == pooledBuild.distinctSentences - pooledBuild.times.pooledSentences)
        #expect(encodedBuild.times.pooledSentences == 0)
        let encodedPassages = try #require(encoded.vectors)
        let pooledPassages = try #require(pooled.vectors)
        for passage in 0..<encoded.passageCount {
            let difference =
                zip(encodedPassages.vector(at: passage), pooledPassages.vector(at: passage))
                .map { abs($0 - $1) }.max() ?? 0
            #expect(difference < 1e-5, "passage \(passage) differs by \(difference)")
        }
        // A pooled sentence vector keeps its sentence's subject but carries its passage's context: measured on these
        // pages, its cosine to the sentence encoded alone is 0.41 at worst, and 56 of 72 are nearest their own
        // sentence (the context pulls the rest towards their neighbours). That is why `encoded` is the default.
        let encodedSentences = try #require(encoded.sentenceVectors)
        let pooledSentences = try #require(pooled.sentenceVectors)
        #expect(encodedSentences.count == pooledSentences.count)
        var nearest = 0
        for row in 0..<pooledSentences.count {
            let vector = pooledSentences.vector(row: row)
            let own = Kernels.dotProduct(vector, encodedSentences.vector(row: row))
            #expect(own > 0.3, "sentence \(row): \(own)")
            let others = (0..<encodedSentences.count).filter { $0 != row }
                .map { Kernels.dotProduct(vector, encodedSentences.vector(row: $0)) }
            if others.allSatisfy({ $0 < own }) { nearest += 1 }
        }
        #expect(nearest * 10 > pooledSentences.count * 7, "\(nearest) of \(pooledSentences.count) nearest their own")
        // Sentence vectors are reused only from an index that pooled them too: from an encoded index, every
        // passage is encoded again to pool its sentences, as a fresh build does.
        let fromEncoded = IndexBuilder(sentenceVectors: .pooled).build(
            documents: documents, embedder: embedder, reusing: encoded)
        #expect(fromEncoded.reusedEmbeddings == 0)
        #expect(fromEncoded.times.pooledSentences == pooledBuild.times.pooledSentences)
        let fromPooled = IndexBuilder(sentenceVectors: .pooled).build(
            documents: documents, embedder: embedder, reusing: pooled)
        #expect(fromPooled.reusedEmbeddings == pooled.passageCount)
        #expect(fromPooled.times.embeddedSentences == 0)
        #expect(fromPooled.times.pooledSentences == 0)
        let backToEncoded = IndexBuilder().build(documents: documents, embedder: embedder, reusing: pooled)
        #expect(backToEncoded.reusedEmbeddings == pooled.passageCount)
        #expect(backToEncoded.times.embeddedSentences == backToEncoded.distinctSentences)
        // The manifest records the method; one that does not say encoded its sentences.
        let folder = try TemporaryFolder()
        let directory = folder.url.appendingPathComponent("pooled.index")
        try pooledBuild.write(to: directory, corpusPath: "memory")
        #expect(try EvidentIndex(contentsOf: directory).configuration.embedding?.sentenceVectors == .pooled)
        let old = try JSONDecoder().decode(
            EmbeddingSettings.self, from: Data(#"{"modelID":"m","fingerprint":"f","dimension":384}"#.utf8))
        #expect(old.sentenceVectors == .encoded)
    }

    @Test func aLexicalIndexRefusesDenseSearch() throws {
        let index = try EvidentIndex(build: IndexBuilder().build(documents: Self.documents()))
        #expect(index.vectors == nil)
        let error = #expect(throws: RetrievalError.self) { try Retriever(index: index, embedder: Self.embedder()) }
        #expect(error?.description.contains("no passage vectors") == true)
        #expect(throws: RetrievalError.self) {
            try Retriever(index: index).search("cells", limit: 3, options: SearchOptions(mode: .dense))
        }
    }
}
