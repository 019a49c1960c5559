// The instruction-count model (src/analysis/latency.h) against the emulated device: for each
// model and plan, EstimateInstructions next to the instructions one inference takes on QEMU's
// mps2-an386 (Cortex-M4, DSP paths, -icount shift=0; firmware from tessera's generated C,
// codegen/device.h), and the error. Without arm-none-eabi-gcc / qemu-system-arm only the
// estimates are printed.
//
//   bench_latency [--models a,b,...] [--strategies greedy,patch,cache,grid:8x8:cache,...] [--profile] [--fit]
//                 [--cycles [--wait-states W] [--write FILE [--classes a,b,...]]]
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
// --cycles: the same for the cycle tables (DefaultCycleModel, DefaultWaitUnitModel): every run
//   also goes through the Cortex-M4 cycle model (firmware/cycles/m4_model.h; MODELLED cycles,
//   DeviceOptions::cycles), the profiled run's per-step cycles and wait units
//   (DeviceResult::step_cycles) are the samples, and the tables compare modelled cycles at zero
//   wait states (and, in one more table, at W = --wait-states, default 5: estimated cycles +
//   W * wait units) instead of instructions. With --fit it prints both refitted tables;
//   --write FILE (src/analysis/latency.cc) replaces the file's block between "// BEGIN CYCLE
//   TABLES" and "// END CYCLE TABLES" with them and a source string naming this command, the
//   date and the kernels' commit. --classes a,b (LatencyClassName's names) refits and writes
//   only those rows (their lines of the file's block are kept verbatim; the source string gains
//   this fit), e.g. the recurrent and 16x8 rows from the coverage models as for the instruction
//   table. --write refuses when a device run failed (a strategy without a plan for a model is
//   skipped). The compiled-in cycle tables were made with
//     bench_latency --fit --cycles --write src/analysis/latency.cc
//   (the default models and strategies; about 25 minutes on a loaded 2-core machine, 9 CPU
//   minutes), then the recurrent and 16x8 rows with the coverage models' command in
//   latency.cc's comment on the instruction table and
//     --cycles --classes conv_16x8,fully_connected_16x8,transpose_conv,elementwise_16,svdf,lstm
//   (about 16 minutes, 3 CPU minutes); the source string names both.
// --tsv FILE: writes every profiled step (model, plan, step, class, features, measured,
//   estimated) and every plan's measured total as tab-separated lines; with --cycles also the
//   modelled totals ("ctotal") and steps ("cstep": instructions, cycles, wait units, estimate).
// --measured FILE: reads the "step", "total", "cstep" and "ctotal" lines of such a file instead
//   of running the device (the plans are rebuilt; they are deterministic), e.g. to try a refit
//   quickly, or to --write the tables of a run that had --tsv.
// Strategies as in bench_device (bench/bench_plans.h), comma-separated, or ';'-separated when
// a stream:SPEC has several stages (e.g. "greedy;stream:7:12x1:mixed,11:2x1:mixed").
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
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
  // --cycles: the plain run's modelled inference (instructions 0: not modelled) and the
  // profiled run's modelled steps (empty: not modelled)
  CycleCounts ctotal;
  std::vector<CycleCounts> csteps;
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
    } else if (kind == "ctotal" || kind == "cstep") {
      // [step,] instructions, cycles, wait units
      std::vector<uint64_t> v;
      std::string x;
      while (std::getline(ss, x, '\t')) v.push_back(std::strtoull(x.c_str(), nullptr, 10));
      if (kind == "cstep" && v.size() == 5) v.pop_back();  // the estimate
      if (v.size() != (kind == "cstep" ? 4u : 3u)) throw Error(path + ": malformed " + kind + " line '" + line + "'");
      const size_t o = kind == "cstep";
      const CycleCounts c{v[o], v[o + 1], v[o + 2]};
      Measured& m = r[{model, strategy}];
      if (kind == "ctotal") {
        m.ctotal = c;
      } else {
        if (m.csteps.size() <= v[0]) m.csteps.resize(v[0] + 1);
        m.csteps[v[0]] = c;
      }
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

// A C++ string literal's body.
std::string CEscape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

// The kernels' commit for the cycle tables' source string: the last commit that changed
// kernels/ (`git log -1 -- kernels` in the repository holding `file`), marked when kernels/
// has uncommitted changes.
std::string KernelsCommit(const std::string& file) {
  auto trim = [](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
  };
  const std::string dir = std::filesystem::absolute(file).parent_path().string();
  const ShellResult top = RunShell("git -C " + ShellQuote(dir) + " rev-parse --show-toplevel 2>/dev/null");
  if (top.exit_code != 0) return "unknown";
  const std::string root = ShellQuote(trim(top.output));
  const ShellResult last = RunShell("git -C " + root + " log -1 --format=%h -- kernels 2>/dev/null");
  std::string c = trim(last.output);
  if (last.exit_code != 0 || c.empty()) return "unknown";
  const ShellResult dirty = RunShell("git -C " + root + " status --porcelain -- kernels 2>/dev/null");
  if (!trim(dirty.output).empty()) c += " with uncommitted kernel changes";
  return c;
}

std::string Today() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

// LatencyTableSource with the rows of `guessed` classes (no sample) saying what they are.
std::string TableText(const LatencyModel& m, const std::vector<bool>& guessed, const char* what, double ratio) {
  std::stringstream in(LatencyTableSource(m));
  std::string out, line;
  const std::string kept = "  // no sample: kept from the previous table";
  for (int k = 0; std::getline(in, line); ++k) {
    const size_t at = line.find(kept);
    if (k < static_cast<int>(guessed.size()) && guessed[k] && at != std::string::npos) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "  // no sample: the instruction row x %.4g (%s per instruction over the fit)",
                    ratio, what);
      line = line.substr(0, at) + buf;
    }
    out += line + "\n";
  }
  return out;
}

// Replaces `file`'s lines from "// BEGIN CYCLE TABLES" to "// END CYCLE TABLES" with the
// tables and their source string.
// Rows of classes not in `rewrite` keep their line of the file's block as it is (comment included).
void WriteCycleTables(const std::string& file, const std::string& source, std::string cycles, std::string units,
                      const std::vector<bool>& rewrite) {
  std::ifstream in(file);
  if (!in) throw Error("--write: cannot read " + file);
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  const std::string begin = "// BEGIN CYCLE TABLES\n", end = "// END CYCLE TABLES\n";
  const size_t a = text.find(begin);
  const size_t b = a == std::string::npos ? a : text.find(end, a);
  if (a == std::string::npos || b == std::string::npos)
    throw Error("--write: " + file + " has no '// BEGIN CYCLE TABLES' ... '// END CYCLE TABLES' block");
  const std::string old = text.substr(a, b - a);
  const size_t old_units = old.find("kWaitUnitTable");
  // `rows` with the lines of the kept classes taken from old[from, to)
  auto keep = [&](const std::string& rows, size_t from, size_t to) {
    std::stringstream in(rows);
    std::string out, line;
    for (int k = 0; std::getline(in, line); ++k) {
      if (k < static_cast<int>(rewrite.size()) && !rewrite[k]) {
        const std::string key = line.substr(0, line.find(',') + 1);  // "    {LatencyClass::kName,"
        const size_t at = old.find("\n" + key, from);
        if (at != std::string::npos && at < to) {
          const size_t e = old.find('\n', at + 1);
          line = old.substr(at + 1, e - at - 1);
        }
      }
      out += line + "\n";
    }
    return out;
  };
  if (old_units != std::string::npos) {
    cycles = keep(cycles, 0, old_units);
    units = keep(units, old_units, old.size());
  }
  std::string block = begin;
  block += "constexpr const char* kCycleTableSource =\n    \"" + CEscape(source) + "\";\n";
  block += "constexpr TableRow kCycleTable[] = {\n    // clang-format off\n" + cycles + "    // clang-format on\n};\n";
  block += "constexpr TableRow kWaitUnitTable[] = {\n    // clang-format off\n" + units + "    // clang-format on\n};\n";
  block += end;
  const std::string out = text.substr(0, a) + block + text.substr(b + end.size());
  std::ofstream f(file);
  f << out;
  if (!f) throw Error("--write: error writing " + file);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models = {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                                     "mcunet_vww1_80"};
  // The plans of the fit: bench_device's three, and the same split with finer grids (small
  // windows: per-call costs, border pixels, lone pixels) and row streaming.
  std::vector<std::string> strategies = {"greedy",           "patch",          "cache",
                                         "grid:4x4:recompute", "grid:8x8:cache", "grid:8x1:mixed"};
  bool profile = false, fit = false, no_device = false, cycles = false;
  int wait_states = 5;
  std::string tsv, measured_path, write_path;
  std::vector<std::string> only_classes;
  std::string command = "bench_latency";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_latency: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    // the source string of --write names the options that shape the fit
    if (a != "--write" && a != "--tsv" && a != "--measured") {
      command += " " + a;
      if (i + 1 < argc && (a == "--models" || a == "--strategies" || a == "--wait-states" || a == "--classes"))
        command += " " + std::string(argv[i + 1]);
    }
    if (a == "--models") models = bench::SplitList(next());
    else if (a == "--strategies") strategies = bench::SplitStrategies(next());
    else if (a == "--profile") profile = true;
    else if (a == "--fit") fit = profile = true;
    else if (a == "--cycles") cycles = true;
    else if (a == "--wait-states") wait_states = bench::ParseWaitStates("bench_latency", next());
    else if (a == "--write") write_path = next();
    else if (a == "--classes") only_classes = bench::SplitList(next());
    else if (a == "--tsv") tsv = next();
    else if (a == "--measured") measured_path = next();
    else if (a == "--no-device") no_device = true;
    else {
      std::fprintf(stderr,
                   "usage: bench_latency [--models a,b] [--strategies greedy,patch,cache,...] [--profile] [--fit] "
                   "[--cycles [--wait-states W] [--write FILE [--classes a,b]]] [--tsv FILE] [--measured FILE] "
                   "[--no-device]\n");
      return 2;
    }
  }
  if (!write_path.empty() && !(fit && cycles)) {
    std::fprintf(stderr, "bench_latency: --write writes the cycle tables: give --fit --cycles\n");
    return 2;
  }
  std::vector<bool> refit_class(kNumLatencyClasses, only_classes.empty());
  for (const std::string& c : only_classes) {
    int found = -1;
    for (int k = 0; k < kNumLatencyClasses; ++k)
      if (c == LatencyClassName(static_cast<LatencyClass>(k))) found = k;
    if (found < 0) {
      std::fprintf(stderr, "bench_latency: --classes: no latency class '%s'\n", c.c_str());
      return 2;
    }
    refit_class[found] = true;
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

  // The unit of every table below: instructions, or (--cycles) modelled cycles at W=0.
  const char* unit = cycles ? "modelled cycles" : "instructions";
  const LatencyModel& base = cycles ? DefaultCycleModel() : DefaultLatencyModel();
  if (cycles)
    std::printf("Cycle model (src/analysis/latency.h DefaultCycleModel/DefaultWaitUnitModel, tables: %s)\n",
                CycleModelSource());
  else
    std::printf("Instruction-count model (src/analysis/latency.h, table: %s)\n", LatencyModelSource());
  std::printf("measured: %s\n\n",
              device ? (cycles ? "QEMU mps2-an386 (Cortex-M4), DSP paths, arm-none-eabi-gcc -O2, one inference, under "
                                 "the Cortex-M4 cycle model (firmware/cycles/m4_model.h: MODELLED cycles)"
                               : "QEMU mps2-an386 (Cortex-M4), DSP paths, arm-none-eabi-gcc -O2, one inference")
                     : (measured_path.empty() ? "none" : ("from " + measured_path).c_str()));
  std::vector<std::unique_ptr<Graph>> graphs;
  std::vector<PlanRun> runs;
  int failures = 0, unplanned = 0;  // unplanned: strategies without a plan for a model (no run failed)
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
      } catch (const std::exception& e) {
        // a strategy the model has no plan for (e.g. a stream spec of another model's split)
        std::printf("%-22s %-8s no plan: %s\n", m.c_str(), s.c_str(), e.what());
        ++failures;
        ++unplanned;
        continue;
      }
      try {
        if (device) {
          std::string tag = s;
          for (char& ch : tag)
            if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
          const auto expected = RunPlan(*g, r.plan, inputs);
          DeviceOptions o;
          o.cycles = cycles;
          const DeviceResult d = RunOnDevice(*g, r.plan, inputs, work + "/" + m + "_" + tag, o);
          if (!d.build.ok || d.run.exit_code != 0 || d.outputs != expected) {
            std::printf("%-22s %-8s device run failed or inexact:\n%s%s\n", m.c_str(), s.c_str(), d.build.log.c_str(),
                        d.run.output.c_str());
            ++failures;
          } else {
            r.m.total = d.instructions;
            if (cycles) r.m.ctotal = d.cycle_model.inference;
          }
          if (profile) {
            DeviceOptions po = o;
            po.profile = true;
            const DeviceResult dp = RunOnDevice(*g, r.plan, inputs, work + "/" + m + "_" + tag + "_profile", po);
            if (dp.build.ok && dp.run.exit_code == 0 && dp.step_instructions.size() == r.plan.steps.size() &&
                (!cycles || dp.step_cycles.size() == r.plan.steps.size())) {
              r.m.steps = dp.step_instructions;
              r.m.csteps = dp.step_cycles;
            } else {
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
            if (!r.m.csteps.empty() && r.m.csteps.size() != r.plan.steps.size()) {
              std::printf("%-22s %-8s %zu modelled steps for a plan of %zu; ignored\n", m.c_str(), s.c_str(),
                          r.m.csteps.size(), r.plan.steps.size());
              r.m.csteps.clear();
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

  // The measured (or modelled) figures in the tables' unit; 0: none.
  auto meas_total = [&](const PlanRun& r) -> double {
    return cycles ? static_cast<double>(r.m.ctotal.cycles) : static_cast<double>(r.m.total);
  };
  auto has_steps = [&](const PlanRun& r) { return cycles ? !r.m.csteps.empty() : !r.m.steps.empty(); };
  auto meas_step = [&](const PlanRun& r, size_t s) -> double {
    return cycles ? static_cast<double>(r.m.csteps[s].cycles) : static_cast<double>(r.m.steps[s]);
  };
  auto estimate = [&](const PlanRun& r, const LatencyModel* m, const LatencyModel* u) {
    return cycles ? EstimateCycles(*r.g, r.plan, 0, m, u) : EstimateInstructions(*r.g, r.plan, m);
  };
  auto value = [&](const LatencyEstimate& e) { return cycles ? e.cycles : e.instructions; };

  // Estimates under the compiled-in tables; samples for a refit.
  std::vector<LatencyEstimate> est(runs.size());
  std::vector<LatencySample> samples, unit_samples;
  for (size_t k = 0; k < runs.size(); ++k) {
    est[k] = estimate(runs[k], nullptr, nullptr);
    if (!has_steps(runs[k])) continue;
    for (size_t s = 0; s < runs[k].plan.steps.size(); ++s) {
      samples.push_back({est[k].steps[s], meas_step(runs[k], s)});
      if (cycles) unit_samples.push_back({est[k].steps[s], static_cast<double>(runs[k].m.csteps[s].wait_units)});
    }
  }
  // --cycles: classes no fit has seen (samples 0 in the compiled-in table and none here) get
  // the instruction table's row scaled by this fit's modelled cycles (wait units) per measured
  // instruction over all its profiled steps: a documented guess.
  LatencyModel fallback = base, fallback_units = DefaultWaitUnitModel();
  std::vector<bool> guessed(kNumLatencyClasses, false);
  double cpi = 0, upi = 0;
  if (cycles) {
    double ins = 0, cyc = 0, units = 0;
    for (const PlanRun& r : runs) {
      if (r.m.csteps.empty() || r.m.steps.size() != r.m.csteps.size()) continue;
      for (size_t s = 0; s < r.m.steps.size(); ++s) {
        ins += static_cast<double>(r.m.steps[s]);
        cyc += static_cast<double>(r.m.csteps[s].cycles);
        units += static_cast<double>(r.m.csteps[s].wait_units);
      }
    }
    if (ins > 0) {
      cpi = cyc / ins;
      upi = units / ins;
      for (int c = 0; c < kNumLatencyClasses; ++c) {
        if (base.samples[c] != 0) continue;
        guessed[c] = true;
        for (int i = 0; i < kLatencyFeatures; ++i) {
          fallback.coef[c][i] = DefaultLatencyModel().coef[c][i] * cpi;
          fallback_units.coef[c][i] = DefaultLatencyModel().coef[c][i] * upi;
        }
      }
    }
  }
  LatencyModel refit, refit_units;
  bool kept_fitted = false;  // rows fitted before that this fit has no step of
  std::vector<LatencyEstimate> est2;
  if (fit && !samples.empty()) {
    refit = FitLatencyModel(samples, fallback);
    if (cycles) refit_units = FitLatencyModel(unit_samples, fallback_units);
    for (int c = 0; c < kNumLatencyClasses; ++c) {
      if (refit.samples[c]) guessed[c] = false;
      // A class this fit has no step of keeps its fitted row (and line) as compiled in.
      if (refit_class[c] && !refit.samples[c] && !guessed[c] && base.samples[c]) {
        refit_class[c] = false;
        kept_fitted = true;
      }
      if (refit_class[c]) continue;
      guessed[c] = false;
      refit.coef[c] = base.coef[c];
      refit.samples[c] = base.samples[c];
      if (cycles) {
        refit_units.coef[c] = DefaultWaitUnitModel().coef[c];
        refit_units.samples[c] = DefaultWaitUnitModel().samples[c];
      }
    }
    for (const PlanRun& r : runs) est2.push_back(estimate(r, &refit, &refit_units));
  }

  // Totals per model and plan.
  std::printf("%s per inference (millions)\n", unit);
  std::printf("%-22s %-20s %6s %10s %10s %12s %8s", "model", "plan", "steps", "MACs M", "measured M", "estimated M",
              "error");
  if (!est2.empty()) std::printf(" %12s %8s", "refit est M", "error");
  std::printf("\n%s\n", std::string(est2.empty() ? 94 : 116, '-').c_str());
  double sum_abs = 0, sum_abs2 = 0, worst = 0, worst2 = 0;
  int n_meas = 0;
  for (size_t k = 0; k < runs.size(); ++k) {
    const PlanRun& r = runs[k];
    const double mt = meas_total(r);
    std::printf("%-22s %-20s %6zu %10.3f", r.model.c_str(), r.strategy.c_str(), r.plan.steps.size(),
                PlanMacs(*r.g, r.plan) / 1e6);
    if (mt) std::printf(" %10.3f", mt / 1e6);
    else std::printf(" %10s", "-");
    std::printf(" %12.3f", value(est[k]) / 1e6);
    if (mt) {
      const double e = Pct(value(est[k]), mt);
      std::printf(" %+7.1f%%", e);
      sum_abs += std::fabs(e);
      worst = std::max(worst, std::fabs(e));
      ++n_meas;
    } else {
      std::printf(" %8s", "-");
    }
    if (!est2.empty()) {
      std::printf(" %12.3f", value(est2[k]) / 1e6);
      if (mt) {
        const double e = Pct(value(est2[k]), mt);
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
  // At W wait states: cycles + W * wait units, modelled and estimated.
  if (cycles) {
    std::printf("\nmodelled cycles at W=%d flash wait states (millions): estimated cycles + %d x estimated wait units\n",
                wait_states, wait_states);
    std::printf("%-22s %-20s %10s %12s %8s", "model", "plan", "modelled M", "estimated M", "error");
    if (!est2.empty()) std::printf(" %12s %8s", "refit est M", "error");
    std::printf("\n");
    double w_sum = 0, w_worst = 0, w_sum2 = 0, w_worst2 = 0;
    int w_n = 0;
    for (size_t k = 0; k < runs.size(); ++k) {
      const PlanRun& r = runs[k];
      if (!r.m.ctotal.instructions) continue;
      const double mw = static_cast<double>(r.m.ctotal.CyclesAt(wait_states));
      const double e1 = est[k].cycles + wait_states * est[k].wait_units;
      std::printf("%-22s %-20s %10.3f %12.3f %+7.1f%%", r.model.c_str(), r.strategy.c_str(), mw / 1e6, e1 / 1e6,
                  Pct(e1, mw));
      w_sum += std::fabs(Pct(e1, mw));
      w_worst = std::max(w_worst, std::fabs(Pct(e1, mw)));
      if (!est2.empty()) {
        const double e2 = est2[k].cycles + wait_states * est2[k].wait_units;
        std::printf(" %12.3f %+7.1f%%", e2 / 1e6, Pct(e2, mw));
        w_sum2 += std::fabs(Pct(e2, mw));
        w_worst2 = std::max(w_worst2, std::fabs(Pct(e2, mw)));
      }
      std::printf("\n");
      ++w_n;
    }
    if (w_n) {
      std::printf("mean |error| %.2f%%, worst %.2f%% (compiled-in tables)", w_sum / w_n, w_worst);
      if (!est2.empty()) std::printf("; refit: mean %.2f%%, worst %.2f%%", w_sum2 / w_n, w_worst2);
      std::printf("\n");
    }
  }
  // Overheads over layer by layer, measured and estimated (what the search budgets).
  const std::vector<LatencyEstimate>& est_o = est2.empty() ? est : est2;
  std::printf("\noverhead over the same model's greedy plan: measured / estimated%s\n",
              est2.empty() ? "" : " (refitted table)");
  for (size_t k = 0; k < runs.size(); ++k) {
    if (runs[k].strategy == "greedy") continue;
    for (size_t b = 0; b < runs.size(); ++b) {
      if (runs[b].model != runs[k].model || runs[b].strategy != "greedy") continue;
      std::printf("%-22s %-20s MACs %+6.1f%%  %s measured ", runs[k].model.c_str(), runs[k].strategy.c_str(),
                  Pct(PlanMacs(*runs[k].g, runs[k].plan), PlanMacs(*runs[b].g, runs[b].plan)), unit);
      if (meas_total(runs[k]) && meas_total(runs[b]))
        std::printf("%+6.1f%%", Pct(meas_total(runs[k]), meas_total(runs[b])));
      else std::printf("%7s", "-");
      std::printf(", estimated %+6.1f%%\n", Pct(value(est_o[k]), value(est_o[b])));
    }
  }

  // Per class over every profiled step.
  if (!samples.empty()) {
    std::printf("\nper kernel class over all profiled steps (%s in millions)\n", unit);
    std::printf("%-20s %6s %10s %10s %8s", "class", "steps", "measured", "estimated", "error");
    if (!est2.empty()) std::printf(" %10s %8s", "refit", "error");
    std::printf("\n");
    std::vector<double> meas(kNumLatencyClasses, 0), e1(kNumLatencyClasses, 0), e2(kNumLatencyClasses, 0);
    std::vector<int> cnt(kNumLatencyClasses, 0);
    for (const LatencySample& s : samples) {
      const int c = static_cast<int>(s.step.cls);
      meas[c] += s.measured;
      e1[c] += Dot4(base.coef[c], s.step.x);
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
  const std::string cycle_text = cycles ? TableText(refit, guessed, "modelled cycles", cpi) : "";
  const std::string unit_text = cycles ? TableText(refit_units, guessed, "wait units", upi) : "";
  if (!est2.empty()) {
    std::printf("\nrefitted table%s (features per class: latency.cc's LatencyClassFeatureNames):\n%s",
                cycles ? " of modelled cycles at W=0" : "", cycles ? cycle_text.c_str() : LatencyTableSource(refit).c_str());
    if (cycles)
      std::printf("\nrefitted table of wait units (cycles at W = cycles + W x units):\n%s", unit_text.c_str());
  }
  if (!write_path.empty()) {
    if (est2.empty()) {
      std::printf("\nbench_latency: no modelled step to fit; %s not written\n", write_path.c_str());
      ++failures;
    } else if (failures > unplanned) {
      std::printf("\nbench_latency: %d runs failed; %s not written\n", failures - unplanned, write_path.c_str());
    } else {
      size_t steps = 0;
      for (const PlanRun& r : runs) steps += r.m.csteps.size();
      std::string source = command + ", " + Today() + " (kernels at commit " + KernelsCommit(write_path) + "; " +
                           std::to_string(steps) + " steps of " + std::to_string(runs.size()) + " plans)";
      if (!only_classes.empty()) source = std::string(CycleModelSource()) + "; then " + source;
      else if (kept_fitted)
        source += "; the rows of classes without a step here kept from: " + std::string(CycleModelSource());
      try {
        WriteCycleTables(write_path, source, cycle_text, unit_text, refit_class);
        std::printf("\nwrote the cycle tables into %s (source: %s); rebuild to use them\n", write_path.c_str(),
                    source.c_str());
      } catch (const std::exception& e) {
        std::printf("\nbench_latency: %s\n", e.what());
        ++failures;
      }
    }
  }
  if (!tsv.empty()) {
    std::ofstream f(tsv);
    f << "# kind\tmodel\tplan\tstep\tclass";
    for (int i = 0; i < kLatencyFeatures; ++i) f << "\tx" << i;
    f << "\tmeasured\testimated\n";
    f << "# (--cycles) ctotal\tmodel\tplan\tinstructions\tcycles\twait units; cstep\tmodel\tplan\tstep\tinstructions"
         "\tcycles\twait units\testimated cycles\n";
    for (size_t k = 0; k < runs.size(); ++k) {
      const PlanRun& r = runs[k];
      const LatencyEstimate ei = cycles ? EstimateInstructions(*r.g, r.plan) : est[k];
      if (r.m.total) f << "total\t" << r.model << "\t" << r.strategy << "\t" << r.m.total << "\n";
      if (r.m.ctotal.instructions)
        f << "ctotal\t" << r.model << "\t" << r.strategy << "\t" << r.m.ctotal.instructions << "\t"
          << r.m.ctotal.cycles << "\t" << r.m.ctotal.wait_units << "\n";
      for (size_t s = 0; s < r.m.steps.size(); ++s) {
        const StepLatency& st = ei.steps[s];
        f << "step\t" << r.model << "\t" << r.strategy << "\t" << s << "\t" << LatencyClassName(st.cls);
        for (int i = 0; i < kLatencyFeatures; ++i) f << "\t" << st.x[i];
        f << "\t" << r.m.steps[s] << "\t" << st.instructions << "\n";
      }
      for (size_t s = 0; s < r.m.csteps.size(); ++s)
        f << "cstep\t" << r.model << "\t" << r.strategy << "\t" << s << "\t" << r.m.csteps[s].instructions << "\t"
          << r.m.csteps[s].cycles << "\t" << r.m.csteps[s].wait_units << "\t" << est[k].steps[s].cycles << "\n";
    }
    std::printf("\nwrote %s\n", tsv.c_str());
  }
  return failures ? 1 : 0;
}
