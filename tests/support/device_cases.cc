#include "support/device_cases.h"

#include <cctype>
#include <filesystem>
#include <random>

#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera::test {
std::string DeviceCaseStem(const std::string& model) {
  std::string n = model.rfind("zoo:", 0) == 0 ? "zoo_" + model.substr(4) : model;
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

namespace {
void RandomInputs(const Graph& g, uint32_t seed, std::vector<std::vector<uint8_t>>* inputs) {
  std::mt19937 rng(seed);
  for (int t : g.inputs) {
    std::vector<uint8_t> b(static_cast<size_t>(g.tensors[t].num_bytes()));
    for (auto& x : b) x = static_cast<uint8_t>(rng() >> 24);
    inputs->push_back(std::move(b));
  }
}
}  // namespace

bool LoadDeviceModel(const std::string& model, uint32_t seed, Graph* g,
                     std::vector<std::vector<uint8_t>>* inputs) {
  if (model.rfind("zoo:", 0) == 0) {
    *g = BuildZooModel(model.substr(4));
    RandomInputs(*g, seed, inputs);
    return true;
  }
  if (!HaveShared()) return false;
  *g = ReadTflite(SharedModel(model));
  const std::string ref = ReferenceDir(model) + "/case0.input.bin";
  if (std::filesystem::is_regular_file(ref)) {
    std::vector<size_t> sizes;  // every input's bytes, in subgraph input order
    for (int t : g->inputs) sizes.push_back(static_cast<size_t>(g->tensors[t].num_bytes()));
    *inputs = SplitInputs(ref, sizes);
  } else  // a model without TFLM references (SSD): pseudo-random input bytes
    RandomInputs(*g, seed, inputs);
  return true;
}
}  // namespace tessera::test
