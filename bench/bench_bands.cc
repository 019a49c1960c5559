// Row bands (schedule/bands.h) on streamed plans: the bytes owned per step with and without
// them, and the arena the lifetime placement (memory/lifetime.h) finds for each. Every placed
// plan is proved by the checker.
//
//   bench_bands [MODEL SPEC COUNTED ...]   (MODEL: zoo name or shared:<stem>; COUNTED: 1 = model
//                                           input in the arena, 0 = streamed)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "memory/lifetime.h"
#include "schedule/bands.h"
#include "schedule/stream.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

using namespace tessera;

namespace {

struct Case {
  std::string model, spec;
  bool counted;
};

Graph Load(const std::string& name) {
  if (name.rfind("shared:", 0) == 0) return ReadTflite(std::string(TESSERA_SHARED_DIR) + "/models/" + name.substr(7) + ".tflite");
  return BuildZooModel(name);
}

// Largest bytes owned at one step (arena buffers), and the step; with `patches_only`, over
// the patch steps (copies and steps over part of their output) only.
std::pair<int64_t, int> PeakOwned(const Graph& g, const Plan& p, bool patches_only) {
  int64_t best = -1;
  int at = 0;
  for (int s = 0; s < static_cast<int>(p.steps.size()); ++s) {
    const Step& st = p.steps[s];
    const bool patch = st.kind == StepKind::kCopy || st.window != FullWindow(g, g.ops[st.op].outputs[0]);
    if (patches_only && !patch) continue;
    int64_t n = 0;
    for (const Buffer& b : p.buffers)
      if (!b.external) n += BufferBytesAt(b, s);
    if (n > best) best = n, at = s;
  }
  return {best, at};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Case> cases;
  for (int i = 1; i + 2 < argc; i += 3) cases.push_back({argv[i], argv[i + 1], std::string(argv[i + 2]) == "1"});
  if (cases.empty()) {
    cases = {{"mobilenetv2-w0.35-r144", "12:4x1:mixed", true},
             {"mobilenetv2-w0.35-r144", "12:3x3:cache", true},
             {"mcunet-style-r160", "12:4x1:mixed", true}};
    if (std::filesystem::exists(std::string(TESSERA_SHARED_DIR) + "/models")) {
      cases.push_back({"shared:mcunet_vww1_80", "16:4x4:cache", true});
      cases.push_back({"shared:mcunet_vww1_80", "16:4x4:cache", false});
      cases.push_back({"shared:mobilenet_v2_1.0_224_nchw_int8", "40:4x1:cache", true});
    }
  }
  std::printf("%-38s %-13s %-8s %6s | %10s %10s | %10s %10s | %10s %10s %s\n", "model", "stream", "input", "banded",
              "peak owned", "w/ bands", "in patches", "w/ bands", "arena", "w/ bands", "checked");
  for (const Case& c : cases) {
    try {
      const Graph g = Load(c.model);
      Plan plain = ScheduleStream(g, ParseStreamSpec(c.spec), Accounting{c.counted});
      for (Buffer& b : plain.buffers) b.bands.clear();  // the scheduler may already give bands
      Plan banded = plain;
      const int n = AssignRowBands(g, banded);
      const auto po = PeakOwned(g, plain, false), pb = PeakOwned(g, banded, false);
      const auto qo = PeakOwned(g, plain, true), qb = PeakOwned(g, banded, true);
      const LifetimeSummary sp = PlaceLifetime(g, plain);
      const LifetimeSummary sb = PlaceLifetime(g, banded);
      const bool ok = CheckPlan(g, plain).ok && CheckPlan(g, banded).ok;
      std::printf("%-38s %-13s %-8s %6d | %10lld %10lld | %10lld %10lld | %10lld %10lld %s\n", c.model.c_str(),
                  c.spec.c_str(), c.counted ? "counted" : "streamed", n, static_cast<long long>(po.first),
                  static_cast<long long>(pb.first), static_cast<long long>(qo.first),
                  static_cast<long long>(qb.first), static_cast<long long>(sp.arena_bytes),
                  static_cast<long long>(sb.arena_bytes), ok ? "yes" : "NO");
    } catch (const Error& e) {
      std::printf("%-40s %-14s error: %s\n", c.model.c_str(), c.spec.c_str(), e.what());
    }
  }
  std::printf("\npeak owned: the most arena bytes owned at one step (plan.h BufferBytesAt), i.e. the placement's\n"
              "lower bound without overlap pairs; in patches: the same over the patch steps only; banded: buffers\n"
              "given row bands; arena: PlaceLifetime (bands lower it only where the placement honours them).\n");
  return 0;
}
