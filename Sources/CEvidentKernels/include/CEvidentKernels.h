#ifndef C_EVIDENT_KERNELS_H
#define C_EVIDENT_KERNELS_H

// Inner-product kernels for Evident's vector indexes, dispatched at run time to the best instruction set the
// processor has. Levels: 2 = AVX-512 (for the 8-bit kernel: AVX-512 BW and VNNI), 1 = AVX2 with FMA, 0 = portable C.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The level the float kernels run at on this machine.
int evident_kernel_level(void);

/// AVX2 and FMA, usable (the processor has them and the system saves their registers).
#define EVIDENT_CPU_AVX2_FMA 1
/// AVX-512 F, CD, BW, DQ and VL — the set OpenBLAS's SkylakeX kernels need — usable.
#define EVIDENT_CPU_AVX512_SKYLAKE 2

/// The EVIDENT_CPU_* features this machine has, or-ed together; 0 off x86-64.
int evident_cpu_features(void);

/// The level the 8-bit kernel runs at on this machine.
int evident_kernel_byte_level(void);

/// scores[row] = matrix[row, :] · query for `rows` rows of `dimension` floats, row-major. A row's score does not
/// depend on the other rows or on its position among them.
void evident_inner_products_f32(
    const float *matrix, size_t rows, size_t dimension, const float *query, float *scores);

/// Returns the inner product of `left` and `right`, `count` floats each, rounded exactly as
/// `evident_inner_products_f32` rounds one row.
float evident_dot_product_f32(const float *left, const float *right, size_t count);

/// scores[query · rows + row] = matrix[row, :] · queries[query, :] for `query_count` row-major queries, each score
/// equal to what `evident_inner_products_f32` gives for that query alone.
void evident_inner_products_f32_batch(
    const float *matrix, size_t rows, size_t dimension, const float *queries, size_t query_count, float *scores);

/// `evident_inner_products_f32_batch` writing scores[query · stride + row] (stride ≥ rows): so that parts of a
/// matrix's rows, scored apart (on separate threads), fill their columns of one output.
void evident_inner_products_f32_batch_strided(const float *matrix, size_t rows, size_t dimension,
    const float *queries, size_t query_count, float *scores, size_t stride);

/// scores[i] = matrix[rows[i], :] · query for the `count` rows named by `rows` (a graph node's neighbours), each
/// score equal to what `evident_inner_products_f32` gives for that row; the rows ahead are prefetched while one is
/// scored.
void evident_gathered_inner_products_f32(const float *matrix, size_t dimension, const int32_t *rows, size_t count,
    const float *query, float *scores);

/// `evident_gathered_inner_products_f32` at most at `level` (lower levels for tests; -1 for the best).
void evident_gathered_inner_products_f32_at_level(int level, const float *matrix, size_t dimension,
    const int32_t *rows, size_t count, const float *query, float *scores);

/// scores[i] = Σ codes[rows[i], d] · query[d] for the `count` rows named by `rows`, each equal to what
/// `evident_inner_products_u8_i8` gives for that row; the rows ahead are prefetched while one is scored.
void evident_gathered_inner_products_u8_i8(const uint8_t *codes, size_t dimension, const int32_t *rows, size_t count,
    const int8_t *query, int32_t *scores);

/// `evident_gathered_inner_products_u8_i8` at most at `level` (lower levels for tests; -1 for the best).
void evident_gathered_inner_products_u8_i8_at_level(int level, const uint8_t *codes, size_t dimension,
    const int32_t *rows, size_t count, const int8_t *query, int32_t *scores);

/// scores[row] = Σ codes[row, d] · query[d], with unsigned 8-bit codes and a signed 8-bit query whose elements lie
/// in [-127, 127]; exact in 32-bit integers for dimension < 66,000.
void evident_inner_products_u8_i8(
    const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores);

/// `evident_inner_products_f32` at most at `level` (lower levels for tests and benchmarks; -1 for the best).
void evident_inner_products_f32_at_level(
    int level, const float *matrix, size_t rows, size_t dimension, const float *query, float *scores);

/// `evident_inner_products_f32_batch` at most at `level` (lower levels for tests and benchmarks; -1 for the best).
void evident_inner_products_f32_batch_at_level(int level, const float *matrix, size_t rows, size_t dimension,
    const float *queries, size_t query_count, float *scores);

/// `evident_inner_products_u8_i8` at most at `level` (lower levels for tests and benchmarks; -1 for the best).
void evident_inner_products_u8_i8_at_level(
    int level, const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores);

/// maxima[block] = the largest of values[64 · block ..< min(64 · (block + 1), count)] for every block of 64
/// values (the last one may be shorter); `maxima` holds (count + 63) / 64 floats. The values must not be NaN.
void evident_maxima_of_64(const float *values, size_t count, float *maxima);

// MARK: - bfloat16 pre-screen (Intel AMX)

/// Whether the AMX bfloat16 screen can run: the processor has AMX-TILE and AMX-BF16 and the system granted this
/// process the tile registers (asked once, on the first call).
int evident_amx_bf16_available(void);

/// Converts `rows` rows of `dimension` floats to bfloat16 (round to nearest, ties to even), each target row
/// `padded_dimension` elements long with zeros after the first `dimension`.
void evident_convert_f32_to_bf16(
    const float *source, size_t rows, size_t dimension, uint16_t *target, size_t padded_dimension);

/// A row whose approximate score reached its query's threshold.
typedef struct {
    float score;
    uint32_t row;
} evident_candidate;

/// One query's candidates: a growing array and the threshold a row's approximate score must reach to join it.
typedef struct {
    evident_candidate *items;
    size_t count;
    size_t capacity;
    float threshold;
} evident_candidate_list;

/// Makes an empty list (threshold −∞) with room for `capacity` candidates; returns 0, or -1 without memory.
int evident_candidate_list_init(evident_candidate_list *list, size_t capacity);

/// Frees a list's memory.
void evident_candidate_list_free(evident_candidate_list *list);

/// Scores rows `row_begin..<row_end` of the row-major bfloat16 `matrix` against `query_count` bfloat16 queries
/// (row-major, `padded_dimension` elements each) approximately, and appends to `lists[q]` every row whose score
/// for query q reaches the list's threshold. Whenever a list fills up, its threshold rises to its `limit`-th best
/// approximate score minus `margins[q]` and the candidates below are dropped; so when every approximate score is
/// within `margins[q] / 2` of the exact one, the lists end up holding every row of the exact top `limit`.
///
/// `padded_dimension` must be a multiple of 32 and `row_begin` a multiple of 32; `matrix` must hold
/// `row_end` rounded up to a multiple of 32 rows (the rows past `row_end` are read and ignored).
/// Returns 0; -1 when memory ran out; -2 when AMX is not available or the shapes are not as required.
int evident_screen_bf16(const uint16_t *matrix, size_t row_begin, size_t row_end, size_t padded_dimension,
    const uint16_t *queries, size_t query_count, size_t limit, const float *margins,
    evident_candidate_list *lists);

// MARK: - Linear layers at low precision (AVX-512 BF16, AVX-512 VNNI)

/// The kinds of packed linear layers: bfloat16 products summed in fp32 (AVX-512 BF16), 16-bit and 8-bit integer
/// products summed exactly in int32 (AVX-512 VNNI).
enum { EVIDENT_LINEAR_BF16 = 0, EVIDENT_LINEAR_INT16 = 1, EVIDENT_LINEAR_INT8 = 2 };

/// Whether `evident_linear_packed` can run `kind` here: AVX-512 F, BW, VL, and BF16 or VNNI.
int evident_linear_packed_available(int kind);

/// The largest code of an integer kind for a layer of `inputs` inputs: 127 for 8 bits; for 16, the largest with
/// inputs · limit² below 2³¹, so that no 32-bit sum can overflow (at most 32,767).
int32_t evident_linear_packed_limit(size_t inputs, int kind);

/// The bytes the packed weights of an `outputs × inputs` layer take.
size_t evident_linear_packed_bytes(size_t outputs, size_t inputs, int kind);

/// The bytes of scratch `evident_linear_packed` needs for `rows` rows of `inputs` features.
size_t evident_linear_packed_scratch_bytes(size_t rows, size_t inputs, int kind);

/// Packs a row-major `outputs × inputs` weight (PyTorch's layout) for `evident_linear_packed`: rounded to bfloat16,
/// or quantized per output to codes within ± the limit with `scales[out]` = max |w| / limit and `offsets[out]` the
/// share of the 8-bit rows' zero point in every sum (128 · Σ codes; 0 for 16 bits). Laid out in panels of 16
/// outputs, in each the 16 outputs' values of one 4-byte step of inputs side by side, zeros past the ends. `scales`
/// and `offsets` hold `outputs` elements (unused, and may be NULL, for bfloat16).
void evident_linear_packed_pack(int kind, const float *weight, size_t outputs, size_t inputs, void *packed,
    float *scales, int32_t *offsets);

/// output = input · weightᵀ + bias (no bias when `bias` is NULL) for `rows` row-major rows: each row rounded to
/// bfloat16 and the products summed in fp32, or each row quantized as it comes (sx = max |x| / limit, qx = round(x /
/// sx), plus 128 for 8 bits) and output = sx · scales[out] · (Σ qx · qw − offsets[out]) + bias, the sums exact in
/// int32. `scratch` holds at least `evident_linear_packed_scratch_bytes(rows, inputs, kind)` bytes. Only where
/// `evident_linear_packed_available(kind)`; elsewhere it does nothing.
void evident_linear_packed(int kind, const float *input, size_t rows, size_t inputs, const void *packed,
    const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output, void *scratch);

/// `evident_linear_packed` in portable C (the same rounding or quantization; bfloat16 sums in double precision,
/// integer sums in int64): what tests compare the kernel with.
void evident_linear_packed_reference(int kind, const float *input, size_t rows, size_t inputs, const void *packed,
    const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output);

/// The bytes of scratch `evident_attention_int16` needs for a sequence of `length` tokens.
size_t evident_attention_int16_scratch_bytes(size_t length, size_t head_size);

/// Self-attention of one sequence of `length` tokens, every head, in 16-bit integers on AVX-512 VNNI: each head's
/// keys quantized per key, its values per output column, its queries per row, and each row of softmax numerators
/// (at most 1) on a fixed scale; scores and outputs are 16-bit products summed exactly, scaled back in fp32, and the
/// softmax in between is fp32. `qkv` and `context` are laid out as for `evident_attention_f32`. For head sizes of 32
/// or 64; returns 1, or 0 with nothing done (no VNNI, or another head size).
int evident_attention_int16(const float *qkv, size_t stride, float *context, size_t context_stride, size_t length,
    size_t heads, size_t head_size, float scale, void *scratch);

// MARK: - The encoder's element-wise steps (AVX-512)

/// values[i] = x · (1 + erf(x / √2)) / 2 for `count` floats, as BertKernels computes it; returns 1, or 0 (and does
/// nothing) where the processor has no AVX-512.
int evident_gelu_f32(float *values, size_t count);

/// Replaces each of `row_count` rows of `columns` floats by its softmax, as BertKernels computes it; returns 1, or 0
/// (and does nothing) where the processor has no AVX-512.
int evident_softmax_rows_f32(float *rows, size_t row_count, size_t columns);

/// Self-attention of one sequence of `length` tokens, every head: `qkv` holds each token's queries, keys and values
/// (`heads · head_size` floats each, side by side, rows `stride` floats apart); each head's softmax(Q·Kᵀ·scale)·V
/// goes into its `head_size` columns of `context` (rows `context_stride` apart). Fused on AVX-512, for head sizes of
/// 16, 32, 48 or 64; returns 1, or 0 with nothing done (no AVX-512, another head size, or no memory).
int evident_attention_f32(const float *qkv, size_t stride, float *context, size_t context_stride, size_t length,
    size_t heads, size_t head_size, float scale);

#ifdef __cplusplus
}
#endif

#endif
