#include "support/svdf_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

namespace tessera::test {
namespace {

int Add(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape, float scale, int64_t zp,
        std::vector<uint8_t> data = {}, bool variable = false) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant.scale = {scale};
  t.quant.zero_point = {zp};
  t.is_const = !data.empty() && !variable;
  t.is_variable = variable;
  t.data = std::move(data);
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

}  // namespace

Graph SvdfGraph(const SvdfSpec& s, uint64_t seed, std::string* desc) {
  std::mt19937_64 r(seed);
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  auto U = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); };
  Graph g;
  g.name = "svdf";
  int in_size = s.input_size;
  float in_scale = static_cast<float>(std::pow(10.0, U(-2.5, -0.5)));
  int64_t in_zp = I(-128, 127);
  int x = Add(g, "x", DType::kInt8, {s.batch, in_size}, in_scale, in_zp);
  g.inputs = {x};
  for (int l = 0; l < s.layers; ++l) {
    const std::string L = "l" + std::to_string(l) + "/";
    const int filters = s.units * s.rank;
    std::vector<uint8_t> wf(static_cast<size_t>(filters) * in_size);
    for (auto& b : wf) b = static_cast<uint8_t>(static_cast<int8_t>(I(-127, 127)));
    const float wf_scale = static_cast<float>(std::pow(10.0, U(-3, -1.5)));
    const int wfi = Add(g, L + "weights_feature", DType::kInt8, {filters, in_size}, wf_scale, 0, wf);
    const DType st = s.state16 ? DType::kInt16 : DType::kInt8;
    const int es = s.state16 ? 2 : 1;
    std::vector<uint8_t> wt(static_cast<size_t>(filters) * s.memory * es);
    // int16: small enough that a unit's sum of rank * memory products of weights and state
    // (|state - zero point| <= 32768) stays inside int32, as TFLM's int32 accumulator needs.
    const int wt_max = static_cast<int>(std::min<int64_t>(32767, ((int64_t{1} << 31) - 40000) /
                                                                     (int64_t{s.rank} * s.memory * 32768)));
    for (size_t i = 0; i < wt.size() / es; ++i) {
      if (s.state16) {
        const int16_t v = static_cast<int16_t>(I(-wt_max, wt_max));
        std::memcpy(&wt[i * 2], &v, 2);
      } else {
        wt[i] = static_cast<uint8_t>(static_cast<int8_t>(I(-127, 127)));
      }
    }
    const float wt_scale = static_cast<float>(std::pow(10.0, s.state16 ? U(-6, -4) : U(-3, -1.5)));
    const int wti = Add(g, L + "weights_time", st, {filters, s.memory}, wt_scale, 0, wt);
    // The state's scale: about the range of the feature products, so they neither all clamp
    // nor all round to zero.
    const float st_scale = static_cast<float>(in_scale * wf_scale * std::sqrt(static_cast<double>(in_size)) *
                                              U(0.3, 3.0) * (s.state16 ? 1.0 / 256 : 1.0));
    const int64_t st_zp = s.state16 ? 0 : s.state_zero_point;
    int bi = kNoTensor;
    if (s.bias) {
      std::vector<uint8_t> bias(static_cast<size_t>(s.units) * 4);
      for (int u = 0; u < s.units; ++u) {
        const int32_t v = I(-20000, 20000);
        std::memcpy(&bias[static_cast<size_t>(u) * 4], &v, 4);
      }
      bi = Add(g, L + "bias", DType::kInt32, {s.units}, st_scale * wt_scale, 0, bias);
    }
    // TFLM's reset value (the zero point for int8), or random bytes.
    std::vector<uint8_t> init(static_cast<size_t>(s.batch) * filters * s.memory * es,
                              s.state16 ? 0 : static_cast<uint8_t>(static_cast<int8_t>(st_zp)));
    if (s.random_initial_state)
      for (auto& b : init) b = static_cast<uint8_t>(I(0, 255));
    const int sti = Add(g, L + "state", st, {s.batch, filters * s.memory}, st_scale, st_zp, init, true);
    const float out_scale = static_cast<float>(st_scale * wt_scale * std::pow(2.0, U(4, 9)) *
                                               (s.state16 ? 256.0 : 1.0) / 16);
    const int64_t out_zp = I(-20, 20);
    const int y = Add(g, L + "y", DType::kInt8, {s.batch, s.units}, out_scale, out_zp);
    Operator op;
    op.type = OpType::kSvdf;
    op.inputs = {x, wfi, wti, bi, sti};
    op.outputs = {y};
    SvdfOptions o;
    o.rank = s.rank;
    o.activation = s.activation;
    op.options = o;
    g.ops.push_back(op);
    x = y;
    in_size = s.units;
    in_scale = out_scale;
  }
  g.outputs = {x};
  g.Validate();
  if (desc) {
    std::ostringstream d;
    d << "svdf b" << s.batch << " in" << s.input_size << " u" << s.units << " r" << s.rank << " m" << s.memory
      << (s.state16 ? " s16" : " s8") << (s.bias ? "" : " nobias") << " zp" << s.state_zero_point
      << (s.random_initial_state ? " init" : "") << " x" << s.layers;
    *desc = d.str();
  }
  return g;
}

}  // namespace tessera::test
