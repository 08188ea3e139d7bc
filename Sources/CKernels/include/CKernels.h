// Hand-written fp32 GEMM micro-kernels over weights packed once at load, and the element-wise kernels that
// cost most besides (x86-64 AVX-512, chosen at run time). Callers (module Tensor) check shapes; these only compute.
#ifndef BERTD_CKERNELS_H
#define BERTD_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Output columns per packed panel.
#define BERTD_PANEL 32

/// 1 when this CPU runs the packed kernels (AVX-512F), else 0: use BLAS on the unpacked weights.
int bertd_packed_gemm_available(void);

/// Floats `bertd_pack_weights` writes for a weight of `n` rows (outputs) and `k` columns (inputs).
size_t bertd_packed_size(int n, int k);

// packed[p][kk][j] = w[p·32 + j, kk]  (zero for p·32 + j >= n): panels of 32 outputs, inputs innermost
void bertd_pack_weights(float *packed, const float *w, int n, int k);

// Rows first ..< first + n of a [total, k] weight packed as above, read from w ([n, k]); the call that packs
// row total - 1 also zeroes the padding. Lets fused weights (query, key, value) be packed without first
// being concatenated.
void bertd_pack_rows(float *packed, int total, int k, const float *w, int first, int n);

/// What a GEMM applies to its output tiles before storing them.
enum { BERTD_EPILOGUE_NONE = 0, BERTD_EPILOGUE_GELU = 1 };

// out[m, n0 ..< n1] = f(x[m, k] · wᵀ[n0 ..< n1, k] + bias)   (w packed; n0 a multiple of 32; row strides
// ldo, ldx; bias may be NULL; f = identity or erf GELU per `epilogue`)
void bertd_gemm_packed(float *out, int ldo, const float *x, int ldx, const float *packed,
                       int m, int n, int k, int n0, int n1, const float *bias, int epilogue);

/// Floats of scratch `bertd_attention_head` needs for `n` tokens and head size `d`.
size_t bertd_attention_scratch_size(int n, int d);

// context[i, c] = Σ_j softmax_j(scale · q_i · k_j) · v[j, c]   for i, j < n, c < d: one head of one sequence,
// q, k, v with row stride ld (columns of a fused [tokens, 3·hidden] matrix), context with row stride ldc.
// Packs k and v into the GEMM layout in `scratch` (bertd_attention_scratch_size floats, 64-byte aligned).
void bertd_attention_head(float *context, int ldc, const float *q, const float *k, const float *v, int ld,
                          int n, int d, float scale, float *scratch);

// body(context, i) for i in 0 ..< chunks, spread over a pool of spinning worker threads and the caller;
// returns when all are done. One loop runs at a time: a concurrent caller runs its chunks itself.
void bertd_parallel_for(int chunks, void (*body)(void *context, int index), void *context);

/// 1 when this CPU runs the 8-bit GEMM below (AVX-512 VNNI), else 0.
int bertd_int8_gemm_available(void);

/// Bytes `bertd_quantize_weights` writes for a weight of `n` rows (outputs) and `k` columns (inputs).
size_t bertd_int8_packed_size(int n, int k);

/// Bytes per row of quantized activations for `k` inputs (k rounded up to a multiple of 4).
size_t bertd_int8_row_stride(int k);

// Symmetric per-row int8 of w[n, k] in 32-output panels of 4-byte input groups; scales[r] = max|w[r, :]| / 127
// and sums[r] = Σ_k q[r, k], both with room for n rounded up to 32 (zero past n).
void bertd_quantize_weights(int8_t *packed, float *scales, int32_t *sums, const float *w, int n, int k);

// q[r, :] = clamp(round(x[r, :] · (1 / scales[r])) + zeros[r], 0, 255) (uint8, row stride bertd_int8_row_stride(k),
// padded with zeros[r]), scales[r] = (max(x[r, :], 0) − min(x[r, :], 0)) / 255, zeros[r] = round(−min(x[r, :], 0)
// · (1 / scales[r])): each row's own range in 256 levels (rounding to nearest even, by the reciprocal as computed).
void bertd_quantize_activations(uint8_t *q, float *scales, int32_t *zeros, const float *x, int ldx, int m, int k);

// out[m, n0 ..< n1] ≈ f(x · wᵀ + bias) from the quantized forms above (n0 a multiple of 32; row stride ldo;
// bias and epilogue as bertd_gemm_packed).
void bertd_gemm_int8(float *out, int ldo, const uint8_t *xq, const float *xscales, const int32_t *xzeros,
                     const int8_t *packed, const float *wscales, const int32_t *wsums, int m, int n, int k, int n0,
                     int n1, const float *bias, int epilogue);

/// 1 when this CPU runs the vector element-wise kernels below (AVX-512F), else 0.
int bertd_vector_kernels_available(void);

// x[r, c] = gelu(x[r, c] + bias[c])   for r < rows, c0 <= c < c1 (row stride ldx; bias may be NULL;
// erf GELU, as torch.nn.functional.gelu)
void bertd_bias_gelu(float *x, const float *bias, int rows, int ldx, int c0, int c1);

// x[r, c] = exp(s·x[r, c] − max_r) / Σ exp(s·x[r, c'] − max_r)   for c < columns (row stride ldx, scale s > 0,
// max_r the row's largest s·x)
void bertd_softmax_rows(float *x, int ldx, int rows, int columns, float scale);

#endif
