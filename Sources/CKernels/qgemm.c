// 8-bit integer GEMM on packed operands: u8 x s8 products accumulated in int32, with AVX-512
// VNNI (vpdpbusd), AVX2 (widen to int16, vpmaddwd) and portable micro-kernels chosen once at
// run time, and an epilogue that corrects for zero points and writes int32, float or
// requantized 8-bit outputs. Packing formats are shared by all three.
//
// Signedness: every product multiplies one unsigned byte (the "u8 side") by one signed byte
// (the "s8 side"), which is what vpdpbusd computes. An operand stored with the other
// signedness is flipped while packing (x ^ 0x80, i.e. +128 for int8 -> uint8 and -128 for
// uint8 -> int8), and its zero point moves by the same amount, so (x - zero) is unchanged.
//
// Why AVX2 widens instead of using vpmaddubsw: vpmaddubsw adds two u8 x s8 products into a
// saturating int16, and 255 * 127 * 2 = 64770 overflows it. Restricting weights to 7 bits
// would change the model's numbers; widening both operands to int16 (vpmovzxbw/vpmovsxbw) and
// using vpmaddwd (int16 pairs summed into int32) is exact for all byte values, at about half
// of vpmaddubsw's throughput.

#include "CKernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "activations.h"
#include "qround.h"
#include "qstore.h"

#define TVNNI __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx512vnni")))
#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

#define QMR CK_QMR
#define QNR CK_QNR

static long min_long(long a, long b) { return a < b ? a : b; }

size_t ck_qpacked_a_bytes(long m, long k) { return (size_t)((m + QMR - 1) / QMR) * QMR * (size_t)((k + 3) / 4) * 4; }
size_t ck_qpacked_b_bytes(long k, long n) { return (size_t)((n + QNR - 1) / QNR) * QNR * (size_t)((k + 3) / 4) * 4; }

// Sum of a row's bytes as packed (flipped by x, read as signed or unsigned). The contiguous
// case is a separate loop so that the compiler vectorizes it.
static int32_t row_sum_contiguous(const uint8_t *src, long k, uint8_t x, int dst_signed) {
    int32_t sum = 0;
    if (dst_signed) {
        for (long kk = 0; kk < k; kk++) sum += (int8_t)(src[kk] ^ x);
    } else {
        for (long kk = 0; kk < k; kk++) sum += (uint8_t)(src[kk] ^ x);
    }
    return sum;
}

static int32_t row_sum_strided(const uint8_t *src, long k, long cs, uint8_t x, int dst_signed) {
    int32_t sum = 0;
    for (long kk = 0; kk < k; kk++) {
        uint8_t v = src[kk * cs] ^ x;
        sum += dst_signed ? (int32_t)(int8_t)v : (int32_t)v;
    }
    return sum;
}

void ck_qpack_a(long m, long k, const uint8_t *a, long rs, long cs, int flip, int dst_signed,
                uint8_t *dst, int32_t *row_sums) {
    long kp = (k + 3) / 4 * 4;
    uint8_t x = flip ? 0x80 : 0;
    for (long p = 0; p < m; p += QMR) {
        long rows = min_long(m - p, QMR);
        uint8_t *panel = dst + (p / QMR) * kp * QMR;
        // A partial panel (a batch-1 activation is one row of eight): the missing rows are zero,
        // written in one go rather than byte by byte.
        if (rows < QMR) memset(panel, 0, (size_t)(kp * QMR));
        for (long i = 0; i < rows; i++) {
            const uint8_t *src = a + (p + i) * rs;
            uint8_t *out = panel + i * 4;
            long kk = 0;
            if (cs == 1) {
                // Contiguous rows (every activation of a MatMul): one 4-byte word per k group,
                // flipped with one XOR. Byte by byte, this packing took a third as long as the
                // products it feeds in the int8 transformer.
                uint32_t xw = flip ? 0x80808080u : 0;
                for (; kk + 4 <= k; kk += 4) {
                    uint32_t word;
                    memcpy(&word, src + kk, 4);
                    word ^= xw;
                    memcpy(out + (kk >> 2) * QMR * 4, &word, 4);
                }
            }
            for (; kk < kp; kk++) out[(kk >> 2) * QMR * 4 + (kk & 3)] = kk < k ? src[kk * cs] ^ x : 0;
            if (row_sums) row_sums[p + i] = cs == 1 ? row_sum_contiguous(src, k, x, dst_signed) : row_sum_strided(src, k, cs, x, dst_signed);
        }
    }
}

void ck_qpack_b(long k, long n, const uint8_t *b, long rs, long cs, int flip, int dst_signed,
                long n0, long n1, uint8_t *dst, int32_t *col_sums) {
    if (n1 > n) n1 = n;
    long kp = (k + 3) / 4 * 4;
    uint8_t x = flip ? 0x80 : 0;
    for (long q = n0; q < n1; q += QNR) {
        long cols = min_long(n1 - q, QNR);
        uint8_t *panel = dst + ((q - n0) / QNR) * kp * QNR;
        int32_t sums[QNR] = {0};
        for (long kk = 0; kk < kp; kk++) {
            uint8_t *out = panel + (kk >> 2) * QNR * 4 + (kk & 3);
            for (long j = 0; j < QNR; j++) {
                uint8_t v = 0;
                if (j < cols && kk < k) {
                    v = b[kk * rs + (q + j) * cs] ^ x;
                    sums[j] += dst_signed ? (int32_t)(int8_t)v : (int32_t)v;
                }
                out[j * 4] = v;
            }
        }
        if (col_sums)
            for (long j = 0; j < cols; j++) col_sums[q + j] = sums[j];
    }
}

/// dst[i] = src[2 i] ^ fx for i < count: the stride-2 convolutions' im2col rows. AVX-512BW
/// narrows 64 bytes to their 32 even bytes in one vpmovwb; the last block is a masked load, so
/// nothing past src[2 (count - 1)] is read.
static TVNNI void gather2_avx512(const uint8_t *src, long count, uint8_t fx, uint8_t *dst) {
    __m256i vx = _mm256_set1_epi8((char)fx);
    long i = 0;
    for (; i + 33 <= count; i += 32) {
        __m512i v = _mm512_loadu_si512(src + 2 * i);
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_xor_si256(_mm512_cvtepi16_epi8(v), vx));
    }
    if (i < count) {
        long left = count - i, bytes = 2 * left - 1;
        __m512i v = _mm512_maskz_loadu_epi8((__mmask64)(~0ULL >> (64 - bytes)), src + 2 * i);
        __m256i r = _mm256_xor_si256(_mm512_cvtepi16_epi8(v), vx);
        _mm256_mask_storeu_epi8(dst + i, (__mmask32)(0xFFFFFFFFu >> (32 - left)), r);
    }
}

/// The same with AVX2: 32 bytes -> their 16 even bytes (mask, pack, gather the two halves).
static T256 void gather2_avx2(const uint8_t *src, long count, uint8_t fx, uint8_t *dst) {
    __m256i low = _mm256_set1_epi16(0x00FF);
    __m128i vx = _mm_set1_epi8((char)fx);
    long i = 0;
    for (; i + 17 <= count; i += 16) {
        __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(src + 2 * i)), low);
        __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(v, v), 0x08);
        _mm_storeu_si128((__m128i *)(dst + i), _mm_xor_si128(_mm256_castsi256_si128(packed), vx));
    }
    for (; i < count; i++) dst[i] = src[2 * i] ^ fx;
}

/// Copies `count` bytes read every `stride` bytes, flipped by fx, on the best path for `isa`
/// (a constant where inlined, so each im2col_row variant keeps only its own branch).
INLINE void gather_strided(const uint8_t *src, long count, long stride, uint8_t fx, const int isa, uint8_t *dst) {
    if (stride == 1) {
        for (long i = 0; i < count; i++) dst[i] = src[i] ^ fx;
    } else if (stride == 2 && isa >= 3) {
        gather2_avx512(src, count, fx, dst);
    } else if (stride == 2 && isa == 2) {
        gather2_avx2(src, count, fx, dst);
    } else {
        for (long i = 0; i < count; i++) dst[i] = src[i * stride] ^ fx;
    }
}

/// One im2col row (kernel tap (ch, ky, kx)) for output pixels [n0, n1): walks the output rows,
/// padding outside the image, a plain copy (stride 1) or a strided read inside it.
INLINE void im2col_row_body(const uint8_t *plane, long height, long width, long stride_h, long stride_w,
                            long offset_y, long offset_x, long out_w, long n0, long n1, uint8_t padded,
                            uint8_t fx, const int isa, uint8_t *dst) {
    long oy = n0 / out_w, ox = n0 % out_w;
    // Output columns whose input column is inside the image: lo <= o < hi (the same for every
    // output row, so computed once: divisions are slow next to the byte copies).
    long lo = offset_x >= 0 ? 0 : (-offset_x + stride_w - 1) / stride_w;
    long hi = width - offset_x <= 0 ? 0 : (width - offset_x + stride_w - 1) / stride_w;
    for (long p = n0; p < n1; oy++, ox = 0) {
        long run = min_long(out_w - ox, n1 - p);
        long iy = oy * stride_h + offset_y;
        if (iy < 0 || iy >= height) {
            memset(dst, padded, (size_t)run);
        } else {
            const uint8_t *row = plane + iy * width;
            // Pixels [ox, ox + run): ix = o * stride_w + offset_x.
            long a = ox, b = ox + run;
            long in0 = a > lo ? a : lo, in1 = b < hi ? b : hi;
            if (in1 < in0) in1 = in0 = b;
            long t = 0;
            for (long o = a; o < in0; o++) dst[t++] = padded;
            const uint8_t *src = row + in0 * stride_w + offset_x;
            long count = in1 - in0;
            gather_strided(src, count, stride_w, fx, isa, dst + t);
            t += count;
            for (long o = in1; o < b; o++) dst[t++] = padded;
        }
        dst += run;
        p += run;
    }
}

#define IM2COL_ROW_PARAMS                                                                          \
    const uint8_t *plane, long height, long width, long stride_h, long stride_w, long offset_y,    \
        long offset_x, long out_w, long n0, long n1, uint8_t padded, uint8_t fx, uint8_t *dst
#define IM2COL_ROW_ARGS plane, height, width, stride_h, stride_w, offset_y, offset_x, out_w, n0, n1, padded, fx

/// The row walk compiled once per instruction set, so the per-output-row copy is inlined (a
/// call per output row cost more than the copy itself on the small stride-2 layers).
static TVNNI void im2col_row_vnni(IM2COL_ROW_PARAMS) { im2col_row_body(IM2COL_ROW_ARGS, 3, dst); }
static T256 void im2col_row_avx2(IM2COL_ROW_PARAMS) { im2col_row_body(IM2COL_ROW_ARGS, 2, dst); }
static void im2col_row_generic(IM2COL_ROW_PARAMS) { im2col_row_body(IM2COL_ROW_ARGS, 1, dst); }

static void im2col_row(IM2COL_ROW_PARAMS, int isa) {
    if (isa >= 3) im2col_row_vnni(IM2COL_ROW_ARGS, dst);
    else if (isa == 2) im2col_row_avx2(IM2COL_ROW_ARGS, dst);
    else im2col_row_generic(IM2COL_ROW_ARGS, dst);
}

/// Interleaves four rows of 32 bytes into the packed [column][4 rows] layout (128 bytes).
static T256 void interleave4_avx2(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
                                  const uint8_t *r3, uint8_t *out) {
    __m256i a0 = _mm256_loadu_si256((const __m256i *)r0), a1 = _mm256_loadu_si256((const __m256i *)r1);
    __m256i a2 = _mm256_loadu_si256((const __m256i *)r2), a3 = _mm256_loadu_si256((const __m256i *)r3);
    __m256i lo01 = _mm256_unpacklo_epi8(a0, a1), hi01 = _mm256_unpackhi_epi8(a0, a1);
    __m256i lo23 = _mm256_unpacklo_epi8(a2, a3), hi23 = _mm256_unpackhi_epi8(a2, a3);
    __m256i A = _mm256_unpacklo_epi16(lo01, lo23), B = _mm256_unpackhi_epi16(lo01, lo23);
    __m256i C = _mm256_unpacklo_epi16(hi01, hi23), D = _mm256_unpackhi_epi16(hi01, hi23);
    _mm256_storeu_si256((__m256i *)out, _mm256_permute2x128_si256(A, B, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 32), _mm256_permute2x128_si256(C, D, 0x20));
    _mm256_storeu_si256((__m256i *)(out + 64), _mm256_permute2x128_si256(A, B, 0x31));
    _mm256_storeu_si256((__m256i *)(out + 96), _mm256_permute2x128_si256(C, D, 0x31));
}

static void interleave4_generic(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2,
                                const uint8_t *r3, uint8_t *out) {
    for (int j = 0; j < 32; j++) {
        out[j * 4] = r0[j];
        out[j * 4 + 1] = r1[j];
        out[j * 4 + 2] = r2[j];
        out[j * 4 + 3] = r3[j];
    }
}

size_t ck_qim2col_work_bytes(long rows, long n0, long n1) {
    return (size_t)((rows + 3) / 4 * 4 + 1) * (size_t)((n1 - n0 + QNR - 1) / QNR * QNR);
}

void ck_qim2col_pack(const uint8_t *x, long channels, long height, long width, long kernel_h,
                     long kernel_w, long stride_h, long stride_w, long dilation_h, long dilation_w,
                     long pad_top, long pad_left, long out_h, long out_w, long n0, long n1,
                     uint8_t pad, int flip, int dst_signed, uint8_t *dst, int32_t *col_sums,
                     uint8_t *work) {
    long total = out_h * out_w;
    if (n1 > total) n1 = total;
    if (n0 >= n1) return;
    long rows = channels * kernel_h * kernel_w;
    long kp = (rows + 3) / 4 * 4;
    long width_cols = (n1 - n0 + QNR - 1) / QNR * QNR;
    uint8_t fx = flip ? 0x80 : 0;
    uint8_t padded = pad ^ fx;
    // Row-major im2col of this column range first (rows of contiguous pixels, cheap to
    // write), then interleaved four rows at a time into the packed panels. Rows past `rows`
    // (k padded to a multiple of 4) and columns past n1 read zeros.
    int isa = ck_qisa();
    uint8_t *zero_row = work + kp * width_cols;
    memset(zero_row, 0, (size_t)width_cols);
    long r = 0;
    for (long ch = 0; ch < channels; ch++) {
        const uint8_t *plane = x + ch * height * width;
        for (long ky = 0; ky < kernel_h; ky++) {
            for (long kx = 0; kx < kernel_w; kx++, r++) {
                uint8_t *row = work + r * width_cols;
                im2col_row(plane, height, width, stride_h, stride_w, ky * dilation_h - pad_top,
                           kx * dilation_w - pad_left, out_w, n0, n1, padded, fx, row, isa);
                if (n1 - n0 < width_cols) memset(row + (n1 - n0), 0, (size_t)(width_cols - (n1 - n0)));
            }
        }
    }
    int fast = isa >= 2;
    for (long q = n0; q < n1; q += QNR) {
        uint8_t *panel = dst + ((q - n0) / QNR) * kp * QNR;
        long c0 = q - n0;
        for (long g = 0; g < kp; g += 4) {
            const uint8_t *src[4];
            for (int t = 0; t < 4; t++) src[t] = g + t < rows ? work + (g + t) * width_cols + c0 : zero_row;
            if (fast) interleave4_avx2(src[0], src[1], src[2], src[3], panel + g * QNR);
            else interleave4_generic(src[0], src[1], src[2], src[3], panel + g * QNR);
        }
    }
    if (col_sums) {
        for (long j = n0; j < n1; j++) col_sums[j] = 0;
        for (long rr = 0; rr < rows; rr++) {
            const uint8_t *row = work + rr * width_cols;
            for (long j = 0; j < n1 - n0; j++)
                col_sums[n0 + j] += dst_signed ? (int32_t)(int8_t)row[j] : (int32_t)row[j];
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The epilogue on an int32 tile in memory (portable and AVX2 paths).


#define QEPILOGUE_BODY                                                                             \
    for (int i = 0; i < mr; i++) {                                                                 \
        long r = row + i;                                                                          \
        int64_t za = zero_at(ep->row_zero, ep->row_zero_step, r);                                  \
        int64_t sa = ep->row_sums ? ep->row_sums[r] : 0;                                           \
        int64_t rb = ep->row_bias_i32 ? ep->row_bias_i32[r] : 0;                                   \
        float rs = ep->row_scale ? ep->row_scale[r] : 1.0f;                                        \
        float rbf = ep->row_bias ? ep->row_bias[r] : 0.0f;                                         \
        for (int j = 0; j < nr; j++) {                                                             \
            long cc = col + j;                                                                     \
            int64_t zb = zero_at(ep->col_zero, ep->col_zero_step, cc);                             \
            int64_t v = tile[i * QNR + j] + rb;                                                    \
            if (za) v -= za * (ep->col_sums ? ep->col_sums[cc] : 0);                               \
            if (zb) v -= zb * (sa - k * za);                                                       \
            if (ep->col_bias_i32) v += ep->col_bias_i32[cc];                                       \
            long at = (long)i * ldc + j;                                                           \
            if (ep->output == CK_QOUT_I32) {                                                       \
                ((int32_t *)c)[at] = (int32_t)v;                                                   \
                continue;                                                                          \
            }                                                                                      \
            float s = ep->scale * rs * (ep->col_scale ? ep->col_scale[cc] : 1.0f);                 \
            if (ep->output == CK_QOUT_F32) {                                                       \
                float f = (float)v * s + rbf + (ep->col_bias ? ep->col_bias[cc] : 0.0f);           \
                if (ep->accumulate) f += ((float *)c)[at];                                         \
                f = activate_scalar(ep->activation, f);                                            \
                f = f < ep->lo ? ep->lo : (f > ep->hi ? ep->hi : f);                               \
                ((float *)c)[at] = f;                                                              \
            } else if (ep->activation) {                                                           \
                float f = (float)v * s + rbf + (ep->col_bias ? ep->col_bias[cc] : 0.0f);           \
                f = nearbyintf(activate_scalar(ep->activation, f) * ep->out_scale) + (float)ep->out_zero; \
                f = f < (float)ep->qlo ? (float)ep->qlo : (f > (float)ep->qhi ? (float)ep->qhi : f); \
                ((uint8_t *)c)[at] = (uint8_t)(int32_t)f;                                          \
            } else if (ep->requant_single) {                                                       \
                float f = (float)v * s;                                                            \
                f = f + (rbf + (ep->col_bias ? ep->col_bias[cc] : 0.0f));                          \
                f = nearbyintf(f) + (float)ep->out_zero;                                           \
                f = f < (float)ep->qlo ? (float)ep->qlo : (f > (float)ep->qhi ? (float)ep->qhi : f); \
                ((uint8_t *)c)[at] = (uint8_t)(int32_t)f;                                          \
            } else {                                                                               \
                double d = (double)v * (double)s + (double)(rbf + (ep->col_bias ? ep->col_bias[cc] : 0.0f)); \
                d = nearbyint(d) + ep->out_zero;                                                   \
                d = d < ep->qlo ? ep->qlo : (d > ep->qhi ? ep->qhi : d);                           \
                ((uint8_t *)c)[at] = (uint8_t)(int32_t)d;                                          \
            }                                                                                      \
        }                                                                                          \
    }

#define QEPILOGUE_PARAMS                                                                           \
    const ck_qepilogue *ep, long k, const int32_t *tile, int mr, int nr, void *c, long ldc,        \
        long row, long col

static void qepilogue_generic(QEPILOGUE_PARAMS) { QEPILOGUE_BODY }
static T256 void qepilogue_avx2(QEPILOGUE_PARAMS) { QEPILOGUE_BODY }

// ---------------------------------------------------------------------------------------------
// Micro-kernels. Each computes an mr x QNR tile (mr <= QMR) over kg groups of 4 k, then applies
// the epilogue. `au`: the A operand is the u8 side (B the s8 side), else the reverse.

#define QMICRO_PARAMS                                                                              \
    int mr, int nr, int au, long k, const uint8_t *a, const uint8_t *b, const ck_qepilogue *ep,    \
        void *c, long ldc, long row, long col

typedef void (*qmicro_fn)(QMICRO_PARAMS);

static void qmicro_generic(QMICRO_PARAMS) {
    long kg = (k + 3) / 4;
    int32_t tile[QMR * QNR];
    memset(tile, 0, sizeof tile);
    for (long g = 0; g < kg; g++) {
        const uint8_t *ag = a + g * QMR * 4, *bg = b + g * QNR * 4;
        for (int i = 0; i < mr; i++) {
            for (int t = 0; t < 4; t++) {
                int32_t av = au ? (int32_t)ag[i * 4 + t] : (int32_t)(int8_t)ag[i * 4 + t];
                for (int j = 0; j < QNR; j++) {
                    int32_t bv = au ? (int32_t)(int8_t)bg[j * 4 + t] : (int32_t)bg[j * 4 + t];
                    tile[i * QNR + j] += av * bv;
                }
            }
        }
    }
    qepilogue_generic(ep, k, tile, mr, nr, c, ldc, row, col);
}

/// AVX2: per group, 8 columns at a time are two 16-byte loads (4 columns x 4 k each) widened to
/// int16; vpmaddwd against the row's 4 k (widened, repeated) gives per column two partial sums,
/// which one vphaddd per tile folds together.
INLINE T256 void qtile_avx2(const int au, int mr, long kg, const uint8_t *a, const uint8_t *b,
                            int32_t *tile) {
    for (int c8 = 0; c8 < QNR / 8; c8++) {
        for (int i0 = 0; i0 < mr; i0 += 4) {
            int rows = mr - i0 < 4 ? mr - i0 : 4;
            __m256i acc[4][2];
            for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
            for (long g = 0; g < kg; g++) {
                const uint8_t *bg = b + g * QNR * 4 + c8 * 32;
                __m128i raw0 = _mm_loadu_si128((const __m128i *)bg);
                __m128i raw1 = _mm_loadu_si128((const __m128i *)(bg + 16));
                __m256i b0 = au ? _mm256_cvtepi8_epi16(raw0) : _mm256_cvtepu8_epi16(raw0);
                __m256i b1 = au ? _mm256_cvtepi8_epi16(raw1) : _mm256_cvtepu8_epi16(raw1);
                const uint8_t *ag = a + g * QMR * 4 + i0 * 4;
                for (int i = 0; i < rows; i++) {
                    int32_t word;
                    memcpy(&word, ag + i * 4, 4);
                    __m128i rep = _mm_set1_epi32(word);
                    __m256i av = au ? _mm256_cvtepu8_epi16(rep) : _mm256_cvtepi8_epi16(rep);
                    acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(av, b0));
                    acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(av, b1));
                }
            }
            for (int i = 0; i < rows; i++) {
                __m256i sum = _mm256_hadd_epi32(acc[i][0], acc[i][1]);
                sum = _mm256_permute4x64_epi64(sum, 0xD8);
                _mm256_storeu_si256((__m256i *)(tile + (i0 + i) * QNR + c8 * 8), sum);
            }
        }
    }
}

static T256 void qmicro_avx2(QMICRO_PARAMS) {
    long kg = (k + 3) / 4;
    int32_t tile[QMR * QNR];
    if (au) qtile_avx2(1, mr, kg, a, b, tile);
    else qtile_avx2(0, mr, kg, a, b, tile);
    qepilogue_avx2(ep, k, tile, mr, nr, c, ldc, row, col);
}

// ---------------------------------------------------------------------------------------------
// AVX-512 VNNI: mr rows x 32 columns in 2 x mr zmm accumulators, one vpdpbusd per row and
// vector per group of 4 k; the epilogue runs on the accumulators in registers.

INLINE TVNNI __m512i dot4(const int au, __m512i acc, __m512i a, __m512i b) {
    return au ? _mm512_dpbusd_epi32(acc, a, b) : _mm512_dpbusd_epi32(acc, b, a);
}

INLINE TVNNI void qtile_vnni(const int mr, const int au, long kg, const uint8_t *a,
                             const uint8_t *b, __m512i acc[QMR][2]) {
    for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
    if (mr <= 2) {
        // Matrix-vector shapes: four independent accumulator sets hide vpdpbusd's latency.
        __m512i s[3][2][2];
        for (int u = 0; u < 3; u++)
            for (int i = 0; i < 2; i++) s[u][i][0] = s[u][i][1] = _mm512_setzero_si512();
        long g = 0;
        for (; g + 4 <= kg; g += 4) {
            for (int u = 0; u < 4; u++) {
                const uint8_t *bg = b + (g + u) * QNR * 4;
                __m512i b0 = _mm512_loadu_si512(bg), b1 = _mm512_loadu_si512(bg + 64);
                for (int i = 0; i < mr; i++) {
                    int32_t word;
                    memcpy(&word, a + (g + u) * QMR * 4 + i * 4, 4);
                    __m512i av = _mm512_set1_epi32(word);
                    if (u == 0) {
                        acc[i][0] = dot4(au, acc[i][0], av, b0);
                        acc[i][1] = dot4(au, acc[i][1], av, b1);
                    } else {
                        s[u - 1][i][0] = dot4(au, s[u - 1][i][0], av, b0);
                        s[u - 1][i][1] = dot4(au, s[u - 1][i][1], av, b1);
                    }
                }
            }
        }
        for (; g < kg; g++) {
            const uint8_t *bg = b + g * QNR * 4;
            __m512i b0 = _mm512_loadu_si512(bg), b1 = _mm512_loadu_si512(bg + 64);
            for (int i = 0; i < mr; i++) {
                int32_t word;
                memcpy(&word, a + g * QMR * 4 + i * 4, 4);
                __m512i av = _mm512_set1_epi32(word);
                acc[i][0] = dot4(au, acc[i][0], av, b0);
                acc[i][1] = dot4(au, acc[i][1], av, b1);
            }
        }
        for (int i = 0; i < mr; i++)
            for (int v = 0; v < 2; v++)
                acc[i][v] = _mm512_add_epi32(_mm512_add_epi32(acc[i][v], s[0][i][v]),
                                             _mm512_add_epi32(s[1][i][v], s[2][i][v]));
        return;
    }
    for (long g = 0; g < kg; g++) {
        const uint8_t *bg = b + g * QNR * 4;
        __m512i b0 = _mm512_loadu_si512(bg), b1 = _mm512_loadu_si512(bg + 64);
        const uint8_t *ag = a + g * QMR * 4;
        for (int i = 0; i < mr; i++) {
            int32_t word;
            memcpy(&word, ag + i * 4, 4);
            __m512i av = _mm512_set1_epi32(word);
            acc[i][0] = dot4(au, acc[i][0], av, b0);
            acc[i][1] = dot4(au, acc[i][1], av, b1);
        }
    }
}


#define QCASE(R)                                                                                   \
    case R:                                                                                        \
        if (au) qtile_vnni(R, 1, kg, a, b, acc); else qtile_vnni(R, 0, kg, a, b, acc);             \
        qstore_vnni(R, acc, ep, k, nr, c, ldc, row, col);                                          \
        break;

static TVNNI void qmicro_vnni(QMICRO_PARAMS) {
    long kg = (k + 3) / 4;
    __m512i acc[QMR][2];
    switch (mr) {
        QCASE(1) QCASE(2) QCASE(3) QCASE(4) QCASE(5) QCASE(6) QCASE(7) QCASE(8)
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

static int qisa_level = 0;
static qmicro_fn qmicro = qmicro_generic;

static int qcpu_level(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni"))
        return 3;
    if (__builtin_cpu_supports("avx2")) return 2;
#endif
    return 1;
}

int ck_set_qisa(int level) {
    int best = qcpu_level();
    if (level > best || level < 1) level = best;
    __atomic_store_n(&qmicro, level == 3 ? qmicro_vnni : (level == 2 ? qmicro_avx2 : qmicro_generic),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&qisa_level, level, __ATOMIC_RELEASE);
    return level;
}

int ck_qisa(void) {
    int level = __atomic_load_n(&qisa_level, __ATOMIC_ACQUIRE);
    return level ? level : ck_set_qisa(0);
}

static size_t qout_size(int output) {
    return output == CK_QOUT_I32 || output == CK_QOUT_F32 ? 4 : 1;
}

void ck_qgemm_packed(long m, long n, long k, const uint8_t *pa, const uint8_t *pb, int a_unsigned,
                     void *c, long ldc, const ck_qepilogue *ep, long m0, long m1, long n0, long n1) {
    ck_qisa();
    qmicro_fn kernel = __atomic_load_n(&qmicro, __ATOMIC_ACQUIRE);
    if (m1 > m) m1 = m;
    if (n1 > n) n1 = n;
    if (m0 >= m1 || n0 >= n1) return;
    long kp = (k + 3) / 4 * 4;
    size_t es = qout_size(ep->output);
    for (long q = n0; q < n1; q += QNR) {
        int nr = (int)min_long(n1 - q, QNR);
        const uint8_t *bp = pb + (q / QNR) * kp * QNR;
        for (long p = m0; p < m1; p += QMR) {
            int mr = (int)min_long(m1 - p, QMR);
            const uint8_t *ap = pa + (p / QMR) * kp * QMR;
            kernel(mr, nr, a_unsigned, k, ap, bp, ep, (char *)c + (p * ldc + q) * es, ldc, p, q);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quantize and dequantize runs of one scale and zero point.

static TVNNI void quantize_u8_avx512(const float *x, long n, float scale, int32_t zero, int32_t qlo,
                                 int32_t qhi, uint8_t *y) {
    qround r = qround_make(scale, zero, qlo, qhi);
    for (long i = 0; i < n; i += 16) {
        long left = n - i;
        __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        _mm_mask_storeu_epi8(y + i, m, _mm512_cvtepi32_epi8(qround16(&r, x + i, m)));
    }
}

void ck_quantize(const float *x, long n, float scale, int32_t zero, int32_t qlo, int32_t qhi,
                 int out_bytes, void *y) {
    if (out_bytes == 1 && ck_qisa() == 3) {
        quantize_u8_avx512(x, n, scale, zero, qlo, qhi, (uint8_t *)y);
        return;
    }
    for (long i = 0; i < n; i++) {
        float q = nearbyintf(x[i] / scale);
        // Saturate in float first: a huge or infinite value must not overflow the int cast.
        float lo = (float)qlo - (float)zero, hi = (float)qhi - (float)zero;
        q = q < lo ? lo : (q > hi ? hi : q);
        int32_t v = (int32_t)q + zero;
        if (x[i] != x[i]) v = zero;
        if (out_bytes == 1) ((uint8_t *)y)[i] = (uint8_t)v;
        else ((uint16_t *)y)[i] = (uint16_t)v;
    }
}

void ck_dequantize(const void *x, long n, int in_kind, float scale, int32_t zero, float *y) {
    switch (in_kind) {
    case CK_QIN_U8:
        for (long i = 0; i < n; i++) y[i] = (float)((int32_t)((const uint8_t *)x)[i] - zero) * scale;
        break;
    case CK_QIN_S8:
        for (long i = 0; i < n; i++) y[i] = (float)((int32_t)((const int8_t *)x)[i] - zero) * scale;
        break;
    case CK_QIN_U16:
        for (long i = 0; i < n; i++) y[i] = (float)((int32_t)((const uint16_t *)x)[i] - zero) * scale;
        break;
    case CK_QIN_S16:
        for (long i = 0; i < n; i++) y[i] = (float)((int32_t)((const int16_t *)x)[i] - zero) * scale;
        break;
    default:
        // int32 (a quantized bias): converted before subtracting, as ONNX's reference does.
        for (long i = 0; i < n; i++) y[i] = ((float)((const int32_t *)x)[i] - (float)zero) * scale;
        break;
    }
}
