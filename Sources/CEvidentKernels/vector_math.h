// e^x and a row's maximum on 16 lanes of AVX-512, for the softmax of the C kernels (activations.c,
// linear_packed.c); not part of the module's API.

#ifndef EVIDENT_VECTOR_MATH_H
#define EVIDENT_VECTOR_MATH_H

#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <stddef.h>

// e^x within about 2 ulp for x in [-87.3, 88.3]; smaller inputs give 2^-126. Horner steps are fused
// multiply-adds (one rounding instead of two: at least as accurate as the Swift kernel's separate steps).
__attribute__((target("avx512f"))) static inline __m512 evident_exponential_avx512(__m512 input) {
    __m512 x = _mm512_max_ps(input, _mm512_set1_ps(-87.3f));
    const __m512 rounding = _mm512_set1_ps(12582912.0f);  // 1.5·2^23: n = round(x / ln 2) in the low bits
    __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.44269504f), rounding);
    __m512 n = _mm512_sub_ps(shifted, rounding);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.1219444e-4f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x));
    __m512 p = _mm512_fmadd_ps(r, _mm512_set1_ps(1.0f / 5040), _mm512_set1_ps(1.0f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    __m512i integer = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(rounding));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(integer, _mm512_set1_epi32(127)), 23));
    return _mm512_mul_ps(p, scale);
}

// The lanes of the last, partial vector of a row of `count` values that starts at `index`.
__attribute__((target("avx512f"))) static inline __mmask16 evident_tail_mask(size_t count, size_t index) {
    return count - index >= 16 ? 0xffff : (__mmask16)((1u << (count - index)) - 1);
}

// The largest of `count` floats, broadcast to every lane (softmax takes it off before the exponential).
__attribute__((target("avx512f"))) static inline __m512 evident_row_maximum_avx512(const float *values, size_t count) {
    __m512 maximum = _mm512_set1_ps(-INFINITY);
    for (size_t index = 0; index < count; index += 16) {
        __mmask16 mask = evident_tail_mask(count, index);
        maximum = _mm512_mask_max_ps(maximum, mask, maximum, _mm512_maskz_loadu_ps(mask, values + index));
    }
    return _mm512_set1_ps(_mm512_reduce_max_ps(maximum));
}

#endif
#endif
