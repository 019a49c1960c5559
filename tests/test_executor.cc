// Host executor on small hand-built graphs: layer-by-layer against an independent naive
// reference of TFLM's int8 convolution arithmetic, plans whose buffers hold partial windows
// (two steps each computing half of an output), copy steps with memmove semantics, in-place
// RESHAPE, and the errors a bad plan or bad input must raise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "exec/executor.h"
#include "memory/greedy.h"
#include "schedule/layer_by_layer.h"

namespace tessera {
namespace {

// ---- an independent reference of TFLM's per-channel int8 convolution -------------------

void QuantizeMultiplierRef(double m, int32_t* q, int* shift) {
  if (m == 0.0) { *q = 0; *shift = 0; return; }
  const double f = std::frexp(m, shift);
  int64_t qf = static_cast<int64_t>(std::round(f * (1LL << 31)));
  if (qf == (1LL << 31)) { qf /= 2; ++*shift; }
  if (*shift < -31) { *shift = 0; qf = 0; }
  *q = static_cast<int32_t>(qf);
}
int32_t SrdhmRef(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
  return static_cast<int32_t>((ab + nudge) / (1LL << 31));
}
int32_t RdbpotRef(int32_t x, int e) {
  const int32_t mask = static_cast<int32_t>((1LL << e) - 1);
  const int32_t rem = x & mask;
  const int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + (rem > thr ? 1 : 0);
}
int32_t MbqmRef(int32_t x, int32_t q, int shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  return RdbpotRef(SrdhmRef(static_cast<int32_t>(static_cast<int64_t>(x) * (1LL << left)), q), right);
}

struct ConvSpec {
  int H = 6, W = 6, Cin = 2, Cout = 3, K = 3, stride = 1;
  Padding pad = Padding::kSame;
};

// input -> CONV_2D (per-channel int8 weights, int32 bias) -> output.
Graph ConvGraph(const ConvSpec& c) {
  Graph g;
  g.name = "conv";
  const int32_t OH = ConvOutputSize(c.pad, c.H, c.K, c.stride, 1);
  const int32_t OW = ConvOutputSize(c.pad, c.W, c.K, c.stride, 1);
  Tensor in{"in", DType::kInt8, {1, c.H, c.W, c.Cin}, {{0.05f}, {3}}, {}, false};
  Tensor w{"w", DType::kInt8, {c.Cout, c.K, c.K, c.Cin}, {}, {}, true};
  for (int o = 0; o < c.Cout; ++o) {
    w.quant.scale.push_back(0.01f * (o + 1));
    w.quant.zero_point.push_back(0);
  }
  for (int i = 0; i < c.Cout * c.K * c.K * c.Cin; ++i) w.data.push_back(static_cast<uint8_t>((i * 37 + 11) % 255 - 127));
  Tensor b{"b", DType::kInt32, {c.Cout}, {}, {}, true};
  for (int o = 0; o < c.Cout; ++o) {
    b.quant.scale.push_back(0.05f * w.quant.scale[o]);
    b.quant.zero_point.push_back(0);
    const int32_t v = (o * 97 - 100);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(&v);
    b.data.insert(b.data.end(), p, p + 4);
  }
  Tensor out{"out", DType::kInt8, {1, OH, OW, c.Cout}, {{0.08f}, {-5}}, {}, false};
  g.tensors = {in, w, b, out};
  Operator op;
  op.type = OpType::kConv2D;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  Conv2DOptions o;
  o.padding = c.pad;
  o.stride_h = o.stride_w = c.stride;
  op.options = o;
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {3};
  return g;
}

std::vector<uint8_t> NaiveConv(const Graph& g, const std::vector<uint8_t>& in) {
  const Tensor &ti = g.tensors[0], &tw = g.tensors[1], &tb = g.tensors[2], &to = g.tensors[3];
  const auto& o = g.ops[0].opts<Conv2DOptions>();
  const int H = ti.shape[1], W = ti.shape[2], C = ti.shape[3];
  const int OH = to.shape[1], OW = to.shape[2], OC = to.shape[3], K = tw.shape[1];
  const int pt = ConvPaddingBefore(o.padding, H, K, o.stride_h, 1, OH);
  const int pl = ConvPaddingBefore(o.padding, W, K, o.stride_w, 1, OW);
  std::vector<uint8_t> out(static_cast<size_t>(OH * OW * OC));
  for (int y = 0; y < OH; ++y)
    for (int x = 0; x < OW; ++x)
      for (int oc = 0; oc < OC; ++oc) {
        int32_t bias;
        std::memcpy(&bias, tb.data.data() + 4 * oc, 4);
        int32_t acc = bias;
        for (int ky = 0; ky < K; ++ky)
          for (int kx = 0; kx < K; ++kx) {
            const int iy = y * o.stride_h - pt + ky, ix = x * o.stride_w - pl + kx;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (int c = 0; c < C; ++c) {
              const int32_t iv = static_cast<int8_t>(in[(iy * W + ix) * C + c]);
              const int32_t wv = static_cast<int8_t>(tw.data[((oc * K + ky) * K + kx) * C + c]);
              acc += (iv - static_cast<int32_t>(ti.quant.zero_point[0])) * wv;
            }
          }
        int32_t q;
        int shift;
        QuantizeMultiplierRef(static_cast<double>(ti.quant.scale[0]) * static_cast<double>(tw.quant.scale[oc]) /
                                  static_cast<double>(to.quant.scale[0]),
                              &q, &shift);
        acc = MbqmRef(acc, q, shift) + static_cast<int32_t>(to.quant.zero_point[0]);
        acc = std::min(127, std::max(-128, acc));
        out[(y * OW + x) * OC + oc] = static_cast<uint8_t>(static_cast<int8_t>(acc));
      }
  return out;
}

std::vector<uint8_t> PseudoRandomBytes(size_t n, uint32_t seed) {
  std::vector<uint8_t> r(n);
  for (auto& b : r) {
    seed = seed * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(seed >> 24);
  }
  return r;
}

// ---- layer by layer -----------------------------------------------------------------------

TEST(Executor, ConvLayerByLayerMatchesNaiveReference) {
  for (int stride : {1, 2})
    for (Padding pad : {Padding::kSame, Padding::kValid}) {
      ConvSpec c;
      c.H = 7;
      c.W = 5;
      c.stride = stride;
      c.pad = pad;
      const Graph g = ConvGraph(c);
      const auto in = PseudoRandomBytes(g.tensors[0].num_bytes(), 7 + stride);
      const auto out = RunPlan(g, PlanLayerByLayer(g), {in});
      ASSERT_EQ(out.size(), 1u);
      EXPECT_EQ(out[0], NaiveConv(g, in)) << "stride " << stride << " pad " << int(pad);
    }
}

TEST(Executor, StepHookSeesEveryStepInOrder) {
  const Graph g = ConvGraph({});
  const Plan p = PlanLayerByLayer(g);
  Executor ex(g, p);
  std::vector<int> seen;
  std::vector<uint8_t> hooked;
  ex.SetStepHook([&](int s, const Executor& e) {
    seen.push_back(s);
    hooked = e.ReadWindow(e.plan().steps[s].outputs[0], FullWindow(e.graph(), 3));
  });
  const auto in = PseudoRandomBytes(g.tensors[0].num_bytes(), 1);
  ex.SetInput(0, in);
  ex.Invoke();
  EXPECT_EQ(seen, std::vector<int>{0});
  EXPECT_EQ(hooked, ex.Output(0));
}

TEST(Executor, InvokeTwiceWithDifferentInputs) {
  const Graph g = ConvGraph({});
  Executor ex(g, PlanLayerByLayer(g));
  for (uint32_t seed : {3u, 4u}) {
    const auto in = PseudoRandomBytes(g.tensors[0].num_bytes(), seed);
    ex.SetInput(0, in);
    ex.Invoke();
    EXPECT_EQ(ex.Output(0), NaiveConv(g, in));
  }
  EXPECT_THROW(ex.Invoke(), Error);  // inputs must be set again
}

// ---- partial windows ----------------------------------------------------------------------

Buffer Buf(const std::string& name, int tensor, Window w, int64_t bytes, int64_t offset, int first, int last) {
  Buffer b;
  b.name = name;
  b.tensor = tensor;
  b.window = w;
  b.bytes = bytes;
  b.offset = offset;
  b.first = first;
  b.last = last;
  return b;
}
Step Copy(Window w, int from, int to) {
  Step s;
  s.kind = StepKind::kCopy;
  s.window = w;
  s.inputs = {from};
  s.outputs = {to};
  return s;
}
Step OpStep(int op, Window w, std::vector<int> in, std::vector<int> out) {
  Step s;
  s.op = op;
  s.window = w;
  s.inputs = std::move(in);
  s.outputs = std::move(out);
  return s;
}

// The input is copied into two overlapping partial buffers (with the halo the 3x3 kernel
// needs); two steps each compute half of the output from one of them into partial output
// buffers, which copy steps assemble into the whole output. `by_rows` splits rows, else columns.
Plan TwoHalvesPlan(const Graph& g, bool by_rows, bool direct_into_full_output) {
  const int32_t H = g.tensors[0].shape[1], W = g.tensors[0].shape[2], C = g.tensors[0].shape[3];
  const int32_t OC = g.tensors[3].shape[3];
  const int32_t n = by_rows ? H : W, half = n / 2;
  auto win = [&](int32_t lo, int32_t hi) {
    return by_rows ? Window{lo, hi, 0, W} : Window{0, H, lo, hi};
  };
  const Window in_a = win(0, half + 1), in_b = win(half - 1, n);  // 3x3 SAME, stride 1: halo 1
  const Window out_a = win(0, half), out_b = win(half, n);
  Plan p;
  p.strategy = "test";
  int64_t off = 0;
  auto add = [&](const std::string& name, int t, Window w, int first, int last) {
    const int64_t bytes = int64_t{w.h()} * w.w() * (t == 0 ? C : OC);
    p.buffers.push_back(Buf(name, t, w, bytes, off, first, last));
    off += bytes + 3;  // deliberately unaligned offsets
    return static_cast<int>(p.buffers.size()) - 1;
  };
  const Window full_out = FullWindow(g, 3);
  if (direct_into_full_output) {
    const int in = add("in", 0, FullWindow(g, 0), 0, 1);
    const int a = add("in_a", 0, in_a, 0, 2);
    const int b = add("in_b", 0, in_b, 1, 3);
    const int out = add("out", 3, full_out, 2, 3);
    p.steps = {Copy(in_a, in, a), Copy(in_b, in, b), OpStep(0, out_a, {a}, {out}), OpStep(0, out_b, {b}, {out})};
    p.input_buffers = {in};
    p.output_buffers = {out};
  } else {
    const int in = add("in", 0, FullWindow(g, 0), 0, 1);
    const int a = add("in_a", 0, in_a, 0, 2);
    const int b = add("in_b", 0, in_b, 1, 3);
    const int oa = add("out_a", 3, out_a, 2, 4);
    const int ob = add("out_b", 3, out_b, 3, 5);
    const int out = add("out", 3, full_out, 4, 5);
    p.steps = {Copy(in_a, in, a),         Copy(in_b, in, b),         OpStep(0, out_a, {a}, {oa}),
               OpStep(0, out_b, {b}, {ob}), Copy(out_a, oa, out),     Copy(out_b, ob, out)};
    p.input_buffers = {in};
    p.output_buffers = {out};
  }
  p.arena_bytes = off;
  return p;
}

TEST(Executor, TwoStepsComputeHalvesOfAnOutputFromPartialWindows) {
  for (bool by_rows : {true, false})
    for (bool direct : {true, false}) {
      ConvSpec c;
      c.H = 6;
      c.W = 8;
      const Graph g = ConvGraph(c);
      const auto in = PseudoRandomBytes(g.tensors[0].num_bytes(), 99);
      const auto whole = RunPlan(g, PlanLayerByLayer(g), {in});
      const auto halves = RunPlan(g, TwoHalvesPlan(g, by_rows, direct), {in});
      EXPECT_EQ(halves, whole) << "by_rows " << by_rows << " direct " << direct;
      EXPECT_EQ(halves[0], NaiveConv(g, in));
    }
}

TEST(Executor, RejectsAPartialInputBufferMissingTheHalo) {
  ConvSpec c;
  const Graph g = ConvGraph(c);
  Plan p = TwoHalvesPlan(g, true, true);
  // Shrink in_a to the output half's own rows: the 3x3 kernel needs one more row.
  Buffer& a = p.buffers[1];
  a.window.y1 -= 1;
  p.steps[0].window = a.window;
  try {
    Executor ex(g, p);
    FAIL() << "accepted a step whose input buffer lacks the rows it reads";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("needs"), std::string::npos) << e.what();
  }
}

// ---- copies and RESHAPE -------------------------------------------------------------------

// input [1,4,4,3] -> RESHAPE -> [1,48]
Graph ReshapeGraph() {
  Graph g;
  g.name = "reshape";
  g.tensors = {Tensor{"in", DType::kInt8, {1, 4, 4, 3}, {}, {}, false},
               Tensor{"out", DType::kInt8, {1, 48}, {}, {}, false}};
  Operator op;
  op.type = OpType::kReshape;
  op.inputs = {0};
  op.outputs = {1};
  op.options = ReshapeOptions{{1, 48}};
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {1};
  return g;
}

TEST(Executor, OverlappingCopyHasMemmoveSemantics) {
  const Graph g = ReshapeGraph();
  for (int64_t shift : {-5, 7, 13}) {
    Plan p;
    const Window full = FullWindow(g, 0);
    const int64_t base = 20;
    p.buffers = {Buf("in", 0, full, 48, base, 0, 0), Buf("moved", 0, full, 48, base + shift, 0, 1),
                 Buf("out", 1, FullWindow(g, 1), 48, 0, 1, 1)};
    p.buffers[2].offset = base + shift;  // in place over `moved`
    p.steps = {Copy(full, 0, 1), OpStep(0, FullWindow(g, 1), {1}, {2})};
    p.input_buffers = {0};
    p.output_buffers = {2};
    p.arena_bytes = base + 48 + 13;
    const auto in = PseudoRandomBytes(48, 5);
    EXPECT_EQ(RunPlan(g, p, {in})[0], in) << "shift " << shift;
  }
}

TEST(Executor, CopyOfAWindowBetweenDifferentlyShapedBuffers) {
  const Graph g = ReshapeGraph();
  // Copy columns [1,3) of rows [1,4) out of the full input into a buffer holding rows [0,4)
  // columns [1,4), then the rest; the assembled tensor goes through RESHAPE.
  Plan p;
  const Window full = FullWindow(g, 0);
  p.buffers = {Buf("in", 0, full, 48, 0, 0, 3), Buf("part", 0, Window{0, 4, 1, 4}, 36, 48, 0, 1),
               Buf("whole", 0, full, 48, 96, 1, 4), Buf("out", 1, FullWindow(g, 1), 48, 144, 4, 4)};
  p.steps = {Copy(Window{1, 4, 1, 3}, 0, 1), Copy(Window{1, 4, 1, 3}, 1, 2), Copy(Window{0, 1, 0, 4}, 0, 2),
             Copy(Window{1, 4, 0, 1}, 0, 2), OpStep(0, FullWindow(g, 1), {2}, {3})};
  // Columns 3 of rows 1..3 are still missing: copy them too (step inserted before RESHAPE).
  p.steps.insert(p.steps.begin() + 4, Copy(Window{1, 4, 3, 4}, 0, 2));
  p.buffers[0].last = 4;
  p.buffers[2].last = 5;
  p.buffers[3].first = p.buffers[3].last = 5;
  p.input_buffers = {0};
  p.output_buffers = {3};
  p.arena_bytes = 192;
  const auto in = PseudoRandomBytes(48, 8);
  EXPECT_EQ(RunPlan(g, p, {in})[0], in);
}

TEST(Executor, InPlaceReshapeAndLayerByLayerReshape) {
  const Graph g = ReshapeGraph();
  const auto in = PseudoRandomBytes(48, 9);
  EXPECT_EQ(RunPlan(g, PlanLayerByLayer(g), {in})[0], in);
  Plan p = PlanLayerByLayer(g);
  p.buffers[1].offset = p.buffers[0].offset;
  EXPECT_EQ(RunPlan(g, p, {in})[0], in);
}

// ---- errors -------------------------------------------------------------------------------

TEST(Executor, WrongInputSizeIsAnError) {
  const Graph g = ConvGraph({});
  Executor ex(g, PlanLayerByLayer(g));
  std::vector<uint8_t> small(10);
  try {
    ex.SetInput(0, small);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 72"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ex.SetInput(1, small), Error);
  EXPECT_THROW(ex.Output(3), Error);
}

TEST(Executor, RejectsMalformedPlans) {
  const Graph g = ConvGraph({});
  const Plan good = PlanLayerByLayer(g);
  {
    Plan p = good;
    p.arena_bytes -= 1;  // the last buffer no longer fits
    p.buffers[0].offset = p.arena_bytes - p.buffers[0].bytes + 1;
    EXPECT_THROW(Executor(g, p), Error);
  }
  {
    Plan p = good;
    p.steps[0].outputs = {0};  // writes the input tensor's buffer
    EXPECT_THROW(Executor(g, p), Error);
  }
  {
    Plan p = good;
    p.steps[0].inputs = {7};
    EXPECT_THROW(Executor(g, p), Error);
  }
  {
    Plan p = good;
    p.buffers[1].first = 1;  // output not live at the step writing it
    EXPECT_THROW(Executor(g, p), Error);
  }
  {
    Plan p = good;
    p.steps[0].window = Window{0, 7, 0, 6};  // outside the output tensor
    EXPECT_THROW(Executor(g, p), Error);
  }
  {
    Plan p = good;
    p.buffers[0].bytes = 10;
    EXPECT_THROW(Executor(g, p), Error);
  }
  {
    Plan p = good;
    p.output_buffers.clear();
    EXPECT_THROW(Executor(g, p), Error);
  }
}

}  // namespace
}  // namespace tessera

namespace tessera {
namespace {

TEST(Executor, ExternalInputBuffer) {
  const Graph g = ConvGraph({});
  Plan p = PlanLayerByLayer(g);
  p.buffers[p.input_buffers[0]].external = true;
  p.accounting.input_in_arena = false;
  for (Step& st : p.steps) st.workspace = {};  // the kernels' buffers on the stack
  PlaceGreedy(p);
  EXPECT_EQ(p.arena_bytes, 112);  // the 108-byte output alone, rounded to 16
  Executor ex(g, p);
  EXPECT_EQ(ex.external_bytes(), 72);
  const auto in = PseudoRandomBytes(72, 11);
  ex.SetInput(0, in);
  ex.Invoke();
  EXPECT_EQ(ex.Output(0), NaiveConv(g, in));
}

TEST(Executor, HugeArenaIsAnErrorNotAnAllocation) {
  const Graph g = ConvGraph({});
  Plan p = PlanLayerByLayer(g);
  p.arena_bytes = int64_t{1} << 50;
  EXPECT_THROW(Executor(g, p), Error);
  p = PlanLayerByLayer(g);
  p.buffers[0].offset = int64_t{1} << 62;
  EXPECT_THROW(Executor(g, p), Error);
}

}  // namespace
}  // namespace tessera
