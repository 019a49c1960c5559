#include "cli/tflm_figures.h"

#include <fstream>
#include <sstream>

namespace tessera::cli {
int64_t TflmNonPersistentArena(const std::string& stem, std::string* why) {
  const std::string dir = std::string(TESSERA_SOURCE_DIR) + "/../shared/reference/";
  bool any = false;
  for (const std::string& path : {dir + "tflm_arena.tsv", dir + "coverage/tflm_arena.tsv"}) {
    std::ifstream f(path);
    if (!f) continue;
    any = true;
    std::string line;
    std::getline(f, line);
    while (std::getline(f, line)) {
      std::istringstream ss(line);
      std::string model, used, nonpersistent;
      if (std::getline(ss, model, '\t') && std::getline(ss, used, '\t') && std::getline(ss, nonpersistent, '\t') &&
          model == stem)
        return std::stoll(nonpersistent);
    }
  }
  *why = any ? "no TFLM figure for '" + stem + "' in " + dir + "{,coverage/}tflm_arena.tsv"
             : "no TFLM figure (" + dir + "tflm_arena.tsv unavailable)";
  return -1;
}
}  // namespace tessera::cli
