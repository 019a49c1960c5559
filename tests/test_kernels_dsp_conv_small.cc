// CONV_2D's DSP path (kernels/src/conv_dsp.c) on the early layers' geometries: few taps per
// pixel (K = in_c * filter_h * filter_w from 1 to 40), against the portable loops, byte for
// byte, on the host (ACLE intrinsics emulated in C) and on the emulated Cortex-M4 and M7 (QEMU
// mps2-an386 and mps2-an500: the native intrinsics and the assembly loops of the quad and
// eight-tap kernels, at -O2 and -Os).
//  - the doubled-sum requantization (ts_dsp_rq_doubled) against quant.c, shifts -1..-24;
//  - random small-K layers: odd channel counts, 1x1 to 3x3 filters, strides 1-2, dilation 2,
//    padding, windows of every width (quads, pairs, single pixels, quads across row ends), input and
//    output buffers holding only a window (the patch plans' buffers; the input's last byte at
//    the end of a readable page), with and without bias;
//    every requantization case that picks or refuses the doubled path (shift -24 with small
//    and large accumulators, a multiplier of exactly 2^30, biases at the |acc| < 2^30 limit,
//    clamped and full activation ranges);
//  - the filter's last byte at the end of a readable page (a read past it faults);
//  - output overlapping the input in the same arena at every gap near the smallest one the
//    access-order contract allows (docs/ARCHITECTURE.md), with and without scratch, over whole
//    layers, random windows and windows 1-3 pixels wide.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "codegen/device.h"
#include "support/kernel_program.h"

#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}
#include "../kernels/src/dsp_dot.h"

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

TEST(DspConvSmall, DoubledRequantizationEqualsShared) {
  Rng r(41);
  for (int i = 0; i < 400000; ++i) {
    int32_t acc = static_cast<int32_t>(r()) >> Uniform(r, 2, 31);  // |acc| < 2^30
    const int32_t mult = i % 5 == 0 ? (1 << 30) + Uniform(r, 1, 3) : Uniform(r, (1 << 30) + 1, 2147483647);
    const int32_t right = Uniform(r, 1, 24);
    const int32_t oo = Uniform(r, -128, 127);
    const int32_t m = static_cast<int32_t>(static_cast<uint32_t>(2 * oo + 1) << (right - 1));
    if (right == 24) {  // the proviso: |acc| * mult / 2^31 + |m| + 2 < 2^31
      const int64_t am = std::abs(2 * oo + 1);
      const int64_t room = (int64_t(1) << 31) - 2 - (am << 23);
      while ((std::abs(int64_t(acc)) * mult >> 31) >= room) acc /= 2;
    }
    ASSERT_EQ(ts_dsp_rq_doubled(2 * acc, mult, right, m), ts_multiply_by_quantized_multiplier(acc, mult, -right) + oo)
        << acc << " " << mult << " " << right << " " << oo;
  }
  // The edges: acc = -1, 0, 1 and the extremes, with the smallest multiplier above 2^30.
  for (int32_t acc : {-1, 0, 1, (1 << 30) - 1, -(1 << 30) + 1}) {
    for (int32_t right = 1; right <= 23; ++right) {
      for (int32_t oo : {-128, -1, 0, 127}) {
        for (int32_t mult : {(1 << 30) + 1, 2147483647}) {
          const int32_t m = static_cast<int32_t>(static_cast<uint32_t>(2 * oo + 1) << (right - 1));
          ASSERT_EQ(ts_dsp_rq_doubled(2 * acc, mult, right, m),
                    ts_multiply_by_quantized_multiplier(acc, mult, -right) + oo)
              << acc << " " << mult << " " << right << " " << oo;
        }
      }
    }
  }
}

struct Conv {
  ts_conv_params p{};
  std::vector<int8_t> filter;
  std::vector<int32_t> bias, mult, shift;
  void Bind() {
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
  }
  std::string Describe() const {
    return "in " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + "x" + std::to_string(p.in_c) + " out " +
           std::to_string(p.out_h) + "x" + std::to_string(p.out_w) + "x" + std::to_string(p.out_c) + " filter " +
           std::to_string(p.filter_h) + "x" + std::to_string(p.filter_w) + " stride " + std::to_string(p.stride_h) +
           " dilation " + std::to_string(p.dilation_h) + " pad " + std::to_string(p.pad_top) + "," +
           std::to_string(p.pad_left);
  }
};

// Requantization cases: 0 realistic; 1 some shifts of -24 with small accumulators (doubled
// path); 2 a shift of -24 with a bias too large for it (refused); 3 a multiplier of exactly
// 2^30 (refused); 4 biases just below the |acc| < 2^30 bound; 5 just above it (refused);
// 6 shifts in [-23, -13] with small accumulators.
constexpr int kQuantCases = 7;

Conv MakeSmall(Rng& r, int quant, int it) {
  Conv c;
  ts_conv_params& p = c.p;
  do {
    p.in_c = it % 3 == 0 ? 4 * Uniform(r, 1, 10) : Uniform(r, 1, 13);
    p.filter_h = it % 2 ? 1 : Uniform(r, 1, 3);
    p.filter_w = it % 2 ? 1 : Uniform(r, 1, 3);
  } while (p.in_c * p.filter_h * p.filter_w > 40);
  p.out_c = it % 4 == 0 ? 2 * Uniform(r, 1, 12) + 1 : Uniform(r, 1, 24);
  p.filter_in_c = p.in_c;
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = it % 5 == 0 ? 2 : 1;
  p.dilation_h = p.dilation_w = it % 11 == 0 ? 2 : 1;
  p.in_h = Uniform(r, 1, 13);
  p.in_w = Uniform(r, 1, 13);
  const int32_t eff_h = (p.filter_h - 1) * p.dilation_h + 1, eff_w = (p.filter_w - 1) * p.dilation_w + 1;
  p.pad_top = Uniform(r, 0, eff_h - 1);
  p.pad_left = Uniform(r, 0, eff_w - 1);
  p.out_h = std::max(1, (p.in_h + p.pad_top + Uniform(r, 0, eff_h - 1) - eff_h) / p.stride_h + 1);
  p.out_w = std::max(1, (p.in_w + p.pad_left + Uniform(r, 0, eff_w - 1) - eff_w) / p.stride_w + 1);
  p.input_offset = Uniform(r, -127, 128);
  p.output_offset = Uniform(r, -128, 127);
  const bool clamp = it % 3 == 1;
  p.act_min = clamp ? Uniform(r, -128, 0) : -128;
  p.act_max = clamp ? Uniform(r, 0, 127) : 127;
  const int32_t k4 = (p.in_c * p.filter_h * p.filter_w + 3) & ~3;
  const int32_t limit = (1 << 30) - k4 * 32640;  // |bias| below this: |acc| < 2^30
  c.filter = RandomBytes(r, size_t(p.out_c) * p.filter_h * p.filter_w * p.in_c);
  for (int32_t o = 0; o < p.out_c; ++o) {
    int32_t b = Uniform(r, -40000, 40000);
    if (quant == 4) b = (Uniform(r, 0, 1) ? 1 : -1) * (limit - Uniform(r, 1, 3));
    c.bias.push_back(b);
    c.mult.push_back(Uniform(r, (1 << 30) + 1, 2147483647));
    c.shift.push_back(quant == 6 ? Uniform(r, -23, -13) : Uniform(r, -12, -1));
  }
  const int32_t pick = Uniform(r, 0, p.out_c - 1);
  if (quant == 1) {
    for (int32_t o = 0; o < p.out_c; ++o)
      if (Uniform(r, 0, 2) == 0) c.shift[o] = -24;
  }
  if (quant == 2) {
    c.shift[pick] = -24;
    c.mult[pick] = 2147483647;
    c.bias[pick] = 1 << 29;
    p.output_offset = Uniform(r, 0, 1) ? -128 : 127;
  }
  if (quant == 3) c.mult[pick] = 1 << 30;
  if (quant == 5) c.bias[pick] = (Uniform(r, 0, 1) ? 1 : -1) * (limit + Uniform(r, 0, 3));
  c.Bind();
  return c;
}

// `n` bytes ending exactly at the end of a readable page (the next page is PROT_NONE), so a
// read past the last byte faults.
class GuardedBytes {
 public:
  explicit GuardedBytes(const std::vector<int8_t>& v) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    pages_ = (v.size() + page_ - 1) / page_ + 1;
    base_ = mmap(nullptr, pages_ * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base_ == MAP_FAILED) base_ = nullptr;
    if (!base_) return;
    uint8_t* end = static_cast<uint8_t*>(base_) + (pages_ - 1) * page_;
    mprotect(end, page_, PROT_NONE);
    data_ = reinterpret_cast<int8_t*>(end) - v.size();
    if (!v.empty()) std::memcpy(data_, v.data(), v.size());
  }
  ~GuardedBytes() {
    if (base_) munmap(base_, pages_ * page_);
  }
  GuardedBytes(const GuardedBytes&) = delete;
  GuardedBytes& operator=(const GuardedBytes&) = delete;
  const int8_t* data() const { return data_; }
  bool ok() const { return base_ != nullptr; }

 private:
  void* base_ = nullptr;
  int8_t* data_ = nullptr;
  size_t page_ = 0, pages_ = 0;
};

// The input rows and columns output window `win` reads (clipped to the input).
ts_window InputWindow(const ts_conv_params& p, ts_window win) {
  ts_window w;
  w.y0 = std::max(0, win.y0 * p.stride_h - p.pad_top);
  w.y1 = std::min(p.in_h, (win.y1 - 1) * p.stride_h - p.pad_top + (p.filter_h - 1) * p.dilation_h + 1);
  w.x0 = std::max(0, win.x0 * p.stride_w - p.pad_left);
  w.x1 = std::min(p.in_w, (win.x1 - 1) * p.stride_w - p.pad_left + (p.filter_w - 1) * p.dilation_w + 1);
  if (w.y1 <= w.y0 || w.x1 <= w.x0) w = {0, 1, 0, 1};  // all padding: any valid buffer
  return w;
}

// Portable (whole buffers) and DSP over `win`; with `window_buffers` the DSP call gets an
// input buffer holding only the input window it reads and an output buffer holding only
// `win`. Returns whether they agree.
::testing::AssertionResult SameAsPortable(const Conv& c, ts_window win, bool with_bias, bool window_buffers,
                                          Rng& r) {
  const ts_conv_params& p = c.p;
  const auto input = RandomBytes(r, size_t(p.in_h) * p.in_w * p.in_c);
  std::vector<int8_t> ref = RandomBytes(r, size_t(p.out_h) * p.out_w * p.out_c);
  std::vector<int8_t> scratch(p.out_c);
  const int32_t* bias = with_bias ? c.bias.data() : nullptr;
  ts_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, c.filter.data(), bias,
                        ts_buf{ref.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
  GuardedBytes filter(c.filter);
  if (!filter.ok()) return ::testing::AssertionFailure() << "mmap failed";
  std::vector<int8_t> got;
  if (!window_buffers) {
    got = ref;
    // Bytes outside the window keep their values; inside they are recomputed.
    for (int32_t y = win.y0; y < win.y1; ++y)
      for (int32_t x = win.x0; x < win.x1; ++x)
        std::memset(&got[(size_t(y) * p.out_w + x) * p.out_c], 0x5a, size_t(p.out_c));
    ts_conv2d_s8_dsp(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, filter.data(), bias,
                     ts_buf{got.data(), 0, 0, p.out_h, p.out_w}, win, scratch.data());
    if (got != ref) return ::testing::AssertionFailure() << "whole buffers differ";
    return ::testing::AssertionSuccess();
  }
  const ts_window iw = InputWindow(p, win);
  std::vector<int8_t> in_buf;
  for (int32_t y = iw.y0; y < iw.y1; ++y)
    for (int32_t x = iw.x0; x < iw.x1; ++x)
      for (int32_t ch = 0; ch < p.in_c; ++ch) in_buf.push_back(input[(size_t(y) * p.in_w + x) * p.in_c + ch]);
  const int32_t wh = win.y1 - win.y0, ww = win.x1 - win.x0;
  std::vector<int8_t> out_buf(size_t(wh) * ww * p.out_c, 0x5a);
  GuardedBytes guarded_in(in_buf);  // its last byte at a page end: no read past the buffer
  if (!guarded_in.ok()) return ::testing::AssertionFailure() << "mmap failed";
  ts_conv2d_s8_dsp(&p, ts_cbuf{guarded_in.data(), iw.y0, iw.x0, iw.y1 - iw.y0, iw.x1 - iw.x0}, filter.data(), bias,
                   ts_buf{out_buf.data(), win.y0, win.x0, wh, ww}, win, nullptr);
  for (int32_t y = win.y0; y < win.y1; ++y)
    for (int32_t x = win.x0; x < win.x1; ++x)
      for (int32_t ch = 0; ch < p.out_c; ++ch)
        if (out_buf[(size_t(y - win.y0) * ww + (x - win.x0)) * p.out_c + ch] !=
            ref[(size_t(y) * p.out_w + x) * p.out_c + ch])
          return ::testing::AssertionFailure() << "window buffers differ at (" << y << "," << x << "," << ch << ")";
  return ::testing::AssertionSuccess();
}

std::vector<ts_window> Windows(Rng& r, const ts_conv_params& p) {
  std::vector<ts_window> w = {{0, p.out_h, 0, p.out_w}};
  for (int32_t width = 1; width <= 6 && width <= p.out_w; ++width) {
    const int32_t x0 = Uniform(r, 0, p.out_w - width), y0 = Uniform(r, 0, p.out_h - 1);
    w.push_back({y0, Uniform(r, y0 + 1, p.out_h), x0, x0 + width});
  }
  const int32_t y0 = Uniform(r, 0, p.out_h - 1);
  w.push_back({y0, y0 + 1, 0, p.out_w});  // one whole row
  const int32_t x0 = Uniform(r, 0, p.out_w - 1);
  w.push_back({y0, Uniform(r, y0 + 1, p.out_h), x0, Uniform(r, x0 + 1, p.out_w)});
  return w;
}

TEST(DspConvSmall, RandomSmallKLayersMatchPortable) {
  Rng r(42);
  int cases = 0;
  for (int it = 0; it < 700; ++it) {
    const int quant = it % kQuantCases;
    Conv c = MakeSmall(r, quant, it / kQuantCases);
    for (const ts_window& win : Windows(r, c.p)) {
      for (int variant = 0; variant < 2; ++variant) {
        ASSERT_TRUE(SameAsPortable(c, win, (it + variant) % 5 != 0, variant == 1, r))
            << c.Describe() << " quant " << quant << " window [" << win.y0 << "," << win.y1 << ")x[" << win.x0
            << "," << win.x1 << ") " << (variant ? "window buffers" : "whole buffers");
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 7000);
}

// The pointwise layers of the early models (person_detect, mcunet) at reduced size, and
// their 2x2 patches.
TEST(DspConvSmall, EarlyModelLayersAndTheirPatchesMatchPortable) {
  struct G {
    int32_t in_c, out_c, fh, stride, hw;
  };
  const G layers[] = {{8, 16, 1, 1, 12}, {16, 32, 1, 1, 10}, {16, 8, 1, 1, 10}, {8, 48, 1, 1, 10},
                      {16, 48, 1, 1, 9},  {3, 16, 3, 2, 21},  {1, 8, 3, 2, 17},  {32, 32, 1, 1, 6},
                      {24, 144, 1, 1, 5}, {4, 7, 3, 1, 9}};
  Rng r(43);
  for (const G& l : layers) {
    for (int quant = 0; quant < kQuantCases; ++quant) {
      Conv c;
      ts_conv_params& p = c.p;
      p.in_h = p.in_w = l.hw;
      p.in_c = p.filter_in_c = l.in_c;
      p.out_c = l.out_c;
      p.filter_h = p.filter_w = l.fh;
      p.depth_multiplier = 1;
      p.stride_h = p.stride_w = l.stride;
      p.dilation_h = p.dilation_w = 1;
      p.out_h = p.out_w = (l.hw - l.fh) / l.stride + 1;
      p.input_offset = Uniform(r, -127, 128);
      p.output_offset = Uniform(r, -128, 127);
      p.act_min = quant % 2 ? -128 : Uniform(r, -128, -60);
      p.act_max = 127;
      c.filter = RandomBytes(r, size_t(p.out_c) * l.fh * l.fh * l.in_c);
      for (int32_t o = 0; o < p.out_c; ++o) {
        c.bias.push_back(Uniform(r, -400000, 400000));
        c.mult.push_back(Uniform(r, (1 << 30) + 1, 2147483647));
        c.shift.push_back(quant == 1 && o % 3 == 0 ? -24 : Uniform(r, -10, -4));
      }
      if (quant == 3) c.mult[Uniform(r, 0, p.out_c - 1)] = 1 << 30;
      c.Bind();
      const int32_t hy = p.out_h / 2, hx = p.out_w / 2;
      const ts_window wins[] = {{0, p.out_h, 0, p.out_w}, {0, hy, 0, hx}, {0, hy, hx, p.out_w},
                                {hy, p.out_h, 0, hx}, {hy, p.out_h, hx, p.out_w}};
      for (const ts_window& win : wins) {
        for (int variant = 0; variant < 2; ++variant)
          ASSERT_TRUE(SameAsPortable(c, win, true, variant == 1, r)) << c.Describe() << " quant " << quant;
      }
    }
  }
}

// The access-order contract's model of a layout (see test_kernels_dsp_conv.cc): output pixel i
// of `win` (row-major) writes its out_c bytes after reading its receptive field; with scratch
// its write may clobber its own reads, without scratch it may not. last[b]: the last pixel
// reading input byte b (-1: none).
std::vector<int> LastReader(const ts_conv_params& p, ts_window win) {
  std::vector<int> last(size_t(p.in_h) * p.in_w * p.in_c, -1);
  int idx = 0;
  for (int32_t oy = win.y0; oy < win.y1; ++oy) {
    for (int32_t ox = win.x0; ox < win.x1; ++ox, ++idx) {
      for (int32_t ky = 0; ky < p.filter_h; ++ky) {
        for (int32_t kx = 0; kx < p.filter_w; ++kx) {
          const int32_t iy = oy * p.stride_h - p.pad_top + ky * p.dilation_h;
          const int32_t ix = ox * p.stride_w - p.pad_left + kx * p.dilation_w;
          if (iy < 0 || iy >= p.in_h || ix < 0 || ix >= p.in_w) continue;
          for (int32_t ch = 0; ch < p.in_c; ++ch) last[(size_t(iy) * p.in_w + ix) * p.in_c + ch] = idx;
        }
      }
    }
  }
  return last;
}

// Whether the output starting `gap` bytes after the input (negative: before) is safe.
bool SafeLayout(const ts_conv_params& p, ts_window win, const std::vector<int>& last, int64_t gap, bool scratch) {
  const int64_t in_bytes = int64_t(last.size());
  int idx = 0;
  for (int32_t oy = win.y0; oy < win.y1; ++oy) {
    for (int32_t ox = win.x0; ox < win.x1; ++ox, ++idx) {
      const int64_t o = gap + (int64_t(oy) * p.out_w + ox) * p.out_c;
      for (int64_t b = o; b < o + p.out_c; ++b) {
        if (b < 0 || b >= in_bytes) continue;
        const int reader = last[size_t(b)];
        if (scratch ? reader > idx : reader >= idx) return false;
      }
    }
  }
  return true;
}

// The tightest safe placements: the output as high as it may sit below the input's
// conflicting bytes (the largest gap below every unsafe one) and as low as it may sit above
// them (the smallest gap above every unsafe one), each with the next two further away, and 0
// (in place) when safe. Unsafe gaps: pixel i writing at o_i..o_i+out_c-1 (relative to the
// output start) over an input byte b that pixel i or a later one still reads.
std::vector<int64_t> TightGaps(const ts_conv_params& p, ts_window win, const std::vector<int>& last, bool scratch) {
  const int npix = (win.y1 - win.y0) * (win.x1 - win.x0);
  std::vector<int64_t> minb(size_t(npix) + 1, INT64_MAX), maxb(size_t(npix) + 1, INT64_MIN);
  for (size_t b = 0; b < last.size(); ++b) {
    // byte b conflicts with pixels i <= last[b] (i < last[b] with scratch)
    const int hi = scratch ? last[b] - 1 : last[b];
    if (hi < 0) continue;
    minb[size_t(hi)] = std::min<int64_t>(minb[size_t(hi)], int64_t(b));
    maxb[size_t(hi)] = std::max<int64_t>(maxb[size_t(hi)], int64_t(b));
  }
  for (int i = npix - 1; i >= 0; --i) {  // over every byte conflicting with pixel i
    minb[size_t(i)] = std::min(minb[size_t(i)], minb[size_t(i) + 1]);
    maxb[size_t(i)] = std::max(maxb[size_t(i)], maxb[size_t(i) + 1]);
  }
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  int idx = 0;
  for (int32_t oy = win.y0; oy < win.y1; ++oy) {
    for (int32_t ox = win.x0; ox < win.x1; ++ox, ++idx) {
      if (minb[size_t(idx)] == INT64_MAX) continue;
      const int64_t o = (int64_t(oy) * p.out_w + ox) * p.out_c;
      lo = std::min(lo, minb[size_t(idx)] - o - (p.out_c - 1));
      hi = std::max(hi, maxb[size_t(idx)] - o);
    }
  }
  std::vector<int64_t> gaps;
  if (lo == INT64_MAX) return gaps;
  for (int64_t d = 1; d <= 3; ++d) {
    gaps.push_back(lo - d);
    gaps.push_back(hi + d);
  }
  if (SafeLayout(p, win, last, 0, scratch)) gaps.push_back(0);
  return gaps;
}

TEST(DspConvSmall, OverlappingBuffersAtTheSmallestSafeGapsMatchPortable) {
  Rng r(44);
  int tested = 0;
  for (int it = 0; it < 400; ++it) {
    Conv c = MakeSmall(r, it % kQuantCases, it);
    const ts_conv_params& p = c.p;
    const int64_t in_bytes = int64_t(p.in_h) * p.in_w * p.in_c, out_bytes = int64_t(p.out_h) * p.out_w * p.out_c;
    const int32_t y0 = Uniform(r, 0, p.out_h - 1), x0 = Uniform(r, 0, p.out_w - 1);
    // whole layers, random windows, and windows 1-3 pixels wide over several rows (quads
    // across row ends)
    const int32_t x1 = it % 4 == 2 ? std::min(p.out_w, x0 + Uniform(r, 1, 3)) : Uniform(r, x0 + 1, p.out_w);
    const ts_window win = it % 2 ? ts_window{0, p.out_h, 0, p.out_w}
                                 : ts_window{y0, Uniform(r, y0 + 1, p.out_h), x0, x1};
    const auto input = RandomBytes(r, size_t(in_bytes));
    std::vector<int8_t> ref(size_t(out_bytes), 0);
    ts_conv2d_s8_portable(&p, ts_cbuf{input.data(), 0, 0, p.in_h, p.in_w}, c.filter.data(), c.bias.data(),
                          ts_buf{ref.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    const std::vector<int> last = LastReader(p, win);
    for (int scratch = 0; scratch < 2; ++scratch) {
      const std::vector<int64_t> gaps = TightGaps(p, win, last, scratch);
      if (!gaps.empty()) {  // one step closer is unsafe on both sides: the gaps are the tightest
        ASSERT_FALSE(SafeLayout(p, win, last, gaps[0] + 1, scratch));
        ASSERT_FALSE(SafeLayout(p, win, last, gaps[1] - 1, scratch));
      }
      for (int64_t gap : gaps) {
        ASSERT_TRUE(SafeLayout(p, win, last, gap, scratch)) << gap;
        const int64_t lo = std::min<int64_t>(0, gap), hi = std::max(in_bytes, gap + out_bytes);
        std::vector<int8_t> arena = RandomBytes(r, size_t(hi - lo));
        int8_t* in_at = arena.data() - lo;
        int8_t* out_at = in_at + gap;
        std::memcpy(in_at, input.data(), size_t(in_bytes));
        std::vector<int8_t> scr(size_t(p.out_c));
        ts_conv2d_s8_dsp(&p, ts_cbuf{in_at, 0, 0, p.in_h, p.in_w}, c.filter.data(), c.bias.data(),
                         ts_buf{out_at, 0, 0, p.out_h, p.out_w}, win, scratch ? scr.data() : nullptr);
        for (int32_t y = win.y0; y < win.y1; ++y)
          for (int32_t x = win.x0; x < win.x1; ++x)
            for (int32_t ch = 0; ch < p.out_c; ++ch) {
              const size_t o = (size_t(y) * p.out_w + x) * p.out_c + ch;
              ASSERT_EQ(out_at[o], ref[o]) << c.Describe() << " gap " << gap << " scratch " << scratch << " window ["
                                           << win.y0 << "," << win.y1 << ")x[" << win.x0 << "," << win.x1 << ")";
            }
        ++tested;
      }
    }
  }
  EXPECT_GT(tested, 3000);
}

// The same on the device, where the quad kernel's channel loop is assembly.
// (after test::DeviceRandomPrelude(2024): seed, rnd, uni, fill)
const char* kDeviceProgram = R"(
#include <stdint.h>
#include <string.h>
#include "tessera/kernels.h"
#include "harness.h"

#define MAXB 6144
static int8_t in[MAXB], filt[MAXB], ref[MAXB], arena[3 * MAXB], scr[64];
static int32_t bias[64], mult[64], shift[64];
static int16_t last[MAXB];

static void make(ts_conv_params* p, int it) {
  int32_t eff, o, quant = it % 7, k4, limit, pick;
  memset(p, 0, sizeof *p);
  do {
    p->in_c = it % 3 == 0 ? 4 * uni(1, 10) : uni(1, 13);
    p->filter_h = it % 2 ? 1 : uni(1, 3);
    p->filter_w = it % 2 ? 1 : uni(1, 3);
  } while (p->in_c * p->filter_h * p->filter_w > 40);
  p->out_c = it % 4 == 0 ? 2 * uni(1, 12) + 1 : uni(1, 24);
  p->filter_in_c = p->in_c;
  p->depth_multiplier = 1;
  p->stride_h = p->stride_w = it % 5 == 0 ? 2 : 1;
  p->dilation_h = p->dilation_w = it % 11 == 0 ? 2 : 1;
  p->in_h = uni(1, 12);
  p->in_w = uni(1, 12);
  eff = (p->filter_h - 1) * p->dilation_h + 1;
  p->pad_top = uni(0, eff - 1);
  p->out_h = (p->in_h + p->pad_top + uni(0, eff - 1) - eff) / p->stride_h + 1;
  eff = (p->filter_w - 1) * p->dilation_w + 1;
  p->pad_left = uni(0, eff - 1);
  p->out_w = (p->in_w + p->pad_left + uni(0, eff - 1) - eff) / p->stride_w + 1;
  if (p->out_h < 1) p->out_h = 1;
  if (p->out_w < 1) p->out_w = 1;
  p->input_offset = uni(-127, 128);
  p->output_offset = uni(-128, 127);
  p->act_min = it % 3 == 1 ? uni(-128, 0) : -128;
  p->act_max = it % 3 == 1 ? uni(0, 127) : 127;
  k4 = (p->in_c * p->filter_h * p->filter_w + 3) & ~3;
  limit = (1 << 30) - k4 * 32640;
  for (o = 0; o < p->out_c; ++o) {
    bias[o] = quant == 4 ? (uni(0, 1) ? 1 : -1) * (limit - uni(1, 3)) : uni(-40000, 40000);
    mult[o] = uni((1 << 30) + 1, 2147483647);
    shift[o] = quant == 6 ? uni(-23, -13) : uni(-12, -1);
    if (quant == 1 && uni(0, 2) == 0) shift[o] = -24;
  }
  pick = uni(0, p->out_c - 1);
  if (quant == 2) {
    shift[pick] = -24;
    mult[pick] = 2147483647;
    bias[pick] = 1 << 29;
    p->output_offset = uni(0, 1) ? -128 : 127;
  }
  if (quant == 3) mult[pick] = 1 << 30;
  if (quant == 5) bias[pick] = (uni(0, 1) ? 1 : -1) * (limit + uni(0, 3));
  p->output_multiplier = mult;
  p->output_shift = shift;
  fill(filt, p->out_c * p->filter_h * p->filter_w * p->in_c);
  fill(in, p->in_h * p->in_w * p->in_c);
}

/* The access-order model (see the host test): last[b], the last pixel reading input byte b;
 * safe(): whether the output `gap` bytes after the input is safe; tight(): the tightest safe
 * gaps on both sides of the unsafe ones (and 0 when safe). */
static void readers(const ts_conv_params* p, ts_window win) {
  const int32_t in_bytes = p->in_h * p->in_w * p->in_c;
  int32_t oy, ox, ky, kx, c, idx = 0, b;
  for (b = 0; b < in_bytes; ++b) last[b] = -1;
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox, ++idx)
      for (ky = 0; ky < p->filter_h; ++ky)
        for (kx = 0; kx < p->filter_w; ++kx) {
          const int32_t iy = oy * p->stride_h - p->pad_top + ky * p->dilation_h;
          const int32_t ix = ox * p->stride_w - p->pad_left + kx * p->dilation_w;
          if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
          for (c = 0; c < p->in_c; ++c) last[(iy * p->in_w + ix) * p->in_c + c] = (int16_t)idx;
        }
}

static int safe(const ts_conv_params* p, ts_window win, int32_t gap, int scratch) {
  const int32_t in_bytes = p->in_h * p->in_w * p->in_c;
  int32_t oy, ox, idx = 0, b;
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox, ++idx) {
      const int32_t o = gap + (oy * p->out_w + ox) * p->out_c;
      for (b = o; b < o + p->out_c; ++b) {
        if (b < 0 || b >= in_bytes) continue;
        if (scratch ? last[b] > idx : last[b] >= idx) return 0;
      }
    }
  return 1;
}

static int32_t minb[200], maxb[200];

static int tight(const ts_conv_params* p, ts_window win, int scratch, int32_t* gaps) {
  const int32_t npix = (win.y1 - win.y0) * (win.x1 - win.x0), in_bytes = p->in_h * p->in_w * p->in_c;
  int32_t i, b, oy, ox, idx = 0, lo = 0x7fffffff, hi = -0x7fffffff, d;
  int n = 0;
  for (i = 0; i <= npix; ++i) {
    minb[i] = 0x7fffffff;
    maxb[i] = -0x7fffffff;
  }
  for (b = 0; b < in_bytes; ++b) {
    const int32_t h = scratch ? last[b] - 1 : last[b];
    if (h < 0) continue;
    if (b < minb[h]) minb[h] = b;
    if (b > maxb[h]) maxb[h] = b;
  }
  for (i = npix - 1; i >= 0; --i) {
    if (minb[i + 1] < minb[i]) minb[i] = minb[i + 1];
    if (maxb[i + 1] > maxb[i]) maxb[i] = maxb[i + 1];
  }
  for (oy = win.y0; oy < win.y1; ++oy)
    for (ox = win.x0; ox < win.x1; ++ox, ++idx) {
      const int32_t o = (oy * p->out_w + ox) * p->out_c;
      if (minb[idx] == 0x7fffffff) continue;
      if (minb[idx] - o - (p->out_c - 1) < lo) lo = minb[idx] - o - (p->out_c - 1);
      if (maxb[idx] - o > hi) hi = maxb[idx] - o;
    }
  if (lo == 0x7fffffff) return 0;
  for (d = 1; d <= 3; ++d) {
    gaps[n++] = lo - d;
    gaps[n++] = hi + d;
  }
  if (safe(p, win, 0, scratch)) gaps[n++] = 0;
  return n;
}

static uint32_t cases, overlap_cases;

/* 1 when DSP and portable differ over a random window, with whole buffers, with window-sized
 * output buffers, and with the output over the input at the smallest safe gaps. */
static int conv_case(int it) {
  ts_conv_params p;
  ts_window win;
  int32_t n, gap, y, x, in_bytes, out_bytes;
  int g;
  const int32_t* b;
  int bad = 0, scratch;
  make(&p, it);
  in_bytes = p.in_h * p.in_w * p.in_c;
  out_bytes = p.out_h * p.out_w * p.out_c;
  if (in_bytes > MAXB || out_bytes > MAXB) return 0;
  b = it % 5 ? bias : 0;
  win.y0 = uni(0, p.out_h - 1);
  win.y1 = uni(win.y0 + 1, p.out_h);
  win.x0 = uni(0, p.out_w - 1);
  win.x1 = uni(win.x0 + 1, p.out_w);
  if (it % 3 == 1 && win.x1 - win.x0 > 3) win.x1 = win.x0 + uni(1, 3); /* quads across rows */
  if (it % 3 == 0) {
    win.y0 = win.x0 = 0;
    win.y1 = p.out_h;
    win.x1 = p.out_w;
  }
  n = out_bytes;
  fill(ref, n);
  memcpy(arena, ref, (size_t)n);
  {
    const ts_cbuf ib = {in, 0, 0, p.in_h, p.in_w};
    const ts_buf ra = {ref, 0, 0, p.out_h, p.out_w}, rb = {arena, 0, 0, p.out_h, p.out_w};
    ts_conv2d_s8_portable(&p, ib, filt, b, ra, win, 0);
    ts_conv2d_s8(&p, ib, filt, b, rb, win, it % 2 ? scr : 0);
    bad |= memcmp(ref, arena, (size_t)n) != 0;
  }
  {  /* an output buffer holding only the window */
    const int32_t wh = win.y1 - win.y0, ww = win.x1 - win.x0;
    const ts_cbuf ib = {in, 0, 0, p.in_h, p.in_w};
    const ts_buf wb = {arena, win.y0, win.x0, wh, ww};
    ts_conv2d_s8(&p, ib, filt, b, wb, win, 0);
    for (y = win.y0; y < win.y1; ++y)
      for (x = win.x0; x < win.x1; ++x)
        bad |= memcmp(arena + ((y - win.y0) * ww + (x - win.x0)) * p.out_c, ref + (y * p.out_w + x) * p.out_c,
                      (size_t)p.out_c) != 0;
  }
  ++cases;
  readers(&p, win);
  for (scratch = 0; scratch < 2; ++scratch) {
    int32_t gaps[8];
    const int ng = tight(&p, win, scratch, gaps);
    for (g = 0; g < ng; ++g) {
      int8_t *ia, *oa;
      gap = gaps[g];
      if (!safe(&p, win, gap, scratch)) {
        bad = 1;
        continue;
      }
      if (gap < -MAXB || gap + out_bytes > 2 * MAXB) continue;
      ia = arena + MAXB;
      oa = ia + gap;
      fill(arena, 3 * MAXB);
      memcpy(ia, in, (size_t)in_bytes);
      {
        const ts_cbuf ib = {ia, 0, 0, p.in_h, p.in_w};
        const ts_buf ob = {oa, 0, 0, p.out_h, p.out_w};
        ts_conv2d_s8(&p, ib, filt, b, ob, win, scratch ? scr : 0);
      }
      for (y = win.y0; y < win.y1; ++y)
        for (x = win.x0; x < win.x1; ++x)
          bad |= memcmp(oa + (y * p.out_w + x) * p.out_c, ref + (y * p.out_w + x) * p.out_c, (size_t)p.out_c) != 0;
      ++overlap_cases;
    }
  }
  return bad;
}

/* Early-model layers at reduced size (full window and 2x2 patches, clamped and full
 * activation ranges, shifts that keep most outputs in range): many quads per call. */
static uint32_t layer_bytes;
static int layer_case(int li, int quant) {
  static const int32_t g[][5] = {{8, 16, 1, 1, 12}, {16, 32, 1, 1, 10}, {16, 8, 1, 1, 10}, {8, 48, 1, 1, 10},
                                 {16, 48, 1, 1, 9}, {3, 16, 3, 2, 21}, {1, 8, 3, 2, 17}, {32, 32, 1, 1, 6},
                                 {4, 7, 3, 1, 9}, {3, 8, 3, 2, 15}, {3, 5, 3, 1, 9},
                                 {64, 12, 1, 1, 6}, {40, 10, 1, 1, 6}, {16, 6, 3, 1, 8}, {32, 4, 3, 1, 6},
                                 {1, 6, 4, 2, 17}};
  ts_conv_params p;
  int32_t o, w, y, x, n;
  int bad = 0;
  memset(&p, 0, sizeof p);
  p.in_h = p.in_w = g[li][4];
  p.in_c = p.filter_in_c = g[li][0];
  p.out_c = g[li][1];
  p.filter_h = p.filter_w = g[li][2];
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = g[li][3];
  p.dilation_h = p.dilation_w = 1;
  p.out_h = p.out_w = (p.in_h - p.filter_h) / p.stride_h + 1;
  p.input_offset = uni(-127, 128);
  p.output_offset = uni(-128, 127);
  p.act_min = quant ? uni(-128, -40) : -128;
  p.act_max = quant ? uni(40, 127) : 127;
  for (o = 0; o < p.out_c; ++o) {
    bias[o] = uni(-40000, 40000);
    mult[o] = uni((1 << 30) + 1, 2147483647);
    shift[o] = uni(-11, -6);
  }
  p.output_multiplier = mult;
  p.output_shift = shift;
  fill(filt, p.out_c * p.filter_h * p.filter_w * p.in_c);
  fill(in, p.in_h * p.in_w * p.in_c);
  n = p.out_h * p.out_w * p.out_c;
  for (w = 0; w < 5; ++w) {
    const int32_t hy = p.out_h / 2, hx = p.out_w / 2;
    ts_window win;
    win.y0 = w == 0 || w == 1 || w == 2 ? 0 : hy;
    win.y1 = w == 1 || w == 2 ? hy : p.out_h;
    win.x0 = w == 0 || w == 1 || w == 3 ? 0 : hx;
    win.x1 = w == 1 || w == 3 ? hx : p.out_w;
    fill(ref, n);
    memcpy(arena, ref, (size_t)n);
    {
      const ts_cbuf ib = {in, 0, 0, p.in_h, p.in_w};
      const ts_buf ra = {ref, 0, 0, p.out_h, p.out_w}, rb = {arena, 0, 0, p.out_h, p.out_w};
      ts_conv2d_s8_portable(&p, ib, filt, bias, ra, win, 0);
      ts_conv2d_s8(&p, ib, filt, bias, rb, win, 0);
      bad |= memcmp(ref, arena, (size_t)n) != 0;
    }
    for (y = win.y0; y < win.y1; ++y)
      for (x = win.x0; x < win.x1; ++x) layer_bytes += (uint32_t)p.out_c;
  }
  return bad;
}

int main(void) {
  uint32_t bad = 0, layers_bad = 0;
  int i, q;
  for (i = 0; i < 16; ++i)
    for (q = 0; q < 2; ++q) layers_bad += (uint32_t)layer_case(i, q);
  ts_fw_put_kv("layer_mismatches", layers_bad);
  ts_fw_put_kv("layer_bytes", layer_bytes);
  for (i = 0; i < 700; ++i) bad += (uint32_t)conv_case(i);
  ts_fw_put_kv("cases", cases);
  ts_fw_put_kv("overlap_cases", overlap_cases);
  ts_fw_put_kv("mismatches", bad);
  ts_fw_put_kv("done", 1);
  return 0;
}
)";

TEST(DspConvSmall, NativeKernelsMatchPortableOnTheEmulatedCortexM4AndM7) {
  using namespace tessera;
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (const test::KernelProgramRun& r :
       test::RunKernelProgramOn("dsp_conv_small", test::DeviceRandomPrelude(2024) + kDeviceProgram,
                                {"conv.c", "conv_dsp.c", "quant.c"}, {Board::kAn386, Board::kAn500}, {"-O2", "-Os"})) {
    SCOPED_TRACE(r.label);
    FirmwareRun run = r.run;
    EXPECT_EQ(run.values["mismatches"], "0") << run.output;
    EXPECT_EQ(run.values["layer_mismatches"], "0") << run.output;
    EXPECT_GT(std::stoi(run.values["layer_bytes"]), 70000) << run.output;
    EXPECT_GT(std::stoi(run.values["cases"]), 600) << run.output;
    EXPECT_GT(std::stoi(run.values["overlap_cases"]), 2000) << run.output;
  }
}

}  // namespace
