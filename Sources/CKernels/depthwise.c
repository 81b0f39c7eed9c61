// Direct depthwise convolution: one filter tap at a time over whole output rows, so the inner
// loop is a contiguous (stride 1) or strided multiply-add that the compiler vectorises.

#include "CKernels.h"

#define T512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma")))
#define T256 __attribute__((target("avx2,fma")))

#define DEPTHWISE_PARAMS                                                                           \
    const float *x, long height, long width, const float *w, long kernel_h, long kernel_w,         \
        long stride_h, long stride_w, long dilation_h, long dilation_w, long pad_top,              \
        long pad_left, float *y, long out_h, long out_w, float bias, float lo, float hi

#define DEPTHWISE_BODY                                                                             \
    for (long i = 0; i < out_h * out_w; i++) y[i] = bias;                                          \
    for (long ky = 0; ky < kernel_h; ky++) {                                                       \
        for (long kx = 0; kx < kernel_w; kx++) {                                                   \
            float tap = w[ky * kernel_w + kx];                                                     \
            long offset_x = kx * dilation_w - pad_left;                                            \
            /* Output columns whose input column ox * stride_w + offset_x lies inside. */          \
            long first = offset_x >= 0 ? 0 : (-offset_x + stride_w - 1) / stride_w;                \
            long last = (width - 1 - offset_x) < 0 ? -1 : (width - 1 - offset_x) / stride_w;       \
            if (last > out_w - 1) last = out_w - 1;                                                \
            if (first > last) continue;                                                            \
            for (long oy = 0; oy < out_h; oy++) {                                                  \
                long iy = oy * stride_h - pad_top + ky * dilation_h;                               \
                if (iy < 0 || iy >= height) continue;                                              \
                const float *row = x + iy * width + offset_x;                                      \
                float *out = y + oy * out_w;                                                       \
                if (stride_w == 1) {                                                               \
                    for (long ox = first; ox <= last; ox++) out[ox] += tap * row[ox];              \
                } else {                                                                           \
                    for (long ox = first; ox <= last; ox++) out[ox] += tap * row[ox * stride_w];   \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    for (long i = 0; i < out_h * out_w; i++) {                                                     \
        float v = y[i];                                                                            \
        y[i] = v < lo ? lo : (v > hi ? hi : v);                                                    \
    }

static void depthwise_generic(DEPTHWISE_PARAMS) { DEPTHWISE_BODY }
static T256 void depthwise_avx2(DEPTHWISE_PARAMS) { DEPTHWISE_BODY }
static T512 void depthwise_avx512(DEPTHWISE_PARAMS) { DEPTHWISE_BODY }

void ck_depthwise_conv2d(DEPTHWISE_PARAMS) {
    int level = ck_isa();
    if (level == 3)
        depthwise_avx512(x, height, width, w, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
                         dilation_w, pad_top, pad_left, y, out_h, out_w, bias, lo, hi);
    else if (level == 2)
        depthwise_avx2(x, height, width, w, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
                       dilation_w, pad_top, pad_left, y, out_h, out_w, bias, lo, hi);
    else
        depthwise_generic(x, height, width, w, kernel_h, kernel_w, stride_h, stride_w, dilation_h,
                          dilation_w, pad_top, pad_left, y, out_h, out_w, bias, lo, hi);
}
