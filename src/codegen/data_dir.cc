#include "codegen/data_dir.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace tessera {

namespace fs = std::filesystem;

std::string DataDir() {
  if (const char* env = std::getenv("TESSERA_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path share = exe.parent_path().parent_path() / "share" / "tessera";
    if (fs::is_regular_file(share / "kernels" / "include" / "tessera" / "kernels.h", ec))
      return share.string();
  }
  return TESSERA_SOURCE_DIR;
}

std::string KernelDir() {
  if (const char* env = std::getenv("TESSERA_KERNELS_DIR"); env && *env) return env;
  return DataDir() + "/kernels";
}

std::string FirmwareDir() {
  if (const char* env = std::getenv("TESSERA_FIRMWARE_DIR"); env && *env) return env;
  return DataDir() + "/firmware";
}

}  // namespace tessera
