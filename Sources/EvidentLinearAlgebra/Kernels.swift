import CEvidentKernels

/// The engine's only door to its own C kernels (`CEvidentKernels`): inner products at the best instruction set the
/// processor has (AVX-512, AVX2 with FMA, or portable C, chosen at run time), block maxima, and the AMX bfloat16
/// screen. Every entry checks the shapes it is given before the call, as `BLAS` does for OpenBLAS.
package enum Kernels {
    /// The instruction sets a kernel can run at, lowest first.
    package enum Level: Int32, Sendable, Hashable, CaseIterable, Comparable {
        /// Portable C.
        case portable = 0
        /// AVX2 with FMA.
        case avx2 = 1
        /// AVX-512 (for the 8-bit kernel: AVX-512 BW and VNNI).
        case avx512 = 2

        package static func < (left: Level, right: Level) -> Bool { left.rawValue < right.rawValue }

        /// The level the float kernels run at on this machine.
        package static let float = Level(rawValue: evident_kernel_level()) ?? .portable
        /// The level the 8-bit kernel runs at on this machine.
        package static let byte = Level(rawValue: evident_kernel_byte_level()) ?? .portable
    }

    /// The x86-64 features this machine has that decide OpenBLAS's kernel family.
    package struct ProcessorFeatures: OptionSet, Sendable, Hashable {
        package let rawValue: Int32

        package init(rawValue: Int32) { self.rawValue = rawValue }

        /// AVX2 and FMA, usable.
        package static let avx2FMA = ProcessorFeatures(rawValue: EVIDENT_CPU_AVX2_FMA)
        /// AVX-512 F, CD, BW, DQ and VL (what OpenBLAS's SkylakeX kernels need), usable.
        package static let avx512Skylake = ProcessorFeatures(rawValue: EVIDENT_CPU_AVX512_SKYLAKE)

        /// This machine's features (none off x86-64).
        package static let current = ProcessorFeatures(rawValue: evident_cpu_features())
    }

    // MARK: - Inner products

    /// `scores[row] = matrix[row, :] · query` for `rows` row-major rows of `dimension` floats. A row's score does
    /// not depend on the other rows or on its position among them.
    ///
    /// - Parameters:
    ///   - matrix: `rows × dimension` floats, row-major.
    ///   - rows: The rows to score.
    ///   - dimension: The floats of a row and of the query.
    ///   - query: `dimension` floats.
    ///   - scores: Room for `rows` scores.
    ///   - level: At most this level (lower ones for tests and benchmarks); `nil` for the best.
    package static func innerProducts(
        _ matrix: UnsafeBufferPointer<Float>, rows: Int, dimension: Int, query: UnsafeBufferPointer<Float>,
        into scores: UnsafeMutableBufferPointer<Float>, level: Level? = nil
    ) {
        precondition(rows >= 0 && dimension >= 0, "inner products: negative shape \(rows)×\(dimension)")
        precondition(
            matrix.count >= rows * dimension, "inner products: matrix has \(matrix.count), needs \(rows)×\(dimension)")
        precondition(query.count >= dimension, "inner products: query has \(query.count) elements, needs \(dimension)")
        precondition(scores.count >= rows, "inner products: room for \(scores.count) scores, needs \(rows)")
        guard rows > 0 else { return }
        if let level {
            evident_inner_products_f32_at_level(
                level.rawValue, matrix.baseAddress, rows, dimension, query.baseAddress, scores.baseAddress)
        } else {
            evident_inner_products_f32(matrix.baseAddress, rows, dimension, query.baseAddress, scores.baseAddress)
        }
    }

    /// `scores[i] = matrix[rows[i], :] · query` for scattered rows (a graph node's neighbours), each score equal to
    /// what `innerProducts` gives for that row; the rows ahead are prefetched while one is scored.
    ///
    /// - Parameters:
    ///   - matrix: Row-major rows of `dimension` floats; every entry of `rows` names one of them.
    ///   - dimension: The floats of a row.
    ///   - rows: The rows to score.
    ///   - query: `dimension` floats.
    ///   - scores: Room for `rows.count` scores.
    ///   - level: At most this level; `nil` for the best.
    package static func gatheredInnerProducts(
        _ matrix: UnsafeBufferPointer<Float>, dimension: Int, rows: UnsafeBufferPointer<Int32>,
        query: UnsafeBufferPointer<Float>, into scores: UnsafeMutableBufferPointer<Float>, level: Level? = nil
    ) {
        precondition(query.count == dimension, "gathered inner products: query of \(query.count), rows of \(dimension)")
        precondition(
            scores.count >= rows.count, "gathered inner products: \(scores.count) scores for \(rows.count) rows")
        guard !rows.isEmpty else { return }
        evident_gathered_inner_products_f32_at_level(
            level?.rawValue ?? -1, matrix.baseAddress, dimension, rows.baseAddress, rows.count, query.baseAddress,
            scores.baseAddress)
    }

    /// `scores[i] = Σ codes[rows[i], d] · query[d]` for scattered rows of 8-bit codes, each equal to what the
    /// contiguous 8-bit `innerProducts` gives for that row; the rows ahead are prefetched while one is scored.
    ///
    /// - Parameters:
    ///   - codes: Row-major rows of `dimension` bytes; every entry of `rows` names one of them.
    ///   - dimension: The bytes of a row.
    ///   - rows: The rows to score.
    ///   - query: `dimension` signed bytes in [-127, 127].
    ///   - scores: Room for `rows.count` scores.
    ///   - level: At most this level; `nil` for the best.
    package static func gatheredInnerProducts(
        codes: UnsafeBufferPointer<UInt8>, dimension: Int, rows: UnsafeBufferPointer<Int32>,
        query: UnsafeBufferPointer<Int8>, into scores: UnsafeMutableBufferPointer<Int32>, level: Level? = nil
    ) {
        precondition(query.count == dimension, "gathered inner products: query of \(query.count), rows of \(dimension)")
        precondition(
            scores.count >= rows.count, "gathered inner products: \(scores.count) scores for \(rows.count) rows")
        guard !rows.isEmpty else { return }
        evident_gathered_inner_products_u8_i8_at_level(
            level?.rawValue ?? -1, codes.baseAddress, dimension, rows.baseAddress, rows.count, query.baseAddress,
            scores.baseAddress)
    }

    /// The inner product of two vectors of equal length, rounded exactly as `innerProducts` rounds one row.
    package static func dotProduct(_ left: UnsafeBufferPointer<Float>, _ right: UnsafeBufferPointer<Float>) -> Float {
        precondition(left.count == right.count, "dot product of \(left.count) and \(right.count) elements")
        return evident_dot_product_f32(left.baseAddress, right.baseAddress, left.count)
    }

    /// The inner product of two arrays of equal length, rounded exactly as `innerProducts` rounds one row.
    package static func dotProduct(_ left: [Float], _ right: [Float]) -> Float {
        left.withUnsafeBufferPointer { left in right.withUnsafeBufferPointer { right in dotProduct(left, right) } }
    }

    /// `scores[query · stride + row] = matrix[row, :] · queries[query, :]` for `queryCount` row-major queries; each
    /// score equals what `innerProducts` gives for that query alone. The matrix is read once for all the queries.
    ///
    /// - Parameters:
    ///   - matrix: `rows × dimension` floats, row-major.
    ///   - rows: The rows to score.
    ///   - dimension: The floats of a row and of a query.
    ///   - queries: `queryCount × dimension` floats, row-major.
    ///   - queryCount: The queries.
    ///   - scores: Room for `queryCount` rows of scores, `stride` apart.
    ///   - stride: The distance between two queries' scores, at least `rows` (`nil`: `rows`), so that parts of a
    ///     matrix's rows scored apart (on separate threads) fill their columns of one output.
    ///   - level: At most this level; `nil` for the best (a level works only with the default stride).
    package static func innerProducts(
        _ matrix: UnsafeBufferPointer<Float>, rows: Int, dimension: Int, queries: UnsafeBufferPointer<Float>,
        queryCount: Int, into scores: UnsafeMutableBufferPointer<Float>, stride: Int? = nil, level: Level? = nil
    ) {
        let stride = stride ?? rows
        precondition(rows >= 0 && dimension >= 0 && queryCount >= 0, "inner products: negative shape")
        precondition(stride >= rows, "inner products: stride \(stride) is less than \(rows) rows")
        precondition(level == nil || stride == rows, "inner products: a level goes with the default stride")
        precondition(
            matrix.count >= rows * dimension, "inner products: matrix has \(matrix.count), needs \(rows)×\(dimension)")
        precondition(
            queries.count >= queryCount * dimension,
            "inner products: queries have \(queries.count) elements, need \(queryCount)×\(dimension)")
        precondition(
            queryCount == 0 || scores.count >= (queryCount - 1) * stride + rows,
            "inner products: room for \(scores.count) scores, needs \(queryCount) × \(stride)")
        guard rows > 0, queryCount > 0 else { return }
        if let level {
            evident_inner_products_f32_batch_at_level(
                level.rawValue, matrix.baseAddress, rows, dimension, queries.baseAddress, queryCount,
                scores.baseAddress)
        } else if stride == rows {
            evident_inner_products_f32_batch(
                matrix.baseAddress, rows, dimension, queries.baseAddress, queryCount, scores.baseAddress)
        } else {
            evident_inner_products_f32_batch_strided(
                matrix.baseAddress, rows, dimension, queries.baseAddress, queryCount, scores.baseAddress, stride)
        }
    }

    /// `scores[row] = Σ codes[row, d] · query[d]` with unsigned 8-bit codes and a signed 8-bit query whose elements
    /// lie in -127...127; exact in 32-bit integers.
    ///
    /// - Parameters:
    ///   - codes: `rows × dimension` codes, row-major.
    ///   - rows: The rows to score.
    ///   - dimension: The codes of a row and the elements of the query.
    ///   - query: `dimension` elements in -127...127.
    ///   - scores: Room for `rows` scores.
    ///   - level: At most this level; `nil` for the best.
    package static func innerProducts(
        codes: UnsafeBufferPointer<UInt8>, rows: Int, dimension: Int, query: UnsafeBufferPointer<Int8>,
        into scores: UnsafeMutableBufferPointer<Int32>, level: Level? = nil
    ) {
        precondition(rows >= 0 && dimension >= 0, "8-bit inner products: negative shape \(rows)×\(dimension)")
        precondition(dimension < 66_000, "8-bit inner products are exact below 66,000 dimensions, not \(dimension)")
        precondition(
            codes.count >= rows * dimension,
            "8-bit inner products: codes have \(codes.count), need \(rows)×\(dimension)")
        precondition(query.count >= dimension, "8-bit inner products: query has \(query.count), needs \(dimension)")
        precondition(scores.count >= rows, "8-bit inner products: room for \(scores.count) scores, needs \(rows)")
        guard rows > 0 else { return }
        if let level {
            evident_inner_products_u8_i8_at_level(
                level.rawValue, codes.baseAddress, rows, dimension, query.baseAddress, scores.baseAddress)
        } else {
            evident_inner_products_u8_i8(codes.baseAddress, rows, dimension, query.baseAddress, scores.baseAddress)
        }
    }

    // MARK: - Block maxima

    /// The number of values `blockMaxima` takes the largest of.
    package static let maximaBlockSize = 64

    /// `maxima[block]` = the largest of `values[64 · block ..< min(64 · (block + 1), count)]`, for every block of 64
    /// values (the last may be shorter). The values must not be NaN.
    package static func blockMaxima(
        of values: UnsafeBufferPointer<Float>, into maxima: UnsafeMutableBufferPointer<Float>
    ) {
        let blocks = (values.count + maximaBlockSize - 1) / maximaBlockSize
        precondition(maxima.count >= blocks, "block maxima: room for \(maxima.count), needs \(blocks)")
        guard blocks > 0 else { return }
        evident_maxima_of_64(values.baseAddress, values.count, maxima.baseAddress)
    }
}

// MARK: - bfloat16 screen (Intel AMX)

extension Kernels {
    /// Whether the AMX bfloat16 screen can run: the processor has AMX-TILE and AMX-BF16 and the system granted this
    /// process the tile registers.
    package static var bfloat16ScreenIsAvailable: Bool { evident_amx_bf16_available() != 0 }

    /// The screen's row and element granularity: matrices hold whole blocks of 32 rows of a multiple of 32 elements.
    package static let screenBlock = 32

    /// Converts `rows` rows of `dimension` floats to bfloat16 (round to nearest, ties to even), each target row
    /// `paddedDimension` elements long with zeros after the first `dimension`.
    package static func convertToBFloat16(
        _ source: UnsafeBufferPointer<Float>, rows: Int, dimension: Int, into target: UnsafeMutablePointer<UInt16>,
        paddedDimension: Int
    ) {
        precondition(rows >= 0 && dimension >= 0, "bfloat16 conversion: negative shape")
        precondition(paddedDimension >= dimension, "bfloat16 rows of \(paddedDimension) cannot hold \(dimension)")
        precondition(
            source.count >= rows * dimension,
            "bfloat16 conversion: source has \(source.count), needs \(rows)×\(dimension)")
        guard rows > 0 else { return }
        evident_convert_f32_to_bf16(source.baseAddress, rows, dimension, target, paddedDimension)
    }

    /// One query's candidates from the screen: the rows whose approximate score reached its threshold. Owns its
    /// memory; frees it with the object.
    package final class ScreenCandidates: @unchecked Sendable {
        fileprivate var list = evident_candidate_list()

        /// An empty list (threshold −∞) with room for `capacity` candidates before it first prunes.
        package init(capacity: Int) {
            precondition(capacity > 0, "a candidate list needs room")
            precondition(evident_candidate_list_init(&list, capacity) == 0, "cannot allocate a candidate list")
        }

        deinit { evident_candidate_list_free(&list) }

        /// Calls `body` with each candidate's row.
        package func forEachRow(_ body: (Int) -> Void) {
            guard let items = list.items else { return }
            for item in UnsafeBufferPointer(start: items, count: list.count) { body(Int(item.row)) }
        }
    }

    /// Scores rows `rows` of the row-major bfloat16 `matrix` against `queryCount` bfloat16 queries (row-major,
    /// `paddedDimension` elements each) approximately, and adds to `lists[q]` every row whose score for query q
    /// reaches that list's threshold; whenever a list fills up, its threshold rises to its `limit`-th best
    /// approximate score minus `margins[q]`. So when every approximate score is within `margins[q] / 2` of the exact
    /// one, the lists end up holding every row of the exact top `limit`.
    ///
    /// - Precondition: `bfloat16ScreenIsAvailable`; `paddedDimension` and `rows.lowerBound` multiples of 32;
    ///   `matrix` holds `rows.upperBound` rounded up to a multiple of 32 rows.
    package static func screen(
        _ matrix: UnsafePointer<UInt16>, rows: Range<Int>, paddedDimension: Int, queries: UnsafeBufferPointer<UInt16>,
        queryCount: Int, limit: Int, margins: UnsafeBufferPointer<Float>, lists: [ScreenCandidates]
    ) {
        precondition(paddedDimension % screenBlock == 0, "screen rows of \(paddedDimension) are not whole blocks of 32")
        precondition(rows.lowerBound % screenBlock == 0, "the screen starts at row \(rows.lowerBound), not a block")
        precondition(queries.count >= queryCount * paddedDimension, "screen: the queries are short")
        precondition(margins.count >= queryCount && lists.count == queryCount, "screen: one margin and list a query")
        var raw = lists.map(\.list)
        let status = raw.withUnsafeMutableBufferPointer { raw in
            evident_screen_bf16(
                matrix, rows.lowerBound, rows.upperBound, paddedDimension, queries.baseAddress, queryCount, limit,
                margins.baseAddress, raw.baseAddress)
        }
        precondition(status != -2, "the bfloat16 screen ran where AMX is not available, or with other shapes")
        precondition(status == 0, "the bfloat16 screen failed (status \(status)): out of memory?")
        for (list, updated) in zip(lists, raw) { list.list = updated }
    }
}

// MARK: - The encoder's element-wise steps

extension Kernels {
    /// `values[i] = gelu(values[i])` (the exact, erf-based GELU) on AVX-512; `false`, with nothing done, elsewhere.
    package static func gelu(_ values: UnsafeMutablePointer<Float>, count: Int) -> Bool {
        evident_gelu_f32(values, count) != 0
    }

    /// Every row of a row-major `rowCount × columns` matrix replaced by its softmax on AVX-512; `false`, with
    /// nothing done, elsewhere.
    package static func softmaxRows(_ rows: UnsafeMutablePointer<Float>, rowCount: Int, columns: Int) -> Bool {
        evident_softmax_rows_f32(rows, rowCount, columns) != 0
    }

    /// Self-attention of one sequence, fused on AVX-512 (see `evident_attention_f32`); `false`, with nothing done,
    /// where it does not run.
    package static func attention(
        _ queryKeyValue: UnsafePointer<Float>, stride: Int, into context: UnsafeMutablePointer<Float>,
        contextStride: Int, length: Int, heads: Int, headSize: Int, scale: Float
    ) -> Bool {
        evident_attention_f32(queryKeyValue, stride, context, contextStride, length, heads, headSize, scale) != 0
    }

    /// Self-attention of one sequence in 16-bit integers (see `evident_attention_int16`), with scratch from
    /// `ScratchMemory`; `false`, with nothing done, where it does not run.
    package static func attentionInt16(
        _ queryKeyValue: UnsafePointer<Float>, stride: Int, into context: UnsafeMutablePointer<Float>,
        contextStride: Int, length: Int, heads: Int, headSize: Int, scale: Float
    ) -> Bool {
        precondition(length >= 0 && heads > 0 && headSize > 0, "attention of \(length) tokens, \(heads) heads")
        precondition(stride >= 3 * heads * headSize && contextStride >= heads * headSize, "attention: strides")
        guard length > 0 else { return true }
        let bytes = evident_attention_int16_scratch_bytes(length, headSize)
        return ScratchMemory.withBuffer(byteCount: bytes) { scratch in
            evident_attention_int16(
                queryKeyValue, stride, context, contextStride, length, heads, headSize, scale, scratch.baseAddress)
                != 0
        }
    }
}

// MARK: - Low-precision linear layers

extension Kernels {
    /// The arithmetic of a packed linear layer (see `evident_linear_packed`).
    package enum PackedKind: Int32, Sendable, Hashable, CaseIterable {
        /// bfloat16 products summed in fp32 (AVX-512 BF16).
        case bfloat16 = 0
        /// 16-bit integer products summed exactly in int32 (AVX-512 VNNI).
        case int16 = 1
        /// 8-bit integer products summed exactly in int32 (AVX-512 VNNI).
        case int8 = 2

        /// Whether the kernel of this kind runs here.
        package var isAvailable: Bool { Self.available[Int(rawValue)] }

        private static let available = allCases.map { evident_linear_packed_available($0.rawValue) != 0 }
    }

    /// The largest code of an integer kind for a layer of `inputs` inputs (see `evident_linear_packed_limit`).
    package static func packedLimit(inputs: Int, kind: PackedKind) -> Int {
        Int(evident_linear_packed_limit(inputs, kind.rawValue))
    }

    /// The bytes of an `outputs × inputs` layer's packed weights.
    package static func packedBytes(outputs: Int, inputs: Int, kind: PackedKind) -> Int {
        evident_linear_packed_bytes(outputs, inputs, kind.rawValue)
    }

    /// The bytes of scratch that `linearPacked` needs for `rows` rows.
    package static func packedScratchBytes(rows: Int, inputs: Int, kind: PackedKind) -> Int {
        evident_linear_packed_scratch_bytes(rows, inputs, kind.rawValue)
    }

    /// Rounds or quantizes the row-major `outputs × inputs` `weight` and packs it for `linearPacked`, with each
    /// output's scale and zero-point offset for the integer kinds.
    package static func pack(
        _ weight: UnsafeBufferPointer<Float>, outputs: Int, inputs: Int, kind: PackedKind,
        into packed: UnsafeMutableRawBufferPointer, scales: UnsafeMutableBufferPointer<Float>,
        offsets: UnsafeMutableBufferPointer<Int32>
    ) {
        precondition(outputs > 0 && inputs > 0, "packed weights of shape \(outputs)×\(inputs)")
        precondition(weight.count >= outputs * inputs, "pack: weight has \(weight.count), needs \(outputs)×\(inputs)")
        precondition(packed.count >= packedBytes(outputs: outputs, inputs: inputs, kind: kind), "pack: room is short")
        precondition(
            kind == .bfloat16 || (scales.count >= outputs && offsets.count >= outputs),
            "pack: one scale and offset an output")
        evident_linear_packed_pack(
            kind.rawValue, weight.baseAddress, outputs, inputs, packed.baseAddress, scales.baseAddress,
            offsets.baseAddress)
    }

    /// `output = input · weightᵀ + bias` at the packed weights' precision (see `evident_linear_packed`); with
    /// `reference`, in portable C (for tests).
    ///
    /// - Precondition: `kind.isAvailable` unless `reference`.
    package static func linearPacked(
        _ input: UnsafeBufferPointer<Float>, rows: Int, inputs: Int, kind: PackedKind, packed: UnsafeRawBufferPointer,
        scales: UnsafeBufferPointer<Float>, offsets: UnsafeBufferPointer<Int32>, bias: UnsafeBufferPointer<Float>,
        outputs: Int, into output: UnsafeMutableBufferPointer<Float>, scratch: UnsafeMutableRawBufferPointer,
        reference: Bool = false
    ) {
        precondition(input.count >= rows * inputs, "packed linear: input has \(input.count), needs \(rows)×\(inputs)")
        precondition(
            packed.count >= packedBytes(outputs: outputs, inputs: inputs, kind: kind), "packed linear: weights")
        precondition(
            kind == .bfloat16 || (scales.count >= outputs && offsets.count >= outputs),
            "packed linear: scales and offsets")
        precondition(bias.count >= outputs, "packed linear: bias has \(bias.count), needs \(outputs)")
        precondition(
            output.count >= rows * outputs, "packed linear: output has \(output.count), needs \(rows)×\(outputs)")
        guard rows > 0, outputs > 0 else { return }
        if reference {
            evident_linear_packed_reference(
                kind.rawValue, input.baseAddress, rows, inputs, packed.baseAddress, scales.baseAddress,
                offsets.baseAddress, bias.baseAddress, outputs, output.baseAddress)
            return
        }
        precondition(kind.isAvailable, "the \(kind) linear kernel does not run on this processor")
        precondition(
            scratch.count >= packedScratchBytes(rows: rows, inputs: inputs, kind: kind), "packed linear: scratch")
        evident_linear_packed(
            kind.rawValue, input.baseAddress, rows, inputs, packed.baseAddress, scales.baseAddress,
            offsets.baseAddress, bias.baseAddress, outputs, output.baseAddress, scratch.baseAddress)
    }
}
