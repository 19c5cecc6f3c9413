import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct MetadataFilterTests {
    // MARK: Expressions

    @Test func expressionsParseIntoConditions() throws {
        let filter = try MetadataFilter(parsing: [
            "year>=2020", "cancerTypes = lung, breast", "language!=fr", "title=a\\, b", "lastReviewed<2025-06",
        ])
        #expect(
            filter.conditions == [
                .init(key: "year", .greaterOrEqual, ["2020"]),
                .init(key: "cancerTypes", .equal, ["lung", "breast"]),
                .init(key: "language", .notEqual, ["fr"]),
                .init(key: "title", .equal, ["a, b"]),
                .init(key: "lastReviewed", .less, ["2025-06"]),
            ])
        #expect(
            filter.description == "year>=2020 AND cancerTypes=lung,breast AND language!=fr AND title=a\\, b "
                + "AND lastReviewed<2025-06")
        #expect(MetadataFilter().isEmpty)
    }

    @Test(arguments: [
        ("year", "no operator"), ("=2020", "no key"), ("year>=", "empty value"), ("year>=2019,2020", "one value"),
        ("ye ar=1", "not a key"), ("year=<1", "not an operator"), ("topics=a,,b", "empty value"),
    ])
    func malformedExpressionsAreRefusedWithTheReason(expression: String, reason: String) {
        #expect {
            try MetadataFilter.Condition(parsing: expression)
        } throws: { error in
            guard case .malformed(let found, let why) = error as? MetadataFilterError else { return false }
            return found == expression && why.contains(reason)
        }
    }

    // MARK: Fields

    static let documents: [Document] = [
        document("a", ["year": "2019", "topics": "lung; Breast", "reviewed": "2024-05-17", "journal": "Lancet"]),
        document("b", ["year": "2021", "topics": "breast", "reviewed": "2025", "journal": "JCO"]),
        document("c", ["year": "2023", "topics": "skin", "reviewed": "2025-12", "language": "fr"]),
        document("d", [:], format: .pubmed),
    ]

    static func document(_ id: String, _ metadata: [String: String], format: CorpusFormat = .markdown) -> Document {
        Document(
            id: id, title: id, metadata: metadata, source: "Text of \(id).", bodyRange: 0..<10, format: format)
    }

    static func ids(_ expressions: String...) throws -> [String] {
        let fields = DocumentFields(documents: documents)
        let kept = try fields.documents(matching: MetadataFilter(parsing: expressions))
        return documents.indices.filter { kept.contains($0) }.map { documents[$0].id }
    }

    @Test func keysHaveKindsAndListItemsMatchOneByOneWithoutRegardToCase() throws {
        let fields = DocumentFields(documents: Self.documents)
        #expect(fields.keys == ["format", "journal", "language", "reviewed", "topics", "year"])
        #expect(fields.kind(of: "year") == .number)
        #expect(fields.kind(of: "reviewed") == .date)
        #expect(fields.kind(of: "topics") == .text)
        #expect(fields.values(of: "topics") == ["Breast", "lung", "skin"])
        #expect(try Self.ids("topics=breast") == ["a", "b"])
        #expect(try Self.ids("topics=LUNG,skin") == ["a", "c"])
        #expect(try Self.ids("format=pubmed") == ["d"])
        // != keeps the documents without the key too.
        #expect(try Self.ids("language!=fr") == ["a", "b", "d"])
        #expect(try Self.ids("topics=breast", "year>2019") == ["b"])
    }

    @Test func numbersAndDatesCompareInOrderAndPartialDatesCoverTheirPeriod() throws {
        #expect(try Self.ids("year>=2021") == ["b", "c"])
        #expect(try Self.ids("year>2021") == ["c"])
        #expect(try Self.ids("year<2021") == ["a"])
        #expect(try Self.ids("year<=2021") == ["a", "b"])
        #expect(try Self.ids("year=2021.0") == ["b"])
        // A partial date stands for its whole period: 2025 is every day of 2025.
        #expect(try Self.ids("reviewed=2025") == ["b", "c"])
        #expect(try Self.ids("reviewed>2024") == ["b", "c"])
        #expect(try Self.ids("reviewed<=2024") == ["a"])
        #expect(try Self.ids("reviewed>=2025-06") == ["c"])
        #expect(try Self.ids("reviewed<2024-05-18") == ["a"])
        #expect(try Self.ids("reviewed=2024-05") == ["a"])
    }

    @Test func badFiltersNameTheKeyAndWhatTheIndexHas() {
        #expect(
            throws: MetadataFilterError.unknownKey(
                "colour", available: ["format", "journal", "language", "reviewed", "topics", "year"])
        ) { try Self.ids("colour=red") }
        #expect {
            try Self.ids("journal>=L")
        } throws: { error in
            guard case .comparisonOnText(let condition, let examples) = error as? MetadataFilterError else {
                return false
            }
            return condition.key == "journal" && examples == ["JCO", "Lancet"]
                && "\(error)".contains("use = or != instead")
        }
        #expect(
            throws: MetadataFilterError.valueNotOfKind(.init(key: "year", .greaterOrEqual, ["soon"]), kind: .number)
        ) {
            try Self.ids("year>=soon")
        }
        #expect(throws: MetadataFilterError.valueNotOfKind(.init(key: "reviewed", .less, ["May"]), kind: .date)) {
            try Self.ids("reviewed<May")
        }
    }

    @Test func theFieldsFileRoundTripsAndRefusesDamage() throws {
        let fields = DocumentFields(documents: Self.documents)
        let bytes = fields.encoded()
        let read = try DocumentFields(ReadOnlyBytes(copying: bytes, path: "fields.bin"), documentCount: 4)
        for expression in ["topics=breast", "year>=2021", "reviewed=2025", "language!=fr"] {
            let filter = try MetadataFilter(parsing: [expression])
            #expect(try read.documents(matching: filter) == fields.documents(matching: filter), "\(expression)")
        }
        #expect(throws: StorageError.self) {
            try DocumentFields(ReadOnlyBytes(copying: bytes, path: "fields.bin"), documentCount: 3)
        }
        #expect(throws: StorageError.self) {
            try DocumentFields(ReadOnlyBytes(copying: Array(bytes.dropLast(3)), path: "fields.bin"), documentCount: 4)
        }
        // A document number past the documents: the last list's last number raised out of range.
        var damaged = bytes
        damaged[damaged.count - 4] = 9
        #expect(throws: StorageError.self) {
            try DocumentFields(ReadOnlyBytes(copying: damaged, path: "fields.bin"), documentCount: 4)
        }
    }

    /// An index stores its fields beside its documents, checked like every file; one written before filters (no
    /// fields.bin) collects them from its documents when opened.
    @Test func anIndexStoresItsFieldsAndAnOlderOneCollectsThem() throws {
        let documents = try #require(LexicalFixture.documents, "Corpus/ is missing")
        let folder = try TemporaryFolder()
        let directory = folder.url.appendingPathComponent("demo.index")
        try IndexBuilder().build(documents: documents).write(to: directory, corpusPath: "Corpus")
        let stored = try EvidentIndex(contentsOf: directory)
        #expect(stored.manifest.files["fields.bin"] != nil)
        let filter = try MetadataFilter(parsing: ["format=markdown", "topics=mesothelioma"])
        let expected = try stored.passages(matching: filter)
        #expect(expected.count > 0)
        // Damage is refused like any other file's.
        let fieldsFile = directory.appendingPathComponent("fields.bin")
        let original = try Data(contentsOf: fieldsFile)
        var damaged = original
        damaged[damaged.count - 1] ^= 0x01
        try damaged.write(to: fieldsFile)
        #expect(throws: StorageError.self) { try EvidentIndex(contentsOf: directory) }
        // An older index: no fields.bin, none in the manifest.
        try FileManager.default.removeItem(at: fieldsFile)
        let manifestFile = directory.appendingPathComponent(IndexManifest.fileName)
        var manifest = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: manifestFile)) as? [String: Any])
        var files = try #require(manifest["files"] as? [String: Any])
        files["fields.bin"] = nil
        manifest["files"] = files
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestFile)
        let older = try EvidentIndex(contentsOf: directory)
        #expect(try older.passages(matching: filter) == expected)
        #expect(older.fields.keys == stored.fields.keys)
    }

    // MARK: Search

    /// Lexical search under a filter returns exactly the passages of the kept documents that an unfiltered search
    /// ranks, in its order and with its scores.
    @Test func filteredLexicalSearchIsExact() throws {
        let retriever = try #require(LexicalFixture.retriever, "Corpus/ is missing")
        let index = retriever.index
        let filter = try MetadataFilter(parsing: ["format=markdown", "topics=immunotherapy,car t-cell therapy"])
        let kept = try index.passages(matching: filter)
        #expect(kept.count > 0 && kept.count < index.passageCount)
        for query in ["checkpoint inhibitor side effects", "nivolumab ipilimumab survival", "cytokine release"] {
            let all = try retriever.search(query, limit: index.passageCount, options: SearchOptions(mode: .lexical))
            let expected = all.filter { kept.contains($0.passageIndex) }.prefix(10)
            let filtered = try retriever.search(
                query, limit: 10, options: SearchOptions(mode: .lexical, filter: filter))
            #expect(filtered.map(\.passageIndex) == expected.map(\.passageIndex), "\(query)")
            #expect(filtered.map(\.score) == expected.map(\.score), "\(query)")
            let documents = Set(filtered.map { index.documentIndex(ofPassage: $0.passageIndex) })
            let allowedDocuments = try index.fields.documents(matching: filter)
            #expect(documents.allSatisfy { allowedDocuments.contains($0) })
        }
        // Ask and grounding keep to the filter too.
        var answerer = ExtractiveAnswerer(retriever: retriever)
        answerer.filter = try MetadataFilter(parsing: ["format=pubmed"])
        let answer = try answerer.answer("How long did patients on nivolumab plus ipilimumab live?")
        #expect(!answer.references.isEmpty)
        let pubmed = try index.fields.documents(matching: #require(answerer.filter))
        for reference in answer.references {
            #expect(pubmed.contains(try #require(index.documentIndex(withID: reference.document))))
        }
        #expect(throws: MetadataFilterError.self) {
            try retriever.search("x", limit: 3, options: SearchOptions(filter: MetadataFilter(parsing: ["nokey=1"])))
        }
    }

    /// 8,000 clustered vectors, a filter that keeps rows at random (the hard case: kept vectors are spread over
    /// every cluster), and the exact top 10 among the kept rows.
    static func filteredVectors(keeping fraction: Double, seed: UInt64) -> (
        FlatVectorIndex, [[Float]], RowSet, [[VectorMatch]]
    ) {
        let (flat, queries) = clusteredIndexAndQueries(count: 8000, seed: seed)
        var generator = SplitMix64(seed: seed &+ 1)
        var allowed = RowSet(rowCount: flat.count)
        for row in 0..<flat.count where Double.random(in: 0..<1, using: &generator) < fraction {
            allowed.insert(row..<(row + 1))
        }
        let truth = queries.map { flat.search($0, limit: 10, among: allowed) }
        return (flat, queries, allowed, truth)
    }

    @Test func exactSearchAmongAllowedVectorsScoresEveryOneOfThem() {
        let (flat, queries, allowed, truth) = Self.filteredVectors(keeping: 0.1, seed: 21)
        for (query, found) in zip(queries.prefix(10), truth) {
            let everyScore = (0..<flat.count).filter { allowed.contains($0) }.map {
                VectorMatch(index: $0, score: Kernels.dotProduct(flat.vector(at: $0), query))
            }
            #expect(found == Array(everyScore.sorted(by: >).prefix(10)))
        }
    }

    @Test(arguments: [0.3, 0.05])
    func filteredApproximateSearchKeepsItsRecall(fraction: Double) {
        let (flat, queries, allowed, truth) = Self.filteredVectors(keeping: fraction, seed: 22)
        let ivf = IVFVectorIndex(clustering: flat)
        let graph = HNSWVectorIndex(building: flat)
        let fromIVF = queries.map { ivf.search($0, limit: 10, allowed: allowed) }
        let fromGraph = queries.map { graph.search($0, limit: 10, allowed: allowed) }
        for found in fromIVF + fromGraph {
            #expect(found.allSatisfy { allowed.contains($0.index) })
        }
        let ivfRecall = VectorMatch.recall(found: fromIVF, truth: truth)
        let graphRecall = VectorMatch.recall(found: fromGraph, truth: truth)
        #expect(ivfRecall >= 0.95, "IVF recall@10 \(ivfRecall) keeping \(fraction)")
        #expect(graphRecall >= 0.95, "HNSW recall@10 \(graphRecall) keeping \(fraction)")
    }

    @Test func aNarrowFilterScansTheKeptVectorsAndAWideOneUsesTheApproximateIndex() {
        let (flat, _, narrow, _) = Self.filteredVectors(keeping: 0.01, seed: 23)
        let (_, _, wide, _) = Self.filteredVectors(keeping: 0.5, seed: 23)
        for approximate in [
            ApproximateVectorIndex.ivf(IVFVectorIndex(clustering: flat)), .hnsw(HNSWVectorIndex(building: flat)),
        ] {
            #expect(approximate.scansExactly(narrow))
            #expect(!approximate.scansExactly(wide))
        }
    }
}
