// Patch-based inference, full sweep: for every model (zoo and ../shared/models), every valid
// split point and every n x n grid (n = 1..8) that fits, the mcunetv2 memory schedule and a
// lifetime-precise greedy placement of the same patch schedule, MAC overhead, and (unless
// --no-exec) the checker's verdict and the executor's output bytes against the layer-by-layer
// plan. Ends with the published comparisons (MCUNetV2 Table 1, TinyEngine's VWW example).
//
//   bench_patch [--no-exec] [--grids N] [--fold] [model ...]
//
// model: a zoo name or shared:<stem>; default all. Prints tables; exits 1 if any plan was
// rejected by the checker or gave different bytes.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/mcunetv2.h"
#include "schedule/fuse.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

using namespace tessera;

namespace {

struct Options {
  bool exec = true;
  bool fold = false;
  int max_grid = 8;
  std::vector<std::string> models;
};

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

std::vector<uint8_t> PseudoRandomBytes(size_t n, uint64_t seed) {
  std::vector<uint8_t> r(n);
  uint64_t s = seed;
  for (auto& b : r) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    b = static_cast<uint8_t>(s >> 56);
  }
  return r;
}

struct Model {
  std::string name;
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<std::vector<uint8_t>> expected;
  int64_t lbl_arena = 0;
};

Model Load(const std::string& name, bool exec) {
  Model m;
  m.name = name;
  if (name.rfind("shared:", 0) == 0) {
    const std::string stem = name.substr(7);
    m.g = ReadTflite(std::string(TESSERA_SHARED_DIR) + "/models/" + stem + ".tflite");
    m.inputs.push_back(ReadBytes(std::string(TESSERA_SHARED_DIR) + "/reference/" + stem + "/case0.input.bin"));
  } else {
    m.g = BuildZooModel(name);
    for (size_t i = 0; i < m.g.inputs.size(); ++i)
      m.inputs.push_back(PseudoRandomBytes(m.g.tensors[m.g.inputs[i]].num_bytes(), 1234 + i));
  }
  const Plan lbl = PlanLayerByLayer(m.g);
  m.lbl_arena = lbl.arena_bytes;
  if (exec) m.expected = RunPlan(m.g, lbl, m.inputs);
  return m;
}

std::string ShapeStr(const Graph& g, int t) {
  const Shape4 s = AsNHWC(g.tensors[t].shape);
  return std::to_string(s.h) + "x" + std::to_string(s.w) + "x" + std::to_string(s.c);
}

struct Verdict {
  int plans = 0, rejected = 0, mismatched = 0;
};

// "ok" / "REJECTED" / "DIFFERENT" for one placed plan.
const char* Judge(const Model& m, const Plan& plan, bool exec, Verdict* v) {
  ++v->plans;
  const CheckResult r = CheckPlan(m.g, plan);
  if (!r.ok) {
    ++v->rejected;
    std::fprintf(stderr, "  checker: %s\n", r.message.c_str());
    return "REJECTED";
  }
  if (!exec) return "checked";
  if (RunPlan(m.g, plan, m.inputs) != m.expected) {
    ++v->mismatched;
    return "DIFFERENT";
  }
  return "exact";
}

void Sweep(const Model& m, const Options& o, Verdict* v) {
  std::printf("\n== %s: %zu operators, %lld MACs, layer-by-layer greedy arena %lld B (input in arena)\n",
              m.name.c_str(), m.g.ops.size(), (long long)GraphMacs(m.g), (long long)m.lbl_arena);
  std::printf("%5s %-22s %5s %9s %9s %8s %8s %11s %11s %11s  %s\n", "split", "assembled", "grid", "patch_in",
              "rf", "stage+%", "all+%", "mcunetv2", "mcu-no-in", "precise", "verdict");
  for (const SplitPoint& sp : ValidSplits(m.g)) {
    std::string cut;
    for (int t : sp.cut_tensors) {
      if (!cut.empty()) cut += '+';
      cut += ShapeStr(m.g, t);
    }
    for (int n = 1; n <= o.max_grid; ++n) {
      if (n > sp.min_cut_h || n > sp.min_cut_w) break;
      PatchConfig cfg;
      cfg.split_op = sp.last_op;
      cfg.rows = cfg.cols = n;
      cfg.fold_pads = o.fold;
      const PatchCost cost = EstimatePatchCost(m.g, cfg);
      const Plan mc_in = PlanMcunetV2(m.g, cfg, true);
      const Plan mc_out = PlanMcunetV2(m.g, cfg, false);
      Plan precise = SchedulePatches(m.g, cfg, Accounting{true});
      if (o.fold) FusePads(m.g, precise);
      PlaceGreedy(precise);
      const char* v1 = Judge(m, mc_in, o.exec, v);
      const char* v2 = Judge(m, mc_out, false, v);
      const char* v3 = Judge(m, precise, o.exec, v);
      std::string verdict = v1;
      if (std::strcmp(v2, "checked") != 0) {
        verdict += '/';
        verdict += v2;
      }
      if (std::strcmp(v3, v1) != 0) {
        verdict += '/';
        verdict += v3;
      }
      std::printf("%5d %-22s %2dx%-2d %4dx%-4d %4dx%-4d %8.1f %8.1f %11lld %11lld %11lld  %s\n", sp.last_op,
                  cut.substr(0, 22).c_str(), n, n, cost.max_input_patch_h, cost.max_input_patch_w, cost.patch_rf_h,
                  cost.patch_rf_w, 100 * cost.stage_overhead(), 100 * cost.overall_overhead(),
                  (long long)mc_in.arena_bytes, (long long)mc_out.arena_bytes, (long long)precise.arena_bytes,
                  verdict.c_str());
    }
  }
}

// The split whose stage ends with the single assembled tensor of this shape.
int SplitProducing(const Graph& g, int h, int w, int c) {
  for (const SplitPoint& sp : ValidSplits(g))
    for (int t : sp.cut_tensors) {
      const Shape4 s = AsNHWC(g.tensors[t].shape);
      if (s.h == h && s.w == w && s.c == c && sp.cut_tensors.size() == 1 && g.producer(t) == sp.last_op)
        return sp.last_op;
    }
  return -1;
}

void Published(const Options& o, Verdict* v) {
  std::printf("\n== Published figures beside tessera's\n");
  std::printf("%-38s %-9s %5s %9s %9s %9s %9s %9s %9s %6s  %s\n", "model", "assembled", "grid", "patch_in", "rf",
              "lbl", "mcunetv2", "mcu-no-in", "inpl-no-in", "all+%", "published");
  auto row = [&](const std::string& name, int h, int w, int c, int n, bool fold, const char* published) {
    Model m = Load(name, o.exec);
    PatchConfig cfg;
    cfg.split_op = SplitProducing(m.g, h, w, c);
    if (cfg.split_op < 0) {
      std::printf("%-34s no split with a %dx%dx%d stage output\n", name.c_str(), h, w, c);
      return;
    }
    cfg.rows = cfg.cols = n;
    cfg.fold_pads = fold;
    const PatchCost cost = EstimatePatchCost(m.g, cfg);
    const Plan mc_in = PlanMcunetV2(m.g, cfg, true);
    const Plan mc_out = PlanMcunetV2(m.g, cfg, false);
    PatchPlanOptions po;
    po.patch = cfg;
    po.placement = PatchPlacement::kInPlace;
    po.input_in_arena = false;
    const Plan inplace = PlanPatches(m.g, po);
    std::string verdict = Judge(m, mc_out, o.exec, v);
    verdict += '/';
    verdict += Judge(m, inplace, o.exec, v);
    std::printf("%-38s %-9s %2dx%-2d %4dx%-4d %4dx%-4d %9lld %9lld %9lld %9lld %6.1f  %s [%s]\n", name.c_str(),
                (std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c)).c_str(), n, n,
                cost.max_input_patch_h, cost.max_input_patch_w, cost.patch_rf_h, cost.patch_rf_w,
                (long long)m.lbl_arena, (long long)mc_in.arena_bytes, (long long)mc_out.arena_bytes,
                (long long)inplace.arena_bytes, 100 * cost.overall_overhead(), published, verdict.c_str());
  };
  row("mobilenetv2-w1.0-r224", 28, 28, 32, 4, false,
      "MCUNetV2 Table 1: 1372 kB -> 172 kB, input not counted; +10% MACs, 75x75 patch");
  if (std::filesystem::exists(std::string(TESSERA_SHARED_DIR) + "/models")) {
    row("shared:mobilenet_v2_1.0_224_nchw_int8", 28, 28, 32, 4, true, "same model, trained weights");
    row("shared:mcunet_vww1_80", 20, 20, 48, 2, true,
        "TinyEngine VWW example: 47x47 patch, 62,352 B (input not counted)");
  }
  std::printf("lbl: layer-by-layer greedy (TFLM) arena with the input; mcunetv2: MCUNetV2's schedule with the "
              "input in the arena; mcu-no-in: without it; inpl-no-in: the same patch schedule with precise\n"
              "lifetimes and in-place depthwise/pool/element-wise steps (MCUNetV2's and TinyEngine's figures "
              "count TinyEngine's in-place depthwise), input not counted.\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-exec") o.exec = false;
    else if (a == "--fold") o.fold = true;
    else if (a == "--grids" && i + 1 < argc) o.max_grid = std::atoi(argv[++i]);
    else if (a == "--help" || a == "-h") {
      std::printf("usage: bench_patch [--no-exec] [--fold] [--grids N] [model ...]\n");
      return 0;
    } else o.models.push_back(a);
  }
  try {
    if (o.models.empty()) {
      o.models = ZooNames();
      const std::string dir = std::string(TESSERA_SHARED_DIR) + "/models";
      if (std::filesystem::exists(dir))
        for (const char* s : {"person_detect", "vww_96_int8", "mcunet_vww1_80", "mobilenet_v2_1.0_224_nchw_int8",
                              "resnet8_cifar10_int8", "kws_dscnn_int8"})
          o.models.push_back(std::string("shared:") + s);
    }
    Verdict v;
    const auto t0 = std::chrono::steady_clock::now();
    if (!(o.models.size() == 1 && o.models[0] == "published"))
      for (const std::string& name : o.models) Sweep(Load(name, o.exec), o, &v);
    Published(o, &v);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\n%d plans: %d rejected by the checker, %d with different output bytes (%.1f s)\n", v.plans,
                v.rejected, v.mismatched, secs);
    return v.rejected || v.mismatched ? 1 : 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_patch: error: %s\n", e.what());
    return 2;
  }
}
