// The instruction-count model (analysis/latency.h): deterministic, monotone in a window's
// MACs for one operator, copies counted by bytes, the fit recovering known coefficients,
// bad plans rejected with Error; the search budgeted in estimated instructions; and, on the
// emulated Cortex-M4 (QEMU, when the firmware tools are there), the estimate for
// person_detect layer by layer within a stated tolerance of the measured count.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "analysis/latency.h"
#include "analysis/macs.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "plan/plan_json.h"
#include "schedule/patch.h"
#include "schedule/stream.h"
#include "search/search.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

const char* kZoo = "mobilenetv2-w0.35-r96";

Plan CachePlan(const Graph& g, int split) {
  StreamConfig c;
  StageSpec st;
  st.last_op = split;
  st.rows = st.cols = 2;
  st.halo = HaloMode::kCache;
  c.stages.push_back(st);
  c.fold_pads = true;
  return BuildStreamPlan(g, c, /*input_in_arena=*/true);
}

// A split point of g whose stage has at least a 4x4 cut (for 2x2 halo-caching patches).
int SomeSplit(const Graph& g) {
  for (const SplitPoint& sp : ValidSplits(g))
    if (sp.min_cut_h >= 8 && sp.min_cut_w >= 8 && sp.last_op >= 4) return sp.last_op;
  return -1;
}

TEST(Latency, DeterministicAndSumOfSteps) {
  const Graph g = BuildZooModel(kZoo);
  const Plan p = PlanLayerByLayer(g);
  const LatencyEstimate a = EstimateInstructions(g, p);
  const LatencyEstimate b = EstimateInstructions(g, PlanFromJson(PlanToJson(p, &g), &g));
  ASSERT_EQ(a.steps.size(), p.steps.size());
  EXPECT_EQ(a.instructions, b.instructions);
  double sum = 0;
  for (size_t s = 0; s < a.steps.size(); ++s) {
    EXPECT_EQ(a.steps[s].instructions, b.steps[s].instructions) << "step " << s;
    EXPECT_EQ(a.steps[s].cls, b.steps[s].cls) << "step " << s;
    const StepLatency one = StepLatencyFeatures(g, p, static_cast<int>(s));
    EXPECT_EQ(one.x, a.steps[s].x) << "step " << s;
    sum += a.steps[s].instructions;
  }
  EXPECT_DOUBLE_EQ(sum, a.instructions);
  EXPECT_GT(a.instructions, 0);
}

// Every CONV_2D / DEPTHWISE_CONV_2D step of the zoo model: the estimate of the window's
// first k rows grows strictly with k (and with its MACs).
TEST(Latency, MonotoneInMacsForOneOperator) {
  const Graph g = BuildZooModel(kZoo);
  Plan p = PlanLayerByLayer(g);
  int checked = 0;
  for (size_t s = 0; s < p.steps.size(); ++s) {
    Step& st = p.steps[s];
    if (st.kind != StepKind::kOp) continue;
    const OpType t = g.ops[st.op].type;
    if (t != OpType::kConv2D && t != OpType::kDepthwiseConv2D) continue;
    const Window full = st.window;
    double prev = -1;
    int64_t prev_macs = -1;
    for (int32_t k = 1; k <= full.h(); ++k) {
      st.window = full;
      st.window.y1 = full.y0 + k;
      const LatencyEstimate e = EstimateInstructions(g, p);
      const double v = e.steps[s].instructions;
      const int64_t m = WindowMacs(g, st.op, st.window);
      ASSERT_GT(m, prev_macs);
      EXPECT_GT(v, prev) << OpLabel(g, st.op) << " rows " << k << " (class "
                         << LatencyClassName(e.steps[s].cls) << ")";
      prev = v;
      prev_macs = m;
    }
    st.window = full;
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST(Latency, CopiesCountedByBytes) {
  const Graph g = BuildZooModel(kZoo);
  const int split = SomeSplit(g);
  ASSERT_GE(split, 0);
  const Plan p = CachePlan(g, split);
  const LatencyEstimate e = EstimateInstructions(g, p);
  const auto& c = DefaultLatencyModel().coef[static_cast<int>(LatencyClass::kCopy)];
  ASSERT_GT(c[1], 0) << "copies cost nothing per byte in the table";
  int copies = 0;
  double copy_instr = 0;
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const Step& st = p.steps[s];
    if (st.kind != StepKind::kCopy) continue;
    const StepLatency& l = e.steps[s];
    EXPECT_EQ(l.cls, LatencyClass::kCopy);
    const Buffer& src = p.buffers[st.inputs[0]];
    const Buffer& dst = p.buffers[st.outputs[0]];
    const bool same = src.external == dst.external && src.offset == dst.offset && src.window == dst.window;
    const double bytes = static_cast<double>(WindowBytes(g, src.tensor, st.window));
    EXPECT_EQ(l.x[1], same ? 0.0 : bytes) << "step " << s;
    if (!same) {
      EXPECT_GE(l.instructions, c[1] * bytes) << "step " << s;
    }
    copies += !same;
    copy_instr += l.instructions;
  }
  ASSERT_GT(copies, 0) << "the halo-caching plan has no copy step";
  // Removing the copy steps' cost: the estimate falls by exactly their sum.
  LatencyModel no_copy = DefaultLatencyModel();
  no_copy.coef[static_cast<int>(LatencyClass::kCopy)] = {};
  EXPECT_NEAR(EstimateInstructions(g, p, &no_copy).instructions, e.instructions - copy_instr, 1e-6 * e.instructions);
  EXPECT_GT(copy_instr, 0);
}

TEST(Latency, FitRecoversKnownCoefficients) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(1, 1000);
  const std::array<double, kLatencyFeatures> truth = {250, 1.7, 11.5, 2.25, 0.5, 0.9, 1.3};
  std::vector<LatencySample> samples;
  for (int i = 0; i < 40; ++i) {
    LatencySample s;
    s.step.cls = LatencyClass::kConvIm2col;
    s.step.x = {1, u(rng) * 100, u(rng) * 10, u(rng) * 30, u(rng) * 5, u(rng) * 20, u(rng) * 7};
    for (int k = 0; k < kLatencyFeatures; ++k) s.measured += truth[k] * s.step.x[k];
    samples.push_back(s);
  }
  // a class whose true per-call cost is negative gets the non-negative fit without it
  for (int i = 0; i < 10; ++i) {
    LatencySample s;
    s.step.cls = LatencyClass::kCopy;
    s.step.x = {1, u(rng) * 10, 1, 0, 0, 0, 0};
    s.measured = 1.5 * s.step.x[1];
    samples.push_back(s);
  }
  const LatencyModel m = FitLatencyModel(samples, DefaultLatencyModel());
  const auto& c = m.coef[static_cast<int>(LatencyClass::kConvIm2col)];
  for (int k = 0; k < kLatencyFeatures; ++k) EXPECT_NEAR(c[k], truth[k], 1e-5 * (1 + truth[k])) << "feature " << k;
  EXPECT_EQ(m.samples[static_cast<int>(LatencyClass::kConvIm2col)], 40);
  const auto& cc = m.coef[static_cast<int>(LatencyClass::kCopy)];
  for (double v : cc) EXPECT_GE(v, 0);
  EXPECT_NEAR(cc[0] + cc[2], 0, 1e-4);  // per call and per block add up to 0
  EXPECT_NEAR(cc[1], 1.5, 1e-5);
  // classes without samples keep the fallback
  const int add = static_cast<int>(LatencyClass::kAdd);
  EXPECT_EQ(m.coef[add], DefaultLatencyModel().coef[add]);
  EXPECT_EQ(m.samples[add], 0);
  // the printed table names every class
  const std::string t = LatencyTableSource(m);
  EXPECT_NE(t.find("LatencyClass::kConvIm2col,"), std::string::npos);
  EXPECT_NE(t.find("LatencyClass::kCopy,"), std::string::npos);
}

// A class with fewer samples than features keeps as many features as it has samples: the
// per-call term goes first, then the last features (one sample: its first feature alone).
TEST(Latency, FitUsesNoMoreFeaturesThanSamples) {
  LatencySample one;
  one.step.cls = LatencyClass::kLstm;
  one.step.x = {1, 1000, 50, 0, 0, 0, 0};
  one.measured = 4000;
  LatencyModel m = FitLatencyModel({one}, DefaultLatencyModel());
  const auto& c = m.coef[static_cast<int>(LatencyClass::kLstm)];
  EXPECT_EQ(c[0], 0);
  EXPECT_NEAR(c[1], 4.0, 1e-6);
  EXPECT_EQ(c[2], 0);
  EXPECT_EQ(m.samples[static_cast<int>(LatencyClass::kLstm)], 1);
  LatencySample two = one;
  two.step.x = {1, 3000, 20, 0, 0, 0, 0};
  two.measured = 3000 * 3.0 + 20 * 10.0;
  one.measured = 1000 * 3.0 + 50 * 10.0;
  m = FitLatencyModel({one, two}, DefaultLatencyModel());
  const auto& d = m.coef[static_cast<int>(LatencyClass::kLstm)];
  EXPECT_EQ(d[0], 0);
  EXPECT_NEAR(d[1], 3.0, 1e-6);
  EXPECT_NEAR(d[2], 10.0, 1e-6);
}

TEST(Latency, BadPlanThrows) {
  const Graph g = BuildZooModel(kZoo);
  Plan p = PlanLayerByLayer(g);
  Plan bad = p;
  bad.steps[1].op = static_cast<int>(g.ops.size()) + 3;
  EXPECT_THROW(EstimateInstructions(g, bad), Error);
  bad = p;
  bad.steps[1].inputs = {static_cast<int>(p.buffers.size())};
  EXPECT_THROW(EstimateInstructions(g, bad), Error);
  EXPECT_THROW(StepLatencyFeatures(g, p, static_cast<int>(p.steps.size())), Error);
}

TEST(Latency, SearchBudgetedInInstructions) {
  const Graph g = BuildZooModel(kZoo);
  SearchOptions o;
  o.max_overhead = 0.10;
  o.cost = SearchCost::kInstructions;
  o.max_grid = 4;  // a smaller space: seconds, not tens of seconds
  o.max_stages = 2;
  const SearchResult r = SearchPlans(g, o);
  ASSERT_TRUE(r.feasible) << r.explanation;
  ASSERT_GT(r.graph_instructions, 0);
  const double est = EstimateInstructions(g, r.plan).instructions;
  EXPECT_DOUBLE_EQ(est, r.chosen.instructions);
  EXPECT_LE(est, r.graph_instructions * 1.10 * (1 + 1e-9));
  EXPECT_EQ(r.plan.arena_bytes, r.chosen.arena_bytes);
  // the frontier: instructions ascending, arena strictly descending, the chosen point on it,
  // and the smallest arena within the bound
  bool found = false;
  for (size_t i = 0; i < r.frontier.size(); ++i) {
    ASSERT_GE(r.frontier[i].instructions, 0);
    if (i) {
      EXPECT_GE(r.frontier[i].instructions, r.frontier[i - 1].instructions);
      EXPECT_LT(r.frontier[i].arena_bytes, r.frontier[i - 1].arena_bytes);
    }
    if (r.frontier[i].instructions <= r.graph_instructions * 1.10 * (1 + 1e-12)) {
      EXPECT_GE(r.frontier[i].arena_bytes, r.chosen.arena_bytes);
    }
    found = found || r.frontier[i].config == r.chosen.config;
  }
  EXPECT_TRUE(found);
  // Under an SRAM budget: the fewest estimated instructions within it.
  SearchOptions b = o;
  b.max_overhead = -1;
  b.sram_budget = r.chosen.arena_bytes;
  const SearchResult rb = SearchPlans(g, b);
  ASSERT_TRUE(rb.feasible) << rb.explanation;
  EXPECT_LE(rb.plan.arena_bytes, b.sram_budget);
  EXPECT_LE(rb.chosen.instructions, r.chosen.instructions);
  // impossible: a budget of 1 byte
  b.sram_budget = 1;
  const SearchResult ri = SearchPlans(g, b);
  EXPECT_FALSE(ri.feasible);
  EXPECT_NE(ri.explanation.find("no schedule found within 1 bytes"), std::string::npos) << ri.explanation;
  b.max_overhead = 0.10;
  const SearchResult rj = SearchPlans(g, b);
  EXPECT_FALSE(rj.feasible);
  EXPECT_NE(rj.explanation.find("+10.0% estimated instructions"), std::string::npos) << rj.explanation;
  EXPECT_EQ(ParseSearchCost("instructions"), SearchCost::kInstructions);
}

TEST(Latency, ParseSearchCostNamesCycles) {
  EXPECT_EQ(ParseSearchCost("macs"), SearchCost::kMacs);
  EXPECT_EQ(ParseSearchCost("instructions"), SearchCost::kInstructions);
  EXPECT_EQ(ParseSearchCost("cycles"), SearchCost::kCycles);
  EXPECT_STREQ(SearchCostName(SearchCost::kCycles), "cycles");
  try {
    ParseSearchCost("cycle");
    FAIL() << "ParseSearchCost(\"cycle\") did not throw";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'cycles'"), std::string::npos) << m;
    EXPECT_NE(m.find("'cycle'"), std::string::npos) << m;
  }
}

// The cycle estimate: the same classes and features as the instruction estimate, deterministic,
// the sum of its steps, each step its cycles at zero wait states plus W wait units.
TEST(Latency, CycleEstimateSumsStepsAndAddsWaitUnits) {
  const Graph g = BuildZooModel(kZoo);
  const int split = SomeSplit(g);
  ASSERT_GE(split, 0);
  const Plan p = CachePlan(g, split);
  const LatencyEstimate ins = EstimateInstructions(g, p);
  const LatencyEstimate c0 = EstimateCycles(g, p);
  const LatencyEstimate c0b = EstimateCycles(g, PlanFromJson(PlanToJson(p, &g), &g));
  const LatencyEstimate c5 = EstimateCycles(g, p, 5);
  ASSERT_EQ(c0.steps.size(), p.steps.size());
  ASSERT_EQ(c5.steps.size(), p.steps.size());
  EXPECT_EQ(c0.cycles, c0b.cycles);
  EXPECT_EQ(c0.wait_states, 0);
  EXPECT_EQ(c5.wait_states, 5);
  EXPECT_EQ(c0.instructions, 0);
  EXPECT_EQ(ins.cycles, 0);
  const LatencyModel& cm = DefaultCycleModel();
  const LatencyModel& um = DefaultWaitUnitModel();
  double sum0 = 0, sum5 = 0, units = 0;
  for (size_t s = 0; s < p.steps.size(); ++s) {
    EXPECT_EQ(c0.steps[s].cls, ins.steps[s].cls) << "step " << s;
    EXPECT_EQ(c0.steps[s].x, ins.steps[s].x) << "step " << s;
    const int k = static_cast<int>(c0.steps[s].cls);
    double want0 = 0, want_u = 0;
    for (int i = 0; i < kLatencyFeatures; ++i) {
      want0 += cm.coef[k][i] * c0.steps[s].x[i];
      want_u += um.coef[k][i] * c0.steps[s].x[i];
    }
    EXPECT_NEAR(c0.steps[s].cycles, want0, 1e-9 * (1 + want0)) << "step " << s;
    EXPECT_NEAR(c5.steps[s].wait_units, want_u, 1e-9 * (1 + want_u)) << "step " << s;
    EXPECT_NEAR(c5.steps[s].cycles, want0 + 5 * want_u, 1e-9 * (1 + want0 + 5 * want_u)) << "step " << s;
    sum0 += c0.steps[s].cycles;
    sum5 += c5.steps[s].cycles;
    units += c5.steps[s].wait_units;
  }
  EXPECT_DOUBLE_EQ(sum0, c0.cycles);
  EXPECT_DOUBLE_EQ(sum5, c5.cycles);
  EXPECT_DOUBLE_EQ(units, c5.wait_units);
  EXPECT_GT(c0.cycles, 0);
  // a Cortex-M4 retires at most one instruction a cycle: the fitted tables agree on this plan
  EXPECT_GT(c0.cycles, ins.instructions);
  EXPECT_GT(c5.wait_units, 0);
  EXPECT_THROW(EstimateCycles(g, p, -1), Error);
  EXPECT_THROW(EstimateCycles(g, p, 101), Error);
  Plan bad = p;
  bad.steps[1].op = static_cast<int>(g.ops.size()) + 3;
  EXPECT_THROW(EstimateCycles(g, bad), Error);
  // every class has a row in both tables, and the sampled rows estimate something
  for (int k = 0; k < kNumLatencyClasses; ++k) {
    if (cm.samples[k] == 0) continue;
    double sum = 0;
    for (double v : cm.coef[k]) sum += v;
    EXPECT_GT(sum, 0) << LatencyClassName(static_cast<LatencyClass>(k));
  }
  EXPECT_NE(std::string(CycleModelSource()).find("bench_latency --fit --cycles"), std::string::npos)
      << CycleModelSource();
}

// The search budgeted in estimated modelled cycles: the choice within the bound, every
// frontier point with a smaller arena above it (rejected by the bound); a bound just below the
// chosen point's overhead rejects it too.
TEST(Latency, SearchBudgetedInCycles) {
  const Graph g = BuildZooModel(kZoo);
  SearchOptions o;
  o.max_overhead = 0.10;
  o.cost = SearchCost::kCycles;
  o.max_grid = 4;
  o.max_stages = 2;
  const SearchResult r = SearchPlans(g, o);
  ASSERT_TRUE(r.feasible) << r.explanation;
  ASSERT_GT(r.graph_cycles, 0);
  EXPECT_LT(r.graph_instructions, 0);  // instructions not estimated
  EXPECT_EQ(r.wait_states, 0);
  const double est = EstimateCycles(g, r.plan).cycles;
  EXPECT_DOUBLE_EQ(est, r.chosen.cycles);
  EXPECT_DOUBLE_EQ(r.graph_cycles, EstimateCycles(g, BuildStreamPlan(g, StreamConfig{{}, true}, true)).cycles);
  const double cap = r.graph_cycles * 1.10;
  EXPECT_LE(est, cap * (1 + 1e-9));
  bool found = false;
  for (size_t i = 0; i < r.frontier.size(); ++i) {
    ASSERT_GE(r.frontier[i].cycles, 0);
    if (i) {
      EXPECT_GE(r.frontier[i].cycles, r.frontier[i - 1].cycles);
      EXPECT_LT(r.frontier[i].arena_bytes, r.frontier[i - 1].arena_bytes);
    }
    if (r.frontier[i].arena_bytes < r.chosen.arena_bytes) {
      EXPECT_GT(r.frontier[i].cycles, cap) << "a smaller arena within the cycle bound was not chosen";
    }
    found = found || r.frontier[i].config == r.chosen.config;
  }
  EXPECT_TRUE(found);
  // The chosen point pays some cycles (the layer-by-layer point would have the largest arena):
  // a bound just below its overhead rejects it.
  const double ovh = r.chosen.cycles / r.graph_cycles - 1.0;
  ASSERT_GT(ovh, 0) << "the chosen plan costs no more cycles than layer by layer";
  SearchOptions below = o;
  below.max_overhead = ovh * (1 - 1e-6);
  const SearchResult rb = SearchPlans(g, below);
  ASSERT_TRUE(rb.feasible) << rb.explanation;  // layer by layer is always within the bound
  EXPECT_FALSE(rb.chosen.config == r.chosen.config);
  EXPECT_LE(rb.chosen.cycles, r.graph_cycles * (1 + below.max_overhead) * (1 + 1e-9));
  EXPECT_GE(rb.plan.arena_bytes, r.plan.arena_bytes);
  // Under an SRAM budget: the fewest estimated cycles within it.
  SearchOptions b = o;
  b.max_overhead = -1;
  b.sram_budget = r.chosen.arena_bytes;
  const SearchResult rs = SearchPlans(g, b);
  ASSERT_TRUE(rs.feasible) << rs.explanation;
  EXPECT_LE(rs.plan.arena_bytes, b.sram_budget);
  EXPECT_LE(rs.chosen.cycles, r.chosen.cycles);
  b.sram_budget = 1;
  b.max_overhead = 0.10;
  const SearchResult ri = SearchPlans(g, b);
  EXPECT_FALSE(ri.feasible);
  EXPECT_NE(ri.explanation.find("+10.0% estimated cycles"), std::string::npos) << ri.explanation;
  // At 5 wait states the estimates grow by 5 wait units each.
  SearchOptions w = o;
  w.wait_states = 5;
  const SearchResult rw = SearchPlans(g, w);
  ASSERT_TRUE(rw.feasible) << rw.explanation;
  EXPECT_EQ(rw.wait_states, 5);
  EXPECT_DOUBLE_EQ(rw.graph_cycles, EstimateCycles(g, BuildStreamPlan(g, StreamConfig{{}, true}, true), 5).cycles);
  EXPECT_GT(rw.graph_cycles, r.graph_cycles);
  w.wait_states = 101;
  EXPECT_THROW(SearchPlans(g, w), Error);
}

// The estimate against the emulated Cortex-M4. Tolerance 10%: with the kernels the table was
// fitted on, this model and plan are estimated within 0.3% (bench_latency --fit, every one of
// the 30 fitted plans within 2.3%); the rest allows for the kernels getting faster or slower
// before the table is refitted (this test then says so).
// The recurrent and 16x8 steps have classes of their own (fitted on the coverage models that
// have them: src/analysis/latency.cc): SVDF, LSTM, 16x8 convolutions, int16 ADD, TRANSPOSE_CONV;
// the int8 steps of the same models keep theirs.
TEST(Latency, RecurrentAnd16x8StepsHaveTheirClasses) {
  TESSERA_REQUIRE_SHARED();
  struct Want {
    const char* model;
    OpType type;
    LatencyClass cls;
  };
  const std::vector<Want> wants = {
      {"tflm_keyword_scrambled_8bit", OpType::kSvdf, LatencyClass::kSvdf},
      {"tflm_keyword_scrambled_8bit", OpType::kFullyConnected, LatencyClass::kFullyConnected},
      {"tflm_mnist_lstm_int8", OpType::kUnidirectionalSequenceLstm, LatencyClass::kLstm},
      {"seanet_int16_conv0", OpType::kConv2D, LatencyClass::kConv16x8},
      {"seanet_int16_add0", OpType::kAdd, LatencyClass::kElementwise16},
      {"seanet_int16_transpose_conv0", OpType::kTransposeConv, LatencyClass::kTransposeConv},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(w.model);
    const Graph g = ReadTflite(test::SharedDir() + "/models/coverage/" + w.model + ".tflite");
    const Plan p = PlanLayerByLayer(g);
    const LatencyEstimate e = EstimateInstructions(g, p);
    int seen = 0;
    for (size_t s = 0; s < p.steps.size(); ++s) {
      if (p.steps[s].kind != StepKind::kOp || g.ops[p.steps[s].op].type != w.type) continue;
      ++seen;
      EXPECT_EQ(e.steps[s].cls, w.cls) << OpTypeName(w.type) << " step " << s << " is "
                                       << LatencyClassName(e.steps[s].cls);
      EXPECT_GT(e.steps[s].instructions, 0);
      EXPECT_EQ(e.steps[s].x[1], static_cast<double>(WindowMacs(g, p.steps[s].op, p.steps[s].window)) *
                                     (w.cls == LatencyClass::kElementwise16 ? 0 : 1) +
                                     (w.cls == LatencyClass::kElementwise16
                                          ? static_cast<double>(g.tensors[g.ops[p.steps[s].op].outputs[0]].num_elements())
                                          : 0));
    }
    EXPECT_GT(seen, 0) << "no " << OpTypeName(w.type) << " step";
  }
}

TEST(LatencyDevice, PersonDetectLayerByLayerWithinTolerance) {
  TESSERA_REQUIRE_SHARED();
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Graph g = ReadTflite(test::SharedModel("person_detect"));
  const std::vector<std::vector<uint8_t>> inputs = {
      test::ReadFileBytes(test::ReferenceDir("person_detect") + "/case0.input.bin")};
  const Plan plan = PlanLayerByLayer(g);
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("tessera_latency_" + std::to_string(::getpid()))).string();
  const DeviceResult r = RunOnDevice(g, plan, inputs, dir);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r.build.ok) << r.build.log;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
  ASSERT_EQ(r.outputs, RunPlan(g, plan, inputs));
  const double est = EstimateInstructions(g, plan).instructions;
  const double meas = static_cast<double>(r.instructions);
  std::printf("person_detect layer by layer: measured %.0f, estimated %.0f (%+.2f%%)\n", meas, est,
              100 * (est / meas - 1));
  EXPECT_NEAR(est / meas, 1.0, 0.10) << "refit the table: bench_latency --fit (src/analysis/latency.cc)";
}

// The cycle estimate against the cycle model's figures (firmware/cycles/m4_model.h: MODELLED
// Cortex-M4 cycles of the emulated run, not a measurement), layer by layer and with 2x2
// halo-caching patches (the split bench_latency's "cache" plan takes: among splits with a 4x4
// cut whose 2x2 recompute patches cost at most 25% more MACs, the fewest assembled bytes), at
// zero and at 5 flash wait states (estimated cycles + 5 wait units). Tolerance 10% as for the
// instructions: with the kernels the tables were fitted on, these two plans are within 1% at
// W=0 (bench_latency --fit --cycles; see latency.cc's cycle tables); the rest allows for the
// kernels changing before the tables are refitted (this test then says so).
TEST(LatencyDevice, PersonDetectCyclesLayerByLayerAndPatchesWithinTolerance) {
  TESSERA_REQUIRE_SHARED();
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  if (!std::filesystem::exists(CyclePluginPath())) GTEST_SKIP() << "no cycle-model plugin at " << CyclePluginPath();
  const Graph g = ReadTflite(test::SharedModel("person_detect"));
  const std::vector<std::vector<uint8_t>> inputs = {
      test::ReadFileBytes(test::ReferenceDir("person_detect") + "/case0.input.bin")};
  int split = -1;
  int64_t best_cut = -1;
  for (const SplitPoint& sp : ValidSplits(g)) {
    if (sp.min_cut_h < 4 || sp.min_cut_w < 4) continue;
    PatchConfig pc;
    pc.rows = pc.cols = 2;
    pc.fold_pads = true;
    pc.split_op = sp.last_op;
    if (EstimatePatchCost(g, pc).overall_overhead() > 0.25) continue;
    if (best_cut < 0 || sp.cut_bytes < best_cut) best_cut = sp.cut_bytes, split = sp.last_op;
  }
  ASSERT_GE(split, 0);
  struct Case {
    const char* name;
    Plan plan;
  };
  const std::vector<Case> cases = {{"layer by layer", PlanLayerByLayer(g)}, {"2x2 halo caching", CachePlan(g, split)}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string dir =
        (std::filesystem::temp_directory_path() / ("tessera_latency_cycles_" + std::to_string(::getpid()))).string();
    DeviceOptions o;
    o.cycles = true;
    const DeviceResult r = RunOnDevice(g, c.plan, inputs, dir, o);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    ASSERT_EQ(r.outputs, RunPlan(g, c.plan, inputs));
    const CycleCounts& m = r.cycle_model.inference;
    ASSERT_GT(m.cycles, 0u);
    const double est0 = EstimateCycles(g, c.plan).cycles;
    const double est5 = EstimateCycles(g, c.plan, 5).cycles;
    const double m0 = static_cast<double>(m.cycles), m5 = static_cast<double>(m.CyclesAt(5));
    std::printf("person_detect %s (%zu steps): modelled cycles W=0 %.0f, estimated %.0f (%+.2f%%); W=5 %.0f, "
                "estimated %.0f (%+.2f%%)\n",
                c.name, c.plan.steps.size(), m0, est0, 100 * (est0 / m0 - 1), m5, est5, 100 * (est5 / m5 - 1));
    EXPECT_NEAR(est0 / m0, 1.0, 0.10) << "refit the cycle tables: bench_latency --fit --cycles --write "
                                         "src/analysis/latency.cc";
    EXPECT_NEAR(est5 / m5, 1.0, 0.10) << "refit the cycle tables: bench_latency --fit --cycles --write "
                                         "src/analysis/latency.cc";
  }
}

// The recurrent and 16x8 classes (fitted on these models, src/analysis/latency.cc): the
// keyword model (SVDF) and a 16x8 convolution layer by layer within the same tolerance.
TEST(LatencyDevice, RecurrentAnd16x8ModelsWithinTolerance) {
  TESSERA_REQUIRE_SHARED();
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (const char* m : {"coverage/tflm_keyword_scrambled_8bit", "coverage/seanet_int16_conv8"}) {
    SCOPED_TRACE(m);
    const Graph g = ReadTflite(test::SharedDir() + "/models/" + m + ".tflite");
    const std::vector<std::vector<uint8_t>> inputs = {test::ReadFileBytes(test::ReferenceDir(m) + "/case0.input.bin")};
    const Plan plan = PlanLayerByLayer(g);
    const std::string dir =
        (std::filesystem::temp_directory_path() / ("tessera_latency16_" + std::to_string(::getpid()))).string();
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    ASSERT_EQ(r.outputs, RunPlan(g, plan, inputs));
    const double est = EstimateInstructions(g, plan).instructions;
    const double meas = static_cast<double>(r.instructions);
    std::printf("%s layer by layer: measured %.0f, estimated %.0f (%+.2f%%)\n", m, meas, est, 100 * (est / meas - 1));
    EXPECT_NEAR(est / meas, 1.0, 0.10) << "refit the recurrent and 16x8 rows (src/analysis/latency.cc)";
  }
}

}  // namespace
}  // namespace tessera
