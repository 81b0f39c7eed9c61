// QuantizeLinear's rounding on sixteen floats at a time (AVX-512), shared by the flat and the
// channels-last quantizers (qgemm.c, qconv.c), internal to CKernels.
#ifndef CKERNELS_QROUND_H
#define CKERNELS_QROUND_H

#include <immintrin.h>
#include <math.h>

#ifndef TVNNI
#define TVNNI __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx512vnni")))
#endif
#ifndef INLINE
#define INLINE static inline __attribute__((always_inline))
#endif

/// y = clamp(round_half_even(x / scale) + zero, qlo, qhi), NaN -> zero, as ck_quantize.
typedef struct qround {
    __m512 scale, inv, bound, lo, hi;
    __m512i zero;
    /// x / scale without a division (see qround16); needs the remainder to stay a normal
    /// float near every half step (scale >= 2^-96, so that |remainder| >= 2^-122 there), a
    /// normal reciprocal and a finite bound.
    int division_free;
} qround;

INLINE TVNNI qround qround_make(float scale, int32_t zero, int32_t qlo, int32_t qhi) {
    qround r;
    float lo = (float)qlo - (float)zero, hi = (float)qhi - (float)zero;
    r.scale = _mm512_set1_ps(scale);
    r.inv = _mm512_set1_ps(1.0f / scale);
    // |x| >= 512 * scale saturates (|x / scale| >= 512 lies beyond [lo, hi]), so x is clamped there: x * inv then stays finite, and an infinite x
    // saturates instead of making the remainder below inf - inf.
    r.bound = _mm512_set1_ps(512.0f * scale);
    r.zero = _mm512_set1_epi32(zero);
    r.lo = _mm512_set1_ps(lo);
    r.hi = _mm512_set1_ps(hi);
    r.division_free = fabsf(scale) >= 0x1p-96f && isnormal(1.0f / scale) && isfinite(512.0f * scale) && fabsf(lo) < 512 &&
                      fabsf(hi) < 512;
    return r;
}

/// x / scale for sixteen floats, with |x| clamped at 512 * scale (beyond it everything
/// saturates) so that the quotient stays within +-512 and finite; NaN stays NaN. Without a
/// division: q = x * inv, then one Newton step on the exact remainder (Markstein: with inv
/// correctly rounded, fma(x - q * scale, inv, q) is the correctly rounded quotient, the value
/// the division gives; checked against vdivps on 3.2e9 values, half steps included). A
/// division took most of a quantizer's time.
INLINE TVNNI __m512 qround_quotient(const qround *r, __m512 v) {
    // vrangeps 2: the smaller magnitude of the two, with v's sign (one instruction for a
    // symmetric clamp; a NaN v stays NaN).
    if (r->division_free) {
        __m512 c = _mm512_range_ps(v, r->bound, 0x2);
        __m512 q = _mm512_mul_ps(c, r->inv);
        return _mm512_fmadd_ps(_mm512_fnmadd_ps(q, r->scale, c), r->inv, q);
    }
    return _mm512_range_ps(_mm512_div_ps(v, r->scale), _mm512_set1_ps(512.0f), 0x2);
}

/// Sixteen floats (lanes outside m read as 0) rounded half to even and shifted by the zero
/// point, not yet saturated: int32 within zero +- 512, NaN giving the zero point. For callers
/// that saturate while narrowing (vpackusdw / vpackuswb to [0, 255]).
INLINE TVNNI __m512i qround16_unsaturated(const qround *r, const float *x, __mmask16 m) {
    __m512 v = _mm512_maskz_loadu_ps(m, x);
    __mmask16 ordered = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
    __m512i q = _mm512_maskz_cvt_roundps_epi32(ordered, qround_quotient(r, v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm512_add_epi32(q, r->zero);
}

/// Sixteen floats (lanes outside m read as 0) quantized as int32 in [qlo, qhi]. Clamping to
/// [qlo - zero, qhi - zero] before rounding equals clamping after it (the bounds are integers).
INLINE TVNNI __m512i qround16(const qround *r, const float *x, __mmask16 m) {
    __m512 v = _mm512_maskz_loadu_ps(m, x);
    __mmask16 ordered = _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q);
    __m512 quotient = _mm512_min_ps(_mm512_max_ps(qround_quotient(r, v), r->lo), r->hi);
    // NaN lanes (not ordered) become 0, so the zero point.
    __m512i q = _mm512_maskz_cvt_roundps_epi32(ordered, quotient, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm512_add_epi32(q, r->zero);
}

#endif
