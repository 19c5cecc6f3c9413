// A linear layer in bfloat16 on AVX-512 BF16 (`vdpbf16ps`): output = input · weightᵀ + bias, the input rounded to
// bfloat16 row by row, the weights rounded once and packed, every product accumulated in fp32.
//
// `vdpbf16ps` multiplies 16 pairs of bfloat16 values by 16 other pairs and adds each pair's two products to one fp32
// lane. The weights are packed for it: in panels of 16 outputs, and within a panel, for each pair of inputs (2q,
// 2q + 1), the 16 outputs' two weights side by side — one 64-byte load per panel and pair. An input row's pair is
// broadcast to all 16 lanes. The kernel holds 8 rows × 3 panels (48 outputs) of sums in 24 registers for the whole
// length of a row, so that each weight load serves 8 rows and each broadcast 3 panels.

#include "CEvidentKernels.h"

#include <string.h>

#if defined(__x86_64__)
#define EVIDENT_BF16 1
#include <immintrin.h>
#endif

enum { PANEL = 16, ROWS = 8, PANELS = 3, ROW_BLOCK = 128 };

static size_t padded_pairs(size_t inputs) { return (inputs + 1) / 2; }
static size_t panel_count(size_t outputs) { return (outputs + PANEL - 1) / PANEL; }

static inline uint16_t bf16_rounded(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // NaN stays a quiet NaN
    bits += 0x7fffu + ((bits >> 16) & 1u);  // round to nearest, ties to even
    return (uint16_t)(bits >> 16);
}

int evident_linear_bf16_available(void) {
#ifdef EVIDENT_BF16
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

size_t evident_linear_bf16_packed_count(size_t outputs, size_t inputs) {
    return panel_count(outputs) * padded_pairs(inputs) * 2 * PANEL;
}

size_t evident_linear_bf16_scratch_count(size_t rows, size_t inputs) { return rows * padded_pairs(inputs) * 2; }

void evident_linear_bf16_pack(const float *weight, size_t outputs, size_t inputs, uint16_t *packed) {
    size_t pairs = padded_pairs(inputs);
    for (size_t panel = 0; panel < panel_count(outputs); panel++) {
        uint16_t *target = packed + panel * pairs * 2 * PANEL;
        for (size_t pair = 0; pair < pairs; pair++) {
            for (size_t lane = 0; lane < PANEL; lane++) {
                size_t output = panel * PANEL + lane;
                for (size_t half = 0; half < 2; half++) {
                    size_t input = 2 * pair + half;
                    float value = output < outputs && input < inputs ? weight[output * inputs + input] : 0;
                    target[(pair * PANEL + lane) * 2 + half] = bf16_rounded(value);
                }
            }
        }
    }
}

#ifdef EVIDENT_BF16

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// Rounds `rows` rows of `inputs` floats to bfloat16, each target row padded with a zero to an even length.
BF16_TARGET static void convert_rows_avx512(const float *input, size_t rows, size_t inputs, uint16_t *target) {
    size_t width = padded_pairs(inputs) * 2;
    for (size_t row = 0; row < rows; row++) {
        const float *from = input + row * inputs;
        uint16_t *to = target + row * width;
        size_t index = 0;
        for (; index + 32 <= inputs; index += 32) {
            __m512bh both = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(from + index + 16), _mm512_loadu_ps(from + index));
            _mm512_storeu_si512((void *)(to + index), (__m512i)both);
        }
        for (; index < inputs; index++) to[index] = bf16_rounded(from[index]);
        for (; index < width; index++) to[index] = 0;
    }
}

BF16_TARGET static inline __m512bh broadcast_pair(const uint16_t *pair) {
    int32_t bits;
    memcpy(&bits, pair, sizeof bits);
    return (__m512bh)_mm512_set1_epi32(bits);
}

// 8 rows × 3 panels: the kernel that does nearly all the work. `a` holds the rows' bfloat16 pairs (row stride
// `width` elements), `b` the first panel (the next ones `panel_stride` elements on), `c` the rows' outputs. The
// loops over rows and panels have fixed counts and unroll, so the 24 sums stay in registers.
BF16_TARGET static void kernel_8x3(const uint16_t *a, size_t width, const uint16_t *b, size_t panel_stride,
    size_t pairs, const float *bias, float *c, size_t c_stride, size_t valid) {
    __m512 sums[ROWS][PANELS];
#pragma clang loop unroll(full)
    for (int row = 0; row < ROWS; row++)
#pragma clang loop unroll(full)
        for (int panel = 0; panel < PANELS; panel++) sums[row][panel] = _mm512_setzero_ps();
    for (size_t pair = 0; pair < pairs; pair++) {
        __m512bh w[PANELS];
#pragma clang loop unroll(full)
        for (int panel = 0; panel < PANELS; panel++)
            w[panel] = (__m512bh)_mm512_loadu_si512((const void *)(b + panel * panel_stride + pair * 2 * PANEL));
#pragma clang loop unroll(full)
        for (int row = 0; row < ROWS; row++) {
            __m512bh v = broadcast_pair(a + row * width + 2 * pair);
#pragma clang loop unroll(full)
            for (int panel = 0; panel < PANELS; panel++) sums[row][panel] = _mm512_dpbf16_ps(sums[row][panel], v, w[panel]);
        }
    }
    // The last panel may reach past the outputs: `valid` outputs of the 48 are written.
    __mmask16 masks[PANELS];
#pragma clang loop unroll(full)
    for (int panel = 0; panel < PANELS; panel++) {
        size_t first = (size_t)panel * PANEL;
        masks[panel] = valid >= first + PANEL ? 0xffff : valid <= first ? 0 : (__mmask16)((1u << (valid - first)) - 1);
    }
    __m512 shifts[PANELS];
#pragma clang loop unroll(full)
    for (int panel = 0; panel < PANELS; panel++)
        shifts[panel] = bias ? _mm512_maskz_loadu_ps(masks[panel], bias + panel * PANEL) : _mm512_setzero_ps();
#pragma clang loop unroll(full)
    for (int row = 0; row < ROWS; row++) {
        float *target = c + row * c_stride;
#pragma clang loop unroll(full)
        for (int panel = 0; panel < PANELS; panel++)
            _mm512_mask_storeu_ps(target + panel * PANEL, masks[panel], _mm512_add_ps(sums[row][panel], shifts[panel]));
    }
}

// One row × up to 3 panels (`panels`): the rows left over after the blocks of 8, and the last panels.
BF16_TARGET static void kernel_1xn(const uint16_t *a, const uint16_t *b, size_t panel_stride, size_t panels,
    size_t pairs, const float *bias, float *c, size_t valid) {
    __m512 s[PANELS] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t pair = 0; pair < pairs; pair++) {
        __m512bh v = broadcast_pair(a + 2 * pair);
        for (size_t panel = 0; panel < panels; panel++) {
            __m512bh w = (__m512bh)_mm512_loadu_si512((const void *)(b + panel * panel_stride + pair * 2 * PANEL));
            s[panel] = _mm512_dpbf16_ps(s[panel], v, w);
        }
    }
    for (size_t panel = 0; panel < panels; panel++) {
        size_t first = panel * PANEL;
        if (first >= valid) break;
        size_t count = valid - first >= PANEL ? PANEL : valid - first;
        __mmask16 mask = count == PANEL ? 0xffff : (__mmask16)((1u << count) - 1);
        __m512 shift = bias ? _mm512_maskz_loadu_ps(mask, bias + first) : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(c + first, mask, _mm512_add_ps(s[panel], shift));
    }
}

BF16_TARGET static void linear_bf16_avx512(const uint16_t *pairs_in, size_t rows, size_t inputs,
    const uint16_t *packed, const float *bias, size_t outputs, float *output) {
    size_t pairs = padded_pairs(inputs), width = pairs * 2;
    size_t panel_stride = pairs * 2 * PANEL, panels = panel_count(outputs);
    for (size_t block = 0; block < rows; block += ROW_BLOCK) {
        size_t block_end = block + ROW_BLOCK < rows ? block + ROW_BLOCK : rows;
        for (size_t panel = 0; panel < panels; panel += PANELS) {
            size_t count = panels - panel < PANELS ? panels - panel : PANELS;
            size_t first = panel * PANEL;
            size_t valid = outputs - first < PANELS * PANEL ? outputs - first : PANELS * PANEL;
            const uint16_t *b = packed + panel * panel_stride;
            const float *panel_bias = bias ? bias + first : 0;
            size_t row = block;
            if (count == PANELS) {
                for (; row + ROWS <= block_end; row += ROWS) {
                    kernel_8x3(pairs_in + row * width, width, b, panel_stride, pairs, panel_bias,
                        output + row * outputs + first, outputs, valid);
                }
            }
            for (; row < block_end; row++) {
                kernel_1xn(pairs_in + row * width, b, panel_stride, count, pairs, panel_bias,
                    output + row * outputs + first, valid);
            }
        }
    }
}

#endif

void evident_linear_bf16(const float *input, size_t rows, size_t inputs, const uint16_t *packed, const float *bias,
    size_t outputs, float *output, uint16_t *scratch) {
#ifdef EVIDENT_BF16
    if (rows == 0 || outputs == 0) return;
    convert_rows_avx512(input, rows, inputs, scratch);
    linear_bf16_avx512(scratch, rows, inputs, packed, bias, outputs, output);
#else
    (void)input, (void)rows, (void)inputs, (void)packed, (void)bias, (void)outputs, (void)output, (void)scratch;
#endif
}

void evident_linear_bf16_reference(const float *input, size_t rows, size_t inputs, const uint16_t *packed,
    const float *bias, size_t outputs, float *output) {
    size_t pairs = padded_pairs(inputs);
    for (size_t row = 0; row < rows; row++) {
        for (size_t out = 0; out < outputs; out++) {
            const uint16_t *panel = packed + (out / PANEL) * pairs * 2 * PANEL;
            double sum = 0;
            for (size_t in = 0; in < inputs; in++) {
                uint32_t xbits = (uint32_t)bf16_rounded(input[row * inputs + in]) << 16;
                uint32_t wbits = (uint32_t)panel[((in / 2) * PANEL + out % PANEL) * 2 + in % 2] << 16;
                float x, w;
                memcpy(&x, &xbits, sizeof x);
                memcpy(&w, &wbits, sizeof w);
                sum += (double)x * (double)w;
            }
            output[row * outputs + out] = (float)sum + (bias ? bias[out] : 0);
        }
    }
}
