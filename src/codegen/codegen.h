// C code generation for Cortex-M: a Plan of a Graph becomes plain C99 that runs the plan's
// steps as straight-line kernel calls over one static arena, with weights and precomputed
// kernel parameters in const arrays (flash).
//
// GenerateC writes into out_dir:
//   model.h     the API: model_input(i), model_output(i), model_invoke(), size constants
//               (MODEL_ARENA_BYTES, MODEL_NUM_INPUTS, MODEL_INPUT<i>_BYTES, ...) and the
//               inputs' and outputs' shapes and quantization
//   model.c     `static int8_t model_arena[MODEL_ARENA_BYTES]` (16-byte aligned, in section
//               .bss.tessera_arena.model so that firmware/link.ld can place it and check the
//               SRAM budget), weights, biases and per-channel multipliers/shifts as const
//               arrays, and model_invoke(): the steps in order
//   tessera/    the kernel library: kernels.h and the kernel sources, copied from KernelDir()
//               (codegen/data_dir.h: the source tree's kernels/, or an install's
//               share/tessera/kernels) at generation time (all of them; the linker's
//               --gc-sections drops what the model does not call)
//
// The kernel parameters are computed by the operator layer (src/ops) that the host executor
// uses, so the device computes the bytes the host does. The generated C is C99 with GCC
// attributes, uses no heap and no libc beyond memcpy/memmove, and no floating point except in
// QUANTIZE/DEQUANTIZE at float model edges.
//
// Errors (tessera::Error): a plan that does not fit its own arena (a buffer beyond
// arena_bytes), a step or buffer that does not match the graph, an operator the kernels do
// not support, an output directory that cannot be written.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

struct CodegenOptions {
  // Prefix of every generated C symbol and macro (model_invoke, MODEL_ARENA_BYTES, ...) and
  // of the file names (model.h, model.c). A C identifier.
  std::string prefix = "model";
  // Copy the kernel library next to the model (false: the caller compiles kernels/ itself).
  bool copy_kernels = true;
  // Per-step instruction (or cycle) counts: model_invoke() reads <PREFIX>_PROFILE_CLOCK()
  // before the first step and after every step and keeps the differences; the generated API
  // gains <prefix>_profile_count(step), <prefix>_profile_label(step) and
  // <prefix>_profile_report(put), which prints a per-step and per-operator-type table through
  // a caller-supplied string sink (e.g. the firmware harness's semihosting ts_fw_puts). The
  // clock defaults to the firmware harness's ts_fw_counter_instructions() (SysTick under QEMU
  // -icount shift=0); compile with -D<PREFIX>_PROFILE_CLOCK()=... for another board (e.g. a
  // DWT cycle counter). Output bytes are unchanged; each step's count includes one clock read.
  bool profile = false;
};

// Writes the generated files into out_dir (created if missing) and returns their paths:
// <prefix>.h, <prefix>.c, then the kernel library's files. Everything is checked before
// anything is written.
std::vector<std::string> GenerateC(const Graph& g, const Plan& plan, const std::string& out_dir,
                                   const CodegenOptions& options = {});

// The kernel functions (ts_*) the generated model_invoke() calls for this plan, sorted.
std::vector<std::string> KernelCalls(const Graph& g, const Plan& plan);

// The C sources among GenerateC's files (what a firmware build must compile).
std::vector<std::string> GeneratedSources(const std::vector<std::string>& files);

}  // namespace tessera
