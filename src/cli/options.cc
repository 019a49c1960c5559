#include "cli/options.h"

#include "ir/graph.h"

namespace tessera::cli {
int64_t ParseByteCount(const std::string& text, const std::string& option) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  const std::string num = text.substr(0, i), unit = text.substr(i);
  int64_t mult = 0;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K" || unit == "k" || unit == "KiB" || unit == "kiB") mult = 1024;
  else if (unit == "KB" || unit == "kB") mult = 1000;
  else if (unit == "M" || unit == "MiB") mult = 1 << 20;
  else if (unit == "MB") mult = 1000000;
  if (num.empty() || num.size() > 12 || mult == 0)
    throw Error(option + " '" + text + "': expected a byte count such as 131072, 128KiB or 60KB");
  return std::stoll(num) * mult;
}
}  // namespace tessera::cli
