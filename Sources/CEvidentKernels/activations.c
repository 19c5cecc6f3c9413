// The encoder's element-wise steps on AVX-512: the exact (erf-based) GELU of the feed-forward blocks and the
// softmax of attention scores. They compute what BertKernels (Swift, on SIMD16<Float>) computes — the same
// exponential (Cody–Waite reduction, Taylor series to degree 7), the same erf (Maclaurin series below 1,
// Abramowitz and Stegun 7.1.26 above) — sixteen lanes to one instruction instead of the four SSE instructions that
// Swift's baseline x86-64 code spends; elsewhere the functions return 0 and the Swift kernels run.

#include "CEvidentKernels.h"

#include <math.h>

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

// e^x within about 2 ulp for x in [-87.3, 88.3]; smaller inputs give 2^-126.
AVX512_TARGET static inline __m512 exponential(__m512 input) {
    __m512 x = _mm512_max_ps(input, _mm512_set1_ps(-87.3f));
    const __m512 rounding = _mm512_set1_ps(12582912.0f);  // 1.5·2^23: n = round(x / ln 2) in the low bits
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), rounding);
    __m512 n = _mm512_sub_ps(shifted, rounding);
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
        _mm512_mul_ps(n, _mm512_set1_ps(-2.1219444e-4f)));
    __m512 p = _mm512_add_ps(_mm512_mul_ps(r, _mm512_set1_ps(1.0f / 5040)), _mm512_set1_ps(1.0f / 720));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 120));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 24));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f / 6));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(0.5f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.0f));
    __m512i integer = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(rounding));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(integer, _mm512_set1_epi32(127)), 23));
    return _mm512_mul_ps(p, scale);
}

AVX512_TARGET static inline __m512 error_function(__m512 x) {
    const __m512 one = _mm512_set1_ps(1.0f);
    __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    __m512 sign = _mm512_mask_blend_ps(negative, one, _mm512_set1_ps(-1.0f));
    __m512 magnitude = _mm512_mul_ps(x, sign);
    __m512 square = _mm512_mul_ps(x, x);
    __m512 sum = _mm512_set1_ps(series[10]);
    for (int index = 9; index >= 0; index--) sum = _mm512_add_ps(_mm512_mul_ps(sum, square), _mm512_set1_ps(series[index]));
    sum = _mm512_mul_ps(sum, x);
    __m512 t = _mm512_div_ps(one, _mm512_add_ps(_mm512_mul_ps(magnitude, _mm512_set1_ps(0.3275911f)), one));
    __m512 p = _mm512_sub_ps(_mm512_mul_ps(t, _mm512_set1_ps(1.061405429f)), _mm512_set1_ps(1.453152027f));
    p = _mm512_add_ps(_mm512_mul_ps(p, t), _mm512_set1_ps(1.421413741f));
    p = _mm512_sub_ps(_mm512_mul_ps(p, t), _mm512_set1_ps(0.284496736f));
    p = _mm512_add_ps(_mm512_mul_ps(p, t), _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 tail = _mm512_mul_ps(
        _mm512_sub_ps(one, _mm512_mul_ps(p, exponential(_mm512_sub_ps(_mm512_setzero_ps(), square)))), sign);
    __mmask16 small = _mm512_cmp_ps_mask(magnitude, one, _CMP_LT_OQ);
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
        __m512 maximum = _mm512_set1_ps(-INFINITY);
        for (size_t column = 0; column < columns; column += 16) {
            __mmask16 mask = columns - column >= 16 ? 0xffff : (__mmask16)((1u << (columns - column)) - 1);
            maximum = _mm512_mask_max_ps(maximum, mask, maximum, _mm512_maskz_loadu_ps(mask, values + column));
        }
        __m512 top = _mm512_set1_ps(_mm512_reduce_max_ps(maximum));
        __m512 total = _mm512_setzero_ps();
        for (size_t column = 0; column < columns; column += 16) {
            __mmask16 mask = columns - column >= 16 ? 0xffff : (__mmask16)((1u << (columns - column)) - 1);
            __m512 e = exponential(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, values + column), top));
            _mm512_mask_storeu_ps(values + column, mask, e);
            total = _mm512_mask_add_ps(total, mask, total, e);
        }
        __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(total));
        for (size_t column = 0; column < columns; column += 16) {
            __mmask16 mask = columns - column >= 16 ? 0xffff : (__mmask16)((1u << (columns - column)) - 1);
            _mm512_mask_storeu_ps(values + column, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, values + column), inverse));
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
