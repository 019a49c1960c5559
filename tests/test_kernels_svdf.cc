// SVDF against TFLM's integer arithmetic (svdf_common.cc EvalIntegerSvdfReference, as at the
// reference commit: the state's zero point added after the clamp, the sum wrapping to the
// state type; the keyword model's state after one invoke shows it, test_reference_outputs),
// formulated here independently of kernels/src/svdf.c: the whole state shifted left by one
// element as one flat array (tessera's kernel shifts each filter's row), the feature products
// requantized into the state's newest column, two int32 scratch arrays (per filter, per unit)
// summed as TFLM does, with naive::Mbqm and a QuantizeMultiplier of its own. Random shapes,
// ranks, memory sizes, int16 and int8 state (with zero points), biases or none, chained
// layers, initial state values; several invokes with new inputs each, the outputs and the
// state compared after every invoke, and a reset compared with a fresh start.
// Then TensorFlow Lite 2.9 (its builtin SVDF, int8 input with int16 state) over three invokes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/naive_kernels.h"
#include "support/svdf_graph.h"
#include "support/tflite_c.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

// TFLM's QuantizeMultiplier: frexp, round(q * 2^31), 2^31 rounds to 2^30 with shift + 1.
void Qm(double real, int32_t* m, int* shift) {
  if (real == 0.0) {
    *m = 0, *shift = 0;
    return;
  }
  const double q = std::frexp(real, shift);
  int64_t v = static_cast<int64_t>(std::round(q * (1ll << 31)));
  if (v == (1ll << 31)) v /= 2, ++*shift;
  if (*shift < -31) *shift = 0, v = 0;
  *m = static_cast<int32_t>(v);
}

struct Naive {
  const Graph& g;
  std::vector<std::vector<int32_t>> state;  // per operator, the state's values

  explicit Naive(const Graph& gr) : g(gr) { Reset(); }

  void Reset() {
    state.clear();
    for (const Operator& op : g.ops) {
      const Tensor& s = g.tensors[op.inputs[4]];
      std::vector<int32_t> v(static_cast<size_t>(s.num_elements()));
      for (size_t i = 0; i < v.size(); ++i) {
        if (s.type == DType::kInt16) {
          int16_t e;
          std::memcpy(&e, &s.data[2 * i], 2);
          v[i] = e;
        } else {
          v[i] = static_cast<int8_t>(s.data[i]);
        }
      }
      state.push_back(v);
    }
  }

  static int32_t Elem(const Tensor& t, size_t i) {
    if (t.type == DType::kInt16) {
      int16_t e;
      std::memcpy(&e, &t.data[2 * i], 2);
      return e;
    }
    if (t.type == DType::kInt32) {
      int32_t e;
      std::memcpy(&e, &t.data[4 * i], 4);
      return e;
    }
    return static_cast<int8_t>(t.data[i]);
  }

  std::vector<int8_t> Layer(int k, const std::vector<int8_t>& x) {
    const Operator& op = g.ops[k];
    const Tensor& in = g.tensors[op.inputs[0]];
    const Tensor& wf = g.tensors[op.inputs[1]];
    const Tensor& wt = g.tensors[op.inputs[2]];
    const Tensor& st = g.tensors[op.inputs[4]];
    const Tensor& y = g.tensors[op.outputs[0]];
    const int B = in.shape[0], N = in.shape[1], F = wf.shape[0], M = wt.shape[1];
    const int R = op.opts<SvdfOptions>().rank, U = F / R;
    const int32_t in_zp = static_cast<int32_t>(in.quant.zero_point[0]);
    const int32_t st_zp = static_cast<int32_t>(st.quant.zero_point[0]);
    const int32_t y_zp = static_cast<int32_t>(y.quant.zero_point[0]);
    const int32_t lo = st.type == DType::kInt16 ? -32768 : -128, hi = st.type == DType::kInt16 ? 32767 : 127;
    int32_t m1, m2;
    int s1, s2;
    Qm(static_cast<double>(in.quant.scale[0] * wf.quant.scale[0] / st.quant.scale[0]), &m1, &s1);
    Qm(static_cast<double>(st.quant.scale[0] * wt.quant.scale[0] / y.quant.scale[0]), &m2, &s2);
    std::vector<int32_t>& S = state[static_cast<size_t>(k)];
    // Shift the whole state left by one element.
    for (size_t i = 0; i + 1 < S.size(); ++i) S[i] = S[i + 1];
    // Feature products into each row's last element.
    for (int b = 0; b < B; ++b)
      for (int f = 0; f < F; ++f) {
        int64_t dot = 0;
        for (int i = 0; i < N; ++i)
          dot += int64_t{Elem(wf, static_cast<size_t>(f) * N + i)} * (x[static_cast<size_t>(b) * N + i] - in_zp);
        // Clamped to the state type, then the zero point added and the int32 sum narrowed
        // to the state type (TFLM at the reference commit; it wraps).
        int64_t v = std::min<int64_t>(std::max<int64_t>(naive::Mbqm(dot, m1, s1), lo), hi) + st_zp;
        const int64_t span = int64_t{hi} - lo + 1;
        v = ((v - lo) % span + span) % span + lo;
        S[(static_cast<size_t>(b) * F + f) * M + M - 1] = static_cast<int32_t>(v);
      }
    // Time products per filter, then per unit: bias + its filters, requantized.
    std::vector<int8_t> out(static_cast<size_t>(B) * U);
    for (int b = 0; b < B; ++b) {
      std::vector<int64_t> scratch(static_cast<size_t>(F));
      for (int f = 0; f < F; ++f)
        for (int m = 0; m < M; ++m)
          scratch[f] += int64_t{Elem(wt, static_cast<size_t>(f) * M + m)} *
                        (S[(static_cast<size_t>(b) * F + f) * M + m] - st_zp);
      for (int u = 0; u < U; ++u) {
        int64_t acc = op.inputs[3] == kNoTensor ? 0 : Elem(g.tensors[op.inputs[3]], static_cast<size_t>(u));
        for (int r = 0; r < R; ++r) acc += scratch[static_cast<size_t>(u) * R + r];
        int64_t v = int64_t{naive::Mbqm(acc, m2, s2)} + y_zp;
        out[static_cast<size_t>(b) * U + u] = static_cast<int8_t>(std::min<int64_t>(std::max<int64_t>(v, -128), 127));
      }
    }
    return out;
  }

  std::vector<int8_t> Invoke(const std::vector<int8_t>& x) {
    std::vector<int8_t> v = x;
    for (int k = 0; k < static_cast<int>(g.ops.size()); ++k) v = Layer(k, v);
    return v;
  }

  std::vector<uint8_t> StateBytes(int k) const {
    const Tensor& st = g.tensors[g.ops[k].inputs[4]];
    const auto& S = state[static_cast<size_t>(k)];
    std::vector<uint8_t> r(static_cast<size_t>(st.num_bytes()));
    for (size_t i = 0; i < S.size(); ++i) {
      if (st.type == DType::kInt16) {
        const int16_t e = static_cast<int16_t>(S[i]);
        std::memcpy(&r[2 * i], &e, 2);
      } else {
        r[i] = static_cast<uint8_t>(static_cast<int8_t>(S[i]));
      }
    }
    return r;
  }
};

std::vector<uint8_t> Bytes(const std::vector<int8_t>& v) { return std::vector<uint8_t>(v.begin(), v.end()); }

test::SvdfSpec RandomSpec(std::mt19937_64& r) {
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  test::SvdfSpec s;
  s.batch = I(1, 3);
  s.input_size = I(1, 40);
  s.units = I(1, 12);
  s.rank = I(1, 3);
  s.memory = I(1, 10);
  s.state16 = I(0, 1) == 1;
  s.bias = I(0, 4) != 0;
  s.state_zero_point = s.state16 ? 0 : I(-128, 127);
  s.random_initial_state = I(0, 3) == 0;
  s.layers = I(0, 3) == 0 ? 2 : 1;
  return s;
}

TEST(KernelSvdf, MatchesNaiveTflmArithmeticOverInvokes) {
  std::mt19937_64 r(20260515);
  int cases = 0, clamped_state = 0;
  for (int c = 0; c < 300; ++c) {
    const test::SvdfSpec spec = RandomSpec(r);
    std::string desc;
    const Graph g = test::SvdfGraph(spec, r(), &desc);
    const Plan plan = PlanLayerByLayer(g);
    ASSERT_EQ(plan.state.size(), g.ops.size()) << desc;
    Executor ex(g, plan);
    Naive naive(g);
    const Tensor& x = g.tensors[g.inputs[0]];
    std::vector<int8_t> first_in, first_out;
    for (int k = 0; k < 5; ++k) {
      std::vector<int8_t> in(static_cast<size_t>(x.num_elements()));
      for (auto& v : in) v = static_cast<int8_t>(std::uniform_int_distribution<int>(-128, 127)(r));
      if (k == 0) first_in = in;
      const std::vector<int8_t> want = naive.Invoke(in);
      if (k == 0) first_out = want;
      ex.SetInput(0, Bytes(in));
      ex.Invoke();
      ASSERT_EQ(ex.Output(0), Bytes(want)) << desc << " invoke " << k;
      for (int op = 0; op < static_cast<int>(g.ops.size()); ++op) {
        const auto sb = naive.StateBytes(op);
        ASSERT_EQ(ex.State(g.ops[op].inputs[4]), sb) << desc << " state of op " << op << " after invoke " << k;
        for (int32_t v : naive.state[static_cast<size_t>(op)]) clamped_state += v == 32767 || v == -32768 || (!spec.state16 && (v == 127 || v == -128));
      }
    }
    // A reset restores the initial state: the first input gives the first output again.
    ex.ResetState();
    ex.SetInput(0, Bytes(first_in));
    ex.Invoke();
    EXPECT_EQ(ex.Output(0), Bytes(first_out)) << desc << " after ResetState";
    ++cases;
  }
  EXPECT_EQ(cases, 300);
  EXPECT_GT(clamped_state, 0) << "no state value ever clamped: the random scales are too narrow";
}

// The same arithmetic through RunPlan's invokes and every state byte reset by a new executor.
TEST(KernelSvdf, RunPlanInvokesCarryState) {
  test::SvdfSpec s;
  s.memory = 3;
  const Graph g = test::SvdfGraph(s, 7);
  Naive naive(g);
  std::vector<int8_t> in(8, 5);
  std::vector<int8_t> want;
  for (int k = 0; k < 3; ++k) want = naive.Invoke(in);
  const auto got = RunPlan(g, PlanLayerByLayer(g), {Bytes(in)}, 3);
  EXPECT_EQ(got[0], Bytes(want));
  const auto once = RunPlan(g, PlanLayerByLayer(g), {Bytes(in)}, 1);
  Naive fresh(g);
  EXPECT_EQ(once[0], Bytes(fresh.Invoke(in)));
  EXPECT_THROW(RunPlan(g, PlanLayerByLayer(g), {Bytes(in)}, 0), Error);
}

// TensorFlow Lite 2.9's SVDF (int8 input, int16 weights_time and state, int32 bias) over
// three invokes of a single-operator model written by tessera's writer.
TEST(TfliteDifferentialSvdf, Int8WithInt16StateMatchesTfliteOverInvokes) {
  TESSERA_REQUIRE_TFLITE();
  std::mt19937_64 r(99);
  int compared = 0;
  for (int c = 0; c < 150; ++c) {
    test::SvdfSpec s = RandomSpec(r);
    s.state16 = true;
    s.state_zero_point = 0;
    s.random_initial_state = false;  // TFLite starts its variable tensors at zero
    s.layers = 1;
    s.bias = true;
    s.activation = Activation::kRelu;  // TFLite 2.9 insists; TFLM ignores it
    std::string desc;
    const Graph g = test::SvdfGraph(s, r(), &desc);
    const auto model = WriteTfliteBytes(g);
    test::TfliteInterpreter tfl(model);
    Executor ex(g, PlanLayerByLayer(g));
    for (int k = 0; k < 3; ++k) {
      std::vector<uint8_t> in(static_cast<size_t>(g.tensors[g.inputs[0]].num_bytes()));
      for (auto& v : in) v = static_cast<uint8_t>(r() >> 56);
      tfl.SetInput(0, in);
      tfl.Invoke();
      ex.SetInput(0, in);
      ex.Invoke();
      ASSERT_EQ(ex.Output(0), tfl.Output(0)) << desc << " invoke " << k;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 450);
}

// Bad graphs get a clear error naming the operator: state where an operator does not take
// it, a non-variable activation_state, state as a graph output, mismatched state types.
TEST(KernelSvdf, StateMisuseIsAClearError) {
  auto error = [](Graph g) {
    try {
      g.Validate();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  test::SvdfSpec s;
  const Graph good = test::SvdfGraph(s, 1);
  const int state = good.ops[0].inputs[4];
  {
    Graph g = good;  // the state read by a second operator that takes no state
    Operator q;
    q.type = OpType::kQuantize;
    q.inputs = {state};
    Tensor y = g.tensors[state];
    y.is_variable = false;
    y.data.clear();
    y.name = "copy";
    g.tensors.push_back(y);
    q.outputs = {static_cast<int>(g.tensors.size()) - 1};
    g.ops.push_back(q);
    const std::string e = error(g);
    EXPECT_NE(e.find("QUANTIZE (op 1): input 0"), std::string::npos) << e;
    EXPECT_NE(e.find("is state (is_variable), which QUANTIZE does not take there"), std::string::npos) << e;
  }
  {
    Graph g = good;  // activation_state not a variable tensor: an activation never written
    g.tensors[state].is_variable = false;
    g.tensors[state].data.clear();
    const std::string e = error(g);
    EXPECT_NE(e.find("SVDF (op 0)"), std::string::npos) << e;
  }
  {
    Graph g = good;
    g.outputs.push_back(state);
    const std::string e = error(g);
    EXPECT_NE(e.find("is state (is_variable)"), std::string::npos) << e;
  }
  {
    Graph g = good;  // int16 weights_time with int8 state
    g.tensors[state].type = DType::kInt8;
    g.tensors[state].data.resize(g.tensors[state].data.size() / 2);
    const std::string e = error(g);
    EXPECT_NE(e.find("they must have one type"), std::string::npos) << e;
  }
}

// float32 SVDF (TFLM EvalFloatSvdfReference): a naive float computation in TFLM's order
// (flat state shift, feature dot products from element 0, per-filter time dot products, bias
// then the rank filters summed in order, the fused activation), three invokes.
TEST(KernelSvdf, Float32MatchesNaiveOverInvokes) {
  std::mt19937_64 r(4242);
  auto U = [&](double lo, double hi) { return static_cast<float>(std::uniform_real_distribution<double>(lo, hi)(r)); };
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  auto floats = [](const std::vector<float>& v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return b;
  };
  for (int c = 0; c < 100; ++c) {
    const int B = I(1, 2), N = I(1, 20), U_ = I(1, 6), R = I(1, 3), M = I(1, 6), F = U_ * R;
    const Activation act = static_cast<Activation>(I(0, 3));
    Graph g;
    auto add = [&](const std::string& name, std::vector<int32_t> shape, std::vector<float> data, bool variable) {
      Tensor t;
      t.name = name;
      t.type = DType::kFloat32;
      t.shape = std::move(shape);
      t.is_variable = variable;
      t.is_const = !variable && !data.empty();
      if (!data.empty()) t.data = floats(data);
      g.tensors.push_back(t);
      return static_cast<int>(g.tensors.size()) - 1;
    };
    std::vector<float> wf(static_cast<size_t>(F) * N), wt(static_cast<size_t>(F) * M), bias(static_cast<size_t>(U_));
    for (float& v : wf) v = U(-1, 1);
    for (float& v : wt) v = U(-1, 1);
    for (float& v : bias) v = U(-1, 1);
    const int x = add("x", {B, N}, {}, false);
    const int wfi = add("wf", {F, N}, wf, false), wti = add("wt", {F, M}, wt, false), bi = add("b", {U_}, bias, false);
    const int st = add("state", {B, F * M}, std::vector<float>(static_cast<size_t>(B) * F * M, 0.0f), true);
    const int y = add("y", {B, U_}, {}, false);
    Operator op;
    op.type = OpType::kSvdf;
    op.inputs = {x, wfi, wti, bi, st};
    op.outputs = {y};
    SvdfOptions o;
    o.rank = R;
    o.activation = act;
    op.options = o;
    g.ops.push_back(op);
    g.inputs = {x};
    g.outputs = {y};
    g.Validate();
    Executor ex(g, PlanLayerByLayer(g));
    std::vector<float> S(static_cast<size_t>(B) * F * M, 0.0f);
    for (int k = 0; k < 3; ++k) {
      std::vector<float> in(static_cast<size_t>(B) * N);
      for (float& v : in) v = U(-2, 2);
      for (size_t i = 0; i + 1 < S.size(); ++i) S[i] = S[i + 1];
      for (int b = 0; b < B; ++b)
        for (int f = 0; f < F; ++f) {
          float dot = 0.0f;
          for (int i = 0; i < N; ++i) dot += wf[static_cast<size_t>(f) * N + i] * in[static_cast<size_t>(b) * N + i];
          S[(static_cast<size_t>(b) * F + f) * M + M - 1] = dot;
        }
      std::vector<float> want(static_cast<size_t>(B) * U_);
      for (int b = 0; b < B; ++b) {
        std::vector<float> scratch(static_cast<size_t>(F), 0.0f);
        for (int f = 0; f < F; ++f)
          for (int m = 0; m < M; ++m)
            scratch[f] += wt[static_cast<size_t>(f) * M + m] * S[(static_cast<size_t>(b) * F + f) * M + m];
        for (int u = 0; u < U_; ++u) {
          float v = bias[u];
          for (int q = 0; q < R; ++q) v += scratch[static_cast<size_t>(u) * R + q];
          if (act == Activation::kRelu) v = std::max(v, 0.0f);
          if (act == Activation::kRelu6) v = std::min(std::max(v, 0.0f), 6.0f);
          if (act == Activation::kReluN1To1) v = std::min(std::max(v, -1.0f), 1.0f);
          want[static_cast<size_t>(b) * U_ + u] = v;
        }
      }
      ex.SetInput(0, floats(in));
      ex.Invoke();
      ASSERT_EQ(ex.Output(0), floats(want)) << "case " << c << " invoke " << k;
    }
  }
}

}  // namespace
}  // namespace tessera
