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

// ---------------------------------------------------------------------------------------------
// 8-bit integer GEMM (qgemm.c). Products of one unsigned and one signed byte, summed in int32;
// AVX-512 VNNI, AVX2 or portable C chosen once at run time (ck_qisa / ck_set_qisa).

/// Rows per packed A panel and columns per packed B panel; k is packed in groups of 4 bytes.
#define CK_QMR 8
#define CK_QNR 32

/// Output of ck_qgemm_packed.
#define CK_QOUT_I32 0
#define CK_QOUT_F32 1
/// Requantized to one byte (uint8 or int8 bit pattern; the range is qlo...qhi).
#define CK_QOUT_I8 2

/// Element kinds ck_dequantize reads.
#define CK_QIN_U8 0
#define CK_QIN_S8 1
#define CK_QIN_U16 2
#define CK_QIN_S16 3
#define CK_QIN_I32 4

/// What happens to the int32 sum of raw products: the zero-point correction
/// sum (a - za)(b - zb) = raw - za * colsum(b) - zb * (rowsum(a) - k * za), integer biases, then
/// one of: int32 out; float out = v * scale * row_scale[i] * col_scale[j] + biases, clamped to
/// [lo, hi]; 8-bit out = clamp(round_half_even(v * scale... + biases) + out_zero, qlo, qhi), the
/// multiplication done in double as ONNX's reference does. NULL pointers mean absent (zero
/// points 0, scales 1, biases 0). Zero points and sums are in the packed (possibly flipped)
/// representation.
typedef struct ck_qepilogue {
    const int32_t *row_zero;
    long row_zero_step;
    const int32_t *col_zero;
    long col_zero_step;
    const int32_t *row_sums;
    const int32_t *col_sums;
    const int32_t *row_bias_i32;
    const int32_t *col_bias_i32;
    int output;
    float scale;
    const float *row_scale;
    const float *col_scale;
    const float *row_bias;
    const float *col_bias;
    float lo;
    float hi;
    int32_t out_zero;
    int32_t qlo;
    int32_t qhi;
    /// A CK_ACT_ activation on the float value (after biases and accumulation). With an 8-bit
    /// output and an activation, the value is computed in float, activated, then multiplied by
    /// out_scale (1 / the output scale) and rounded.
    int activation;
    float out_scale;
    /// Float output: add C's previous contents (a fused residual Add) before the activation.
    int accumulate;
    /// 8-bit output without an activation: requantize in float32 (sum * scale, then + bias,
    /// each rounded to float) instead of double. A fused QDQ graph computes its convolution
    /// and QuantizeLinear in float32, so this is as faithful to it as double and twice as
    /// fast; QLinearConv / QLinearMatMul as written keep double, as ONNX's reference rounds.
    int requant_single;
} ck_qepilogue;

/// Bytes of a packed M x K A operand and of a packed K x N B operand.
size_t ck_qpacked_a_bytes(long m, long k);
size_t ck_qpacked_b_bytes(long k, long n);

/// Packs A(i, k) = a[i * rs + k * cs]; `flip` xors each byte with 0x80 (changing signedness),
/// `dst_signed` says how the packed bytes are read (for the row sums, written when non-NULL).
void ck_qpack_a(long m, long k, const uint8_t *a, long rs, long cs, int flip, int dst_signed,
                uint8_t *dst, int32_t *row_sums);
/// Packs B(k, j) = b[k * rs + j * cs] for the panels covering columns [n0, n1) (n0 a multiple
/// of CK_QNR); panel p lands at dst + (p - n0 / CK_QNR) * ceil4(k) * CK_QNR; column sums of
/// those columns go to col_sums[j] when non-NULL.
void ck_qpack_b(long k, long n, const uint8_t *b, long rs, long cs, int flip, int dst_signed,
                long n0, long n1, uint8_t *dst, int32_t *col_sums);
/// The im2col matrix of one image and channel group of 8-bit values as packed B panels (as
/// ck_im2col_pack); padding reads as `pad` (the input's zero point, as stored). `work` is
/// scratch of ck_qim2col_work_bytes(rows, n0, n1) bytes (rows = channels * kernel taps).
void ck_qim2col_pack(const uint8_t *x, long channels, long height, long width, long kernel_h,
                     long kernel_w, long stride_h, long stride_w, long dilation_h, long dilation_w,
                     long pad_top, long pad_left, long out_h, long out_w, long n0, long n1,
                     uint8_t pad, int flip, int dst_signed, uint8_t *dst, int32_t *col_sums,
                     uint8_t *work);
size_t ck_qim2col_work_bytes(long rows, long n0, long n1);
/// C[m0..<m1, n0..<n1] from packed A and B; `a_unsigned`: A holds the u8 side. C's elements
/// are int32, float or bytes per ep->output, leading dimension ldc (in elements).
void ck_qgemm_packed(long m, long n, long k, const uint8_t *pa, const uint8_t *pb, int a_unsigned,
                     void *c, long ldc, const ck_qepilogue *ep, long m0, long m1, long n0, long n1);

// ---------------------------------------------------------------------------------------------
// 8-bit convolution on channels-last activations (qconv.c): an implicit GEMM with no im2col.
// An NHWC image is height x width pixels of `cp` bytes (cp a multiple of 4; channels past the
// real ones hold anything, their weights are zero). Activations are uint8 (the u8 side),
// weights int8 with zero point 0.

/// Bytes of a convolution's packed weights: the B operand of ck_qgemm_packed with
/// k = taps * cp rows (k = tap * cp + channel) and n columns (output channels).
size_t ck_qconv_weights_bytes(long taps, long cp, long n);
/// Packs int8 weights w[o][c][tap] (ONNX's OIHW order, taps = kh * kw) for ck_qconv_nhwc,
/// channels c >= `channels` zero; col_sums[o] (when non-NULL) = the sum of o's weights.
void ck_qconv_pack_weights(long n, long channels, long taps, long cp, const int8_t *w, uint8_t *dst,
                           int32_t *col_sums);
/// A 2-D convolution's geometry over one NHWC image of height x width pixels of `channels`
/// elements each, and its output size.
typedef struct ck_conv2d {
    long height, width, channels;
    long kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
    long out_h, out_w;
} ck_conv2d;

/// Scratch bytes one ck_qconv_nhwc call needs (cp = g->channels), whatever its pixel range.
size_t ck_qconv_work_bytes(const ck_conv2d *g, long n);
/// The convolution of one NHWC image x of g->channels (cp) bytes per pixel for output pixels
/// [p0, p1) (row-major p = oy * out_w + ox): output pixel (oy, ox)'s n channels at
/// y + (oy * y_row + ox) * ldy elements of ep->output's kind (y_row = out_w when y is dense; C
/// rows are pixels, columns channels: per-channel values go in the epilogue's col_ fields).
/// Padding reads `pad` (the input's zero point); `work` has ck_qconv_work_bytes bytes.
void ck_qconv_nhwc(const ck_conv2d *g, long n, const uint8_t *x, const uint8_t *w, const ck_qepilogue *ep,
                   void *y, long ldy, long y_row, long p0, long p1, uint8_t pad, uint8_t *work);
// ---------------------------------------------------------------------------------------------
// Float convolution as an implicit GEMM on channels-last activations (sconv.c): rows are
// output pixels, columns output channels, k = tap * channels + channel; no im2col matrix.

#define CK_SMR 8
#define CK_SNR 32

/// Floats of a convolution's packed weights: panels of CK_SNR output channels, each
/// taps * channels rows of CK_SNR floats (missing channels zero). 64-byte aligned storage.
size_t ck_sconv_weights_count(long taps, long channels, long n);
/// Packs float weights w[o][c][tap] (ONNX's OIHW order) for ck_sconv.
void ck_sconv_pack_weights(long n, long channels, long taps, const float *w, float *dst);
/// Scratch bytes ck_sconv needs per call (per thread).
size_t ck_sconv_work_bytes(long taps, long kernel_h);
/// The 2-D convolution of one NHWC image (x[(iy * width + ix) * channels + c]) for output
/// pixels [p0, p1) (row-major oy * out_w + ox), written NHWC: y[p * ldy + o] for the n output
/// channels. Each result is clamped to [lo, hi] after adding bias[o] (bias may be NULL).
/// Padding taps read `zeros` (`channels` zero floats); `work` has ck_sconv_work_bytes bytes.
void ck_sconv(const float *x, long height, long width, long channels, long kernel_h, long kernel_w,
              long stride_h, long stride_w, long dilation_h, long dilation_w, long pad_top, long pad_left,
              long out_h, long out_w, long n, const float *w, const float *bias, float lo, float hi, float *y,
              long ldy, long p0, long p1, const float *zeros, void *work);
/// dst[j * rows + i] = src[i * cols + j] for 4-byte elements: one NCHW image (rows =
/// channels) into NHWC, or an NHWC result (rows = pixels) into NCHW.
void ck_transpose32(const void *src, long rows, long cols, void *dst);

/// QuantizeLinear to uint8 (as ck_quantize) of `channels` planes of height x width floats (one
/// NCHW image) written channels-last: pixel (r, c) at y + (r * y_row + c) * cp, channels from
/// `channels` to cp set to 0 (y_row > width: the rows of a bordered image, ck_fill_border).
void ck_quantize_nhwc(const float *x, long channels, long height, long width, long cp, float scale, int32_t zero,
                      int32_t qlo, int32_t qhi, uint8_t *y, long y_row);
/// Sets every byte of the border of an NHWC image of rows x cols pixels of cp bytes (cp a
/// multiple of 4) to `value`: `top` and `bottom` whole rows, `left` and `right` pixels of the
/// others. A convolution whose padding is that border reads it as an unpadded image.
void ck_fill_border(uint8_t *y, long rows, long cols, long cp, long top, long left, long bottom, long right,
                    uint8_t value);

/// y = clamp(round_half_even(x / scale) + zero, qlo, qhi) as 1- or 2-byte integers (NaN -> zero).
void ck_quantize(const float *x, long n, float scale, int32_t zero, int32_t qlo, int32_t qhi,
                 int out_bytes, void *y);
/// y = (x - zero) * scale for x of kind CK_QIN_*.
void ck_dequantize(const void *x, long n, int in_kind, float scale, int32_t zero, float *y);

/// The integer kernel family in use: 3 = AVX-512 VNNI, 2 = AVX2, 1 = portable C.
int ck_qisa(void);
/// Forces an integer kernel family (clamped to what the CPU has; 0 = the best).
int ck_set_qisa(int level);

/// A spin-wait hint (x86 `pause`), for the engine's thread pool.
void ck_cpu_relax(void);

#ifdef __cplusplus
}
#endif

#endif
