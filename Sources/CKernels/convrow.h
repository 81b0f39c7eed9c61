// Walking the output pixels of the float channels-last convolution (sconv.c) in blocks and
// finding where each block's taps read, internal to CKernels. (The int8 one, qconv.c, writes
// its padding out instead, so that every block reads memory.)
#ifndef CKERNELS_CONVROW_H
#define CKERNELS_CONVROW_H

#define CONVROW_INLINE static inline __attribute__((always_inline))

/// A 2-D convolution's geometry over an NHWC input of `channels` elements per pixel, and the
/// output pixel (oy, ox) where the next block starts.
typedef struct conv_walk {
    long height, width, channels, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
    long pad_top, pad_left, out_w, taps, span_y, span_x;
    long oy, ox;
} conv_walk;

CONVROW_INLINE conv_walk conv_walk_start(long height, long width, long channels, long kernel_h, long kernel_w,
                                         long stride_h, long stride_w, long dilation_h, long dilation_w,
                                         long pad_top, long pad_left, long out_w, long p0) {
    conv_walk wk = {height, width, channels, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w,
                    pad_top, pad_left, out_w, kernel_h * kernel_w, (kernel_h - 1) * dilation_h,
                    (kernel_w - 1) * dilation_w, p0 / out_w, p0 % out_w};
    return wk;
}

/// Element offsets from a pixel's first tap: of each tap (tap_offset[ky * kw + kx]) and of
/// each kernel row (row_offset[ky]).
CONVROW_INLINE void conv_walk_offsets(const conv_walk *wk, long *tap_offset, long *row_offset) {
    for (long ky = 0; ky < wk->kernel_h; ky++) {
        row_offset[ky] = ky * wk->dilation_h * wk->width * wk->channels;
        for (long kx = 0; kx < wk->kernel_w; kx++)
            tap_offset[ky * wk->kernel_w + kx] = (ky * wk->dilation_h * wk->width + kx * wk->dilation_w) * wk->channels;
    }
}

/// Moves past `count` output pixels of the current row (count 1, or a block within the row).
CONVROW_INLINE void conv_walk_advance(conv_walk *wk, long count) {
    wk->ox += count;
    if (wk->ox == wk->out_w) {
        wk->ox = 0;
        wk->oy++;
    }
}

/// When the `mr` output pixels from (oy, ox) lie in one output row and every tap of each lies
/// inside the image: the input pixel index (iy * width + ix) of the first pixel's first tap,
/// the others following `stride_w` pixels apart; else -1. Checking the row's first and last
/// pixel suffices there, which is what makes it cheaper than testing pixel by pixel.
CONVROW_INLINE long direct_row_start(const conv_walk *wk, int mr) {
    if (wk->ox + mr > wk->out_w) return -1;
    long iy0 = wk->oy * wk->stride_h - wk->pad_top, ix_first = wk->ox * wk->stride_w - wk->pad_left;
    long ix_last = (wk->ox + mr - 1) * wk->stride_w - wk->pad_left;
    if (iy0 < 0 || iy0 + wk->span_y >= wk->height || ix_first < 0 || ix_last + wk->span_x >= wk->width) return -1;
    return iy0 * wk->width + ix_first;
}

/// Defines `name`, which fills the tap pointers of the next block of `mr` (<= `block`) output
/// pixels of an input `x` of element type T and moves the walk past them. A block in one
/// output row with every tap inside the image (most blocks of a large image), when `direct` is
/// allowed: ptrs[i] is pixel i's first tap (the kernel adds the offsets) and it returns 1.
/// Else ptrs[t * block + i] is tap t of pixel i, `pad` where the tap falls outside the image,
/// and it returns 0. Missing pixels of a partial block repeat the first one; their results
/// are dropped.
#define CONV_BLOCK_POINTERS(name, T)                                                               \
    CONVROW_INLINE int name(conv_walk *wk, const T *x, const T *pad, const long *tap_offset, int mr, int block, \
                            int direct, const T **ptrs) {                                          \
        long first = direct ? direct_row_start(wk, mr) : -1;                                       \
        if (first >= 0) {                                                                          \
            for (int i = 0; i < mr; i++) ptrs[i] = x + (first + i * wk->stride_w) * wk->channels;  \
            for (int i = mr; i < block; i++) ptrs[i] = ptrs[0];                                    \
            conv_walk_advance(wk, mr);                                                             \
            return 1;                                                                              \
        }                                                                                          \
        for (int i = 0; i < mr; i++) {                                                             \
            long iy0 = wk->oy * wk->stride_h - wk->pad_top, ix0 = wk->ox * wk->stride_w - wk->pad_left; \
            if (iy0 >= 0 && iy0 + wk->span_y < wk->height && ix0 >= 0 && ix0 + wk->span_x < wk->width) { \
                /* Most pixels of a border block are inside: fixed offsets, no tests. */           \
                const T *base = x + (iy0 * wk->width + ix0) * wk->channels;                        \
                for (long t = 0; t < wk->taps; t++) ptrs[t * block + i] = base + tap_offset[t];    \
            } else {                                                                               \
                for (long ky = 0, t = 0; ky < wk->kernel_h; ky++) {                                \
                    long iy = iy0 + ky * wk->dilation_h;                                           \
                    int row_inside = (unsigned long)iy < (unsigned long)wk->height;                \
                    for (long kx = 0; kx < wk->kernel_w; kx++, t++) {                              \
                        long ix = ix0 + kx * wk->dilation_w;                                       \
                        int inside = row_inside & ((unsigned long)ix < (unsigned long)wk->width);  \
                        ptrs[t * block + i] = inside ? x + (iy * wk->width + ix) * wk->channels : pad; \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
            conv_walk_advance(wk, 1);                                                              \
        }                                                                                          \
        for (int i = mr; i < block; i++)                                                           \
            for (long t = 0; t < wk->taps; t++) ptrs[t * block + i] = ptrs[t * block];             \
        return 0;                                                                                  \
    }

#endif
