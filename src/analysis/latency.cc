#include "analysis/latency.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "analysis/macs.h"
#include "ops/ops.h"

namespace tessera {
namespace {

// ---------------------------------------------------------------------------------------
// THE COEFFICIENT TABLE. Instructions of a step = c0 + c1*x1 + ... + c5*x5 with the
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
  double c0, c1, c2, c3, c4, c5;
  int samples;
};
constexpr const char* kTableSource = "bench_latency --fit, 2026-11-22 (kernels at commit b27016b)";
constexpr TableRow kTable[] = {
    // clang-format off
    {LatencyClass::kConvIm2col, 1162, 1.086, 24.22, 3.486, 10.32, 1.166, 1650},
    {LatencyClass::kConvIm2colGather, 790.3, 0.9629, 31.05, 9.481, 5.18, 1.846, 348},
    {LatencyClass::kConvDirect, 1916, 1.4, 23.96, 0, 8.838, 0, 0},  // guess: im2col's per call and per output, slower MACs
    {LatencyClass::kDwRun3, 2298, 3.672, 98.07, 11.99, 83.85, 0, 539},
    {LatencyClass::kDwRun3Stride2, 793.7, 3.976, 79.98, 8.056, 108.3, 0, 501},
    {LatencyClass::kDwWide, 1.763e+04, 3.334, 449.1, 7.215, 225.1, 0, 24},
    {LatencyClass::kDwPair, 0, 4, 51.25, 2.62, 0, 0, 0},  // guess: one-pixel MACs as dw_overlap
    {LatencyClass::kDwOverlap, 934.8, 2.949, 48.88, 0, 0, 0, 125},
    {LatencyClass::kDwPortable, 0, 12, 51.25, 0, 0, 0, 0},  // guess: portable loops
    {LatencyClass::kFullyConnected, 147.9, 1.775, 71.74, 0, 0, 0, 24},
    {LatencyClass::kAdd, 165.6, 47.25, 1.5e+04, 105, 0, 0, 248},
    {LatencyClass::kMul, 0, 50, 0, 0, 0, 0, 0},  // guess: ADD's per element
    {LatencyClass::kAvgPool, 6836, 8.015, 6836, 0, 0, 0, 24},
    {LatencyClass::kMaxPool, 0, 7.776, 1.444e+04, 0, 0, 0, 0},  // guess: as avg_pool
    {LatencyClass::kPad, 0, 0.9583, 156.2, 0, 0, 0, 4},
    {LatencyClass::kMean, 0, 28.47, 85.41, 0, 0, 0, 12},
    {LatencyClass::kSoftmax, 549.7, 173.9, 549.7, 0, 0, 0, 24},
    {LatencyClass::kQuantizeF32, 204.2, 44.84, 21.67, 0, 0, 0, 97},
    {LatencyClass::kRequantize, 0, 30, 0, 0, 0, 0, 0},  // guess: below quantize_f32
    {LatencyClass::kActivation, 156.5, 78.24, 0, 0, 0, 0, 6},
    {LatencyClass::kReshape, 72.32, 1.109, 0, 0, 0, 0, 24},
    {LatencyClass::kWholeCopy, 1.013e+04, 7.032, 0, 0, 0, 0, 6},
    {LatencyClass::kCopy, 106.2, 1.027, 37.98, 0, 0, 0, 5440},
    // clang-format on
};
static_assert(sizeof(kTable) / sizeof(kTable[0]) == kNumLatencyClasses, "one row per class");

LatencyModel BuildDefault() {
  LatencyModel m;
  for (const TableRow& r : kTable) {
    const int i = static_cast<int>(r.cls);
    m.coef[i] = {r.c0, r.c1, r.c2, r.c3, r.c4, r.c5};
    m.samples[i] = r.samples;
  }
  return m;
}

bool Overlaps(const Buffer& a, const Buffer& b) {
  return a.external == b.external && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
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

// MACs are counted over the taps the kernels compute: the border pixels next to the runs
// skip padding taps (a 7x7 filter over a 3x3 input computes a fraction of its nominal MACs);
// the runs skip padding rows and compute the padding columns next to the interior.
void DepthwiseFeatures(const ops::PreparedOp& p, const Window& w, bool overlap, StepLatency* r) {
  const ts_conv_params& c = p.conv;
  const int64_t pixels = static_cast<int64_t>(w.h()) * w.w();
  const double C = c.out_c;
  std::vector<int32_t> vy(std::max(0, w.h())), vx(std::max(0, w.w()));
  for (int32_t oy = w.y0; oy < w.y1; ++oy)
    vy[oy - w.y0] = ValidTaps(oy * c.stride_h - c.pad_top, c.dilation_h, c.filter_h, c.in_h);
  for (int32_t ox = w.x0; ox < w.x1; ++ox)
    vx[ox - w.x0] = ValidTaps(ox * c.stride_w - c.pad_left, c.dilation_w, c.filter_w, c.in_w);
  // valid-tap MACs of the pixels in columns [x0, x1) (global), every row
  auto valid_macs = [&](int32_t x0, int32_t x1) {
    double cols = 0, rows = 0;
    for (int32_t ox = std::max(x0, w.x0); ox < std::min(x1, w.x1); ++ox) cols += vx[ox - w.x0];
    for (int32_t v : vy) rows += v;
    return rows * cols * C;
  };
  r->x[2] = static_cast<double>(pixels) * c.out_c;
  if (c.in_c * c.depth_multiplier != c.out_c || (c.depth_multiplier != 1 && c.depth_multiplier % 4 != 0)) {
    r->cls = LatencyClass::kDwPortable;
    r->x[1] = valid_macs(w.x0, w.x1);
    return;
  }
  if (overlap) {
    // every pixel one at a time; measured, the padding taps cost about what the others do
    // (a 3x3 border pixel as much as an interior one): nominal MACs
    r->cls = LatencyClass::kDwOverlap;
    r->x[1] = static_cast<double>(pixels) * C * c.filter_h * c.filter_w;
    return;
  }
  const int32_t fw = c.filter_w, sw = c.stride_w, dw = c.dilation_w;
  const bool runs = fw == 3 && dw == 1 && (sw == 1 || sw == 2) && c.filter_h <= 3;
  const bool wide = (fw == 5 || fw == 7) && dw == 1 && (sw == 1 || sw == 2);
  r->cls = runs ? (sw == 2 ? LatencyClass::kDwRun3Stride2 : LatencyClass::kDwRun3)
                : wide ? LatencyClass::kDwWide : LatencyClass::kDwPair;
  if (runs || wide) r->x[2] = 0;  // channel runs, below
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
  double fast = 0, slow = 0;
  if ((runs || wide) && width >= 2) {
    // Rows are grouped by their range of valid tap rows; each group's rows go through the
    // run kernel TS_DW_RUN (32) pixels at a time, several rows per call when the runs are
    // narrower; every call loops over the channels (x2 counts channel runs, x4 channel rows).
    constexpr int32_t kRun = 32;
    const int32_t per = width < kRun ? kRun / width : 1;
    const int64_t chunks_per_row = (width + kRun - 1) / kRun;
    int64_t calls = 0, run_rows = 0;
    int32_t oy = w.y0;
    while (oy < w.y1) {
      const int32_t first = FirstValidTap(oy * c.stride_h - c.pad_top, c.dilation_h, c.filter_h, c.in_h);
      const int32_t n = vy[oy - w.y0];
      int32_t rows = 1;
      while (oy + rows < w.y1 &&
             FirstValidTap((oy + rows) * c.stride_h - c.pad_top, c.dilation_h, c.filter_h, c.in_h) == first &&
             vy[oy + rows - w.y0] == n)
        ++rows;
      if (n > 0) {
        fast += static_cast<double>(rows) * width * n * fw * C;
        calls += (rows + per - 1) / per * chunks_per_row;
        run_rows += static_cast<int64_t>(rows) * chunks_per_row;
      }
      oy += rows;
    }
    slow = valid_macs(w.x0, seg_lo) + valid_macs(seg_hi, w.x1);
    r->x[2] = static_cast<double>(calls) * c.out_c;
    r->x[4] = static_cast<double>(run_rows) * c.out_c;
  } else if (!runs && !wide && c.depth_multiplier == 1) {
    // interior pixel pairs on rows whose taps all lie inside the input; the rest one at a time
    const double pair_cols = width - width % 2;
    double full_rows = 0;
    for (int32_t v : vy) full_rows += v == c.filter_h;
    fast = full_rows * pair_cols * c.filter_h * fw * C;
    slow = valid_macs(w.x0, w.x1) - fast;
  } else {
    slow = valid_macs(w.x0, w.x1);
  }
  r->x[1] = fast;
  r->x[3] = slow;
}

void ConvFeatures(const ops::PreparedOp& p, const Window& w, StepLatency* r) {
  const ts_conv_params& c = p.conv;
  const int64_t pixels = static_cast<int64_t>(w.h()) * w.w();
  const int64_t taps = static_cast<int64_t>(c.filter_h) * c.filter_w * c.filter_in_c;
  const int64_t k4 = (taps + 3) & ~int64_t{3};
  r->x[1] = static_cast<double>(pixels) * c.out_c * taps;
  r->x[2] = static_cast<double>(pixels) * c.out_c;
  if (c.filter_in_c != c.in_c || k4 <= 0 || k4 > 576) {
    r->cls = LatencyClass::kConvDirect;
    return;
  }
  if (c.in_c % 4 != 0) {
    if (k4 > 128 || c.input_offset < -127 || c.input_offset > 128) {
      r->cls = LatencyClass::kConvDirect;
      return;
    }
    r->cls = LatencyClass::kConvIm2colGather;
  } else {
    r->cls = LatencyClass::kConvIm2col;
  }
  r->x[3] = static_cast<double>(pixels) * k4;
  // The requantization of the pixel pairs (conv_dsp.c): fastest with every shift in
  // [-23, -1], an output offset in int8 and no clamp inside int8; x4 counts the output
  // elements of the other cases.
  bool fast = c.act_min >= -128 && c.act_max <= 127 && c.act_min <= c.act_max && c.output_offset >= -128 &&
              c.output_offset <= 127 && c.act_min == -128 && c.act_max == 127;
  for (int32_t ch = 0; fast && ch < c.out_c; ++ch) {
    const int32_t sh = ch < static_cast<int32_t>(p.shifts.size()) ? p.shifts[ch] : 0;
    const int32_t m = ch < static_cast<int32_t>(p.multipliers.size()) ? p.multipliers[ch] : 0;
    fast = m != INT32_MIN && sh >= -23 && sh <= -1;
  }
  r->x[4] = fast ? 0 : r->x[2];
  // Pixels go through the micro-kernel two at a time (row-major over the window); an odd
  // count leaves one pixel to a single-pixel kernel at about twice the cost per MAC.
  r->x[5] = pixels % 2 ? static_cast<double>(c.out_c) * taps : 0;
}

double ElementsOf(const ops::PreparedOp& p, const Window& w) {
  return static_cast<double>(w.h()) * w.w() * p.out_shape.c * p.out_shape.n;
}

StepLatency OpFeatures(const Graph& g, const Plan& plan, const Step& st, const ops::PreparedOp& p) {
  StepLatency r;
  r.x[0] = 1;
  const Window& w = st.window;
  const double elems = ElementsOf(p, w);
  switch (g.ops[st.op].type) {
    case OpType::kConv2D: ConvFeatures(p, w, &r); break;
    case OpType::kDepthwiseConv2D: DepthwiseFeatures(p, w, StepOverlaps(plan, st), &r); break;
    case OpType::kFullyConnected:
      r.cls = LatencyClass::kFullyConnected;
      r.x[1] = static_cast<double>(WindowMacs(g, st.op, w));
      r.x[2] = static_cast<double>(p.fc.batches) * p.fc.out_depth;
      break;
    case OpType::kAdd:
      // Windows of 1024+ elements (TS_ADD_TABLE_MIN_ELEMENTS) rescale through two 256-entry
      // tables built per call; smaller ones requantize every element.
      r.cls = LatencyClass::kAdd;
      r.x[1] = elems >= 1024 ? elems : 0;
      r.x[2] = elems >= 1024 ? 1 : 0;
      r.x[3] = elems >= 1024 ? 0 : elems;
      break;
    case OpType::kMul:
      r.cls = LatencyClass::kMul;
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
      if (p.impl == ops::Impl::kQuantizeF32) {
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
    case OpType::kReshape: {
      r.cls = LatencyClass::kReshape;
      bool same = false;
      if (!st.inputs.empty() && !st.outputs.empty()) {
        const Buffer& a = plan.buffers[st.inputs[0]];
        const Buffer& b = plan.buffers[st.outputs[0]];
        same = a.external == b.external && a.offset == b.offset;
      }
      r.x[0] = same ? 0 : 1;  // in place: the generated code does nothing
      r.x[1] = same ? 0 : static_cast<double>(p.copy_bytes);
      break;
    }
    case OpType::kConcatenation:
    case OpType::kTranspose:
    case OpType::kResizeNearestNeighbor:
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
  if (src.external == dst.external && src.offset == dst.offset && src.window == dst.window) {
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
    case LatencyClass::kConvDirect: return "ConvDirect";
    case LatencyClass::kDwRun3: return "DwRun3";
    case LatencyClass::kDwRun3Stride2: return "DwRun3Stride2";
    case LatencyClass::kDwWide: return "DwWide";
    case LatencyClass::kDwPair: return "DwPair";
    case LatencyClass::kDwOverlap: return "DwOverlap";
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
    std::snprintf(buf, sizeof buf, "    {LatencyClass::k%s, %.4g, %.4g, %.4g, %.4g, %.4g, %.4g, %d},\n", EnumName(c),
                  m.coef[k][0], m.coef[k][1], m.coef[k][2], m.coef[k][3], m.coef[k][4], m.coef[k][5], m.samples[k]);
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
    case LatencyClass::kConvDirect: return "conv_direct";
    case LatencyClass::kDwRun3: return "dw_run3";
    case LatencyClass::kDwRun3Stride2: return "dw_run3_s2";
    case LatencyClass::kDwWide: return "dw_wide";
    case LatencyClass::kDwPair: return "dw_pair";
    case LatencyClass::kDwOverlap: return "dw_overlap";
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
    case LatencyClass::kCopy: return "copy";
  }
  return "?";
}

std::array<const char*, kLatencyFeatures - 1> LatencyClassFeatureNames(LatencyClass c) {
  switch (c) {
    case LatencyClass::kConvIm2col:
    case LatencyClass::kConvIm2colGather:
      return {"MACs", "out elements", "column taps", "clamped or general requantizations", "lone-pixel MACs"};
    case LatencyClass::kDwOverlap:
    case LatencyClass::kDwPortable:
    case LatencyClass::kConvDirect:
    case LatencyClass::kFullyConnected: return {"MACs", "out elements", "", "", ""};
    case LatencyClass::kDwRun3:
    case LatencyClass::kDwRun3Stride2:
    case LatencyClass::kDwWide: return {"run MACs", "channel runs", "one-pixel MACs", "channel run rows", ""};
    case LatencyClass::kDwPair: return {"pair MACs", "out elements", "one-pixel MACs", "", ""};
    // (depthwise MACs: over the taps computed, see DepthwiseFeatures)
    case LatencyClass::kAdd: return {"elements (tables)", "tables built", "elements (no table)", "", ""};
    case LatencyClass::kAvgPool:
    case LatencyClass::kMaxPool: return {"elements x taps", "pixels", "", "", ""};
    case LatencyClass::kPad: return {"out bytes", "rows", "", "", ""};
    case LatencyClass::kMean: return {"in elements", "out elements", "", "", ""};
    case LatencyClass::kSoftmax: return {"elements", "rows", "", "", ""};
    case LatencyClass::kQuantizeF32: return {"elements", "rows", "", "", ""};
    case LatencyClass::kMul:
    case LatencyClass::kRequantize:
    case LatencyClass::kActivation: return {"elements", "", "", "", ""};
    case LatencyClass::kReshape:
    case LatencyClass::kWholeCopy: return {"bytes", "", "", "", ""};
    case LatencyClass::kCopy: return {"bytes", "blocks", "", "", ""};
  }
  return {"", "", "", "", ""};
}

const LatencyModel& DefaultLatencyModel() {
  static const LatencyModel m = BuildDefault();
  return m;
}

const char* LatencyModelSource() { return kTableSource; }

StepLatency StepLatencyFeatures(const Graph& g, const Plan& plan, int s) {
  CheckStep(g, plan, s);
  const Step& st = plan.steps[s];
  if (st.kind == StepKind::kCopy) return CopyFeatures(g, plan, st);
  const ops::PreparedOp p = ops::PrepareOp(g, st.op, st.fused_pad);
  return OpFeatures(g, plan, st, p);
}

LatencyEstimate EstimateInstructions(const Graph& g, const Plan& plan, const LatencyModel* model) {
  const LatencyModel& m = model ? *model : DefaultLatencyModel();
  LatencyEstimate e;
  e.steps.reserve(plan.steps.size());
  std::map<std::pair<int, int>, ops::PreparedOp> prepared;  // (op, fused PAD)
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    CheckStep(g, plan, s);
    const Step& st = plan.steps[s];
    StepLatency r;
    if (st.kind == StepKind::kCopy) {
      r = CopyFeatures(g, plan, st);
    } else {
      const auto key = std::make_pair(st.op, st.fused_pad);
      auto it = prepared.find(key);
      if (it == prepared.end()) it = prepared.emplace(key, ops::PrepareOp(g, st.op, st.fused_pad)).first;
      r = OpFeatures(g, plan, st, it->second);
    }
    r.instructions = Dot(m.coef[static_cast<int>(r.cls)], r.x);
    e.instructions += r.instructions;
    e.steps.push_back(r);
  }
  return e;
}

}  // namespace tessera
