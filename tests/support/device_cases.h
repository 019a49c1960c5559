// The models of the emulated-device tests: a shared model stem (../shared/models/STEM.tflite
// with the TFLM reference input of case 0) or "zoo:<name>" (a zoo model with pseudo-random
// input bytes from `seed`), and the test-name-safe stem of each.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {
// "zoo:<name>" -> "zoo_<name>", every other character outside [A-Za-z0-9] -> '_'.
std::string DeviceCaseStem(const std::string& model);
// Reads the model and its fixed input (a shared model's TFLM reference input of case 0, or
// pseudo-random bytes from `seed` when it has none); false when a shared model is asked for
// and ../shared is absent. A reference input file holding every input's bytes is split among them.
bool LoadDeviceModel(const std::string& model, uint32_t seed, Graph* g,
                     std::vector<std::vector<uint8_t>>* inputs);
}  // namespace tessera::test
