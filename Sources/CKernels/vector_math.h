// Lane-wise math shared by the AVX-512 kernels of this target (not part of its public header). The formulas
// are the ones Tensor/VectorMath.swift (the portable path) and PyTorch's CPU kernels use: Cephes expf and
// Abramowitz & Stegun 7.1.26 erf, so both paths round alike.
#ifndef BERTD_VECTOR_MATH_H
#define BERTD_VECTOR_MATH_H

#include <immintrin.h>

#define VECTOR_MATH_TARGET __attribute__((target("avx512f,fma")))

// The first `lanes` of 16 lanes (all of them for 16 or more, none for 0 or fewer).
static inline __mmask16 lane_mask(int lanes) {
    return lanes >= 16 ? (__mmask16)0xFFFF : lanes <= 0 ? (__mmask16)0 : (__mmask16)((1u << lanes) - 1);
}

// The valid columns of the 32-column output panel starting at column c, where columns end at `end`.
static inline void panel_masks(int c, int end, __mmask16 *low, __mmask16 *high) {
    *low = lane_mask(end - c);
    *high = lane_mask(end - c - 16);
}

// e^x, Cephes expf: x = n·ln2 + r, degree-6 polynomial in r, scaled by 2ⁿ (results ~1e-38 below -87.3).
static inline __attribute__((always_inline)) VECTOR_MATH_TARGET __m512 exp512(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.33654f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.72283f));
    // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer n and leaves n in the low mantissa bits.
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    __m512 shifted = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), magic);
    __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f)));
    r = _mm512_add_ps(r, _mm512_mul_ps(n, _mm512_set1_ps(2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(_mm512_mul_ps(p, r), r, r), _mm512_set1_ps(1.0f));
    __m512i integer = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_castps_si512(magic));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(integer, _mm512_set1_epi32(127)), 23));
    return _mm512_mul_ps(p, scale);
}

// 0.5·x·(1 + erf(x/√2)), erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), as torch's gelu("none").
static inline __attribute__((always_inline)) VECTOR_MATH_TARGET __m512 gelu512(__m512 x) {
    __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752440f));
    __m512 az = _mm512_abs_ps(z);
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(az, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmsub_ps(p, t, _mm512_set1_ps(1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmsub_ps(p, t, _mm512_set1_ps(0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(az, az)));
    __m512 y = _mm512_fnmadd_ps(_mm512_mul_ps(p, t), e, _mm512_set1_ps(1.0f));  // erf(|z|)
    __mmask16 negative = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ);
    y = _mm512_mask_sub_ps(y, negative, _mm512_setzero_ps(), y);
    return _mm512_mul_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.5f)), _mm512_add_ps(y, _mm512_set1_ps(1.0f)));
}

#endif
