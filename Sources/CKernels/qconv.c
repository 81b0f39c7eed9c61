// 8-bit convolution on channels-last (NHWC) activations as an implicit GEMM: rows are output
// pixels, columns output channels, k runs over (tap, channel). No im2col matrix is built: for
// each block of CK_QMR output pixels and each kernel tap, the micro-kernel reads the pixel's
// channels straight from the input (one 4-byte broadcast per pixel and group of 4 channels),
// padding taps reading a row of zero points. The output tile [pixel][channel] is NHWC again,
// so a chain of fused int8 convolutions never changes layout.
//
// Why: on the CNN example the NCHW im2col (one short strided row per tap and output row) took
// more time than the integer products themselves; in NHWC a tap's channels are contiguous and
// a stride-2 convolution costs no more than a stride-1 one.
//
// The weights are the packed B operand of qgemm.c (panels of CK_QNR output channels, k in
// groups of 4), so the AVX2 and portable paths pack each pixel block as a packed A panel and
// reuse ck_qgemm_packed; AVX-512 VNNI reads the pixels in place. The activations are the u8
// side (a uint8 input as stored), the weights int8 with zero point 0, so the epilogue only
// subtracts x_zero * colsum(w), and padding that reads x_zero contributes nothing.

#include "CKernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "activations.h"
#include "convrow.h"
#include "qstore.h"

#define QMR CK_QMR
#define QNR CK_QNR

CONV_BLOCK_POINTERS(block_pointers, uint8_t)

size_t ck_qconv_weights_bytes(long taps, long cp, long n) { return ck_qpacked_b_bytes(taps * cp, n); }

void ck_qconv_pack_weights(long n, long channels, long taps, long cp, const int8_t *w, uint8_t *dst,
                           int32_t *col_sums) {
    long k = taps * cp;
    memset(dst, 0, ck_qconv_weights_bytes(taps, cp, n));
    for (long j = 0; j < n; j++) {
        uint8_t *panel = dst + (j / QNR) * k * QNR;
        long col = j % QNR;
        int32_t sum = 0;
        for (long t = 0; t < taps; t++) {
            for (long c = 0; c < channels; c++) {
                int8_t v = w[(j * channels + c) * taps + t];
                long kk = t * cp + c;
                panel[(kk >> 2) * QNR * 4 + col * 4 + (kk & 3)] = (uint8_t)v;
                sum += v;
            }
        }
        if (col_sums) col_sums[j] = sum;
    }
}

size_t ck_qconv_work_bytes(long taps, long cp) {
    // Pointers per (tap, pixel); offsets per tap and per kernel row (at most `taps` rows).
    return (size_t)taps * QMR * sizeof(const uint8_t *) + (size_t)(2 * taps) * sizeof(long) +
           ck_qpacked_a_bytes(QMR, taps * cp) + 64;
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI: 8 pixels x (16 * nv) channels in registers over every tap; `ptrs` holds, per
// tap, CK_QMR pointers to the pixels' first channel (or to the zero-point row; a block of
// fewer pixels repeats a valid pointer and drops the extra rows when storing). The
// accumulators are named variables, not an array: an array read through the byte loads of
// the activations may alias them, and the compiler then stores every accumulator back to the
// stack after each vpdpbusd.

#define CONV_ROW(i)                                                                                \
    {                                                                                              \
        int32_t word;                                                                              \
        memcpy(&word, p##i + 4 * g, 4);                                                            \
        __m512i av = _mm512_set1_epi32(word);                                                      \
        c##i##0 = _mm512_dpbusd_epi32(c##i##0, av, b0);                                            \
        if (nv == 2) c##i##1 = _mm512_dpbusd_epi32(c##i##1, av, b1);                               \
    }

INLINE TVNNI void conv_tile_vnni(const int nv, const int direct, long taps, long kg, const uint8_t *const *ptrs,
                                 const long *tap_offset, const uint8_t *b, __m512i acc[QMR][2]) {
    __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512i c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00;
    __m512i c70 = c00, c71 = c00;
    for (long t = 0; t < taps; t++) {
        // direct: every tap of the block is inside the image, ptrs holds each pixel's first tap
        // and the taps are fixed offsets from it; else ptrs holds every (tap, pixel).
        const uint8_t *const *pt = direct ? ptrs : ptrs + t * QMR;
        long off = direct ? tap_offset[t] : 0;
        const uint8_t *p0 = pt[0] + off, *p1 = pt[1] + off, *p2 = pt[2] + off, *p3 = pt[3] + off;
        const uint8_t *p4 = pt[4] + off, *p5 = pt[5] + off, *p6 = pt[6] + off, *p7 = pt[7] + off;
        const uint8_t *bt = b + t * kg * QNR * 4;
        for (long g = 0; g < kg; g++) {
            __m512i b0 = _mm512_loadu_si512(bt + g * QNR * 4);
            __m512i b1 = nv == 2 ? _mm512_loadu_si512(bt + g * QNR * 4 + 64) : _mm512_setzero_si512();
            CONV_ROW(0) CONV_ROW(1) CONV_ROW(2) CONV_ROW(3) CONV_ROW(4) CONV_ROW(5) CONV_ROW(6) CONV_ROW(7)
        }
    }
    acc[0][0] = c00; acc[0][1] = c01; acc[1][0] = c10; acc[1][1] = c11;
    acc[2][0] = c20; acc[2][1] = c21; acc[3][0] = c30; acc[3][1] = c31;
    acc[4][0] = c40; acc[4][1] = c41; acc[5][0] = c50; acc[5][1] = c51;
    acc[6][0] = c60; acc[6][1] = c61; acc[7][0] = c70; acc[7][1] = c71;
}

#define CONV_TILE_PARAMS                                                                           \
    int mr, int nr, int direct, long taps, long kg, const uint8_t *const *ptrs,                    \
        const long *tap_offset, const uint8_t *b, const ck_qepilogue *ep, void *c, long ldc,       \
        long row, long col

#define CONV_CASE(R)                                                                               \
    case R:                                                                                        \
        qstore_vnni(R, acc, ep, taps * kg * 4, nr, c, ldc, row, col);                              \
        break;

static TVNNI void conv_block_vnni(CONV_TILE_PARAMS) {
    __m512i acc[QMR][2];
    if (direct) {
        if (nr > 16) conv_tile_vnni(2, 1, taps, kg, ptrs, tap_offset, b, acc);
        else conv_tile_vnni(1, 1, taps, kg, ptrs, tap_offset, b, acc);
    } else {
        if (nr > 16) conv_tile_vnni(2, 0, taps, kg, ptrs, tap_offset, b, acc);
        else conv_tile_vnni(1, 0, taps, kg, ptrs, tap_offset, b, acc);
    }
    switch (mr) {
        CONV_CASE(1) CONV_CASE(2) CONV_CASE(3) CONV_CASE(4) CONV_CASE(5) CONV_CASE(6) CONV_CASE(7) CONV_CASE(8)
    }
}

// ---------------------------------------------------------------------------------------------
// The driver: pixel blocks, their tap pointers, and the product per column panel.

void ck_qconv_nhwc(const uint8_t *x, long height, long width, long cp, long kernel_h, long kernel_w,
                   long stride_h, long stride_w, long dilation_h, long dilation_w, long pad_top,
                   long pad_left, long out_h, long out_w, long n, const uint8_t *w,
                   const ck_qepilogue *ep, void *y, long ldy, long p0, long p1,
                   const uint8_t *pad_row, uint8_t *work) {
    long total = out_h * out_w;
    if (p1 > total) p1 = total;
    if (p0 >= p1 || n <= 0) return;
    long taps = kernel_h * kernel_w, kg = cp / 4, k = taps * cp;
    size_t es = ep->output == CK_QOUT_I8 ? 1 : 4;
    const uint8_t **ptrs = (const uint8_t **)(void *)work;
    long *tap_offset = (long *)(void *)(work + (size_t)taps * QMR * sizeof(const uint8_t *));
    long *row_offset = tap_offset + taps;
    uint8_t *packed = work + (size_t)taps * QMR * sizeof(const uint8_t *) + (size_t)(2 * taps) * sizeof(long);
    packed += (64 - ((uintptr_t)packed & 63)) & 63;
    conv_walk wk = conv_walk_start(height, width, cp, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
                                   dilation_w, pad_top, pad_left, out_w, p0);
    conv_walk_offsets(&wk, tap_offset, row_offset);
    // Direct blocks run over kernel rows of kw * cp contiguous bytes when the columns touch
    // (as the float kernel in sconv.c): one pointer per row and pixel instead of per tap.
    int rows = dilation_w == 1;
    long direct_taps = rows ? kernel_h : taps, direct_kg = rows ? kernel_w * kg : kg;
    const long *direct_offset = rows ? row_offset : tap_offset;
    int vnni = ck_qisa() >= 3;
    for (long p = p0; p < p1; p += QMR) {
        int mr = (int)(p1 - p < QMR ? p1 - p : QMR);
        int direct = block_pointers(&wk, x, pad_row, tap_offset, mr, QMR, vnni, ptrs);
        char *out = (char *)y + p * ldy * es;
        if (vnni) {
            for (long q = 0; q < n; q += QNR) {
                int nr = (int)(n - q < QNR ? n - q : QNR);
                if (direct)
                    conv_block_vnni(mr, nr, 1, direct_taps, direct_kg, ptrs, direct_offset, w + (q / QNR) * k * QNR, ep,
                                    out + q * es, ldy, p, q);
                else
                    conv_block_vnni(mr, nr, 0, taps, kg, ptrs, tap_offset, w + (q / QNR) * k * QNR, ep, out + q * es,
                                    ldy, p, q);
            }
        } else {
            // Pack the block as a packed A panel ([group of 4 k][pixel][4]; missing pixels zero)
            // and run the packed GEMM on it.
            for (long t = 0; t < taps; t++) {
                for (long g = 0; g < kg; g++) {
                    uint8_t *dst = packed + (t * kg + g) * QMR * 4;
                    for (int i = 0; i < QMR; i++) {
                        if (i < mr) memcpy(dst + i * 4, ptrs[t * QMR + i] + 4 * g, 4);
                        else memset(dst + i * 4, 0, 4);
                    }
                }
            }
            ck_qgemm_packed(mr, n, k, packed, w, 1, out, ldy, ep, 0, mr, 0, n);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear into channels-last bytes.

/// Sixteen floats quantized as ck_quantize does, as int32 in [qlo, qhi]. x / scale is computed
/// without a division when `inv` (1 / scale) is given: r = x * inv, then one Newton step on the
/// exact remainder (Markstein: with inv correctly rounded, fma(x - r * scale, inv, r) is the
/// correctly rounded quotient, so the same value the division gives; checked against vdivps on
/// 3.2e9 values, half steps included). A division took most of this loop's time.
INLINE TVNNI __m512i quantize16(const float *x, __mmask16 m, __m512 vs, const __m512 *inv, __m512 lo, __m512 hi, __m512i zp) {
    __m512 v = _mm512_maskz_loadu_ps(m, x);
    __m512 quotient;
    if (inv) {
        __m512 r = _mm512_mul_ps(v, *inv);
        quotient = _mm512_fmadd_ps(_mm512_fnmadd_ps(r, vs, v), *inv, r);
        // An infinite r (x infinite, or x * inv beyond float) has a NaN remainder: keep r,
        // which saturates as the quotient would.
        __mmask16 infinite = _mm512_cmp_ps_mask(_mm512_abs_ps(r), _mm512_set1_ps(INFINITY), _CMP_EQ_OQ);
        quotient = _mm512_mask_mov_ps(quotient, infinite, r);
    } else {
        quotient = _mm512_div_ps(v, vs);
    }
    __m512 q = _mm512_roundscale_ps(quotient, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    q = _mm512_min_ps(_mm512_max_ps(q, lo), hi);
    q = _mm512_mask_mov_ps(q, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_setzero_ps());
    return _mm512_add_epi32(_mm512_cvtps_epi32(q), zp);
}

/// Sixteen pixels at a time: each group of four channels becomes one 32-bit word per pixel
/// (channel c in byte c % 4), stored contiguously when cp is 4 (an RGB image) and scattered
/// with stride cp otherwise.
static TVNNI void quantize_nhwc_avx512(const float *x, long channels, long pixels, long cp, float scale,
                                       int32_t zero, int32_t qlo, int32_t qhi, uint8_t *y) {
    __m512 vs = _mm512_set1_ps(scale);
    // The division-free quotient needs a normal scale with a normal reciprocal.
    __m512 reciprocal = _mm512_set1_ps(1.0f / scale);
    const __m512 *inv = isnormal(scale) && isnormal(1.0f / scale) ? &reciprocal : NULL;
    __m512 lo = _mm512_set1_ps((float)qlo - (float)zero), hi = _mm512_set1_ps((float)qhi - (float)zero);
    __m512i zp = _mm512_set1_epi32(zero), bytes = _mm512_set1_epi32(0xFF);
    __m512i index = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                       _mm512_set1_epi32((int32_t)cp));
    for (long p = 0; p < pixels; p += 16) {
        long left = pixels - p;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        for (long c0 = 0; c0 < cp; c0 += 4) {
            __m512i word = _mm512_setzero_si512();
            for (int b = 0; b < 4 && c0 + b < channels; b++) {
                __m512i q = _mm512_and_si512(quantize16(x + (c0 + b) * pixels + p, m, vs, inv, lo, hi, zp), bytes);
                word = _mm512_or_si512(word, _mm512_slli_epi32(q, 8 * b));
            }
            if (cp == 4) _mm512_mask_storeu_epi32(y + p * 4, m, word);
            else _mm512_mask_i32scatter_epi32(y + p * cp + c0, m, index, word, 1);
        }
    }
}

void ck_quantize_nhwc(const float *x, long channels, long pixels, long cp, float scale, int32_t zero,
                      int32_t qlo, int32_t qhi, uint8_t *y) {
    if (ck_qisa() >= 3 && cp * 16 < (1L << 31)) {
        quantize_nhwc_avx512(x, channels, pixels, cp, scale, zero, qlo, qhi, y);
        return;
    }
    float lo = (float)qlo - (float)zero, hi = (float)qhi - (float)zero;
    for (long p = 0; p < pixels; p++) {
        for (long c = 0; c < cp; c++) {
            uint8_t out = 0;
            if (c < channels) {
                float v = x[c * pixels + p];
                float q = nearbyintf(v / scale);
                q = q < lo ? lo : (q > hi ? hi : q);
                out = (uint8_t)(v != v ? zero : (int32_t)q + zero);
            }
            y[p * cp + c] = out;
        }
    }
}
