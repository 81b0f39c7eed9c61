#ifndef CKERNELS_H
#define CKERNELS_H

/// Single-precision GEMM building blocks for the optctl engine. The Swift side owns threading
/// and memory; these functions compute one rectangle of the product on the calling thread.
/// The instruction set (AVX-512, AVX2+FMA or portable C) is chosen once at run time.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Rows per packed A panel and columns per packed B panel.
#define CK_MR 8
#define CK_NR 32

/// What happens to a finished tile of C = alpha * A * B: optional per-row bias (a convolution's
/// bias, one value per output channel), optional per-column bias (a Gemm's C vector), then a
/// clamp to [lo, hi] (Relu is [0, inf)). With `accumulate` the product is added to what C holds
/// (Gemm's beta * C, a fused residual Add).
typedef struct ck_epilogue {
    const float *row_bias;
    const float *col_bias;
    float lo;
    float hi;
    int accumulate;
    /// Applied after the biases, before the clamp: one of the CK_ACT_ values.
    int activation;
} ck_epilogue;

#define CK_ACT_NONE 0
#define CK_ACT_TANH 1
/// GELU in its exact (erf) form: 0.5 * x * (1 + erf(x / sqrt 2)).
#define CK_ACT_GELU 2

/// Floats needed to pack an M x K matrix as the A operand (rows padded to CK_MR).
size_t ck_packed_a_count(long m, long k);
/// Floats needed to pack a K x N matrix as the B operand (columns padded to CK_NR).
size_t ck_packed_b_count(long k, long n);

/// Packs A(i, k) = a[i * rs + k * cs] into panels of CK_MR rows, k-major inside a panel.
void ck_pack_a(long m, long k, const float *a, long rs, long cs, float *dst);
/// Packs B(k, j) = b[k * rs + j * cs] for the panels covering columns [n0, n1) (n0 a
/// multiple of CK_NR); panel p lands at dst + (p - n0 / CK_NR) * k * CK_NR.
void ck_pack_b(long k, long n, const float *b, long rs, long cs, long n0, long n1, float *dst);

/// Packs the im2col matrix of one image and one channel group directly as a B operand: row
/// (c, ky, kx), column = output pixel (oy, ox). Covers the panels of output pixels [n0, n1)
/// (n0 a multiple of CK_NR); panel p lands at dst + (p - n0 / CK_NR) * rows * CK_NR.
void ck_im2col_pack(const float *x, long channels, long height, long width,
                    long kernel_h, long kernel_w, long stride_h, long stride_w,
                    long dilation_h, long dilation_w, long pad_top, long pad_left,
                    long out_h, long out_w, long n0, long n1, float *dst);

/// C[m0..<m1, n0..<n1] = alpha * A * B, then the epilogue; m0 is a multiple of CK_MR and n0 of
/// CK_NR. `pa` is the whole packed A (m rows), `pb` the whole packed B (n columns), C row-major
/// with leading dimension ldc.
void ck_gemm_packed(long m, long n, long k, const float *pa, const float *pb,
                    float *c, long ldc, float alpha, const ck_epilogue *ep,
                    long m0, long m1, long n0, long n1);

/// Direct convolution of one channel plane with its own kh x kw filter (depthwise conv):
/// y = clamp(bias + sum w * x, lo, hi) over an out_h x out_w output.
void ck_depthwise_conv2d(const float *x, long height, long width, const float *w,
                         long kernel_h, long kernel_w, long stride_h, long stride_w,
                         long dilation_h, long dilation_w, long pad_top, long pad_left,
                         float *y, long out_h, long out_w, float bias, float lo, float hi);

/// The instruction set in use: 3 = AVX-512, 2 = AVX2+FMA, 1 = portable C.
int ck_isa(void);
/// Forces an instruction set (clamped to what the CPU has); tests use it to check every path.
/// Returns the level now in use.
int ck_set_isa(int level);

/// A spin-wait hint (x86 `pause`), for the engine's thread pool.
void ck_cpu_relax(void);

#ifdef __cplusplus
}
#endif

#endif
