// Hand-written fp32 GEMM micro-kernels over weights packed once at load (x86-64 AVX-512, chosen at run
// time). Callers (module Tensor) check shapes; these only compute.
#ifndef BERTD_CKERNELS_H
#define BERTD_CKERNELS_H

#include <stddef.h>

/// Output columns per packed panel.
#define BERTD_PANEL 32

/// 1 when this CPU runs the packed kernels (AVX-512F), else 0: use BLAS on the unpacked weights.
int bertd_packed_gemm_available(void);

/// Floats `bertd_pack_weights` writes for a weight of `n` rows (outputs) and `k` columns (inputs).
size_t bertd_packed_size(int n, int k);

// packed[p][kk][j] = w[p·32 + j, kk]  (zero for p·32 + j >= n): panels of 32 outputs, inputs innermost
void bertd_pack_weights(float *packed, const float *w, int n, int k);

// out[m, n0 ..< n1] = x[m, k] · wᵀ[n0 ..< n1, k]   (w packed; n0 a multiple of 32; row strides ldo, ldx)
void bertd_gemm_packed(float *out, int ldo, const float *x, int ldx, const float *packed,
                       int m, int n, int k, int n0, int n1);

#endif
