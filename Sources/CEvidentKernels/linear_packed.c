// Linear layers at low precision: output = input · weightᵀ + bias, with the weights rounded or quantized once and
// packed, each input row rounded or quantized as it enters, and the products summed in 32-bit lanes. Three kinds
// share one layout and one kernel:
//
// - bfloat16 (AVX-512 BF16, `vdpbf16ps`): 16 lanes × 2 products an instruction, summed in fp32.
// - 16-bit integers (AVX-512 VNNI, `vpdpwssd`): 16 lanes × 2 products, summed exactly in int32. Weights are quantized
//   per output (scale = max |w| / limit) and rows per row (scale = max |x| / limit); the limit is the largest that
//   cannot overflow a 32-bit sum, inputs · limit² < 2³¹ (2,364 for 384 inputs, 1,182 for 1,536): 12–13 bits, far
//   more than bfloat16's 8.
// - 8-bit integers (AVX-512 VNNI, `vpdpbusd`): 16 lanes × 4 products, limit 127. `vpdpbusd` multiplies unsigned by
//   signed bytes, so the row codes are stored plus 128; the sum of 128 · w over a row is a per-output constant
//   (`offsets`), taken off once.
//
// Every kind packs a step of 4 bytes of inputs per lane (2 bfloat16 or 16-bit values, 4 bytes): in panels of 16
// outputs, and within a panel, for each step, the 16 outputs' values side by side, one 64-byte load per panel and
// step. A row's 4 bytes are broadcast to the 16 lanes. The kernel holds 8 rows × 3 panels of sums in 24 registers
// for the whole row, so that each weight load serves 8 rows and each broadcast 3 panels.
//
// Which kind is fastest depends on the processor: on AMD Zen 4/5 `vdpbf16ps` runs at the rate of fp32 FMAs, on Intel
// Xeons without AMX at a quarter of it (half their products), while `vpdpwssd` and `vpdpbusd` run at the FMAs' rate.

#include "CEvidentKernels.h"
#include "vector_math.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#define EVIDENT_PACKED 1
#include <immintrin.h>
#endif

enum { PANEL = 16, ROWS = 8, PANELS = 3, ROW_BLOCK = 128, ZERO_POINT = 128, STEP_BYTES = 4 };

// Inputs in a 4-byte step, and the number of steps of a row.
static size_t per_step(int kind) { return kind == EVIDENT_LINEAR_INT8 ? 4 : 2; }
static size_t step_count(size_t inputs, int kind) { return (inputs + per_step(kind) - 1) / per_step(kind); }
static size_t panel_count(size_t outputs) { return (outputs + PANEL - 1) / PANEL; }
static int is_integer(int kind) { return kind != EVIDENT_LINEAR_BF16; }

int32_t evident_linear_packed_limit(size_t inputs, int kind) {
    if (kind == EVIDENT_LINEAR_INT8) return 127;
    double padded = (double)(step_count(inputs, kind) * per_step(kind));
    double limit = floor(sqrt(2147483647.0 / (padded > 0 ? padded : 1)));
    return limit > 32767 ? 32767 : (int32_t)limit;
}

int evident_linear_packed_available(int kind) {
#ifdef EVIDENT_PACKED
    __builtin_cpu_init();
    int base = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl");
    return base && (kind == EVIDENT_LINEAR_BF16 ? __builtin_cpu_supports("avx512bf16")
                                                : __builtin_cpu_supports("avx512vnni"));
#else
    (void)kind;
    return 0;
#endif
}

size_t evident_linear_packed_bytes(size_t outputs, size_t inputs, int kind) {
    return panel_count(outputs) * step_count(inputs, kind) * STEP_BYTES * PANEL;
}

// The row codes, then (for the integer kinds) one scale a row; the codes take a multiple of 4 bytes.
size_t evident_linear_packed_scratch_bytes(size_t rows, size_t inputs, int kind) {
    return rows * step_count(inputs, kind) * STEP_BYTES + (is_integer(kind) ? rows * sizeof(float) : 0);
}

static inline uint16_t bf16_rounded(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // NaN stays a quiet NaN
    bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest, ties to even
    return (uint16_t)(bits >> 16);
}

static inline int32_t clamped_code(float value, int32_t limit) {
    int32_t code = (int32_t)lrintf(value);  // to nearest, ties to even, as the vector conversion rounds
    return code > limit ? limit : code < -limit ? -limit : code;
}

// Where input `input` of output `output` lies in the packed weights, in elements of the kind's width.
static size_t packed_index(size_t output, size_t input, size_t steps, int kind) {
    size_t lanes = per_step(kind);
    return (output / PANEL) * steps * PANEL * lanes + ((input / lanes) * PANEL + output % PANEL) * lanes + input % lanes;
}

void evident_linear_packed_pack(int kind, const float *weight, size_t outputs, size_t inputs, void *packed,
    float *scales, int32_t *offsets) {
    size_t steps = step_count(inputs, kind);
    int32_t limit = evident_linear_packed_limit(inputs, kind);
    memset(packed, 0, evident_linear_packed_bytes(outputs, inputs, kind));
    for (size_t output = 0; output < outputs; output++) {
        const float *row = weight + output * inputs;
        if (kind == EVIDENT_LINEAR_BF16) {
            for (size_t input = 0; input < inputs; input++)
                ((uint16_t *)packed)[packed_index(output, input, steps, kind)] = bf16_rounded(row[input]);
            continue;
        }
        float largest = 0;
        for (size_t input = 0; input < inputs; input++) largest = fabsf(row[input]) > largest ? fabsf(row[input]) : largest;
        float scale = largest > 0 ? largest / (float)limit : 1;
        int32_t sum = 0;
        for (size_t input = 0; input < inputs; input++) {
            int32_t code = clamped_code(row[input] / scale, limit);
            size_t at = packed_index(output, input, steps, kind);
            if (kind == EVIDENT_LINEAR_INT8) ((int8_t *)packed)[at] = (int8_t)code;
            else ((int16_t *)packed)[at] = (int16_t)code;
            sum += code;
        }
        scales[output] = scale;
        offsets[output] = kind == EVIDENT_LINEAR_INT8 ? ZERO_POINT * sum : 0;
    }
}

// One row's codes (and scale), as the vector code makes them: for the integer kinds the largest magnitude, one
// reciprocal, rounding to nearest even, clamping (and the zero point for 8 bits). Zeros pad the row to whole steps.
static void prepare_row_portable(const float *row, size_t inputs, int kind, void *codes, float *scale) {
    size_t width = step_count(inputs, kind) * per_step(kind);
    if (kind == EVIDENT_LINEAR_BF16) {
        for (size_t input = 0; input < width; input++) ((uint16_t *)codes)[input] = input < inputs ? bf16_rounded(row[input]) : 0;
        return;
    }
    int32_t limit = evident_linear_packed_limit(inputs, kind);
    float largest = 0;
    for (size_t input = 0; input < inputs; input++) largest = fabsf(row[input]) > largest ? fabsf(row[input]) : largest;
    float step = largest > 0 ? largest / (float)limit : 1;
    float inverse = 1 / step;
    for (size_t input = 0; input < width; input++) {
        int32_t code = input < inputs ? clamped_code(row[input] * inverse, limit) : 0;
        if (kind == EVIDENT_LINEAR_INT8) ((uint8_t *)codes)[input] = (uint8_t)(code + ZERO_POINT);
        else ((int16_t *)codes)[input] = (int16_t)code;
    }
    *scale = step;
}

#ifdef EVIDENT_PACKED

#define PACKED_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

// The rows' codes (row stride: whole steps) and, for the integer kinds, their scales; input rows `input_stride`
// floats apart.
PACKED_TARGET INLINE void prepare_rows(const int kind, const float *input, size_t input_stride, size_t rows,
    size_t inputs, uint8_t *codes, float *scales) {
    size_t row_bytes = step_count(inputs, kind) * STEP_BYTES, width = step_count(inputs, kind) * per_step(kind);
    int32_t limit = evident_linear_packed_limit(inputs, kind);
    const __m512i low = _mm512_set1_epi32(-limit), high = _mm512_set1_epi32(limit);
    const __m512i zero_point = _mm512_set1_epi32(kind == EVIDENT_LINEAR_INT8 ? ZERO_POINT : 0);
    for (size_t row = 0; row < rows; row++) {
        const float *from = input + row * input_stride;
        uint8_t *to = codes + row * row_bytes;
        size_t index = 0;
        if (kind == EVIDENT_LINEAR_BF16) {
            for (; index + 32 <= inputs; index += 32) {
                __m512bh both = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(from + index + 16), _mm512_loadu_ps(from + index));
                _mm512_storeu_si512((void *)(to + 2 * index), (__m512i)both);
            }
            for (; index < width; index++) ((uint16_t *)to)[index] = index < inputs ? bf16_rounded(from[index]) : 0;
            continue;
        }
        // Four running maxima, so that the loop is not one chain of dependent instructions.
        __m512 largest[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (; index + 64 <= inputs; index += 64)
            for (int part = 0; part < 4; part++)
                largest[part] = _mm512_max_ps(largest[part], _mm512_abs_ps(_mm512_loadu_ps(from + index + 16 * part)));
        for (; index + 16 <= inputs; index += 16)
            largest[0] = _mm512_max_ps(largest[0], _mm512_abs_ps(_mm512_loadu_ps(from + index)));
        float maximum = _mm512_reduce_max_ps(
            _mm512_max_ps(_mm512_max_ps(largest[0], largest[1]), _mm512_max_ps(largest[2], largest[3])));
        for (; index < inputs; index++) maximum = fabsf(from[index]) > maximum ? fabsf(from[index]) : maximum;
        float step = maximum > 0 ? maximum / (float)limit : 1;
        float inverse = 1 / step;
        const __m512 factor = _mm512_set1_ps(inverse);
        for (index = 0; index + 16 <= inputs; index += 16) {
            __m512i code = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(from + index), factor));
            code = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(code, low), high), zero_point);
            if (kind == EVIDENT_LINEAR_INT8) _mm_storeu_si128((__m128i *)(to + index), _mm512_cvtepi32_epi8(code));
            else _mm256_storeu_si256((__m256i *)(to + 2 * index), _mm512_cvtepi32_epi16(code));
        }
        for (; index < width; index++) {
            int32_t code = index < inputs ? clamped_code(from[index] * inverse, limit) : 0;
            if (kind == EVIDENT_LINEAR_INT8) to[index] = (uint8_t)(code + ZERO_POINT);
            else ((int16_t *)to)[index] = (int16_t)code;
        }
        scales[row] = step;
    }
}

PACKED_TARGET INLINE __m512i broadcast_step(const uint8_t *step) {
    int32_t bits;
    memcpy(&bits, step, sizeof bits);
    return _mm512_set1_epi32(bits);
}

// sum += the products of one step: fp32 sums of bfloat16 pairs, or int32 sums of 16-bit pairs or 8-bit quads.
PACKED_TARGET INLINE __m512i dot(const int kind, __m512i sum, __m512i a, __m512i b) {
    if (kind == EVIDENT_LINEAR_BF16) return (__m512i)_mm512_dpbf16_ps((__m512)sum, (__m512bh)a, (__m512bh)b);
    if (kind == EVIDENT_LINEAR_INT16) return _mm512_dpwssd_epi32(sum, a, b);
    return _mm512_dpbusd_epi32(sum, a, b);
}

// The outputs: sum + bias in bfloat16's fp32 sums; (sum − offset) · row scale · output scale + bias in integers
// (no offset when `offsets` is NULL).
PACKED_TARGET INLINE void store(const int kind, float *at, __mmask16 mask, __m512i sum, const int32_t *offsets,
    const float *scales, const float *bias, float row_scale) {
    __m512 shift = bias ? _mm512_maskz_loadu_ps(mask, bias) : _mm512_setzero_ps();
    if (kind == EVIDENT_LINEAR_BF16) {
        _mm512_mask_storeu_ps(at, mask, _mm512_add_ps((__m512)sum, shift));
        return;
    }
    __m512 value = _mm512_cvtepi32_ps(offsets ? _mm512_sub_epi32(sum, _mm512_maskz_loadu_epi32(mask, offsets)) : sum);
    __m512 scale = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, scales), _mm512_set1_ps(row_scale));
    _mm512_mask_storeu_ps(at, mask, _mm512_fmadd_ps(value, scale, shift));
}

// 8 rows × `panels` (1 to 3, a constant in each instance) panels: `a` holds the rows' codes (`row_bytes` apart), `b`
// the first panel (the next ones `panel_stride` bytes on), `c` the rows' outputs; `offsets`, `scales` and `bias` those
// of the first of the 16 · `panels` outputs, of which `valid` are written.
PACKED_TARGET INLINE void kernel_8xn(const int kind, const int panels, const uint8_t *a, size_t row_bytes,
    const float *row_scales, const uint8_t *b, size_t panel_stride, size_t steps, const int32_t *offsets,
    const float *scales, const float *bias, float *c, size_t c_stride, size_t valid) {
    __m512i sums[ROWS][PANELS];
#pragma clang loop unroll(full)
    for (int row = 0; row < ROWS; row++)
#pragma clang loop unroll(full)
        for (int panel = 0; panel < panels; panel++) sums[row][panel] = _mm512_setzero_si512();
    for (size_t step = 0; step < steps; step++) {
        __m512i w[PANELS];
#pragma clang loop unroll(full)
        for (int panel = 0; panel < panels; panel++)
            w[panel] = _mm512_loadu_si512((const void *)(b + panel * panel_stride + step * STEP_BYTES * PANEL));
#pragma clang loop unroll(full)
        for (int row = 0; row < ROWS; row++) {
            __m512i v = broadcast_step(a + row * row_bytes + STEP_BYTES * step);
#pragma clang loop unroll(full)
            for (int panel = 0; panel < panels; panel++) sums[row][panel] = dot(kind, sums[row][panel], v, w[panel]);
        }
    }
    __mmask16 masks[PANELS];
#pragma clang loop unroll(full)
    for (int panel = 0; panel < panels; panel++) {
        size_t first = (size_t)panel * PANEL;
        masks[panel] = valid >= first + PANEL ? 0xffff : valid <= first ? 0 : (__mmask16)((1u << (valid - first)) - 1);
    }
#pragma clang loop unroll(full)
    for (int row = 0; row < ROWS; row++) {
#pragma clang loop unroll(full)
        for (int panel = 0; panel < panels; panel++)
            store(kind, c + row * c_stride + panel * PANEL, masks[panel], sums[row][panel],
                offsets ? offsets + panel * PANEL : 0, scales ? scales + panel * PANEL : 0,
                bias ? bias + panel * PANEL : 0, row_scales ? row_scales[row] : 1);
    }
}

// One row × up to 3 panels: the rows left over after the blocks of 8, and the last panels.
PACKED_TARGET INLINE void kernel_1xn(const int kind, const uint8_t *a, float row_scale, const uint8_t *b,
    size_t panel_stride, size_t panels, size_t steps, const int32_t *offsets, const float *scales, const float *bias,
    float *c, size_t valid) {
    __m512i s[PANELS] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    for (size_t step = 0; step < steps; step++) {
        __m512i v = broadcast_step(a + STEP_BYTES * step);
        for (size_t panel = 0; panel < panels; panel++) {
            __m512i w = _mm512_loadu_si512((const void *)(b + panel * panel_stride + step * STEP_BYTES * PANEL));
            s[panel] = dot(kind, s[panel], v, w);
        }
    }
    for (size_t panel = 0; panel < panels; panel++) {
        size_t first = panel * PANEL;
        if (first >= valid) break;
        size_t count = valid - first >= PANEL ? PANEL : valid - first;
        __mmask16 mask = count == PANEL ? 0xffff : (__mmask16)((1u << count) - 1);
        store(kind, c + first, mask, s[panel], offsets ? offsets + first : 0, scales ? scales + first : 0,
            bias ? bias + first : 0, row_scale);
    }
}

// output[row · output_stride + out] for prepared rows (`codes`, whole steps a row, and their scales).
PACKED_TARGET INLINE void multiply(const int kind, const uint8_t *codes, const float *row_scales, size_t rows,
    size_t inputs, const uint8_t *packed, const float *scales, const int32_t *offsets, const float *bias,
    size_t outputs, float *output, size_t output_stride) {
    size_t steps = step_count(inputs, kind), row_bytes = steps * STEP_BYTES;
    size_t panel_stride = steps * STEP_BYTES * PANEL, panels = panel_count(outputs);
    for (size_t block = 0; block < rows; block += ROW_BLOCK) {
        size_t block_end = block + ROW_BLOCK < rows ? block + ROW_BLOCK : rows;
        for (size_t panel = 0; panel < panels; panel += PANELS) {
            size_t count = panels - panel < PANELS ? panels - panel : PANELS;
            size_t first = panel * PANEL;
            size_t valid = outputs - first < PANELS * PANEL ? outputs - first : PANELS * PANEL;
            const uint8_t *b = packed + panel * panel_stride;
            const int32_t *panel_offsets = offsets ? offsets + first : 0;
            const float *panel_scales = scales ? scales + first : 0, *panel_bias = bias ? bias + first : 0;
            size_t row = block;
            for (; row + ROWS <= block_end; row += ROWS) {
                const uint8_t *a = codes + row * row_bytes;
                const float *a_scales = row_scales ? row_scales + row : 0;
                float *c = output + row * output_stride + first;
                if (count == 3)
                    kernel_8xn(kind, 3, a, row_bytes, a_scales, b, panel_stride, steps, panel_offsets, panel_scales,
                        panel_bias, c, output_stride, valid);
                else if (count == 2)
                    kernel_8xn(kind, 2, a, row_bytes, a_scales, b, panel_stride, steps, panel_offsets, panel_scales,
                        panel_bias, c, output_stride, valid);
                else
                    kernel_8xn(kind, 1, a, row_bytes, a_scales, b, panel_stride, steps, panel_offsets, panel_scales,
                        panel_bias, c, output_stride, valid);
            }
            for (; row < block_end; row++) {
                kernel_1xn(kind, codes + row * row_bytes, row_scales ? row_scales[row] : 1, b, panel_stride, count,
                    steps, panel_offsets, panel_scales, panel_bias, output + row * output_stride + first, valid);
            }
        }
    }
}

PACKED_TARGET INLINE void linear_avx512(const int kind, const float *input, size_t rows, size_t inputs,
    const uint8_t *packed, const float *scales, const int32_t *offsets, const float *bias, size_t outputs,
    float *output, uint8_t *scratch) {
    size_t row_bytes = step_count(inputs, kind) * STEP_BYTES;
    float *row_scales = is_integer(kind) ? (float *)(void *)(scratch + rows * row_bytes) : 0;
    prepare_rows(kind, input, inputs, rows, inputs, scratch, row_scales);
    multiply(kind, scratch, row_scales, rows, inputs, packed, scales, offsets, bias, outputs, output, outputs);
}

// One instance per kind, each with the kind a constant, so that its loops hold only its own instructions.
#define INSTANCE(name, kind)                                                                                       \
    PACKED_TARGET static void name(const float *input, size_t rows, size_t inputs, const uint8_t *packed,          \
        const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output,              \
        uint8_t *scratch) {                                                                                        \
        linear_avx512(kind, input, rows, inputs, packed, scales, offsets, bias, outputs, output, scratch);         \
    }
INSTANCE(linear_bf16_avx512, EVIDENT_LINEAR_BF16)
INSTANCE(linear_int16_avx512, EVIDENT_LINEAR_INT16)
INSTANCE(linear_int8_avx512, EVIDENT_LINEAR_INT8)

// MARK: Attention in 16-bit integers

// The bytes of each part of `attention_int16`'s scratch, 64-byte aligned.
static size_t aligned(size_t bytes) { return (bytes + 63) & ~(size_t)63; }
enum { QUERY_BLOCK = 64 };

// Each head's keys packed as the weights of a layer of `length` outputs (one per key) and `head_size` inputs, one
// scale per key: 16-bit codes, the scale the key's largest magnitude over the limit for `head_size` inputs.
PACKED_TARGET static void pack_keys(const float *keys, size_t stride, size_t length, size_t head_size, uint8_t *packed,
    float *scales) {
    size_t steps = head_size / 2;
    int32_t limit = evident_linear_packed_limit(head_size, EVIDENT_LINEAR_INT16);
    memset(packed, 0, panel_count(length) * steps * STEP_BYTES * PANEL);
    const __m512i low = _mm512_set1_epi32(-limit), high = _mm512_set1_epi32(limit);
    // Step j of key k lies at dword ((k / 16) · steps + j) · 16 + k % 16.
    const __m512i step_offsets = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(PANEL));
    for (size_t key = 0; key < length; key++) {
        const float *from = keys + key * stride;
        __m512 largest = _mm512_setzero_ps();
        for (size_t d = 0; d < head_size; d += 16) largest = _mm512_max_ps(largest, _mm512_abs_ps(_mm512_loadu_ps(from + d)));
        float maximum = _mm512_reduce_max_ps(largest);
        float scale = maximum > 0 ? maximum / (float)limit : 1;
        __m512 factor = _mm512_set1_ps(1 / scale);
        int32_t *base = (int32_t *)(void *)packed + ((key / PANEL) * steps) * PANEL + key % PANEL;
        for (size_t d = 0; d < head_size; d += 32) {
            __m512i first = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(from + d), factor));
            __m512i second = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(from + d + 16), factor));
            first = _mm512_min_epi32(_mm512_max_epi32(first, low), high);
            second = _mm512_min_epi32(_mm512_max_epi32(second, low), high);
            // 32 codes as 16 dwords of pairs (2j, 2j + 1), scattered 16 dwords apart.
            __m512i pairs = _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi32_epi16(first)),
                _mm512_cvtepi32_epi16(second), 1);
            _mm512_i32scatter_epi32(base + (d / 2) * PANEL, step_offsets, pairs, 4);
        }
        scales[key] = scale;
    }
}

// Each head's values, transposed, packed as the weights of a layer of `head_size` outputs and `length` inputs (one
// per key), one scale per output: 16-bit codes, the scale the output's largest magnitude over the limit for `length`
// inputs.
PACKED_TARGET static void pack_values(const float *values, size_t stride, size_t length, size_t head_size,
    uint8_t *packed, float *scales) {
    size_t steps = step_count(length, EVIDENT_LINEAR_INT16), vectors = head_size / 16;
    int32_t limit = evident_linear_packed_limit(length, EVIDENT_LINEAR_INT16);
    __m512 largest[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t key = 0; key < length; key++)
        for (size_t v = 0; v < vectors; v++)
            largest[v] = _mm512_max_ps(largest[v], _mm512_abs_ps(_mm512_loadu_ps(values + key * stride + 16 * v)));
    __m512 factors[4];
    const __m512 zero = _mm512_setzero_ps();
    for (size_t v = 0; v < vectors; v++) {
        __m512 scale = _mm512_div_ps(largest[v], _mm512_set1_ps((float)limit));
        scale = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(largest[v], zero, _CMP_GT_OQ), _mm512_set1_ps(1), scale);
        _mm512_storeu_ps(scales + 16 * v, scale);
        factors[v] = _mm512_div_ps(_mm512_set1_ps(1), scale);
    }
    const __m512i low = _mm512_set1_epi32(-limit), high = _mm512_set1_epi32(limit);
    const __m512i halves = _mm512_set1_epi32(0xffff);
    for (size_t step = 0; step < steps; step++) {
        const float *even = values + 2 * step * stride, *odd = even + stride;
        int has_odd = 2 * step + 1 < length;
        for (size_t v = 0; v < vectors; v++) {
            __m512i a = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(even + 16 * v), factors[v]));
            __m512i b = has_odd ? _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(odd + 16 * v), factors[v]))
                                : _mm512_setzero_si512();
            a = _mm512_min_epi32(_mm512_max_epi32(a, low), high);
            b = _mm512_min_epi32(_mm512_max_epi32(b, low), high);
            __m512i pair = _mm512_or_si512(_mm512_and_si512(a, halves), _mm512_slli_epi32(b, 16));
            _mm512_storeu_si512((void *)(packed + (v * steps + step) * STEP_BYTES * PANEL), pair);
        }
    }
}

// Softmax of each score row as 16-bit codes: e = exp(score − max) is at most 1, so its code is round(e · limit)
// with no scale of its own, and the row's scale takes the normalisation: 1 / (limit · Σ e).
PACKED_TARGET static void softmax_codes(float *scores, size_t rows, size_t length, uint8_t *codes, float *row_scales) {
    size_t steps = step_count(length, EVIDENT_LINEAR_INT16), row_bytes = steps * STEP_BYTES;
    int32_t limit = evident_linear_packed_limit(length, EVIDENT_LINEAR_INT16);
    const __m512 factor = _mm512_set1_ps((float)limit);
    for (size_t row = 0; row < rows; row++) {
        float *values = scores + row * length;
        int16_t *to = (int16_t *)(void *)(codes + row * row_bytes);
        __m512 top = evident_row_maximum_avx512(values, length);
        __m512 total = _mm512_setzero_ps();
        for (size_t key = 0; key < length; key += 16) {
            __mmask16 mask = evident_tail_mask(length, key);
            __m512 e = _mm512_maskz_mov_ps(mask, evident_exponential_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, values + key), top)));
            total = _mm512_add_ps(total, e);
            __m256i code = _mm512_cvtepi32_epi16(_mm512_cvtps_epi32(_mm512_mul_ps(e, factor)));
            _mm256_mask_storeu_epi16(to + key, mask, code);
        }
        if (length % 2) to[length] = 0;
        row_scales[row] = 1 / ((float)limit * _mm512_reduce_add_ps(total));
    }
}

PACKED_TARGET static void attention_int16_avx512(const float *qkv, size_t stride, float *context,
    size_t context_stride, size_t length, size_t heads, size_t head_size, float scale, uint8_t *scratch) {
    size_t hidden = heads * head_size;
    size_t key_bytes = aligned(panel_count(length) * (head_size / 2) * STEP_BYTES * PANEL);
    size_t value_bytes = aligned(panel_count(head_size) * step_count(length, EVIDENT_LINEAR_INT16) * STEP_BYTES * PANEL);
    size_t query_bytes = aligned(length * (head_size / 2) * STEP_BYTES);
    size_t block_bytes = aligned(QUERY_BLOCK * step_count(length, EVIDENT_LINEAR_INT16) * STEP_BYTES);
    uint8_t *keys = scratch, *values = keys + key_bytes, *queries = values + value_bytes, *block = queries + query_bytes;
    float *key_scales = (float *)(void *)(block + block_bytes);
    float *value_scales = key_scales + aligned(length * sizeof(float)) / sizeof(float);
    float *query_scales = value_scales + aligned(head_size * sizeof(float)) / sizeof(float);
    float *block_scales = query_scales + aligned(length * sizeof(float)) / sizeof(float);
    float *scores = block_scales + aligned(QUERY_BLOCK * sizeof(float)) / sizeof(float);
    for (size_t head = 0; head < heads; head++) {
        const float *head_queries = qkv + head * head_size;
        pack_keys(qkv + hidden + head * head_size, stride, length, head_size, keys, key_scales);
        pack_values(qkv + 2 * hidden + head * head_size, stride, length, head_size, values, value_scales);
        prepare_rows(EVIDENT_LINEAR_INT16, head_queries, stride, length, head_size, queries, query_scales);
        for (size_t row = 0; row < length; row++) query_scales[row] *= scale;
        size_t query_row_bytes = (head_size / 2) * STEP_BYTES;
        for (size_t first = 0; first < length; first += QUERY_BLOCK) {
            size_t rows = length - first < QUERY_BLOCK ? length - first : QUERY_BLOCK;
            multiply(EVIDENT_LINEAR_INT16, queries + first * query_row_bytes, query_scales + first, rows, head_size,
                keys, key_scales, 0, 0, length, scores, length);
            softmax_codes(scores, rows, length, block, block_scales);
            multiply(EVIDENT_LINEAR_INT16, block, block_scales, rows, length, values, value_scales, 0, 0, head_size,
                context + first * context_stride + head * head_size, context_stride);
        }
    }
}

#endif

size_t evident_attention_int16_scratch_bytes(size_t length, size_t head_size) {
    size_t steps = step_count(length, EVIDENT_LINEAR_INT16);
    return aligned(panel_count(length) * (head_size / 2) * STEP_BYTES * PANEL) +
           aligned(panel_count(head_size) * steps * STEP_BYTES * PANEL) + aligned(length * (head_size / 2) * STEP_BYTES) +
           aligned(QUERY_BLOCK * steps * STEP_BYTES) + 2 * aligned(length * sizeof(float)) +
           aligned(head_size * sizeof(float)) + aligned(QUERY_BLOCK * sizeof(float)) +
           aligned(QUERY_BLOCK * length * sizeof(float));
}

int evident_attention_int16(const float *qkv, size_t stride, float *context, size_t context_stride, size_t length,
    size_t heads, size_t head_size, float scale, void *scratch) {
#ifdef EVIDENT_PACKED
    if (!evident_linear_packed_available(EVIDENT_LINEAR_INT16) || length == 0 || head_size == 0 ||
        head_size % 32 != 0 || head_size > 64)
        return 0;
    attention_int16_avx512(qkv, stride, context, context_stride, length, heads, head_size, scale, scratch);
    return 1;
#else
    (void)qkv, (void)stride, (void)context, (void)context_stride, (void)length, (void)heads, (void)head_size,
        (void)scale, (void)scratch;
    return 0;
#endif
}


void evident_linear_packed(int kind, const float *input, size_t rows, size_t inputs, const void *packed,
    const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output, void *scratch) {
#ifdef EVIDENT_PACKED
    if (rows == 0 || outputs == 0) return;
    switch (kind) {
    case EVIDENT_LINEAR_BF16:
        linear_bf16_avx512(input, rows, inputs, packed, scales, offsets, bias, outputs, output, scratch);
        break;
    case EVIDENT_LINEAR_INT16:
        linear_int16_avx512(input, rows, inputs, packed, scales, offsets, bias, outputs, output, scratch);
        break;
    default: linear_int8_avx512(input, rows, inputs, packed, scales, offsets, bias, outputs, output, scratch); break;
    }
#else
    (void)kind, (void)input, (void)rows, (void)inputs, (void)packed, (void)scales, (void)offsets, (void)bias,
        (void)outputs, (void)output, (void)scratch;
#endif
}

void evident_linear_packed_reference(int kind, const float *input, size_t rows, size_t inputs, const void *packed,
    const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output) {
    size_t steps = step_count(inputs, kind), width = steps * per_step(kind);
    int32_t codes[steps];  // 4 bytes a step, aligned for every kind's codes
    for (size_t row = 0; row < rows; row++) {
        float row_scale = 1;
        prepare_row_portable(input + row * inputs, inputs, kind, codes, &row_scale);
        for (size_t out = 0; out < outputs; out++) {
            double real = 0;
            int64_t integer = 0;
            for (size_t in = 0; in < width; in++) {
                size_t at = packed_index(out, in, steps, kind);
                if (kind == EVIDENT_LINEAR_BF16) {
                    uint32_t xbits = (uint32_t)((const uint16_t *)codes)[in] << 16;
                    uint32_t wbits = (uint32_t)((const uint16_t *)packed)[at] << 16;
                    float x, w;
                    memcpy(&x, &xbits, sizeof x);
                    memcpy(&w, &wbits, sizeof w);
                    real += (double)x * (double)w;
                } else if (kind == EVIDENT_LINEAR_INT16) {
                    integer += (int64_t)((const int16_t *)codes)[in] * ((const int16_t *)packed)[at];
                } else {
                    integer += (int64_t)((const uint8_t *)codes)[in] * ((const int8_t *)packed)[at];
                }
            }
            float shift = bias ? bias[out] : 0;
            if (kind == EVIDENT_LINEAR_BF16) {
                output[row * outputs + out] = (float)real + shift;
            } else {
                float value = (float)(int32_t)(integer - offsets[out]);
                output[row * outputs + out] = fmaf(value, scales[out] * row_scale, shift);
            }
        }
    }
}
