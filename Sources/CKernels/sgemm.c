// Cache-blocked single-precision GEMM on packed operands, with AVX-512, AVX2+FMA and portable
// micro-kernels chosen once at run time. Packing formats are shared by all three.

#include "CKernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "activations.h"

#define T512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))
#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

// Depth of one K block: a B sub-panel of KC x CK_NR floats (32 KB) stays in L1 while the
// A panels stream from L2.
#define KC 256

typedef void (*micro_fn)(int mr, int nr, long kc, const float *a, const float *b, float *c,
                         long ldc, float alpha, const ck_epilogue *ep, int first, int last,
                         long row, long col);

size_t ck_packed_a_count(long m, long k) { return (size_t)((m + CK_MR - 1) / CK_MR) * CK_MR * (size_t)k; }
size_t ck_packed_b_count(long k, long n) { return (size_t)((n + CK_NR - 1) / CK_NR) * CK_NR * (size_t)k; }

void ck_pack_a(long m, long k, const float *a, long rs, long cs, float *dst) {
    for (long p = 0; p < m; p += CK_MR) {
        long rows = m - p < CK_MR ? m - p : CK_MR;
        float *panel = dst + (p / CK_MR) * k * CK_MR;
        for (long kk = 0; kk < k; kk++) {
            float *out = panel + kk * CK_MR;
            long i = 0;
            for (; i < rows; i++) out[i] = a[(p + i) * rs + kk * cs];
            for (; i < CK_MR; i++) out[i] = 0;
        }
    }
}

void ck_pack_b(long k, long n, const float *b, long rs, long cs, long n0, long n1, float *dst) {
    if (n1 > n) n1 = n;
    for (long q = n0; q < n1; q += CK_NR) {
        long cols = n1 - q < CK_NR ? n1 - q : CK_NR;
        float *panel = dst + ((q - n0) / CK_NR) * k * CK_NR;
        if (cs == 1) {
            for (long kk = 0; kk < k; kk++) {
                float *out = panel + kk * CK_NR;
                memcpy(out, b + kk * rs + q, (size_t)cols * sizeof(float));
                for (long j = cols; j < CK_NR; j++) out[j] = 0;
            }
        } else {
            // Transposed source: walk each column contiguously, scatter into the panel.
            for (long j = 0; j < CK_NR; j++) {
                if (j < cols) {
                    const float *src = b + (q + j) * cs;
                    for (long kk = 0; kk < k; kk++) panel[kk * CK_NR + j] = src[kk * rs];
                } else {
                    for (long kk = 0; kk < k; kk++) panel[kk * CK_NR + j] = 0;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// im2col straight into packed B panels. The body is shared by every ISA; the compiler
// vectorizes the per-pixel loop for each target.

#define IM2COL_BODY                                                                                \
    long total = out_h * out_w;                                                                    \
    if (n1 > total) n1 = total;                                                                    \
    long rows = channels * kernel_h * kernel_w;                                                    \
    for (long q = n0; q < n1; q += CK_NR) {                                                        \
        float *panel = dst + ((q - n0) / CK_NR) * rows * CK_NR;                                    \
        long cnt = n1 - q < CK_NR ? n1 - q : CK_NR;                                                \
        long iy0[CK_NR], ix0[CK_NR];                                                               \
        for (long j = 0; j < CK_NR; j++) {                                                         \
            long pix = q + (j < cnt ? j : 0);                                                      \
            iy0[j] = (pix / out_w) * stride_h - pad_top;                                           \
            ix0[j] = (pix % out_w) * stride_w - pad_left;                                          \
        }                                                                                          \
        long r = 0;                                                                                \
        for (long ch = 0; ch < channels; ch++) {                                                   \
            const float *plane = x + ch * height * width;                                          \
            for (long ky = 0; ky < kernel_h; ky++) {                                               \
                for (long kx = 0; kx < kernel_w; kx++, r++) {                                      \
                    float *row = panel + r * CK_NR;                                                \
                    long dy = ky * dilation_h, dx = kx * dilation_w;                               \
                    for (long j = 0; j < CK_NR; j++) {                                             \
                        long iy = iy0[j] + dy, ix = ix0[j] + dx;                                   \
                        int inside = j < cnt && iy >= 0 && iy < height && ix >= 0 && ix < width;   \
                        row[j] = inside ? plane[iy * width + ix] : 0.0f;                           \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#define IM2COL_PARAMS                                                                              \
    const float *x, long channels, long height, long width, long kernel_h, long kernel_w,          \
        long stride_h, long stride_w, long dilation_h, long dilation_w, long pad_top,              \
        long pad_left, long out_h, long out_w, long n0, long n1, float *dst

static void im2col_generic(IM2COL_PARAMS) { IM2COL_BODY }
static T256 void im2col_avx2(IM2COL_PARAMS) { IM2COL_BODY }

/// AVX-512: each row of a panel is two masked gathers of 16 pixels; the per-pixel input
/// coordinates are computed once per panel and shifted per kernel tap.
static T512 void im2col_avx512(IM2COL_PARAMS) {
    long total = out_h * out_w;
    if (n1 > total) n1 = total;
    if (height * width >= 0x7FFFFFFF) {
        im2col_generic(x, channels, height, width, kernel_h, kernel_w, stride_h, stride_w,
                       dilation_h, dilation_w, pad_top, pad_left, out_h, out_w, n0, n1, dst);
        return;
    }
    long rows = channels * kernel_h * kernel_w;
    const __m512i zero = _mm512_setzero_si512();
    const __m512i vh = _mm512_set1_epi32((int)height), vw = _mm512_set1_epi32((int)width);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (long q = n0; q < n1; q += CK_NR) {
        float *panel = dst + ((q - n0) / CK_NR) * rows * CK_NR;
        long cnt = n1 - q < CK_NR ? n1 - q : CK_NR;
        __m512i iy0[2], ix0[2];
        __mmask16 live[2];
        // A vector whose 16 pixels lie in one output row reads one input row segment per tap:
        // plain loads (stride 1) or two loads and one permute (stride 2) instead of a gather,
        // when the segment is inside the image. row_y / row_x: the first pixel's input origin.
        int in_row[2];
        long row_y[2], row_x[2];
        for (int v = 0; v < 2; v++) {
            long first = q + v * 16;
            in_row[v] = (stride_w == 1 || stride_w == 2) && first + 15 < n1 && first % out_w + 15 < out_w;
            row_y[v] = (first / out_w) * stride_h - pad_top;
            row_x[v] = (first % out_w) * stride_w - pad_left;
        }
        const __m512i evens = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        for (int v = 0; v < 2; v++) {
            int32_t ys[16], xs[16];
            for (int j = 0; j < 16; j++) {
                long pix = q + v * 16 + j;
                if (pix >= n1) pix = q;
                ys[j] = (int32_t)((pix / out_w) * stride_h - pad_top);
                xs[j] = (int32_t)((pix % out_w) * stride_w - pad_left);
            }
            iy0[v] = _mm512_loadu_si512(ys);
            ix0[v] = _mm512_loadu_si512(xs);
            __m512i index = _mm512_add_epi32(lane, _mm512_set1_epi32(v * 16));
            live[v] = _mm512_cmplt_epi32_mask(index, _mm512_set1_epi32((int)cnt));
        }
        long r = 0;
        for (long ch = 0; ch < channels; ch++) {
            const float *plane = x + ch * height * width;
            for (long ky = 0; ky < kernel_h; ky++) {
                __m512i dy = _mm512_set1_epi32((int)(ky * dilation_h));
                for (long kx = 0; kx < kernel_w; kx++, r++) {
                    __m512i dx = _mm512_set1_epi32((int)(kx * dilation_w));
                    float *row = panel + r * CK_NR;
                    for (int v = 0; v < 2; v++) {
                        if (in_row[v]) {
                            long iy = row_y[v] + ky * dilation_h, ix = row_x[v] + kx * dilation_w;
                            if (iy >= 0 && iy < height && ix >= 0 && ix + 15 * stride_w < width) {
                                const float *src = plane + iy * width + ix;
                                __m512 values;
                                if (stride_w == 1) {
                                    values = _mm512_loadu_ps(src);
                                } else {
                                    // Elements 0, 2, ..., 30 of src; element 31 is never read.
                                    __m512 lo = _mm512_loadu_ps(src);
                                    __m512 hi = _mm512_maskz_loadu_ps((__mmask16)0x7FFF, src + 16);
                                    values = _mm512_permutex2var_ps(lo, evens, hi);
                                }
                                _mm512_storeu_ps(row + v * 16, values);
                                continue;
                            }
                        }
                        __m512i iy = _mm512_add_epi32(iy0[v], dy), ix = _mm512_add_epi32(ix0[v], dx);
                        __mmask16 inside = live[v] & _mm512_cmpge_epi32_mask(iy, zero) &
                                           _mm512_cmplt_epi32_mask(iy, vh) &
                                           _mm512_cmpge_epi32_mask(ix, zero) &
                                           _mm512_cmplt_epi32_mask(ix, vw);
                        __m512i offset = _mm512_add_epi32(_mm512_mullo_epi32(iy, vw), ix);
                        __m512 values = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), inside, offset, plane, 4);
                        _mm512_storeu_ps(row + v * 16, values);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Portable and AVX2 micro-kernels: plain C on 4-row x 16-column sub-tiles, which fits the 16
// vector registers of AVX2 and vectorizes everywhere.

#define SUB_M 4
#define SUB_N 16

#define GENERIC_MICRO_BODY                                                                         \
    for (int i0 = 0; i0 < mr; i0 += SUB_M) {                                                       \
        for (int j0 = 0; j0 < nr; j0 += SUB_N) {                                                   \
            float acc[SUB_M][SUB_N];                                                               \
            for (int i = 0; i < SUB_M; i++)                                                        \
                for (int j = 0; j < SUB_N; j++) acc[i][j] = 0;                                     \
            for (long kk = 0; kk < kc; kk++) {                                                     \
                const float *bk = b + kk * CK_NR + j0;                                             \
                const float *ak = a + kk * CK_MR + i0;                                             \
                for (int i = 0; i < SUB_M; i++)                                                    \
                    for (int j = 0; j < SUB_N; j++) acc[i][j] += ak[i] * bk[j];                    \
            }                                                                                      \
            for (int i = 0; i < SUB_M && i0 + i < mr; i++) {                                       \
                float *crow = c + (long)(i0 + i) * ldc;                                            \
                float rb = (last && ep->row_bias) ? ep->row_bias[row + i0 + i] : 0.0f;             \
                for (int j = 0; j < SUB_N && j0 + j < nr; j++) {                                   \
                    float v = alpha * acc[i][j];                                                   \
                    if (!first || ep->accumulate) v += crow[j0 + j];                               \
                    if (last) {                                                                    \
                        v += rb;                                                                   \
                        if (ep->col_bias) v += ep->col_bias[col + j0 + j];                         \
                        if (ep->activation == CK_ACT_TANH) v = tanhf(v);                           \
                        else if (ep->activation == CK_ACT_GELU)                                    \
                            v = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));                \
                        v = v < ep->lo ? ep->lo : (v > ep->hi ? ep->hi : v);                       \
                    }                                                                              \
                    crow[j0 + j] = v;                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

#define MICRO_PARAMS                                                                               \
    int mr, int nr, long kc, const float *a, const float *b, float *c, long ldc, float alpha,      \
        const ck_epilogue *ep, int first, int last, long row, long col

static void micro_generic(MICRO_PARAMS) { GENERIC_MICRO_BODY }
static T256 void micro_avx2(MICRO_PARAMS) { GENERIC_MICRO_BODY }

// ---------------------------------------------------------------------------------------------
// AVX-512 micro-kernel: up to 8 rows x 2 vectors of 16 columns, A broadcast from the packed
// panel. Specialised per row count so the accumulators live in registers.

INLINE T512 void store512(int mr, int nv, __m512 acc[CK_MR][2], float *c, long ldc, int nr,
                          float alpha, const ck_epilogue *ep, int first, int last, long row,
                          long col) {
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : (nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0);
    __m512 valpha = _mm512_set1_ps(alpha);
    int load_c = !first || ep->accumulate;
    __m512 cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
    if (last && ep->col_bias) {
        cb0 = _mm512_maskz_loadu_ps(m0, ep->col_bias + col);
        if (nv > 1) cb1 = _mm512_maskz_loadu_ps(m1, ep->col_bias + col + 16);
    }
    __m512 lo = _mm512_set1_ps(ep->lo), hi = _mm512_set1_ps(ep->hi);
    for (int i = 0; i < mr; i++) {
        float *crow = c + i * ldc;
        __m512 v0 = alpha == 1.0f ? acc[i][0] : _mm512_mul_ps(acc[i][0], valpha);
        __m512 v1 = alpha == 1.0f ? acc[i][1] : _mm512_mul_ps(acc[i][1], valpha);
        if (load_c) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, crow));
            if (nv > 1) v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, crow + 16));
        }
        if (last) {
            if (ep->row_bias) {
                __m512 rb = _mm512_set1_ps(ep->row_bias[row + i]);
                v0 = _mm512_add_ps(v0, rb);
                v1 = _mm512_add_ps(v1, rb);
            }
            v0 = _mm512_add_ps(v0, cb0);
            v1 = _mm512_add_ps(v1, cb1);
            if (ep->activation) {
                v0 = activate512(ep->activation, v0);
                if (nv > 1) v1 = activate512(ep->activation, v1);
            }
            v0 = _mm512_min_ps(_mm512_max_ps(v0, lo), hi);
            v1 = _mm512_min_ps(_mm512_max_ps(v1, lo), hi);
        }
        _mm512_mask_storeu_ps(crow, m0, v0);
        if (nv > 1) _mm512_mask_storeu_ps(crow + 16, m1, v1);
    }
}

/// Rows 3..8: one accumulator pair per row, enough independent chains to hide FMA latency.
INLINE T512 void tile512(const int mr, const int nv, long kc, const float *a, const float *b,
                         __m512 acc[CK_MR][2]) {
    for (int i = 0; i < mr; i++) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
    for (long kk = 0; kk < kc; kk++) {
        __m512 b0 = _mm512_loadu_ps(b + kk * CK_NR);
        __m512 b1 = nv > 1 ? _mm512_loadu_ps(b + kk * CK_NR + 16) : b0;
        for (int i = 0; i < mr; i++) {
            __m512 ai = _mm512_set1_ps(a[kk * CK_MR + i]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            if (nv > 1) acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
}

/// Rows 1..2 (matrix-vector products): K unrolled by 4 into separate accumulators so the FMA
/// chains do not serialise on latency.
INLINE T512 void thin512(const int mr, const int nv, long kc, const float *a, const float *b,
                         __m512 acc[CK_MR][2]) {
    __m512 s[4][2][2];
    for (int u = 0; u < 4; u++)
        for (int i = 0; i < 2; i++) s[u][i][0] = s[u][i][1] = _mm512_setzero_ps();
    long kk = 0;
    for (; kk + 4 <= kc; kk += 4) {
        for (int u = 0; u < 4; u++) {
            const float *bk = b + (kk + u) * CK_NR;
            __m512 b0 = _mm512_loadu_ps(bk);
            __m512 b1 = nv > 1 ? _mm512_loadu_ps(bk + 16) : b0;
            for (int i = 0; i < mr; i++) {
                __m512 ai = _mm512_set1_ps(a[(kk + u) * CK_MR + i]);
                s[u][i][0] = _mm512_fmadd_ps(ai, b0, s[u][i][0]);
                if (nv > 1) s[u][i][1] = _mm512_fmadd_ps(ai, b1, s[u][i][1]);
            }
        }
    }
    for (; kk < kc; kk++) {
        const float *bk = b + kk * CK_NR;
        __m512 b0 = _mm512_loadu_ps(bk);
        __m512 b1 = nv > 1 ? _mm512_loadu_ps(bk + 16) : b0;
        for (int i = 0; i < mr; i++) {
            __m512 ai = _mm512_set1_ps(a[kk * CK_MR + i]);
            s[0][i][0] = _mm512_fmadd_ps(ai, b0, s[0][i][0]);
            if (nv > 1) s[0][i][1] = _mm512_fmadd_ps(ai, b1, s[0][i][1]);
        }
    }
    for (int i = 0; i < mr; i++) {
        for (int v = 0; v < 2; v++)
            acc[i][v] = _mm512_add_ps(_mm512_add_ps(s[0][i][v], s[1][i][v]),
                                      _mm512_add_ps(s[2][i][v], s[3][i][v]));
    }
}

#define CASE512(R, NV)                                                                             \
    case R:                                                                                        \
        if (R <= 2) thin512(R, NV, kc, a, b, acc); else tile512(R, NV, kc, a, b, acc);             \
        store512(R, NV, acc, c, ldc, nr, alpha, ep, first, last, row, col);                        \
        break;

static T512 void micro_avx512(MICRO_PARAMS) {
    __m512 acc[CK_MR][2];
    if (nr > 16) {
        switch (mr) {
            CASE512(1, 2) CASE512(2, 2) CASE512(3, 2) CASE512(4, 2)
            CASE512(5, 2) CASE512(6, 2) CASE512(7, 2) CASE512(8, 2)
        }
    } else {
        switch (mr) {
            CASE512(1, 1) CASE512(2, 1) CASE512(3, 1) CASE512(4, 1)
            CASE512(5, 1) CASE512(6, 1) CASE512(7, 1) CASE512(8, 1)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch.

typedef void (*im2col_fn)(IM2COL_PARAMS);

static int isa_level = 0;
static micro_fn micro = micro_generic;
static im2col_fn im2col = im2col_generic;

static int cpu_level(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
#endif
    return 1;
}

int ck_set_isa(int level) {
    int best = cpu_level();
    if (level > best || level < 1) level = best;
    __atomic_store_n(&micro, level == 3 ? micro_avx512 : (level == 2 ? micro_avx2 : micro_generic),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&im2col, level == 3 ? im2col_avx512 : (level == 2 ? im2col_avx2 : im2col_generic),
                     __ATOMIC_RELEASE);
    __atomic_store_n(&isa_level, level, __ATOMIC_RELEASE);
    return level;
}

int ck_isa(void) {
    int level = __atomic_load_n(&isa_level, __ATOMIC_ACQUIRE);
    return level ? level : ck_set_isa(0);
}

void ck_im2col_pack(IM2COL_PARAMS) {
    ck_isa();
    im2col_fn f = __atomic_load_n(&im2col, __ATOMIC_ACQUIRE);
    f(x, channels, height, width, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
           dilation_w, pad_top, pad_left, out_h, out_w, n0, n1, dst);
}

void ck_gemm_packed(long m, long n, long k, const float *pa, const float *pb, float *c, long ldc,
                    float alpha, const ck_epilogue *ep, long m0, long m1, long n0, long n1) {
    ck_isa();
    micro_fn kernel = __atomic_load_n(&micro, __ATOMIC_ACQUIRE);
    if (m1 > m) m1 = m;
    if (n1 > n) n1 = n;
    if (m0 >= m1 || n0 >= n1) return;
    if (k == 0) {
        // An empty sum: only the epilogue applies.
        for (long i = m0; i < m1; i++) {
            for (long j = n0; j < n1; j++) {
                float v = ep->accumulate ? c[i * ldc + j] : 0.0f;
                if (ep->row_bias) v += ep->row_bias[i];
                if (ep->col_bias) v += ep->col_bias[j];
                if (ep->activation == CK_ACT_TANH) v = tanhf(v);
                else if (ep->activation == CK_ACT_GELU) v = 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
                c[i * ldc + j] = v < ep->lo ? ep->lo : (v > ep->hi ? ep->hi : v);
            }
        }
        return;
    }
    long blocks = (k + KC - 1) / KC;
    long kc = (k + blocks - 1) / blocks;
    for (long pc = 0; pc < k; pc += kc) {
        long kcur = k - pc < kc ? k - pc : kc;
        int first = pc == 0, last = pc + kcur == k;
        for (long q = n0; q < n1; q += CK_NR) {
            int nr = (int)(n1 - q < CK_NR ? n1 - q : CK_NR);
            const float *bp = pb + (q / CK_NR) * k * CK_NR + pc * CK_NR;
            for (long p = m0; p < m1; p += CK_MR) {
                int mr = (int)(m1 - p < CK_MR ? m1 - p : CK_MR);
                const float *ap = pa + (p / CK_MR) * k * CK_MR + pc * CK_MR;
                kernel(mr, nr, kcur, ap, bp, c + p * ldc + q, ldc, alpha, ep, first, last, p, q);
            }
        }
    }
}

void ck_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
}
