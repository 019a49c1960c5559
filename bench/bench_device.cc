// Emulated-device benchmark: for each model and plan, generated C built into firmware for
// QEMU's mps2-an386 (Cortex-M4F; or --board an500), one inference on TFLM's reference
// input case 0. Prints instructions per inference (SysTick under -icount shift=0), flash
// (text + rodata + data image) and RAM (data + bss + arena + stack) from the ELF, the stack
// actually used (painted stack), whether the output equals the host executor's, and TFLM's
// figures for the same emulated Cortex-M4 beside ours. Each plan runs twice: the kernels'
// portable loops (firmware built with -DTS_NO_DSP) and their Cortex-M DSP paths (SMLAD,
// selected by __ARM_FEATURE_DSP, which -mcpu=cortex-m4/-m7 define).
//
//   bench_device [--board an386|an500] [--strategies greedy,patch,best] [--models a,b,...] [--opt -O2]
//
// Strategies: greedy (layer by layer), patch (2x2 patches, split chosen as in
// tests/test_firmware_dsp.cc, PADs folded, in-place placement), or any MakePlan strategy.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "codegen/device.h"
#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
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

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> r;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, ','))
    if (!x.empty()) r.push_back(x);
  return r;
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

// The patch plan of the emulated-device DSP tests (tests/test_firmware_dsp.cc).
Plan PatchPlan(const Graph& g) {
  PatchPlanOptions o;
  ParsePatchStrategy("best", &o);
  o.patch.rows = o.patch.cols = 2;
  // Among splits with a cut of at least 4x4 whose patches recompute at most 25% more MACs
  // (EstimatePatchCost), the one with the fewest assembled bytes.
  int64_t best_cut = -1;
  for (const SplitPoint& sp : ValidSplits(g)) {
    if (sp.min_cut_h < 4 || sp.min_cut_w < 4) continue;
    PatchConfig cfg = o.patch;
    cfg.split_op = sp.last_op;
    if (EstimatePatchCost(g, cfg).overall_overhead() > 0.25) continue;
    if (best_cut < 0 || sp.cut_bytes < best_cut) {
      best_cut = sp.cut_bytes;
      o.patch.split_op = sp.last_op;
    }
  }
  if (o.patch.split_op < 0) throw Error("no split point with a 4x4 cut and at most 25% extra MACs");
  return PlanPatches(g, o);
}

}  // namespace

int main(int argc, char** argv) {
  Board board = Board::kAn386;
  std::vector<std::string> strategies = {"greedy", "patch"};
  std::vector<std::string> models = {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                                     "mcunet_vww1_80"};
  std::string opt = "-O2";
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
      strategies = Split(next());
    } else if (a == "--models") {
      models = Split(next());
    } else if (a == "--opt") {
      opt = next();
    } else {
      std::fprintf(stderr, "usage: bench_device [--board an386|an500] [--strategies greedy,patch,STRATEGY] [--models a,b] [--opt FLAG]\n");
      return 2;
    }
  }
  if (!HaveFirmwareTools()) {
    std::printf("bench_device: arm-none-eabi-gcc / qemu-system-arm not found; nothing to measure\n");
    return 0;
  }
  const std::string shared = TESSERA_SHARED_DIR;
  if (!std::filesystem::is_directory(shared + "/models")) {
    std::printf("bench_device: %s/models is absent; nothing to measure\n", shared.c_str());
    return 0;
  }
  const std::string work = (std::filesystem::temp_directory_path() /
                            ("tessera_bench_device_" + std::to_string(::getpid())))
                               .string();

  std::printf("Emulated %s (QEMU mps2-%s, -icount shift=0), arm-none-eabi-gcc %s\n", BoardCpu(board),
              BoardName(board), opt.c_str());
  std::printf("portable: kernels built with -DTS_NO_DSP; DSP: CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED DSP paths\n");
  std::printf("instructions: one inference (model_invoke), SysTick count x 40 (25 MHz, 1 ns/instruction)\n");
  std::printf("flash = .text + .rodata + .data image; RAM = .data + .bss + arena + stack (8192 reserved)\n");
  std::printf("TFLM figures: the same emulated Cortex-M4, CMSIS-NN / reference kernels\n\n");
  std::printf("%-22s %-14s %9s %9s %6s %9s %9s %7s %7s %6s | %9s %9s %7s\n", "model", "plan", "portable", "DSP",
              "gain", "flash", "RAM", "arena", "stack", "exact", "TFLM-ref", "TFLM-CM", "DSP/CM");
  std::printf("%s\n", std::string(140, '-').c_str());
  int failures = 0;
  for (const auto& m : models) {
    Graph g;
    std::vector<std::vector<uint8_t>> inputs;
    try {
      g = ReadTflite(shared + "/models/" + m + ".tflite");
      inputs.push_back(ReadBytes(shared + "/reference/" + m + "/case0.input.bin"));
    } catch (const std::exception& e) {
      std::printf("%-22s error: %s\n", m.c_str(), e.what());
      ++failures;
      continue;
    }
    for (const auto& s : strategies) {
      try {
        const Plan plan = s == "greedy"  ? PlanLayerByLayer(g)
                          : s == "patch" ? PatchPlan(g)
                                         : MakePlan(g, PlanOptions::FromStrategy(s));
        const auto expected = RunPlan(g, plan, inputs);
        DeviceOptions o;
        o.board = board;
        o.opt = opt;
        DeviceOptions portable_o = o;
        portable_o.defines.push_back("TS_NO_DSP");
        const DeviceResult rp = RunOnDevice(g, plan, inputs, work + "/" + m + "_" + s + "_portable", portable_o);
        const DeviceResult r = RunOnDevice(g, plan, inputs, work + "/" + m + "_" + s, o);
        bool failed = false;
        for (const DeviceResult* x : {&rp, &r}) {
          if (!x->build.ok) {
            std::printf("%-22s %-14s build failed:\n%s\n", m.c_str(), s.c_str(), x->build.log.c_str());
            failed = true;
          } else if (x->run.exit_code != 0) {
            std::printf("%-22s %-14s run failed (exit %d):\n%s\n", m.c_str(), s.c_str(), x->run.exit_code,
                        x->run.output.c_str());
            failed = true;
          }
        }
        if (failed) {
          ++failures;
          continue;
        }
        const bool exact = r.outputs == expected && rp.outputs == expected;
        if (!exact) ++failures;
        std::printf("%-22s %-14s %9.2f %9.2f %5.2fx %9lld %9lld %7lld %7lld %6s |", m.c_str(), plan.strategy.c_str(),
                    rp.instructions / 1e6, r.instructions / 1e6,
                    r.instructions ? static_cast<double>(rp.instructions) / r.instructions : 0.0,
                    static_cast<long long>(r.sizes.flash()), static_cast<long long>(r.sizes.ram()),
                    static_cast<long long>(plan.arena_bytes), static_cast<long long>(r.stack_used),
                    exact ? "yes" : "NO");
        auto it = TflmFigures().find(m);
        if (it != TflmFigures().end())
          std::printf(" %9.2f %9.2f %6.2fx\n", it->second.reference_m, it->second.cmsis_m,
                      r.instructions / 1e6 / it->second.cmsis_m);
        else
          std::printf(" %9s %9s %7s\n", "-", "-", "-");
        std::fflush(stdout);
      } catch (const std::exception& e) {
        std::printf("%-22s %-14s error: %s\n", m.c_str(), s.c_str(), e.what());
        ++failures;
      }
    }
  }
  std::filesystem::remove_all(work);
  return failures ? 1 : 0;
}
