// tessera zoo list
// tessera zoo export NAME -o FILE.tflite
// The built-in model zoo: architectures with deterministic synthetic int8 weights.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "analysis/macs.h"
#include "cli/command.h"
#include "tflite/writer.h"
#include "zoo/zoo.h"

namespace tessera::cli {
namespace {

std::string ShapeString(const std::vector<int32_t>& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r.append(i ? "x" : "").append(std::to_string(s[i]));
  return r;
}

int64_t WeightBytes(const Graph& g) {
  int64_t n = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_const) n += static_cast<int64_t>(t.data.size());
  return n;
}

int List() {
  std::printf("%-26s %-14s %14s %12s  %s\n", "name", "input", "MACs", "weight bytes",
              "description");
  for (const std::string& name : ZooNames()) {
    Graph g = BuildZooModel(name);
    g.Validate();
    std::string input;
    for (int t : g.inputs) input.append(input.empty() ? "" : ",").append(ShapeString(g.tensors[t].shape));
    std::printf("%-26s %-14s %14lld %12lld  %s\n", name.c_str(), input.c_str(),
                static_cast<long long>(GraphMacs(g)), static_cast<long long>(WeightBytes(g)),
                ZooDescription(name).c_str());
  }
  std::printf("(also: mobilenetv2-w<ALPHA>-r<RES>, ALPHA in 0.35 0.5 0.75 1.0 1.3 1.4, "
              "RES in 32..512)\n");
  return 0;
}

int Export(const std::string& name, const std::string& out) {
  Graph g = BuildZooModel(name);
  g.Validate();
  const std::vector<uint8_t> bytes = WriteTflite(g);
  std::ofstream f(out, std::ios::binary);
  if (!f) throw Error("cannot open output file '" + out + "' for writing");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw Error("cannot write output file '" + out + "'");
  std::printf("wrote %s: %s, %zu bytes\n", out.c_str(), name.c_str(), bytes.size());
  return 0;
}

struct ZooArgs {
  std::string name;
  std::string out;
};

TESSERA_COMMAND(kZoo, "zoo", "built-in models with synthetic int8 weights: list, export",
                [](CLI::App& sub) -> std::function<int()> {
                  auto args = std::make_shared<ZooArgs>();
                  sub.require_subcommand(1);
                  CLI::App* list = sub.add_subcommand("list", "list the zoo's models");
                  CLI::App* exp = sub.add_subcommand("export", "write a zoo model as .tflite");
                  exp->add_option("name", args->name, "zoo model name (see `tessera zoo list`)")
                      ->required();
                  exp->add_option("-o,--output", args->out, "output .tflite file")->required();
                  return [args, list, exp]() -> int {
                    if (list->parsed()) return List();
                    if (exp->parsed()) return Export(args->name, args->out);
                    return 2;
                  };
                });

}  // namespace
}  // namespace tessera::cli
