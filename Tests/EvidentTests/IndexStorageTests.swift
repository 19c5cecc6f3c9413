import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct IndexStorageTests {
    static let documents = [
        Document(
            id: "meso.md", title: "Mesothelioma treatment", url: "https://example.org/meso",
            metadata: ["audience": "patient"],
            source: "---\ntitle: Mesothelioma treatment\n---\n# Mesothelioma treatment\n\n"
                + "Nivolumab plus ipilimumab is a first-line option for unresectable pleural mesothelioma.\n",
            bodyRange: 35..<150, format: .markdown),
        Document(
            id: "cart.md", title: "CAR T-cell therapy",
            source: "CAR T cells are made from a patient's own T cells and infused back. Crème brûlée is not.",
            format: .text),
    ]

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("evident-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func writtenIndex() throws -> URL {
        let directory = try temporaryDirectory().appendingPathComponent("index")
        let build = IndexBuilder().build(documents: documents)
        try build.write(to: directory, corpusPath: "memory")
        return directory
    }

    @Test func anIndexReadBackFromDiskAnswersAsTheOneBuiltInMemory() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let fromDisk = try EvidentIndex(contentsOf: directory)
        let inMemory = try EvidentIndex(build: IndexBuilder().build(documents: Self.documents))
        #expect(fromDisk.documentCount == 2)
        #expect(fromDisk.passageCount == inMemory.passageCount)
        for query in ["nivolumab mesothelioma", "T cells infused", "crème"] {
            let diskResults = try Retriever(index: fromDisk).search(query, limit: 5)
            let memoryResults = try Retriever(index: inMemory).search(query, limit: 5)
            #expect(!diskResults.isEmpty)
            #expect(diskResults == memoryResults)
        }
        for index in 0..<fromDisk.documentCount {
            #expect(try fromDisk.document(at: index) == Self.documents[index])
        }
        let manifest = fromDisk.manifest
        #expect(manifest.corpus.documents == 2)
        #expect(manifest.formatVersion == IndexManifest.currentFormatVersion)
        #expect(
            Set(manifest.files.keys)
                == Set(IndexBuild.FileName.all + [IndexBuild.FileName.fields, IndexBuild.FileName.repeatedLines]))
        let build = try #require(manifest.build, "the manifest records how long the build took")
        #expect(build.seconds > 0 && build.embeddingSeconds == 0 && build.embeddedPassages == 0)
        #expect(build.passagesPerSecond(passages: manifest.corpus.passages) > 0)
    }

    @Test("a manifest written before build times were recorded still opens, without them")
    func aManifestWithoutBuildTimesStillDecodes() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let url = directory.appendingPathComponent(IndexManifest.fileName)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        #expect(object.removeValue(forKey: "build") != nil)
        let manifest = try JSONDecoder().decode(
            IndexManifest.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(manifest.build == nil)
        #expect(manifest.corpus.documents == 2)
    }

    @Test func citationsPointAtThePassageInTheSource() throws {
        let index = try EvidentIndex(build: IndexBuilder().build(documents: Self.documents))
        let top = try #require(try Retriever(index: index).search("ipilimumab", limit: 1).first)
        #expect(top.citation.document == "meso.md")
        #expect(top.citation.url == "https://example.org/meso")
        let source = Array(Self.documents[0].source.unicodeScalars)
        let quoted = String(String.UnicodeScalarView(source[top.citation.start..<top.citation.end]))
        #expect(quoted.contains("ipilimumab"))
        #expect(top.matchedTerms.count == 1)
    }

    @Test func aTruncatedFileIsRefusedWithAClearError() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let postings = directory.appendingPathComponent("postings.bin")
        let bytes = try Data(contentsOf: postings)
        try bytes.prefix(bytes.count - 5).write(to: postings)
        let error = #expect(throws: StorageError.self) { try EvidentIndex(contentsOf: directory) }
        #expect(error?.path.hasSuffix("postings.bin") == true)
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func anAlteredFileIsRefusedByItsChecksum() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let passages = directory.appendingPathComponent("passages.bin")
        var bytes = try Data(contentsOf: passages)
        bytes[bytes.count - 3] ^= 0x20
        try bytes.write(to: passages)
        let error = #expect(throws: StorageError.self) { try EvidentIndex(contentsOf: directory) }
        #expect(error?.description.contains("SHA-256") == true)
        #expect(error?.needsRebuild == true)
    }

    @Test("a damaged header is refused, not a crash, even without checksums", arguments: [4, 8])
    func damagedHeaderIsRefusedWithoutChecksums(offset: Int) throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        for name in IndexBuild.FileName.all {
            let url = directory.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            var damaged = original
            damaged[offset] ^= 0xff  // offset 4: format version; offset 8: a record, term or posting count
            damaged[offset + 1] ^= 0xff
            try damaged.write(to: url)
            let error = #expect(throws: StorageError.self, "damage at byte \(offset) of \(name)") {
                try EvidentIndex(contentsOf: directory, verifiesChecksums: false)
            }
            #expect(error?.path.hasSuffix(name) == true)
            try original.write(to: url)
        }
    }

    @Test func outOfRangeBM25ParametersInTheManifestAreRefused() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let manifestURL = directory.appendingPathComponent(IndexManifest.fileName)
        let text = try String(contentsOf: manifestURL, encoding: .utf8)
        try text.replacingOccurrences(of: "\"b\" : 0.4", with: "\"b\" : 10").write(
            to: manifestURL, atomically: true, encoding: .utf8)
        #expect(try String(contentsOf: manifestURL, encoding: .utf8).contains("\"b\" : 10"))
        let error = #expect(throws: StorageError.self) { try EvidentIndex(contentsOf: directory) }
        #expect(error?.description.contains("out of range") == true)
    }

    @Test func damagedScoresAreRefusedEvenWhenTheChecksumsAgree() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        // The last four bytes of postings.bin are the last posting's precomputed BM25 impact: make it negative.
        let postings = directory.appendingPathComponent("postings.bin")
        var bytes = try Data(contentsOf: postings)
        withUnsafeBytes(of: Float(-3).bitPattern.littleEndian) { negative in
            for (offset, byte) in negative.enumerated() { bytes[bytes.count - 4 + offset] = byte }
        }
        try bytes.write(to: postings)
        let error = #expect(throws: StorageError.self) {
            try EvidentIndex(contentsOf: directory, verifiesChecksums: false)
        }
        #expect(error?.description.contains("impact") == true)
    }

    @Test func aFolderWithAnotherProgramsManifestIsNotReplaced() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("{}".utf8).write(to: directory.appendingPathComponent("manifest.json"))
        try Data("keep me".utf8).write(to: directory.appendingPathComponent("data.txt"))
        let build = IndexBuilder().build(documents: Self.documents)
        let error = #expect(throws: StorageError.self) {
            try build.write(to: directory, corpusPath: "x", replacing: true)
        }
        #expect(error?.description.contains("not an Evident index") == true)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("data.txt").path))
    }

    @Test func anIndexCannotBeWrittenInsideAFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("afile")
        try Data("x".utf8).write(to: file)
        let build = IndexBuilder().build(documents: Self.documents)
        let error = #expect(throws: StorageError.self) {
            try build.write(to: file.appendingPathComponent("index"), corpusPath: "x")
        }
        #expect(error?.description.contains("not a folder") == true)
    }

    @Test func writingOverAnExistingIndexNeedsReplacing() throws {
        let directory = try Self.writtenIndex()
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let build = IndexBuilder().build(documents: Array(Self.documents.prefix(1)))
        #expect(throws: StorageError.self) { try build.write(to: directory, corpusPath: "memory") }
        try build.write(to: directory, corpusPath: "memory", replacing: true)
        #expect(try EvidentIndex(contentsOf: directory).documentCount == 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.deletingLastPathComponent().path)
        #expect(leftovers == ["index"])
    }

    @Test func aFolderThatIsNotAnIndexIsNeitherOpenedNorReplaced() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("keep me".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        let openError = #expect(throws: StorageError.self) { try EvidentIndex(contentsOf: directory) }
        #expect(openError?.description.contains("not an Evident index") == true)
        let build = IndexBuilder().build(documents: Self.documents)
        #expect(throws: StorageError.self) { try build.write(to: directory, corpusPath: "x", replacing: true) }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.txt").path))
    }
}
