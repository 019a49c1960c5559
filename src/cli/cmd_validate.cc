// tessera validate MODEL.tflite [--plan P | --strategy S | --sram B [--stream-input]]
//                  [--board an386|an500] [--input F]... [--reference F]... [--output F]... [--dequantize]
//                  [--seed N] [--timeout S] [--work-dir D]
// Generates the C for the plan, builds it with the firmware harness, runs it once under QEMU
// and compares each output's bytes with the host executor's (layer by layer: TFLM's
// reference arithmetic) and with the --reference files. Prints per output: equal or where it
// differs; then instructions, modelled cycles, arena, stack and flash. Exit 0 only when every
// output is equal (and the checker accepts the plan); 1 otherwise; 2 bad input or missing tools.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

#include "checker/checker.h"
#include "cli/command.h"
#include "cli/options.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "io/npy.h"
#include "io/tensor_files.h"
#include "memory/greedy.h"
#include "tflite/reader.h"

namespace tessera::cli {
namespace {

struct ValidateArgs {
  std::string model, board = "an386", work_dir;
  PlanChoice plan_choice;
  std::vector<std::string> inputs, references, outputs;
  uint32_t seed = 1234;
  int timeout = 300;
  int invokes = 1;
  bool dequantize = false;
};

// "equal (N bytes)" or where `got` first differs from `want` and how many bytes differ.
bool Compare(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, std::string* text) {
  if (got.size() != want.size()) {
    *text = std::to_string(got.size()) + " bytes instead of " + std::to_string(want.size());
    return false;
  }
  size_t differ = 0, first = got.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) {
      ++differ;
      first = std::min(first, i);
    }
  if (differ == 0) {
    *text = "equal (" + std::to_string(got.size()) + " bytes)";
    return true;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "DIFFERENT: %zu of %zu bytes differ, first at byte %zu (device 0x%02x, expected 0x%02x)",
                differ, got.size(), first, got[first], want[first]);
  *text = buf;
  return false;
}

int RunValidate(const ValidateArgs& a) {
  namespace fs = std::filesystem;
  if (a.board != "an386" && a.board != "an500") throw Error("--board must be an386 or an500 (got '" + a.board + "')");
  const Board board = a.board == "an386" ? Board::kAn386 : Board::kAn500;
  const Graph g = ReadTflite(a.model);
  const std::optional<Plan> chosen = a.plan_choice.Make(g);
  if (!chosen) return 1;
  const Plan& plan = *chosen;

  const std::vector<std::string> missing = MissingFirmwareTools();
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += "\n  " + m;
    throw Error("validate builds and runs the generated C on an emulated Cortex-M and needs:" + list +
                "\ninstall them with `sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
                "qemu-system-arm` (Debian/Ubuntu; `bash scripts/setup.sh` in a tessera source tree does it)");
  }

  std::vector<std::vector<uint8_t>> inputs;
  if (!a.inputs.empty()) {
    inputs = ReadModelInputs(g, a.inputs);
  } else {
    for (size_t i = 0; i < g.inputs.size(); ++i)
      inputs.push_back(PseudoRandomInput(g.tensors[g.inputs[i]], a.seed + static_cast<uint32_t>(i)));
  }
  std::vector<std::vector<uint8_t>> references;
  if (!a.references.empty()) references = ReadModelReferences(g, a.references);
  if (a.dequantize && a.outputs.empty()) throw Error("--dequantize goes with --output FILE.npy");

  // The host executor, layer by layer (TFLM's arithmetic), is the expected result.
  if (a.invokes < 1) throw Error("--invokes must be at least 1, not " + std::to_string(a.invokes));
  Executor ex(g, PlanLayerByLayer(g));
  for (int k = 0; k < a.invokes; ++k) {  // the same inputs, state carried over
    for (size_t i = 0; i < inputs.size(); ++i) ex.SetInput(static_cast<int>(i), inputs[i]);
    ex.Invoke();
  }

  const CheckResult check = CheckPlan(g, plan);
  std::printf("model '%s', plan '%s' (%zu steps), board %s (%s), input %s\n", g.name.c_str(), plan.strategy.c_str(),
              plan.steps.size(), BoardName(board), BoardCpu(board),
              a.inputs.empty() ? ("pseudo-random, seed " + std::to_string(a.seed)).c_str() : "from files");
  if (check.ok)
    std::printf("checker: plan accepted\n");
  else
    std::printf("checker: plan REJECTED (%s): %s\n", CheckFailureName(check.failure), check.message.c_str());

  const bool keep = !a.work_dir.empty();
  const std::string dir = keep ? a.work_dir
                               : (fs::temp_directory_path() / ("tessera_validate_" + std::to_string(::getpid()))).string();
  if (!keep) fs::remove_all(dir);
  DeviceOptions o;
  o.board = board;
  o.timeout_seconds = a.timeout;
  o.invokes = a.invokes;
  // Modelled cycles where the cycle model exists: the Cortex-M4 (an386), with the plugin built.
  std::string no_cycles;
  if (board != Board::kAn386)
    no_cycles = std::string("no cycle model for ") + BoardCpu(board) + " yet";
  else if (!fs::is_regular_file(CyclePluginPath()))
    no_cycles = "the cycle-model plugin " + CyclePluginPath() + " is absent";
  o.cycles = no_cycles.empty();
  DeviceResult d;
  try {
    d = RunOnDevice(g, plan, inputs, dir, o);
  } catch (...) {
    if (!keep) fs::remove_all(dir);
    throw;
  }
  if (!keep) fs::remove_all(dir);
  if (!d.build.ok) {
    std::fprintf(stderr, "tessera: the generated C did not build for %s:\n%s\n", BoardName(board), d.build.log.c_str());
    return 1;
  }
  if (d.run.exit_code != 0) {
    std::printf("device: the firmware exited with %d%s\n%s\n", d.run.exit_code,
                d.run.exit_code == 124 ? " (timeout: --timeout SECONDS)" : "", d.run.output.c_str());
    return 1;
  }

  bool ok = check.ok && d.outputs.size() == g.outputs.size();
  if (d.outputs.size() != g.outputs.size())
    std::printf("device printed %zu outputs, the model has %zu\n", d.outputs.size(), g.outputs.size());
  for (size_t i = 0; i < g.outputs.size() && i < d.outputs.size(); ++i) {
    const Tensor& t = g.tensors[g.outputs[i]];
    std::vector<int64_t> shape(t.shape.begin(), t.shape.end());
    std::string text;
    const bool host_equal = Compare(d.outputs[i], ex.Output(static_cast<int>(i)), &text);
    std::printf("output %zu '%s' %s: device vs host executor: %s\n", i, t.name.c_str(),
                DescribeArray(t.type, shape).c_str(), text.c_str());
    ok = ok && host_equal;
    if (i < references.size()) {
      const bool ref_equal = Compare(d.outputs[i], references[i], &text);
      std::printf("output %zu '%s': device vs reference %s: %s\n", i, t.name.c_str(), a.references[i].c_str(),
                  text.c_str());
      ok = ok && ref_equal;
    }
  }
  if (!a.outputs.empty() && d.outputs.size() == g.outputs.size()) {
    WriteModelOutputs(g, d.outputs, a.outputs, a.dequantize);
    for (const auto& f : a.outputs) std::printf("wrote the device's output to %s\n", f.c_str());
  }
  std::printf("instructions:    %llu (%s invoke, SysTick under QEMU -icount shift=0)\n",
              static_cast<unsigned long long>(d.instructions), a.invokes > 1 ? "the last" : "one");
  if (o.cycles && !d.cycle_model.ok)
    no_cycles = d.cycle_model.error.empty() ? "the cycle model gave no report" : d.cycle_model.error;
  if (no_cycles.empty())
    std::printf("modelled cycles: %llu at 0 flash wait states, %llu at 5 (Cortex-M4 TRM timing over the "
                "instruction trace: modelled, not measured)\n",
                static_cast<unsigned long long>(d.cycle_model.inference.cycles),
                static_cast<unsigned long long>(d.cycle_model.inference.CyclesAt(5)));
  else
    std::printf("modelled cycles: n/a (%s)\n", no_cycles.c_str());
  std::printf("arena:           %lld bytes%s\n", static_cast<long long>(plan.arena_bytes),
              plan.accounting.input_in_arena ? "" : " (+ the streamed input outside it)");
  if (plan.state_bytes > 0)
    std::printf("state:           %lld bytes (own buffer, kept across invokes); arena + state %lld bytes\n",
                static_cast<long long>(plan.state_bytes), static_cast<long long>(plan.arena_bytes + plan.state_bytes));
  std::printf("stack:           %lld bytes used\n", static_cast<long long>(d.stack_used));
  std::printf("flash:           %lld bytes (code %lld, constants %lld, .data %lld)\n",
              static_cast<long long>(d.sizes.flash()), static_cast<long long>(d.sizes.text),
              static_cast<long long>(d.sizes.rodata), static_cast<long long>(d.sizes.data));
  std::printf("ram:             %lld bytes (stack reserve %lld, .data %lld, arena %lld, .bss %lld)\n",
              static_cast<long long>(d.sizes.ram()), static_cast<long long>(d.sizes.stack),
              static_cast<long long>(d.sizes.data), static_cast<long long>(d.sizes.arena),
              static_cast<long long>(d.sizes.bss));
  std::printf("validate: %s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}

TESSERA_COMMAND(kValidateCommand, "validate",
                "build the generated C, run it on an emulated Cortex-M (QEMU) and compare its output bytes "
                "with the host executor's",
                [](CLI::App& sub) -> std::function<int()> {
                  auto a = std::make_shared<ValidateArgs>();
                  sub.add_option("model", a->model, "model .tflite file")->required();
                  a->plan_choice.AddOptions(sub);
                  sub.add_option("--board", a->board, "an386 (Cortex-M4F, default) or an500 (Cortex-M7)");
                  sub.add_option("--input", a->inputs,
                                 "an input file per model input, in order: .npy (the input's dtype, or float32 "
                                 "quantized with its scale and zero point) or raw bytes; default pseudo-random")
                      ->allow_extra_args(false);
                  sub.add_option("--reference", a->references,
                                 "expected bytes of each output, in order (.npy in the output's dtype, or raw); "
                                 "compared besides the host executor's")
                      ->allow_extra_args(false);
                  sub.add_option("--output", a->outputs,
                                 "write the device's outputs: a file per output, in order (FILE.npy or raw), or "
                                 "one raw file for all")
                      ->allow_extra_args(false);
                  sub.add_flag("--dequantize", a->dequantize,
                               "write .npy outputs as float32 through each output's scale and zero point");
                  sub.add_option("--seed", a->seed, "seed of the pseudo-random input used without --input")
                      ->default_val(1234);
                  sub.add_option("--timeout", a->timeout, "seconds the emulated run may take")->default_val(300);
                  sub.add_option("--invokes", a->invokes,
                                 "invokes in a row on the same inputs, on the device and on the host, state "
                                 "carried over; the last invoke's outputs are compared")
                      ->default_val(1);
                  sub.add_option("--work-dir", a->work_dir,
                                 "build in this folder and keep it (generated C, main.c, firmware ELF); default a "
                                 "temporary folder, removed");
                  return [a] { return RunValidate(*a); };
                });

}  // namespace
}  // namespace tessera::cli
