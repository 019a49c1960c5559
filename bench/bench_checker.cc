// Host time of the plan checker on the shared models: the layer-by-layer greedy plan and the
// "best" plan (fused PADs, in-place, segment overlap, placement search) of each model.
// Prints arena bytes, steps, buffers, bytes of tags compared and milliseconds (best of 3).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "tflite/reader.h"

int main() {
  using namespace tessera;
  const std::string dir = std::string(TESSERA_SHARED_DIR) + "/models";
  if (!std::filesystem::is_directory(dir)) {
    std::printf("shared models not found at %s\n", dir.c_str());
    return 0;
  }
  std::vector<std::string> stems;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".tflite") stems.push_back(e.path().stem().string());
  std::sort(stems.begin(), stems.end());
  std::printf("%-32s %-8s %10s %6s %8s %14s %9s  %s\n", "model", "plan", "arena B", "steps", "buffers",
              "bytes checked", "ms", "verdict");
  for (const std::string& stem : stems) {
    const Graph g = ReadTflite(dir + "/" + stem + ".tflite");
    std::vector<std::pair<std::string, Plan>> plans;
    plans.emplace_back("greedy", PlanLayerByLayer(g));
    try {
      plans.emplace_back("best", MakePlan(g, PlanOptions::FromStrategy("best")));
    } catch (const Error& e) {
      std::printf("%-32s best: %s\n", stem.c_str(), e.what());
    }
    for (const auto& [name, p] : plans) {
      double best_ms = 1e30;
      CheckResult r;
      for (int rep = 0; rep < 3; ++rep) {
        const auto t0 = std::chrono::steady_clock::now();
        r = CheckPlan(g, p);
        best_ms = std::min(best_ms,
                           std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::printf("%-32s %-8s %10lld %6zu %8zu %14lld %9.2f  %s\n", stem.c_str(), name.c_str(),
                  static_cast<long long>(p.arena_bytes), p.steps.size(), p.buffers.size(),
                  static_cast<long long>(r.bytes_checked), best_ms, r.ok ? "ok" : r.message.c_str());
    }
  }
  return 0;
}
