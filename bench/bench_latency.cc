// The instruction-count model (src/analysis/latency.h) against the emulated device: for each
// model and plan, EstimateInstructions next to the instructions one inference takes on QEMU's
// mps2-an386 (Cortex-M4, DSP paths, -icount shift=0; firmware from tessera's generated C,
// codegen/device.h), and the error. Without arm-none-eabi-gcc / qemu-system-arm only the
// estimates are printed.
//
//   bench_latency [--models a,b,...] [--strategies greedy,patch,cache,grid:8x8:cache,...] [--profile] [--fit]
//                 [--tsv FILE] [--measured FILE] [--no-device]
//
// --profile: one more run per plan with per-step counts (tessera codegen --profile); prints
//   measured and estimated instructions per kernel class over all plans.
// --fit: implies --profile; refits the coefficients (FitLatencyModel) on every profiled step
//   and prints the new table in latency.cc's form (paste it into src/analysis/latency.cc),
//   then the totals under the refitted model beside the compiled-in one. The compiled-in
//   table was made with
//     bench_latency --fit --models person_detect,vww_96_int8,resnet8_cifar10_int8,kws_dscnn_int8,mcunet_vww1_80
//   (the default models and strategies: greedy, patch, cache, grid:4x4:recompute,
//   grid:8x8:cache, grid:8x1:mixed).
// --tsv FILE: writes every profiled step (model, plan, step, class, features, measured,
//   estimated) and every plan's measured total as tab-separated lines.
// --measured FILE: reads the "step" and "total" lines of such a file instead of running the
//   device (the plans are rebuilt; they are deterministic), e.g. to try a refit quickly.
// Strategies as in bench_device (bench/bench_plans.h), comma-separated, or ';'-separated when
// a stream:SPEC has several stages (e.g. "greedy;stream:7:12x1:mixed,11:2x1:mixed").
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "analysis/latency.h"
#include "analysis/macs.h"
#include "bench_plans.h"
#include "bench_util.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "ir/graph.h"
#include "tflite/reader.h"

namespace {

using namespace tessera;

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open " + path);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

struct Measured {
  uint64_t total = 0;                // plain (unprofiled) run; 0: not measured
  std::vector<uint64_t> steps;       // profiled run; empty: not profiled
};

struct PlanRun {
  std::string model, strategy;
  Graph* g = nullptr;
  Plan plan;
  Measured m;
};

using MeasuredMap = std::map<std::pair<std::string, std::string>, Measured>;

MeasuredMap ReadMeasured(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Error("cannot open " + path);
  MeasuredMap r;
  std::string line;
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string kind, model, strategy;
    std::getline(ss, kind, '\t');
    std::getline(ss, model, '\t');
    std::getline(ss, strategy, '\t');
    if (kind == "total") {
      std::string v;
      std::getline(ss, v, '\t');
      r[{model, strategy}].total = std::strtoull(v.c_str(), nullptr, 10);
    } else if (kind == "step") {
      // step, class, the features (as many as were written), measured, estimated
      std::vector<std::string> f;
      std::string x;
      while (std::getline(ss, x, '\t')) f.push_back(x);
      if (f.size() < 4) throw Error(path + ": malformed step line '" + line + "'");
      const std::string& step = f[0];
      const std::string& measured = f[f.size() - 2];
      auto& st = r[{model, strategy}].steps;
      const size_t i = static_cast<size_t>(std::atoi(step.c_str()));
      if (st.size() <= i) st.resize(i + 1, 0);
      st[i] = std::strtoull(measured.c_str(), nullptr, 10);
    }
  }
  return r;
}

double Dot4(const std::array<double, kLatencyFeatures>& c, const std::array<double, kLatencyFeatures>& x) {
  double v = 0;
  for (int i = 0; i < kLatencyFeatures; ++i) v += c[i] * x[i];
  return v;
}

double Pct(double est, double meas) { return meas > 0 ? 100.0 * (est / meas - 1.0) : 0.0; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models = {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                                     "mcunet_vww1_80"};
  // The plans of the fit: bench_device's three, and the same split with finer grids (small
  // windows: per-call costs, border pixels, lone pixels) and row streaming.
  std::vector<std::string> strategies = {"greedy",           "patch",          "cache",
                                         "grid:4x4:recompute", "grid:8x8:cache", "grid:8x1:mixed"};
  bool profile = false, fit = false, no_device = false;
  std::string tsv, measured_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_latency: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--models") models = bench::SplitList(next());
    else if (a == "--strategies") strategies = bench::SplitStrategies(next());
    else if (a == "--profile") profile = true;
    else if (a == "--fit") fit = profile = true;
    else if (a == "--tsv") tsv = next();
    else if (a == "--measured") measured_path = next();
    else if (a == "--no-device") no_device = true;
    else {
      std::fprintf(stderr,
                   "usage: bench_latency [--models a,b] [--strategies greedy,patch,cache,...] [--profile] [--fit] "
                   "[--tsv FILE] [--measured FILE] [--no-device]\n");
      return 2;
    }
  }
  const std::string shared = TESSERA_SHARED_DIR;
  if (!std::filesystem::is_directory(shared + "/models")) {
    std::printf("bench_latency: %s/models is absent; nothing to estimate\n", shared.c_str());
    return 0;
  }
  MeasuredMap from_file;
  if (!measured_path.empty()) {
    try {
      from_file = ReadMeasured(measured_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "bench_latency: %s\n", e.what());
      return 2;
    }
  }
  const bool device = measured_path.empty() && !no_device && HaveFirmwareTools();
  if (measured_path.empty() && !no_device && !device)
    std::printf("bench_latency: arm-none-eabi-gcc / qemu-system-arm not found; estimates only\n");
  const std::string work =
      (std::filesystem::temp_directory_path() / ("tessera_bench_latency_" + std::to_string(::getpid()))).string();

  std::printf("Instruction-count model (src/analysis/latency.h, table: %s)\n", LatencyModelSource());
  std::printf("measured: %s\n\n",
              device ? "QEMU mps2-an386 (Cortex-M4), DSP paths, arm-none-eabi-gcc -O2, one inference"
                     : (measured_path.empty() ? "none" : ("from " + measured_path).c_str()));
  std::vector<std::unique_ptr<Graph>> graphs;
  std::vector<PlanRun> runs;
  int failures = 0;
  for (const std::string& m : models) {
    auto g = std::make_unique<Graph>();
    std::vector<std::vector<uint8_t>> inputs;
    try {
      *g = ReadTflite(shared + "/models/" + m + ".tflite");
      if (device) {
        // The reference input file holds every model input's bytes one after the other.
        const std::vector<uint8_t> all = ReadBytes(shared + "/reference/" + m + "/case0.input.bin");
        size_t at = 0;
        for (int t : g->inputs) {
          const size_t n = static_cast<size_t>(g->tensors[t].num_bytes());
          if (at + n > all.size()) throw std::runtime_error("case0.input.bin is shorter than the model's inputs");
          const auto first = all.begin() + static_cast<std::ptrdiff_t>(at);
          inputs.emplace_back(first, first + static_cast<std::ptrdiff_t>(n));
          at += n;
        }
      }
    } catch (const std::exception& e) {
      std::printf("%-22s error: %s\n", m.c_str(), e.what());
      ++failures;
      continue;
    }
    for (const std::string& s : strategies) {
      PlanRun r;
      r.model = m;
      r.strategy = s;
      r.g = g.get();
      try {
        r.plan = bench::MakeBenchPlan(*g, s);
        if (device) {
          std::string tag = s;
          for (char& ch : tag)
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
          const auto expected = RunPlan(*g, r.plan, inputs);
          DeviceOptions o;
          const DeviceResult d = RunOnDevice(*g, r.plan, inputs, work + "/" + m + "_" + tag, o);
          if (!d.build.ok || d.run.exit_code != 0 || d.outputs != expected) {
            std::printf("%-22s %-8s device run failed or inexact:\n%s%s\n", m.c_str(), s.c_str(), d.build.log.c_str(),
                        d.run.output.c_str());
            ++failures;
          } else {
            r.m.total = d.instructions;
          }
          if (profile) {
            DeviceOptions po = o;
            po.profile = true;
            const DeviceResult dp = RunOnDevice(*g, r.plan, inputs, work + "/" + m + "_" + tag + "_profile", po);
            if (dp.build.ok && dp.run.exit_code == 0 && dp.step_instructions.size() == r.plan.steps.size())
              r.m.steps = dp.step_instructions;
            else {
              std::printf("%-22s %-8s profiled run failed\n", m.c_str(), s.c_str());
              ++failures;
            }
          }
        } else if (!from_file.empty()) {
          auto it = from_file.find({m, s});
          if (it != from_file.end()) {
            r.m = it->second;
            if (!r.m.steps.empty() && r.m.steps.size() != r.plan.steps.size()) {
              std::printf("%-22s %-8s %zu measured steps for a plan of %zu; ignored\n", m.c_str(), s.c_str(),
                          r.m.steps.size(), r.plan.steps.size());
              r.m.steps.clear();
            }
          }
        }
      } catch (const std::exception& e) {
        std::printf("%-22s %-8s error: %s\n", m.c_str(), s.c_str(), e.what());
        ++failures;
        continue;
      }
      runs.push_back(std::move(r));
      std::fflush(stdout);
    }
    graphs.push_back(std::move(g));
  }
  std::filesystem::remove_all(work);

  // Estimates under the compiled-in table; samples for a refit.
  std::vector<LatencyEstimate> est(runs.size());
  std::vector<LatencySample> samples;
  for (size_t k = 0; k < runs.size(); ++k) {
    est[k] = EstimateInstructions(*runs[k].g, runs[k].plan);
    if (runs[k].m.steps.empty()) continue;
    for (size_t s = 0; s < runs[k].plan.steps.size(); ++s)
      samples.push_back({est[k].steps[s], static_cast<double>(runs[k].m.steps[s])});
  }
  LatencyModel refit;
  std::vector<LatencyEstimate> est2;
  if (fit && !samples.empty()) {
    refit = FitLatencyModel(samples, DefaultLatencyModel());
    for (const PlanRun& r : runs) est2.push_back(EstimateInstructions(*r.g, r.plan, &refit));
  }

  // Totals per model and plan.
  std::printf("%-22s %-20s %6s %10s %10s %12s %8s", "model", "plan", "steps", "MACs M", "measured M", "estimated M",
              "error");
  if (!est2.empty()) std::printf(" %12s %8s", "refit est M", "error");
  std::printf("\n%s\n", std::string(est2.empty() ? 94 : 116, '-').c_str());
  double sum_abs = 0, sum_abs2 = 0, worst = 0, worst2 = 0;
  int n_meas = 0;
  for (size_t k = 0; k < runs.size(); ++k) {
    const PlanRun& r = runs[k];
    std::printf("%-22s %-20s %6zu %10.3f", r.model.c_str(), r.strategy.c_str(), r.plan.steps.size(),
                PlanMacs(*r.g, r.plan) / 1e6);
    if (r.m.total) std::printf(" %10.3f", r.m.total / 1e6);
    else std::printf(" %10s", "-");
    std::printf(" %12.3f", est[k].instructions / 1e6);
    if (r.m.total) {
      const double e = Pct(est[k].instructions, static_cast<double>(r.m.total));
      std::printf(" %+7.1f%%", e);
      sum_abs += std::fabs(e);
      worst = std::max(worst, std::fabs(e));
      ++n_meas;
    } else {
      std::printf(" %8s", "-");
    }
    if (!est2.empty()) {
      std::printf(" %12.3f", est2[k].instructions / 1e6);
      if (r.m.total) {
        const double e = Pct(est2[k].instructions, static_cast<double>(r.m.total));
        std::printf(" %+7.1f%%", e);
        sum_abs2 += std::fabs(e);
        worst2 = std::max(worst2, std::fabs(e));
      } else {
        std::printf(" %8s", "-");
      }
    }
    std::printf("\n");
  }
  if (n_meas) {
    std::printf("mean |error| %.2f%%, worst %.2f%% (compiled-in table)", sum_abs / n_meas, worst);
    if (!est2.empty()) std::printf("; refit: mean %.2f%%, worst %.2f%%", sum_abs2 / n_meas, worst2);
    std::printf("\n");
  }
  // Overheads over layer by layer, measured and estimated (what the search budgets).
  const std::vector<LatencyEstimate>& est_o = est2.empty() ? est : est2;
  std::printf("\noverhead over the same model's greedy plan: measured / estimated%s\n",
              est2.empty() ? "" : " (refitted table)");
  for (size_t k = 0; k < runs.size(); ++k) {
    if (runs[k].strategy == "greedy") continue;
    for (size_t b = 0; b < runs.size(); ++b) {
      if (runs[b].model != runs[k].model || runs[b].strategy != "greedy") continue;
      std::printf("%-22s %-20s MACs %+6.1f%%  instructions measured ", runs[k].model.c_str(),
                  runs[k].strategy.c_str(), Pct(PlanMacs(*runs[k].g, runs[k].plan), PlanMacs(*runs[b].g, runs[b].plan)));
      if (runs[k].m.total && runs[b].m.total)
        std::printf("%+6.1f%%", Pct(static_cast<double>(runs[k].m.total), static_cast<double>(runs[b].m.total)));
      else std::printf("%7s", "-");
      std::printf(", estimated %+6.1f%%\n", Pct(est_o[k].instructions, est_o[b].instructions));
    }
  }

  // Per class over every profiled step.
  if (!samples.empty()) {
    std::printf("\nper kernel class over all profiled steps (instructions in millions)\n");
    std::printf("%-20s %6s %10s %10s %8s", "class", "steps", "measured", "estimated", "error");
    if (!est2.empty()) std::printf(" %10s %8s", "refit", "error");
    std::printf("\n");
    std::vector<double> meas(kNumLatencyClasses, 0), e1(kNumLatencyClasses, 0), e2(kNumLatencyClasses, 0);
    std::vector<int> cnt(kNumLatencyClasses, 0);
    for (const LatencySample& s : samples) {
      const int c = static_cast<int>(s.step.cls);
      meas[c] += s.measured;
      e1[c] += Dot4(DefaultLatencyModel().coef[c], s.step.x);
      if (!est2.empty()) e2[c] += Dot4(refit.coef[c], s.step.x);
      ++cnt[c];
    }
    for (int c = 0; c < kNumLatencyClasses; ++c) {
      if (!cnt[c]) continue;
      std::printf("%-20s %6d %10.3f %10.3f %+7.1f%%", LatencyClassName(static_cast<LatencyClass>(c)), cnt[c],
                  meas[c] / 1e6, e1[c] / 1e6, Pct(e1[c], meas[c]));
      if (!est2.empty()) std::printf(" %10.3f %+7.1f%%", e2[c] / 1e6, Pct(e2[c], meas[c]));
      std::printf("\n");
    }
  }
  if (!est2.empty()) {
    std::printf("\nrefitted table (features per class: latency.cc's LatencyClassFeatureNames):\n%s",
                LatencyTableSource(refit).c_str());
  }
  if (!tsv.empty()) {
    std::ofstream f(tsv);
    f << "# kind\tmodel\tplan\tstep\tclass";
    for (int i = 0; i < kLatencyFeatures; ++i) f << "\tx" << i;
    f << "\tmeasured\testimated\n";
    for (size_t k = 0; k < runs.size(); ++k) {
      const PlanRun& r = runs[k];
      if (r.m.total) f << "total\t" << r.model << "\t" << r.strategy << "\t" << r.m.total << "\n";
      for (size_t s = 0; s < r.m.steps.size(); ++s) {
        const StepLatency& st = est[k].steps[s];
        f << "step\t" << r.model << "\t" << r.strategy << "\t" << s << "\t" << LatencyClassName(st.cls);
        for (int i = 0; i < kLatencyFeatures; ++i) f << "\t" << st.x[i];
        f << "\t" << r.m.steps[s] << "\t" << st.instructions << "\n";
      }
    }
    std::printf("\nwrote %s\n", tsv.c_str());
  }
  return failures ? 1 : 0;
}
