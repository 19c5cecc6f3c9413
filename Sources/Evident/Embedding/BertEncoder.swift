import Dispatch
public import Foundation
import Synchronization

/// A BERT sentence encoder (a sentence-transformers checkpoint such as all-MiniLM-L6-v2): token ids in, one
/// mean-pooled, L2-normalised embedding per sequence out.
///
/// The forward pass runs on OpenBLAS: every token of a batch is one row of a matrix, so each projection of each
/// layer is a single matrix product. Sequences are not padded: attention runs per sequence on its own tokens, which
/// gives the same result as padding with a mask and wastes nothing. The encoder is immutable after `init` and can
/// be used from several tasks at once; each batch takes scratch memory of its own from a small pool, which keeps
/// it for the next batch (an indexing batch of 32 long passages needs about 120 MB; mapping and clearing fresh
/// pages for each batch cost about 7 % of the time).
public struct BertEncoder: Sendable {
    /// The model's shape, from `config.json`.
    public let configuration: BertConfiguration
    /// The number of dimensions of an embedding (`hiddenSize`, 384 for MiniLM).
    public var dimension: Int { configuration.hiddenSize }
    /// The longest sequence the model is meant to read (`max_seq_length` in `sentence_bert_config.json`, 256 for
    /// MiniLM); longer sequences are cut to this length, keeping their last token (`[SEP]`).
    public var maximumSequenceLength: Int { sequenceLengthLimit }

    /// The precision the linear layers run at: what was asked for, or fp32 where the processor lacks its kernel
    /// (AVX-512 BF16 for bf16, AVX-512 VNNI for int8).
    public let precision: EncoderPrecision

    private let sequenceLengthLimit: Int
    private let parameters: BertParameters
    /// Per layer, its linear layers' weights packed for the low-precision kernel, when `precision` is not fp32.
    private let packedLayers: [PackedLayer]?
    /// Scratch memory between batches.
    private let workspaces = WorkspacePool()

    /// Loads the model in `directory`: `config.json`, `model.safetensors` and `sentence_bert_config.json`.
    ///
    /// - Parameters:
    ///   - directory: A sentence-transformers BERT model folder, such as `Models/all-MiniLM-L6-v2`.
    ///   - precision: The precision of the linear layers' products: fp32 (the default), bf16 (bfloat16 products
    ///     summed in fp32, where the processor has AVX-512 BF16) or int8 (8-bit products summed exactly, where it
    ///     has AVX-512 VNNI); where the kernel does not run, fp32, as `precision` then says. Attention, softmax,
    ///     GELU and layer norms stay in fp32.
    /// - Throws: `EmbeddingError` naming the file when one is missing or malformed, when a weight is missing or
    ///   has the wrong shape, or when the configuration asks for something this encoder does not do.
    public init(directory: URL, precision: EncoderPrecision = .fp32) throws {
        let configurationURL = directory.appendingPathComponent("config.json")
        let configuration = try Self.decode(BertConfiguration.self, from: configurationURL)
        let path = configurationURL.path
        guard configuration.hiddenActivation == "gelu" else {
            throw EmbeddingError(
                .unsupportedModel, path: path,
                reason: "hidden_act is \"\(configuration.hiddenActivation)\"; only \"gelu\" is supported")
        }
        guard configuration.hiddenSize > 0, configuration.attentionHeadCount > 0,
            configuration.hiddenSize % configuration.attentionHeadCount == 0, configuration.layerCount >= 0,
            configuration.intermediateSize > 0, configuration.vocabularySize > 0,
            configuration.maximumPositionEmbeddings > 0, configuration.typeVocabularySize > 0
        else {
            throw EmbeddingError(
                .damagedFile, path: path, reason: "inconsistent sizes (hidden_size must divide into the heads)")
        }
        let sentenceURL = directory.appendingPathComponent("sentence_bert_config.json")
        var limit = configuration.maximumPositionEmbeddings
        if FileManager.default.fileExists(atPath: sentenceURL.path) {
            let sentence = try Self.decode(SentenceConfiguration.self, from: sentenceURL)
            limit = min(limit, sentence.maximumSequenceLength ?? limit)
        }
        guard limit >= 2 else {
            throw EmbeddingError(
                .unsupportedModel, path: sentenceURL.path, reason: "max_seq_length \(limit) is too short")
        }
        self.configuration = configuration
        self.sequenceLengthLimit = limit
        let tensors = try SafeTensors(contentsOf: directory.appendingPathComponent("model.safetensors"))
        let parameters = try BertParameters(configuration: configuration, tensors: tensors)
        self.parameters = parameters
        if let format = precision.packedFormat, format.isAvailable {
            self.precision = precision
            let hidden = configuration.hiddenSize
            let intermediate = configuration.intermediateSize
            packedLayers = parameters.layers.map { layer in
                PackedLayer(
                    queryKeyValue: LowPrecisionWeights(
                        parameters[layer.queryKeyValueWeight], outputs: 3 * hidden, inputs: hidden, format: format),
                    attentionOutput: LowPrecisionWeights(
                        parameters[layer.attentionOutputWeight], outputs: hidden, inputs: hidden, format: format),
                    intermediate: LowPrecisionWeights(
                        parameters[layer.intermediateWeight], outputs: intermediate, inputs: hidden, format: format),
                    output: LowPrecisionWeights(
                        parameters[layer.outputWeight], outputs: hidden, inputs: intermediate, format: format))
            }
        } else {
            self.precision = .fp32
            packedLayers = nil
        }
    }

    /// One transformer layer's linear weights, packed for a low-precision kernel.
    private struct PackedLayer: Sendable {
        var queryKeyValue: LowPrecisionWeights
        var attentionOutput: LowPrecisionWeights
        var intermediate: LowPrecisionWeights
        var output: LowPrecisionWeights
    }

    /// Embeds every token-id sequence of `batch`.
    ///
    /// Sequences are sorted by length and encoded `batchSize` neighbours at a time; the result is in input order.
    /// An empty sequence gives a zero vector.
    ///
    /// - Parameters:
    ///   - batch: Token ids from the model's WordPiece tokenizer, `[CLS]` and `[SEP]` included; every id must be
    ///     below `configuration.vocabularySize`.
    ///   - batchSize: The number of sequences encoded together.
    /// - Returns: One unit-length vector of `dimension` floats per sequence, in the order of `batch`.
    /// - Complexity: O(*t* · (`hiddenSize`² + `hiddenSize` · `intermediateSize`) + Σ *n*² · `hiddenSize`) per
    ///   layer, for *t* tokens in all and sequences of *n* tokens.
    public func embed(tokenIDs batch: [[Int32]], batchSize: Int = 32) -> [[Float]] {
        run(batch, segments: nil, spans: nil, batchSize: batchSize, output: .meanPooledUnitVector).map(\.vector)
    }

    /// Embeds every token-id sequence of `batch` as `embed(tokenIDs:batchSize:)` does and, from the same pass, the
    /// mean of its final token states over each of its `spans`, scaled to unit length: a vector for a part of the
    /// sequence (a sentence of a passage) read in the context of the whole, at no extra encoder cost.
    ///
    /// - Parameters:
    ///   - batch: Token ids, as for `embed(tokenIDs:batchSize:)`.
    ///   - spans: Per sequence, token ranges within the sequence as it is encoded (after truncation to
    ///     `maximumSequenceLength`); an empty range gives a zero vector.
    ///   - batchSize: The number of sequences encoded together.
    /// - Returns: Per sequence, in the order of `batch`, its vector and one unit vector per span, in span order.
    public func embed(
        tokenIDs batch: [[Int32]], pooling spans: [[Range<Int>]], batchSize: Int = 32
    ) -> [(vector: [Float], spans: [[Float]])] {
        precondition(spans.count == batch.count, "one span list per sequence")
        for (ids, list) in zip(batch, spans) {
            let length = min(ids.count, sequenceLengthLimit)
            for span in list {
                precondition(span.lowerBound >= 0 && span.upperBound <= length, "span \(span) is outside the sequence")
            }
        }
        return run(batch, segments: nil, spans: spans, batchSize: batchSize, output: .meanPooledUnitVector).map {
            ($0.vector, $0.spans)
        }
    }

    /// The last hidden state of the first token (`[CLS]`) of every sequence of `batch`: what a cross-encoder's
    /// classifier reads.
    ///
    /// - Parameters:
    ///   - batch: Token ids, `[CLS]` first; every id below `configuration.vocabularySize`.
    ///   - segments: The segment (token type) of each token, each below `configuration.typeVocabularySize`: for a
    ///     pair, 0 for the first text, 1 for the second (`WordPieceTokenizer.pairTokenIDs`).
    ///   - batchSize: The number of sequences encoded together.
    /// - Returns: One vector of `dimension` floats per sequence (not normalised), in the order of `batch`; a zero
    ///   vector for an empty sequence.
    public func firstTokenStates(tokenIDs batch: [[Int32]], segments: [[Int32]], batchSize: Int = 32) -> [[Float]] {
        precondition(segments.count == batch.count, "one segment list per sequence")
        let types = configuration.typeVocabularySize
        for (ids, segment) in zip(batch, segments) {
            precondition(ids.count == segment.count, "one segment per token")
            for type in segment { precondition(type >= 0 && Int(type) < types, "segment \(type) is not a token type") }
        }
        return run(batch, segments: segments, spans: nil, batchSize: batchSize, output: .firstToken).map(\.vector)
    }

    /// What a call returns per sequence.
    private enum Output {
        case meanPooledUnitVector
        case firstToken
    }

    /// What one sequence's encoding returns: `output`, and the pooled vector of each span asked for.
    private struct Encoded {
        var vector: [Float]
        var spans: [[Float]] = []
    }

    /// Validates and truncates `batch`, encodes it in batches of similar length, and returns `output` of each
    /// sequence (and the pooled vectors of its `spans`) in input order.
    private func run(
        _ batch: [[Int32]], segments: [[Int32]]?, spans: [[Range<Int>]]?, batchSize: Int, output: Output
    ) -> [Encoded] {
        precondition(batchSize > 0, "batchSize must be positive")
        let vocabularySize = configuration.vocabularySize
        func truncated(_ ids: [Int32]) -> [Int32] {
            guard ids.count > sequenceLengthLimit, let last = ids.last else { return ids }
            return Array(ids.prefix(sequenceLengthLimit - 1)) + [last]
        }
        let sequences = batch.map { ids -> [Int32] in
            for id in ids {
                precondition(id >= 0 && Int(id) < vocabularySize, "token id \(id) is outside the vocabulary")
            }
            return truncated(ids)
        }
        let types = segments.map { $0.map(truncated) }
        let order = sequences.indices.sorted { (sequences[$0].count, $0) < (sequences[$1].count, $1) }
        var batches = stride(from: 0, to: order.count, by: batchSize).map {
            order[$0..<min($0 + batchSize, order.count)]
        }
        let workers = batchWorkers(batchCount: batches.count)
        if workers > 1 {
            // Side by side, each worker's batch should stay in its share of the cache: at most `batchTokens` tokens
            // (8 passages of 256 tokens; 60 sentences), which measured 10–15 % faster than 32 long passages.
            batches = order.chunked(maximumCount: batchSize, maximumWeight: Self.batchTokens) { sequences[$0].count }
        }
        var results = [Encoded](repeating: Encoded(vector: []), count: sequences.count)
        func encodeBatch(_ members: ArraySlice<Int>) -> [Encoded] {
            encode(
                members.map { sequences[$0] }, segments: types.map { list in members.map { list[$0] } },
                spans: spans.map { list in members.map { list[$0] } }, output: output)
        }
        guard workers > 1 else {
            for members in batches {
                for (index, result) in zip(members, encodeBatch(members)) { results[index] = result }
            }
            return results
        }
        // Each worker takes the next batch, longest first (so that the last ones, taken while the other worker
        // finishes, are the shortest), and encodes it alone; each writes only its batches' rows of `results`.
        let longestFirst = Array(batches.reversed())
        let next = Atomic(0)
        results.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            nonisolated(unsafe) let encodeBatch = encodeBatch
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                Parallelism.$callerThreadOnly.withValue(true) {
                    while case let taken = next.add(1, ordering: .relaxed).oldValue, taken < longestFirst.count {
                        for (index, result) in zip(longestFirst[taken], encodeBatch(longestFirst[taken])) {
                            buffer[index] = result
                        }
                    }
                }
            }
        }
        return results
    }

    /// The most tokens of a batch that a worker encodes beside another (see `batchWorkers`).
    private static let batchTokens = 2048

    /// The threads that encode whole batches side by side: two (the cores of a small machine) when there are two
    /// batches or more, the linear layers are ours (low precision) and the caller lets the work spread; else one,
    /// and the batch's own steps are shared between the threads instead.
    ///
    /// Whole batches side by side keep both cores busy with no meeting point between them, where splitting each
    /// step of a batch makes them wait for each other six times a layer (about 9 % of their time when indexing).
    /// A row's vector does not depend on how its batch was run, so the results are the same either way.
    private func batchWorkers(batchCount: Int) -> Int {
        guard precision != .fp32, !Parallelism.callerThreadOnly, batchCount >= 2 else { return 1 }
        return min(2, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs the model on one batch of (already truncated, validated) sequences.
    private func encode(
        _ sequences: [[Int32]], segments: [[Int32]]?, spans: [[Range<Int>]]?, output: Output
    ) -> [Encoded] {
        let hidden = configuration.hiddenSize
        let lengths = sequences.map(\.count)
        let rowCount = lengths.reduce(0, +)
        guard rowCount > 0 else {
            let zero = [Float](repeating: 0, count: hidden)
            return sequences.indices.map { index in
                Encoded(vector: zero, spans: (spans?[index] ?? []).map { _ in zero })
            }
        }
        var offsets: [Int] = []
        var offset = 0
        for length in lengths {
            offsets.append(offset)
            offset += length
        }
        // In low precision, whose linear layers are ours, sequences attend on two threads: the products of attention
        // are too small for OpenBLAS to share well (run it on one thread then: `Parallelism.matrixProductThreads`).
        let attentionParts =
            precision == .fp32 || Parallelism.callerThreadOnly || lengths.count < 2
            ? 1 : min(2, ProcessInfo.processInfo.activeProcessorCount)
        let storage = workspaces.take(
            rows: rowCount, attentionParts: attentionParts, configuration: configuration,
            longest: sequenceLengthLimit)
        defer { workspaces.giveBack(storage) }
        let workspace = storage.workspace(rows: rowCount, configuration: configuration, attentionParts: attentionParts)
        parameters.embed(sequences, segments: segments, into: workspace.state)
        for (index, layer) in parameters.layers.enumerated() {
            runLayer(
                layer, packed: packedLayers?[index], workspace: workspace, lengths: lengths, offsets: offsets)
        }
        return sequences.indices.map { index in
            let offset = offsets[index]
            let length = lengths[index]
            let vector: [Float]
            switch output {
            case .meanPooledUnitVector:
                vector = Self.meanPooledUnitVector(workspace.state, rows: offset..<(offset + length), width: hidden)
            case .firstToken:
                vector =
                    length > 0
                    ? Array(workspace.state[(offset * hidden)..<((offset + 1) * hidden)])
                    : [Float](repeating: 0, count: hidden)
            }
            let pooled = (spans?[index] ?? []).map { span in
                Self.meanPooledUnitVector(
                    workspace.state, rows: (offset + span.lowerBound)..<(offset + span.upperBound), width: hidden)
            }
            return Encoded(vector: vector, spans: pooled)
        }
    }

    /// One transformer layer, `workspace.state` in and out.
    private func runLayer(
        _ layer: BertParameters.Layer, packed: PackedLayer?, workspace: Workspace, lengths: [Int], offsets: [Int]
    ) {
        let rows = workspace.rowCount
        let hidden = configuration.hiddenSize
        let intermediate = configuration.intermediateSize
        let state = UnsafeBufferPointer(workspace.state)

        // Queries, keys and values in one product: their weights are stacked into 3·hidden rows.
        // Every product adds to its bias, copied into the output rows first.
        linear(
            state, weight: layer.queryKeyValueWeight, packed: packed?.queryKeyValue, bias: layer.queryKeyValueBias,
            into: workspace.queryKeyValue, rows: rows, outputs: 3 * hidden, inputs: hidden)
        let parts = workspace.heads.count
        if parts == 1 {
            for (offset, length) in zip(offsets, lengths) {
                attend(workspace: workspace, heads: workspace.heads[0], offset: offset, length: length)
            }
        } else {
            // Each part attends its own sequences into their own rows of `context`, with its own scratch.
            nonisolated(unsafe) let workspace = workspace
            let count = lengths.count
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                Parallelism.$callerThreadOnly.withValue(true) {
                    for sequence in (part * count / parts)..<((part + 1) * count / parts) {
                        attend(
                            workspace: workspace, heads: workspace.heads[part], offset: offsets[sequence],
                            length: lengths[sequence])
                    }
                }
            }
        }

        projectAndNormalize(
            UnsafeBufferPointer(workspace.context), width: hidden, weight: layer.attentionOutputWeight,
            packed: packed?.attentionOutput, bias: layer.attentionOutputBias, residual: state,
            normScale: layer.attentionNormScale,
            normShift: layer.attentionNormShift, into: workspace.projection, rows: rows)

        let attended = UnsafeBufferPointer(workspace.projection)
        if let packedIntermediate = packed?.intermediate {
            // GELU on each thread's rows as they come out of the product.
            nonisolated(unsafe) let values = workspace.intermediate
            linear(
                attended, weight: layer.intermediateWeight, packed: packedIntermediate,
                bias: layer.intermediateBias, into: workspace.intermediate, rows: rows, outputs: intermediate,
                inputs: hidden
            ) { range in
                BertKernels.applyGELU(
                    values.baseAddressOrCrash + range.lowerBound * intermediate, count: range.count * intermediate,
                    splitting: false)
            }
        } else {
            linear(
                attended, weight: layer.intermediateWeight, packed: nil, bias: layer.intermediateBias,
                into: workspace.intermediate, rows: rows, outputs: intermediate, inputs: hidden)
            BertKernels.applyGELU(workspace.intermediate.baseAddressOrCrash, count: rows * intermediate)
        }
        projectAndNormalize(
            UnsafeBufferPointer(workspace.intermediate), width: intermediate, weight: layer.outputWeight,
            packed: packed?.output, bias: layer.outputBias, residual: attended, normScale: layer.outputNormScale,
            normShift: layer.outputNormShift, into: workspace.state, rows: rows)
    }

    /// `output = input · weightᵀ + bias` for `rows` token rows: a linear layer of `inputs` to `outputs` features,
    /// in low precision when the layer's `packed` weights are given; then `finishing` on the output's rows.
    ///
    /// In low precision the rows are split between the threads and each finishes its own rows while they are still
    /// in its cache (layer norms and GELU then cost no extra pass over memory and no single-threaded step); in fp32
    /// OpenBLAS shares the product and `finishing` runs on the calling thread over all rows.
    private func linear(
        _ input: UnsafeBufferPointer<Float>, weight: Range<Int>, packed: LowPrecisionWeights?, bias: Range<Int>,
        into output: UnsafeMutableBufferPointer<Float>, rows: Int, outputs: Int, inputs: Int,
        finishing: (@Sendable (Range<Int>) -> Void)? = nil
    ) {
        if let packed {
            packed.apply(input, bias: parameters[bias], into: output, rows: rows, finishing: finishing)
            return
        }
        LinearLayer.apply(
            input, weight: parameters[weight], bias: parameters[bias], into: output, rows: rows, outputs: outputs,
            inputs: inputs)
        finishing?(0..<rows)
    }

    /// `output = LayerNorm(input · weightᵀ + bias + residual)`: the projection that closes the attention block and
    /// the one that closes the feed-forward block.
    private func projectAndNormalize(
        _ input: UnsafeBufferPointer<Float>, width: Int, weight: Range<Int>, packed: LowPrecisionWeights?,
        bias: Range<Int>,
        residual: UnsafeBufferPointer<Float>, normScale: Range<Int>, normShift: Range<Int>,
        into output: UnsafeMutableBufferPointer<Float>, rows: Int
    ) {
        let hidden = configuration.hiddenSize
        let epsilon = configuration.layerNormEpsilon
        // The buffers outlive the call; each range of rows is normalised by one thread.
        nonisolated(unsafe) let (output, residual) = (output, residual)
        nonisolated(unsafe) let (scale, shift) = (parameters[normScale], parameters[normShift])
        linear(
            input, weight: weight, packed: packed, bias: bias, into: output, rows: rows, outputs: hidden,
            inputs: width
        ) { range in
            BertKernels.normalizeRows(
                output.baseAddressOrCrash + range.lowerBound * hidden, rowCount: range.count, columns: hidden,
                adding: nil, residual: residual.baseAddressOrCrash + range.lowerBound * hidden,
                scale: scale.baseAddressOrCrash, shift: shift.baseAddressOrCrash, epsilon: epsilon)
        }
    }

    /// Self-attention of one sequence (rows `offset..<offset + length`), every head, into `workspace.context`.
    ///
    /// Each head's queries, keys and values are read where they lie, every `3·hidden` elements a row, and its
    /// output written into its columns of the context rows: no copies.
    private func attend(workspace: Workspace, heads: Workspace.HeadScratch, offset: Int, length: Int) {
        guard length > 0 else { return }
        let hidden = configuration.hiddenSize
        let headSize = configuration.attentionHeadSize
        let stride = 3 * hidden
        let source = workspace.queryKeyValue.baseAddressOrCrash + offset * stride
        let context = workspace.context.baseAddressOrCrash + offset * hidden
        let scores = heads.scores.baseAddressOrCrash
        let scale = 1 / Float(headSize).squareRoot()
        let headCount = configuration.attentionHeadCount
        // At integer precision, in 16-bit integers (twice the products an instruction of fp32). Else fused on
        // AVX-512: scores, softmax and values in registers, four queries at a time (twice as fast as the small
        // products below, which are the path everywhere else).
        if precision == .int16 || precision == .int8,
            Kernels.attentionInt16(
                source, stride: stride, into: context, contextStride: hidden, length: length, heads: headCount,
                headSize: headSize, scale: scale)
        {
            return
        }
        if Kernels.attention(
            source, stride: stride, into: context, contextStride: hidden, length: length, heads: headCount,
            headSize: headSize, scale: scale)
        {
            return
        }
        for head in 0..<headCount {
            let column = head * headSize
            BLAS.gemm(
                source + column, strideA: stride, source + hidden + column, strideB: stride, transposeB: true,
                into: scores + head * length * length, strideC: length, m: length, n: length, k: headSize,
                alpha: scale)
        }
        BertKernels.softmaxRows(scores, rowCount: headCount * length, columns: length)
        for head in 0..<headCount {
            let column = head * headSize
            BLAS.gemm(
                scores + head * length * length, strideA: length, source + 2 * hidden + column, strideB: stride,
                into: context + column, strideC: hidden, m: length, n: headSize, k: length)
        }
    }

    /// The mean of `rows` of the row-major `state`, scaled to unit length.
    private static func meanPooledUnitVector(
        _ state: UnsafeMutableBufferPointer<Float>, rows: Range<Int>, width: Int
    ) -> [Float] {
        var mean = [Float](repeating: 0, count: width)
        guard !rows.isEmpty else { return mean }
        for row in rows {
            for column in 0..<width { mean[column] += state[row * width + column] }
        }
        var squares: Float = 0
        for column in 0..<width {
            mean[column] /= Float(rows.count)
            squares += mean[column] * mean[column]
        }
        let norm = squares.squareRoot()
        // sentence-transformers divides by max(norm, 1e-12).
        let inverse = 1 / max(norm, 1e-12)
        for column in 0..<width { mean[column] *= inverse }
        return mean
    }

    private static func decode<Value: Decodable>(_ type: Value.Type, from url: URL) throws -> Value {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EmbeddingError(.missingFile, path: url.path, reason: "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: data)
        } catch {
            throw EmbeddingError(.damagedFile, path: url.path, reason: "not the expected JSON: \(error)")
        }
    }
}

/// The part of `sentence_bert_config.json` the encoder reads.
private struct SentenceConfiguration: Decodable {
    var maximumSequenceLength: Int?

    enum CodingKeys: String, CodingKey {
        case maximumSequenceLength = "max_seq_length"
    }
}

/// The scratch memory of one `encode` call, viewed at the call's size; nothing in it is shared between calls.
private struct Workspace {
    let rowCount: Int
    let state: UnsafeMutableBufferPointer<Float>
    let queryKeyValue: UnsafeMutableBufferPointer<Float>
    let context: UnsafeMutableBufferPointer<Float>
    let projection: UnsafeMutableBufferPointer<Float>
    let intermediate: UnsafeMutableBufferPointer<Float>
    /// One set of attention scratch per thread that attends.
    let heads: [HeadScratch]

    /// The scratch of one sequence's attention: every head's scores.
    struct HeadScratch {
        let scores: UnsafeMutableBufferPointer<Float>
    }
}

/// The memory behind workspaces: room for `rowCapacity` token rows and `partCapacity` threads that attend, for
/// sequences of up to `longest` tokens. Used by one `encode` call at a time, handed over through the pool.
private final class WorkspaceStorage: @unchecked Sendable {
    let rowCapacity: Int
    let partCapacity: Int
    private let state: UnsafeMutableBufferPointer<Float>
    private let queryKeyValue: UnsafeMutableBufferPointer<Float>
    private let context: UnsafeMutableBufferPointer<Float>
    private let projection: UnsafeMutableBufferPointer<Float>
    private let intermediate: UnsafeMutableBufferPointer<Float>
    private let scores: [UnsafeMutableBufferPointer<Float>]

    init(rowCapacity: Int, partCapacity: Int, configuration: BertConfiguration, longest: Int) {
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(count, 1))
            buffer.initialize(repeating: 0)
            return buffer
        }
        let hidden = configuration.hiddenSize
        self.rowCapacity = rowCapacity
        self.partCapacity = partCapacity
        state = buffer(rowCapacity * hidden)
        queryKeyValue = buffer(rowCapacity * 3 * hidden)
        context = buffer(rowCapacity * hidden)
        projection = buffer(rowCapacity * hidden)
        intermediate = buffer(rowCapacity * configuration.intermediateSize)
        scores = (0..<partCapacity).map { _ in buffer(configuration.attentionHeadCount * longest * longest) }
    }

    /// The first `rows` rows of every buffer, and `attentionParts` sets of attention scratch.
    func workspace(rows: Int, configuration: BertConfiguration, attentionParts: Int) -> Workspace {
        precondition(rows <= rowCapacity && attentionParts <= partCapacity, "workspace too small")
        func first(_ buffer: UnsafeMutableBufferPointer<Float>, _ count: Int) -> UnsafeMutableBufferPointer<Float> {
            UnsafeMutableBufferPointer(rebasing: buffer[0..<max(count, 1)])
        }
        let hidden = configuration.hiddenSize
        return Workspace(
            rowCount: rows, state: first(state, rows * hidden), queryKeyValue: first(queryKeyValue, rows * 3 * hidden),
            context: first(context, rows * hidden), projection: first(projection, rows * hidden),
            intermediate: first(intermediate, rows * configuration.intermediateSize),
            heads: scores.prefix(max(1, attentionParts)).map { Workspace.HeadScratch(scores: $0) })
    }

    deinit {
        for buffer in [state, queryKeyValue, context, projection, intermediate] { buffer.deallocate() }
        for buffer in scores { buffer.deallocate() }
    }
}

/// The workspaces an encoder keeps between calls: at most two (as many as encode at once when indexing), the
/// largest kept. A call that needs more rows than any kept one gets a new one, at least twice the size of the
/// largest so far (and so less than twice what it needs), so that batches growing in length (they come sorted by
/// length) allocate a few times, not at every batch.
private final class WorkspacePool: Sendable {
    private let free = Mutex<[WorkspaceStorage]>([])
    private let largest = Mutex(0)

    func take(rows: Int, attentionParts: Int, configuration: BertConfiguration, longest: Int) -> WorkspaceStorage {
        let parts = max(1, attentionParts)
        let kept = free.withLock { pool -> WorkspaceStorage? in
            guard let index = pool.firstIndex(where: { $0.rowCapacity >= rows && $0.partCapacity >= parts }) else {
                return nil
            }
            return pool.remove(at: index)
        }
        if let kept { return kept }
        let capacity = largest.withLock { largest in
            let capacity = rows > largest ? max(rows, 2 * largest) : rows
            largest = max(largest, capacity)
            return capacity
        }
        return WorkspaceStorage(
            rowCapacity: capacity, partCapacity: max(parts, 2), configuration: configuration, longest: longest)
    }

    func giveBack(_ storage: WorkspaceStorage) {
        free.withLock { pool in
            pool.append(storage)
            pool.sort { $0.rowCapacity > $1.rowCapacity }
            if pool.count > 2 { pool.removeLast(pool.count - 2) }
        }
    }
}

extension UnsafeMutableBufferPointer {
    /// The base address of a buffer known to be allocated (every workspace buffer has at least one element).
    fileprivate var baseAddressOrCrash: UnsafeMutablePointer<Element> {
        guard let baseAddress else { preconditionFailure("empty scratch buffer") }
        return baseAddress
    }
}

extension UnsafeBufferPointer {
    /// The base address of a buffer known to be non-empty (every parameter has at least one element).
    fileprivate var baseAddressOrCrash: UnsafePointer<Element> {
        guard let baseAddress else { preconditionFailure("empty parameter buffer") }
        return baseAddress
    }
}

extension Array {
    /// The array cut, in order, into runs of at most `maximumCount` elements whose weights add up to at most
    /// `maximumWeight` (a single element heavier than that makes a run of its own).
    fileprivate func chunked(maximumCount: Int, maximumWeight: Int, weight: (Element) -> Int) -> [ArraySlice<Element>] {
        var chunks: [ArraySlice<Element>] = []
        var start = startIndex
        var total = 0
        for index in indices {
            let next = weight(self[index])
            if index > start, index - start >= maximumCount || total + next > maximumWeight {
                chunks.append(self[start..<index])
                start = index
                total = 0
            }
            total += next
        }
        if start < endIndex { chunks.append(self[start..<endIndex]) }
        return chunks
    }
}
