#include "support/model_cases.h"

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "exec/executor.h"
#include "memory/greedy.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera::test {

std::vector<uint8_t> PseudoRandomBytes(size_t n, uint64_t seed) {
  std::vector<uint8_t> r(n);
  uint64_t s = seed;
  for (auto& b : r) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    b = static_cast<uint8_t>(s >> 56);
  }
  return r;
}

const ModelCase& LoadModelCase(const std::string& name, uint64_t seed) {
  static std::map<std::pair<std::string, uint64_t>, std::unique_ptr<ModelCase>> cache;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const auto key = std::make_pair(name, seed);
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  auto m = std::make_unique<ModelCase>();
  if (name.rfind("shared:", 0) == 0) {
    const std::string stem = name.substr(7);
    m->g = ReadTflite(SharedModel(stem));
    std::vector<size_t> sizes;  // the reference file holds every input's bytes, in order
    for (int t : m->g.inputs) sizes.push_back(static_cast<size_t>(m->g.tensors[t].num_bytes()));
    m->inputs = SplitInputs(ReferenceDir(stem) + "/case0.input.bin", sizes);
  } else {
    m->g = BuildZooModel(name);
    for (size_t i = 0; i < m->g.inputs.size(); ++i)
      m->inputs.push_back(PseudoRandomBytes(static_cast<size_t>(m->g.tensors[m->g.inputs[i]].num_bytes()), seed + i));
  }
  m->expected = RunPlan(m->g, PlanLayerByLayer(m->g), m->inputs);
  return *cache.emplace(key, std::move(m)).first->second;
}

}  // namespace tessera::test
