// Linear layers in integers on AVX-512 VNNI: output = input · weightᵀ + bias, with the weights quantized once per
// output (symmetric: scale = max |w| / limit) and each input row quantized as it enters (symmetric: scale =
// max |x| / limit), the products summed exactly in 32-bit integers and scaled back to fp32 once per output.
//
// Two widths share the code:
// - 16-bit codes (`vpdpwssd`: 16 lanes × 2 products an instruction, twice an fp32 FMA's 16). The limit is the
//   largest that cannot overflow a 32-bit sum: inputs · limit² < 2³¹ (2,364 for 384 inputs, 1,182 for 1,536), so
//   the codes carry 12–13 bits, far more than bfloat16's 8.
// - 8-bit codes (`vpdpbusd`: 16 lanes × 4 products, four times an FMA), limit 127. `vpdpbusd` multiplies unsigned
//   by signed bytes, so the input codes are stored plus 128; the sum of 128 · w over a row is a per-output constant
//   (`offsets`), taken off once.
//
// The weights are packed as the bfloat16 kernel packs them: in panels of 16 outputs, and within a panel, for each
// step of 4 bytes of inputs (4 inputs of 8 bits, 2 of 16), the 16 outputs' codes side by side: one 64-byte load per
// panel and step. A row's 4 bytes are broadcast to the 16 lanes. The kernel holds 8 rows × 3 panels of sums in 24
// registers for the whole row, so that each weight load serves 8 rows and each broadcast 3 panels.

#include "CEvidentKernels.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#define EVIDENT_VNNI 1
#include <immintrin.h>
#endif

enum { PANEL = 16, ROWS = 8, PANELS = 3, ROW_BLOCK = 128, ZERO_POINT = 128, STEP_BYTES = 4 };

// Inputs in a 4-byte step, and the number of steps of a row.
static size_t per_step(int bits) { return bits == 8 ? 4 : 2; }
static size_t step_count(size_t inputs, int bits) { return (inputs + per_step(bits) - 1) / per_step(bits); }
static size_t panel_count(size_t outputs) { return (outputs + PANEL - 1) / PANEL; }

int32_t evident_linear_integer_limit(size_t inputs, int bits) {
    if (bits == 8) return 127;
    double padded = (double)(step_count(inputs, bits) * per_step(bits));
    double limit = floor(sqrt(2147483647.0 / (padded > 0 ? padded : 1)));
    return limit > 32767 ? 32767 : (int32_t)limit;
}

int evident_linear_integer_available(void) {
#ifdef EVIDENT_VNNI
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

size_t evident_linear_integer_packed_bytes(size_t outputs, size_t inputs, int bits) {
    return panel_count(outputs) * step_count(inputs, bits) * STEP_BYTES * PANEL;
}

size_t evident_linear_integer_scratch_bytes(size_t rows, size_t inputs, int bits) {
    return rows * step_count(inputs, bits) * STEP_BYTES;
}

static inline int32_t clamped_code(float value, int32_t limit) {
    int32_t code = (int32_t)lrintf(value);  // to nearest, ties to even, as the vector conversion rounds
    return code > limit ? limit : code < -limit ? -limit : code;
}

void evident_linear_integer_pack(const float *weight, size_t outputs, size_t inputs, int bits, void *packed,
    float *scales, int32_t *offsets) {
    size_t steps = step_count(inputs, bits), panels = panel_count(outputs), lanes = per_step(bits);
    int32_t limit = evident_linear_integer_limit(inputs, bits);
    memset(packed, 0, panels * steps * STEP_BYTES * PANEL);
    for (size_t output = 0; output < outputs; output++) {
        float largest = 0;
        for (size_t input = 0; input < inputs; input++) {
            float magnitude = fabsf(weight[output * inputs + input]);
            largest = magnitude > largest ? magnitude : largest;
        }
        float scale = largest > 0 ? largest / (float)limit : 1;
        int32_t sum = 0;
        size_t panel_start = (output / PANEL) * steps * PANEL * lanes;  // in elements
        for (size_t input = 0; input < inputs; input++) {
            int32_t code = clamped_code(weight[output * inputs + input] / scale, limit);
            size_t at = panel_start + ((input / lanes) * PANEL + output % PANEL) * lanes + input % lanes;
            if (bits == 8) ((int8_t *)packed)[at] = (int8_t)code;
            else ((int16_t *)packed)[at] = (int16_t)code;
            sum += code;
        }
        scales[output] = scale;
        offsets[output] = bits == 8 ? ZERO_POINT * sum : 0;
    }
}

// One row's codes and scale, as the vector code makes them: the largest magnitude, one reciprocal, rounding to
// nearest even, clamping (and the zero point for 8 bits). Zeros pad the row to whole steps.
static void quantize_row_portable(const float *row, size_t inputs, int bits, void *codes, float *scale) {
    int32_t limit = evident_linear_integer_limit(inputs, bits);
    float largest = 0;
    for (size_t input = 0; input < inputs; input++) largest = fabsf(row[input]) > largest ? fabsf(row[input]) : largest;
    float step = largest > 0 ? largest / (float)limit : 1;
    float inverse = 1 / step;
    size_t width = step_count(inputs, bits) * per_step(bits);
    for (size_t input = 0; input < width; input++) {
        int32_t code = input < inputs ? clamped_code(row[input] * inverse, limit) : 0;
        if (bits == 8) ((uint8_t *)codes)[input] = (uint8_t)(code + ZERO_POINT);
        else ((int16_t *)codes)[input] = (int16_t)code;
    }
    *scale = step;
}

#ifdef EVIDENT_VNNI

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

VNNI_TARGET static void quantize_rows_avx512(const float *input, size_t rows, size_t inputs, int bits,
    uint8_t *codes, float *scales) {
    int32_t limit = evident_linear_integer_limit(inputs, bits);
    size_t row_bytes = step_count(inputs, bits) * STEP_BYTES;
    const __m512i low = _mm512_set1_epi32(-limit), high = _mm512_set1_epi32(limit);
    const __m512i zero_point = _mm512_set1_epi32(bits == 8 ? ZERO_POINT : 0);
    for (size_t row = 0; row < rows; row++) {
        const float *from = input + row * inputs;
        uint8_t *to = codes + row * row_bytes;
        __m512 largest = _mm512_setzero_ps();
        size_t index = 0;
        for (; index + 16 <= inputs; index += 16)
            largest = _mm512_max_ps(largest, _mm512_abs_ps(_mm512_loadu_ps(from + index)));
        float maximum = _mm512_reduce_max_ps(largest);
        for (; index < inputs; index++) maximum = fabsf(from[index]) > maximum ? fabsf(from[index]) : maximum;
        float step = maximum > 0 ? maximum / (float)limit : 1;
        float inverse = 1 / step;
        const __m512 factor = _mm512_set1_ps(inverse);
        for (index = 0; index + 16 <= inputs; index += 16) {
            __m512i code = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(from + index), factor));
            code = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(code, low), high), zero_point);
            if (bits == 8) _mm_storeu_si128((__m128i *)(to + index), _mm512_cvtepi32_epi8(code));
            else _mm256_storeu_si256((__m256i *)(to + 2 * index), _mm512_cvtepi32_epi16(code));
        }
        size_t width = step_count(inputs, bits) * per_step(bits);
        for (; index < width; index++) {
            int32_t code = index < inputs ? clamped_code(from[index] * inverse, limit) : 0;
            if (bits == 8) to[index] = (uint8_t)(code + ZERO_POINT);
            else ((int16_t *)to)[index] = (int16_t)code;
        }
        scales[row] = step;
    }
}

VNNI_TARGET static inline __m512i broadcast_step(const uint8_t *step) {
    int32_t bits;
    memcpy(&bits, step, sizeof bits);
    return _mm512_set1_epi32(bits);
}

// sum += the products of one step: 4 unsigned × signed bytes, or 2 signed 16-bit pairs, per lane.
VNNI_TARGET static inline __attribute__((always_inline)) __m512i dot(const int bits, __m512i sum, __m512i a, __m512i b) {
    return bits == 8 ? _mm512_dpbusd_epi32(sum, a, b) : _mm512_dpwssd_epi32(sum, a, b);
}

// output = (sum − offset) · row scale · output scale + bias, for the `mask`ed lanes.
VNNI_TARGET static inline void store_scaled(float *at, __mmask16 mask, __m512i sum, const int32_t *offsets,
    const float *scales, const float *bias, float row_scale) {
    __m512 value = _mm512_cvtepi32_ps(_mm512_sub_epi32(sum, _mm512_maskz_loadu_epi32(mask, offsets)));
    __m512 scale = _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, scales), _mm512_set1_ps(row_scale));
    __m512 shift = bias ? _mm512_maskz_loadu_ps(mask, bias) : _mm512_setzero_ps();
    _mm512_mask_storeu_ps(at, mask, _mm512_fmadd_ps(value, scale, shift));
}

// 8 rows × 3 panels: `a` holds the rows' codes (`row_bytes` apart), `b` the first panel (the next ones
// `panel_stride` bytes on), `c` the rows' outputs; `offsets`, `scales` and `bias` those of the first of the 48
// outputs, of which `valid` are written.
VNNI_TARGET static inline __attribute__((always_inline)) void kernel_8x3(const int bits, const uint8_t *a,
    size_t row_bytes, const float *row_scales, const uint8_t *b, size_t panel_stride, size_t steps,
    const int32_t *offsets, const float *scales, const float *bias, float *c, size_t c_stride, size_t valid) {
    __m512i sums[ROWS][PANELS];
#pragma clang loop unroll(full)
    for (int row = 0; row < ROWS; row++)
#pragma clang loop unroll(full)
        for (int panel = 0; panel < PANELS; panel++) sums[row][panel] = _mm512_setzero_si512();
    for (size_t step = 0; step < steps; step++) {
        __m512i w[PANELS];
#pragma clang loop unroll(full)
        for (int panel = 0; panel < PANELS; panel++)
            w[panel] = _mm512_loadu_si512((const void *)(b + panel * panel_stride + step * STEP_BYTES * PANEL));
#pragma clang loop unroll(full)
        for (int row = 0; row < ROWS; row++) {
            __m512i v = broadcast_step(a + row * row_bytes + STEP_BYTES * step);
#pragma clang loop unroll(full)
            for (int panel = 0; panel < PANELS; panel++) sums[row][panel] = dot(bits, sums[row][panel], v, w[panel]);
        }
    }
    __mmask16 masks[PANELS];
#pragma clang loop unroll(full)
    for (int panel = 0; panel < PANELS; panel++) {
        size_t first = (size_t)panel * PANEL;
        masks[panel] = valid >= first + PANEL ? 0xffff : valid <= first ? 0 : (__mmask16)((1u << (valid - first)) - 1);
    }
#pragma clang loop unroll(full)
    for (int row = 0; row < ROWS; row++) {
#pragma clang loop unroll(full)
        for (int panel = 0; panel < PANELS; panel++)
            store_scaled(c + row * c_stride + panel * PANEL, masks[panel], sums[row][panel], offsets + panel * PANEL,
                scales + panel * PANEL, bias ? bias + panel * PANEL : 0, row_scales[row]);
    }
}

// One row × up to 3 panels: the rows left over after the blocks of 8, and the last panels.
VNNI_TARGET static inline __attribute__((always_inline)) void kernel_1xn(const int bits, const uint8_t *a,
    float row_scale, const uint8_t *b, size_t panel_stride, size_t panels, size_t steps, const int32_t *offsets,
    const float *scales, const float *bias, float *c, size_t valid) {
    __m512i s[PANELS] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    for (size_t step = 0; step < steps; step++) {
        __m512i v = broadcast_step(a + STEP_BYTES * step);
        for (size_t panel = 0; panel < panels; panel++) {
            __m512i w = _mm512_loadu_si512((const void *)(b + panel * panel_stride + step * STEP_BYTES * PANEL));
            s[panel] = dot(bits, s[panel], v, w);
        }
    }
    for (size_t panel = 0; panel < panels; panel++) {
        size_t first = panel * PANEL;
        if (first >= valid) break;
        size_t count = valid - first >= PANEL ? PANEL : valid - first;
        __mmask16 mask = count == PANEL ? 0xffff : (__mmask16)((1u << count) - 1);
        store_scaled(c + first, mask, s[panel], offsets + first, scales + first, bias ? bias + first : 0, row_scale);
    }
}

VNNI_TARGET static inline __attribute__((always_inline)) void linear_avx512(const int bits, const uint8_t *codes,
    const float *row_scales, size_t rows, size_t inputs, const uint8_t *packed, const float *scales,
    const int32_t *offsets, const float *bias, size_t outputs, float *output) {
    size_t steps = step_count(inputs, bits), row_bytes = steps * STEP_BYTES;
    size_t panel_stride = steps * STEP_BYTES * PANEL, panels = panel_count(outputs);
    for (size_t block = 0; block < rows; block += ROW_BLOCK) {
        size_t block_end = block + ROW_BLOCK < rows ? block + ROW_BLOCK : rows;
        for (size_t panel = 0; panel < panels; panel += PANELS) {
            size_t count = panels - panel < PANELS ? panels - panel : PANELS;
            size_t first = panel * PANEL;
            size_t valid = outputs - first < PANELS * PANEL ? outputs - first : PANELS * PANEL;
            const uint8_t *b = packed + panel * panel_stride;
            const float *panel_bias = bias ? bias + first : 0;
            size_t row = block;
            if (count == PANELS) {
                for (; row + ROWS <= block_end; row += ROWS) {
                    kernel_8x3(bits, codes + row * row_bytes, row_bytes, row_scales + row, b, panel_stride, steps,
                        offsets + first, scales + first, panel_bias, output + row * outputs + first, outputs, valid);
                }
            }
            for (; row < block_end; row++) {
                kernel_1xn(bits, codes + row * row_bytes, row_scales[row], b, panel_stride, count, steps,
                    offsets + first, scales + first, panel_bias, output + row * outputs + first, valid);
            }
        }
    }
}

VNNI_TARGET static void linear_8_avx512(const uint8_t *codes, const float *row_scales, size_t rows, size_t inputs,
    const uint8_t *packed, const float *scales, const int32_t *offsets, const float *bias, size_t outputs,
    float *output) {
    linear_avx512(8, codes, row_scales, rows, inputs, packed, scales, offsets, bias, outputs, output);
}

VNNI_TARGET static void linear_16_avx512(const uint8_t *codes, const float *row_scales, size_t rows, size_t inputs,
    const uint8_t *packed, const float *scales, const int32_t *offsets, const float *bias, size_t outputs,
    float *output) {
    linear_avx512(16, codes, row_scales, rows, inputs, packed, scales, offsets, bias, outputs, output);
}

#endif

void evident_linear_integer(int bits, const float *input, size_t rows, size_t inputs, const void *packed,
    const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output, void *scratch,
    float *row_scales) {
#ifdef EVIDENT_VNNI
    if (rows == 0 || outputs == 0) return;
    quantize_rows_avx512(input, rows, inputs, bits, scratch, row_scales);
    if (bits == 8) linear_8_avx512(scratch, row_scales, rows, inputs, packed, scales, offsets, bias, outputs, output);
    else linear_16_avx512(scratch, row_scales, rows, inputs, packed, scales, offsets, bias, outputs, output);
#else
    (void)bits, (void)input, (void)rows, (void)inputs, (void)packed, (void)scales, (void)offsets, (void)bias,
        (void)outputs, (void)output, (void)scratch, (void)row_scales;
#endif
}

void evident_linear_integer_reference(int bits, const float *input, size_t rows, size_t inputs, const void *packed,
    const float *scales, const int32_t *offsets, const float *bias, size_t outputs, float *output) {
    size_t steps = step_count(inputs, bits), lanes = per_step(bits), width = steps * lanes;
    int32_t codes[steps];  // 4 bytes a step, aligned for 16-bit codes
    for (size_t row = 0; row < rows; row++) {
        float row_scale;
        quantize_row_portable(input + row * inputs, inputs, bits, codes, &row_scale);
        for (size_t out = 0; out < outputs; out++) {
            size_t panel_start = (out / PANEL) * steps * PANEL * lanes;
            int64_t sum = 0;
            for (size_t in = 0; in < width; in++) {
                size_t at = panel_start + ((in / lanes) * PANEL + out % PANEL) * lanes + in % lanes;
                int64_t x = bits == 8 ? (int64_t)((const uint8_t *)codes)[in] : (int64_t)((const int16_t *)codes)[in];
                int64_t w = bits == 8 ? (int64_t)((const int8_t *)packed)[at] : (int64_t)((const int16_t *)packed)[at];
                sum += x * w;
            }
            float value = (float)(int32_t)(sum - offsets[out]);
            output[row * outputs + out] = fmaf(value, scales[out] * row_scale, bias ? bias[out] : 0);
        }
    }
}
