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
        encoder.embed(tokenIDs: tokenizer.tokenIDs(for: texts), batchSize: batchSize)
    }
}
