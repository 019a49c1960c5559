#include "analysis/latency.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/macs.h"
#include "ops/ops.h"

namespace tessera {
namespace {

// ---------------------------------------------------------------------------------------
// THE COEFFICIENT TABLE. Instructions of a step = c0 + c1*x1 + ... + c6*x6 with the
// features of its class (see LatencyClassFeatureNames below).
//
// Fitted by `bench_latency --fit` (bench/bench_latency.cc): one profiled inference per plan
// (tessera codegen --profile, arm-none-eabi-gcc -O2, QEMU mps2-an386 -icount shift=0) of six
// plans of each of person_detect, vww_96_int8, resnet8_cifar10_int8, kws_dscnn_int8 and
// mcunet_vww1_80: layer by layer ("greedy"), 2x2 recompute ("patch"), 2x2 halo caching
// ("cache"), and at the same split 4x4 recompute, 8x8 halo caching and 8 rows with cached
// rows (windows down to one pixel); per class, least squares of the measured step counts
// weighted by 1/sqrt(count), non-negative coefficients (a feature whose coefficient would be
// negative is dropped and the rest refitted). `samples` = steps of that class the fit saw; rows with
// samples 0 are guesses by analogy with a measured class (no shared model exercises them).
// Regenerate after kernel changes:
//   cmake --build build-<you> --target bench_latency -j2
//   build-<you>/bench/bench_latency --fit     (prints this table)
struct TableRow {
  LatencyClass cls;
  double c0, c1, c2, c3, c4, c5, c6;
  int samples;
};
constexpr const char* kTableSource =
    "bench_latency --fit --cycles --tsv FILE, then bench_latency --fit --measured FILE, 2026-12-08 (kernels at commit b83d9d8; 9096 steps of 30 plans); recurrent and 16x8 rows 2026-12-07 (refitted after their DSP paths)";
// The rows conv_16x8 .. lstm were fitted separately (no model of the fit above has those
// operators), on the coverage models that have them, and only those rows were taken from it:
//   bench_latency --fit --models coverage/tflm_keyword_scrambled_8bit,coverage/tflm_mnist_lstm_int8,\
//     coverage/seanet_int16_conv0,coverage/seanet_int16_conv8,coverage/seanet_int16_add0,\
//     coverage/seanet_int16_transpose_conv0 --strategies "greedy,stream:0:2x4:recompute,\
//     stream:0:1x8:recompute,stream:0:2x16:cache,stream:0:1x5:recompute,stream:0:1x3:recompute"
// (the stream plans give the single-operator seanet models windows of several sizes; the
// keyword, LSTM and TRANSPOSE_CONV models take the layer-by-layer plan only: their one LSTM and
// TRANSPOSE_CONV step fit a cost per MAC alone). Refit after changes to those kernels.
constexpr TableRow kTable[] = {
    // clang-format off
    {LatencyClass::kConvIm2col, 0, 1.045, 39.39, 7.947, 0, 0.4428, 0, 51},
    {LatencyClass::kConvIm2colGather, 4033, 0.5252, 21.01, 33.61, 0, 1.576, 0, 35},
    {LatencyClass::kConvQuad, 2702, 1.015, 8.12, 2.407, 6.174, 1.084, 1.178, 1350},
    {LatencyClass::kConvQuadGather, 2486, 1.365, 1.74, 4.164, 0, 4.084, 1.898, 313},
    {LatencyClass::kConvEightTap, 350.6, 12, 16.01, 57.93, 52.93, 0, 0, 249},
    {LatencyClass::kConvDirect, 1916, 1.4, 23.96, 0, 8.838, 0, 0, 0},  // no sample: kept from an earlier fit
    {LatencyClass::kDwRun3, 4295, 2.389, 236.5, 10.55, 44.14, 10.21, 6.363, 183},
    {LatencyClass::kDwRun3Stride2, 1080, 3.445, 127.5, 9.317, 74.39, 6.227, 8.049, 213},
    {LatencyClass::kDwWide, 1.547e+04, 3.003, 1844, 7.028, 0, 0, 2.273, 36},
    {LatencyClass::kDwPair, 0, 0, 168.7, 3.705, 0, 0, 0, 757},
    {LatencyClass::kDwPortable, 0, 12, 51.25, 0, 0, 0, 0, 0},  // no sample: kept from an earlier fit
    {LatencyClass::kFullyConnected, 1116, 0.3278, 0, 0, 0, 0, 0, 24},
    {LatencyClass::kAdd, 417.3, 19.37, 6679, 39.7, 0, 0, 0, 248},
    {LatencyClass::kMul, 0, 50, 0, 0, 0, 0, 0, 0},  // no sample: kept from an earlier fit
    {LatencyClass::kAvgPool, 2863, 1.425, 2863, 0, 0, 0, 0, 24},
    {LatencyClass::kMaxPool, 0, 7.776, 1.444e+04, 0, 0, 0, 0, 0},  // no sample: kept from an earlier fit
    {LatencyClass::kPad, 1.096e+04, 0, 206.9, 0, 0, 0, 0, 4},
    {LatencyClass::kMean, 0, 28.47, 85.4, 0, 0, 0, 0, 12},
    {LatencyClass::kSoftmax, 551.3, 177.5, 551.3, 0, 0, 0, 0, 24},
    {LatencyClass::kQuantizeF32, 139.8, 22, 22.6, 0, 0, 0, 0, 97},
    {LatencyClass::kRequantize, 0, 30, 0, 0, 0, 0, 0, 0},  // no sample: kept from an earlier fit
    {LatencyClass::kActivation, 160, 80, 0, 0, 0, 0, 0, 6},
    {LatencyClass::kReshape, 78.9, 0.1593, 0, 0, 0, 0, 0, 24},
    {LatencyClass::kWholeCopy, 1.013e+04, 7.035, 0, 0, 0, 0, 0, 6},
    // the recurrent and 16x8 rows: fitted on the coverage models (the comment above)
    {LatencyClass::kConv16x8, 207.2, 1.462, 173, 0, 0, 0, 0, 74},
    {LatencyClass::kFullyConnected16x8, 207.2, 1.462, 173, 0, 0, 0, 0, 0},  // no sample: kept from an earlier fit
    {LatencyClass::kTransposeConv, 0, 3.007, 0, 0, 0, 0, 0, 1},
    {LatencyClass::kElementwise16, 179.5, 132.2, 0, 0, 0, 0, 0, 9},
    {LatencyClass::kSvdf, 7358, 1.888, 130.6, 0, 0, 0, 0, 7},
    {LatencyClass::kLstm, 0, 6.474, 0, 0, 0, 0, 0, 1},
    {LatencyClass::kCopy, 62.37, 0.1102, 26.35, 0, 0, 0, 0, 5440},
    // clang-format on
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kNumLatencyClasses, "one row per class");

// ---------------------------------------------------------------------------------------
// THE CYCLE TABLES (DefaultCycleModel, DefaultWaitUnitModel): MODELLED Cortex-M4 cycles of a
// step at zero flash wait states, and its wait units (cycles at W wait states = cycles + W *
// units), with the classes and features of the instruction table above. Fitted like it, by
// least squares on the per-step modelled cycles and wait units of profiled runs under the
// cycle model (firmware/cycles/m4_model.h, DeviceResult::step_cycles: the clock intervals of
// the profiled build, one clock read included per step). Rows with samples 0 are guesses: the
// instruction table's row times the fit's modelled cycles (wait units) per instruction over
// all its steps (their comment says by how much). The block between the BEGIN and END lines is
// written by
//   build-<you>/bench/bench_latency --fit --cycles --write src/analysis/latency.cc
// (the default models and strategies: person_detect, vww_96_int8, resnet8_cifar10_int8,
// kws_dscnn_int8, mcunet_vww1_80, six plans each as for the instruction table; about 25
// minutes on a loaded 2-core machine, 9 CPU minutes). --classes LIST rewrites only those rows,
// appending to the source string, e.g. the recurrent and 16x8 rows from the coverage models
// (the models and strategies of the instruction table's rows above). Do not edit it by hand.
// BEGIN CYCLE TABLES
constexpr const char* kCycleTableSource =
    "bench_latency --fit --cycles, 2026-12-08 (kernels at commit b83d9d8; 9096 steps of 30 plans); the rows of classes without a step here kept from: bench_latency --fit --cycles, 2026-12-07 (kernels at commit 9f50199; 9096 steps of 30 plans); then bench_latency --fit --cycles --classes conv_16x8,fully_connected_16x8,transpose_conv,elementwise_16,svdf,lstm --models coverage/tflm_keyword_scrambled_8bit,coverage/tflm_mnist_lstm_int8,coverage/seanet_int16_conv0,coverage/seanet_int16_conv8,coverage/seanet_int16_add0,coverage/seanet_int16_transpose_conv0 --strategies greedy,stream:0:2x4:recompute,stream:0:1x8:recompute,stream:0:2x16:cache,stream:0:1x5:recompute,stream:0:1x3:recompute, 2026-12-07 (kernels at commit 9f50199; 103 steps of 16 plans)";
constexpr TableRow kCycleTable[] = {
    // clang-format off
    {LatencyClass::kConvIm2col, 1842, 1.324, 49.05, 0, 0, 1.937, 0, 51},
    {LatencyClass::kConvIm2colGather, 5234, 0.6815, 27.26, 43.62, 0, 2.045, 0, 35},
    {LatencyClass::kConvQuad, 3718, 1.08, 11.95, 4.881, 18.59, 4.326, 1.489, 1350},
    {LatencyClass::kConvQuadGather, 3483, 1.645, 0, 5.901, 0, 5.326, 2.589, 313},
    {LatencyClass::kConvEightTap, 620.7, 21, 20, 71.84, 67.97, 0, 0, 249},
    {LatencyClass::kConvDirect, 2463, 1.8, 30.8, 0, 11.36, 0, 0, 0},  // no sample: the instruction row x 1.286 (modelled cycles per instruction over the fit)
    {LatencyClass::kDwRun3, 6048, 2.925, 312.3, 13.61, 62.87, 15.4, 7.935, 183},
    {LatencyClass::kDwRun3Stride2, 1642, 4.491, 177.7, 12.03, 107.8, 9.325, 10.26, 213},
    {LatencyClass::kDwWide, 2.401e+04, 3.827, 2737, 8.695, 0, 0, 2.935, 36},
    {LatencyClass::kDwPair, 0, 0, 228.6, 5, 0, 0, 0, 757},
    {LatencyClass::kDwPortable, 0, 15.43, 65.89, 0, 0, 0, 0, 0},  // no sample: the instruction row x 1.286 (modelled cycles per instruction over the fit)
    {LatencyClass::kFullyConnected, 1404, 0.2749, 0, 0, 0, 0, 0, 24},
    {LatencyClass::kAdd, 654.8, 24.89, 8188, 49.97, 0, 0, 0, 248},
    {LatencyClass::kMul, 0, 64.28, 0, 0, 0, 0, 0, 0},  // no sample: the instruction row x 1.286 (modelled cycles per instruction over the fit)
    {LatencyClass::kAvgPool, 5241, 1.402, 5241, 0, 0, 0, 0, 24},
    {LatencyClass::kMaxPool, 0, 9.997, 1.856e+04, 0, 0, 0, 0, 0},  // no sample: the instruction row x 1.286 (modelled cycles per instruction over the fit)
    {LatencyClass::kPad, 202.2, 0.6207, 284.3, 0, 0, 0, 0, 4},
    {LatencyClass::kMean, 0, 44.92, 134.8, 0, 0, 0, 0, 12},
    {LatencyClass::kSoftmax, 746, 228, 746, 0, 0, 0, 0, 24},
    {LatencyClass::kQuantizeF32, 253.7, 37, 35.95, 0, 0, 0, 0, 97},
    {LatencyClass::kRequantize, 0, 38.57, 0, 0, 0, 0, 0, 0},  // no sample: the instruction row x 1.286 (modelled cycles per instruction over the fit)
    {LatencyClass::kActivation, 240.7, 120.3, 0, 0, 0, 0, 0, 6},
    {LatencyClass::kReshape, 131.2, 0.6977, 0, 0, 0, 0, 0, 24},
    {LatencyClass::kWholeCopy, 1.372e+04, 9.526, 0, 0, 0, 0, 0, 6},
    {LatencyClass::kConv16x8, 380.3, 1.709, 248.4, 0, 0, 0, 0, 74},
    {LatencyClass::kFullyConnected16x8, 266.4, 1.879, 222.4, 0, 0, 0, 0, 0},  // no sample: the instruction row x 1.286 (modelled cycles per instruction over the fit)
    {LatencyClass::kTransposeConv, 0, 4.018, 0, 0, 0, 0, 0, 1},
    {LatencyClass::kElementwise16, 337.9, 183.6, 0, 0, 0, 0, 0, 9},
    {LatencyClass::kSvdf, 1.117e+04, 2.151, 172.3, 0, 0, 0, 0, 7},
    {LatencyClass::kLstm, 0, 8.156, 0, 0, 0, 0, 0, 1},
    {LatencyClass::kCopy, 119.3, 0.613, 31.74, 0, 0, 0, 0, 5440},
    // clang-format on
};
constexpr TableRow kWaitUnitTable[] = {
    // clang-format off
    {LatencyClass::kConvIm2col, 0, 0.126, 0, 8.931, 0, 0, 0, 51},
    {LatencyClass::kConvIm2colGather, 628.9, 0.08189, 3.276, 5.241, 0, 0.2457, 0, 35},
    {LatencyClass::kConvQuad, 527, 0.1281, 0, 0.1579, 1.138, 0.19, 0.1966, 1350},
    {LatencyClass::kConvQuadGather, 388.5, 0.151, 0, 0.2116, 0, 0.7099, 0.3394, 313},
    {LatencyClass::kConvEightTap, 69.93, 0.4999, 0.0002386, 3.951, 11, 0, 0, 249},
    {LatencyClass::kConvDirect, 196.9, 0.1439, 2.462, 0, 0.9082, 0, 0, 0},  // no sample: the instruction row x 0.1028 (wait units per instruction over the fit)
    {LatencyClass::kDwRun3, 1080, 0.05837, 35.58, 1.829, 0, 1.339, 0.6894, 183},
    {LatencyClass::kDwRun3Stride2, 244.2, 0.1712, 6.482, 1.661, 5.242, 0.5869, 1.093, 213},
    {LatencyClass::kDwWide, 7918, 0, 243.6, 0.7682, 0, 0, 0, 36},
    {LatencyClass::kDwPair, 0, 0, 31.64, 0.1127, 0, 0, 0, 757},
    {LatencyClass::kDwPortable, 0, 1.233, 5.266, 0, 0, 0, 0, 0},  // no sample: the instruction row x 0.1028 (wait units per instruction over the fit)
    {LatencyClass::kFullyConnected, 249.5, 0.04573, 0, 0, 0, 0, 0, 24},
    {LatencyClass::kAdd, 53.39, 1, 769.4, 0.9985, 0, 0, 0, 248},
    {LatencyClass::kMul, 0, 5.138, 0, 0, 0, 0, 0, 0},  // no sample: the instruction row x 0.1028 (wait units per instruction over the fit)
    {LatencyClass::kAvgPool, 327.4, 0.1792, 327.4, 0, 0, 0, 0, 24},
    {LatencyClass::kMaxPool, 0, 0.7991, 1484, 0, 0, 0, 0, 0},  // no sample: the instruction row x 0.1028 (wait units per instruction over the fit)
    {LatencyClass::kPad, 2303, 0.01332, 8.904, 0, 0, 0, 0, 4},
    {LatencyClass::kMean, 0, 4.603, 13.81, 0, 0, 0, 0, 12},
    {LatencyClass::kSoftmax, 117.3, 36.55, 117.3, 0, 0, 0, 0, 24},
    {LatencyClass::kQuantizeF32, 26.85, 1, 2.933, 0, 0, 0, 0, 97},
    {LatencyClass::kRequantize, 0, 3.083, 0, 0, 0, 0, 0, 0},  // no sample: the instruction row x 0.1028 (wait units per instruction over the fit)
    {LatencyClass::kActivation, 21, 10.5, 0, 0, 0, 0, 0, 6},
    {LatencyClass::kReshape, 10.97, 0.03143, 0, 0, 0, 0, 0, 24},
    {LatencyClass::kWholeCopy, 1224, 0.85, 0, 0, 0, 0, 0, 6},
    {LatencyClass::kConv16x8, 36.22, 0.272, 31.53, 0, 0, 0, 0, 74},
    {LatencyClass::kFullyConnected16x8, 21.29, 0.1502, 17.78, 0, 0, 0, 0, 0},  // no sample: the instruction row x 0.1028 (wait units per instruction over the fit)
    {LatencyClass::kTransposeConv, 0, 0.5323, 0, 0, 0, 0, 0, 1},
    {LatencyClass::kElementwise16, 31.38, 30.32, 0, 0, 0, 0, 0, 9},
    {LatencyClass::kSvdf, 1916, 0.3827, 11.46, 0, 0, 0, 0, 7},
    {LatencyClass::kLstm, 0, 0.8301, 0, 0, 0, 0, 0, 1},
    {LatencyClass::kCopy, 11.22, 0.02827, 0.4403, 0, 0, 0, 0, 5440},
    // clang-format on
};
// END CYCLE TABLES
static_assert(sizeof(kCycleTable) / sizeof(kCycleTable[0]) == kNumLatencyClasses, "one row per class");
static_assert(sizeof(kWaitUnitTable) / sizeof(kWaitUnitTable[0]) == kNumLatencyClasses, "one row per class");

LatencyModel BuildModel(const TableRow* table) {
  LatencyModel m;
  for (int k = 0; k < kNumLatencyClasses; ++k) {
    const TableRow& r = table[k];
    const int i = static_cast<int>(r.cls);
    m.coef[i] = {r.c0, r.c1, r.c2, r.c3, r.c4, r.c5, r.c6};
    m.samples[i] = r.samples;
  }
  return m;
}

bool Overlaps(const Buffer& a, const Buffer& b) {
  return SameMemory(a, b) && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
}

// Whether a step's output buffer shares a byte with one of its input buffers.
bool StepOverlaps(const Plan& plan, const Step& st) {
  for (int o : st.outputs)
    for (int i : st.inputs) {
      if (o < 0 || i < 0 || o >= static_cast<int>(plan.buffers.size()) || i >= static_cast<int>(plan.buffers.size()))
        continue;
      if (Overlaps(plan.buffers[o], plan.buffers[i])) return true;
    }
  return false;
}

// The kernels' valid tap range of one output row or column (spatial_util.h's ts_valid_taps).
int32_t ValidTaps(int32_t origin, int32_t dilation, int32_t taps, int32_t size) {
  int32_t n = 0;
  for (int32_t k = 0; k < taps; ++k) {
    const int32_t i = origin + k * dilation;
    n += i >= 0 && i < size;
  }
  return n;
}

// The first valid tap row of an output row (-1 when none).
int32_t FirstValidTap(int32_t origin, int32_t dilation, int32_t taps, int32_t size) {
  for (int32_t k = 0; k < taps; ++k) {
    const int32_t i = origin + k * dilation;
    if (i >= 0 && i < size) return k;
  }
  return -1;
}

// Output columns whose taps all lie inside the input (depthwise_conv_dsp.c's ts_dw_interior).
void Interior(int32_t pad, int32_t stride, int32_t dilation, int32_t taps, int32_t size, int32_t* lo, int32_t* hi) {
  const int32_t last = size - 1 - (taps - 1) * dilation + pad;
  *lo = pad <= 0 ? 0 : (pad + stride - 1) / stride;
  *hi = last < 0 ? 0 : last / stride + 1;
}

// The kernels' constants this model follows (kernels/src/depthwise_conv_dsp.c, conv_dsp.c).
constexpr int32_t kDwRun = 96;           // TS_DW_RUN: pixels per channel run
constexpr int32_t kDwOvlBytes = 1920;    // TS_DW_OVL_BYTES: the overlap buffer
constexpr int32_t kDwRun3Min = 4;        // TS_DW_RUN3_MIN: pixels per call, runs 3+ columns wide
constexpr int32_t kDwRun3MinN = 2;       // TS_DW_RUN3_MIN_N: columns
constexpr int32_t kDwRun3MinW2 = 8;      // TS_DW_RUN3_MIN_W2: pixels per call, runs 2 columns wide
constexpr int32_t kDwWideMin = 12;       // TS_DW_WIDE_MIN
constexpr int32_t kDwPxW1 = 12;          // TS_DW_PX_W1: pixel path, widest window at stride 1
constexpr int32_t kDwPxW2 = 24;          // TS_DW_PX_W2: pixel path, widest window at other strides
constexpr int32_t kDwPxMin = 6;          // TS_DW_PX_MIN: pixel path, fewest pixels per call
constexpr int32_t kDwPxOvlW = 16;        // TS_DW_PX_OVL_W: pixel path, widest overlapping window
constexpr int32_t kDwPxCh = 64;          // TS_DW_PX_CH: pixel path table's channels
constexpr int32_t kDwPxMaxCh = 256;      // TS_DW_PX_MAX_CH: pixel path, most channels without overlap
constexpr int32_t kConvColMax = 576;     // TS_CONV_DSP_COL_MAX
constexpr int32_t kConvGatherMax = 128;  // TS_CONV_DSP_GATHER_MAX
constexpr int32_t kConvGatherWords = (kConvGatherMax + 3) / 4;  // TS_CONV_DSP_GATHER_WORDS
constexpr int32_t kConvK8Words = 8;                            // TS_CONV_K8_WORDS
constexpr int64_t kConvLiveRuns = 64;                          // TS_CONV_DSP_LIVE_RUNS

// Whether channel runs pay for `nrows` rows of `width` run columns (ts_dw_runs_pay).
bool DwRunsPay(bool wide, int32_t width, int32_t nrows, int32_t nmax) {
  const int32_t per = width < nmax ? nmax / width : 1;
  const int32_t px = width < nmax ? width * std::min(nrows, per) : nmax;
  if (wide) return px >= kDwWideMin;
  return width >= kDwRun3MinN && px >= (width >= 3 ? kDwRun3Min : kDwRun3MinW2);
}

// DEPTHWISE_CONV_2D, following ts_depthwise_conv2d_s8_dsp's choice of path for each group of
// rows: channel runs over the run columns (x1 MACs, x2 channel runs, x4 channel run rows),
// the other pixels in interior pairs (x6 MACs) or one at a time (x3 MACs), and, when the
// output buffer overlaps the input, the bytes staged in the stack buffer and copied (x5).
// MACs are counted over the taps computed: the one-pixel path skips padding taps (a 7x7
// filter over a 3x3 input computes a fraction of its nominal MACs); the runs skip padding
// rows and compute the padding columns next to the interior.
void DepthwiseFeatures(const ops::PreparedOp& p, const Window& w, bool overlap, StepLatency* r) {
  const ts_conv_params& c = p.conv;
  const int64_t pixels = static_cast<int64_t>(w.h()) * w.w();
  const double C = c.out_c;
  const int32_t win_w = w.w();
  std::vector<int32_t> vy(std::max(0, w.h())), vx(std::max(0, win_w));
  for (int32_t oy = w.y0; oy < w.y1; ++oy)
    vy[oy - w.y0] = ValidTaps(oy * c.stride_h - c.pad_top, c.dilation_h, c.filter_h, c.in_h);
  for (int32_t ox = w.x0; ox < w.x1; ++ox)
    vx[ox - w.x0] = ValidTaps(ox * c.stride_w - c.pad_left, c.dilation_w, c.filter_w, c.in_w);
  // valid-tap MACs of the pixels of rows [ya, yb) x columns [xa, xb) (global)
  auto valid_macs = [&](int32_t ya, int32_t yb, int32_t xa, int32_t xb) {
    double cols = 0, rows = 0;
    for (int32_t ox = std::max(xa, w.x0); ox < std::min(xb, w.x1); ++ox) cols += vx[ox - w.x0];
    for (int32_t oy = std::max(ya, w.y0); oy < std::min(yb, w.y1); ++oy) rows += vy[oy - w.y0];
    return rows * cols * C;
  };
  const int32_t fw = c.filter_w, sw = c.stride_w, dw = c.dilation_w;
  const bool multiplier = c.depth_multiplier != 1;
  if (c.in_c * c.depth_multiplier != c.out_c || (multiplier && c.depth_multiplier % 4 != 0)) {
    r->cls = LatencyClass::kDwPortable;
    r->x[1] = valid_macs(w.y0, w.y1, w.x0, w.x1);
    r->x[2] = static_cast<double>(pixels) * C;
    return;
  }
  r->cls = fw == 3 ? (sw == 2 ? LatencyClass::kDwRun3Stride2 : LatencyClass::kDwRun3)
                   : (fw == 5 || fw == 7) ? LatencyClass::kDwWide : LatencyClass::kDwPair;
  if (pixels <= 0) return;
  // The pixel path (ts_dw_px_pays): narrow windows of 3x3 filters (overlapping ones when the
  // table holds every channel), every channel's requantization folding (ts_dw_folds). Counted in the dw_pair class (which
  // otherwise only takes filters other than 3, 5 or 7 wide, in no shared model): x[2] the
  // channels of the per-call table, x[3] the valid-tap MACs (one pixel at a time).
  const bool px_shape = overlap ? c.out_c <= kDwPxCh && win_w <= kDwPxOvlW
                                 : pixels >= kDwPxMin && win_w <= (sw == 1 ? kDwPxW1 : kDwPxW2) && c.out_c <= kDwPxMaxCh;
  if (px_shape && fw == 3 && c.filter_h == 3 && dw == 1 && c.dilation_h == 1 && !multiplier && c.out_c % 4 == 0 &&
      c.output_offset > -256 && c.output_offset < 256) {
    bool folds = true;
    for (int32_t ch = 0; ch < c.out_c && folds; ++ch) {
      const int64_t b = ch < static_cast<int32_t>(p.bias.size()) ? p.bias[ch] : 0;
      const int32_t sh = ch < static_cast<int32_t>(p.shifts.size()) ? p.shifts[ch] : 0;
      folds = sh <= 0 && (sh >= -21 || (sh == -22 && c.output_offset >= -128 && c.output_offset <= 127)) &&
              b > -(1 << 29) + (1 << 19) && b < (1 << 29) - (1 << 19);
    }
    if (folds) {
      r->cls = LatencyClass::kDwPair;
      r->x[2] = C;
      r->x[3] = valid_macs(w.y0, w.y1, w.x0, w.x1);
      return;
    }
  }
  int32_t group = 0, nmax = kDwRun;
  if (overlap) {
    group = kDwOvlBytes / c.out_c / win_w;
    if (group == 0) nmax = std::min(kDwOvlBytes / c.out_c, kDwRun);
  }
  bool runs = nmax >= 2 && fw == 3 && dw == 1 && (sw == 1 || sw == 2) && c.filter_h <= 3;
  bool wide = nmax >= 2 && (fw == 5 || fw == 7) && dw == 1 && (sw == 1 || sw == 2);
  int32_t x_lo, x_hi;
  Interior(c.pad_left, sw, dw, fw, c.in_w, &x_lo, &x_hi);
  int32_t seg_lo = x_lo, seg_hi = x_hi;
  if (runs && x_lo < x_hi) {
    if (x_lo >= 1 && (x_lo - 1) * sw - c.pad_left == -1) seg_lo = x_lo - 1;
    if (x_hi * sw - c.pad_left + 2 == c.in_w) seg_hi = x_hi + 1;
  }
  seg_lo = std::max(seg_lo, w.x0);
  seg_hi = std::min(seg_hi, w.x1);
  const int32_t width = std::max(0, seg_hi - seg_lo);
  wide = wide && width >= 2;
  runs = (runs && width >= 2) || wide;
  if (group > 0 && runs) {
    const int32_t per = width < kDwRun ? kDwRun / width : 1;
    if (group > per) group -= group % per;
  }
  double run_macs = 0, one_macs = 0, pair_macs = 0, calls = 0, run_rows = 0, copied = 0;
  // Pixels of rows [ya, yb) x columns [xa, xb) through ts_dw_row: interior pairs when allowed
  // (rows with every tap row valid), else one at a time.
  auto row_pixels = [&](int32_t ya, int32_t yb, int32_t xa, int32_t xb, bool pairs) {
    if (xb <= xa || yb <= ya) return;
    const double all = valid_macs(ya, yb, xa, xb);
    if (pairs) {
      const int32_t ia = std::max(xa, x_lo), ib = std::min(xb, x_hi);
      const double cols = ib > ia ? (ib - ia) - (ib - ia) % 2 : 0;
      double full = 0;
      for (int32_t oy = ya; oy < yb; ++oy) full += vy[oy - w.y0] == c.filter_h;
      const double pm = full * cols * c.filter_h * fw * C;
      pair_macs += pm;
      one_macs += all - pm;
    } else {
      one_macs += all;
    }
  };
  // The runs over `nrows` rows with n valid tap rows, at most `m` pixels per call.
  auto add_runs = [&](int32_t nrows, int32_t n, int32_t m) {
    const int32_t per = width < m ? m / width : 1;
    const int32_t chunks = (width + m - 1) / m;
    run_macs += static_cast<double>(nrows) * width * n * fw * C;
    calls += static_cast<double>((nrows + per - 1) / per) * chunks;
    run_rows += static_cast<double>(nrows) * chunks;
  };
  const bool pairs_ok = !multiplier;
  int32_t oy = w.y0;
  while (oy < w.y1) {
    const int32_t first = FirstValidTap(oy * c.stride_h - c.pad_top, c.dilation_h, c.filter_h, c.in_h);
    const int32_t n = vy[oy - w.y0];
    int32_t nrows = 1;
    while (oy + nrows < w.y1 &&
           FirstValidTap((oy + nrows) * c.stride_h - c.pad_top, c.dilation_h, c.filter_h, c.in_h) == first &&
           vy[oy + nrows - w.y0] == n)
      ++nrows;
    // ts_dw_rows over rows [y, y + k)
    auto dw_rows = [&](int32_t y, int32_t k) {
      if (!runs || n == 0 || !DwRunsPay(wide, width, k, kDwRun)) {
        row_pixels(y, y + k, w.x0, w.x1, pairs_ok);
        return;
      }
      row_pixels(y, y + k, w.x0, seg_lo, pairs_ok);
      row_pixels(y, y + k, seg_hi, w.x1, pairs_ok);
      add_runs(k, n, kDwRun);
    };
    if (!overlap) {
      dw_rows(oy, nrows);
    } else if (group > 0) {
      for (int32_t q = 0; q < nrows;) {
        const int32_t g = std::min(nrows - q, group);
        dw_rows(oy + q, g);
        copied += static_cast<double>(g) * win_w * C;
        q += g;
      }
    } else {
      for (int32_t q = 0; q < nrows; ++q) {
        if (!runs || n == 0 || !DwRunsPay(wide, width, 1, nmax)) {
          row_pixels(oy + q, oy + q + 1, w.x0, w.x1, false);
          continue;
        }
        row_pixels(oy + q, oy + q + 1, w.x0, seg_lo, false);
        row_pixels(oy + q, oy + q + 1, seg_hi, w.x1, false);
        add_runs(1, n, nmax);
        copied += static_cast<double>(width) * C;
      }
    }
    oy += nrows;
  }
  r->x[1] = run_macs;
  r->x[2] = calls * C;
  r->x[3] = one_macs;
  r->x[4] = run_rows * C;
  r->x[5] = copied;
  r->x[6] = pair_macs;
}

// ts_conv_mode (conv_dsp.c): 0-2 general requantization, 3-4 shifted, 5-6 the doubled
// quad-kernel modes (4 and 6: no clamp inside int8).
int ConvMode(const ops::PreparedOp& p, int64_t k4) {
  const ts_conv_params& c = p.conv;
  const int32_t out_c = c.out_c;
  auto mult = [&](int32_t ch) { return ch < static_cast<int32_t>(p.multipliers.size()) ? p.multipliers[ch] : 0; };
  auto shift = [&](int32_t ch) { return ch < static_cast<int32_t>(p.shifts.size()) ? p.shifts[ch] : 0; };
  if (c.act_min < -128 || c.act_max > 127 || c.act_min > c.act_max) return 0;
  for (int32_t ch = 0; ch < out_c; ++ch)
    if (mult(ch) == INT32_MIN || shift(ch) < -31 || shift(ch) > 31) return 0;
  if (c.output_offset < -128 || c.output_offset > 127) return 1;
  int mode = 3;
  for (int32_t ch = 0; ch < out_c; ++ch)
    if (shift(ch) < -23 || shift(ch) > -1) mode = 2;
  if (c.input_offset >= -127 && c.input_offset <= 128) {
    int64_t acc = 0;
    int32_t ch = 0;
    for (; ch < out_c; ++ch) {
      const int64_t b0 = ch < static_cast<int32_t>(p.bias.size()) ? p.bias[ch] : 0;
      const int64_t b = b0 < 0 ? -b0 : b0;
      if (mult(ch) <= (1 << 30) || shift(ch) < -24 || shift(ch) > -1) break;
      acc = std::max(acc, b);
    }
    acc += k4 * 32640;
    if (ch == out_c && acc < (int64_t{1} << 30)) {
      const int32_t oo21 = 2 * c.output_offset + 1;
      const int64_t nudge = static_cast<int64_t>(oo21 < 0 ? -oo21 : oo21) << 23;
      for (ch = 0; ch < out_c; ++ch)
        if (shift(ch) == -24 && ((acc * mult(ch)) >> 31) + nudge + 2 >= (int64_t{1} << 31)) break;
      if (ch == out_c) mode = 5;
    }
  }
  if ((mode == 3 || mode == 5) && c.act_min == -128 && c.act_max == 127) ++mode;
  return mode;
}

// The output channels the quad kernel computes (conv_dsp.c ts_conv_live_runs): all but the
// pruned ones (an all-zero filter with multiplier 2^31 - 1, shift -1, an even bias of at most
// 1020 in magnitude and output_offset + bias / 2 within the activation range: the operator
// layer's canonical constant channels), whose outputs are stored as constants; after
// max_runs - 1 runs of computed channels, the last run takes every channel to the end.
int32_t ComputedChannels(const ops::PreparedOp& p, int64_t taps, int64_t max_runs) {
  const ts_conv_params& c = p.conv;
  const int32_t out_c = c.out_c;
  if (max_runs < 1 || out_c > 32767 || static_cast<int32_t>(p.multipliers.size()) < out_c ||
      static_cast<int32_t>(p.shifts.size()) < out_c)
    return out_c;
  int32_t computed = 0, runs = 0;
  bool in_run = false;
  for (int32_t ch = 0; ch < out_c; ++ch) {
    bool dead = p.multipliers[ch] == std::numeric_limits<int32_t>::max() && p.shifts[ch] == -1;
    if (dead) {
      const int32_t b = p.bias.empty() ? 0 : p.bias[ch], v = c.output_offset + b / 2;
      dead = b % 2 == 0 && b >= -1020 && b <= 1020 && v >= c.act_min && v <= c.act_max;
    }
    if (dead) {
      const int8_t* f = p.filter + ch * taps;
      dead = std::all_of(f, f + taps, [](int8_t x) { return x == 0; });
    }
    if (dead) {
      if (in_run) ++runs;
      in_run = false;
      continue;
    }
    if (!in_run && runs == max_runs - 1) return computed + (out_c - ch);  // the last run
    in_run = true;
    ++computed;
  }
  return computed;
}

// CONV_2D, following ts_conv2d_s8_dsp: the eight-tap kernel (1x1 over 8 channels, modes
// 5-6); the im2col path with the quad kernel in modes 5-6 (four pixels per block in raster
// order, across row ends when the column has room to stage their outputs, else four of one
// row and pairs for each row's rest), pairs of pixels otherwise, a lone last pixel at about
// twice the cost per MAC, their MACs over the computed channels only (ComputedChannels); the
// int8 path for larger filters.
void ConvFeatures(const ops::PreparedOp& p, const Plan& plan, const Step& st, StepLatency* r) {
  const ts_conv_params& c = p.conv;
  const Window& w = st.window;
  const int64_t pixels = static_cast<int64_t>(w.h()) * w.w();
  const int64_t taps = static_cast<int64_t>(c.filter_h) * c.filter_w * c.filter_in_c;
  const int64_t k4 = (taps + 3) & ~int64_t{3};
  const double per_pixel = static_cast<double>(c.out_c) * taps;
  const double elems = static_cast<double>(pixels) * c.out_c;
  bool fits = c.filter_in_c == c.in_c && k4 > 0 && k4 <= kConvColMax;
  if (fits && c.in_c % 4 != 0 &&
      (k4 > kConvGatherMax || k4 > kConvColMax - kConvGatherWords || c.input_offset < -127 || c.input_offset > 128))
    fits = false;
  if (!fits) {
    r->cls = LatencyClass::kConvDirect;
    r->x[1] = per_pixel * pixels;
    r->x[2] = elems;
    return;
  }
  // ts_conv_k8_call: a 1x1 filter over 8 channels without padding, at least 4 pixels, the
  // table (kConvK8Words per channel) within the column's size, doubled modes
  if (c.in_c == 8 && c.filter_h == 1 && c.filter_w == 1 && c.pad_top == 0 && c.pad_left == 0 && pixels >= 4 &&
      kConvK8Words * static_cast<int64_t>(c.out_c) <= kConvColMax && ConvMode(p, 8) >= 5) {
    r->cls = LatencyClass::kConvEightTap;
    r->x[1] = elems;
    r->x[2] = static_cast<double>(pixels);
    r->x[3] = w.h();  // one assembly run per row of the window
    r->x[4] = c.out_c;
    return;
  }
  const bool gather = c.in_c % 4 != 0;
  const int64_t limit = kConvColMax - (gather ? kConvGatherWords : 0);  // the column's words
  int mode = ConvMode(p, k4);
  if (pixels == 1 && mode >= 5) mode = 4;  // one pixel keeps the undoubled column
  const bool quad = mode >= 5 && 2 * k4 <= limit && pixels >= 4;
  r->x[3] = static_cast<double>(pixels) * k4;  // column taps
  if (!quad) {
    r->cls = gather ? LatencyClass::kConvIm2colGather : LatencyClass::kConvIm2col;
    r->x[1] = per_pixel * pixels;
    r->x[2] = elems;
    r->x[4] = mode < 3 ? elems : 0;  // the general requantization
    r->x[5] = pixels % 2 ? per_pixel : 0;
    return;
  }
  r->cls = gather ? LatencyClass::kConvQuadGather : LatencyClass::kConvQuad;
  // whole rows of both buffers with a 1x1 stride-1 filter: the window as one row
  bool one_row = false;
  if (c.filter_h == 1 && c.filter_w == 1 && c.stride_h == 1 && c.stride_w == 1 && c.pad_top == 0 && c.pad_left == 0 &&
      c.in_c % 4 == 0 && !st.inputs.empty() && !st.outputs.empty()) {
    const Window& in_w = plan.buffers[st.inputs[0]].window;
    const Window& out_w = plan.buffers[st.outputs[0]].window;
    one_row = w.w() == out_w.w() && w.w() == in_w.w() && w.x0 == out_w.x0 && w.x0 == in_w.x0;
  }
  // ts_conv_col_run's use of the column past the four lanes: the constants table, the
  // quads' gather rows (Cin % 4 != 0), then the staged outputs of quads across row ends
  const bool table = 2 * k4 + 4 * static_cast<int64_t>(c.out_c) <= limit;
  const int64_t used = 2 * k4 + (table ? 4 * static_cast<int64_t>(c.out_c) : 0);
  const bool qgather = gather && used + k4 + 1 <= limit;
  const bool stage = used + (qgather ? k4 + 1 : 0) + c.out_c <= limit;
  // pruned channels: the run list in the rest of the column (a word per run, up to 64)
  const int64_t free_words = limit - used - (qgather ? k4 + 1 : 0) - (stage ? c.out_c : 0);
  const int32_t computed = free_words >= 2 ? ComputedChannels(p, taps, std::min<int64_t>(free_words, kConvLiveRuns))
                                           : c.out_c;
  const double run_per_pixel = static_cast<double>(computed) * taps;  // the MACs run per pixel
  double quads = 0, pairs = 0, lone = 0;
  if (one_row || stage) {  // quads in raster order (across row ends when staged)
    quads = static_cast<double>(pixels / 4 * 4);
    const int64_t rest = pixels % 4;
    pairs = static_cast<double>(rest / 2 * 2);
    lone = static_cast<double>(rest % 2);
  } else {
    // per row: quads, then pairs; a row's odd last pixel pairs with the next row's first
    bool rest = false;
    for (int32_t y = w.y0; y < w.y1; ++y) {
      int32_t left = w.w();
      if (rest) {
        pairs += 2;
        --left;
        rest = false;
      }
      quads += left & ~3;
      left &= 3;
      pairs += left / 2 * 2;
      rest = left % 2 != 0;
    }
    if (rest) lone = 1;
  }
  r->x[1] = run_per_pixel * quads;
  r->x[2] = elems;
  // the per-channel constants fit after the column: computed once per call, else per block
  r->x[4] = table ? 0 : quads * c.out_c;
  r->x[5] = run_per_pixel * lone;
  r->x[6] = run_per_pixel * pairs;
}

double ElementsOf(const ops::PreparedOp& p, const Window& w) {
  return static_cast<double>(w.h()) * w.w() * p.out_shape.c * p.out_shape.n;
}

StepLatency OpFeatures(const Graph& g, const Plan& plan, const Step& st, const ops::PreparedOp& p) {
  StepLatency r;
  r.x[0] = 1;
  const Window& w = st.window;
  const double elems = ElementsOf(p, w);
  const Operator& op = g.ops[st.op];
  const bool in16 = !op.inputs.empty() && op.inputs[0] >= 0 && g.tensors[op.inputs[0]].type == DType::kInt16;
  const bool out16 = !op.outputs.empty() && g.tensors[op.outputs[0]].type == DType::kInt16;
  switch (op.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
      if (in16) {  // ts_conv2d_s16 / ts_depthwise_conv2d_s16
        r.cls = LatencyClass::kConv16x8;
        r.x[1] = static_cast<double>(WindowMacs(g, st.op, w));
        r.x[2] = elems;
        break;
      }
      if (g.ops[st.op].type == OpType::kConv2D)
        ConvFeatures(p, plan, st, &r);
      else
        DepthwiseFeatures(p, w, StepOverlaps(plan, st), &r);
      // A batch above 1: one kernel call per image over the whole window.
      for (double& v : r.x) v *= p.in_shape.n;
      break;
    case OpType::kFullyConnected:
      r.cls = in16 ? LatencyClass::kFullyConnected16x8 : LatencyClass::kFullyConnected;
      r.x[1] = static_cast<double>(WindowMacs(g, st.op, w));
      r.x[2] = static_cast<double>(p.fc.batches) * p.fc.out_depth;
      break;
    case OpType::kAdd:
    case OpType::kSub:  // not fitted: SUB and SQUARED_DIFFERENCE rescale as ADD (the same tables)
    case OpType::kSquaredDifference:
      // Windows of 1024+ elements (TS_ADD_TABLE_MIN_ELEMENTS) rescale through two 256-entry
      // tables built per call; smaller ones requantize every element.
      if (out16) {  // ts_add_s16 / ts_sub_s16: every element requantized
        r.cls = LatencyClass::kElementwise16;
        r.x[1] = elems;
        break;
      }
      r.cls = LatencyClass::kAdd;
      {
        const bool tables = elems >= 1024 && p.out_elem_bytes == 1;
        r.x[1] = tables ? elems : 0;
        r.x[2] = tables ? 1 : 0;
        r.x[3] = tables ? 0 : elems;
      }
      break;
    case OpType::kMul:
    case OpType::kPrelu:  // not fitted: one requantization per element, as MUL
      r.cls = out16 && op.type == OpType::kMul ? LatencyClass::kElementwise16
                                                                          : LatencyClass::kMul;
      r.x[1] = elems;
      break;
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D:
      r.cls = g.ops[st.op].type == OpType::kAveragePool2D ? LatencyClass::kAvgPool : LatencyClass::kMaxPool;
      r.x[1] = elems * p.pool.filter_h * p.pool.filter_w;
      r.x[2] = static_cast<double>(w.h()) * w.w();
      break;
    case OpType::kPad:
      r.cls = LatencyClass::kPad;
      r.x[1] = elems * p.out_elem_bytes;
      r.x[2] = w.h();
      break;
    case OpType::kMean: {
      r.cls = LatencyClass::kMean;
      double in = 1;
      for (int32_t i = 0; i < p.mean.rank; ++i) in *= p.mean.dims[i];
      r.x[1] = in;
      r.x[2] = elems;
      break;
    }
    case OpType::kSoftmax:
      r.cls = LatencyClass::kSoftmax;
      r.x[1] = static_cast<double>(p.softmax_rows) * p.softmax_depth;
      r.x[2] = p.softmax_rows;
      break;
    case OpType::kQuantize:
      // float32 -> int8 or int16 (the int16 one: the same division and rounding per element)
      if (g.tensors[g.ops[st.op].inputs[0]].type == DType::kFloat32) {
        r.cls = LatencyClass::kQuantizeF32;
        r.x[1] = elems;
        r.x[2] = w.h();
      } else {
        r.cls = LatencyClass::kRequantize;
        r.x[1] = elems;
      }
      break;
    case OpType::kRelu:
      r.cls = LatencyClass::kRequantize;
      r.x[1] = elems;
      break;
    case OpType::kRelu6:
    case OpType::kLogistic:
    case OpType::kHardSwish:
    case OpType::kDequantize:
      r.cls = LatencyClass::kActivation;
      r.x[1] = elems;
      break;
    case OpType::kReshape:
    case OpType::kSqueeze:  // not fitted: RESHAPE's (the same copy)
    case OpType::kExpandDims: {
      r.cls = LatencyClass::kReshape;
      bool same = false;
      if (!st.inputs.empty() && !st.outputs.empty()) {
        const Buffer& a = plan.buffers[st.inputs[0]];
        const Buffer& b = plan.buffers[st.outputs[0]];
        same = SameMemory(a, b) && a.offset == b.offset;
      }
      r.x[0] = same ? 0 : 1;  // in place: the generated code does nothing
      r.x[1] = same ? 0 : static_cast<double>(p.copy_bytes);
      break;
    }
    case OpType::kReadVariable:    // not fitted: RESHAPE's (ts_copy_bytes of the resource's bytes)
    case OpType::kAssignVariable:  // likewise (state <- value)
      r.cls = LatencyClass::kReshape;
      r.x[0] = 1;
      r.x[1] = static_cast<double>(g.tensors[g.ops[st.op].inputs[0]].num_bytes());
      break;
    case OpType::kConcatenation:
    case OpType::kTranspose:
    case OpType::kResizeNearestNeighbor:
      r.cls = LatencyClass::kWholeCopy;
      r.x[1] = elems * p.out_elem_bytes;
      break;
    // Not fitted yet (no shared model of the latency fit uses them): element-wise ones as an
    // activation per element, the others as the bytes they move.
    case OpType::kResizeBilinear:
    case OpType::kMaximum:
    case OpType::kMinimum:
    case OpType::kLeakyRelu:
    case OpType::kTanh:
    case OpType::kAbs:
    case OpType::kRsqrt:
    case OpType::kElu:
    case OpType::kNeg:
      r.cls = LatencyClass::kActivation;
      r.x[1] = elems;
      break;
    case OpType::kLogSoftmax:
      r.cls = LatencyClass::kSoftmax;
      r.x[1] = static_cast<double>(p.softmax_rows) * p.softmax_depth;
      r.x[2] = p.softmax_rows;
      break;
    case OpType::kSvdf:
    case OpType::kTransposeConv:
    case OpType::kUnidirectionalSequenceLstm:
      r.cls = g.ops[st.op].type == OpType::kSvdf            ? LatencyClass::kSvdf
              : g.ops[st.op].type == OpType::kTransposeConv ? LatencyClass::kTransposeConv
                                                            : LatencyClass::kLstm;
      r.x[1] = static_cast<double>(WindowMacs(g, st.op, w));
      r.x[2] = static_cast<double>(p.out_shape.n) * p.out_shape.h * p.out_shape.w * p.out_shape.c;
      break;
    case OpType::kSum:  // not fitted: MEAN's features
      r.cls = LatencyClass::kMean;
      r.x[1] = static_cast<double>(g.tensors[g.ops[st.op].inputs[0]].num_elements());
      r.x[2] = elems;
      break;
    case OpType::kArgMax:
    case OpType::kArgMin:
    case OpType::kDepthToSpace:
    case OpType::kSpaceToDepth:
    case OpType::kSpaceToBatchNd:
    case OpType::kBatchToSpaceNd:
    case OpType::kShape:
    case OpType::kStridedSlice:
    case OpType::kPack:
    case OpType::kReduceMax:
    case OpType::kReduceMin:
    case OpType::kTile:
    case OpType::kGather:
    case OpType::kMirrorPad:
      r.cls = LatencyClass::kWholeCopy;
      r.x[1] = elems * p.out_elem_bytes;
      break;
  }
  return r;
}

StepLatency CopyFeatures(const Graph& g, const Plan& plan, const Step& st) {
  StepLatency r;
  r.cls = LatencyClass::kCopy;
  r.x[0] = 1;
  const Buffer& src = plan.buffers[st.inputs[0]];
  const Buffer& dst = plan.buffers[st.outputs[0]];
  if (SameMemory(src, dst) && src.offset == dst.offset && src.window == dst.window) {
    r.x[0] = 0;  // the same bytes: the generated code does nothing
    return r;
  }
  const Tensor& t = g.tensors[src.tensor];
  const Shape4 sh = AsNHWC(t.shape);
  const double row = static_cast<double>(st.window.w()) * sh.c * sh.n * DTypeSize(t.type);
  r.x[1] = row * st.window.h();
  // one block when both buffers hold exactly the window's columns, else one per row
  r.x[2] = (src.window.w() == st.window.w() && dst.window.w() == st.window.w()) ? 1 : st.window.h();
  return r;
}

void CheckStep(const Graph& g, const Plan& plan, int s) {
  if (s < 0 || s >= static_cast<int>(plan.steps.size()))
    throw Error("latency: step " + std::to_string(s) + " out of range");
  const Step& st = plan.steps[s];
  const int nb = static_cast<int>(plan.buffers.size());
  for (int b : st.inputs)
    if (b < 0 || b >= nb) throw Error("latency: step " + std::to_string(s) + " reads buffer " + std::to_string(b) + " out of range");
  for (int b : st.outputs)
    if (b < 0 || b >= nb) throw Error("latency: step " + std::to_string(s) + " writes buffer " + std::to_string(b) + " out of range");
  if (st.kind == StepKind::kCopy) {
    if (st.inputs.size() != 1 || st.outputs.size() != 1)
      throw Error("latency: copy step " + std::to_string(s) + " needs one source and one destination buffer");
    const int t = plan.buffers[st.inputs[0]].tensor;
    if (t < 0 || t >= static_cast<int>(g.tensors.size()))
      throw Error("latency: copy step " + std::to_string(s) + " copies a buffer without a tensor");
  } else if (st.op < 0 || st.op >= static_cast<int>(g.ops.size())) {
    throw Error("latency: step " + std::to_string(s) + " runs operator " + std::to_string(st.op) + ", out of range");
  }
}

// The enumerator's name after the k, for LatencyTableSource.
const char* EnumName(LatencyClass c) {
  switch (c) {
    case LatencyClass::kConvIm2col: return "ConvIm2col";
    case LatencyClass::kConvIm2colGather: return "ConvIm2colGather";
    case LatencyClass::kConvQuad: return "ConvQuad";
    case LatencyClass::kConvQuadGather: return "ConvQuadGather";
    case LatencyClass::kConvEightTap: return "ConvEightTap";
    case LatencyClass::kConvDirect: return "ConvDirect";
    case LatencyClass::kDwRun3: return "DwRun3";
    case LatencyClass::kDwRun3Stride2: return "DwRun3Stride2";
    case LatencyClass::kDwWide: return "DwWide";
    case LatencyClass::kDwPair: return "DwPair";
    case LatencyClass::kDwPortable: return "DwPortable";
    case LatencyClass::kFullyConnected: return "FullyConnected";
    case LatencyClass::kAdd: return "Add";
    case LatencyClass::kMul: return "Mul";
    case LatencyClass::kAvgPool: return "AvgPool";
    case LatencyClass::kMaxPool: return "MaxPool";
    case LatencyClass::kPad: return "Pad";
    case LatencyClass::kMean: return "Mean";
    case LatencyClass::kSoftmax: return "Softmax";
    case LatencyClass::kQuantizeF32: return "QuantizeF32";
    case LatencyClass::kRequantize: return "Requantize";
    case LatencyClass::kActivation: return "Activation";
    case LatencyClass::kReshape: return "Reshape";
    case LatencyClass::kWholeCopy: return "WholeCopy";
    case LatencyClass::kConv16x8: return "Conv16x8";
    case LatencyClass::kFullyConnected16x8: return "FullyConnected16x8";
    case LatencyClass::kTransposeConv: return "TransposeConv";
    case LatencyClass::kElementwise16: return "Elementwise16";
    case LatencyClass::kSvdf: return "Svdf";
    case LatencyClass::kLstm: return "Lstm";
    case LatencyClass::kCopy: return "Copy";
  }
  return "?";
}

double Dot(const std::array<double, kLatencyFeatures>& c, const std::array<double, kLatencyFeatures>& x) {
  double v = 0;
  for (int i = 0; i < kLatencyFeatures; ++i) v += c[i] * x[i];
  return v;
}

// Weighted least squares over the features in `use` (others 0); false when singular.
bool SolveWeighted(const std::vector<const LatencySample*>& rows, const std::array<bool, kLatencyFeatures>& use,
                   std::array<double, kLatencyFeatures>* coef) {
  std::vector<int> idx;
  for (int i = 0; i < kLatencyFeatures; ++i)
    if (use[i]) idx.push_back(i);
  const int n = static_cast<int>(idx.size());
  coef->fill(0);
  if (n == 0) return true;
  // column scales (root mean square) for conditioning
  std::vector<double> scale(n, 0);
  for (const LatencySample* r : rows)
    for (int a = 0; a < n; ++a) scale[a] += r->step.x[idx[a]] * r->step.x[idx[a]];
  for (int a = 0; a < n; ++a) scale[a] = scale[a] > 0 ? std::sqrt(scale[a] / rows.size()) : 1;
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0));
  for (const LatencySample* r : rows) {
    const double w = 1.0 / std::sqrt(std::max(r->measured, 1.0));
    for (int a = 0; a < n; ++a) {
      const double xa = r->step.x[idx[a]] / scale[a];
      for (int b = 0; b < n; ++b) m[a][b] += w * xa * r->step.x[idx[b]] / scale[b];
      m[a][n] += w * xa * r->measured;
    }
  }
  for (int a = 0; a < n; ++a) m[a][a] *= 1 + 1e-9;  // a whisper of ridge
  for (int col = 0; col < n; ++col) {
    int piv = col;
    for (int r = col + 1; r < n; ++r)
      if (std::fabs(m[r][col]) > std::fabs(m[piv][col])) piv = r;
    if (std::fabs(m[piv][col]) < 1e-12) return false;
    std::swap(m[col], m[piv]);
    for (int r = 0; r < n; ++r) {
      if (r == col) continue;
      const double f = m[r][col] / m[col][col];
      for (int c = col; c <= n; ++c) m[r][c] -= f * m[col][c];
    }
  }
  for (int a = 0; a < n; ++a) (*coef)[idx[a]] = m[a][n] / m[a][a] / scale[a];
  return true;
}

}  // namespace

LatencyModel FitLatencyModel(const std::vector<LatencySample>& samples, const LatencyModel& fallback) {
  LatencyModel out = fallback;
  for (int k = 0; k < kNumLatencyClasses; ++k) {
    std::vector<const LatencySample*> rows;
    for (const LatencySample& s : samples)
      if (static_cast<int>(s.step.cls) == k) rows.push_back(&s);
    out.samples[k] = static_cast<int>(rows.size());
    if (rows.empty()) {
      out.samples[k] = 0;
      continue;
    }
    std::array<bool, kLatencyFeatures> use{};
    for (const LatencySample* r : rows)
      for (int i = 0; i < kLatencyFeatures; ++i) use[i] = use[i] || r->step.x[i] != 0;
    // No more features than samples (a class only one or two models exercise): the per-call
    // term goes first, then the last features, so one sample fits its first feature alone.
    for (;;) {
      int n = 0, last = -1;
      for (int i = 0; i < kLatencyFeatures; ++i)
        if (use[i]) ++n, last = i;
      if (n <= static_cast<int>(rows.size()) || n <= 1) break;
      use[use[0] ? 0 : last] = false;
    }
    std::array<double, kLatencyFeatures> coef{};
    for (;;) {
      if (!SolveWeighted(rows, use, &coef)) {
        // singular (features collinear over the samples, e.g. a flag set in every sample): drop
        // the per-call term first, then the last feature in use, and retry
        int last = -1;
        for (int i = 0; i < kLatencyFeatures; ++i)
          if (use[i]) last = i;
        if (use[0]) last = 0;
        if (last < 0) break;
        use[last] = false;
        continue;
      }
      int worst = -1;
      for (int i = 0; i < kLatencyFeatures; ++i)
        if (use[i] && coef[i] < 0 && (worst < 0 || coef[i] < coef[worst])) worst = i;
      if (worst < 0) break;
      use[worst] = false;
    }
    out.coef[k] = coef;
  }
  return out;
}

std::string LatencyTableSource(const LatencyModel& m) {
  std::string s;
  for (int k = 0; k < kNumLatencyClasses; ++k) {
    const LatencyClass c = static_cast<LatencyClass>(k);
    char buf[256];
    std::snprintf(buf, sizeof buf, "    {LatencyClass::k%s, %.4g, %.4g, %.4g, %.4g, %.4g, %.4g, %.4g, %d},\n",
                  EnumName(c), m.coef[k][0], m.coef[k][1], m.coef[k][2], m.coef[k][3], m.coef[k][4], m.coef[k][5],
                  m.coef[k][6], m.samples[k]);
    std::string row = buf;
    if (m.samples[k] == 0) row.insert(row.size() - 1, "  // no sample: kept from the previous table");
    s += row;
  }
  return s;
}

const char* LatencyClassName(LatencyClass c) {
  switch (c) {
    case LatencyClass::kConvIm2col: return "conv_im2col";
    case LatencyClass::kConvIm2colGather: return "conv_im2col_gather";
    case LatencyClass::kConvQuad: return "conv_quad";
    case LatencyClass::kConvQuadGather: return "conv_quad_gather";
    case LatencyClass::kConvEightTap: return "conv_eight_tap";
    case LatencyClass::kConvDirect: return "conv_direct";
    case LatencyClass::kDwRun3: return "dw_run3";
    case LatencyClass::kDwRun3Stride2: return "dw_run3_s2";
    case LatencyClass::kDwWide: return "dw_wide";
    case LatencyClass::kDwPair: return "dw_pair";
    case LatencyClass::kDwPortable: return "dw_portable";
    case LatencyClass::kFullyConnected: return "fully_connected";
    case LatencyClass::kAdd: return "add";
    case LatencyClass::kMul: return "mul";
    case LatencyClass::kAvgPool: return "avg_pool";
    case LatencyClass::kMaxPool: return "max_pool";
    case LatencyClass::kPad: return "pad";
    case LatencyClass::kMean: return "mean";
    case LatencyClass::kSoftmax: return "softmax";
    case LatencyClass::kQuantizeF32: return "quantize_f32";
    case LatencyClass::kRequantize: return "requantize";
    case LatencyClass::kActivation: return "activation";
    case LatencyClass::kReshape: return "reshape";
    case LatencyClass::kWholeCopy: return "whole_copy";
    case LatencyClass::kConv16x8: return "conv_16x8";
    case LatencyClass::kFullyConnected16x8: return "fully_connected_16x8";
    case LatencyClass::kTransposeConv: return "transpose_conv";
    case LatencyClass::kElementwise16: return "elementwise_16";
    case LatencyClass::kSvdf: return "svdf";
    case LatencyClass::kLstm: return "lstm";
    case LatencyClass::kCopy: return "copy";
  }
  return "?";
}

std::array<const char*, kLatencyFeatures - 1> LatencyClassFeatureNames(LatencyClass c) {
  switch (c) {
    case LatencyClass::kConvIm2col:
    case LatencyClass::kConvIm2colGather:
      return {"MACs", "out elements", "column taps", "general requantizations", "lone-pixel MACs", ""};
    case LatencyClass::kConvQuad:
    case LatencyClass::kConvQuadGather:
      return {"quad MACs", "out elements", "column taps", "quad outputs without the constants table", "lone-pixel MACs",
              "pair MACs"};  // MACs of the computed (not pruned) channels
    case LatencyClass::kConvEightTap: return {"out elements", "pixels", "rows", "table channels", "", ""};
    case LatencyClass::kDwPortable:
    case LatencyClass::kConvDirect:
    case LatencyClass::kConv16x8:
    case LatencyClass::kFullyConnected16x8:
    case LatencyClass::kTransposeConv:
    case LatencyClass::kSvdf:
    case LatencyClass::kLstm:
    case LatencyClass::kFullyConnected: return {"MACs", "out elements", "", "", "", ""};
    case LatencyClass::kElementwise16: return {"elements", "", "", "", "", ""};
    // depthwise MACs: over the taps computed (DepthwiseFeatures)
    case LatencyClass::kDwRun3:
    case LatencyClass::kDwRun3Stride2:
    case LatencyClass::kDwWide:
    case LatencyClass::kDwPair:
      return {"run MACs", "channel runs", "one-pixel MACs", "channel run rows", "bytes staged (overlap)", "pair MACs"};
    case LatencyClass::kAdd: return {"elements (tables)", "tables built", "elements (no table)", "", "", ""};
    case LatencyClass::kAvgPool:
    case LatencyClass::kMaxPool: return {"elements x taps", "pixels", "", "", "", ""};
    case LatencyClass::kPad: return {"out bytes", "rows", "", "", "", ""};
    case LatencyClass::kMean: return {"in elements", "out elements", "", "", "", ""};
    case LatencyClass::kSoftmax: return {"elements", "rows", "", "", "", ""};
    case LatencyClass::kQuantizeF32: return {"elements", "rows", "", "", "", ""};
    case LatencyClass::kMul:
    case LatencyClass::kRequantize:
    case LatencyClass::kActivation: return {"elements", "", "", "", "", ""};
    case LatencyClass::kReshape:
    case LatencyClass::kWholeCopy: return {"bytes", "", "", "", "", ""};
    case LatencyClass::kCopy: return {"bytes", "blocks", "", "", "", ""};
  }
  return {"", "", "", "", "", ""};
}

const LatencyModel& DefaultLatencyModel() {
  static const LatencyModel m = BuildModel(kTable);
  return m;
}

const char* LatencyModelSource() { return kTableSource; }

const LatencyModel& DefaultCycleModel() {
  static const LatencyModel m = BuildModel(kCycleTable);
  return m;
}

const LatencyModel& DefaultWaitUnitModel() {
  static const LatencyModel m = BuildModel(kWaitUnitTable);
  return m;
}

const char* CycleModelSource() { return kCycleTableSource; }

StepLatency StepLatencyFeatures(const Graph& g, const Plan& plan, int s) {
  CheckStep(g, plan, s);
  const Step& st = plan.steps[s];
  if (st.kind == StepKind::kCopy) return CopyFeatures(g, plan, st);
  const ops::PreparedOp p = ops::PrepareOp(g, st.op, st.fused_pad);
  return OpFeatures(g, plan, st, p);
}

namespace {

// Class and features of every step (StepLatencyFeatures), preparing each operator once.
LatencyEstimate AllFeatures(const Graph& g, const Plan& plan) {
  LatencyEstimate e;
  e.steps.reserve(plan.steps.size());
  std::map<std::pair<int, int>, ops::PreparedOp> prepared;  // (op, fused PAD)
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    CheckStep(g, plan, s);
    const Step& st = plan.steps[s];
    if (st.kind == StepKind::kCopy) {
      e.steps.push_back(CopyFeatures(g, plan, st));
    } else {
      const auto key = std::make_pair(st.op, st.fused_pad);
      auto it = prepared.find(key);
      if (it == prepared.end()) it = prepared.emplace(key, ops::PrepareOp(g, st.op, st.fused_pad)).first;
      e.steps.push_back(OpFeatures(g, plan, st, it->second));
    }
  }
  return e;
}

}  // namespace

LatencyEstimate EstimateInstructions(const Graph& g, const Plan& plan, const LatencyModel* model) {
  const LatencyModel& m = model ? *model : DefaultLatencyModel();
  LatencyEstimate e = AllFeatures(g, plan);
  for (StepLatency& r : e.steps) {
    r.instructions = Dot(m.coef[static_cast<int>(r.cls)], r.x);
    e.instructions += r.instructions;
  }
  return e;
}

LatencyEstimate EstimateCycles(const Graph& g, const Plan& plan, int wait_states, const LatencyModel* cycles,
                               const LatencyModel* wait_units) {
  if (wait_states < 0 || wait_states > 100)
    throw Error("cycle estimate: wait states must be in [0, 100], got " + std::to_string(wait_states));
  const LatencyModel& c = cycles ? *cycles : DefaultCycleModel();
  const LatencyModel& u = wait_units ? *wait_units : DefaultWaitUnitModel();
  LatencyEstimate e = AllFeatures(g, plan);
  e.wait_states = wait_states;
  for (StepLatency& r : e.steps) {
    const int k = static_cast<int>(r.cls);
    r.wait_units = Dot(u.coef[k], r.x);
    r.cycles = Dot(c.coef[k], r.x) + wait_states * r.wait_units;
    e.cycles += r.cycles;
    e.wait_units += r.wait_units;
  }
  return e;
}

}  // namespace tessera
