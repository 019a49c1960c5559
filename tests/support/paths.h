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
// The stems of every model in ../shared/models (sorted), empty when absent.
std::vector<std::string> SharedModelStems();
std::vector<uint8_t> ReadFileBytes(const std::string& path);
std::string CliPath();
// An empty directory <system temp>/tessera_<tag>_<pid> (emptied first when it exists).
std::string FreshTempDir(const std::string& tag);
}  // namespace tessera::test

#define TESSERA_REQUIRE_SHARED()                                               \
  do {                                                                         \
    if (!::tessera::test::HaveShared()) GTEST_SKIP() << "../shared is absent"; \
  } while (0)
