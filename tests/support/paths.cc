#include "support/paths.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <unistd.h>

namespace tessera::test {
std::string SharedDir() { return TESSERA_SHARED_DIR; }
std::string SharedModel(const std::string& stem) { return SharedDir() + "/models/" + stem + ".tflite"; }
std::string ReferenceDir(const std::string& stem) { return SharedDir() + "/reference/" + stem; }
bool HaveShared() { return std::filesystem::is_directory(SharedDir() + "/models"); }
const std::vector<std::string>& CoverageModelsRunning() {
  static const std::vector<std::string> models = {
      "lenet_300_100_ptq",
      "seanet_int16_add0",
      "seanet_int16_conv0",
      "seanet_int16_conv8",
      "seanet_int16_strided_slice0",
      "seanet_int16_transpose_conv0",
      "st_fdmobilenet_025_128_flowers",
      "st_gmp_wl24_wisdm",
      "st_mobilenet_v2_035_128_person",
      "st_squeezenet11_128_flowers",
      "st_yamnet_256_64x96_esc10",
  };
  return models;
}
std::vector<std::string> SharedModelStems() {
  std::vector<std::string> r;
  if (!HaveShared()) return r;
  for (auto& e : std::filesystem::directory_iterator(SharedDir() + "/models"))
    if (e.path().extension() == ".tflite") r.push_back(e.path().stem().string());
  std::sort(r.begin(), r.end());
  for (const std::string& m : CoverageModelsRunning())
    if (std::filesystem::is_regular_file(SharedModel("coverage/" + m))) r.push_back("coverage/" + m);
  return r;
}
std::string ModelName(const std::string& stem) {
  const size_t slash = stem.rfind('/');
  return slash == std::string::npos ? stem : stem.substr(slash + 1);
}
std::vector<uint8_t> ReadFileBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}
std::vector<std::vector<uint8_t>> SplitInputs(const std::string& path, const std::vector<size_t>& input_bytes) {
  const std::vector<uint8_t> all = ReadFileBytes(path);
  std::vector<std::vector<uint8_t>> r;
  size_t at = 0;
  for (size_t n : input_bytes) {
    if (at + n > all.size()) throw std::runtime_error(path + " holds fewer bytes than the model's inputs");
    r.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at), all.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  if (at != all.size()) throw std::runtime_error(path + " holds more bytes than the model's inputs");
  return r;
}
std::string CliPath() { return TESSERA_CLI; }
std::string FreshTempDir(const std::string& tag) {
  const auto d = std::filesystem::temp_directory_path() / ("tessera_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}
}  // namespace tessera::test
