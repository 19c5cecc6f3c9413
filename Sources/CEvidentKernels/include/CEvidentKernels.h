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

#ifdef __cplusplus
}
#endif

#endif
