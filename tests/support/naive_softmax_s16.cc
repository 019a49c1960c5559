#include "support/naive_softmax_s16.h"

namespace tessera::naive {
namespace {

int32_t Srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : 1 - (int64_t{1} << 30);
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}
int32_t Rdbpot(int32_t x, int e) {
  const int64_t mask = (int64_t{1} << e) - 1;
  const int64_t rem = static_cast<int64_t>(x) & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<int32_t>((static_cast<int64_t>(x) >> e) + (rem > threshold ? 1 : 0));
}

}  // namespace

int32_t Mbqm32(int32_t x, int32_t m, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return Rdbpot(Srdhm(static_cast<int32_t>(static_cast<uint32_t>(x) << left), m), right);
}

int16_t LutLookupS16(int16_t value, const std::vector<int16_t>& lut) {
  const int index = 256 + (value >> 7);
  const int offset = value & 0x7f;
  const int base = lut[index];
  const int slope = static_cast<int16_t>(lut[index + 1] - lut[index]);
  return static_cast<int16_t>(base + ((slope * offset + 64) >> 7));
}

std::vector<int16_t> SoftmaxS16(const std::vector<int16_t>& in, int rows, int depth, int32_t mult, int shift,
                                const std::vector<int16_t>& exp_lut, const std::vector<int16_t>& recip_lut) {
  std::vector<int16_t> out(in.size());
  for (int i = 0; i < rows; ++i) {
    int mx = -32768;
    for (int c = 0; c < depth; ++c) mx = std::max<int>(mx, in[i * depth + c]);
    std::vector<int16_t> e(depth);
    int64_t sum = 0;
    for (int c = 0; c < depth; ++c) {
      const int32_t scaled = Mbqm32(in[i * depth + c] - mx, mult, shift);
      const int32_t sym = std::min(std::max(scaled + 32767, -32768), 32767);
      e[c] = LutLookupS16(static_cast<int16_t>(sym), exp_lut);
      sum += e[c];
    }
    int headroom_plus_one = 0;  // leading zeros of the 32-bit sum
    while (headroom_plus_one < 32 && !((static_cast<uint32_t>(sum) << headroom_plus_one) & 0x80000000u))
      ++headroom_plus_one;
    const int32_t shifted_sum = static_cast<int32_t>(((sum << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
    const int32_t sym_sum = std::min(std::max(shifted_sum - 98304, -32768), 32767);
    const int16_t recip = LutLookupS16(static_cast<int16_t>(sym_sum), recip_lut);
    const int right_shift = 31 - headroom_plus_one;
    for (int c = 0; c < depth; ++c) {
      const int64_t v = (static_cast<int64_t>(e[c]) * recip + (int64_t{1} << (right_shift - 1))) >> right_shift;
      out[i * depth + c] = static_cast<int16_t>(std::min<int64_t>(std::max<int64_t>(v, 0), 32767));
    }
  }
  return out;
}

}  // namespace tessera::naive
