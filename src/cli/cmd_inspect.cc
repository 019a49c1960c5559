// tessera inspect MODEL.tflite [--json]
// Per operator: type, input/output shapes, activation bytes, MACs and receptive-field growth;
// totals: MACs, weight bytes, the largest input+output activation pair, and the
// layer-by-layer greedy arena beside TensorFlow Lite Micro's figure.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/macs.h"
#include "analysis/receptive_field.h"
#include "cli/command.h"
#include "cli/tflm_figures.h"
#include "memory/greedy.h"
#include "tflite/reader.h"

namespace tessera::cli {
namespace {

std::string ShapeStr(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r.append(i ? "," : "").append(std::to_string(s[i]));
  return r + "]";
}

bool IsSpatial(OpType t) {
  return t == OpType::kConv2D || t == OpType::kDepthwiseConv2D || t == OpType::kAveragePool2D ||
         t == OpType::kMaxPool2D;
}

struct OpRow {
  int index;
  std::string type;
  std::vector<std::string> inputs;  // activation input shapes
  std::string output;
  int64_t activation_bytes;  // activation inputs + outputs
  int64_t macs;
  int rf_h = 0, rf_w = 0;  // receptive field of one output pixel in the origin tensor; 0 = n/a
};

// The tensor receptive fields are measured in: the activation input of the first spatial
// operator (after any layout TRANSPOSE or QUANTIZE at the model's edge).
int RfOrigin(const Graph& g) {
  for (const Operator& op : g.ops)
    if (IsSpatial(op.type)) {
      int t = op.inputs[0];
      // Walk back through a PAD feeding the first convolution: the field is in its input.
      const int p = g.producer(t);
      if (p >= 0 && g.ops[p].type == OpType::kPad) t = g.ops[p].inputs[0];
      return t;
    }
  return kNoTensor;
}

void ReceptiveField(const Graph& g, int origin, int op_index, OpRow* row) {
  const Operator& op = g.ops[op_index];
  if (origin == kNoTensor || op.outputs.empty()) return;
  const int out = op.outputs[0];
  const int origin_producer = g.producer(origin);
  if (op_index <= origin_producer) return;
  for (int k = origin_producer + 1; k <= op_index; ++k)
    if (!IsWindowable(g, k)) return;  // past a FULLY_CONNECTED/MEAN: the whole input
  const Shape4 s = AsNHWC(g.tensors[out].shape);
  Window center{s.h / 2, s.h / 2 + 1, s.w / 2, s.w / 2 + 1};
  try {
    const Window rf = ReceptiveWindow(g, origin, out, center);
    row->rf_h = rf.h();
    row->rf_w = rf.w();
  } catch (const Error&) {
    // Not on a path from the origin (e.g. a second branch): no figure.
  }
}

int Inspect(const std::string& path, bool json) {
  const Graph g = ReadTflite(path);
  const int origin = RfOrigin(g);
  std::vector<OpRow> rows;
  int64_t total_macs = 0, weight_bytes = 0, largest_pair = 0;
  int largest_pair_op = -1;
  for (size_t t = 0; t < g.tensors.size(); ++t)
    if (g.tensors[t].is_const) weight_bytes += g.tensors[t].num_bytes();
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    OpRow r;
    r.index = static_cast<int>(i);
    r.type = OpTypeName(op.type);
    r.activation_bytes = 0;
    for (int t : op.inputs)
      if (g.is_activation(t)) {
        r.inputs.push_back(ShapeStr(g.tensors[t].shape));
        r.activation_bytes += g.tensors[t].num_bytes();
      }
    for (int t : op.outputs) {
      r.output.append(r.output.empty() ? "" : " ").append(ShapeStr(g.tensors[t].shape));
      r.activation_bytes += g.tensors[t].num_bytes();
    }
    r.macs = OpMacs(g, static_cast<int>(i));
    total_macs += r.macs;
    if (r.activation_bytes > largest_pair) {
      largest_pair = r.activation_bytes;
      largest_pair_op = r.index;
    }
    ReceptiveField(g, origin, static_cast<int>(i), &r);
    rows.push_back(r);
  }
  const Plan greedy = PlanLayerByLayer(g);
  std::string why;
  const int64_t tflm = TflmNonPersistentArena(g.name, &why);

  if (json) {
    nlohmann::json j;
    j["model"] = g.name;
    j["operators"] = nlohmann::json::array();
    for (const OpRow& r : rows) {
      nlohmann::json o{{"index", r.index},       {"type", r.type}, {"inputs", r.inputs}, {"output", r.output},
                       {"activation_bytes", r.activation_bytes}, {"macs", r.macs}};
      if (r.rf_h) o["receptive_field"] = {r.rf_h, r.rf_w};
      j["operators"].push_back(o);
    }
    j["totals"] = {{"macs", total_macs},
                   {"weight_bytes", weight_bytes},
                   {"largest_activation_pair_bytes", largest_pair},
                   {"largest_activation_pair_op", largest_pair_op},
                   {"greedy_arena_bytes", greedy.arena_bytes}};
    if (tflm >= 0) j["totals"]["tflm_nonpersistent_arena_bytes"] = tflm;
    j["folded"] = g.folded;
    j["lowered"] = g.lowered;
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }

  std::printf("model %s: %zu operators, %zu tensors, input", g.name.c_str(), g.ops.size(), g.tensors.size());
  for (int t : g.inputs)
    std::printf(" %s %s", ShapeStr(g.tensors[t].shape).c_str(), DTypeName(g.tensors[t].type));
  std::printf("\n\n");
  std::printf("%4s  %-24s %-34s %-18s %12s %14s %9s\n", "op", "type", "inputs (activations)", "output",
              "act. bytes", "MACs", "RF");
  for (const OpRow& r : rows) {
    std::string ins;
    for (auto& s : r.inputs) ins.append(ins.empty() ? "" : " ").append(s);
    const std::string rf = r.rf_h ? fmt::format("{}x{}", r.rf_h, r.rf_w) : "-";
    std::printf("%4d  %-24s %-34s %-18s %12lld %14lld %9s\n", r.index, r.type.c_str(), ins.c_str(),
                r.output.c_str(), static_cast<long long>(r.activation_bytes), static_cast<long long>(r.macs),
                rf.c_str());
  }
  if (!g.folded.empty()) {
    std::printf("\nfolded at load time (operator indices as in the file): %zu operators\n", g.folded.size());
    for (const std::string& f : g.folded) std::printf("  %s\n", f.c_str());
  }
  if (!g.lowered.empty()) {
    std::printf("\nlowered at load time (operator indices as in the file): %zu operators\n", g.lowered.size());
    for (const std::string& f : g.lowered) std::printf("  %s\n", f.c_str());
  }
  std::printf("\nRF: receptive field of the central output pixel in the first convolution's input\n");
  std::printf("total MACs (conv, depthwise, fully connected): %lld\n", static_cast<long long>(total_macs));
  std::printf("weight bytes (constants, in flash):           %lld\n", static_cast<long long>(weight_bytes));
  std::printf("largest input+output activation pair:        %lld bytes (op %d %s)\n",
              static_cast<long long>(largest_pair), largest_pair_op,
              largest_pair_op >= 0 ? OpTypeName(g.ops[largest_pair_op].type) : "-");
  std::printf("layer-by-layer greedy arena (tessera):       %lld bytes\n", static_cast<long long>(greedy.arena_bytes));
  if (tflm >= 0)
    std::printf("TFLM non-persistent arena (reference):       %lld bytes\n", static_cast<long long>(tflm));
  else
    std::printf("TFLM non-persistent arena (reference):       %s\n", why.c_str());
  return 0;
}

}  // namespace

TESSERA_COMMAND(kInspect, "inspect", "Per-operator shapes, activation bytes, MACs and receptive fields",
                [](CLI::App& sub) -> std::function<int()> {
                  auto path = std::make_shared<std::string>();
                  auto json = std::make_shared<bool>(false);
                  sub.add_option("model", *path, "model .tflite")->required();
                  sub.add_flag("--json", *json, "machine-readable output");
                  return [=] { return Inspect(*path, *json); };
                });

}  // namespace tessera::cli
