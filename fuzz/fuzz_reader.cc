// libFuzzer target: .tflite bytes -> ReadTfliteBytes (flatbuffer verifier, field checks,
// Graph::Validate) -> what `tessera inspect` computes (MACs per operator, receptive fields of
// windowable operators, the layer-by-layer greedy arena) -> the writer and the reader again
// (an accepted graph must survive its own round trip unchanged).
//
// Any tessera::Error is a correct answer to bad input. A crash, a sanitizer report, another
// exception type, a leak, a timeout or an out-of-memory is a bug.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/macs.h"
#include "analysis/receptive_field.h"
#include "fuzz_common.h"
#include "ir/graph_equal.h"
#include "memory/greedy.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

using namespace tessera;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Graph g;
  try {
    g = ReadTfliteBytes(data, size, "fuzz.tflite");
  } catch (const Error&) {
    return 0;
  }
  try {
    // tessera inspect: MACs and receptive fields per operator, totals, the greedy arena.
    int64_t macs = 0;
    for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) macs += OpMacs(g, i);
    if (macs != GraphMacs(g)) fuzz::Finding("GraphMacs differs from the sum of OpMacs");
    for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
      if (!IsWindowable(g, i)) continue;
      const Operator& op = g.ops[i];
      if (op.inputs.empty() || op.inputs[0] == kNoTensor || !g.is_activation(op.inputs[0])) continue;
      const Shape4 s = AsNHWC(g.tensors[op.outputs[0]].shape);
      const Window center{s.h / 2, s.h / 2 + 1, s.w / 2, s.w / 2 + 1};
      try {
        (void)ReceptiveWindow(g, op.inputs[0], op.outputs[0], center);
      } catch (const Error&) {
      }
    }
    const Plan p = PlanLayerByLayer(g);
    if (p.arena_bytes < 0) fuzz::Finding("negative arena");
  } catch (const Error&) {
  }
  // Round trip through the writer.
  const std::vector<uint8_t> bytes = WriteTfliteBytes(g);
  Graph back;
  try {
    back = ReadTfliteBytes(bytes.data(), bytes.size(), g.name);
  } catch (const Error& e) {
    fuzz::Finding(std::string("an accepted model does not read back after writing: ") + e.what());
  }
  std::string why;
  if (!GraphsEqual(g, back, &why)) fuzz::Finding("an accepted model reads back different after writing: " + why);
  return 0;
}
