// Inner-product kernels for the vector indexes, dispatched at run time to AVX-512, AVX2 or portable C.
// Each instruction set lives in functions compiled with a `target` attribute, so the target needs no global
// compiler flags and runs on any x86-64 (or other) machine.

#include "CEvidentKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#define EVIDENT_X86 1
#include <immintrin.h>
#endif

// MARK: - Portable C

static float dot_product_f32_portable(const float *left, const float *right, size_t count) {
    float sum = 0;
    for (size_t index = 0; index < count; index++) sum += left[index] * right[index];
    return sum;
}

static void inner_products_f32_portable(
    const float *matrix, size_t rows, size_t dimension, const float *query, float *scores) {
    for (size_t row = 0; row < rows; row++)
        scores[row] = dot_product_f32_portable(matrix + row * dimension, query, dimension);
}

static void inner_products_u8_i8_portable(
    const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores) {
    for (size_t row = 0; row < rows; row++) {
        const uint8_t *code = codes + row * dimension;
        int32_t sum = 0;
        for (size_t index = 0; index < dimension; index++) sum += (int32_t)code[index] * (int32_t)query[index];
        scores[row] = sum;
    }
}

static void maxima_of_64_portable(const float *values, size_t count, float *maxima) {
    for (size_t start = 0; start < count; start += 64) {
        size_t end = count - start < 64 ? count : start + 64;
        float maximum = values[start];
        for (size_t index = start + 1; index < end; index++) maximum = values[index] > maximum ? values[index] : maximum;
        maxima[start / 64] = maximum;
    }
}

#ifdef EVIDENT_X86

// MARK: - AVX2 with FMA

__attribute__((target("avx2,fma"))) static inline float horizontal_sum_avx2(__m256 value) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(value), _mm256_extractf128_ps(value, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

__attribute__((target("avx2,fma"))) static void inner_products_f32_avx2(
    const float *matrix, size_t rows, size_t dimension, const float *query, float *scores) {
    size_t row = 0;
    for (; row + 4 <= rows; row += 4) {
        const float *r0 = matrix + row * dimension, *r1 = r0 + dimension, *r2 = r1 + dimension, *r3 = r2 + dimension;
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(),
               s3 = _mm256_setzero_ps();
        size_t index = 0;
        for (; index + 8 <= dimension; index += 8) {
            __m256 q = _mm256_loadu_ps(query + index);
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + index), q, s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + index), q, s1);
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + index), q, s2);
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + index), q, s3);
        }
        float t0 = horizontal_sum_avx2(s0), t1 = horizontal_sum_avx2(s1), t2 = horizontal_sum_avx2(s2),
              t3 = horizontal_sum_avx2(s3);
        for (; index < dimension; index++) {
            t0 += r0[index] * query[index];
            t1 += r1[index] * query[index];
            t2 += r2[index] * query[index];
            t3 += r3[index] * query[index];
        }
        scores[row] = t0;
        scores[row + 1] = t1;
        scores[row + 2] = t2;
        scores[row + 3] = t3;
    }
    for (; row < rows; row++) {
        const float *r0 = matrix + row * dimension;
        __m256 s0 = _mm256_setzero_ps();
        size_t index = 0;
        for (; index + 8 <= dimension; index += 8)
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + index), _mm256_loadu_ps(query + index), s0);
        float t0 = horizontal_sum_avx2(s0);
        for (; index < dimension; index++) t0 += r0[index] * query[index];
        scores[row] = t0;
    }
}

__attribute__((target("avx2"))) static inline int32_t horizontal_sum_i32_avx2(__m256i value) {
    __m128i sum = _mm_add_epi32(_mm256_castsi256_si128(value), _mm256_extracti128_si256(value, 1));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(1, 0, 3, 2)));
    sum = _mm_add_epi32(sum, _mm_shuffle_epi32(sum, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(sum);
}

// Widens both operands to 16 bits and uses vpmaddwd, which cannot saturate (unlike vpmaddubsw on u8 × s8).
__attribute__((target("avx2"))) static void inner_products_u8_i8_avx2(
    const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores) {
    for (size_t row = 0; row < rows; row++) {
        const uint8_t *code = codes + row * dimension;
        __m256i sum = _mm256_setzero_si256();
        size_t index = 0;
        for (; index + 16 <= dimension; index += 16) {
            __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(code + index)));
            __m256i q = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(query + index)));
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(c, q));
        }
        int32_t total = horizontal_sum_i32_avx2(sum);
        for (; index < dimension; index++) total += (int32_t)code[index] * (int32_t)query[index];
        scores[row] = total;
    }
}

// MARK: - AVX-512

// Four rows at a time (the remaining rows one at a time, adding in the same order, so a row's score does not
// depend on where it falls): each query load feeds four FMAs, and four independent sums hide the FMA latency.
__attribute__((target("avx512f"))) static void inner_products_f32_avx512(
    const float *matrix, size_t rows, size_t dimension, const float *query, float *scores) {
    size_t full = dimension & ~(size_t)15;
    __mmask16 tail = (__mmask16)((1u << (dimension - full)) - 1);
    size_t row = 0;
    for (; row + 4 <= rows; row += 4) {
        const float *r0 = matrix + row * dimension, *r1 = r0 + dimension, *r2 = r1 + dimension, *r3 = r2 + dimension;
        __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(),
               s3 = _mm512_setzero_ps();
        for (size_t index = 0; index < full; index += 16) {
            __m512 q = _mm512_loadu_ps(query + index);
            s0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + index), q, s0);
            s1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + index), q, s1);
            s2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + index), q, s2);
            s3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + index), q, s3);
        }
        if (tail) {
            __m512 q = _mm512_maskz_loadu_ps(tail, query + full);
            s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r0 + full), q, s0);
            s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r1 + full), q, s1);
            s2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r2 + full), q, s2);
            s3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r3 + full), q, s3);
        }
        scores[row] = _mm512_reduce_add_ps(s0);
        scores[row + 1] = _mm512_reduce_add_ps(s1);
        scores[row + 2] = _mm512_reduce_add_ps(s2);
        scores[row + 3] = _mm512_reduce_add_ps(s3);
    }
    for (; row < rows; row++) {
        const float *r0 = matrix + row * dimension;
        __m512 s0 = _mm512_setzero_ps();
        for (size_t index = 0; index < full; index += 16)
            s0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + index), _mm512_loadu_ps(query + index), s0);
        if (tail)
            s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, r0 + full), _mm512_maskz_loadu_ps(tail, query + full), s0);
        scores[row] = _mm512_reduce_add_ps(s0);
    }
}

// Four rows by four queries: every row and query element loaded feeds four FMAs. Each of the 16 sums adds in the
// same order as the one-row loop above, so a batch scores exactly as single queries do.
__attribute__((target("avx512f"))) static void inner_products_f32_batch_avx512(const float *matrix, size_t rows,
    size_t dimension, const float *queries, size_t query_count, float *scores, size_t stride) {
    size_t full = dimension & ~(size_t)15;
    __mmask16 tail = (__mmask16)((1u << (dimension - full)) - 1);
    size_t row = 0;
    for (; row + 4 <= rows; row += 4) {
        const float *r0 = matrix + row * dimension, *r1 = r0 + dimension, *r2 = r1 + dimension, *r3 = r2 + dimension;
        size_t query = 0;
        for (; query + 4 <= query_count; query += 4) {
            const float *q[4] = {queries + query * dimension, queries + (query + 1) * dimension,
                                 queries + (query + 2) * dimension, queries + (query + 3) * dimension};
            __m512 s[4][4];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) s[a][b] = _mm512_setzero_ps();
            for (size_t index = 0; index < full; index += 16) {
                __m512 v0 = _mm512_loadu_ps(r0 + index), v1 = _mm512_loadu_ps(r1 + index),
                       v2 = _mm512_loadu_ps(r2 + index), v3 = _mm512_loadu_ps(r3 + index);
                for (int b = 0; b < 4; b++) {
                    __m512 x = _mm512_loadu_ps(q[b] + index);
                    s[0][b] = _mm512_fmadd_ps(v0, x, s[0][b]);
                    s[1][b] = _mm512_fmadd_ps(v1, x, s[1][b]);
                    s[2][b] = _mm512_fmadd_ps(v2, x, s[2][b]);
                    s[3][b] = _mm512_fmadd_ps(v3, x, s[3][b]);
                }
            }
            if (tail) {
                __m512 v0 = _mm512_maskz_loadu_ps(tail, r0 + full), v1 = _mm512_maskz_loadu_ps(tail, r1 + full),
                       v2 = _mm512_maskz_loadu_ps(tail, r2 + full), v3 = _mm512_maskz_loadu_ps(tail, r3 + full);
                for (int b = 0; b < 4; b++) {
                    __m512 x = _mm512_maskz_loadu_ps(tail, q[b] + full);
                    s[0][b] = _mm512_fmadd_ps(v0, x, s[0][b]);
                    s[1][b] = _mm512_fmadd_ps(v1, x, s[1][b]);
                    s[2][b] = _mm512_fmadd_ps(v2, x, s[2][b]);
                    s[3][b] = _mm512_fmadd_ps(v3, x, s[3][b]);
                }
            }
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++) scores[(query + b) * stride + row + a] = _mm512_reduce_add_ps(s[a][b]);
        }
        for (; query < query_count; query++) {
            float block[4];
            inner_products_f32_avx512(r0, 4, dimension, queries + query * dimension, block);
            for (int a = 0; a < 4; a++) scores[query * stride + row + a] = block[a];
        }
    }
    for (; row < rows; row++)
        for (size_t query = 0; query < query_count; query++)
            inner_products_f32_avx512(
                matrix + row * dimension, 1, dimension, queries + query * dimension, scores + query * stride + row);
}

// vpdpbusd multiplies unsigned by signed bytes and adds groups of four into 32-bit lanes, 64 bytes per instruction.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static void inner_products_u8_i8_avx512(
    const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores) {
    size_t full = dimension & ~(size_t)63;
    __mmask64 tail = dimension - full == 0 ? 0 : (__mmask64)((~0ull) >> (64 - (dimension - full)));
    size_t row = 0;
    for (; row + 4 <= rows; row += 4) {
        const uint8_t *r0 = codes + row * dimension, *r1 = r0 + dimension, *r2 = r1 + dimension, *r3 = r2 + dimension;
        __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512(), s2 = _mm512_setzero_si512(),
                s3 = _mm512_setzero_si512();
        for (size_t index = 0; index < full; index += 64) {
            __m512i q = _mm512_loadu_si512(query + index);
            s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(r0 + index), q);
            s1 = _mm512_dpbusd_epi32(s1, _mm512_loadu_si512(r1 + index), q);
            s2 = _mm512_dpbusd_epi32(s2, _mm512_loadu_si512(r2 + index), q);
            s3 = _mm512_dpbusd_epi32(s3, _mm512_loadu_si512(r3 + index), q);
        }
        if (tail) {
            __m512i q = _mm512_maskz_loadu_epi8(tail, query + full);
            s0 = _mm512_dpbusd_epi32(s0, _mm512_maskz_loadu_epi8(tail, r0 + full), q);
            s1 = _mm512_dpbusd_epi32(s1, _mm512_maskz_loadu_epi8(tail, r1 + full), q);
            s2 = _mm512_dpbusd_epi32(s2, _mm512_maskz_loadu_epi8(tail, r2 + full), q);
            s3 = _mm512_dpbusd_epi32(s3, _mm512_maskz_loadu_epi8(tail, r3 + full), q);
        }
        scores[row] = _mm512_reduce_add_epi32(s0);
        scores[row + 1] = _mm512_reduce_add_epi32(s1);
        scores[row + 2] = _mm512_reduce_add_epi32(s2);
        scores[row + 3] = _mm512_reduce_add_epi32(s3);
    }
    for (; row < rows; row++) {
        const uint8_t *r0 = codes + row * dimension;
        __m512i s0 = _mm512_setzero_si512();
        for (size_t index = 0; index < full; index += 64)
            s0 = _mm512_dpbusd_epi32(s0, _mm512_loadu_si512(r0 + index), _mm512_loadu_si512(query + index));
        if (tail)
            s0 = _mm512_dpbusd_epi32(
                s0, _mm512_maskz_loadu_epi8(tail, r0 + full), _mm512_maskz_loadu_epi8(tail, query + full));
        scores[row] = _mm512_reduce_add_epi32(s0);
    }
}

__attribute__((target("avx512f"))) static void maxima_of_64_avx512(const float *values, size_t count, float *maxima) {
    size_t start = 0;
    for (; start + 64 <= count; start += 64) {
        __m512 maximum = _mm512_max_ps(_mm512_loadu_ps(values + start), _mm512_loadu_ps(values + start + 16));
        maximum = _mm512_max_ps(maximum, _mm512_loadu_ps(values + start + 32));
        maximum = _mm512_max_ps(maximum, _mm512_loadu_ps(values + start + 48));
        maxima[start / 64] = _mm512_reduce_max_ps(maximum);
    }
    if (start < count) maxima_of_64_portable(values + start, count - start, maxima + start / 64);
}

#endif  // EVIDENT_X86

// MARK: - Dispatch

// Read and written with atomics: racing detections store the same values.
static int detected_level = -1;       // for the float kernels
static int detected_byte_level = -1;  // for the int8 kernels: AVX-512 only with BW and VNNI

static void detect(void) {
    if (__atomic_load_n(&detected_level, __ATOMIC_ACQUIRE) >= 0) return;
    int level = 0, byte_level = 0;
#ifdef EVIDENT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) level = byte_level = 1;
    if (level == 1 && __builtin_cpu_supports("avx512f")) {
        level = 2;
        if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni")) byte_level = 2;
    }
#endif
    __atomic_store_n(&detected_byte_level, byte_level, __ATOMIC_RELAXED);
    __atomic_store_n(&detected_level, level, __ATOMIC_RELEASE);
}

static inline int float_level(int maximum) {
    detect();
    int detected = __atomic_load_n(&detected_level, __ATOMIC_RELAXED);
    return maximum < 0 || detected < maximum ? detected : maximum;
}

static inline int byte_level(int maximum) {
    detect();
    int detected = __atomic_load_n(&detected_byte_level, __ATOMIC_RELAXED);
    return maximum < 0 || detected < maximum ? detected : maximum;
}

int evident_kernel_level(void) { return float_level(-1); }

int evident_cpu_features(void) {
    int features = 0;
#ifdef EVIDENT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) features |= EVIDENT_CPU_AVX2_FMA;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        features |= EVIDENT_CPU_AVX512_SKYLAKE;
#endif
    return features;
}

int evident_kernel_byte_level(void) { return byte_level(-1); }

float evident_dot_product_f32(const float *left, const float *right, size_t count) {
    float score = 0;
    evident_inner_products_f32(left, 1, count, right, &score);
    return score;
}

void evident_inner_products_f32_at_level(
    int level, const float *matrix, size_t rows, size_t dimension, const float *query, float *scores) {
    switch (float_level(level)) {
#ifdef EVIDENT_X86
    case 2: inner_products_f32_avx512(matrix, rows, dimension, query, scores); return;
    case 1: inner_products_f32_avx2(matrix, rows, dimension, query, scores); return;
#endif
    default: inner_products_f32_portable(matrix, rows, dimension, query, scores); return;
    }
}

void evident_inner_products_f32(
    const float *matrix, size_t rows, size_t dimension, const float *query, float *scores) {
    evident_inner_products_f32_at_level(-1, matrix, rows, dimension, query, scores);
}

static void inner_products_f32_batch_strided_at_level(int level, const float *matrix, size_t rows,
    size_t dimension, const float *queries, size_t query_count, float *scores, size_t stride) {
#ifdef EVIDENT_X86
    if (float_level(level) == 2) {
        inner_products_f32_batch_avx512(matrix, rows, dimension, queries, query_count, scores, stride);
        return;
    }
#endif
    // Elsewhere, 64 rows at a time against every query, the rows staying in the first-level cache.
    for (size_t start = 0; start < rows; start += 64) {
        size_t count = rows - start < 64 ? rows - start : 64;
        for (size_t query = 0; query < query_count; query++)
            evident_inner_products_f32_at_level(level, matrix + start * dimension, count, dimension,
                queries + query * dimension, scores + query * stride + start);
    }
}

void evident_inner_products_f32_batch_at_level(int level, const float *matrix, size_t rows, size_t dimension,
    const float *queries, size_t query_count, float *scores) {
    inner_products_f32_batch_strided_at_level(level, matrix, rows, dimension, queries, query_count, scores, rows);
}

void evident_inner_products_f32_batch_strided(const float *matrix, size_t rows, size_t dimension,
    const float *queries, size_t query_count, float *scores, size_t stride) {
    inner_products_f32_batch_strided_at_level(-1, matrix, rows, dimension, queries, query_count, scores, stride);
}

void evident_inner_products_f32_batch(
    const float *matrix, size_t rows, size_t dimension, const float *queries, size_t query_count, float *scores) {
    evident_inner_products_f32_batch_at_level(-1, matrix, rows, dimension, queries, query_count, scores);
}

// The rows ahead of the one being scored whose lines are asked for: a row of 384 floats is 24 cache lines, and two
// rows in flight keep the memory busy while one is multiplied.
#define EVIDENT_GATHER_AHEAD 2

static inline void prefetch_bytes(const void *start, size_t count) {
#if defined(__GNUC__) || defined(__clang__)
    const char *bytes = (const char *)start;
    for (size_t offset = 0; offset < count; offset += 64) __builtin_prefetch(bytes + offset, 0, 3);
#else
    (void)start;
    (void)count;
#endif
}

void evident_gathered_inner_products_f32_at_level(int level, const float *matrix, size_t dimension,
    const int32_t *rows, size_t count, const float *query, float *scores) {
    for (size_t ahead = 0; ahead < count && ahead < EVIDENT_GATHER_AHEAD; ahead++)
        prefetch_bytes(matrix + (size_t)rows[ahead] * dimension, dimension * sizeof(float));
    for (size_t index = 0; index < count; index++) {
        if (index + EVIDENT_GATHER_AHEAD < count)
            prefetch_bytes(matrix + (size_t)rows[index + EVIDENT_GATHER_AHEAD] * dimension, dimension * sizeof(float));
        evident_inner_products_f32_at_level(
            level, matrix + (size_t)rows[index] * dimension, 1, dimension, query, scores + index);
    }
}

void evident_gathered_inner_products_f32(const float *matrix, size_t dimension, const int32_t *rows, size_t count,
    const float *query, float *scores) {
    evident_gathered_inner_products_f32_at_level(-1, matrix, dimension, rows, count, query, scores);
}

void evident_gathered_inner_products_u8_i8_at_level(int level, const uint8_t *codes, size_t dimension,
    const int32_t *rows, size_t count, const int8_t *query, int32_t *scores) {
    for (size_t ahead = 0; ahead < count && ahead < EVIDENT_GATHER_AHEAD; ahead++)
        prefetch_bytes(codes + (size_t)rows[ahead] * dimension, dimension);
    for (size_t index = 0; index < count; index++) {
        if (index + EVIDENT_GATHER_AHEAD < count)
            prefetch_bytes(codes + (size_t)rows[index + EVIDENT_GATHER_AHEAD] * dimension, dimension);
        evident_inner_products_u8_i8_at_level(
            level, codes + (size_t)rows[index] * dimension, 1, dimension, query, scores + index);
    }
}

void evident_gathered_inner_products_u8_i8(const uint8_t *codes, size_t dimension, const int32_t *rows, size_t count,
    const int8_t *query, int32_t *scores) {
    evident_gathered_inner_products_u8_i8_at_level(-1, codes, dimension, rows, count, query, scores);
}

void evident_inner_products_u8_i8_at_level(
    int level, const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores) {
    switch (byte_level(level)) {
#ifdef EVIDENT_X86
    case 2: inner_products_u8_i8_avx512(codes, rows, dimension, query, scores); return;
    case 1: inner_products_u8_i8_avx2(codes, rows, dimension, query, scores); return;
#endif
    default: inner_products_u8_i8_portable(codes, rows, dimension, query, scores); return;
    }
}

void evident_inner_products_u8_i8(
    const uint8_t *codes, size_t rows, size_t dimension, const int8_t *query, int32_t *scores) {
    evident_inner_products_u8_i8_at_level(-1, codes, rows, dimension, query, scores);
}

void evident_maxima_of_64(const float *values, size_t count, float *maxima) {
#ifdef EVIDENT_X86
    if (float_level(-1) == 2) {
        maxima_of_64_avx512(values, count, maxima);
        return;
    }
#endif
    maxima_of_64_portable(values, count, maxima);
}
