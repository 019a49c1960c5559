// Operators read as other operators. A TFLite operator with several outputs (SPLIT, SPLIT_V,
// UNPACK) is lowered by the reader, before validation, into one STRIDED_SLICE per output:
// each output is a strided box of the input, so the bytes are those of TFLM's kernels (a
// byte copy), and every operator of tessera's graph keeps one output. Memory is never worse
// than the operator's own: the input stays live until its last slice ran, and each output is
// allocated when its slice runs rather than all at once. SLICE with constant begin and size is
// the STRIDED_SLICE [begin, begin + size) with unit strides. `tessera inspect` lists what was
// lowered (Graph::lowered).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {
namespace tflite {
class OptionsIn;  // tflite/options.h
}  // namespace tflite

namespace ops {

// What a lowering gets: the operator's operands as read from the file, its options, and
// `label` ("SPLIT (op 3)") for messages.
struct LowerIn {
  const tflite::OptionsIn& options;
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::string label;
};

struct Lowering {
  int32_t builtin;   // TFLite's BuiltinOperator code
  const char* name;  // TFLite's name
  // Appends the operators that replace the one read (and any constant tensors they need)
  // to g; throws Error naming `in.label` when the operator is malformed or unsupported.
  void (*lower)(const LowerIn& in, Graph& g, std::vector<Operator>* out);
};

// The lowering of TFLite builtin code `builtin`, or nullptr.
const Lowering* FindLowering(int32_t builtin);

}  // namespace ops
}  // namespace tessera
