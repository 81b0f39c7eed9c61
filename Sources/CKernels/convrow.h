// Shared by the channels-last convolutions (sconv.c, qconv.c): the cheap test for the common
// block of output pixels, internal to CKernels.
#ifndef CKERNELS_CONVROW_H
#define CKERNELS_CONVROW_H

/// When the `mr` output pixels from (oy, ox) lie in one output row and every tap of each lies
/// inside the image: the input pixel index (iy * width + ix) of the first pixel's first tap,
/// the others following `stride_w` pixels apart; else -1. Checking the row's first and last
/// pixel suffices there, which is what makes it cheaper than testing pixel by pixel.
static inline __attribute__((always_inline)) long direct_row_start(
    long oy, long ox, int mr, long out_w, long height, long width, long stride_h, long stride_w,
    long pad_top, long pad_left, long span_y, long span_x) {
    if (ox + mr > out_w) return -1;
    long iy0 = oy * stride_h - pad_top, ix_first = ox * stride_w - pad_left;
    long ix_last = (ox + mr - 1) * stride_w - pad_left;
    if (iy0 < 0 || iy0 + span_y >= height || ix_first < 0 || ix_last + span_x >= width) return -1;
    return iy0 * width + ix_first;
}

#endif
