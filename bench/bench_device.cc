// Emulated-device benchmark: for each model and plan, generated C built into firmware for
// QEMU's mps2-an386 (Cortex-M4F; or --board an500), one inference on TFLM's reference
// input case 0. Prints instructions per inference (SysTick under -icount shift=0), flash
// (text + rodata + data image) and RAM (data + bss + arena + stack) from the ELF, the stack
// actually used (painted stack), whether the output equals the host executor's, and TFLM's
// figures for the same emulated Cortex-M4 beside ours. Each plan runs twice: the kernels'
// portable loops (firmware built with -DTS_NO_DSP) and their Cortex-M DSP paths (SMLAD,
// selected by __ARM_FEATURE_DSP, which -mcpu=cortex-m4/-m7 define). For every plan other
// than layer by layer: its MACs over layer-by-layer's ("MAC ovh") and its DSP instructions
// over layer-by-layer's ("instr ovh"; layer by layer is measured too whenever such a plan is).
//
//   bench_device [--board an386|an500] [--strategies greedy,patch,cache,...] [--models a,b,...]
//                [--opt -O2] [--dsp-only] [--profile] [--top N] [--cycles] [--wait-states W]
//                [--invokes N]
//
// --invokes N: every run invokes the model N times in a row on the same input (state carried
// over, e.g. coverage/tflm_keyword_scrambled_8bit's SVDFs); instructions and outputs are the
// last invoke's.
// Strategies: greedy (layer by layer); patch (2x2 patches recomputing their halos, split
// chosen as in tests/test_firmware_dsp.cc, PADs folded, in-place placement); cache (the same
// split and grid with halo caching: every element computed once, 1.00x MACs; schedule/stream.h
// placed by search/search.h BuildStreamPlan); grid:RxC:HALO (that split with another grid);
// stream:SPEC (any schedule/stream.h spec, e.g. stream:12:2x2:cache; separate the strategies
// with ';' instead of ',' when a spec has several stages); or any MakePlan strategy
// (bench/bench_plans.h, shared with bench_latency).
// --dsp-only: skip the portable builds. --profile: one more DSP run per plan with the model
// generated with per-step instruction counts (tessera codegen --profile); prints, per model,
// instructions and MACs per operator type for every plan side by side, and each plan's top N
// steps (default 10).
// --cycles (an386 only): the DSP build runs once more under the Cortex-M4 cycle model
// (firmware/cycles/m4_model.h, firmware/profile.sh --cycles; MODELLED cycles, not measured) and
// the table gains the inference's modelled cycles at 0 and W (--wait-states, default 5) flash
// wait states and cycles per instruction; with --profile, the per-type table gains modelled
// cycles too (from the profiled build's clock intervals). The model's run takes about as long as
// the build (the six shared models, greedy, --dsp-only --cycles: about 1 minute in all).
//
//   bench_device --regions [--slow-wait W,...] [--fast-room BYTES] [--wait-states W] [--models a,b,...]
//                [--opt -O2]
//
// --regions (an386; instead of the table above): MODELLED Cortex-M4 cycles of one inference
// (DSP build) with and without memory regions (tessera --memory, memory/regions.h), the
// regions' arenas on the emulated board's RAM (DeviceRegionBanks: region r at 0x20100000 +
// r MiB) and the cycle model's data wait ranges (m4_model.h rule WR) making the regions that
// are not fast slow. Per model, schedule and placement: the schedule's buffers in one arena
// (a single region, placed by the lifetime placer) and in a fast region plus slow ones; for
// each, cycles with every region at 0 wait states ("all fast") and with the slow regions at
// each --slow-wait W (default 1,2; an assumption, not a part's figure: the fast region stands
// for tightly coupled RAM, the slow ones for SRAM banks behind a bus matrix). The stack, .data
// and .bss stay at 0 wait states (in a real part's tightly coupled RAM too); weights are in
// flash, whose wait states (W of m4_model.h) are left at 0 and their events counted (flash
// units). Schedules: layer by layer (search/search.h BuildStreamPlan) placed over a fast
// region of the size that holds the hot buffers carrying 90% of the estimated access bytes
// (SmallestFastRegion) plus a slow region of the whole arena (bench_memory's last table), and
// for person_detect also the configuration DTCM 12 KiB fast + SRAM1 8 KiB + SRAM2
// 8 KiB (SearchPlansInRegions, which searches: its single arena is the same schedule's).
// Every plan is checked and its device outputs compared with the host's layer-by-layer bytes.
// A second table: layer by layer over a fast region with --fast-room bytes (default 32 KiB)
// beyond the arena plus a slow one, without and with the most read filters copied into the
// fast region (PinHotWeights, tessera codegen --fast-weights): flash events and modelled
// cycles at 0 and --wait-states W (default 5) flash wait states.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <algorithm>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_plans.h"
#include "bench_util.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "analysis/macs.h"
#include "ir/graph.h"
#include "checker/checker.h"
#include "memory/regions.h"
#include "schedule/stream.h"
#include "search/search.h"
#include "tflite/reader.h"

namespace {

using namespace tessera;

// TFLM instructions per inference on the emulated Cortex-M4 (figures quoted in the project's
// issue): with CMSIS-NN kernels, and with TFLM's reference kernels.
struct TflmFigure {
  double cmsis_m, reference_m;  // millions of instructions
};
const std::map<std::string, TflmFigure>& TflmFigures() {
  static const std::map<std::string, TflmFigure> f = {
      {"person_detect", {22.93, 95.66}},        {"vww_96_int8", {24.10, 100.25}},
      {"resnet8_cifar10_int8", {29.86, 107.40}}, {"kws_dscnn_int8", {7.70, 43.04}},
      {"mcunet_vww1_80", {48.60, 188.85}},
  };
  return f;
}

// The best published MLPerf Tiny results on a real Cortex-M4 (STM32L4R5 at 120 MHz, flash wait
// states included; mlcommons/tiny_results v1.1-v1.3), in millions of cycles, and the engine that
// set them. Issue 17's goal: modelled W=0 cycles at or below 0.8x these.
struct PublishedM4 {
  double cycles_m;
  const char* engine;
};
const std::map<std::string, PublishedM4>& PublishedM4Figures() {
  static const std::map<std::string, PublishedM4> f = {
      {"kws_dscnn_int8", {5.18, "X-CUBE-AI 9.0"}},
      {"vww_96_int8", {10.67, "X-CUBE-AI 9.0"}},
      {"resnet8_cifar10_int8", {19.82, "X-CUBE-AI 9.0"}},
      {"ad01_fc_autoencoder_int8", {0.486, "Plumerai"}},
  };
  return f;
}

std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error("cannot open " + path);
  std::vector<uint8_t> r;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.insert(r.end(), buf, buf + n);
  std::fclose(f);
  return r;
}

// The reference input case 0 of model `m`: case0.input.bin holds every input's bytes, in
// subgraph input order (e.g. TRANSPOSE_CONV's output shape, then its data).
std::vector<std::vector<uint8_t>> ReadCaseInputs(const Graph& g, const std::string& shared, const std::string& m) {
  std::vector<std::vector<uint8_t>> inputs;
  const std::vector<uint8_t> all = ReadBytes(shared + "/reference/" + m + "/case0.input.bin");
  size_t at = 0;
  for (int t : g.inputs) {
    const size_t n = static_cast<size_t>(g.tensors[t].num_bytes());
    if (at + n > all.size()) throw Error("case0.input.bin holds fewer bytes than the model's inputs");
    inputs.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at), all.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  if (at != all.size()) throw Error("case0.input.bin holds more bytes than the model's inputs");
  return inputs;
}

// --regions: modelled cycles with and without memory regions (see the header comment).
std::string RegionBytesText(const Plan& p) {
  std::string t;
  for (size_t r = 0; r < p.regions.size(); ++r) {
    if (!t.empty()) t += " + ";
    t += p.regions[r].name + (p.regions[r].fast ? "* " : " ") + std::to_string(p.region_bytes[r]);
  }
  return t;
}

int RegionCycles(const std::vector<std::string>& models, const std::vector<int>& slow_waits, const std::string& opt,
                 const std::string& shared, const std::string& work) {
  int failures = 0;
  std::printf("MODELLED Cortex-M4 cycles of one inference (millions; firmware/cycles/m4_model.h: TRM rules, not "
              "measured), emulated mps2-an386, DSP kernels, arm-none-eabi-gcc %s\n", opt.c_str());
  std::printf("regions' arenas at 0x20100000 + r MiB; slow regions get W_slow data wait states per word accessed "
              "(rule WR; the W_slow values are assumptions, not a part's figures); fast regions, stack, .data and "
              ".bss 0; flash W = 0 (flash units = its events, for cycles at flash W: + W x units)\n");
  std::printf("one arena = the schedule's buffers in a single slow region (a single-arena plan's own placement); regions: * = fast. "
              "vs one = cycles / the one-arena plan's at the same W_slow - 1\n\n");
  std::printf("%-16s %-30s %-50s %7s %9s %8s", "model", "schedule", "placement (bytes)", "fast acc", "all fast",
              "flash u");
  for (int w : slow_waits) std::printf(" | %9s %8s %7s", ("W_slow=" + std::to_string(w)).c_str(), "WR cyc", "vs one");
  std::printf(" | %7s\n%s\n", "fast wd", std::string(146 + 29 * slow_waits.size(), '-').c_str());
  for (const std::string& m : models) {
    try {
      const Graph g = ReadTflite(shared + "/models/" + m + ".tflite");
      const std::vector<std::vector<uint8_t>> inputs = ReadCaseInputs(g, shared, m);
      const Plan lbl = BuildStreamPlan(g, StreamConfig{}, true);
      const auto expected = RunPlan(g, lbl, inputs);
      // (schedule label, one-arena plan, region plan, fast access share)
      struct Case {
        std::string schedule;
        Plan plans[2];
        double fast_share = 0;
      };
      std::vector<Case> cases;
      // A single-arena plan keeps its own placement as the one region SRAM; a plan with
      // regions is placed again in one (PlaceInRegions with a single region).
      auto one_arena = [&](const Plan& p) {
        Plan one = p;
        if (p.regions.empty()) {
          one.regions = {{"SRAM", p.arena_bytes, false}};
          one.region_bytes = {p.arena_bytes};
          return one;
        }
        const RegionPlacement rp = PlaceInRegions(g, one, {{"SRAM", int64_t{1} << 20, false}});
        if (!rp.fits) throw Error("one arena: " + rp.why);
        return one;
      };
      {
        int64_t hot = 0, total = 0;
        const int64_t f90 = std::max<int64_t>(1, SmallestFastRegion(g, lbl, 0.9, {}, &hot, &total));
        Case c;
        c.schedule = "layer by layer";
        c.plans[0] = one_arena(lbl);
        c.plans[1] = lbl;
        const RegionPlacement rp =
            PlaceInRegions(g, c.plans[1], {{"FAST", f90, true}, {"SLOW", lbl.arena_bytes, false}});
        if (!rp.fits) throw Error("fast + slow: " + rp.why);
        c.fast_share = static_cast<double>(rp.fast_access_bytes) / std::max<int64_t>(1, rp.access_bytes);
        cases.push_back(c);
      }
      if (m == "person_detect") {
        const std::vector<MemoryRegion> three = {
            {"DTCM", 12 * 1024, true}, {"SRAM1", 8 * 1024, false}, {"SRAM2", 8 * 1024, false}};
        RegionPlacement rp;
        const SearchResult sr = SearchPlansInRegions(g, SearchOptions{}, three, &rp);
        if (!sr.feasible) throw Error("--memory DTCM:12KiB:fast,SRAM1:8KiB,SRAM2:8KiB: " + sr.explanation);
        Case c;
        c.schedule = "--memory DTCM:12KiB:fast,...";
        c.plans[0] = one_arena(sr.plan);
        c.plans[1] = sr.plan;
        c.fast_share = static_cast<double>(rp.fast_access_bytes) / std::max<int64_t>(1, rp.access_bytes);
        cases.push_back(c);
      }
      for (size_t ci = 0; ci < cases.size(); ++ci) {
        std::vector<uint64_t> one_cycles(slow_waits.size(), 0);
        uint64_t one_words = 0;  // arena words accessed (WR cycles at the first W_slow / W_slow)
        for (int k = 0; k < 2; ++k) {
          const Plan& plan = cases[ci].plans[k];
          const CheckResult chk = CheckPlan(g, plan);
          if (!chk.ok) throw Error("the checker rejects the " + std::string(k ? "region" : "one-arena") + " plan");
          if (RunPlan(g, plan, inputs) != expected) throw Error("host outputs differ from layer by layer's");
          DeviceOptions o;
          o.opt = opt;
          const DeviceResult r =
              RunOnDevice(g, plan, inputs, work + "/" + m + "_" + std::to_string(ci) + "_" + std::to_string(k), o);
          if (!r.build.ok) throw Error("build failed:\n" + r.build.log);
          if (r.run.exit_code != 0) throw Error("run failed:\n" + r.run.output);
          if (r.outputs != expected) throw Error("device outputs differ from the host's");
          auto model = [&](const std::vector<std::string>& ranges) {
            const CycleModelRun c = RunCycleModel(r.elf, 1800, ranges);
            if (!c.ok) throw Error("cycle model: " + c.error);
            if (c.run.values.count("output0") && r.run.values.count("output0") &&
                c.run.values.at("output0") != r.run.values.at("output0"))
              throw Error("the cycle model's run printed other outputs");
            return c.inference;
          };
          const CycleCounts fast = model({});
          double fast_words = 0;
          std::printf("%-16.16s %-30.30s %-50.50s", ci == 0 && k == 0 ? m.c_str() : "",
                      k == 0 ? cases[ci].schedule.c_str() : "",
                      ((k == 0 ? "one arena: " : "regions: ") + RegionBytesText(plan)).c_str());
          if (k == 0) std::printf(" %7s", "0%");
          else std::printf(" %6.1f%%", 100.0 * cases[ci].fast_share);
          std::printf(" %9.3f %8.3f", fast.cycles / 1e6, fast.wait_units / 1e6);
          for (size_t wi = 0; wi < slow_waits.size(); ++wi) {
            const CycleCounts c = model(CycleWaitRanges(plan, slow_waits[wi]));
            if (k == 0) one_cycles[wi] = c.cycles;
            if (wi == 0 && k == 0) one_words = c.range_waits / std::max(1, slow_waits[0]);
            if (wi == 0 && k == 1) fast_words = one_words ? 1.0 - static_cast<double>(c.range_waits) /
                                                               std::max(1, slow_waits[0]) / one_words
                                                         : 0.0;
            std::printf(" | %9.3f %8.3f", c.cycles / 1e6, c.range_waits / 1e6);
            if (k == 0) std::printf(" %7s", "-");
            else std::printf(" %6.1f%%", 100.0 * (static_cast<double>(c.cycles) / one_cycles[wi] - 1.0));
          }
          if (k == 1 && slow_waits[0] > 0) std::printf(" | %6.1f%%", 100.0 * fast_words);
          std::printf("\n");
          std::fflush(stdout);
        }
      }
    } catch (const std::exception& e) {
      std::printf("%-16s error: %s\n", m.c_str(), e.what());
      ++failures;
    }
  }
  std::printf("\nall fast = every region at 0 wait states (the plan's cycles without the regions' wait states); "
              "WR cyc = the cycles the slow regions' wait states added; fast acc = the estimated access bytes "
              "(memory/regions.h) in the fast region; fast wd = the share of the arena's data words (accesses, per bus "
              "transfer) that the region plan serves from the fast region, measured: 1 - its WR cycles / the one "
              "arena's, at the first W_slow.\n");
  return failures;
}

// --regions, second table: hot weights copied into the fast region (memory/regions.h
// PinHotWeights, tessera codegen --fast-weights) at W flash wait states.
int FastWeightCycles(const std::vector<std::string>& models, int64_t room, int flash_w, const std::string& opt,
                     const std::string& shared, const std::string& work) {
  int failures = 0;
  std::printf("\n== Fast weights: the most read filters copied into the fast region (codegen --fast-weights) ==\n");
  std::printf("layer by layer over FAST (fast; its arena + %lld bytes of room) + SLOW (its arena); MODELLED cycles of "
              "one inference (millions), flash at W = %d wait states on each flash data read and fetch after a "
              "taken branch (the m4_model.h W parameter; the copies are made by model_init() before the inference)\n",
              static_cast<long long>(room), flash_w);
  std::printf("%-16s %-30s %9s %9s | %9s %9s %9s | %9s %9s %9s %7s\n", "model", "pinned filters (bytes)", "est reads",
              "RAM", "flash u", "cyc W=0", ("cyc W=" + std::to_string(flash_w)).c_str(), "flash u", "cyc W=0",
              ("cyc W=" + std::to_string(flash_w)).c_str(), "change");
  std::printf("%-16s %-30s %9s %9s | %29s | %37s\n", "", "", "", "", "without fast weights", "with fast weights");
  std::printf("%s\n", std::string(150, '-').c_str());
  for (const std::string& m : models) {
    try {
      const Graph g = ReadTflite(shared + "/models/" + m + ".tflite");
      const std::vector<std::vector<uint8_t>> inputs = ReadCaseInputs(g, shared, m);
      const Plan lbl = BuildStreamPlan(g, StreamConfig{}, true);
      const auto expected = RunPlan(g, lbl, inputs);
      Plan base = lbl;
      const RegionPlacement rp =
          PlaceInRegions(g, base, {{"FAST", lbl.arena_bytes + room, true}, {"SLOW", lbl.arena_bytes, false}});
      if (!rp.fits) throw Error("fast + slow: " + rp.why);
      Plan pinned = base;
      const PinnedWeightsResult pr = PinHotWeights(g, pinned, "FAST");
      CycleCounts c[2];
      int64_t ram[2] = {0, 0};
      for (int k = 0; k < 2; ++k) {
        const Plan& plan = k ? pinned : base;
        const CheckResult chk = CheckPlan(g, plan);
        if (!chk.ok) throw Error("the checker rejects the plan: " + chk.message);
        DeviceOptions o;
        o.opt = opt;
        o.cycles = true;
        const DeviceResult r = RunOnDevice(g, plan, inputs, work + "/" + m + "_fw" + std::to_string(k), o);
        if (!r.build.ok) throw Error("build failed:\n" + r.build.log);
        if (r.run.exit_code != 0) throw Error("run failed:\n" + r.run.output);
        if (r.outputs != expected) throw Error("device outputs differ from the host's");
        c[k] = r.cycle_model.inference;
        ram[k] = plan.arena_bytes;
      }
      int64_t pinned_bytes = 0;
      for (const PinnedWeight& w : pinned.pinned_weights) pinned_bytes += w.bytes;
      const std::string what = std::to_string(pinned.pinned_weights.size()) + " (" + std::to_string(pinned_bytes) + ")";
      std::printf("%-16.16s %-30s %8.1f%% %9lld | %9.3f %9.3f %9.3f | %9.3f %9.3f %9.3f %6.1f%%\n", m.c_str(),
                  what.c_str(), 100.0 * pr.read_bytes / std::max<int64_t>(1, pr.all_read_bytes),
                  static_cast<long long>(ram[1] - ram[0]), c[0].wait_units / 1e6, c[0].cycles / 1e6,
                  c[0].CyclesAt(flash_w) / 1e6, c[1].wait_units / 1e6, c[1].cycles / 1e6, c[1].CyclesAt(flash_w) / 1e6,
                  100.0 * (static_cast<double>(c[1].CyclesAt(flash_w)) / c[0].CyclesAt(flash_w) - 1.0));
      std::fflush(stdout);
    } catch (const std::exception& e) {
      std::printf("%-16s error: %s\n", m.c_str(), e.what());
      ++failures;
    }
  }
  std::printf("est reads = the pinned filters' share of the estimated filter reads (output pixels x filter bytes); "
              "RAM = the bytes the copies add to the arenas; change = cycles at W with / without - 1. Outputs equal "
              "the host's layer-by-layer bytes; plans checked.\n");
  return failures;
}

// A plan's per-step instruction counts, for the per-type tables.
struct Profile {
  std::string strategy;
  Plan plan;
  std::vector<uint64_t> steps;
  std::vector<CycleCounts> cycles;  // modelled, per step (--cycles), else empty
};


std::string StepType(const Graph& g, const Plan& plan, int s) {
  const Step& st = plan.steps[s];
  return st.kind == StepKind::kCopy ? "copy" : OpTypeName(g.ops[st.op].type);
}

std::string WindowText(const Window& w) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "[%d,%d)x[%d,%d)", static_cast<int>(w.y0), static_cast<int>(w.y1),
                static_cast<int>(w.x0), static_cast<int>(w.x1));
  return buf;
}

// Whether a step's output buffer shares a byte with one of its input buffers (in-place and
// overlapping placements: the kernels then keep the portable access order).
bool StepOverlaps(const Plan& plan, const Step& st) {
  for (int o : st.outputs)
    for (int i : st.inputs) {
      const Buffer& a = plan.buffers[o];
      const Buffer& b = plan.buffers[i];
      if (a.external == b.external && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes) return true;
    }
  return false;
}

// Modelled cycles per operator type for every plan profiled under the cycle model (--profile
// --cycles): the per-step clock intervals of the profiled build (each includes one clock read).
void PrintCycleTypes(const std::string& model, const Graph& g, const std::vector<Profile>& profiles, int w) {
  std::vector<std::string> types;
  for (const Profile& p : profiles)
    for (size_t s = 0; s < p.cycles.size(); ++s)
      if (std::find(types.begin(), types.end(), StepType(g, p.plan, static_cast<int>(s))) == types.end())
        types.push_back(StepType(g, p.plan, static_cast<int>(s)));
  if (types.empty()) return;
  std::printf("\n%s: MODELLED Cortex-M4 cycles (millions) per operator type, per step of the profiled build "
              "(firmware/cycles/m4_model.h; W=%d flash wait states)\n%-20s",
              model.c_str(), w, "type");
  for (const Profile& p : profiles) std::printf(" | %-33.33s", p.strategy.c_str());
  std::printf("\n%-20s", "");
  for (size_t k = 0; k < profiles.size(); ++k) std::printf(" | %9s %9s %5s %7s", "instr M", "cyc W=0", "CPI", "cyc W");
  std::printf("\n");
  auto row = [&](const CycleCounts& c) {
    std::printf(" | %9.3f %9.3f %5.2f %7.3f", c.instructions / 1e6, c.cycles / 1e6,
                c.instructions ? static_cast<double>(c.cycles) / c.instructions : 0.0, c.CyclesAt(w) / 1e6);
  };
  std::vector<CycleCounts> total(profiles.size());
  for (const std::string& t : types) {
    std::printf("%-20s", t.c_str());
    for (size_t k = 0; k < profiles.size(); ++k) {
      CycleCounts c;
      for (size_t s = 0; s < profiles[k].cycles.size(); ++s) {
        if (StepType(g, profiles[k].plan, static_cast<int>(s)) != t) continue;
        c.instructions += profiles[k].cycles[s].instructions;
        c.cycles += profiles[k].cycles[s].cycles;
        c.wait_units += profiles[k].cycles[s].wait_units;
      }
      total[k].instructions += c.instructions;
      total[k].cycles += c.cycles;
      total[k].wait_units += c.wait_units;
      row(c);
    }
    std::printf("\n");
  }
  std::printf("%-20s", "total");
  for (const CycleCounts& c : total) row(c);
  std::printf("\n");
}

// Per operator, every plan against the first (layer by layer): what the plan's MACs would
// cost at the first plan's cost per MAC of that operator ("at base rate"), and the rest
// ("excess": per-call costs, slower paths such as overlapping buffers), in the unit `cost`
// gives per step (instructions, or modelled cycles).
void PrintExcess(const std::string& model, const Graph& g, const std::vector<Profile>& profiles, const char* unit,
                 const std::function<double(const Profile&, size_t)>& cost) {
  const Profile& base = profiles[0];
  std::vector<double> base_instr(g.ops.size(), 0);
  std::vector<int64_t> base_macs(g.ops.size(), 0);
  for (size_t s = 0; s < base.plan.steps.size(); ++s) {
    const Step& st = base.plan.steps[s];
    if (st.kind != StepKind::kOp) continue;
    base_instr[st.op] += cost(base, s);
    base_macs[st.op] += WindowMacs(g, st.op, st.window);
  }
  for (size_t k = 1; k < profiles.size(); ++k) {
    const Profile& p = profiles[k];
    std::vector<double> instr_op(g.ops.size(), 0);
    std::vector<int64_t> macs_op(g.ops.size(), 0);
    std::vector<int> calls(g.ops.size(), 0), overlapping(g.ops.size(), 0);
    double copies = 0;
    int64_t copy_bytes = 0;
    for (size_t s = 0; s < p.plan.steps.size(); ++s) {
      const Step& st = p.plan.steps[s];
      if (st.kind != StepKind::kOp) {
        copies += cost(p, s);
        const Buffer& src = p.plan.buffers[st.inputs[0]];
        const Buffer& dst = p.plan.buffers[st.outputs[0]];
        const Shape4 sh = AsNHWC(g.tensors[src.tensor].shape);
        if (!(src.external == dst.external && src.offset == dst.offset && src.window == dst.window))
          copy_bytes += static_cast<int64_t>(st.window.h()) * st.window.w() * sh.c * sh.n *
                        DTypeSize(g.tensors[src.tensor].type);
        continue;
      }
      instr_op[st.op] += cost(p, s);
      macs_op[st.op] += WindowMacs(g, st.op, st.window);
      calls[st.op] += 1;
      overlapping[st.op] += StepOverlaps(p.plan, st);
    }
    std::printf("\n%s, %s against %s, per operator (%s and MACs in thousands)\n", model.c_str(),
                p.strategy.c_str(), base.strategy.c_str(), unit);
    std::printf("%4s %-18s %5s %4s | %9s %8s %7s | %9s %8s %7s | %9s %9s\n", "op", "type", "calls", "ovl", "base",
                "MACs", "per MAC", "plan", "MACs", "per MAC", "at base", "excess");
    double sum_at_base = 0, sum_excess = 0, sum_base = 0, sum_plan = 0;
    for (size_t op = 0; op < g.ops.size(); ++op) {
      if (!calls[op] && !base_instr[op]) continue;
      const double rate = base_macs[op] ? base_instr[op] / base_macs[op] : 0.0;
      // Operators without MACs: the base count scaled by the number of calls does not apply;
      // take the base count as is.
      const double at_base = base_macs[op] ? rate * macs_op[op] : base_instr[op];
      const double excess = instr_op[op] - at_base;
      sum_at_base += at_base;
      sum_excess += excess;
      sum_base += base_instr[op];
      sum_plan += instr_op[op];
      std::printf("%4zu %-18.18s %5d %4d | %9.1f %8.1f %7.2f | %9.1f %8.1f %7.2f | %9.1f %9.1f\n", op,
                  OpTypeName(g.ops[op].type), calls[op], overlapping[op], base_instr[op] / 1e3, base_macs[op] / 1e3,
                  rate, instr_op[op] / 1e3, macs_op[op] / 1e3,
                  macs_op[op] ? instr_op[op] / macs_op[op] : 0.0, at_base / 1e3, excess / 1e3);
    }
    std::printf("%-34s | %9.1f %8s %7s | %9.1f %8s %7s | %9.1f %9.1f\n", "operators", sum_base / 1e3, "", "",
                sum_plan / 1e3, "", "", sum_at_base / 1e3, sum_excess / 1e3);
    std::printf("%-34s | %9s %8s %7s | %9.1f  (%lld bytes moved, %.2f %s per byte)\n", "copy steps", "",
                "", "", copies / 1e3, static_cast<long long>(copy_bytes),
                copy_bytes ? copies / copy_bytes : 0.0, unit);
    // (b), what patch execution adds beyond its extra MACs' own cost: the excess in operator
    // steps plus the copies, against the base.
    std::printf("plan - base = %.3fM %s (%+.1f%%): (a) %.3fM (%+.1f%%) from the extra MACs at the base's "
                "per-operator rate, (b) %.3fM (%+.1f%%) beyond them: %.3fM excess in operator steps, %.3fM in copies\n",
                (sum_plan + copies - sum_base) / 1e6, unit, 100.0 * (sum_plan + copies - sum_base) / sum_base,
                (sum_at_base - sum_base) / 1e6, 100.0 * (sum_at_base - sum_base) / sum_base,
                (sum_excess + copies) / 1e6, 100.0 * (sum_excess + copies) / sum_base, sum_excess / 1e6,
                copies / 1e6);
  }
}

void PrintProfiles(const std::string& model, const Graph& g, const std::vector<Profile>& profiles, int top) {
  if (profiles.empty()) return;
  // Types in order of first appearance over all plans.
  std::vector<std::string> types;
  std::vector<std::map<std::string, uint64_t>> instr(profiles.size());
  std::vector<std::map<std::string, int64_t>> macs(profiles.size());
  std::vector<std::map<std::string, int>> steps(profiles.size());
  std::vector<uint64_t> total(profiles.size(), 0);
  for (size_t k = 0; k < profiles.size(); ++k) {
    const Profile& p = profiles[k];
    for (size_t s = 0; s < p.plan.steps.size(); ++s) {
      const std::string t = StepType(g, p.plan, static_cast<int>(s));
      if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
      instr[k][t] += p.steps[s];
      steps[k][t] += 1;
      total[k] += p.steps[s];
      const Step& st = p.plan.steps[s];
      if (st.kind == StepKind::kOp) macs[k][t] += WindowMacs(g, st.op, st.window);
    }
  }
  std::printf("\n%s: DSP instructions (millions) per operator type, from per-step counts (tessera codegen --profile)\n",
              model.c_str());
  std::printf("%-20s", "type");
  for (const Profile& p : profiles) std::printf(" | %-33.33s", p.strategy.c_str());
  std::printf("\n%-20s", "");
  for (size_t k = 0; k < profiles.size(); ++k) std::printf(" | %5s %9s %8s %8s", "steps", "instr M", "MACs M", "instr/MAC");
  std::printf("\n%s\n", std::string(20 + 36 * profiles.size(), '-').c_str());
  auto row = [&](int nsteps, uint64_t ins, int64_t mac) {
    std::printf(" | %5d %9.3f %8.3f", nsteps, ins / 1e6, mac / 1e6);
    if (mac > 0) std::printf(" %8.2f", static_cast<double>(ins) / mac);
    else std::printf(" %8s", "-");
  };
  for (const std::string& t : types) {
    std::printf("%-20s", t.c_str());
    for (size_t k = 0; k < profiles.size(); ++k)
      row(steps[k].count(t) ? steps[k][t] : 0, instr[k].count(t) ? instr[k][t] : 0,
          macs[k].count(t) ? macs[k][t] : 0);
    std::printf("\n");
  }
  std::printf("%-20s", "total");
  for (size_t k = 0; k < profiles.size(); ++k) {
    int64_t m = 0;
    int n = 0;
    for (auto& [t, v] : macs[k]) m += v;
    for (auto& [t, v] : steps[k]) n += v;
    row(n, total[k], m);
  }
  std::printf("\n");
  PrintExcess(model, g, profiles, "instructions", [](const Profile& p, size_t s) { return static_cast<double>(p.steps[s]); });
  for (size_t k = 0; k < profiles.size(); ++k) {
    const Profile& p = profiles[k];
    std::vector<int> order(p.steps.size());
    for (size_t s = 0; s < order.size(); ++s) order[s] = static_cast<int>(s);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return p.steps[a] > p.steps[b]; });
    std::printf("\n%s, %s: top %d of %zu steps\n", model.c_str(), p.strategy.c_str(),
                std::min<int>(top, static_cast<int>(order.size())), order.size());
    std::printf("%5s  %-22s %-8s %-18s %3s %10s %6s %10s %9s\n", "step", "type", "operator", "window", "ovl",
                "instr", "share", "MACs", "instr/MAC");
    for (int i = 0; i < top && i < static_cast<int>(order.size()); ++i) {
      const int s = order[i];
      const Step& st = p.plan.steps[s];
      const int64_t mac = st.kind == StepKind::kOp ? WindowMacs(g, st.op, st.window) : 0;
      std::printf("%5d  %-22s %-8s %-18s %3s %10llu %5.1f%% %10lld", s, StepType(g, p.plan, s).c_str(),
                  st.kind == StepKind::kOp ? std::to_string(st.op).c_str() : "-", WindowText(st.window).c_str(),
                  StepOverlaps(p.plan, st) ? "yes" : "",
                  static_cast<unsigned long long>(p.steps[s]), total[k] ? 100.0 * p.steps[s] / total[k] : 0.0,
                  static_cast<long long>(mac));
      if (mac > 0) std::printf(" %9.2f\n", static_cast<double>(p.steps[s]) / mac);
      else std::printf(" %9s\n", "-");
    }
  }
  std::printf("\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Board board = Board::kAn386;
  std::vector<std::string> strategies = {"greedy", "patch", "cache"};
  std::vector<std::string> models = {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                                     "mcunet_vww1_80"};
  std::string opt = "-O2";
  bool dsp_only = false, profile = false, cycles = false, regions = false;
  std::vector<int> slow_waits = {1, 2};
  int64_t fast_room = 32 * 1024;  // --regions: the fast region's room for weights
  bool models_given = false;
  int top = 10, wait_states = 5, invokes = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_device: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--board") {
      std::string b = next();
      if (b == "an386") board = Board::kAn386;
      else if (b == "an500") board = Board::kAn500;
      else {
        std::fprintf(stderr, "bench_device: --board an386|an500\n");
        return 2;
      }
    } else if (a == "--strategies") {
      strategies = bench::SplitStrategies(next());
    } else if (a == "--models") {
      models = bench::SplitList(next());
      models_given = true;
    } else if (a == "--regions") {
      regions = true;
    } else if (a == "--fast-room") {
      const std::string v = next();
      fast_room = std::atoll(v.c_str());
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || fast_room < 16 ||
          fast_room > (1 << 19)) {
        std::fprintf(stderr, "bench_device: --fast-room wants bytes from 16 to 524288, got '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--slow-wait") {
      slow_waits.clear();
      for (const std::string& w : bench::SplitList(next())) slow_waits.push_back(bench::ParseWaitStates("bench_device", w));
      if (slow_waits.empty()) {
        std::fprintf(stderr, "bench_device: --slow-wait wants a list of wait states\n");
        return 2;
      }
    } else if (a == "--opt") {
      opt = next();
    } else if (a == "--dsp-only") {
      dsp_only = true;
    } else if (a == "--profile") {
      profile = true;
    } else if (a == "--cycles") {
      cycles = true;
    } else if (a == "--wait-states") {
      wait_states = bench::ParseWaitStates("bench_device", next());
    } else if (a == "--invokes") {
      invokes = std::atoi(next().c_str());
      if (invokes < 1) {
        std::fprintf(stderr, "bench_device: --invokes wants a count of at least 1\n");
        return 2;
      }
    } else if (a == "--top") {
      const std::string v = next();
      top = std::atoi(v.c_str());
      if (top < 1 || top > 10000) {
        std::fprintf(stderr, "bench_device: --top wants a count from 1 to 10000, got '%s'\n", v.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "usage: bench_device [--board an386|an500] [--strategies greedy,patch,cache,stream:SPEC,STRATEGY] "
                   "[--models a,b] [--opt FLAG] [--dsp-only] [--profile] [--top N] [--cycles] [--wait-states W] "
                   "[--invokes N]\n       bench_device --regions [--slow-wait W,...] [--fast-room BYTES] [--wait-states W] [--models a,b] "
                   "[--opt FLAG]\n");
      return 2;
    }
  }
  // The overhead columns compare with layer by layer: measure it first.
  if (std::find(strategies.begin(), strategies.end(), "greedy") == strategies.end() && !strategies.empty())
    strategies.insert(strategies.begin(), "greedy");
  else if (!strategies.empty() && strategies.front() != "greedy") {
    strategies.erase(std::find(strategies.begin(), strategies.end(), "greedy"));
    strategies.insert(strategies.begin(), "greedy");
  }
  const std::string shared = TESSERA_SHARED_DIR;
  if (!bench::DeviceBenchReady("bench_device", shared)) return 0;
  const std::string work = (std::filesystem::temp_directory_path() /
                            ("tessera_bench_device_" + std::to_string(::getpid())))
                               .string();

  if (regions) {
    if (board != Board::kAn386) {
      std::fprintf(stderr, "bench_device: --regions uses the Cortex-M4 cycle model: --board an386 only\n");
      return 2;
    }
    if (!models_given) models = {"person_detect", "kws_dscnn_int8", "vww_96_int8"};
    int failures = RegionCycles(models, slow_waits, opt, shared, work);
    failures += FastWeightCycles(models, fast_room, wait_states, opt, shared, work);
    std::filesystem::remove_all(work);
    return failures ? 1 : 0;
  }
  std::printf("Emulated %s (QEMU mps2-%s, -icount shift=0), arm-none-eabi-gcc %s\n", BoardCpu(board),
              BoardName(board), opt.c_str());
  std::printf("portable: kernels built with -DTS_NO_DSP; DSP: the DSP paths (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED int8 and 16x8, AVERAGE_POOL_2D, SVDF, LSTM)\n");
  std::printf("instructions: one inference (model_invoke), SysTick count x 40 (25 MHz, 1 ns/instruction)\n");
  std::printf("flash = .text + .rodata + .data image; RAM = .data + .bss + arena + stack (8192 reserved)\n");
  std::printf("SRAM = .data + .bss + arena + stack used (painted; kernel workspaces are in the arena): what the "
              "inference needs\n");
  std::printf("MAC ovh = plan MACs / layer-by-layer MACs - 1; instr ovh = DSP instructions / layer-by-layer DSP - 1\n");
  std::printf("TFLM figures: the same emulated Cortex-M4, CMSIS-NN / reference kernels\n");
  if (cycles && board != Board::kAn386) {
    std::fprintf(stderr, "bench_device: --cycles models a Cortex-M4: --board an386 only\n");
    return 2;
  }
  const std::string wcol = "cyc W=" + std::to_string(wait_states);
  if (cycles)
    std::printf("cyc W=0 / %s: MODELLED Cortex-M4 cycles of the DSP inference (millions; firmware/cycles/m4_model.h, "
                "TRM rules, W flash wait states on flash data reads and on fetches after taken branches), CPI = "
                "cycles W=0 / instructions\n"
                "MLPerf M4: best published MLPerf Tiny v1.1-v1.3 result on a real Cortex-M4 (STM32L4R5, 120 MHz, "
                "flash wait states included), millions of cycles; /pub = modelled W=0 / published (goal <= 0.80)\n",
                wcol.c_str());
  std::printf("\n%-22s %-8s %9s %9s %6s %8s %8s %9s %9s %7s %7s %7s %6s | %9s %9s %7s", "model", "plan", "portable",
              "DSP", "gain", "MAC ovh", "instr ovh", "flash", "RAM", "arena", "stack", "SRAM", "exact", "TFLM-ref",
              "TFLM-CM", "DSP/CM");
  if (cycles) std::printf(" | %9s %9s %5s | %9s %-14s %5s", "cyc W=0", wcol.c_str(), "CPI", "MLPerf M4", "engine", "/pub");
  std::printf("\n%s\n", std::string(cycles ? 227 : 166, '-').c_str());
  int failures = 0;
  for (const auto& m : models) {
    Graph g;
    std::vector<std::vector<uint8_t>> inputs;
    try {
      g = ReadTflite(shared + "/models/" + m + ".tflite");
      inputs = ReadCaseInputs(g, shared, m);
    } catch (const std::exception& e) {
      std::printf("%-22s error: %s\n", m.c_str(), e.what());
      ++failures;
      continue;
    }
    const int64_t graph_macs = GraphMacs(g);
    uint64_t layers_dsp = 0;  // layer-by-layer DSP instructions, 0 when unmeasured
    std::vector<Profile> profiles;
    for (const auto& s : strategies) {
      try {
        const Plan plan = bench::MakeBenchPlan(g, s);
        const auto expected = RunPlan(g, plan, inputs, invokes);
        std::string tag = s;
        for (char& ch : tag)
          if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
        DeviceOptions o;
        o.board = board;
        o.opt = opt;
        o.invokes = invokes;
        DeviceOptions portable_o = o;
        o.cycles = cycles;
        portable_o.defines.push_back("TS_NO_DSP");
        DeviceResult rp;
        if (!dsp_only) rp = RunOnDevice(g, plan, inputs, work + "/" + m + "_" + tag + "_portable", portable_o);
        const DeviceResult r = RunOnDevice(g, plan, inputs, work + "/" + m + "_" + tag, o);
        DeviceResult rprof;
        if (profile) {
          DeviceOptions po = o;
          po.profile = true;
          rprof = RunOnDevice(g, plan, inputs, work + "/" + m + "_" + tag + "_profile", po);
        }
        bool failed = false;
        std::vector<const DeviceResult*> runs = {&r};
        if (!dsp_only) runs.push_back(&rp);
        if (profile) runs.push_back(&rprof);
        for (const DeviceResult* x : runs) {
          if (!x->build.ok) {
            std::printf("%-22s %-8s build failed:\n%s\n", m.c_str(), s.c_str(), x->build.log.c_str());
            failed = true;
          } else if (x->run.exit_code != 0) {
            std::printf("%-22s %-8s run failed (exit %d):\n%s\n", m.c_str(), s.c_str(), x->run.exit_code,
                        x->run.output.c_str());
            failed = true;
          }
        }
        if (failed) {
          ++failures;
          continue;
        }
        bool exact = true;
        for (const DeviceResult* x : runs) exact = exact && x->outputs == expected;
        if (!exact) ++failures;
        if (s == "greedy") layers_dsp = r.instructions;
        std::printf("%-22s %-8s", m.c_str(), s.c_str());
        if (dsp_only) std::printf(" %9s %9.2f %6s", "-", r.instructions / 1e6, "-");
        else
          std::printf(" %9.2f %9.2f %5.2fx", rp.instructions / 1e6, r.instructions / 1e6,
                      r.instructions ? static_cast<double>(rp.instructions) / r.instructions : 0.0);
        if (s == "greedy") std::printf(" %8s %9s", "-", "-");
        else {
          std::printf(" %7.1f%%", graph_macs ? 100.0 * (static_cast<double>(PlanMacs(g, plan)) / graph_macs - 1.0) : 0.0);
          if (layers_dsp) std::printf(" %8.1f%%", 100.0 * (static_cast<double>(r.instructions) / layers_dsp - 1.0));
          else std::printf(" %9s", "-");
        }
        std::printf(" %9lld %9lld %7lld %7lld %7lld %6s |", static_cast<long long>(r.sizes.flash()),
                    static_cast<long long>(r.sizes.ram()), static_cast<long long>(plan.arena_bytes),
                    static_cast<long long>(r.stack_used),
                    static_cast<long long>(r.sizes.data + r.sizes.bss + plan.arena_bytes + r.stack_used),
                    exact ? "yes" : "NO");
        auto it = TflmFigures().find(m);
        if (it != TflmFigures().end())
          std::printf(" %9.2f %9.2f %6.2fx", it->second.reference_m, it->second.cmsis_m,
                      r.instructions / 1e6 / it->second.cmsis_m);
        else
          std::printf(" %9s %9s %7s", "-", "-", "-");
        if (cycles) {
          const CycleCounts& c = r.cycle_model.inference;
          std::printf(" | %9.3f %9.3f %5.2f", c.cycles / 1e6, c.CyclesAt(wait_states) / 1e6,
                      c.instructions ? static_cast<double>(c.cycles) / c.instructions : 0.0);
          auto pub = PublishedM4Figures().find(m);
          if (pub != PublishedM4Figures().end())
            std::printf(" | %9.3f %-14s %5.2f", pub->second.cycles_m, pub->second.engine,
                        c.cycles / 1e6 / pub->second.cycles_m);
          else
            std::printf(" | %9s %-14s %5s", "-", "-", "-");
        }
        std::printf("\n");
        if (s != "greedy")
          std::printf("%-22s %-8s plan '%s', %zu steps, %.3fM MACs (layer by layer %.3fM)\n", "", "",
                      plan.strategy.c_str(), plan.steps.size(), PlanMacs(g, plan) / 1e6, graph_macs / 1e6);
        if (profile) {
          uint64_t sum = 0;
          for (uint64_t v : rprof.step_instructions) sum += v;
          std::printf("%-22s %-8s profiled build: %.3fM instructions, per-step sum %.3fM (clock reads included)\n", "",
                      "", rprof.instructions / 1e6, sum / 1e6);
          profiles.push_back(
              {s + " (" + std::to_string(plan.steps.size()) + " steps)", plan, rprof.step_instructions, rprof.step_cycles});
        }
        std::fflush(stdout);
      } catch (const std::exception& e) {
        std::printf("%-22s %-8s error: %s\n", m.c_str(), s.c_str(), e.what());
        ++failures;
      }
    }
    if (profile) PrintProfiles(m, g, profiles, top);
    if (profile && cycles) {
      PrintCycleTypes(m, g, profiles, wait_states);
      bool all = true;
      for (const Profile& p : profiles) all = all && p.cycles.size() >= p.plan.steps.size();
      if (all && profiles.size() > 1)
        PrintExcess(m, g, profiles, "modelled cycles W=0",
                    [](const Profile& p, size_t s) { return static_cast<double>(p.cycles[s].cycles); });
    }
  }
  std::filesystem::remove_all(work);
  return failures ? 1 : 0;
}
