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

    @Test(
        "sentences pooled from their text's pass: the text's vector unchanged, each sentence's word pieces found",
        .enabled(if: BertEncoderTests.modelIsPresent, Comment(rawValue: SharedData.missingModelMessage)))
    func sentencesArePooledFromTheTextsOwnPass() throws {
        let embedder = try SentenceEmbedder(directory: #require(SharedData.miniLMModel))
        let sentences = [
            "CAR T-cell therapy reprograms a patient's own T cells.",
            "The cells are grown in a laboratory, then infused back.",
            "Side effects include cytokine release syndrome (CRS).",
        ]
        let text = "How CAR T cells work\n" + sentences.joined(separator: " ")
        let pooled = try #require(embedder.embed([text], pooling: [sentences]).first)
        // The text's own vector is what `embed(_:)` gives.
        let alone = embedder.embed([text])[0]
        #expect(zip(pooled.vector, alone).allSatisfy { abs($0 - $1) < 1e-6 })
        // Each sentence's span holds exactly its own word pieces.
        let located = embedder.tokenSpans(of: sentences, in: text)
        #expect(located.ids == embedder.tokenizer.tokenIDs(for: text))
        for (sentence, span) in zip(sentences, located.spans) {
            let span = try #require(span, "\(sentence)")
            #expect(
                Array(located.ids[span]) == Array(embedder.tokenizer.tokenIDs(for: sentence).dropFirst().dropLast()))
        }
        // Pooled vectors are unit vectors that keep their sentence's subject: nearer the sentence encoded on its own
        // than an unrelated sentence is. (They carry the passage's context too: the second sentence's pooled
        // vector is nearer the first sentence than itself, which is why `encoded` stays the default.)
        let encoded = embedder.embed(sentences)
        let unrelated = embedder.embed(["The stock market closed higher on Tuesday after a quiet session."])[0]
        for (index, vector) in pooled.sentences.enumerated() {
            let vector = try #require(vector)
            #expect(abs(Kernels.dotProduct(vector, vector) - 1) < 1e-4)
            let own = Kernels.dotProduct(vector, encoded[index])
            #expect(own > 0.4 && own > Kernels.dotProduct(vector, unrelated) + 0.2, "\(sentences[index]): \(own)")
        }
        // A span covering the whole sequence is the sequence's own mean.
        let whole = embedder.encoder.embed(tokenIDs: [located.ids], pooling: [[0..<located.ids.count]])[0]
        #expect(zip(whole.spans[0], alone).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test(
        "a sentence that cannot be pooled gets none: not in the text, cut inside a word, cut off by truncation",
        .enabled(if: BertEncoderTests.modelIsPresent, Comment(rawValue: SharedData.missingModelMessage)))
    func sentencesThatCannotBePooledAreLeftToEncode() throws {
        let embedder = try SentenceEmbedder(directory: #require(SharedData.miniLMModel))
        // Not found after the previous sentence (and an empty one): nil, the others still pooled.
        let text = "First sentence here. Second sentence there."
        let missing = embedder.tokenSpans(
            of: ["First sentence here.", "Absent sentence.", "", "Second sentence there."], in: text)
        #expect(missing.spans.map { $0 != nil } == [true, false, false, true])
        // A cut inside a word tokenizes differently from the whole: nothing is pooled.
        let inside = embedder.tokenSpans(of: ["ogether"], in: "Altogether fine.")
        #expect(inside.spans == [nil])
        #expect(inside.ids == embedder.tokenizer.tokenIDs(for: "Altogether fine."))
        // Past the model's 256 tokens: the first sentence is pooled, the one cut off or beyond is not.
        let long = (0..<40).map { "Sentence number \($0) says a few words." }
        let located = embedder.tokenSpans(of: long, in: long.joined(separator: " "))
        #expect(located.ids.count == embedder.tokenizer.maximumLength)
        #expect(located.spans.first! != nil)
        #expect(located.spans.last! == nil)
        let cut = try #require(located.spans.lastIndex { $0 != nil })
        #expect(located.spans[cut]!.upperBound <= located.ids.count - 1)
        #expect(located.spans[(cut + 1)...].allSatisfy { $0 == nil })
        let results = embedder.embed([long.joined(separator: " ")], pooling: [long])[0].sentences
        #expect(results.map { $0 != nil } == located.spans.map { $0 != nil })
    }

    @Test func aFolderWithoutAModelIsRefusedWithTheFileAndTheFix() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-model-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: EmbeddingError.self) { try SentenceEmbedder(directory: folder) }
        #expect(error?.kind == .missingFile)
    }
}
