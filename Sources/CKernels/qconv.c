// 8-bit convolution on channels-last (NHWC) activations as an implicit GEMM: rows are output
// pixels, columns output channels, k runs over (tap, channel). No im2col matrix is built: for
// each block of output pixels and each kernel row, the micro-kernel reads the pixels' bytes
// straight from the input (one 4-byte broadcast per pixel and group of 4 channels). The output
// tile [pixel][channel] is NHWC again, so a chain of fused int8 convolutions never changes
// layout.
//
// Why: on the CNN example the NCHW im2col (one short strided row per tap and output row) took
// more time than the integer products themselves; in NHWC a tap's channels are contiguous and
// a stride-2 convolution costs no more than a stride-1 one.
//
// Padding is written out once per call: the input rows a call reads are copied into a window
// with the zero-point border around them (unless no tap of the range falls outside the image).
// Every tap then reads memory, so a block of pixels needs one pointer per pixel and no bounds
// tests, whatever its position. Before, the blocks touching the border (all of them in a 6- or
// 12-pixel-wide layer) built a pointer per tap and pixel, 12% of the int8 CNN's time; the copy
// costs about one read of the input.
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
#include "qround.h"
#include "qstore.h"

#define QMR CK_QMR
#define QNR CK_QNR
/// Pixels per VNNI block when one vector of 16 output channels covers the output (the 16
/// accumulators a block of 8 pixels x 32 channels uses, spent on more pixels instead).
#define WIDE_MR 16

static long min_long(long a, long b) { return a < b ? a : b; }
static long max_long(long a, long b) { return a > b ? a : b; }
static size_t align64(size_t bytes) { return (bytes + 63) & ~(size_t)63; }

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

// ---------------------------------------------------------------------------------------------
// The padded window and the scratch layout.

/// Columns and rows of input a range of output rows reads (padding included).
static long window_width(const ck_conv2d *g) {
    return (g->out_w - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w + 1;
}
static long window_rows(const ck_conv2d *g, long out_rows) {
    return (out_rows - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h + 1;
}

/// Where a call's taps read: the first tap of output pixel (oy, ox) is at
/// base + (oy - oy_first) * stride_h * pitch + ox * stride_w * cp, oy_first the call's first row.
typedef struct qwindow {
    const uint8_t *base;
    long pitch;
} qwindow;

/// The window's and the border's rows are a few to a few hundred bytes, where a library call
/// costs as much as the copy; `no_builtin` keeps the compiler from turning these loops back
/// into memcpy and memset calls (it did: border fills were 3% of the int8 CNN).
#define NO_LIBRARY_CALLS __attribute__((no_builtin("memset", "memcpy")))

/// n bytes (a multiple of 4) from src to dst.
static NO_LIBRARY_CALLS void copy_row(uint8_t *dst, const uint8_t *src, long n) {
    long i = 0;
    for (; i + 64 <= n; i += 64) __builtin_memcpy_inline(dst + i, src + i, 64);
    for (; i + 4 <= n; i += 4) __builtin_memcpy_inline(dst + i, src + i, 4);
}

/// n bytes (a multiple of 4) of `pad` at dst.
static NO_LIBRARY_CALLS void fill_row(uint8_t *dst, uint8_t pad, long n) {
    long i = 0;
    for (; i + 64 <= n; i += 64) __builtin_memset_inline(dst + i, pad, 64);
    for (; i + 4 <= n; i += 4) __builtin_memset_inline(dst + i, pad, 4);
}

/// The window of output rows [oy_first, oy_last]: the input itself when every tap falls inside
/// it, else a copy into `buffer` with padding bytes around the image. Rows are whole pixels of
/// cp bytes, a multiple of 4.
static qwindow make_window(const ck_conv2d *g, const uint8_t *x, uint8_t pad, long oy_first, long oy_last,
                           uint8_t *buffer) {
    long cp = g->channels, cols = window_width(g), rows = window_rows(g, oy_last - oy_first + 1);
    long iy_begin = oy_first * g->stride_h - g->pad_top, ix_begin = -g->pad_left;
    qwindow win = {x + (iy_begin * g->width + ix_begin) * cp, g->width * cp};
    if (iy_begin >= 0 && iy_begin + rows <= g->height && ix_begin >= 0 && ix_begin + cols <= g->width) return win;
    // Window columns [left, inside_end) lie in the image; the rest is padding.
    long left = min_long(max_long(-ix_begin, 0), cols);
    long inside_end = max_long(left, min_long(g->width - ix_begin, cols));
    for (long r = 0; r < rows; r++) {
        long iy = iy_begin + r;
        uint8_t *row = buffer + r * cols * cp;
        if (iy < 0 || iy >= g->height || inside_end == left) {
            fill_row(row, pad, cols * cp);
            continue;
        }
        fill_row(row, pad, left * cp);
        copy_row(row + left * cp, x + (iy * g->width + ix_begin + left) * cp, (inside_end - left) * cp);
        fill_row(row + inside_end * cp, pad, (cols - inside_end) * cp);
    }
    win.base = buffer;
    win.pitch = cols * cp;
    return win;
}

/// A call's scratch: the window, the block's pixel pointers, the offset of each segment (a
/// kernel row, or a tap when the kernel's columns do not touch), the prepared epilogue,
/// (AVX2, portable) the packed A block, and the staging tile of a block whose pixels are not
/// evenly spaced in y.
typedef struct qconv_scratch {
    uint8_t *window;
    const uint8_t **ptrs;
    long *offset;
    int32_t *corr;
    float *scale, *bias;
    uint8_t *packed;
    void *stage;
} qconv_scratch;

static size_t scratch_layout(const ck_conv2d *g, long n, uint8_t *work, qconv_scratch *s) {
    long taps = g->kernel_h * g->kernel_w, columns = (n + QNR - 1) / QNR * QNR;
    size_t at = 0;
#define CARVE(field, type, bytes)                                                                  \
    if (s) s->field = (type)(void *)(work + at);                                                   \
    at += align64(bytes);
    // No window when no tap falls outside the image (an input that carries its padding).
    int inside = g->pad_top == 0 && g->pad_left == 0 && window_rows(g, g->out_h) <= g->height &&
                 window_width(g) <= g->width;
    CARVE(window, uint8_t *, inside ? 0 : (size_t)(window_rows(g, g->out_h) * window_width(g) * g->channels))
    CARVE(ptrs, const uint8_t **, WIDE_MR * sizeof(const uint8_t *))
    CARVE(offset, long *, (size_t)taps * sizeof(long))
    CARVE(corr, int32_t *, (size_t)columns * sizeof(int32_t))
    CARVE(scale, float *, (size_t)columns * sizeof(float))
    CARVE(bias, float *, (size_t)columns * sizeof(float))
    CARVE(packed, uint8_t *, ck_qpacked_a_bytes(QMR, taps * g->channels))
    CARVE(stage, void *, (size_t)(WIDE_MR * n) * sizeof(int32_t))
#undef CARVE
    return at;
}

size_t ck_qconv_work_bytes(const ck_conv2d *g, long n) { return scratch_layout(g, n, NULL, NULL) + 64; }

/// The common epilogue (8-bit output requantized in float32, everything per column, one
/// activation zero point, weights' zero point 0) as three arrays: the integer correction, the
/// scale and the float bias of each column, so a block only loads them. Else 0.
static int prepare_epilogue(const ck_qepilogue *ep, long n, const qconv_scratch *s) {
    if (ep->output != CK_QOUT_I8 || !ep->requant_single || ep->activation || ep->row_scale || ep->row_bias ||
        ep->row_zero_step != 0 || ep->row_bias_i32 || ep->col_zero)
        return 0;
    long columns = (n + QNR - 1) / QNR * QNR;
    uint32_t za = ep->row_zero ? (uint32_t)ep->row_zero[0] : 0;
    for (long j = 0; j < columns; j++) {
        int inside = j < n;
        uint32_t bias = inside && ep->col_bias_i32 ? (uint32_t)ep->col_bias_i32[j] : 0;
        uint32_t sum = inside && ep->col_sums ? (uint32_t)ep->col_sums[j] : 0;
        // int32 arithmetic that wraps, as the vector code's.
        s->corr[j] = (int32_t)(bias - za * sum);
        s->scale[j] = (inside && ep->col_scale ? ep->col_scale[j] : 1.0f) * ep->scale;
        s->bias[j] = inside && ep->col_bias ? ep->col_bias[j] : 0.0f;
    }
    return 1;
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI: a block is 8 pixels x 32 channels (nv = 2) or 16 (mrb = 16) or 8 pixels x 16
// channels (nv = 1) in 16 zmm accumulators over every segment. Pixel i's accumulators are
// a(2i), a(2i + 1) when nv = 2, else a(i). They are named variables, not an array: an array
// read through the byte loads of the activations may alias them, and the compiler then stores
// every accumulator back to the stack after each vpdpbusd.

/// What every block of a call shares.
typedef struct qconv_block_args {
    long segments, seg_kg;
    const long *offset;
    const uint8_t *const *ptrs;
    const ck_qepilogue *ep;
    const qconv_scratch *prepared;
    long k;
} qconv_block_args;

INLINE TVNNI __m512i broadcast4(const uint8_t *p) {
    int32_t word;
    memcpy(&word, p, 4);
    return _mm512_set1_epi32(word);
}

#define DOT1(i) a##i = _mm512_dpbusd_epi32(a##i, broadcast4(q##i + 4 * g), b0);
/// Pixel i at a fixed step from pixel 0 (`step` bytes, a constant): one address register.
#define DOT1S(i) a##i = _mm512_dpbusd_epi32(a##i, broadcast4(q0 + (i) * step + 4 * g), b0);
#define DOT2(i, lo, hi)                                                                            \
    {                                                                                              \
        __m512i x = broadcast4(q##i + 4 * g);                                                      \
        a##lo = _mm512_dpbusd_epi32(a##lo, x, b0);                                                 \
        a##hi = _mm512_dpbusd_epi32(a##hi, x, b1);                                                 \
    }
#define PIXEL(i) const uint8_t *q##i = a->ptrs[i] + off;

/// Requantizes accumulator `acc` (row `row`, vector v; it started from the column's integer
/// correction) with the prepared epilogue.
#define STORE_PREPARED(acc, row, v)                                                                \
    if ((row) < mr && mask[v]) {                                                                   \
        __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale[v]);                               \
        f = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(f, bias[v]), lo), hi);                       \
        __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), zp);                                   \
        _mm_mask_storeu_epi8((uint8_t *)c + (long)(row) * ldc + (v) * 16, mask[v], _mm512_cvtepi32_epi8(q));     \
    }

/// Four vectors of int32 saturated to [0, 255] and packed to bytes: each 128-bit lane holds
/// [v0's 4, v1's 4, v2's 4, v3's 4] of its four elements (vpackusdw, then vpackuswb).
INLINE TVNNI __m512i pack4_u8(__m512i v0, __m512i v1, __m512i v2, __m512i v3) {
    return _mm512_packus_epi16(_mm512_packus_epi32(v0, v1), _mm512_packus_epi32(v2, v3));
}

/// Four requantized vectors narrowed to 64 bytes in order (v0's 16, then v1's, ...): one
/// dword permutation puts pack4_u8's lanes back.
INLINE TVNNI __m512i narrow4(__m512i v0, __m512i v1, __m512i v2, __m512i v3) {
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_epi32(order, pack4_u8(v0, v1, v2, v3));
}

/// One vector of the prepared epilogue, not yet narrowed: an int32 above qhi never comes out
/// (the clamp to qhi also keeps the conversion in range), one below qlo only when `low`, for
/// callers whose narrowing saturates to [0, 255] and qlo is 0.
INLINE TVNNI __m512i requantize16(__m512i acc, __m512 scale, __m512 bias, __m512 lo, __m512 hi, __m512i zp, int low) {
    __m512 f = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale), bias);
    if (low) f = _mm512_max_ps(f, lo);
    return _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_min_ps(f, hi)), zp);
}

/// Pixels r.. of a block, four requantized vectors (nv = 1: four pixels of 16 channels; nv = 2:
/// two of 32) narrowed to 64 bytes in order and stored, 16 * nv bytes a pixel, ldc apart.
#define STORE4(r, w, x, y_, z)                                                                     \
    {                                                                                              \
        __m512i bytes = narrow4(requantize16(w, scale[0], bias[0], lo, hi, zp, low),               \
                                requantize16(x, scale[nv - 1], bias[nv - 1], lo, hi, zp, low),    \
                                requantize16(y_, scale[0], bias[0], lo, hi, zp, low),              \
                                requantize16(z, scale[nv - 1], bias[nv - 1], lo, hi, zp, low));   \
        uint8_t *at = (uint8_t *)c + (long)(r) * ldc;                                              \
        const long width = 16 * nv;                                                                \
        if (ldc == width) {                                                                        \
            _mm512_storeu_si512(at, bytes);                                                        \
        } else {                                                                                   \
            for (int k = 0; k < 4 / nv; k++)                                                       \
                _mm512_mask_storeu_epi8(at + k * (ldc - width), ((1ull << width) - 1) << (width * k), bytes); \
        }                                                                                          \
    }

/// The packed GEMM's epilogue, out of line: only unusual epilogues (a float or int32 output,
/// an activation, double-precision requantization) come here.
static TVNNI void store_rows(int mr, __m512i acc[QMR][2], const ck_qepilogue *ep, long k, int nr, void *c, long ldc,
                             long row, long col) {
    qstore_vnni(mr, acc, ep, k, nr, c, ldc, row, col);
}

/// One block; `step` (a constant, or 0) is the distance in bytes between consecutive pixels
/// when the block's pixels are known to be evenly spaced (a whole block in one output row):
/// one address register then serves all 16 pixels of a wide block instead of 16, which spill.
/// That matters where a block's k is short (an RGB first layer: 9 groups of 4).
INLINE TVNNI void conv_block(const int nv, const int mrb, const long step, const qconv_block_args *a, int mr, int nr,
                             const uint8_t *b, void *c, long ldc, long row, long col) {
    // With the prepared epilogue, the sums start from the column's integer correction (the
    // same int32 arithmetic, one addition fewer per result).
    __m512i c0 = _mm512_setzero_si512(), c1 = c0;
    if (a->prepared) {
        c0 = _mm512_loadu_si512(a->prepared->corr + col);
        c1 = _mm512_loadu_si512(a->prepared->corr + col + 16);
    }
    if (nv == 1) c1 = c0;
    __m512i a0 = c0, a1 = c1, a2 = c0, a3 = c1, a4 = c0, a5 = c1, a6 = c0, a7 = c1;
    __m512i a8 = c0, a9 = c1, a10 = c0, a11 = c1, a12 = c0, a13 = c1, a14 = c0, a15 = c1;
    for (long s = 0; s < a->segments; s++) {
        long off = a->offset[s];
        const uint8_t *bs = b + s * a->seg_kg * QNR * 4;
        if (step) {
            const uint8_t *q0 = a->ptrs[0] + off;
            for (long g = 0; g < a->seg_kg; g++) {
                __m512i b0 = _mm512_loadu_si512(bs + g * QNR * 4);
                DOT1S(0) DOT1S(1) DOT1S(2) DOT1S(3) DOT1S(4) DOT1S(5) DOT1S(6) DOT1S(7)
                DOT1S(8) DOT1S(9) DOT1S(10) DOT1S(11) DOT1S(12) DOT1S(13) DOT1S(14) DOT1S(15)
            }
            continue;
        }
        PIXEL(0) PIXEL(1) PIXEL(2) PIXEL(3) PIXEL(4) PIXEL(5) PIXEL(6) PIXEL(7)
        if (mrb == WIDE_MR) {
            PIXEL(8) PIXEL(9) PIXEL(10) PIXEL(11) PIXEL(12) PIXEL(13) PIXEL(14) PIXEL(15)
            for (long g = 0; g < a->seg_kg; g++) {
                __m512i b0 = _mm512_loadu_si512(bs + g * QNR * 4);
                DOT1(0) DOT1(1) DOT1(2) DOT1(3) DOT1(4) DOT1(5) DOT1(6) DOT1(7)
                DOT1(8) DOT1(9) DOT1(10) DOT1(11) DOT1(12) DOT1(13) DOT1(14) DOT1(15)
            }
        } else if (nv == 2) {
            for (long g = 0; g < a->seg_kg; g++) {
                __m512i b0 = _mm512_loadu_si512(bs + g * QNR * 4), b1 = _mm512_loadu_si512(bs + g * QNR * 4 + 64);
                DOT2(0, 0, 1) DOT2(1, 2, 3) DOT2(2, 4, 5) DOT2(3, 6, 7)
                DOT2(4, 8, 9) DOT2(5, 10, 11) DOT2(6, 12, 13) DOT2(7, 14, 15)
            }
        } else {
            for (long g = 0; g < a->seg_kg; g++) {
                __m512i b0 = _mm512_loadu_si512(bs + g * QNR * 4);
                DOT1(0) DOT1(1) DOT1(2) DOT1(3) DOT1(4) DOT1(5) DOT1(6) DOT1(7)
            }
        }
    }
    __mmask16 mask[2];
    mask[0] = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    mask[1] = nr >= 32 ? (__mmask16)0xFFFF : (nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0);
    if (a->prepared) {
        const ck_qepilogue *ep = a->ep;
        __m512 scale[2], bias[2];
        for (int v = 0; v < 2; v++) {
            scale[v] = _mm512_loadu_ps(a->prepared->scale + col + 16 * v);
            bias[v] = _mm512_loadu_ps(a->prepared->bias + col + 16 * v);
        }
        __m512 lo = _mm512_set1_ps((float)ep->qlo - (float)ep->out_zero);
        __m512 hi = _mm512_set1_ps((float)ep->qhi - (float)ep->out_zero);
        __m512i zp = _mm512_set1_epi32(ep->out_zero);
        // A whole block of whole vectors into [qlo, qhi] within [0, 255]: four vectors are
        // narrowed and stored together (a third fewer instructions than one at a time).
        if (mr == mrb && nr == 16 * nv && ep->qlo >= 0 && ep->qhi <= 255) {
            int low = ep->qlo > 0;
            STORE4(0, a0, a1, a2, a3) STORE4(4 / nv, a4, a5, a6, a7)
            if (nv == 2 || mrb == WIDE_MR) { STORE4(8 / nv, a8, a9, a10, a11) STORE4(12 / nv, a12, a13, a14, a15) }
            return;
        }
        if (nv == 2) {
            STORE_PREPARED(a0, 0, 0) STORE_PREPARED(a1, 0, 1) STORE_PREPARED(a2, 1, 0) STORE_PREPARED(a3, 1, 1)
            STORE_PREPARED(a4, 2, 0) STORE_PREPARED(a5, 2, 1) STORE_PREPARED(a6, 3, 0) STORE_PREPARED(a7, 3, 1)
            STORE_PREPARED(a8, 4, 0) STORE_PREPARED(a9, 4, 1) STORE_PREPARED(a10, 5, 0) STORE_PREPARED(a11, 5, 1)
            STORE_PREPARED(a12, 6, 0) STORE_PREPARED(a13, 6, 1) STORE_PREPARED(a14, 7, 0) STORE_PREPARED(a15, 7, 1)
        } else {
            STORE_PREPARED(a0, 0, 0) STORE_PREPARED(a1, 1, 0) STORE_PREPARED(a2, 2, 0) STORE_PREPARED(a3, 3, 0)
            STORE_PREPARED(a4, 4, 0) STORE_PREPARED(a5, 5, 0) STORE_PREPARED(a6, 6, 0) STORE_PREPARED(a7, 7, 0)
            if (mrb == WIDE_MR) {
                STORE_PREPARED(a8, 8, 0) STORE_PREPARED(a9, 9, 0) STORE_PREPARED(a10, 10, 0) STORE_PREPARED(a11, 11, 0)
                STORE_PREPARED(a12, 12, 0) STORE_PREPARED(a13, 13, 0) STORE_PREPARED(a14, 14, 0) STORE_PREPARED(a15, 15, 0)
            }
        }
        return;
    }
    // Any other epilogue: the packed GEMM's, eight rows at a time.
    __m512i all[16] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15};
    size_t es = a->ep->output == CK_QOUT_I8 ? 1 : 4;
    for (int r0 = 0; r0 < mr; r0 += QMR) {
        __m512i acc[QMR][2];
        for (int i = 0; i < QMR; i++) {
            acc[i][0] = nv == 2 ? all[2 * i] : all[r0 + i];
            acc[i][1] = nv == 2 ? all[2 * i + 1] : _mm512_setzero_si512();
        }
        store_rows(mr - r0 < QMR ? mr - r0 : QMR, acc, a->ep, a->k, nr, (char *)c + r0 * ldc * es, ldc,
                   row + r0, col);
    }
}

static TVNNI void conv_block_8x32(const qconv_block_args *a, int mr, int nr, const uint8_t *b, void *c, long ldc,
                                  long row, long col) {
    if (nr > 16) conv_block(2, QMR, 0, a, mr, nr, b, c, ldc, row, col);
    else conv_block(1, QMR, 0, a, mr, nr, b, c, ldc, row, col);
}

/// `step`: the distance between the block's pixels when they lie evenly spaced in one output
/// row; the steps of an RGB image's first layer (4 bytes a pixel, stride 1 or 2) have their
/// own code, any other runs with a pointer per pixel.
static TVNNI void conv_block_16x16(const qconv_block_args *a, long step, int mr, int nr, const uint8_t *b, void *c,
                                   long ldc, long row, long col) {
    if (step == 4) conv_block(1, WIDE_MR, 4, a, mr, nr, b, c, ldc, row, col);
    else if (step == 8) conv_block(1, WIDE_MR, 8, a, mr, nr, b, c, ldc, row, col);
    else conv_block(1, WIDE_MR, 0, a, mr, nr, b, c, ldc, row, col);
}

// ---------------------------------------------------------------------------------------------
// The driver: the window, pixel blocks and their pointers, and the product per column panel.

void ck_qconv_nhwc(const ck_conv2d *g, long n, const uint8_t *x, const uint8_t *w, const ck_qepilogue *ep,
                   void *y, long ldy, long y_row, long p0, long p1, uint8_t pad, uint8_t *work) {
    long total = g->out_h * g->out_w;
    if (p1 > total) p1 = total;
    if (p0 >= p1 || n <= 0) return;
    long cp = g->channels, taps = g->kernel_h * g->kernel_w, kg = cp / 4, k = taps * cp;
    size_t es = ep->output == CK_QOUT_I8 ? 1 : 4;
    qconv_scratch s;
    scratch_layout(g, n, work + ((64 - ((uintptr_t)work & 63)) & 63), &s);
    qwindow win = make_window(g, x, pad, p0 / g->out_w, (p1 - 1) / g->out_w, s.window);
    // Segments: kernel rows of kw * cp contiguous bytes when the columns touch (one pointer per
    // row and pixel), else single taps.
    int rows = g->dilation_w == 1;
    long segments = rows ? g->kernel_h : taps, seg_kg = rows ? g->kernel_w * kg : kg;
    for (long ky = 0; ky < g->kernel_h; ky++) {
        long row_offset = ky * g->dilation_h * win.pitch;
        if (rows) s.offset[ky] = row_offset;
        else
            for (long kx = 0; kx < g->kernel_w; kx++)
                s.offset[ky * g->kernel_w + kx] = row_offset + kx * g->dilation_w * cp;
    }
    int vnni = ck_qisa() >= 3;
    int mrb = vnni && n <= 16 ? WIDE_MR : QMR;
    qconv_block_args args = {segments, seg_kg, s.offset, s.ptrs, ep, prepare_epilogue(ep, n, &s) ? &s : NULL, k};
    // The first tap of output pixel (oy, ox) is at row + ox * col_step, row the output row's.
    long oy = p0 / g->out_w, ox = p0 % g->out_w, col_step = g->stride_w * cp;
    const uint8_t *row = win.base;
    for (long p = p0; p < p1; p += mrb) {
        int mr = (int)min_long(p1 - p, mrb);
        long oy0 = oy, ox0 = ox;
        for (int i = 0; i < mr;) {
            // The block's pixels in this output row, then the next row's.
            int run = (int)min_long(mr - i, g->out_w - ox);
            const uint8_t *first = row + ox * col_step;
            for (int j = 0; j < run; j++) s.ptrs[i + j] = first + j * col_step;
            i += run;
            ox += run;
            if (ox == g->out_w) ox = 0, oy++, row += g->stride_h * win.pitch;
        }
        for (int i = mr; i < mrb; i++) s.ptrs[i] = s.ptrs[0];
        // The results go straight to y when the block's pixels are evenly spaced there (in one
        // output row, or y's rows as long as the output's), else through the staging tile.
        int staged = y_row != g->out_w && ox0 + mr > g->out_w;
        char *out = staged ? (char *)s.stage : (char *)y + (oy0 * y_row + ox0) * ldy * es;
        long ldc = staged ? n : ldy;
        int even = mr == mrb && ox0 + mr <= g->out_w;
        if (vnni) {
            for (long q = 0; q < n; q += QNR) {
                int nr = (int)min_long(n - q, QNR);
                const uint8_t *panel = w + (q / QNR) * k * QNR;
                if (mrb == WIDE_MR) conv_block_16x16(&args, even ? col_step : 0, mr, nr, panel, out + q * es, ldc, p, q);
                else conv_block_8x32(&args, mr, nr, panel, out + q * es, ldc, p, q);
            }
        } else {
            // Pack the block as a packed A panel ([group of 4 k][pixel][4]; missing pixels zero)
            // and run the packed GEMM on it.
            for (long sg = 0; sg < segments; sg++) {
                for (long gg = 0; gg < seg_kg; gg++) {
                    uint8_t *dst = s.packed + (sg * seg_kg + gg) * QMR * 4;
                    for (int i = 0; i < QMR; i++) {
                        if (i < mr) memcpy(dst + i * 4, s.ptrs[i] + s.offset[sg] + 4 * gg, 4);
                        else memset(dst + i * 4, 0, 4);
                    }
                }
            }
            ck_qgemm_packed(mr, n, k, s.packed, w, 1, out, ldc, ep, 0, mr, 0, n);
        }
        for (int i = 0; staged && i < mr; i++) {
            long at = (oy0 + (ox0 + i) / g->out_w) * y_row + (ox0 + i) % g->out_w;
            memcpy((char *)y + at * ldy * es, out + i * n * es, (size_t)n * es);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// QuantizeLinear into channels-last bytes.

/// `pixels` pixels of one row (channel c's at x[c * plane + p]), sixteen at a time: each group
/// of four channels becomes one 32-bit word per pixel (channel c in byte c % 4), stored
/// contiguously when cp is 4 (an RGB image) and scattered with stride cp otherwise.
static TVNNI void quantize_nhwc_avx512(const float *x, long channels, long plane, long pixels, long cp,
                                       const qround *r, uint8_t *y) {
    __m512i bytes = _mm512_set1_epi32(0xFF);
    __m512i index = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                       _mm512_set1_epi32((int32_t)cp));
    for (long p = 0; p < pixels; p += 16) {
        long left = pixels - p;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        for (long c0 = 0; c0 < cp; c0 += 4) {
            __m512i word = _mm512_setzero_si512();
            for (int b = 0; b < 4 && c0 + b < channels; b++) {
                __m512i q = _mm512_and_si512(qround16(r, x + (c0 + b) * plane + p, m), bytes);
                word = _mm512_or_si512(word, _mm512_slli_epi32(q, 8 * b));
            }
            if (cp == 4) _mm512_mask_storeu_epi32(y + p * 4, m, word);
            else _mm512_mask_i32scatter_epi32(y + p * cp + c0, m, index, word, 1);
        }
    }
}

/// As quantize_nhwc_avx512 for an image of at most 4 channels into cp = 4 and the range
/// [0, 255]: the four channels' words saturate while packing to bytes (pack4_u8, whose order
/// within each 128-bit lane is then [channel][pixel]), and one byte shuffle per lane makes
/// them [pixel][channel]. A quarter of the instructions of clamping, masking and
/// shifting each channel.
static TVNNI void quantize_rgb_avx512(const float *x, long channels, long plane, long pixels, const qround *r,
                                      uint8_t *y) {
    static const int8_t transpose4x4[16] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
    __m512i order = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)transpose4x4));
    __m512i none = _mm512_setzero_si512();
    for (long p = 0; p < pixels; p += 16) {
        long left = pixels - p;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512i c0 = qround16_unsaturated(r, x + p, m);
        __m512i c1 = channels > 1 ? qround16_unsaturated(r, x + plane + p, m) : none;
        __m512i c2 = channels > 2 ? qround16_unsaturated(r, x + 2 * plane + p, m) : none;
        __m512i c3 = channels > 3 ? qround16_unsaturated(r, x + 3 * plane + p, m) : none;
        _mm512_mask_storeu_epi32(y + p * 4, m, _mm512_shuffle_epi8(pack4_u8(c0, c1, c2, c3), order));
    }
}

static TVNNI void quantize_image_avx512(const float *x, long channels, long height, long width, long cp, float scale,
                                        int32_t zero, int32_t qlo, int32_t qhi, uint8_t *y, long y_row) {
    qround r = qround_make(scale, zero, qlo, qhi);
    long plane = height * width;
    int rgb = cp == 4 && qlo == 0 && qhi == 255;
    // A dense image as one row of pixels.
    long rows = y_row == width ? 1 : height, row_pixels = y_row == width ? plane : width;
    for (long row = 0; row < rows; row++) {
        const float *source = x + row * width;
        uint8_t *destination = y + row * y_row * cp;
        if (rgb) quantize_rgb_avx512(source, channels, plane, row_pixels, &r, destination);
        else quantize_nhwc_avx512(source, channels, plane, row_pixels, cp, &r, destination);
    }
}

void ck_quantize_nhwc(const float *x, long channels, long height, long width, long cp, float scale, int32_t zero,
                      int32_t qlo, int32_t qhi, uint8_t *y, long y_row) {
    if (ck_qisa() >= 3 && cp * 16 < (1L << 31)) {
        quantize_image_avx512(x, channels, height, width, cp, scale, zero, qlo, qhi, y, y_row);
        return;
    }
    float lo = (float)qlo - (float)zero, hi = (float)qhi - (float)zero;
    long plane = height * width;
    for (long p = 0; p < plane; p++) {
        uint8_t *out = y + ((p / width) * y_row + p % width) * cp;
        for (long c = 0; c < cp; c++) {
            uint8_t byte = 0;
            if (c < channels) {
                float v = x[c * plane + p];
                float q = nearbyintf(v / scale);
                q = q < lo ? lo : (q > hi ? hi : q);
                byte = (uint8_t)(v != v ? zero : (int32_t)q + zero);
            }
            out[c] = byte;
        }
    }
}

void ck_fill_border(uint8_t *y, long rows, long cols, long cp, long top, long left, long bottom, long right,
                    uint8_t value) {
    long row_bytes = cols * cp;
    for (long r = 0; r < rows; r++) {
        uint8_t *row = y + r * row_bytes;
        if (r < top || r >= rows - bottom) {
            fill_row(row, value, row_bytes);
        } else {
            fill_row(row, value, left * cp);
            fill_row(row + (cols - right) * cp, value, right * cp);
        }
    }
}
