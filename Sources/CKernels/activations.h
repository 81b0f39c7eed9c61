// AVX-512 activations shared by the float and integer GEMM epilogues (internal to CKernels).
#ifndef CKERNELS_ACTIVATIONS_H
#define CKERNELS_ACTIVATIONS_H

#include "CKernels.h"
#include <immintrin.h>
#include <math.h>

#ifndef T512
#define T512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))
#endif
#ifndef INLINE
#define INLINE static inline __attribute__((always_inline))
#endif


/// e^x (Cephes' expf polynomial after reduction by ln 2), inputs clamped to [-88, 88].
INLINE T512 __m512 exp512(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.0f)), _mm512_set1_ps(-88.0f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/// tanh: (1 - e^-2|x|) / (1 + e^-2|x|) with the sign restored; an odd series near 0, where
/// the quotient loses relative precision.
INLINE T512 __m512 tanh512(__m512 x) {
    __m512 t = _mm512_min_ps(_mm512_abs_ps(x), _mm512_set1_ps(9.0f));
    __m512 e = exp512(_mm512_mul_ps(t, _mm512_set1_ps(-2.0f)));
    __m512 q = _mm512_div_ps(_mm512_sub_ps(_mm512_set1_ps(1.0f), e), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    __m512 t2 = _mm512_mul_ps(t, t);
    __m512 series = _mm512_fmadd_ps(t2, _mm512_set1_ps(2.0f / 15.0f), _mm512_set1_ps(-1.0f / 3.0f));
    series = _mm512_fmadd_ps(_mm512_mul_ps(series, t2), t, t);
    q = _mm512_mask_blend_ps(_mm512_cmplt_ps_mask(t, _mm512_set1_ps(0.1f)), q, series);
    return _mm512_mask_sub_ps(q, _mm512_cmplt_ps_mask(x, _mm512_setzero_ps()), _mm512_setzero_ps(), q);
}

/// erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), odd-extended.
INLINE T512 __m512 erf512(__m512 x) {
    __m512 z = _mm512_abs_ps(x);
    __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(z, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    p = _mm512_mul_ps(p, t);
    __m512 y = _mm512_fnmadd_ps(p, exp512(_mm512_mul_ps(_mm512_sub_ps(_mm512_setzero_ps(), z), z)), _mm512_set1_ps(1.0f));
    return _mm512_mask_sub_ps(y, _mm512_cmplt_ps_mask(x, _mm512_setzero_ps()), _mm512_setzero_ps(), y);
}

INLINE T512 __m512 activate512(int activation, __m512 v) {
    if (activation == CK_ACT_TANH) return tanh512(v);
    if (activation == CK_ACT_GELU) {
        __m512 e = erf512(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)));
        return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.5f)), _mm512_add_ps(e, _mm512_set1_ps(1.0f)));
    }
    return v;
}


/// The scalar form of the CK_ACT_ activations (portable and AVX2 epilogues).
static inline float activate_scalar(int activation, float v) {
    if (activation == CK_ACT_TANH) return tanhf(v);
    if (activation == CK_ACT_GELU) return 0.5f * v * (1.0f + erff(v * 0.70710678118654752f));
    return v;
}

#endif
