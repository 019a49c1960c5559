#include "cli/tflm_figures.h"

#include <fstream>
#include <sstream>

namespace tessera::cli {
int64_t TflmNonPersistentArena(const std::string& stem, std::string* why) {
  const std::string path = std::string(TESSERA_SOURCE_DIR) + "/../shared/reference/tflm_arena.tsv";
  std::ifstream f(path);
  if (!f) {
    *why = "no TFLM figure (" + path + " unavailable)";
    return -1;
  }
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    std::istringstream ss(line);
    std::string model, used, nonpersistent;
    if (std::getline(ss, model, '\t') && std::getline(ss, used, '\t') && std::getline(ss, nonpersistent, '\t') &&
        model == stem)
      return std::stoll(nonpersistent);
  }
  *why = "no TFLM figure for '" + stem + "' in " + path;
  return -1;
}
}  // namespace tessera::cli
