import EvidentTestSupport
import Foundation
import Testing

@testable import Evident

@Suite(.offThePool) struct SentenceEmbedderTests {
    @Test(
        "text in, reference embedding out: our tokenizer and encoder together match the reference on all 70 texts",
        .enabled(if: BertEncoderTests.modelIsPresent, Comment(rawValue: SharedData.missingModelMessage)))
    func embeddingsOfTextsMatchTheReference() throws {
        let embedder = try SentenceEmbedder(directory: #require(SharedData.miniLMModel))
        let references = try BertEncoderTests.references()
        #expect(references.count == 70)
        let vectors = embedder.embed(references.map(\.text))
        var worst = (cosine: 1.0, text: "")
        for (reference, vector) in zip(references, vectors) {
            #expect(embedder.tokenizer.tokenIDs(for: reference.text) == reference.ids, "\(reference.text.prefix(60))")
            let cosine = BertEncoderTests.cosine(vector, reference.embedding)
            if cosine < worst.cosine { worst = (cosine, reference.text) }
        }
        #expect(worst.cosine >= 0.9999, "worst cosine \(worst.cosine) for \(worst.text.prefix(60))")
        #expect(embedder.dimension == 384)
        #expect(embedder.modelID == "all-MiniLM-L6-v2")
        #expect(embedder.fingerprint.count == 64)
    }

    @Test func aFolderWithoutAModelIsRefusedWithTheFileAndTheFix() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-model-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: EmbeddingError.self) { try SentenceEmbedder(directory: folder) }
        #expect(error?.kind == .missingFile)
    }
}
