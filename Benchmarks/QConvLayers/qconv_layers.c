// Times ck_qconv_nhwc (Sources/CKernels/qconv.c) on the four layers of Examples/cnn_encoder as
// the fused int8 convolution calls them: 3x3, stride 2, pads 1, one thread, random bytes and
// weights, a requantized uint8 output. Each layer runs twice: on an unpadded input (the kernel
// copies the rows it reads into a padded window) and on an input that carries its padding as a
// border (what a channels-last producer writes), which must give the same bytes.
// Built and run by scripts/bench-qconv; a benchmark, not a test.
#include "CKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/// Microseconds per call: the fastest of five batches of reps / 5 calls.
static double time_layer(const ck_conv2d *g, long n, const uint8_t *x, const uint8_t *w, const ck_qepilogue *ep,
                         uint8_t *y, uint8_t *work, int reps) {
    long pixels = g->out_h * g->out_w;
    for (int i = 0; i < 200; i++) ck_qconv_nhwc(g, n, x, w, ep, y, n, g->out_w, 0, pixels, 7, work);
    double best = 1e9;
    for (int batch = 0; batch < 5; batch++) {
        double start = now();
        for (int i = 0; i < reps / 5; i++) ck_qconv_nhwc(g, n, x, w, ep, y, n, g->out_w, 0, pixels, 7, work);
        double t = (now() - start) / (reps / 5);
        if (t < best) best = t;
    }
    return best * 1e6;
}

int main(int argc, char **argv) {
    // height, width, channels (padded to 4), output channels
    const long layers[4][4] = {{96, 96, 4, 16}, {48, 48, 16, 32}, {24, 24, 32, 64}, {12, 12, 64, 128}};
    int reps = argc > 1 ? atoi(argv[1]) : 10000;
    double totals[2] = {0, 0};
    printf("ck_qconv_nhwc, %s, one thread, us per call (fastest of 5 batches of %d)\n",
           ck_qisa() == 3 ? "AVX-512 VNNI" : ck_qisa() == 2 ? "AVX2" : "portable C", reps / 5);
    printf("%-28s %12s %12s  same output\n", "layer", "unpadded", "bordered");
    for (int l = 0; l < 4; l++) {
        long h = layers[l][0], wd = layers[l][1], cp = layers[l][2], n = layers[l][3], taps = 9;
        ck_conv2d plain = {h, wd, cp, 3, 3, 2, 2, 1, 1, 1, 1, h / 2, wd / 2};
        ck_conv2d bordered = {h + 2, wd + 2, cp, 3, 3, 2, 2, 1, 1, 0, 0, h / 2, wd / 2};
        uint8_t *x = malloc((size_t)(h * wd * cp)), *xb = malloc((size_t)((h + 2) * (wd + 2) * cp));
        for (long i = 0; i < h * wd * cp; i++) x[i] = (uint8_t)((unsigned long)i * 2654435761u >> 24);
        ck_fill_border(xb, h + 2, wd + 2, cp, 1, 1, 1, 1, 7);
        for (long r = 0; r < h; r++) memcpy(xb + ((r + 1) * (wd + 2) + 1) * cp, x + r * wd * cp, (size_t)(wd * cp));
        int8_t *raw = malloc((size_t)(n * cp * taps));
        for (long i = 0; i < n * cp * taps; i++) raw[i] = (int8_t)(((unsigned long)i * 40503u >> 5) & 0xFF);
        uint8_t *w = aligned_alloc(64, (ck_qconv_weights_bytes(taps, cp, n) + 63) / 64 * 64);
        int32_t *sums = malloc((size_t)n * sizeof(int32_t));
        ck_qconv_pack_weights(n, cp, taps, cp, raw, w, sums);
        float *scale = malloc((size_t)n * sizeof(float)), *bias = malloc((size_t)n * sizeof(float));
        for (long j = 0; j < n; j++) scale[j] = 1e-3f * (float)(1 + j % 7), bias[j] = 0.5f * (float)(j % 5);
        int32_t x_zero = 7;
        ck_qepilogue ep = {0};
        ep.row_zero = &x_zero;
        ep.col_sums = sums;
        ep.output = CK_QOUT_I8;
        ep.scale = 1.0f;
        ep.col_scale = scale;
        ep.col_bias = bias;
        ep.out_zero = 0;
        ep.qlo = 0;
        ep.qhi = 255;
        ep.requant_single = 1;
        long pixels = plain.out_h * plain.out_w;
        uint8_t *y = malloc((size_t)(pixels * n)), *yb = malloc((size_t)(pixels * n));
        uint8_t *work = malloc(ck_qconv_work_bytes(&plain, n)), *workb = malloc(ck_qconv_work_bytes(&bordered, n));
        double t = time_layer(&plain, n, x, w, &ep, y, work, reps);
        double tb = time_layer(&bordered, n, xb, w, &ep, yb, workb, reps);
        totals[0] += t;
        totals[1] += tb;
        char name[64];
        snprintf(name, sizeof name, "%ldx%ldx%ld -> %ld channels", h, wd, cp, n);
        printf("%-28s %12.2f %12.2f  %s\n", name, t, tb, memcmp(y, yb, (size_t)(pixels * n)) ? "NO" : "yes");
        free(x), free(xb), free(raw), free(w), free(sums), free(scale), free(bias), free(y), free(yb), free(work), free(workb);
    }
    printf("%-28s %12.2f %12.2f\n", "total", totals[0], totals[1]);
    return 0;
}
