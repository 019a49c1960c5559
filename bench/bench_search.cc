// Automatic patch-schedule search per model: the SRAM/MAC Pareto frontier beside the
// published figures of the project's targets, the configuration chosen for each budget, and
// the halo-caching plan at exactly 1.00x MACs. Every chosen plan is proved by the checker.
//
//   bench_search [--svg DIR] [model ...]     (model: zoo name or shared:<stem>)
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "search/search.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

using namespace tessera;

namespace {

struct Target {
  std::string model;
  bool input_in_arena;
  int64_t budget;
  double overhead;
  std::string published;
  FrontierMark mark;
};

Graph Load(const std::string& name) {
  if (name.rfind("shared:", 0) == 0)
    return ReadTflite(std::string(TESSERA_SHARED_DIR) + "/models/" + name.substr(7) + ".tflite");
  return BuildZooModel(name);
}

}  // namespace

int main(int argc, char** argv) {
  std::string svg_dir;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--svg" && i + 1 < argc) svg_dir = argv[++i];
    else only.push_back(a);
  }
  const bool shared = std::filesystem::exists(std::string(TESSERA_SHARED_DIR) + "/models");
  std::vector<Target> targets = {
      {"mobilenetv2-w1.0-r224", false, 131072, 0.10, "MCUNetV2: 172 kB at +10% MACs (input not counted)",
       {"MCUNetV2 172 kB", 172000, 1.10}},
      {"mobilenetv2-w0.35-r144", false, 60000, 0.10, "msf-CNN (analytic): 68 kB at 1.10x; layer-by-layer ~181 kB",
       {"msf-CNN 68 kB", 68000, 1.10}},
  };
  if (shared) {
    targets.push_back({"shared:mcunet_vww1_80", false, 31000, 0.15,
                       "TinyEngine patch-based code: 62,352 B (input not counted)", {"TinyEngine 62352 B", 62352, 1.0}});
    targets.push_back({"shared:mobilenet_v2_1.0_224_nchw_int8", false, 131072, 0.10, "MCUNetV2: 172 kB at +10%",
                       {"MCUNetV2 172 kB", 172000, 1.10}});
  }
  int failures = 0;
  struct Row {
    std::string model, search;
    double seconds;
    int64_t candidates, placed, bytes;
    double overhead;
  };
  std::vector<Row> rows;
  auto row = [&](const std::string& model, const std::string& what, const SearchResult& r) {
    rows.push_back(Row{model, what, r.stats.seconds, r.stats.candidates, r.stats.placed,
                       r.feasible ? r.plan.arena_bytes : -1, r.feasible ? r.chosen.overhead(r.graph_macs) : 0.0});
  };
  for (const Target& t : targets) {
    if (!only.empty() && std::find(only.begin(), only.end(), t.model) == only.end()) continue;
    const Graph g = Load(t.model);
    std::printf("\n== %s (input %s, scratch counted: the plans use none)\n   target: <= %lld B at <= %.2fx MACs; "
                "published: %s\n",
                t.model.c_str(), t.input_in_arena ? "counted" : "not counted", (long long)t.budget,
                1.0 + t.overhead, t.published.c_str());
    SearchOptions o;
    o.input_in_arena = t.input_in_arena;
    o.max_overhead = t.overhead;
    const SearchResult f = SearchPlans(g, o);  // the frontier within the MAC bound
    row(t.model, "frontier +" + std::to_string(static_cast<int>(100 * t.overhead + 0.5)) + "%", f);
    std::printf("   frontier within +%.0f%% MACs (%lld candidates, %lld placed, %.1f s):\n", 100 * t.overhead,
                (long long)f.stats.candidates, (long long)f.stats.placed, f.stats.seconds);
    std::fputs(FrontierTable(f).c_str(), stdout);
    o.sram_budget = t.budget;
    const SearchResult b = SearchPlans(g, o);
    row(t.model, "budget " + std::to_string(t.budget) + " B", b);
    if (b.feasible) {
      const bool ok = CheckPlan(g, b.plan).ok;
      failures += !ok;
      std::printf("   budget %lld B: %lld B at %+.2f%% MACs (%s), checker %s\n", (long long)t.budget,
                  (long long)b.plan.arena_bytes, 100 * b.chosen.overhead(b.graph_macs),
                  StreamSpecString(b.chosen.config).c_str(), ok ? "ok" : "REJECTED");
    } else {
      std::printf("   budget %lld B: NOT REACHED: %s\n", (long long)t.budget, b.explanation.c_str());
    }
    o.sram_budget = -1;
    o.max_overhead = 0;
    const SearchResult z = SearchPlans(g, o);
    row(t.model, "1.00x MACs", z);
    if (z.feasible) {
      const bool ok = CheckPlan(g, z.plan).ok;
      failures += !ok;
      std::printf("   halo caching at 1.00x MACs: %lld B (%s), checker %s\n", (long long)z.plan.arena_bytes,
                  StreamSpecString(z.chosen.config).c_str(), ok ? "ok" : "REJECTED");
    }
    if (!svg_dir.empty()) {
      std::string file = t.model;
      for (char& c : file)
        if (c == ':' || c == '/') c = '_';
      std::ofstream(svg_dir + "/frontier_" + file + ".svg") << FrontierSvg(f, t.model, {t.mark});
    }
  }
  // The coverage models tessera reads, input counted (as TFLM's arena counts it): the
  // smallest plan within +10% MACs and at 1.00x, beside TFLM's non-persistent arena.
  if (shared && only.empty()) {
    std::map<std::string, long long> tflm;
    std::ifstream f(std::string(TESSERA_SHARED_DIR) + "/reference/coverage/tflm_arena.tsv");
    std::string line, model, used, nonpersistent;
    std::getline(f, line);
    while (std::getline(f, line)) {
      std::istringstream ss(line);
      if (std::getline(ss, model, '\t') && std::getline(ss, used, '\t') && std::getline(ss, nonpersistent, '\t'))
        tflm[model] = std::stoll(nonpersistent);
    }
    std::printf("\n== coverage models (input counted; every plan checked)\n%-34s %10s %12s %10s %10s %22s\n", "model",
                "TFLM", "search +10%", "overhead", "1.00x", "config (+10%)");
    const std::string dir = std::string(TESSERA_SHARED_DIR) + "/models/coverage";
    std::vector<std::string> stems;
    for (auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".tflite") stems.push_back(e.path().stem().string());
    std::sort(stems.begin(), stems.end());
    for (const std::string& stem : stems) {
      Graph g;
      try {
        g = ReadTflite(dir + "/" + stem + ".tflite");
      } catch (const Error& e) {
        std::printf("%-34.34s not read yet: %.100s\n", stem.c_str(), e.what());
        continue;
      }
      SearchOptions o;
      o.input_in_arena = true;
      o.max_overhead = 0.10;
      const SearchResult a = SearchPlans(g, o);
      o.max_overhead = 0;
      const SearchResult z = SearchPlans(g, o);
      auto bytes = [&](const SearchResult& r) {
        if (!r.feasible) return std::string("none");
        const bool ok = CheckPlan(g, r.plan).ok;
        failures += !ok;
        return std::to_string(r.plan.arena_bytes) + (ok ? "" : " REJECTED");
      };
      row("coverage/" + stem, "+10% (input counted)", a);
      auto it = tflm.find(stem);
      std::printf("%-34.34s %10s %12s %9.2f%% %10s %22s\n", stem.c_str(),
                  it == tflm.end() ? "-" : std::to_string(it->second).c_str(), bytes(a).c_str(),
                  a.feasible ? 100 * a.chosen.overhead(a.graph_macs) : 0.0, bytes(z).c_str(),
                  a.feasible ? StreamSpecString(a.chosen.config).c_str() : "-");
    }
  }
  std::printf("\n== search time per model (wall clock, this machine)\n%-40s %-22s %9s %11s %7s %10s %9s\n", "model",
              "search", "seconds", "candidates", "placed", "bytes", "overhead");
  for (const Row& r : rows)
    std::printf("%-40s %-22s %9.2f %11lld %7lld %10s %8.2f%%\n", r.model.c_str(), r.search.c_str(), r.seconds,
                (long long)r.candidates, (long long)r.placed,
                r.bytes < 0 ? "none" : std::to_string(r.bytes).c_str(), 100 * r.overhead);
  return failures ? 1 : 0;
}
