// The integer GEMM's epilogue on AVX-512 VNNI accumulators in registers, shared by the packed
// GEMM (qgemm.c) and the channels-last convolution (qconv.c), so both round and saturate in
// exactly one way (internal to CKernels).
#ifndef CKERNELS_QSTORE_H
#define CKERNELS_QSTORE_H

#include "CKernels.h"
#include <immintrin.h>
#include <string.h>

#include "activations.h"

#ifndef TVNNI
#define TVNNI __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx512vnni")))
#endif
#ifndef INLINE
#define INLINE static inline __attribute__((always_inline))
#endif

INLINE int32_t zero_at(const int32_t *zero, long step, long index) {
    return zero ? zero[index * step] : 0;
}

INLINE TVNNI __m512i load_zero_vec(const int32_t *zero, long step, long col, __mmask16 m) {
    if (!zero) return _mm512_setzero_si512();
    if (step == 0) return _mm512_set1_epi32(zero[0]);
    return _mm512_maskz_loadu_epi32(m, zero + col);
}

INLINE TVNNI void qstore_vnni(const int mr, __m512i acc[CK_QMR][2], const ck_qepilogue *ep, long k,
                              int nr, void *c, long ldc, long row, long col) {
    __mmask16 mask[2];
    mask[0] = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    mask[1] = nr >= 32 ? (__mmask16)0xFFFF : (nr > 16 ? (__mmask16)((1u << (nr - 16)) - 1) : 0);
    __m512i colsum[2], zb[2], cbias[2];
    __m512 cscale[2], cbf[2];
    for (int v = 0; v < 2; v++) {
        long cv = col + v * 16;
        colsum[v] = ep->col_sums ? _mm512_maskz_loadu_epi32(mask[v], ep->col_sums + cv) : _mm512_setzero_si512();
        zb[v] = load_zero_vec(ep->col_zero, ep->col_zero_step, cv, mask[v]);
        cbias[v] = ep->col_bias_i32 ? _mm512_maskz_loadu_epi32(mask[v], ep->col_bias_i32 + cv) : _mm512_setzero_si512();
        cscale[v] = ep->col_scale ? _mm512_maskz_loadu_ps(mask[v], ep->col_scale + cv) : _mm512_set1_ps(1.0f);
        cscale[v] = _mm512_mul_ps(cscale[v], _mm512_set1_ps(ep->scale));
        cbf[v] = ep->col_bias ? _mm512_maskz_loadu_ps(mask[v], ep->col_bias + cv) : _mm512_setzero_ps();
    }
    int has_za = ep->row_zero != NULL, has_zb = ep->col_zero != NULL;
    // 8-bit output: scale and bias per column in double, hoisted when nothing varies per row.
    int per_column = !ep->row_scale && !ep->row_bias;
    __m512d sd_col[2][2], bd_col[2][2];
    __m512d lo_d = _mm512_set1_pd((double)ep->qlo - (double)ep->out_zero);
    __m512d hi_d = _mm512_set1_pd((double)ep->qhi - (double)ep->out_zero);
    __m512i zp_i = _mm512_set1_epi32(ep->out_zero);
    __m512 lo_f = _mm512_set1_ps((float)ep->qlo - (float)ep->out_zero);
    __m512 hi_f = _mm512_set1_ps((float)ep->qhi - (float)ep->out_zero);
    for (int v = 0; v < 2 && ep->output == CK_QOUT_I8 && !ep->requant_single; v++) {
        sd_col[v][0] = _mm512_cvtps_pd(_mm512_castps512_ps256(cscale[v]));
        sd_col[v][1] = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(cscale[v]), 1)));
        __m512 fb = _mm512_add_ps(cbf[v], _mm512_set1_ps(0.0f));
        bd_col[v][0] = _mm512_cvtps_pd(_mm512_castps512_ps256(fb));
        bd_col[v][1] = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(fb), 1)));
    }
    // One zero point for every row and no integer row bias (the channels-last convolution,
    // a matrix product with a per-tensor activation zero point): the whole integer correction
    // is one vector per column, added per row (same int32 arithmetic, so the same result).
    int uniform_rows = ep->row_zero_step == 0 && !ep->row_bias_i32;
    __m512i corr[2];
    for (int v = 0; v < 2 && uniform_rows; v++) {
        int32_t za0 = zero_at(ep->row_zero, 0, 0);
        corr[v] = _mm512_sub_epi32(cbias[v], _mm512_mullo_epi32(_mm512_set1_epi32(za0), colsum[v]));
    }
    for (int i = 0; i < mr; i++) {
        long r = row + i;
        int32_t za = zero_at(ep->row_zero, ep->row_zero_step, r);
        int32_t sa = ep->row_sums ? ep->row_sums[r] : 0;
        int32_t rb = ep->row_bias_i32 ? ep->row_bias_i32[r] : 0;
        float rs = ep->row_scale ? ep->row_scale[r] : 1.0f;
        float rbf = ep->row_bias ? ep->row_bias[r] : 0.0f;
        for (int v = 0; v < 2; v++) {
            if (!mask[v]) continue;
            __m512i x;
            if (uniform_rows) {
                x = _mm512_add_epi32(acc[i][v], corr[v]);
            } else {
                x = _mm512_add_epi32(acc[i][v], _mm512_add_epi32(cbias[v], _mm512_set1_epi32(rb)));
                if (has_za && za) x = _mm512_sub_epi32(x, _mm512_mullo_epi32(_mm512_set1_epi32(za), colsum[v]));
            }
            if (has_zb) x = _mm512_sub_epi32(x, _mm512_mullo_epi32(zb[v], _mm512_set1_epi32((int32_t)(sa - k * za))));
            long at = (long)i * ldc + v * 16;
            if (ep->output == CK_QOUT_I32) {
                _mm512_mask_storeu_epi32((int32_t *)c + at, mask[v], x);
                continue;
            }
            __m512 s = ep->row_scale ? _mm512_mul_ps(cscale[v], _mm512_set1_ps(rs)) : cscale[v];
            if (ep->output == CK_QOUT_F32) {
                __m512 f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(x), s, _mm512_add_ps(cbf[v], _mm512_set1_ps(rbf)));
                if (ep->accumulate) f = _mm512_add_ps(f, _mm512_maskz_loadu_ps(mask[v], (float *)c + at));
                if (ep->activation) f = activate512(ep->activation, f);
                f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps(ep->lo)), _mm512_set1_ps(ep->hi));
                _mm512_mask_storeu_ps((float *)c + at, mask[v], f);
                continue;
            }
            if (ep->activation) {
                __m512 f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(x), s, _mm512_add_ps(cbf[v], _mm512_set1_ps(rbf)));
                f = _mm512_mul_ps(activate512(ep->activation, f), _mm512_set1_ps(ep->out_scale));
                f = _mm512_roundscale_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                f = _mm512_add_ps(f, _mm512_set1_ps((float)ep->out_zero));
                f = _mm512_min_ps(_mm512_max_ps(f, _mm512_set1_ps((float)ep->qlo)), _mm512_set1_ps((float)ep->qhi));
                _mm_mask_storeu_epi8((uint8_t *)c + at, mask[v], _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(f)));
                continue;
            }
            if (ep->requant_single) {
                // Requantized in float32 (see ck_qepilogue.requant_single): the product and the
                // sum rounded separately, as the portable path does, so all paths agree.
                __m512 fb = per_column ? cbf[v] : _mm512_add_ps(cbf[v], _mm512_set1_ps(rbf));
                __m512 f = _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(x), s), fb);
                f = _mm512_min_ps(_mm512_max_ps(f, lo_f), hi_f);
                __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(f), zp_i);
                _mm_mask_storeu_epi8((uint8_t *)c + at, mask[v], _mm512_cvtepi32_epi8(q));
                continue;
            }
            // Requantized: rounded in double, as ONNX's reference (int32 * float32 -> float64);
            // a float bias (a fused QDQ graph's, already divided by the output scale) is added there.
            // Clamping to [qlo - zero, qhi - zero] before rounding equals clamping after it (the
            // bounds are integers), so one conversion with round-to-nearest-even does the rest.
            __m512d sd[2], bd[2];
            if (per_column) {
                sd[0] = sd_col[v][0], sd[1] = sd_col[v][1], bd[0] = bd_col[v][0], bd[1] = bd_col[v][1];
            } else {
                __m512 fb = _mm512_add_ps(cbf[v], _mm512_set1_ps(rbf));
                sd[0] = _mm512_cvtps_pd(_mm512_castps512_ps256(s));
                sd[1] = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s), 1)));
                bd[0] = _mm512_cvtps_pd(_mm512_castps512_ps256(fb));
                bd[1] = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(fb), 1)));
            }
            __m256i q0 = _mm512_cvt_roundpd_epi32(
                _mm512_min_pd(_mm512_max_pd(_mm512_fmadd_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(x)), sd[0], bd[0]), lo_d), hi_d),
                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __m256i q1 = _mm512_cvt_roundpd_epi32(
                _mm512_min_pd(_mm512_max_pd(_mm512_fmadd_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(x, 1)), sd[1], bd[1]), lo_d), hi_d),
                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            __m512i out32 = _mm512_add_epi32(_mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1), zp_i);
            _mm_mask_storeu_epi8((uint8_t *)c + at, mask[v], _mm512_cvtepi32_epi8(out32));
        }
    }
}

#endif
