// The encoder's element-wise steps on AVX-512: the exact (erf-based) GELU of the feed-forward blocks and the
// softmax of attention scores. They compute what BertKernels (Swift, on SIMD16<Float>) computes — the same
// exponential (Cody–Waite reduction, Taylor series to degree 7), the same erf (Maclaurin series below 1,
// Abramowitz and Stegun 7.1.26 above) — sixteen lanes to one instruction instead of the four SSE instructions that
// Swift's baseline x86-64 code spends; elsewhere the functions return 0 and the Swift kernels run.

#include "CEvidentKernels.h"
#include "vector_math.h"

#include <math.h>
#include <stdlib.h>

#if defined(__x86_64__)
#define EVIDENT_ACTIVATIONS 1
#include <immintrin.h>
#endif

#ifdef EVIDENT_ACTIVATIONS

#define AVX512_TARGET __attribute__((target("avx512f")))

// The Maclaurin coefficients of erf(x) / x in powers of x²: 2/√π · (−1)ⁿ / (n! (2n + 1)), n = 0…10, rounded from
// double as BertKernels rounds them.
static float series[11];
static int series_ready = 0;

static void prepare_series(void) {
    if (__atomic_load_n(&series_ready, __ATOMIC_ACQUIRE)) return;
    double factorial = 1;
    for (int n = 0; n <= 10; n++) {
        if (n > 0) factorial *= n;
        double sign = n % 2 == 0 ? 1 : -1;
        series[n] = (float)(2 / sqrt(M_PI) * sign / (factorial * (2 * n + 1)));
    }
    __atomic_store_n(&series_ready, 1, __ATOMIC_RELEASE);
}

// erf(x): the Maclaurin series below 1, Abramowitz and Stegun 7.1.26 from 1 on. Sixteen lanes rarely all fall in
// one branch, but when they do only that branch is computed. 1 / (1 + 0.3275911 |x|) is the hardware's 14-bit
// reciprocal refined by one Newton step (within 2 ulp; the division it replaces was a fifth of GELU's time).
AVX512_TARGET static inline __m512 error_function(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __m512 magnitude = _mm512_abs_ps(x);
    __mmask16 small = _mm512_cmp_ps_mask(magnitude, one, _CMP_LT_OQ);
    __m512 square = _mm512_mul_ps(x, x);
    __m512 sum = _mm512_setzero_ps();
    if (small) {
        sum = _mm512_set1_ps(series[10]);
        for (int index = 9; index >= 0; index--) sum = _mm512_fmadd_ps(sum, square, _mm512_set1_ps(series[index]));
        sum = _mm512_mul_ps(sum, x);
        if (small == 0xffff) return sum;
    }
    __m512 d = _mm512_fmadd_ps(magnitude, _mm512_set1_ps(0.3275911f), one);
    __m512 t = _mm512_rcp14_ps(d);
    t = _mm512_mul_ps(t, _mm512_fnmadd_ps(d, t, _mm512_set1_ps(2.0f)));
    __m512 p = _mm512_fmsub_ps(t, _mm512_set1_ps(1.061405429f), _mm512_set1_ps(1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmsub_ps(p, t, _mm512_set1_ps(0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 tail = _mm512_fnmadd_ps(p, evident_exponential_avx512(_mm512_sub_ps(_mm512_setzero_ps(), square)), one);
    // The sign of x on the tail: erf is odd.
    tail = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(tail),
        _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))));
    return _mm512_mask_blend_ps(small, tail, sum);
}

AVX512_TARGET static void gelu_avx512(float *values, size_t count) {
    prepare_series();
    const __m512 half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f), root = _mm512_set1_ps(0.70710678118654752f);
    for (size_t index = 0; index < count; index += 16) {
        __mmask16 mask = count - index >= 16 ? 0xffff : (__mmask16)((1u << (count - index)) - 1);
        __m512 x = _mm512_maskz_loadu_ps(mask, values + index);
        __m512 y = _mm512_mul_ps(_mm512_mul_ps(x, half), _mm512_add_ps(one, error_function(_mm512_mul_ps(x, root))));
        _mm512_mask_storeu_ps(values + index, mask, y);
    }
}

AVX512_TARGET static void softmax_rows_avx512(float *rows, size_t row_count, size_t columns) {
    for (size_t row = 0; row < row_count; row++) {
        float *values = rows + row * columns;
        __m512 top = evident_row_maximum_avx512(values, columns);
        __m512 total = _mm512_setzero_ps();
        for (size_t column = 0; column < columns; column += 16) {
            __mmask16 mask = evident_tail_mask(columns, column);
            __m512 e = evident_exponential_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, values + column), top));
            _mm512_mask_storeu_ps(values + column, mask, e);
            total = _mm512_mask_add_ps(total, mask, total, e);
        }
        __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(total));
        for (size_t column = 0; column < columns; column += 16) {
            __mmask16 mask = evident_tail_mask(columns, column);
            _mm512_mask_storeu_ps(values + column, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, values + column), inverse));
        }
    }
}

// One query block of self-attention for one head: four query rows (the last repeated where fewer remain) against
// every key, softmax, and the weighted sum of the values, in registers. `keys` holds the head's keys transposed
// (head_size rows of `padded` floats, zero past `length`); `scores` four rows of `padded` floats. VECTORS is the
// head size in sixteens (a constant in each caller, so that the accumulators stay in registers).
AVX512_TARGET static inline __attribute__((always_inline)) void attend_block(const float *queries, size_t stride,
    const float *values, float *context, size_t context_stride, size_t length, size_t padded, size_t head_size,
    const int VECTORS, float scale, size_t row, const float *keys, float *scores) {
    const float *query[4];
    for (int r = 0; r < 4; r++) query[r] = queries + (row + r < length ? row + r : length - 1) * stride;
    const __m512 factor = _mm512_set1_ps(scale);
    // Thirty-two keys at a time (eight independent sums keep both FMA pipes busy), then the last sixteen.
    size_t key = 0;
    for (; key + 32 <= padded; key += 32) {
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps(), b2 = _mm512_setzero_ps(), b3 = _mm512_setzero_ps();
        for (size_t d = 0; d < head_size; d++) {
            __m512 k = _mm512_loadu_ps(keys + d * padded + key), l = _mm512_loadu_ps(keys + d * padded + key + 16);
            __m512 q0 = _mm512_set1_ps(query[0][d]), q1 = _mm512_set1_ps(query[1][d]);
            __m512 q2 = _mm512_set1_ps(query[2][d]), q3 = _mm512_set1_ps(query[3][d]);
            a0 = _mm512_fmadd_ps(q0, k, a0), b0 = _mm512_fmadd_ps(q0, l, b0);
            a1 = _mm512_fmadd_ps(q1, k, a1), b1 = _mm512_fmadd_ps(q1, l, b1);
            a2 = _mm512_fmadd_ps(q2, k, a2), b2 = _mm512_fmadd_ps(q2, l, b2);
            a3 = _mm512_fmadd_ps(q3, k, a3), b3 = _mm512_fmadd_ps(q3, l, b3);
        }
        _mm512_storeu_ps(scores + key, _mm512_mul_ps(a0, factor));
        _mm512_storeu_ps(scores + key + 16, _mm512_mul_ps(b0, factor));
        _mm512_storeu_ps(scores + padded + key, _mm512_mul_ps(a1, factor));
        _mm512_storeu_ps(scores + padded + key + 16, _mm512_mul_ps(b1, factor));
        _mm512_storeu_ps(scores + 2 * padded + key, _mm512_mul_ps(a2, factor));
        _mm512_storeu_ps(scores + 2 * padded + key + 16, _mm512_mul_ps(b2, factor));
        _mm512_storeu_ps(scores + 3 * padded + key, _mm512_mul_ps(a3, factor));
        _mm512_storeu_ps(scores + 3 * padded + key + 16, _mm512_mul_ps(b3, factor));
    }
    for (; key < padded; key += 16) {
        __m512 sum0 = _mm512_setzero_ps(), sum1 = _mm512_setzero_ps();
        __m512 sum2 = _mm512_setzero_ps(), sum3 = _mm512_setzero_ps();
        for (size_t d = 0; d < head_size; d++) {
            __m512 k = _mm512_loadu_ps(keys + d * padded + key);
            sum0 = _mm512_fmadd_ps(_mm512_set1_ps(query[0][d]), k, sum0);
            sum1 = _mm512_fmadd_ps(_mm512_set1_ps(query[1][d]), k, sum1);
            sum2 = _mm512_fmadd_ps(_mm512_set1_ps(query[2][d]), k, sum2);
            sum3 = _mm512_fmadd_ps(_mm512_set1_ps(query[3][d]), k, sum3);
        }
        _mm512_storeu_ps(scores + key, _mm512_mul_ps(sum0, factor));
        _mm512_storeu_ps(scores + padded + key, _mm512_mul_ps(sum1, factor));
        _mm512_storeu_ps(scores + 2 * padded + key, _mm512_mul_ps(sum2, factor));
        _mm512_storeu_ps(scores + 3 * padded + key, _mm512_mul_ps(sum3, factor));
    }
    // Softmax numerators in place (zero past `length`), and each row's 1 / denominator.
    float inverse[4];
    for (int r = 0; r < 4; r++) {
        float *row_scores = scores + r * padded;
        __m512 top = evident_row_maximum_avx512(row_scores, length);
        __m512 total = _mm512_setzero_ps();
        for (size_t key = 0; key < padded; key += 16) {
            __mmask16 mask = evident_tail_mask(length, key);
            __m512 e = _mm512_maskz_mov_ps(mask, evident_exponential_avx512(_mm512_sub_ps(_mm512_loadu_ps(row_scores + key), top)));
            _mm512_storeu_ps(row_scores + key, e);
            total = _mm512_add_ps(total, e);
        }
        inverse[r] = 1.0f / _mm512_reduce_add_ps(total);
    }
    __m512 out[4][4];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < VECTORS; c++) out[r][c] = _mm512_setzero_ps();
    for (size_t key = 0; key < length; key++) {
        const float *value = values + key * stride;
        __m512 p0 = _mm512_set1_ps(scores[key]), p1 = _mm512_set1_ps(scores[padded + key]);
        __m512 p2 = _mm512_set1_ps(scores[2 * padded + key]), p3 = _mm512_set1_ps(scores[3 * padded + key]);
        for (int c = 0; c < VECTORS; c++) {
            __m512 v = _mm512_loadu_ps(value + 16 * c);
            out[0][c] = _mm512_fmadd_ps(p0, v, out[0][c]);
            out[1][c] = _mm512_fmadd_ps(p1, v, out[1][c]);
            out[2][c] = _mm512_fmadd_ps(p2, v, out[2][c]);
            out[3][c] = _mm512_fmadd_ps(p3, v, out[3][c]);
        }
    }
    for (int r = 0; r < 4 && row + r < length; r++)
        for (int c = 0; c < VECTORS; c++)
            _mm512_storeu_ps(context + (row + r) * context_stride + 16 * c,
                _mm512_mul_ps(out[r][c], _mm512_set1_ps(inverse[r])));
}

AVX512_TARGET static void attention_avx512(const float *qkv, size_t stride, float *context, size_t context_stride,
    size_t length, size_t heads, size_t head_size, float scale, float *keys, float *scores) {
    size_t padded = (length + 15) & ~(size_t)15;
    size_t hidden = heads * head_size;
    for (size_t head = 0; head < heads; head++) {
        const float *queries = qkv + head * head_size;
        const float *head_keys = qkv + hidden + head * head_size;
        const float *values = qkv + 2 * hidden + head * head_size;
        float *output = context + head * head_size;
        // The transpose in plain scalar moves: vectorized, the compiler makes scatters of it, which cost more than
        // all the arithmetic on some processors (AMD Zen).
        for (size_t key = 0; key < padded; key++) {
#pragma clang loop vectorize(disable)
            for (size_t d = 0; d < head_size; d++)
                keys[d * padded + key] = key < length ? head_keys[key * stride + d] : 0.0f;
        }
        for (size_t row = 0; row < length; row += 4) {
            switch (head_size / 16) {
            case 1: attend_block(queries, stride, values, output, context_stride, length, padded, head_size, 1, scale, row, keys, scores); break;
            case 2: attend_block(queries, stride, values, output, context_stride, length, padded, head_size, 2, scale, row, keys, scores); break;
            case 3: attend_block(queries, stride, values, output, context_stride, length, padded, head_size, 3, scale, row, keys, scores); break;
            default: attend_block(queries, stride, values, output, context_stride, length, padded, head_size, 4, scale, row, keys, scores); break;
            }
        }
    }
}

static int has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

#endif

int evident_gelu_f32(float *values, size_t count) {
#ifdef EVIDENT_ACTIVATIONS
    if (!has_avx512()) return 0;
    gelu_avx512(values, count);
    return 1;
#else
    (void)values, (void)count;
    return 0;
#endif
}

int evident_softmax_rows_f32(float *rows, size_t row_count, size_t columns) {
#ifdef EVIDENT_ACTIVATIONS
    if (!has_avx512() || columns == 0) return 0;
    softmax_rows_avx512(rows, row_count, columns);
    return 1;
#else
    (void)rows, (void)row_count, (void)columns;
    return 0;
#endif
}

int evident_attention_f32(const float *qkv, size_t stride, float *context, size_t context_stride, size_t length,
    size_t heads, size_t head_size, float scale) {
#ifdef EVIDENT_ACTIVATIONS
    if (!has_avx512() || length == 0 || head_size == 0 || head_size % 16 != 0 || head_size > 64) return 0;
    size_t padded = (length + 15) & ~(size_t)15;
    float *scratch = malloc((head_size + 4) * padded * sizeof(float));
    if (!scratch) return 0;
    attention_avx512(qkv, stride, context, context_stride, length, heads, head_size, scale, scratch,
        scratch + head_size * padded);
    free(scratch);
    return 1;
#else
    (void)qkv, (void)stride, (void)context, (void)context_stride, (void)length, (void)heads, (void)head_size,
        (void)scale;
    return 0;
#endif
}
