// out = x · wᵀ with w pre-packed in panels of 32 output columns (see CKernels.h).
//
// Loop nest: k in blocks of KC (one block for BERT's widths), rows in blocks of MC (the MC x KC slice of x is
// reused from cache by every panel), then panels (a KC x 32 panel slice is reused by the MC rows), then
// blocks of up to 12 rows; the micro-kernel keeps a 12 x 32 tile of out in 24 zmm registers and performs
// one broadcast + two FMAs per row and k step.
#include "CKernels.h"

#include <string.h>

#if defined(__x86_64__)
#include "vector_math.h"
#define TARGET VECTOR_MATH_TARGET
#endif

// KC covers every input width of BERT-base/large in one pass: splitting k (KC = 256 or 512, so a panel slice
// fits L1) measured 8% slower end to end on bert-base here (Zen 5: streaming the panel from L2 keeps up with
// 24 FMAs per two loads, while every extra pass re-reads and re-writes the output tile).
enum { KC = 4096, MC = 144, MR = 12 };

int bertd_packed_gemm_available(void) {
#if defined(__x86_64__)
    static int known = -1;  // the CPU does not change: ask once (packing calls this per panel, on many threads)
    int available = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&known, available, __ATOMIC_RELAXED);
    }
    return available;
#else
    return 0;
#endif
}

size_t bertd_packed_size(int n, int k) {
    size_t panels = ((size_t)n + BERTD_PANEL - 1) / BERTD_PANEL;
    return panels * BERTD_PANEL * (size_t)k;
}

#if defined(__x86_64__)
// One whole panel: row kk of the panel is element kk of 32 source rows ldw floats apart, fetched by two
// 16-lane gathers (the source lines stay in L1 across kk), so the copy runs at memory speed.
static TARGET void pack_full_panel(float *panel, const float *source, int ldw, int k) {
    __m512i rows = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(ldw));
    const float *upper = source + (size_t)16 * ldw;
    // Streaming stores: the panel is written once at load and read much later, so it need not be read
    // into the cache first (panel rows are 128 bytes, 64-byte aligned).
    for (int kk = 0; kk < k; kk++) {
        _mm512_stream_ps(panel + (size_t)kk * BERTD_PANEL, _mm512_i32gather_ps(rows, source + kk, 4));
        _mm512_stream_ps(panel + (size_t)kk * BERTD_PANEL + 16, _mm512_i32gather_ps(rows, upper + kk, 4));
    }
    _mm_sfence();
}
#endif

// bertd_pack_rows with source rows ldw floats apart.
static void pack_rows_strided(float *packed, int total, int k, const float *w, int ldw, int first, int n) {
    int last = first + n;
    for (int p = first / BERTD_PANEL; p * BERTD_PANEL < last; p++) {
        float *panel = packed + (size_t)p * BERTD_PANEL * k;
        int j0 = first > p * BERTD_PANEL ? first - p * BERTD_PANEL : 0;
        int j1 = last < (p + 1) * BERTD_PANEL ? last - p * BERTD_PANEL : BERTD_PANEL;
#if defined(__x86_64__)
        // 16 x ldw must stay within int32 gather offsets.
        if (j0 == 0 && j1 == BERTD_PANEL && (size_t)ldw * 16 < ((size_t)1 << 31) && bertd_packed_gemm_available()) {
            pack_full_panel(panel, w + (size_t)(p * BERTD_PANEL - first) * ldw, ldw, k);
            continue;
        }
#endif
        // The part holding the matrix's last row also zeroes the lanes past it.
        int padded = last == total ? BERTD_PANEL : j1;
        // 16 inputs at a time: one cache line of each source row, a 16 x 32 block of the panel.
        for (int k0 = 0; k0 < k; k0 += 16) {
            int kn = k - k0 < 16 ? k - k0 : 16;
            for (int j = j0; j < j1; j++) {
                const float *source = w + (size_t)(p * BERTD_PANEL + j - first) * ldw + k0;
                for (int t = 0; t < kn; t++) panel[(size_t)(k0 + t) * BERTD_PANEL + j] = source[t];
            }
            for (int j = j1; j < padded; j++) {
                for (int t = 0; t < kn; t++) panel[(size_t)(k0 + t) * BERTD_PANEL + j] = 0.0f;
            }
        }
    }
}

void bertd_pack_rows(float *packed, int total, int k, const float *w, int first, int n) {
    pack_rows_strided(packed, total, k, w, k, first, n);
}

void bertd_pack_weights(float *packed, const float *w, int n, int k) {
    pack_rows_strided(packed, n, k, w, k, 0, n);
}

// packed = the panels of b[k, n] (row stride ldb) as the weight bᵀ [n, k]: panel p, row kk holds
// b[kk, 32p ..< 32p + 32]; a copy of 32-float slices, zero past n.
static void pack_columns(float *packed, const float *b, int ldb, int k, int n) {
    for (int p = 0; p * BERTD_PANEL < n; p++) {
        float *panel = packed + (size_t)p * BERTD_PANEL * k;
        int valid = n - p * BERTD_PANEL < BERTD_PANEL ? n - p * BERTD_PANEL : BERTD_PANEL;
        for (int kk = 0; kk < k; kk++) {
            const float *source = b + (size_t)kk * ldb + p * BERTD_PANEL;
            float *row = panel + (size_t)kk * BERTD_PANEL;
            for (int j = 0; j < valid; j++) row[j] = source[j];
            for (int j = valid; j < BERTD_PANEL; j++) row[j] = 0.0f;
        }
    }
}

// Floats rounded up to whole 64-byte lines, so every block of the scratch stays aligned for the kernels.
static size_t lines(size_t floats) { return (floats + 15) / 16 * 16; }

size_t bertd_attention_scratch_size(int n, int d) {
    return lines((size_t)n * n) + lines(bertd_packed_size(n, d)) + lines(bertd_packed_size(d, n));
}

void bertd_attention_head(float *context, int ldc, const float *q, const float *k, const float *v, int ld,
                          int n, int d, float scale, float *scratch) {
    float *scores = scratch;
    float *packed_keys = scores + lines((size_t)n * n);
    float *packed_values = packed_keys + lines(bertd_packed_size(n, d));
    pack_rows_strided(packed_keys, n, d, k, ld, 0, n);  // the keys are the outputs of q · kᵀ
    pack_columns(packed_values, v, ld, n, d);           // value columns are the outputs of p · v
    bertd_gemm_packed(scores, n, q, ld, packed_keys, n, n, d, 0, n, 0, BERTD_EPILOGUE_NONE);
    bertd_softmax_rows(scores, n, n, n, scale);
    bertd_gemm_packed(context, ldc, scores, n, packed_values, n, d, n, 0, d, 0, BERTD_EPILOGUE_NONE);
}

#if defined(__x86_64__)

// tile[rows, 32] (+)= x[rows, kc] · panel[kc, 32]; accumulate when `add`; on the last k block (`finish`) add
// the bias and apply GELU while the tile is in registers; mask the stored columns.
static inline __attribute__((always_inline)) TARGET void micro(
    const int rows, float *out, int ldo, const float *x, int ldx, const float *panel, int kc, int add,
    __mmask16 mask0, __mmask16 mask1, int finish, const float *bias, int gelu) {
    __m512 acc[MR][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm512_setzero_ps();
        acc[r][1] = _mm512_setzero_ps();
    }
    for (int kk = 0; kk < kc; kk++) {
        __m512 b0 = _mm512_load_ps(panel + (size_t)kk * BERTD_PANEL);
        __m512 b1 = _mm512_load_ps(panel + (size_t)kk * BERTD_PANEL + 16);
        for (int r = 0; r < rows; r++) {
            __m512 a = _mm512_set1_ps(x[(size_t)r * ldx + kk]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (finish && bias) {
        bias0 = _mm512_maskz_loadu_ps(mask0, bias);
        bias1 = _mm512_maskz_loadu_ps(mask1, bias + 16);
    }
    for (int r = 0; r < rows; r++) {
        float *o = out + (size_t)r * ldo;
        if (add) {
            acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(mask0, o));
            acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(mask1, o + 16));
        }
        if (finish) {
            acc[r][0] = _mm512_add_ps(acc[r][0], bias0);
            acc[r][1] = _mm512_add_ps(acc[r][1], bias1);
            if (gelu) {
                acc[r][0] = gelu512(acc[r][0]);
                acc[r][1] = gelu512(acc[r][1]);
            }
        }
        _mm512_mask_storeu_ps(o, mask0, acc[r][0]);
        _mm512_mask_storeu_ps(o + 16, mask1, acc[r][1]);
    }
}

#define MICRO_CASE(R) \
    case R: micro(R, out, ldo, x, ldx, panel, kc, add, mask0, mask1, finish, bias, gelu); break;

static TARGET void micro_rows(int rows, float *out, int ldo, const float *x, int ldx, const float *panel,
                              int kc, int add, __mmask16 mask0, __mmask16 mask1, int finish, const float *bias,
                              int gelu) {
    switch (rows) {
        MICRO_CASE(1) MICRO_CASE(2) MICRO_CASE(3) MICRO_CASE(4) MICRO_CASE(5) MICRO_CASE(6)
        MICRO_CASE(7) MICRO_CASE(8) MICRO_CASE(9) MICRO_CASE(10) MICRO_CASE(11) MICRO_CASE(12)
        default: break;
    }
}

static TARGET void gemm_avx512(float *out, int ldo, const float *x, int ldx, const float *packed,
                               int m, int n, int k, int n0, int n1, const float *bias, int gelu) {
    for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = k - k0 < KC ? k - k0 : KC;
        int finish = k0 + kc == k;
        for (int m0 = 0; m0 < m; m0 += MC) {
            int m1 = m - m0 < MC ? m : m0 + MC;
            for (int c = n0; c < n1; c += BERTD_PANEL) {
                const float *panel = packed + (size_t)c * k + (size_t)k0 * BERTD_PANEL;
                __mmask16 mask0, mask1;
                panel_masks(c, n1 < n ? n1 : n, &mask0, &mask1);
                for (int r = m0; r < m1; r += MR) {
                    int rows = m1 - r < MR ? m1 - r : MR;
                    micro_rows(rows, out + (size_t)r * ldo + c, ldo, x + (size_t)r * ldx + k0, ldx, panel,
                               kc, k0 > 0, mask0, mask1, finish, bias ? bias + c : 0, gelu);
                }
            }
        }
    }
}

#endif

void bertd_gemm_packed(float *out, int ldo, const float *x, int ldx, const float *packed,
                       int m, int n, int k, int n0, int n1, const float *bias, int epilogue) {
#if defined(__x86_64__)
    gemm_avx512(out, ldo, x, ldx, packed, m, n, k, n0, n1, bias, epilogue == BERTD_EPILOGUE_GELU);
#else
    // Portable fallback (never chosen when BLAS serves non-AVX-512 CPUs, kept for completeness); no GELU.
    for (int r = 0; r < m; r++) {
        for (int c = n0; c < n1 && c < n; c++) {
            const float *panel = packed + (size_t)(c / BERTD_PANEL) * BERTD_PANEL * k;
            float sum = bias ? bias[c] : 0.0f;
            for (int kk = 0; kk < k; kk++) sum += x[(size_t)r * ldx + kk] * panel[(size_t)kk * BERTD_PANEL + c % BERTD_PANEL];
            out[(size_t)r * ldo + c] = sum;
        }
    }
    (void)epilogue;
#endif
}
