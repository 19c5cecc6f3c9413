// A bfloat16 pre-screen for exact inner-product search on Intel AMX (Advanced Matrix Extensions).
//
// The tile unit multiplies 16 rows × 32 bfloat16 elements by 32 × 16 in one instruction, accumulating in fp32.
// Rows of the index are the left operand (loaded straight from a row-major bfloat16 copy), queries the right one
// (rearranged per call into the pair-interleaved layout the unit expects). Every 16 × 16 block of approximate
// scores is compared with each query's running threshold in one AVX-512 comparison per row; the rare rows above
// it are appended to the query's candidate list. How the threshold keeps every true top-k row is explained in
// CEvidentKernels.h and in FlatVectorIndex+Screening.swift.

#include "CEvidentKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define EVIDENT_AMX 1
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

// MARK: - Conversion

static inline uint16_t bf16_from_f32(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);  // NaN stays a quiet NaN
    // Round to nearest, ties to even: add 0x7fff plus the lowest kept bit, then truncate.
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

void evident_convert_f32_to_bf16(
    const float *source, size_t rows, size_t dimension, uint16_t *target, size_t padded_dimension) {
    for (size_t row = 0; row < rows; row++) {
        const float *from = source + row * dimension;
        uint16_t *to = target + row * padded_dimension;
        for (size_t index = 0; index < dimension; index++) to[index] = bf16_from_f32(from[index]);
        for (size_t index = dimension; index < padded_dimension; index++) to[index] = 0;
    }
}

// MARK: - Candidate lists

static int compare_descending(const void *left, const void *right) {
    float a = *(const float *)left, b = *(const float *)right;
    return (a < b) - (a > b);
}

// Raises the list's threshold to its `limit`-th best score minus `margin` and drops the candidates below it;
// grows the list when it is still more than half full. Returns 0, or -1 when memory runs out.
static int prune(evident_candidate_list *list, size_t limit, float margin) {
    if (list->count >= limit && limit > 0) {
        float *scores = malloc(list->count * sizeof(float));
        if (!scores) return -1;
        for (size_t index = 0; index < list->count; index++) scores[index] = list->items[index].score;
        // A full sort is simple and the lists are short (a few thousand at most, pruned rarely).
        qsort(scores, list->count, sizeof(float), compare_descending);
        float threshold = scores[limit - 1] - margin;
        free(scores);
        if (threshold > list->threshold) list->threshold = threshold;
        size_t kept = 0;
        for (size_t index = 0; index < list->count; index++)
            if (list->items[index].score >= list->threshold) list->items[kept++] = list->items[index];
        list->count = kept;
    }
    if (list->count * 2 > list->capacity) {
        size_t capacity = list->capacity * 2;
        evident_candidate *items = realloc(list->items, capacity * sizeof(evident_candidate));
        if (!items) return -1;
        list->items = items;
        list->capacity = capacity;
    }
    return 0;
}

int evident_candidate_list_init(evident_candidate_list *list, size_t capacity) {
    list->capacity = capacity < 64 ? 64 : capacity;
    list->count = 0;
    list->threshold = -__builtin_inff();
    list->items = malloc(list->capacity * sizeof(evident_candidate));
    return list->items ? 0 : -1;
}

void evident_candidate_list_free(evident_candidate_list *list) {
    free(list->items);
    list->items = NULL;
    list->count = list->capacity = 0;
}

#ifdef EVIDENT_AMX

// MARK: - AMX

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

static int amx_state = -1;  // -1 unknown, 0 unusable, 1 usable; racing detections store the same value

int evident_amx_bf16_available(void) {
    int state = __atomic_load_n(&amx_state, __ATOMIC_ACQUIRE);
    if (state >= 0) return state;
    unsigned eax, ebx, ecx, edx;
    int usable = 0;
    // CPUID leaf 7: EDX bit 22 AMX-BF16, bit 24 AMX-TILE; AVX-512 F (EBX bit 16) for the threshold comparisons.
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (edx & (1u << 22)) && (edx & (1u << 24)) &&
        (ebx & (1u << 16))) {
        // Linux hands out the tile registers' state only to processes that ask (5.16 and later).
        usable = syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    }
    __atomic_store_n(&amx_state, usable, __ATOMIC_RELEASE);
    return usable;
}

typedef struct {
    uint8_t palette;
    uint8_t start_row;
    uint8_t reserved[14];
    uint16_t bytes_per_row[16];
    uint8_t rows[16];
} __attribute__((packed)) tile_configuration;

// Tiles 0–3: scores (rows 0–15 and 16–31 against query groups g and g + 1); 4–5: index rows; 6–7: queries.
__attribute__((target("amx-tile"))) static void configure_tiles(void) {
    tile_configuration configuration;
    memset(&configuration, 0, sizeof configuration);
    configuration.palette = 1;
    for (int tile = 0; tile < 8; tile++) {
        configuration.rows[tile] = 16;
        configuration.bytes_per_row[tile] = 64;
    }
    _tile_loadconfig(&configuration);
}

// Appends the rows of one 16 × 16 score block that reach their query's threshold.
__attribute__((target("avx512f"))) static int filter_block(const float *block, size_t first_row, size_t row_end,
    size_t first_query, size_t query_count, float *thresholds, size_t limit, const float *margins,
    evident_candidate_list *lists) {
    __m512 threshold = _mm512_loadu_ps(thresholds + first_query);
    for (size_t index = 0; index < 16 && first_row + index < row_end; index++) {
        __m512 scores = _mm512_loadu_ps(block + index * 16);
        __mmask16 mask = _mm512_cmp_ps_mask(scores, threshold, _CMP_GE_OQ);
        while (mask) {
            unsigned lane = (unsigned)__builtin_ctz(mask);
            mask &= (__mmask16)(mask - 1);
            size_t query = first_query + lane;
            if (query >= query_count) continue;
            evident_candidate_list *list = lists + query;
            float score = block[index * 16 + lane];
            if (score < list->threshold) continue;  // the threshold rose within this block
            if (list->count == list->capacity) {
                if (prune(list, limit, margins[query]) != 0) return -1;
                thresholds[query] = list->threshold;
                threshold = _mm512_loadu_ps(thresholds + first_query);
                if (score < list->threshold) continue;
            }
            list->items[list->count].score = score;
            list->items[list->count].row = (uint32_t)(first_row + index);
            list->count++;
        }
    }
    return 0;
}

__attribute__((target("amx-tile,amx-bf16,avx512f"))) static int screen_amx(const uint16_t *matrix,
    size_t row_begin, size_t row_end, size_t padded_dimension, const uint16_t *queries, size_t query_count,
    size_t limit, const float *margins, evident_candidate_list *lists) {
    size_t chunks = padded_dimension / 32;
    size_t groups = (query_count + 15) / 16;
    // Queries in the tile unit's right-operand layout: per chunk of 32 elements and group of 16 queries, 16 rows
    // of element pairs, each row holding pair p of all 16 queries.
    uint16_t *right = aligned_alloc(64, chunks * groups * 512 * sizeof(uint16_t));
    float *thresholds = malloc((groups + 1) * 16 * sizeof(float));
    float *scores = aligned_alloc(64, 4 * 256 * sizeof(float));
    int status = 0;
    if (!right || !thresholds || !scores) {
        status = -1;
        goto done;
    }
    for (size_t chunk = 0; chunk < chunks; chunk++)
        for (size_t group = 0; group < groups; group++) {
            uint16_t *tile = right + (chunk * groups + group) * 512;
            for (size_t pair = 0; pair < 16; pair++)
                for (size_t lane = 0; lane < 16; lane++) {
                    size_t query = group * 16 + lane;
                    size_t element = chunk * 32 + pair * 2;
                    tile[pair * 32 + lane * 2] = query < query_count ? queries[query * padded_dimension + element] : 0;
                    tile[pair * 32 + lane * 2 + 1] =
                        query < query_count ? queries[query * padded_dimension + element + 1] : 0;
                }
        }
    for (size_t index = 0; index < (groups + 1) * 16; index++)
        thresholds[index] = index < query_count ? lists[index].threshold : __builtin_inff();

    configure_tiles();
    size_t stride = padded_dimension * sizeof(uint16_t);
    for (size_t row = row_begin; row < row_end; row += 32) {
        const uint16_t *rows = matrix + row * padded_dimension;
        for (size_t group = 0; group < groups; group += 2) {
            int pair_of_groups = group + 1 < groups;
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (size_t chunk = 0; chunk < chunks; chunk++) {
                _tile_loadd(4, rows + chunk * 32, stride);
                _tile_loadd(5, rows + 16 * padded_dimension + chunk * 32, stride);
                _tile_loadd(6, right + (chunk * groups + group) * 512, 64);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 5, 6);
                if (pair_of_groups) {
                    _tile_loadd(7, right + (chunk * groups + group + 1) * 512, 64);
                    _tile_dpbf16ps(2, 4, 7);
                    _tile_dpbf16ps(3, 5, 7);
                }
            }
            _tile_stored(0, scores, 64);
            _tile_stored(1, scores + 256, 64);
            if (pair_of_groups) {
                _tile_stored(2, scores + 512, 64);
                _tile_stored(3, scores + 768, 64);
            }
            for (int tile = 0; tile < (pair_of_groups ? 4 : 2); tile++) {
                size_t first_row = row + (size_t)(tile & 1) * 16;
                size_t first_query = (group + (size_t)(tile >> 1)) * 16;
                if (filter_block(scores + tile * 256, first_row, row_end, first_query, query_count, thresholds,
                        limit, margins, lists) != 0) {
                    status = -1;
                    _tile_release();
                    goto done;
                }
            }
        }
    }
    _tile_release();
done:
    free(right);
    free(thresholds);
    free(scores);
    return status;
}

int evident_screen_bf16(const uint16_t *matrix, size_t row_begin, size_t row_end, size_t padded_dimension,
    const uint16_t *queries, size_t query_count, size_t limit, const float *margins,
    evident_candidate_list *lists) {
    if (!evident_amx_bf16_available() || padded_dimension % 32 != 0 || row_begin % 32 != 0) return -2;
    return screen_amx(matrix, row_begin, row_end, padded_dimension, queries, query_count, limit, margins, lists);
}

#else

int evident_amx_bf16_available(void) { return 0; }

int evident_screen_bf16(const uint16_t *matrix, size_t row_begin, size_t row_end, size_t padded_dimension,
    const uint16_t *queries, size_t query_count, size_t limit, const float *margins,
    evident_candidate_list *lists) {
    (void)matrix, (void)row_begin, (void)row_end, (void)padded_dimension, (void)queries, (void)query_count;
    (void)limit, (void)margins, (void)lists;
    return -2;
}

#endif
