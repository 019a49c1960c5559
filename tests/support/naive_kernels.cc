#include "support/naive_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace tessera::naive {

int32_t Srdhm(int32_t a, int32_t b) {
  if (a == std::numeric_limits<int32_t>::min() && b == a) return std::numeric_limits<int32_t>::max();
  // a*b / 2^31, rounded half away from zero.
  const int64_t ab = int64_t(a) * int64_t(b);
  const int64_t half = int64_t(1) << 30;
  const int64_t r = ab >= 0 ? (ab + half) >> 31 : -((-ab + half - 1) >> 31);
  return static_cast<int32_t>(r);
}

int32_t RoundingDivideByPot(int64_t x, int exponent) {
  if (exponent == 0) return static_cast<int32_t>(x);
  // x / 2^exponent, rounded half away from zero.
  const int64_t half = int64_t(1) << (exponent - 1);
  const int64_t r = x >= 0 ? (x + half) >> exponent : -((-x + half) >> exponent);
  return static_cast<int32_t>(r);
}

int32_t Mbqm(int64_t x, int32_t multiplier, int shift) {
  const int left = std::max(shift, 0), right = std::max(-shift, 0);
  const int64_t v = x * (int64_t(1) << left);
  if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min())
    throw std::runtime_error("naive::Mbqm: operand out of int32 range");
  return RoundingDivideByPot(Srdhm(static_cast<int32_t>(v), multiplier), right);
}

int32_t MbqmWrap(int32_t x, int32_t multiplier, int shift) {
  const int left = std::max(shift, 0), right = std::max(-shift, 0);
  return RoundingDivideByPot(Srdhm(static_cast<int32_t>(static_cast<uint32_t>(x) << left), multiplier), right);
}

int32_t Mbqm64(int64_t x, int32_t multiplier, int shift) {
  const int64_t reduced = multiplier < 0x7FFF0000 ? (int64_t(multiplier) + (1 << 15)) >> 16 : 0x7FFF;
  const int total = 15 - shift;
  return static_cast<int32_t>((x * reduced + (int64_t(1) << (total - 1))) >> total);
}

namespace {
int8_t Clamp8(int64_t v, int32_t lo, int32_t hi) {
  return static_cast<int8_t>(std::min<int64_t>(std::max<int64_t>(v, lo), hi));
}
int64_t At(const Dims& d, int y, int x, int c) { return (int64_t(y) * d.w + x) * d.c + c; }
int64_t CheckedInt32(int64_t v) {
  if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min())
    throw std::runtime_error("naive: accumulator out of int32 range");
  return v;
}
}  // namespace

std::vector<int8_t> Conv2D(const ConvSpec& s, const std::vector<int8_t>& in,
                           const std::vector<int8_t>& filter, const std::vector<int32_t>& bias) {
  std::vector<int8_t> out(static_cast<size_t>(s.out.size()));
  const int fic = s.filter_in_c;
  const int groups = s.in.c / fic;
  const int per_group = s.out.c / groups;
  for (int oy = 0; oy < s.out.h; ++oy)
    for (int ox = 0; ox < s.out.w; ++ox)
      for (int oc = 0; oc < s.out.c; ++oc) {
        const int g = oc / per_group;
        int64_t acc = 0;
        for (int ky = 0; ky < s.kh; ++ky)
          for (int kx = 0; kx < s.kw; ++kx)
            for (int ic = 0; ic < fic; ++ic) {
              const int iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
              const int ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
              // Padding holds the input zero point, which contributes nothing.
              const int64_t v = (iy < 0 || iy >= s.in.h || ix < 0 || ix >= s.in.w)
                                    ? s.input_zp
                                    : in[At(s.in, iy, ix, g * fic + ic)];
              const int64_t w = filter[((int64_t(oc) * s.kh + ky) * s.kw + kx) * fic + ic];
              acc += w * (v - s.input_zp);
            }
        if (!bias.empty()) acc += bias[oc];
        const int64_t r = int64_t(Mbqm(CheckedInt32(acc), s.mult[oc], s.shift[oc])) + s.output_zp;
        out[At(s.out, oy, ox, oc)] = Clamp8(r, s.act_min, s.act_max);
      }
  return out;
}

std::vector<int8_t> DepthwiseConv2D(const ConvSpec& s, const std::vector<int8_t>& in,
                                    const std::vector<int8_t>& filter,
                                    const std::vector<int32_t>& bias) {
  std::vector<int8_t> out(static_cast<size_t>(s.out.size()));
  for (int oy = 0; oy < s.out.h; ++oy)
    for (int ox = 0; ox < s.out.w; ++ox)
      for (int oc = 0; oc < s.out.c; ++oc) {
        const int ic = oc / s.depth_multiplier;
        int64_t acc = 0;
        for (int ky = 0; ky < s.kh; ++ky)
          for (int kx = 0; kx < s.kw; ++kx) {
            const int iy = oy * s.stride_h - s.pad_top + ky * s.dil_h;
            const int ix = ox * s.stride_w - s.pad_left + kx * s.dil_w;
            const int64_t v = (iy < 0 || iy >= s.in.h || ix < 0 || ix >= s.in.w)
                                  ? s.input_zp
                                  : in[At(s.in, iy, ix, ic)];
            acc += int64_t(filter[(int64_t(ky) * s.kw + kx) * s.out.c + oc]) * (v - s.input_zp);
          }
        if (!bias.empty()) acc += bias[oc];
        const int64_t r = int64_t(Mbqm(CheckedInt32(acc), s.mult[oc], s.shift[oc])) + s.output_zp;
        out[At(s.out, oy, ox, oc)] = Clamp8(r, s.act_min, s.act_max);
      }
  return out;
}

namespace {
std::vector<int8_t> Pool(const PoolSpec& s, const std::vector<int8_t>& in, bool is_max) {
  std::vector<int8_t> out(static_cast<size_t>(s.out.size()));
  for (int oy = 0; oy < s.out.h; ++oy)
    for (int ox = 0; ox < s.out.w; ++ox)
      for (int c = 0; c < s.out.c; ++c) {
        int64_t sum = 0, n = 0, mx = -128;
        for (int ky = 0; ky < s.kh; ++ky)
          for (int kx = 0; kx < s.kw; ++kx) {
            const int iy = oy * s.stride_h - s.pad_top + ky;
            const int ix = ox * s.stride_w - s.pad_left + kx;
            if (iy < 0 || iy >= s.in.h || ix < 0 || ix >= s.in.w) continue;
            const int64_t v = in[At(s.in, iy, ix, c)];
            sum += v;
            ++n;
            mx = std::max(mx, v);
          }
        int64_t r;
        if (is_max) {
          r = mx;
        } else {
          // sum / n rounded half away from zero
          const int64_t a = sum >= 0 ? sum : -sum;
          const int64_t q = (2 * a + n) / (2 * n);
          r = n == 0 ? 0 : (sum >= 0 ? q : -q);
        }
        out[At(s.out, oy, ox, c)] = Clamp8(r, s.act_min, s.act_max);
      }
  return out;
}
}  // namespace

std::vector<int8_t> AvgPool(const PoolSpec& s, const std::vector<int8_t>& in) {
  return Pool(s, in, false);
}
std::vector<int8_t> MaxPool(const PoolSpec& s, const std::vector<int8_t>& in) {
  return Pool(s, in, true);
}

std::vector<int8_t> Pad(const Dims& in, const Dims& out, int top, int left, int front,
                        int8_t value, const std::vector<int8_t>& data) {
  std::vector<int8_t> r(static_cast<size_t>(out.size()), value);
  for (int y = 0; y < in.h; ++y)
    for (int x = 0; x < in.w; ++x)
      for (int c = 0; c < in.c; ++c) r[At(out, y + top, x + left, c + front)] = data[At(in, y, x, c)];
  return r;
}

int NearestSource(int out_index, int in_size, int out_size, bool align_corners,
                  bool half_pixel_centers) {
  const float scale = (align_corners && out_size > 1)
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float pos = (static_cast<float>(out_index) + (half_pixel_centers ? 0.5f : 0.0f)) * scale;
  int v = static_cast<int>(align_corners ? std::round(pos) : std::floor(pos));
  v = std::min(v, in_size - 1);
  if (half_pixel_centers) v = std::max(v, 0);
  return v;
}

std::vector<int8_t> ResizeNearest(const Dims& in, const Dims& out, bool align_corners,
                                  bool half_pixel_centers, const std::vector<int8_t>& data) {
  std::vector<int8_t> r(static_cast<size_t>(out.size()));
  for (int y = 0; y < out.h; ++y)
    for (int x = 0; x < out.w; ++x)
      for (int c = 0; c < out.c; ++c)
        r[At(out, y, x, c)] =
            data[At(in, NearestSource(y, in.h, out.h, align_corners, half_pixel_centers),
                    NearestSource(x, in.w, out.w, align_corners, half_pixel_centers), c)];
  return r;
}

std::vector<int8_t> FullyConnected(int batches, int depth, int out_depth, int32_t input_zp,
                                   int32_t filter_zp, int32_t output_zp, int32_t act_min,
                                   int32_t act_max, const std::vector<int32_t>& mult,
                                   const std::vector<int32_t>& shift, bool per_channel,
                                   const std::vector<int8_t>& in,
                                   const std::vector<int8_t>& filter,
                                   const std::vector<int32_t>& bias) {
  std::vector<int8_t> out(static_cast<size_t>(batches) * out_depth);
  for (int b = 0; b < batches; ++b)
    for (int o = 0; o < out_depth; ++o) {
      int64_t acc = 0;
      for (int d = 0; d < depth; ++d)
        acc += (int64_t(filter[int64_t(o) * depth + d]) - filter_zp) *
               (int64_t(in[int64_t(b) * depth + d]) - input_zp);
      if (!bias.empty()) acc += bias[o];
      const int k = per_channel ? o : 0;
      out[int64_t(b) * out_depth + o] =
          Clamp8(int64_t(Mbqm(CheckedInt32(acc), mult[k], shift[k])) + output_zp, act_min, act_max);
    }
  return out;
}

namespace {
int64_t Broadcast(const Dims& d, int y, int x, int c) {
  return At(d, d.h == 1 ? 0 : y, d.w == 1 ? 0 : x, d.c == 1 ? 0 : c);
}
}  // namespace

std::vector<int8_t> Add(const AddSpec& s, const Dims& ad, const std::vector<int8_t>& a,
                        const Dims& bd, const std::vector<int8_t>& b, const Dims& out) {
  std::vector<int8_t> r(static_cast<size_t>(out.size()));
  for (int y = 0; y < out.h; ++y)
    for (int x = 0; x < out.w; ++x)
      for (int c = 0; c < out.c; ++c) {
        const int64_t v1 = (int64_t(a[Broadcast(ad, y, x, c)]) - s.zp1) << s.left_shift;
        const int64_t v2 = (int64_t(b[Broadcast(bd, y, x, c)]) - s.zp2) << s.left_shift;
        const int64_t sum = int64_t(Mbqm(v1, s.m1, s.s1)) + Mbqm(v2, s.m2, s.s2);
        r[At(out, y, x, c)] =
            Clamp8(int64_t(Mbqm(sum, s.mo, s.so)) + s.out_zp, s.act_min, s.act_max);
      }
  return r;
}

std::vector<int8_t> Mul(const MulSpec& s, const Dims& ad, const std::vector<int8_t>& a,
                        const Dims& bd, const std::vector<int8_t>& b, const Dims& out) {
  std::vector<int8_t> r(static_cast<size_t>(out.size()));
  for (int y = 0; y < out.h; ++y)
    for (int x = 0; x < out.w; ++x)
      for (int c = 0; c < out.c; ++c) {
        const int64_t p = (int64_t(a[Broadcast(ad, y, x, c)]) - s.zp1) *
                          (int64_t(b[Broadcast(bd, y, x, c)]) - s.zp2);
        r[At(out, y, x, c)] = Clamp8(int64_t(Mbqm(p, s.mo, s.so)) + s.out_zp, s.act_min, s.act_max);
      }
  return r;
}

std::vector<int8_t> Mean(const std::vector<int>& dims, const std::vector<bool>& reduce,
                         int32_t input_zp, int32_t output_zp, int32_t multiplier, int shift,
                         const std::vector<int8_t>& in) {
  const int rank = static_cast<int>(dims.size());
  int64_t total = 1, count = 1, outs = 1;
  for (int i = 0; i < rank; ++i) {
    total *= dims[i];
    if (reduce[i]) count *= dims[i];
    else outs *= dims[i];
  }
  std::vector<int64_t> sums(static_cast<size_t>(outs), 0);
  std::vector<int> idx(rank, 0);
  for (int64_t n = 0; n < total; ++n) {
    int64_t o = 0;
    for (int i = 0; i < rank; ++i)
      if (!reduce[i]) o = o * dims[i] + idx[i];
    sums[o] += in[n];
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
  // Fold 1/count into the multiplier the way TFLM does.
  int s = 0;
  while ((int64_t(1) << (s + 1)) <= count) ++s;  // floor(log2(count))
  s = std::min({s, 32, 31 + shift});
  const int32_t m = static_cast<int32_t>((int64_t(multiplier) << s) / count);
  std::vector<int8_t> out(static_cast<size_t>(outs));
  for (int64_t o = 0; o < outs; ++o)
    out[o] = Clamp8(int64_t(Mbqm(sums[o] - int64_t(input_zp) * count, m, shift - s)) + output_zp,
                    -128, 127);
  return out;
}

std::vector<uint8_t> Transpose(const std::vector<int>& dims, const std::vector<int>& perm,
                               int elem_bytes, const std::vector<uint8_t>& in) {
  const int rank = static_cast<int>(dims.size());
  std::vector<int64_t> stride(rank, 1);
  for (int i = rank - 2; i >= 0; --i) stride[i] = stride[i + 1] * dims[i + 1];
  std::vector<uint8_t> out(in.size());
  std::vector<int> idx(rank, 0);  // input index
  int64_t total = 1;
  for (int d : dims) total *= d;
  std::vector<int> odims(rank);
  for (int i = 0; i < rank; ++i) odims[i] = dims[perm[i]];
  for (int64_t n = 0; n < total; ++n) {
    // output index j has input index idx[perm[j]]
    int64_t o = 0;
    for (int j = 0; j < rank; ++j) o = o * odims[j] + idx[perm[j]];
    std::memcpy(out.data() + o * elem_bytes, in.data() + n * elem_bytes, elem_bytes);
    for (int i = rank - 1; i >= 0; --i) {
      if (++idx[i] < dims[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

}  // namespace tessera::naive
