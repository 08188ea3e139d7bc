// out = x · wᵀ in 8-bit integers (dynamic quantization, opt-in): weights symmetric int8 per output row,
// activations asymmetric uint8 per input row (the row's own range and zero point: a GELU output, -0.17 up to
// several units, keeps all 256 levels instead of the 128 a symmetric code leaves its positive side), products
// summed in int32 by AVX-512 VNNI (vpdpbusd: four u8 x s8 products per lane and instruction), then scaled back
// to fp32.
//
// Weight layout: panels of 32 outputs as in gemm_packed.c, but inputs in groups of four bytes:
// packed[p][g][j][t] = q(w[32p + j, 4g + t]), so one 64-byte load holds 16 outputs x 4 inputs.
// out[i, c] = sx[i] · sw[c] · (Σ_k qx[i, k] · qw[c, k] − zx[i] · Σ_k qw[c, k]).
#include "CKernels.h"

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__)
#include "vector_math.h"
#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,fma")))
#endif

enum { MC = 144, MR = 12 };

int bertd_int8_gemm_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

static int groups(int k) { return (k + 3) / 4; }

size_t bertd_int8_packed_size(int n, int k) {
    size_t panels = ((size_t)n + BERTD_PANEL - 1) / BERTD_PANEL;
    return panels * BERTD_PANEL * (size_t)groups(k) * 4;
}

size_t bertd_int8_row_stride(int k) { return (size_t)groups(k) * 4; }

void bertd_quantize_weights(int8_t *packed, float *scales, int32_t *sums, const float *w, int n, int k) {
    int panels = (n + BERTD_PANEL - 1) / BERTD_PANEL;
    int g4 = groups(k);
    for (int row = 0; row < panels * BERTD_PANEL; row++) {
        int p = row / BERTD_PANEL, j = row % BERTD_PANEL;
        int8_t *lane = packed + ((size_t)p * g4 * BERTD_PANEL + j) * 4;
        float scale = 0.0f;
        int32_t sum = 0;
        if (row < n) {
            const float *source = w + (size_t)row * k;
            float largest = 0.0f;
            for (int kk = 0; kk < k; kk++) largest = fmaxf(largest, fabsf(source[kk]));
            scale = largest > 0.0f ? largest / 127.0f : 1.0f;
            for (int kk = 0; kk < g4 * 4; kk++) {
                int q = kk < k ? (int)nearbyintf(source[kk] / scale) : 0;
                q = q > 127 ? 127 : q < -127 ? -127 : q;
                lane[(size_t)(kk / 4) * BERTD_PANEL * 4 + kk % 4] = (int8_t)q;
                sum += q;
            }
        } else {
            for (int kk = 0; kk < g4 * 4; kk++) lane[(size_t)(kk / 4) * BERTD_PANEL * 4 + kk % 4] = 0;
        }
        scales[row] = scale;
        sums[row] = sum;
    }
}

#if defined(__x86_64__)

TARGET void bertd_quantize_activations(uint8_t *q, float *scales, int32_t *zeros, const float *x, int ldx, int m,
                                       int k) {
    size_t ldq = bertd_int8_row_stride(k);
    for (int r = 0; r < m; r++) {
        const float *row = x + (size_t)r * ldx;
        uint8_t *out = q + (size_t)r * ldq;
        // The range always holds 0, so that zero (padding, ReLU-like outputs) is exact.
        __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
        for (int c = 0; c < k; c += 16) {
            __mmask16 mask = lane_mask(k - c);
            __m512 v = _mm512_maskz_loadu_ps(mask, row + c);
            low = _mm512_min_ps(low, v);
            high = _mm512_max_ps(high, v);
        }
        float bottom = _mm512_reduce_min_ps(low), top = _mm512_reduce_max_ps(high);
        float scale = top > bottom ? (top - bottom) / 255.0f : 1.0f;
        float inverse = 1.0f / scale;
        int zero = (int)nearbyintf(-bottom * inverse);
        zero = zero < 0 ? 0 : zero > 255 ? 255 : zero;
        scales[r] = scale;
        zeros[r] = zero;
        __m512 inverses = _mm512_set1_ps(inverse);
        for (int c = 0; c < k; c += 16) {
            __mmask16 mask = lane_mask(k - c);
            __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + c), inverses));
            v = _mm512_add_epi32(v, _mm512_set1_epi32(zero));
            v = _mm512_max_epi32(_mm512_min_epi32(v, _mm512_set1_epi32(255)), _mm512_setzero_si512());
            _mm_mask_storeu_epi8(out + c, mask, _mm512_cvtepi32_epi8(v));
        }
        // Padding inputs meet zero weights: any value reads as nothing; the zero point keeps them exact zeros.
        for (size_t c = (size_t)k; c < ldq; c++) out[c] = (uint8_t)zero;
    }
}

// tile[rows, 32] = dequantized (xq[rows, :] · panel): the whole of k in registers, then scaled once.
static inline __attribute__((always_inline)) TARGET void micro(
    const int rows, float *out, int ldo, const uint8_t *xq, size_t ldq, const float *xscales,
    const int32_t *xzeros, const int8_t *panel, int g4, const float *wscales, const int32_t *wsums,
    __mmask16 mask0, __mmask16 mask1, const float *bias, int gelu) {
    __m512i acc[MR][2];
    for (int r = 0; r < rows; r++) {
        acc[r][0] = _mm512_setzero_si512();
        acc[r][1] = _mm512_setzero_si512();
    }
    for (int g = 0; g < g4; g++) {
        __m512i b0 = _mm512_load_si512((const void *)(panel + (size_t)g * BERTD_PANEL * 4));
        __m512i b1 = _mm512_load_si512((const void *)(panel + (size_t)g * BERTD_PANEL * 4 + 64));
        for (int r = 0; r < rows; r++) {
            int32_t four;
            __builtin_memcpy(&four, xq + (size_t)r * ldq + (size_t)g * 4, 4);
            __m512i a = _mm512_set1_epi32(four);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a, b1);
        }
    }
    __m512i sums0 = _mm512_loadu_si512((const void *)wsums);
    __m512i sums1 = _mm512_loadu_si512((const void *)(wsums + 16));
    __m512 ws0 = _mm512_loadu_ps(wscales), ws1 = _mm512_loadu_ps(wscales + 16);
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(mask0, bias) : _mm512_setzero_ps();
    __m512 bias1 = bias ? _mm512_maskz_loadu_ps(mask1, bias + 16) : _mm512_setzero_ps();
    for (int r = 0; r < rows; r++) {
        __m512 xs = _mm512_set1_ps(xscales[r]);
        __m512i zero = _mm512_set1_epi32(xzeros[r]);
        __m512i offset0 = _mm512_mullo_epi32(zero, sums0), offset1 = _mm512_mullo_epi32(zero, sums1);  // zx · Σ qw
        __m512 v0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], offset0)), _mm512_mul_ps(ws0, xs), bias0);
        __m512 v1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], offset1)), _mm512_mul_ps(ws1, xs), bias1);
        if (gelu) {
            v0 = gelu512(v0);
            v1 = gelu512(v1);
        }
        _mm512_mask_storeu_ps(out + (size_t)r * ldo, mask0, v0);
        _mm512_mask_storeu_ps(out + (size_t)r * ldo + 16, mask1, v1);
    }
}

#define MICRO_CASE(R) \
    case R: micro(R, out, ldo, xq, ldq, xscales, xzeros, panel, g4, wscales, wsums, mask0, mask1, bias, gelu); break;

static TARGET void micro_rows(int rows, float *out, int ldo, const uint8_t *xq, size_t ldq, const float *xscales,
                              const int32_t *xzeros, const int8_t *panel, int g4, const float *wscales,
                              const int32_t *wsums, __mmask16 mask0, __mmask16 mask1, const float *bias, int gelu) {
    switch (rows) {
        MICRO_CASE(1) MICRO_CASE(2) MICRO_CASE(3) MICRO_CASE(4) MICRO_CASE(5) MICRO_CASE(6)
        MICRO_CASE(7) MICRO_CASE(8) MICRO_CASE(9) MICRO_CASE(10) MICRO_CASE(11) MICRO_CASE(12)
        default: break;
    }
}

TARGET void bertd_gemm_int8(float *out, int ldo, const uint8_t *xq, const float *xscales, const int32_t *xzeros,
                            const int8_t *packed, const float *wscales, const int32_t *wsums, int m, int n, int k,
                            int n0, int n1, const float *bias, int epilogue) {
    int g4 = groups(k);
    int gelu = epilogue == BERTD_EPILOGUE_GELU;
    size_t ldq = bertd_int8_row_stride(k);
    for (int m0 = 0; m0 < m; m0 += MC) {
        int m1 = m - m0 < MC ? m : m0 + MC;
        for (int c = n0; c < n1; c += BERTD_PANEL) {
            const int8_t *panel = packed + (size_t)c * g4 * 4;
            __mmask16 mask0, mask1;
            panel_masks(c, n1 < n ? n1 : n, &mask0, &mask1);
            for (int r = m0; r < m1; r += MR) {
                int rows = m1 - r < MR ? m1 - r : MR;
                micro_rows(rows, out + (size_t)r * ldo + c, ldo, xq + (size_t)r * ldq, ldq, xscales + r, xzeros + r,
                           panel, g4, wscales + c, wsums + c, mask0, mask1, bias ? bias + c : 0, gelu);
            }
        }
    }
}

#else

// Never called where bertd_int8_gemm_available() is 0 (models then keep fp32 weights).
void bertd_quantize_activations(uint8_t *q, float *scales, int32_t *zeros, const float *x, int ldx, int m, int k) {
    (void)q; (void)scales; (void)zeros; (void)x; (void)ldx; (void)m; (void)k;
}
void bertd_gemm_int8(float *out, int ldo, const uint8_t *xq, const float *xscales, const int32_t *xzeros,
                     const int8_t *packed, const float *wscales, const int32_t *wsums, int m, int n, int k, int n0,
                     int n1, const float *bias, int epilogue) {
    (void)out; (void)ldo; (void)xq; (void)xscales; (void)xzeros; (void)packed; (void)wscales; (void)wsums;
    (void)m; (void)n; (void)k; (void)n0; (void)n1; (void)bias; (void)epilogue;
}

#endif
