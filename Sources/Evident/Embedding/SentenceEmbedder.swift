public import Foundation

/// Turns texts into L2-normalised sentence embeddings: WordPiece tokenization, then the BERT encoder with mean
/// pooling, for any sentence-transformers BERT folder (`config.json`, `vocab.txt`, `model.safetensors`,
/// `sentence_bert_config.json`).
///
/// Immutable and `Sendable`: share one embedder between tasks.
public struct SentenceEmbedder: Sendable {
    /// The tokenizer.
    public let tokenizer: WordPieceTokenizer
    /// The encoder.
    public let encoder: BertEncoder
    /// The model folder's name, recorded in indexes (`all-MiniLM-L6-v2`).
    public let modelID: String
    /// SHA-256 over the model's configuration files and the safetensors header: equal fingerprints, same model.
    public let fingerprint: String

    /// Loads the model in `directory`.
    ///
    /// - Parameters:
    ///   - directory: A sentence-transformers BERT folder.
    ///   - precision: The encoder's precision (see `BertEncoder.init(directory:precision:)`).
    /// - Throws: `EmbeddingError` naming the missing or damaged file.
    public init(directory: URL, precision: EncoderPrecision = .fp32) throws {
        tokenizer = try WordPieceTokenizer(directory: directory)
        encoder = try BertEncoder(directory: directory, precision: precision)
        modelID = directory.standardizedFileURL.lastPathComponent
        var hasher = Checksum()
        for name in ["config.json", "vocab.txt", "sentence_bert_config.json"] {
            let url = directory.appendingPathComponent(name)
            hasher.update(Array(name.utf8))
            hasher.update((try? [UInt8](Data(contentsOf: url))) ?? [])
        }
        // The safetensors header names every tensor with its shape and offsets; the weights' size is in it too.
        if let handle = try? FileHandle(forReadingFrom: directory.appendingPathComponent("model.safetensors")),
            let prefix = try? handle.read(upToCount: 1 << 16)
        {
            hasher.update([UInt8](prefix))
            try? handle.close()
        }
        fingerprint = hasher.finalizeHex()
    }

    /// The embedding dimension (384 for MiniLM).
    public var dimension: Int { encoder.dimension }

    /// Embeds `texts`, in batches of `batchSize` sequences of similar length.
    ///
    /// - Parameters:
    ///   - texts: The texts; each is truncated to the model's maximum sequence length.
    ///   - batchSize: Sequences per encoder batch.
    /// - Returns: One unit vector of `dimension` floats per text, in input order.
    public func embed(_ texts: [String], batchSize: Int = 32) -> [[Float]] {
        encoder.embed(tokenIDs: tokenIDs(for: texts), batchSize: batchSize)
    }

    /// The token ids of `texts`, tokenized on every core when there are many (and the caller lets the work spread).
    private func tokenIDs(for texts: [String]) -> [[Int32]] {
        guard texts.count >= 64, !Parallelism.callerThreadOnly else { return tokenizer.tokenIDs(for: texts) }
        let tokenizer = tokenizer
        return texts.concurrentMap { tokenizer.tokenIDs(for: $0) }
    }

    /// Embeds `texts` as `embed(_:batchSize:)` does and, from the same encoder pass, each of their sentences: the
    /// mean of the text's final token states over the sentence's word pieces, scaled to unit length (what Günther
    /// et al. call late chunking, 2024, arXiv:2409.04701). No sentence is encoded a second time.
    ///
    /// A sentence gets no pooled vector (`nil`: encode it on its own) when it is not found in its text after the
    /// previous sentence, when the text cut into pieces at its sentences does not tokenize as the whole does (a
    /// sentence boundary inside a word), when it has no word pieces, or when truncation cuts into it.
    ///
    /// - Parameters:
    ///   - texts: The texts; each is truncated to the model's maximum sequence length.
    ///   - sentences: Per text, its sentences in order, each written exactly as in the text.
    ///   - batchSize: Sequences per encoder batch.
    /// - Returns: Per text, in input order, its unit vector and per sentence a unit vector or `nil`.
    public func embed(
        _ texts: [String], pooling sentences: [[String]], batchSize: Int = 32
    ) -> [(vector: [Float], sentences: [[Float]?])] {
        precondition(sentences.count == texts.count, "one sentence list per text")
        let located =
            texts.count >= 64 && !Parallelism.callerThreadOnly
            ? Array(zip(texts, sentences)).concurrentMap { text, sentences in tokenSpans(of: sentences, in: text) }
            : zip(texts, sentences).map { text, sentences in tokenSpans(of: sentences, in: text) }
        let encoded = encoder.embed(
            tokenIDs: located.map(\.ids), pooling: located.map { $0.spans.compactMap { $0 } }, batchSize: batchSize)
        return zip(located, encoded).map { located, encoded in
            var pooled = encoded.spans.makeIterator()
            return (encoded.vector, located.spans.map { span in span.flatMap { _ in pooled.next() } })
        }
    }

    /// The token ids of `text` (as `tokenizer.tokenIDs(for:)` gives them) and the token range of each of
    /// `sentences` in them, `nil` where a sentence cannot be pooled (see `embed(_:pooling:batchSize:)`).
    func tokenSpans(of sentences: [String], in text: String) -> (ids: [Int32], spans: [Range<Int>?]) {
        let whole = tokenizer.tokenIDs(for: text)
        var ids: [Int32] = [tokenizer.classifierID]
        var spans: [Range<Int>?] = []
        // Pieces that survive truncation (by the tokenizer, and by the encoder should its limit be lower) lie
        // before this token.
        let lastKept = min(whole.count, encoder.maximumSequenceLength) - 1
        var cursor = text.startIndex
        for sentence in sentences {
            guard !sentence.isEmpty,
                let range = text.range(of: sentence, options: .literal, range: cursor..<text.endIndex)
            else {
                spans.append(nil)
                continue
            }
            tokenizer.appendPieceIDs(of: String(text[cursor..<range.lowerBound]), to: &ids, limit: Int.max)
            let start = ids.count
            tokenizer.appendPieceIDs(of: String(text[range]), to: &ids, limit: Int.max)
            spans.append(start < ids.count && ids.count <= lastKept ? start..<ids.count : nil)
            cursor = range.upperBound
        }
        tokenizer.appendPieceIDs(of: String(text[cursor...]), to: &ids, limit: Int.max)
        // Pieces agree with the whole text's tokens when every cut falls between words; check it.
        let kept = whole.count - 1
        let truncated = whole.count == tokenizer.maximumLength
        guard ids.count == kept || (truncated && ids.count > kept), ids[..<kept].elementsEqual(whole[..<kept]) else {
            return (whole, spans.map { _ in nil })
        }
        return (whole, spans)
    }
}
