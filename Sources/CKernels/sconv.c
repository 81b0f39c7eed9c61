// Float convolution as an implicit GEMM on channels-last activations: rows are output pixels,
// columns output channels, k runs over (tap, input channel). No im2col matrix is built: for
// each block of CK_SMR output pixels and each kernel tap, the micro-kernel broadcasts each
// pixel's input channels straight from the input (padding taps read a buffer of zeros) and
// multiplies them with a row of packed weights, CK_SNR output channels wide.
//
// Why: the NCHW im2col product (output channels x pixels) spent a quarter of the CNN example's
// time writing the im2col panels, and its 32-pixel panels ran half empty on the 6x6 layer.
// Channels-last, a tap's channels are contiguous, a stride-2 convolution costs no more than a
// stride-1 one, and the output channels (16 to 128 in robot encoders) fill the vectors.
//
// Where every tap of a block's pixels lies inside the image and the kernel's columns are
// adjacent (dilation 1 along the width), the kw taps of one kernel row are kw * C contiguous
// floats: the micro-kernel then runs over kernel rows, not taps, with one pointer per row and
// pixel. For a 3-channel image that is 3 pointer sets per block instead of 9.
//
// The output is NHWC (rows of `ldy` floats per pixel); a caller wanting NCHW transposes it
// once with ck_transpose32, which is faster than storing each tile's columns with a stride.

#include "CKernels.h"
#include "convrow.h"
#include <immintrin.h>
#include <string.h>

#define T512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))
#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

#define SMR CK_SMR
#define SNR CK_SNR

CONV_BLOCK_POINTERS(block_pointers, float)

size_t ck_sconv_weights_count(long taps, long channels, long n) {
    return (size_t)((n + SNR - 1) / SNR) * SNR * (size_t)(taps * channels);
}

void ck_sconv_pack_weights(long n, long channels, long taps, const float *w, float *dst) {
    long k = taps * channels;
    memset(dst, 0, ck_sconv_weights_count(taps, channels, n) * sizeof(float));
    for (long o = 0; o < n; o++) {
        float *panel = dst + (o / SNR) * k * SNR;
        for (long c = 0; c < channels; c++)
            for (long t = 0; t < taps; t++) panel[(t * channels + c) * SNR + o % SNR] = w[(o * channels + c) * taps + t];
    }
}

size_t ck_sconv_work_bytes(long taps, long kernel_h) {
    return (size_t)taps * SMR * sizeof(const float *) + (size_t)(taps + kernel_h) * sizeof(long);
}

// ---------------------------------------------------------------------------------------------
// The tile's epilogue: bias per output channel, clamp (a fused Relu / Clip), and the store.
// `tile` is [SMR][SNR].

INLINE void store_tile(const float *tile, int mr, int nr, const float *bias, long col, float lo, float hi,
                       float *y, long ldy) {
    for (int i = 0; i < mr; i++) {
        for (int j = 0; j < nr; j++) {
            float v = tile[i * SNR + j] + (bias ? bias[col + j] : 0.0f);
            v = v < lo ? lo : (v > hi ? hi : v);
            y[i * ldy + j] = v;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Portable and AVX2 micro-kernel: the SMR x SNR tile in an array the compiler vectorizes along
// the output channels. `ptrs` holds, per tap, SMR pointers to the pixels' first channel.

#define SCONV_TILE_PARAMS                                                                          \
    int mr, int nr, long taps, long channels, const float *const *ptrs, const float *w,           \
        const float *bias, long col, float lo, float hi, float *y, long ldy

INLINE void tile_body(SCONV_TILE_PARAMS) {
    float tile[SMR * SNR] __attribute__((aligned(64)));
    memset(tile, 0, sizeof tile);
    for (long t = 0; t < taps; t++) {
        for (int i = 0; i < mr; i++) {
            const float *p = ptrs[t * SMR + i];
            const float *wt = w + t * channels * SNR;
            float *acc = tile + i * SNR;
            for (long c = 0; c < channels; c++) {
                float a = p[c];
                const float *wr = wt + c * SNR;
                for (int j = 0; j < SNR; j++) acc[j] += a * wr[j];
            }
        }
    }
    store_tile(tile, mr, nr, bias, col, lo, hi, y, ldy);
}

static void tile_generic(SCONV_TILE_PARAMS) {
    tile_body(mr, nr, taps, channels, ptrs, w, bias, col, lo, hi, y, ldy);
}
static T256 void tile_avx2(SCONV_TILE_PARAMS) {
    tile_body(mr, nr, taps, channels, ptrs, w, bias, col, lo, hi, y, ldy);
}

// ---------------------------------------------------------------------------------------------
// AVX-512: 8 pixels x (16 * nv) channels in named accumulators (an array would be spilled:
// the compiler cannot prove the input loads do not alias it). `direct`: every tap of every
// pixel of the block is inside the image, ptrs holds each pixel's first tap and `taps` runs of
// `channels` floats lie at fixed offsets from it (kernel rows of kw * C floats, or single
// taps); else ptrs holds every (tap, pixel).

#define SROW(i)                                                                                    \
    {                                                                                              \
        __m512 av = _mm512_set1_ps(p##i[c]);                                                       \
        c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0);                                                \
        if (nv == 2) c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1);                                   \
    }

#define SSTORE(i)                                                                                  \
    if (i < mr) {                                                                                  \
        __m512 v0 = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(c##i##0, bias0), vlo), vhi);         \
        _mm512_mask_storeu_ps(y + i * ldy, m0, v0);                                                \
        if (nv == 2) {                                                                             \
            __m512 v1 = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(c##i##1, bias1), vlo), vhi);     \
            _mm512_mask_storeu_ps(y + i * ldy + 16, m1, v1);                                       \
        }                                                                                          \
    }

INLINE T512 void tile_512(const int nv, const int direct, SCONV_TILE_PARAMS, const long *tap_offset) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m512 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00;
    __m512 c70 = c00, c71 = c00;
    for (long t = 0; t < taps; t++) {
        const float *const *pt = direct ? ptrs : ptrs + t * SMR;
        long off = direct ? tap_offset[t] : 0;
        const float *p0 = pt[0] + off, *p1 = pt[1] + off, *p2 = pt[2] + off, *p3 = pt[3] + off;
        const float *p4 = pt[4] + off, *p5 = pt[5] + off, *p6 = pt[6] + off, *p7 = pt[7] + off;
        const float *wt = w + t * channels * SNR;
        for (long c = 0; c < channels; c++) {
            __m512 b0 = _mm512_load_ps(wt + c * SNR);
            __m512 b1 = nv == 2 ? _mm512_load_ps(wt + c * SNR + 16) : _mm512_setzero_ps();
            SROW(0) SROW(1) SROW(2) SROW(3) SROW(4) SROW(5) SROW(6) SROW(7)
        }
    }
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : (nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0);
    __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias + col) : _mm512_setzero_ps();
    __m512 bias1 = bias && m1 ? _mm512_maskz_loadu_ps(m1, bias + col + 16) : _mm512_setzero_ps();
    __m512 vlo = _mm512_set1_ps(lo), vhi = _mm512_set1_ps(hi);
    SSTORE(0) SSTORE(1) SSTORE(2) SSTORE(3) SSTORE(4) SSTORE(5) SSTORE(6) SSTORE(7)
}

static T512 void block_512(int direct, SCONV_TILE_PARAMS, const long *tap_offset) {
    if (direct) {
        if (nr > 16) tile_512(2, 1, mr, nr, taps, channels, ptrs, w, bias, col, lo, hi, y, ldy, tap_offset);
        else tile_512(1, 1, mr, nr, taps, channels, ptrs, w, bias, col, lo, hi, y, ldy, tap_offset);
    } else {
        if (nr > 16) tile_512(2, 0, mr, nr, taps, channels, ptrs, w, bias, col, lo, hi, y, ldy, tap_offset);
        else tile_512(1, 0, mr, nr, taps, channels, ptrs, w, bias, col, lo, hi, y, ldy, tap_offset);
    }
}

// ---------------------------------------------------------------------------------------------
// The driver: pixel blocks, their tap pointers, and the tile per column panel.

void ck_sconv(const float *x, long height, long width, long channels, long kernel_h, long kernel_w,
              long stride_h, long stride_w, long dilation_h, long dilation_w, long pad_top, long pad_left,
              long out_h, long out_w, long n, const float *w, const float *bias, float lo, float hi, float *y,
              long ldy, long p0, long p1, const float *zeros, void *work) {
    long total = out_h * out_w;
    if (p1 > total) p1 = total;
    if (p0 >= p1 || n <= 0) return;
    long taps = kernel_h * kernel_w, k = taps * channels;
    const float **ptrs = (const float **)work;
    long *tap_offset = (long *)(void *)((char *)work + (size_t)taps * SMR * sizeof(const float *));
    long *row_offset = tap_offset + taps;
    conv_walk wk = conv_walk_start(height, width, channels, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
                                   dilation_w, pad_top, pad_left, out_w, p0);
    conv_walk_offsets(&wk, tap_offset, row_offset);
    // Direct blocks run over kernel rows of kw * C contiguous floats when the columns touch.
    int rows = dilation_w == 1;
    long direct_taps = rows ? kernel_h : taps, direct_run = rows ? kernel_w * channels : channels;
    const long *direct_offset = rows ? row_offset : tap_offset;
    int isa = ck_isa();
    for (long p = p0; p < p1; p += SMR) {
        int mr = (int)(p1 - p < SMR ? p1 - p : SMR);
        int direct = block_pointers(&wk, x, zeros, tap_offset, mr, SMR, isa >= 3, ptrs);
        float *out = y + p * ldy;
        for (long q = 0; q < n; q += SNR) {
            int nr = (int)(n - q < SNR ? n - q : SNR);
            const float *panel = w + (q / SNR) * k * SNR;
            float *dst = out + q;
            if (isa >= 3 && direct)
                block_512(1, mr, nr, direct_taps, direct_run, ptrs, panel, bias, q, lo, hi, dst, ldy, direct_offset);
            else if (isa >= 3)
                block_512(0, mr, nr, taps, channels, ptrs, panel, bias, q, lo, hi, dst, ldy, tap_offset);
            else if (isa == 2)
                tile_avx2(mr, nr, taps, channels, ptrs, panel, bias, q, lo, hi, dst, ldy);
            else
                tile_generic(mr, nr, taps, channels, ptrs, panel, bias, q, lo, hi, dst, ldy);
        }
    }
}

/// Three rows (an RGB image's planes) interleaved 16 columns at a time: each output vector
/// takes its first two values from one two-source permute and the third from a masked one.
static T512 void transpose3_512(const float *x, long cols, float *y) {
    int32_t from_ab[3][16], from_c[3][16];
    __mmask16 take_c[3] = {0, 0, 0};
    for (int v = 0; v < 3; v++) {
        for (int lane = 0; lane < 16; lane++) {
            int j = 16 * v + lane, col = j / 3, row = j % 3;
            from_ab[v][lane] = row == 1 ? 16 + col : col;
            from_c[v][lane] = col;
            if (row == 2) take_c[v] |= (__mmask16)(1u << lane);
        }
    }
    __m512i ab[3], cc[3];
    for (int v = 0; v < 3; v++) {
        ab[v] = _mm512_loadu_si512(from_ab[v]);
        cc[v] = _mm512_loadu_si512(from_c[v]);
    }
    long p = 0;
    for (; p + 16 <= cols; p += 16) {
        __m512 a = _mm512_loadu_ps(x + p), b = _mm512_loadu_ps(x + cols + p), c = _mm512_loadu_ps(x + 2 * cols + p);
        for (int v = 0; v < 3; v++) {
            __m512 t = _mm512_permutex2var_ps(a, ab[v], b);
            _mm512_storeu_ps(y + 3 * p + 16 * v, _mm512_mask_permutexvar_ps(t, take_c[v], cc[v], c));
        }
    }
    for (; p < cols; p++)
        for (int r = 0; r < 3; r++) y[3 * p + r] = x[r * cols + p];
}

/// dst[j * ds + i] = src[i * ss + j] for an 8 x 8 block: unpack, shuffle, swap the halves.
static T256 void transpose8x8_256(const float *src, long ss, float *dst, long ds) {
    __m256 r[8], t[8], u[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ss);
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps(dst + i * ds, _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
        _mm256_storeu_ps(dst + (i + 4) * ds, _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
}

static T256 void transpose_256(const float *x, long rows, long cols, float *y) {
    long r8 = rows / 8 * 8, c8 = cols / 8 * 8;
    for (long r = 0; r < r8; r += 8)
        for (long c = 0; c < c8; c += 8) transpose8x8_256(x + r * cols + c, cols, y + c * rows + r, rows);
    for (long r = 0; r < rows; r++)
        for (long c = r < r8 ? c8 : 0; c < cols; c++) y[c * rows + r] = x[r * cols + c];
}

void ck_transpose32(const void *src, long rows, long cols, void *dst) {
    const float *x = src;
    float *y = dst;
    int isa = ck_isa();
    if (rows == 3 && isa >= 3) {
        transpose3_512(x, cols, y);
    } else if (isa >= 2) {
        transpose_256(x, rows, cols, y);
    } else {
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c];
    }
}
