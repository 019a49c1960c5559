// A straightforward reference of the int8 kernels for tests, written apart from kernels/:
// whole tensors only, loops over every output element, explicit padding checks, int64
// arithmetic, and requantization spelled as "round half away from zero of x / 2^k" rather
// than TFLM's bit tricks. Tests compare the window-aware C kernels against it.
#pragma once

#include <cstdint>
#include <vector>

namespace tessera::naive {

// TFLM's requantization, formulated independently (see the .cc).
int32_t Srdhm(int32_t a, int32_t b);
int32_t RoundingDivideByPot(int64_t x, int exponent);
int32_t Mbqm(int64_t x, int32_t multiplier, int shift);
// TFLM's 32-bit MultiplyByQuantizedMultiplier as the kernels compute it: the left shift wraps in
// 32 bits (Mbqm above refuses such operands instead).
int32_t MbqmWrap(int32_t x, int32_t multiplier, int shift);
// TFLM's MultiplyByQuantizedMultiplier(int64_t x, ...): the multiplier reduced to 16 bits (at most
// 0x7FFF), then one rounding shift by 15 - shift.
int32_t Mbqm64(int64_t x, int32_t multiplier, int shift);

struct Dims {
  int h = 1, w = 1, c = 1;
  int64_t size() const { return int64_t(h) * w * c; }
};

struct ConvSpec {
  Dims in, out;
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int pad_top = 0, pad_left = 0;
  int filter_in_c = 0;       // conv: channels per group
  int depth_multiplier = 1;  // depthwise
  int32_t input_zp = 0, output_zp = 0, act_min = -128, act_max = 127;
  std::vector<int32_t> mult, shift;  // per output channel
};

// filter OHWI (conv) or [1,kh,kw,out_c] (depthwise); bias may be empty.
std::vector<int8_t> Conv2D(const ConvSpec& s, const std::vector<int8_t>& in,
                           const std::vector<int8_t>& filter, const std::vector<int32_t>& bias);
std::vector<int8_t> DepthwiseConv2D(const ConvSpec& s, const std::vector<int8_t>& in,
                                    const std::vector<int8_t>& filter,
                                    const std::vector<int32_t>& bias);

struct PoolSpec {
  Dims in, out;
  int kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  int32_t act_min = -128, act_max = 127;
};
std::vector<int8_t> AvgPool(const PoolSpec& s, const std::vector<int8_t>& in);
std::vector<int8_t> MaxPool(const PoolSpec& s, const std::vector<int8_t>& in);

// Constant pad: out (y, x, c) = in (y - top, x - left, c - front) or `value`.
std::vector<int8_t> Pad(const Dims& in, const Dims& out, int top, int left, int front,
                        int8_t value, const std::vector<int8_t>& data);

// TFLM's nearest-neighbour source index (float arithmetic, as TFLM).
int NearestSource(int out_index, int in_size, int out_size, bool align_corners,
                  bool half_pixel_centers);
std::vector<int8_t> ResizeNearest(const Dims& in, const Dims& out, bool align_corners,
                                  bool half_pixel_centers, const std::vector<int8_t>& data);

std::vector<int8_t> FullyConnected(int batches, int depth, int out_depth, int32_t input_zp,
                                   int32_t filter_zp, int32_t output_zp, int32_t act_min,
                                   int32_t act_max, const std::vector<int32_t>& mult,
                                   const std::vector<int32_t>& shift, bool per_channel,
                                   const std::vector<int8_t>& in,
                                   const std::vector<int8_t>& filter,
                                   const std::vector<int32_t>& bias);

// ADD / MUL with broadcasting of either operand (dims of 1 broadcast) to `out`.
struct AddSpec {
  int32_t zp1 = 0, zp2 = 0, out_zp = 0, left_shift = 20;
  int32_t m1 = 0, s1 = 0, m2 = 0, s2 = 0, mo = 0, so = 0;
  int32_t act_min = -128, act_max = 127;
};
std::vector<int8_t> Add(const AddSpec& s, const Dims& a_dims, const std::vector<int8_t>& a,
                        const Dims& b_dims, const std::vector<int8_t>& b, const Dims& out);
struct MulSpec {
  int32_t zp1 = 0, zp2 = 0, out_zp = 0, mo = 0, so = 0, act_min = -128, act_max = 127;
};
std::vector<int8_t> Mul(const MulSpec& s, const Dims& a_dims, const std::vector<int8_t>& a,
                        const Dims& b_dims, const std::vector<int8_t>& b, const Dims& out);

// TFLM's integer MEAN (QuantizedMeanOrSum) over the axes flagged in `reduce`.
std::vector<int8_t> Mean(const std::vector<int>& dims, const std::vector<bool>& reduce,
                         int32_t input_zp, int32_t output_zp, int32_t multiplier, int shift,
                         const std::vector<int8_t>& in);

std::vector<uint8_t> Transpose(const std::vector<int>& dims, const std::vector<int>& perm,
                               int elem_bytes, const std::vector<uint8_t>& in);

}  // namespace tessera::naive
