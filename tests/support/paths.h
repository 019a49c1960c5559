// Where tests find the shared models, the TFLM reference outputs, the TFLite C library and
// the tessera CLI. Tests that need ../shared skip (saying so) when it is absent.
#pragma once
#include <string>
#include <vector>

namespace tessera::test {
std::string SharedDir();                     // ../shared beside the project root
std::string SharedModel(const std::string& stem);  // ../shared/models/<stem>.tflite
std::string ReferenceDir(const std::string& stem); // ../shared/reference/<stem>
bool HaveShared();
// The models of ../shared/models/coverage that tessera runs, bit-exact with their TFLM
// references in ../shared/reference/coverage (the others need operators or types it lacks;
// st_ssd_mobilenet_v1_025_192 has no TFLM reference and is tested against TensorFlow Lite).
const std::vector<std::string>& CoverageModelsRunning();
// The stems of every model in ../shared/models (sorted), then "coverage/<name>" for each of
// CoverageModelsRunning(): SharedModel() and ReferenceDir() take either. Empty when absent.
std::vector<std::string> SharedModelStems();
// The model's name as the reader gives it (the file stem): "coverage/x" -> "x".
std::string ModelName(const std::string& stem);
std::vector<uint8_t> ReadFileBytes(const std::string& path);
// A reference input file (case<K>.input.bin) split into the inputs it holds, whose sizes are
// `input_bytes` in subgraph input order; throws std::runtime_error unless the sizes add up.
std::vector<std::vector<uint8_t>> SplitInputs(const std::string& path, const std::vector<size_t>& input_bytes);
std::string CliPath();
// An empty directory <system temp>/tessera_<tag>_<pid> (emptied first when it exists).
std::string FreshTempDir(const std::string& tag);
}  // namespace tessera::test

#define TESSERA_REQUIRE_SHARED()                                               \
  do {                                                                         \
    if (!::tessera::test::HaveShared()) GTEST_SKIP() << "../shared is absent"; \
  } while (0)
