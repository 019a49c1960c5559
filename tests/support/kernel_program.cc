#include "support/kernel_program.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tessera::test {

namespace fs = std::filesystem;

KernelProgram BuildKernelProgram(const std::string& name, const std::string& source) {
  KernelProgram p;
  const fs::path dir = fs::temp_directory_path() / ("tessera_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  p.dir = dir.string();
  const std::string main_c = (dir / (name + ".c")).string();
  std::ofstream(main_c) << source;
  const std::string kernels = std::string(TESSERA_SOURCE_DIR) + "/kernels";
  FirmwareBuild b;
  b.board = Board::kAn386;
  b.sources = {main_c};
  for (const auto& e : fs::directory_iterator(kernels + "/src"))
    if (e.path().extension() == ".c") b.sources.push_back(e.path().string());
  b.include_dirs = {kernels + "/include", kernels + "/src"};
  p.elf = (dir / (name + ".elf")).string();
  p.build = BuildFirmware(b, p.elf);
  return p;
}

}  // namespace tessera::test
