/// The weights of a BERT model, copied out of `model.safetensors` into one allocation that lives as long as the
/// encoder; immutable after `init`.
final class BertParameters: @unchecked Sendable {
    /// Where one transformer layer's weights live in `storage`. Linear weights are `output × input`, as in PyTorch.
    struct Layer: Sendable {
        /// Query, key and value weights stacked: `3·hidden × hidden`.
        var queryKeyValueWeight: Range<Int>
        var queryKeyValueBias: Range<Int>
        var attentionOutputWeight: Range<Int>
        var attentionOutputBias: Range<Int>
        var attentionNormScale: Range<Int>
        var attentionNormShift: Range<Int>
        var intermediateWeight: Range<Int>
        var intermediateBias: Range<Int>
        var outputWeight: Range<Int>
        var outputBias: Range<Int>
        var outputNormScale: Range<Int>
        var outputNormShift: Range<Int>
    }

    let configuration: BertConfiguration
    let wordEmbeddings: Range<Int>
    let positionEmbeddings: Range<Int>
    let tokenTypeEmbeddings: Range<Int>
    let embeddingNormScale: Range<Int>
    let embeddingNormShift: Range<Int>
    let layers: [Layer]
    private let storage: UnsafeMutableBufferPointer<Float>

    /// Copies the weights `configuration` calls for out of `tensors`, checking each shape.
    ///
    /// Accepts names with or without the `bert.` prefix that `BertForMaskedLM`-style checkpoints carry.
    init(configuration: BertConfiguration, tensors: SafeTensors) throws(EmbeddingError) {
        let hidden = configuration.hiddenSize
        let intermediate = configuration.intermediateSize
        let prefix =
            tensors.tensors["embeddings.word_embeddings.weight"] == nil
                && tensors.tensors["bert.embeddings.word_embeddings.weight"] != nil ? "bert." : ""
        var wanted: [(name: String, shape: [Int])] = [
            ("embeddings.word_embeddings.weight", [configuration.vocabularySize, hidden]),
            ("embeddings.position_embeddings.weight", [configuration.maximumPositionEmbeddings, hidden]),
            ("embeddings.token_type_embeddings.weight", [configuration.typeVocabularySize, hidden]),
            ("embeddings.LayerNorm.weight", [hidden]),
            ("embeddings.LayerNorm.bias", [hidden]),
        ]
        for layer in 0..<configuration.layerCount {
            let name = "encoder.layer.\(layer)."
            wanted += [
                (name + "attention.self.query.weight", [hidden, hidden]),
                (name + "attention.self.key.weight", [hidden, hidden]),
                (name + "attention.self.value.weight", [hidden, hidden]),
                (name + "attention.self.query.bias", [hidden]),
                (name + "attention.self.key.bias", [hidden]),
                (name + "attention.self.value.bias", [hidden]),
                (name + "attention.output.dense.weight", [hidden, hidden]),
                (name + "attention.output.dense.bias", [hidden]),
                (name + "attention.output.LayerNorm.weight", [hidden]),
                (name + "attention.output.LayerNorm.bias", [hidden]),
                (name + "intermediate.dense.weight", [intermediate, hidden]),
                (name + "intermediate.dense.bias", [intermediate]),
                (name + "output.dense.weight", [hidden, intermediate]),
                (name + "output.dense.bias", [hidden]),
                (name + "output.LayerNorm.weight", [hidden]),
                (name + "output.LayerNorm.bias", [hidden]),
            ]
        }
        let total = wanted.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
        storage.initialize(repeating: 0)
        var ranges: [Range<Int>] = []
        var cursor = 0
        do {
            for (name, shape) in wanted {
                let count = shape.reduce(1, *)
                try tensors.withFloats(named: prefix + name, shape: shape) { source in
                    guard let from = source.baseAddress, let to = storage.baseAddress else { return }
                    UnsafeMutableRawPointer(to + cursor).copyMemory(
                        from: from, byteCount: count * MemoryLayout<Float>.stride)
                }
                ranges.append(cursor..<(cursor + count))
                cursor += count
            }
        } catch {
            storage.deallocate()
            throw error as? EmbeddingError ?? EmbeddingError(.damagedFile, path: tensors.path, reason: "\(error)")
        }
        func joined(_ first: Range<Int>, _ last: Range<Int>) -> Range<Int> { first.lowerBound..<last.upperBound }
        self.configuration = configuration
        self.storage = storage
        wordEmbeddings = ranges[0]
        positionEmbeddings = ranges[1]
        tokenTypeEmbeddings = ranges[2]
        embeddingNormScale = ranges[3]
        embeddingNormShift = ranges[4]
        layers = (0..<configuration.layerCount).map { layer in
            let range = ranges[(5 + 16 * layer)..<(5 + 16 * (layer + 1))]
            let base = range.startIndex
            return Layer(
                queryKeyValueWeight: joined(ranges[base], ranges[base + 2]),
                queryKeyValueBias: joined(ranges[base + 3], ranges[base + 5]),
                attentionOutputWeight: ranges[base + 6], attentionOutputBias: ranges[base + 7],
                attentionNormScale: ranges[base + 8], attentionNormShift: ranges[base + 9],
                intermediateWeight: ranges[base + 10], intermediateBias: ranges[base + 11],
                outputWeight: ranges[base + 12], outputBias: ranges[base + 13], outputNormScale: ranges[base + 14],
                outputNormShift: ranges[base + 15])
        }
    }

    deinit { storage.deallocate() }

    /// The weights in `range`; valid as long as the parameters are.
    subscript(range: Range<Int>) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(rebasing: storage[range])
    }

    /// Writes the normalised input embeddings (word + position + token type: `segments`' when given, else 0) of
    /// `sequences`, one row per token, sequence after sequence, into `state`.
    func embed(_ sequences: [[Int32]], segments: [[Int32]]? = nil, into state: UnsafeMutableBufferPointer<Float>) {
        let hidden = configuration.hiddenSize
        guard let target = state.baseAddress, let words = self[wordEmbeddings].baseAddress,
            let positions = self[positionEmbeddings].baseAddress, let types = self[tokenTypeEmbeddings].baseAddress,
            let scale = self[embeddingNormScale].baseAddress, let shift = self[embeddingNormShift].baseAddress
        else { return }
        var row = 0
        for (index, sequence) in sequences.enumerated() {
            for (position, id) in sequence.enumerated() {
                let output = target + row * hidden
                let word = words + Int(id) * hidden
                let place = positions + position * hidden
                let type = types + Int(segments?[index][position] ?? 0) * hidden
                for column in 0..<hidden { output[column] = (word[column] + type[column]) + place[column] }
                row += 1
            }
        }
        BertKernels.normalizeRows(
            target, rowCount: row, columns: hidden, adding: nil, residual: nil, scale: scale, shift: shift,
            epsilon: configuration.layerNormEpsilon)
    }
}
