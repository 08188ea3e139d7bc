// Element-wise kernels on AVX-512 (x86-64, chosen at run time through bertd_vector_kernels_available):
// bias + erf GELU and row softmax, the two non-GEMM kernels that cost most in a BERT layer (the GEMMs also
// apply bias + GELU to their output tiles directly; see vector_math.h).
#include "CKernels.h"

#if defined(__x86_64__)
#include "vector_math.h"
#define TARGET VECTOR_MATH_TARGET

int bertd_vector_kernels_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

TARGET void bertd_bias_gelu(float *x, const float *bias, int rows, int ldx, int c0, int c1) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ldx;
        for (int c = c0; c < c1; c += 16) {
            __mmask16 m = lane_mask(c1 - c);
            __m512 v = _mm512_maskz_loadu_ps(m, row + c);
            if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + c));
            _mm512_mask_storeu_ps(row + c, m, gelu512(v));
        }
    }
}

TARGET void bertd_softmax_rows(float *x, int ldx, int rows, int columns, float scale) {
    const __m512 s = _mm512_set1_ps(scale);
    if (columns <= 0) return;
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * ldx;
        __m512 top = _mm512_set1_ps(-__builtin_inff());
        for (int c = 0; c < columns; c += 16) {
            __mmask16 m = lane_mask(columns - c);
            top = _mm512_mask_max_ps(top, m, top, _mm512_maskz_loadu_ps(m, row + c));
        }
        __m512 maximum = _mm512_mul_ps(_mm512_set1_ps(_mm512_reduce_max_ps(top)), s);
        __m512 sum = _mm512_setzero_ps();
        for (int c = 0; c < columns; c += 16) {
            __mmask16 m = lane_mask(columns - c);
            __m512 e = exp512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(m, row + c), s, maximum));
            _mm512_mask_storeu_ps(row + c, m, e);
            sum = _mm512_mask_add_ps(sum, m, sum, e);
        }
        __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
        for (int c = 0; c < columns; c += 16) {
            __mmask16 m = lane_mask(columns - c);
            _mm512_mask_storeu_ps(row + c, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + c), inverse));
        }
    }
}

#else

int bertd_vector_kernels_available(void) { return 0; }

// Never called where bertd_vector_kernels_available() is 0 (the Swift kernels serve those CPUs).
void bertd_bias_gelu(float *x, const float *bias, int rows, int ldx, int c0, int c1) {
    (void)x; (void)bias; (void)rows; (void)ldx; (void)c0; (void)c1;
}
void bertd_softmax_rows(float *x, int ldx, int rows, int columns, float scale) {
    (void)x; (void)ldx; (void)rows; (void)columns; (void)scale;
}

#endif
