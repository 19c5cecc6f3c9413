/// The shape of a BERT model, as its `config.json` (Hugging Face `BertConfig`) states it.
public struct BertConfiguration: Sendable, Hashable, Codable {
    /// The width of every token's hidden state (384 for MiniLM-L6).
    public var hiddenSize: Int
    /// The number of transformer layers.
    public var layerCount: Int
    /// The number of attention heads per layer; divides `hiddenSize`.
    public var attentionHeadCount: Int
    /// The width of the feed-forward layer inside each transformer layer.
    public var intermediateSize: Int
    /// The activation of the feed-forward layer; only `gelu` (the exact, erf-based one) is supported.
    public var hiddenActivation: String
    /// The epsilon added to the variance in every layer normalisation.
    public var layerNormEpsilon: Float
    /// The number of rows of the word-embedding table.
    public var vocabularySize: Int
    /// The number of learned positions, the longest sequence the model can read.
    public var maximumPositionEmbeddings: Int
    /// The number of token types (segments); the encoder uses type 0 for every token.
    public var typeVocabularySize: Int

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case attentionHeadCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenActivation = "hidden_act"
        case layerNormEpsilon = "layer_norm_eps"
        case vocabularySize = "vocab_size"
        case maximumPositionEmbeddings = "max_position_embeddings"
        case typeVocabularySize = "type_vocab_size"
    }

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - hiddenSize: The width of every token's hidden state.
    ///   - layerCount: The number of transformer layers.
    ///   - attentionHeadCount: The number of attention heads per layer.
    ///   - intermediateSize: The width of the feed-forward layer.
    ///   - hiddenActivation: The feed-forward activation; `gelu`.
    ///   - layerNormEpsilon: The layer-normalisation epsilon.
    ///   - vocabularySize: The number of word embeddings.
    ///   - maximumPositionEmbeddings: The number of position embeddings.
    ///   - typeVocabularySize: The number of token-type embeddings.
    public init(
        hiddenSize: Int = 384, layerCount: Int = 6, attentionHeadCount: Int = 12, intermediateSize: Int = 1536,
        hiddenActivation: String = "gelu", layerNormEpsilon: Float = 1e-12, vocabularySize: Int = 30522,
        maximumPositionEmbeddings: Int = 512, typeVocabularySize: Int = 2
    ) {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.attentionHeadCount = attentionHeadCount
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.layerNormEpsilon = layerNormEpsilon
        self.vocabularySize = vocabularySize
        self.maximumPositionEmbeddings = maximumPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
    }

    /// The width of one attention head, `hiddenSize / attentionHeadCount`.
    public var attentionHeadSize: Int { hiddenSize / attentionHeadCount }
}

extension BertConfiguration {
    /// The floating-point operations (a multiply-add counts two) of the matrix products of one forward pass over a
    /// sequence of `length` tokens: per layer, the query/key/value, attention-output and two feed-forward
    /// projections (2·n·(4·h² + 2·h·i)) and the attention scores and weighted values (4·n²·h), for hidden size h and
    /// intermediate size i. Softmax, GELU, layer norms and pooling are left out: they are O(n·(h + i)) and not
    /// matrix products.
    ///
    /// - Parameter length: Tokens in the sequence, `[CLS]` and `[SEP]` included.
    /// - Returns: The operation count; divide by seconds for the achieved rate.
    public func matrixOperations(forSequenceLength length: Int) -> Double {
        let n = Double(length)
        let h = Double(hiddenSize)
        let i = Double(intermediateSize)
        return Double(layerCount) * (2 * n * (4 * h * h + 2 * h * i) + 4 * n * n * h)
    }
}
