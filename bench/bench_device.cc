// Emulated-device benchmark: for each model and plan, generated C built into firmware for
// QEMU's mps2-an386 (Cortex-M4F; or --board an500), one inference on TFLM's reference
// input case 0. Prints instructions per inference (SysTick under -icount shift=0), flash
// (text + rodata + data image) and RAM (data + bss + arena + stack) from the ELF, the stack
// actually used (painted stack), whether the output equals the host executor's, and TFLM's
// figures for the same emulated Cortex-M4 beside ours.
//
//   bench_device [--board an386|an500] [--strategies greedy,best] [--models a,b,...] [--opt -O2]
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

}  // namespace

int main(int argc, char** argv) {
  Board board = Board::kAn386;
  std::vector<std::string> strategies = {"greedy", "best"};
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
      std::fprintf(stderr, "usage: bench_device [--board an386|an500] [--strategies a,b] [--models a,b] [--opt FLAG]\n");
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

  std::printf("Emulated %s (QEMU mps2-%s, -icount shift=0), arm-none-eabi-gcc %s, portable C kernels\n",
              BoardCpu(board), BoardName(board), opt.c_str());
  std::printf("instructions: one inference (model_invoke), SysTick count x 40 (25 MHz, 1 ns/instruction)\n");
  std::printf("flash = .text + .rodata + .data image; RAM = .data + .bss + arena + stack (8192 reserved)\n");
  std::printf("TFLM figures: the same emulated Cortex-M4, CMSIS-NN / reference kernels\n\n");
  std::printf("%-22s %-14s %9s %9s %9s %7s %7s %6s | %9s %9s %7s\n", "model", "plan", "Minstr", "flash", "RAM",
              "arena", "stack", "exact", "TFLM-ref", "TFLM-CM", "vs ref");
  std::printf("%s\n", std::string(128, '-').c_str());
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
        const Plan plan = s == "greedy" ? PlanLayerByLayer(g) : MakePlan(g, PlanOptions::FromStrategy(s));
        const auto expected = RunPlan(g, plan, inputs);
        DeviceOptions o;
        o.board = board;
        o.opt = opt;
        const DeviceResult r = RunOnDevice(g, plan, inputs, work + "/" + m + "_" + s, o);
        if (!r.build.ok) {
          std::printf("%-22s %-14s build failed:\n%s\n", m.c_str(), s.c_str(), r.build.log.c_str());
          ++failures;
          continue;
        }
        if (r.run.exit_code != 0) {
          std::printf("%-22s %-14s run failed (exit %d):\n%s\n", m.c_str(), s.c_str(), r.run.exit_code,
                      r.run.output.c_str());
          ++failures;
          continue;
        }
        const bool exact = r.outputs == expected;
        if (!exact) ++failures;
        std::printf("%-22s %-14s %9.2f %9lld %9lld %7lld %7lld %6s |", m.c_str(), plan.strategy.c_str(),
                    r.instructions / 1e6, static_cast<long long>(r.sizes.flash()),
                    static_cast<long long>(r.sizes.ram()), static_cast<long long>(plan.arena_bytes),
                    static_cast<long long>(r.stack_used), exact ? "yes" : "NO");
        auto it = TflmFigures().find(m);
        if (it != TflmFigures().end())
          std::printf(" %9.2f %9.2f %6.2fx\n", it->second.reference_m, it->second.cmsis_m,
                      r.instructions / 1e6 / it->second.reference_m);
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
