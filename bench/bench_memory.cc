// Memory planners, side by side. Prints:
//  1. per model (shared models, then a few zoo models): arena bytes for TFLM's greedy
//     layer-by-layer plan, then adding PAD folding / views, in-place, segment overlap and the
//     placement search one after the other; the lower bound of the last problem; TFLM's own
//     figure where known. Every plan is checked by the plan checker (a rejected plan is
//     printed as REJECTED).
//  2. single-layer overlap saving by layer type for canonical layers, beside vMCU's reported
//     12%-49.5% RAM saving for single convolution layers: saving = 1 - overlapped/(in+out).
//     With a pixel scratch the output may start closer, but the scratch costs about as much.
//  3. the same saving measured on every layer of the shared models, grouped by type.
//  4. the models with state (TFLite variable tensors): tessera's greedy and best arenas, its
//     state region, arena + state, beside TFLM's figures (tflm_arena.tsv: used = non-persistent
//     + persistent; TFLM's persistent part holds its interpreter bookkeeping and the state).
//  5. memory regions (memory/regions.h): per shared model, its layer-by-layer arena (lifetime
//     placement, search/search.h BuildStreamPlan) beside the smallest fast region that holds the
//     hot buffers (the most accessed bytes per byte, until half / 90% of the estimated access
//     bytes), and that plan distributed over a fast region of the 90% size plus a slow region
//     of the whole arena: whether it fits, the share of accesses that landed in the fast region,
//     checked.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "codegen/kernel_stack.h"
#include "memory/overlap.h"
#include "memory/regions.h"
#include "ops/ops.h"
#include "plan/strategy.h"
#include "schedule/fuse.h"
#include "schedule/layer_by_layer.h"
#include "search/search.h"
#include "tflite/reader.h"
#include "zoo/builder.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// TFLM's non-persistent arena per model: "<stem>" from reference/tflm_arena.tsv,
// "coverage/<stem>" from reference/coverage/tflm_arena.tsv.
std::map<std::string, int64_t> TflmFigures() {
  std::map<std::string, int64_t> r;
  for (const std::string& prefix : {std::string(), std::string("coverage/")}) {
    std::ifstream f(std::string(TESSERA_SHARED_DIR) + "/reference/" + prefix + "tflm_arena.tsv");
    std::string line;
    std::getline(f, line);
    while (std::getline(f, line)) {
      std::istringstream ss(line);
      std::string model, used, nonpersistent;
      if (std::getline(ss, model, '\t') && std::getline(ss, used, '\t') && std::getline(ss, nonpersistent, '\t'))
        r[prefix + model] = std::stoll(nonpersistent);
    }
  }
  return r;
}

// The .tflite stems in `dir`, sorted.
std::vector<std::string> Stems(const std::string& dir) {
  std::vector<std::string> stems;
  if (std::filesystem::is_directory(dir))
    for (auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".tflite") stems.push_back(e.path().stem().string());
  std::sort(stems.begin(), stems.end());
  return stems;
}

struct Rung {
  const char* name;
  PlanOptions o;
};

std::vector<Rung> Ladder() {
  std::vector<Rung> r;
  PlanOptions o;
  r.push_back({"greedy", o});
  o.fuse = true;
  r.push_back({"+fusion", o});
  o.inplace = true;
  r.push_back({"+in-place", o});
  o.overlap = true;
  r.push_back({"+overlap", o});
  o.search = true;
  r.push_back({"+placement", o});
  return r;
}

// TFLM's whole arena row: used = non-persistent + persistent (the persistent part holds its
// interpreter bookkeeping and, for stateful models, the variable tensors).
struct TflmRow {
  int64_t used = -1, nonpersistent = -1, persistent = -1;
};
std::map<std::string, TflmRow> TflmRows() {
  std::map<std::string, TflmRow> r;
  for (const std::string& prefix : {std::string(), std::string("coverage/")}) {
    std::ifstream f(std::string(TESSERA_SHARED_DIR) + "/reference/" + prefix + "tflm_arena.tsv");
    std::string line;
    std::getline(f, line);
    while (std::getline(f, line)) {
      std::istringstream ss(line);
      std::string model, used, np, pers;
      if (std::getline(ss, model, '\t') && std::getline(ss, used, '\t') && std::getline(ss, np, '\t') &&
          std::getline(ss, pers, '\t'))
        r[prefix + model] = {std::stoll(used), std::stoll(np), std::stoll(pers)};
    }
  }
  return r;
}

// Models with state (variable tensors: SVDF, LSTM): tessera's arena and its state region
// apart, beside TFLM's arena, whose persistent part includes the state.
void StateTable(const std::vector<std::pair<std::string, Graph>>& models) {
  std::printf("== Models with state: arena and state region (every plan checked) ==\n");
  std::printf("%-38s %8s %8s %8s %14s   %10s %14s %11s\n", "model", "greedy", "best", "state", "best + state",
              "TFLM used", "non-persistent", "persistent");
  const auto tflm = TflmRows();
  int n = 0;
  for (const auto& [name, g] : models) {
    if (g.state_tensors().empty()) continue;
    ++n;
    const Plan greedy = MakePlan(g, PlanOptions::FromStrategy("greedy"));
    const Plan best = MakePlan(g, PlanOptions::FromStrategy("best"));
    const bool ok = CheckPlan(g, greedy).ok && CheckPlan(g, best).ok;
    std::printf("%-38.38s %8lld %8lld %8lld %14lld", name.c_str(), static_cast<long long>(greedy.arena_bytes),
                static_cast<long long>(best.arena_bytes), static_cast<long long>(best.state_bytes),
                static_cast<long long>(best.arena_bytes + best.state_bytes));
    auto it = tflm.find(name);
    if (it == tflm.end())
      std::printf("   %10s %14s %11s", "-", "-", "-");
    else
      std::printf("   %10lld %14lld %11lld", static_cast<long long>(it->second.used),
                  static_cast<long long>(it->second.nonpersistent), static_cast<long long>(it->second.persistent));
    std::printf("%s\n", ok ? "" : "  REJECTED");
  }
  if (n == 0) std::printf("(none read)\n");
  std::printf("state = tessera's state region (variable tensors; own buffer, kept across invokes). TFLM's persistent\n"
              "part holds its state and its interpreter's bookkeeping; its non-persistent part includes SVDF's int32\n"
              "scratch and the LSTM's four gate buffers, which tessera's kernels do without.\n\n");
}

// Memory regions: how small a fast region holds the hot buffers of each shared model.
void RegionTable(const std::vector<std::pair<std::string, Graph>>& models) {
  std::printf("== Memory regions: the smallest fast region holding the hot buffers (layer by layer) ==\n");
  std::printf("%-30s %9s %12s %6s %12s %6s   %s\n", "model", "arena", "fast (50%)", "share", "fast (90%)", "share",
              "fast(90%) + slow(arena): fast accesses, checker");
  for (const auto& [name, g] : models) {
    if (name.rfind("coverage/", 0) == 0 || name.rfind("zoo:", 0) == 0) continue;
    const Plan p = BuildStreamPlan(g, StreamConfig{}, true);
    int64_t hot50 = 0, hot90 = 0, total = 0;
    const int64_t f50 = SmallestFastRegion(g, p, 0.5, {}, &hot50, &total);
    const int64_t f90 = SmallestFastRegion(g, p, 0.9, {}, &hot90, &total);
    Plan two = p;
    const RegionPlacement rp =
        PlaceInRegions(g, two, {{"FAST", std::max<int64_t>(f90, 1), true}, {"SLOW", p.arena_bytes, false}});
    std::printf("%-30.30s %9lld %12lld %5.1f%% %12lld %5.1f%%   ", name.c_str(), static_cast<long long>(p.arena_bytes),
                static_cast<long long>(f50), 100.0 * f50 / std::max<int64_t>(1, p.arena_bytes),
                static_cast<long long>(f90), 100.0 * f90 / std::max<int64_t>(1, p.arena_bytes));
    if (rp.fits)
      std::printf("%5.1f%% of accesses (FAST %lld + SLOW %lld bytes), %s\n",
                  100.0 * rp.fast_access_bytes / std::max<int64_t>(1, rp.access_bytes),
                  static_cast<long long>(rp.peaks[0]), static_cast<long long>(rp.peaks[1]),
                  CheckPlan(g, two).ok ? "ok" : "REJECTED");
    else
      std::printf("does not fit: %s\n", rp.why.c_str());
  }
  std::printf("fast (X%%) = the smallest region holding the buffers with the most estimated access bytes per byte\n"
              "(reads + writes per step, memory/regions.h) until they carry X%% of all; share = of the arena.\n\n");
}

// The shared models, the coverage models tessera reads (the others' errors in `unread`) and
// a few zoo models.
std::vector<std::pair<std::string, Graph>> TableModels(std::vector<std::string>* unread) {
  std::vector<std::pair<std::string, Graph>> models;
  const std::string dir = std::string(TESSERA_SHARED_DIR) + "/models";
  const std::vector<std::string> stems = Stems(dir);
  if (stems.empty()) std::printf("(shared models absent: %s)\n", dir.c_str());
  for (const auto& s : stems) models.emplace_back(s, ReadTflite(dir + "/" + s + ".tflite"));
  for (const auto& s : Stems(dir + "/coverage")) {
    try {
      models.emplace_back("coverage/" + s, ReadTflite(dir + "/coverage/" + s + ".tflite"));
    } catch (const Error& e) {
      if (unread) unread->push_back(s + ": " + e.what());
    }
  }
  for (const char* z : {"mobilenetv2-w1.0-r224", "mobilenetv2-w0.35-r144", "mcunet-style-r160", "proxyless-style-r144",
                        "nonsquare-pad-r128x160"})
    models.emplace_back(std::string("zoo:") + z, BuildZooModel(z));
  return models;
}

void ModelTable() {
  std::printf("== Arena bytes per model (model input in the arena; every plan checked) ==\n");
  std::printf("%-32s %10s %10s %10s %10s %11s %10s %8s %10s\n", "model", "greedy", "+fusion", "+in-place", "+overlap",
              "+placement", "lower bnd", "saving", "TFLM");
  std::vector<std::string> unread;
  const std::vector<std::pair<std::string, Graph>> models = TableModels(&unread);
  const auto tflm = TflmFigures();
  for (const auto& [name, g] : models) {
    std::printf("%-32.32s", name.c_str());
    int64_t greedy = 0, last = 0, lb = 0;
    for (const Rung& r : Ladder()) {
      PlanSummary sum;
      const Plan p = MakePlan(g, r.o, &sum);
      const CheckResult c = CheckPlan(g, p);
      if (!c.ok) {
        std::printf(" %10s", "REJECTED");
        continue;
      }
      std::printf(" %*lld", r.o.search ? 11 : 10, static_cast<long long>(p.arena_bytes));
      if (!r.o.fuse) greedy = p.arena_bytes;
      last = p.arena_bytes;
      lb = sum.lower_bound;
    }
    auto it = tflm.find(name);
    std::printf(" %10lld %7.1f%% %10s\n", static_cast<long long>(lb), greedy ? 100.0 * (greedy - last) / greedy : 0.0,
                it == tflm.end() ? "-" : std::to_string(it->second).c_str());
  }
  std::printf("saving = 1 - (+placement)/(greedy). TFLM = its non-persistent arena (tflm_arena.tsv).\n");
  for (const std::string& u : unread) std::printf("not read yet: %.160s\n", u.c_str());
  std::printf("\n");
  StateTable(models);
  RegionTable(models);
}

struct LayerCase {
  std::string name, type;
  std::vector<int32_t> in_shape;
  std::function<int(zoo::GraphBuilder&, int)> build;
};

double Saving(int64_t fp, int64_t in, int64_t out) { return 100.0 * (1.0 - static_cast<double>(fp) / (in + out)); }

void LayerTable() {
  std::printf("== Single-layer segment overlap (vMCU reports 12%%-49.5%% RAM saving per convolution layer) ==\n");
  std::printf("%-34s %-12s %9s %9s %11s %7s   %11s %8s %7s\n", "layer", "type", "in", "out", "overlapped", "saving",
              "w/ scratch", "scratch", "saving");
  const auto A = Activation::kRelu6;
  std::vector<LayerCase> cases = {
      {"pw expand 112x112 16->96", "pointwise", {1, 112, 112, 16}, [&](auto& b, int x) { return b.Conv2D("l", x, 96, 1, 1, A); }},
      {"pw expand 56x56 24->144", "pointwise", {1, 56, 56, 24}, [&](auto& b, int x) { return b.Conv2D("l", x, 144, 1, 1, A); }},
      {"pw project 56x56 144->24", "pointwise", {1, 56, 56, 144}, [&](auto& b, int x) { return b.Conv2D("l", x, 24, 1, 1, Activation::kNone); }},
      {"pw project 7x7 960->160", "pointwise", {1, 7, 7, 960}, [&](auto& b, int x) { return b.Conv2D("l", x, 160, 1, 1, Activation::kNone); }},
      {"dw 3x3 s1 112x112x32", "depthwise", {1, 112, 112, 32}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 3, 1, A); }},
      {"dw 3x3 s1 56x56x144", "depthwise", {1, 56, 56, 144}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 3, 1, A); }},
      {"dw 3x3 s2 112x112x96", "depthwise", {1, 112, 112, 96}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 3, 2, A); }},
      {"dw 5x5 s1 14x14x480", "depthwise", {1, 14, 14, 480}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 5, 1, A); }},
      {"dw 5x5 s2 28x28x240", "depthwise", {1, 28, 28, 240}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 5, 2, A); }},
      {"dw 7x7 s1 28x28x96", "depthwise", {1, 28, 28, 96}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 7, 1, A); }},
      {"dw 7x7 s2 56x56x144", "depthwise", {1, 56, 56, 144}, [&](auto& b, int x) { return b.DepthwiseConv2D("l", x, 7, 2, A); }},
      {"conv 3x3 s2 224x224 3->32", "conv kxk", {1, 224, 224, 3}, [&](auto& b, int x) { return b.Conv2D("l", x, 32, 3, 2, A); }},
      {"conv 3x3 s1 32x32 16->16", "conv kxk", {1, 32, 32, 16}, [&](auto& b, int x) { return b.Conv2D("l", x, 16, 3, 1, Activation::kRelu); }},
      {"conv 3x3 s1 32x32 16->32", "conv kxk", {1, 32, 32, 16}, [&](auto& b, int x) { return b.Conv2D("l", x, 32, 3, 1, Activation::kRelu); }},
      {"conv 5x5 s1 49x10 1->64", "conv kxk", {1, 49, 10, 1}, [&](auto& b, int x) { return b.Conv2D("l", x, 64, 5, 1, Activation::kRelu); }},
      {"avgpool 2x2 s2 32x32x64", "pool", {1, 32, 32, 64}, [&](auto& b, int x) { return b.AveragePool2D("l", x, 2, 2); }},
      {"fc 1280->1000", "fc", {1, 1280}, [&](auto& b, int x) { return b.FullyConnected("l", x, 1000, Activation::kNone); }},
      {"fc 640->128", "fc", {1, 640}, [&](auto& b, int x) { return b.FullyConnected("l", x, 128, Activation::kRelu); }},
  };
  for (const LayerCase& c : cases) {
    zoo::GraphBuilder b("layer", 11);
    const int x = b.Input(c.in_shape, 0.02f, -3);
    const int y = c.build(b, x);
    const Graph g = b.Finish({y});
    const Plan p = ScheduleLayerByLayer(g);
    const int64_t in = p.buffers[p.steps[0].inputs[0]].bytes, out = p.buffers[p.steps[0].outputs[0]].bytes;
    const auto d = MaxOutputShift(g, p, 0, 0, 0, false);
    const auto ds = MaxOutputShift(g, p, 0, 0, 0, true);
    const int64_t fp = d ? OverlappedFootprint(in, out, *d) : in + out;
    const int64_t scratch = ops::ScratchBytes(ops::PrepareOp(g, 0));
    std::printf("%-34s %-12s %9lld %9lld %11lld %6.1f%%", c.name.c_str(), c.type.c_str(), static_cast<long long>(in),
                static_cast<long long>(out), static_cast<long long>(fp), Saving(fp, in, out));
    if (ds && scratch > 0) {
      const int64_t fps = OverlappedFootprint(in, out, *ds) + scratch;
      std::printf("   %11lld %8lld %6.1f%%\n", static_cast<long long>(fps), static_cast<long long>(scratch),
                  Saving(fps, in, out));
    } else {
      std::printf("   %11s %8s %7s\n", "-", "-", "-");
    }
  }
  std::printf("overlapped = in/out footprint with the output at the tightest safe offset (no scratch); w/ scratch adds\n"
              "the kernel's pixel scratch, which lets the output start one unit closer.\n\n");
}

void ModelLayerTable() {
  const std::string dir = std::string(TESSERA_SHARED_DIR) + "/models";
  if (!std::filesystem::is_directory(dir)) return;
  struct Agg {
    int n = 0;
    double lo = 100, hi = 0, sum = 0;
  };
  std::map<std::string, Agg> by_type;
  for (const auto& s : Stems(dir)) {
    const Graph g = ReadTflite(dir + "/" + s + ".tflite");
    Plan p = ScheduleLayerByLayer(g);
    FusePads(g, p);
    for (int i = 0; i < static_cast<int>(p.steps.size()); ++i) {
      const Step& st = p.steps[i];
      if (st.kind != StepKind::kOp || st.inputs.empty() || st.outputs.empty()) continue;
      const OpType t = g.ops[st.op].type;
      std::string type = OpTypeName(t);
      if (t == OpType::kConv2D) {
        const auto& f = g.tensors[g.ops[st.op].inputs[operand::kFilter]].shape;
        type = f[1] == 1 && f[2] == 1 ? "CONV_2D 1x1" : "CONV_2D " + std::to_string(f[1]) + "x" + std::to_string(f[2]);
      } else if (t == OpType::kDepthwiseConv2D) {
        const auto& f = g.tensors[g.ops[st.op].inputs[operand::kFilter]].shape;
        const auto& o = g.ops[st.op].opts<DepthwiseConv2DOptions>();
        type = "DEPTHWISE " + std::to_string(f[1]) + "x" + std::to_string(f[2]) + " s" + std::to_string(o.stride_h);
      }
      const auto d = MaxOutputShift(g, p, i, 0, 0, st.scratch >= 0);
      const int64_t in = p.buffers[st.inputs[0]].bytes, out = p.buffers[st.outputs[0]].bytes;
      const int64_t fp = d ? OverlappedFootprint(in, out, *d) : in + out;
      const double sv = Saving(fp, in, out);
      Agg& a = by_type[type];
      ++a.n;
      a.lo = std::min(a.lo, sv);
      a.hi = std::max(a.hi, sv);
      a.sum += sv;
    }
  }
  std::printf("== Single-layer overlap saving over every layer of the shared models (input 0 vs output) ==\n");
  std::printf("%-22s %6s %8s %8s %8s\n", "layer type", "layers", "min", "mean", "max");
  for (const auto& [t, a] : by_type)
    std::printf("%-22s %6d %7.1f%% %7.1f%% %7.1f%%\n", t.c_str(), a.n, a.lo, a.sum / a.n, a.hi);
  std::printf("\n");
}

// SRAM = arena + state + the kernels' stack (codegen/kernel_stack.h: the deepest call chain
// of the kernels the plan's generated code calls, Cortex-M4 build), greedy and best plans.
void SramTable() {
  std::printf("== SRAM per model: arena + state + kernel stack (static bound, Cortex-M4 build; every plan checked) ==\n");
  std::printf("%-38s %9s %7s %7s %9s   %9s %7s %9s   %s\n", "model", "greedy", "stack", "state", "SRAM", "best",
              "stack", "SRAM", "deepest kernel (best)");
  for (const auto& [name, g] : TableModels(nullptr)) {
    std::printf("%-38.38s", name.c_str());
    for (const char* strategy : {"greedy", "best"}) {
      const Plan p = MakePlan(g, PlanOptions::FromStrategy(strategy));
      const KernelStack ks = PlanKernelStack(g, p);
      if (!CheckPlan(g, p).ok || !ks.unknown.empty()) {
        std::printf(" %9s", !ks.unknown.empty() ? ("no bound: " + ks.unknown[0]).c_str() : "REJECTED");
        continue;
      }
      std::printf(" %9lld %7lld", static_cast<long long>(p.arena_bytes), static_cast<long long>(ks.bytes));
      if (std::string(strategy) == "greedy") std::printf(" %7lld", static_cast<long long>(p.state_bytes));
      std::printf(" %9lld%s", static_cast<long long>(p.arena_bytes + p.state_bytes + ks.bytes),
                  std::string(strategy) == "greedy" ? "  " : "");
      if (std::string(strategy) == "best") std::printf("   %s", ks.deepest.c_str());
    }
    std::printf("\n");
  }
  std::printf("stack = the largest worst case among the kernels model_invoke() calls (firmware/stack_usage.sh); the\n"
              "caller's frames (model_invoke, main) come on top: test_firmware_stack compares with painted stacks.\n\n");
}

}  // namespace
}  // namespace tessera

int main() {
  try {
    tessera::ModelTable();
    tessera::SramTable();
    tessera::LayerTable();
    tessera::ModelLayerTable();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_memory: %s\n", e.what());
    return 1;
  }
  return 0;
}
