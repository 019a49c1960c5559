#include "support/kernel_program.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace tessera::test {

namespace fs = std::filesystem;

KernelProgram BuildKernelProgram(const std::string& name, const std::string& source, const KernelProgramOptions& o) {
  KernelProgram p;
  const fs::path dir = fs::temp_directory_path() / ("tessera_" + name + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  p.dir = dir.string();
  const std::string main_c = (dir / (name + ".c")).string();
  std::ofstream(main_c) << source;
  const std::string kernels = std::string(TESSERA_SOURCE_DIR) + "/kernels";
  FirmwareBuild b;
  b.board = o.board;
  b.opt = o.opt;
  b.sources = {main_c};
  if (o.kernel_sources.empty()) {
    for (const auto& e : fs::directory_iterator(kernels + "/src"))
      if (e.path().extension() == ".c") b.sources.push_back(e.path().string());
  } else {
    for (const std::string& k : o.kernel_sources) b.sources.push_back(kernels + "/src/" + k);
  }
  b.include_dirs = {kernels + "/include", kernels + "/src"};
  p.elf = (dir / (name + ".elf")).string();
  p.build = BuildFirmware(b, p.elf);
  return p;
}

std::vector<KernelProgramRun> RunKernelProgramOn(const std::string& name, const std::string& source,
                                                 const std::vector<std::string>& kernel_sources,
                                                 const std::vector<Board>& boards,
                                                 const std::vector<std::string>& opts, int timeout_seconds) {
  std::vector<KernelProgramRun> runs;
  std::string dir;
  for (const Board board : boards)
    for (const std::string& opt : opts) {
      KernelProgramOptions o;
      o.board = board;
      o.kernel_sources = kernel_sources;
      o.opt = opt;
      const KernelProgram prog = BuildKernelProgram(name, source, o);
      dir = prog.dir;
      KernelProgramRun r;
      r.label = std::string(BoardName(board)) + " " + opt;
      if (!prog.build.ok) {
        ADD_FAILURE() << name << " (" << r.label << ") does not build:\n" << prog.build.log;
        continue;
      }
      r.run = RunFirmware(board, prog.elf, timeout_seconds);
      const auto done = r.run.values.find("done");
      if (r.run.exit_code != 0 || done == r.run.values.end() || done->second != "1") {
        ADD_FAILURE() << name << " (" << r.label << ") exits " << r.run.exit_code << " without done=1:\n"
                      << r.run.output;
        continue;
      }
      runs.push_back(std::move(r));
    }
  if (!dir.empty()) fs::remove_all(dir);
  return runs;
}

std::string DeviceRandomPrelude(uint32_t seed) {
  return "#include <stdint.h>\n"
         "static uint32_t seed = " + std::to_string(seed) + "u;\n" + R"(
static uint32_t rnd(void) { seed = seed * 1664525u + 1013904223u; return seed ^ (seed >> 15); }
static int32_t uni(int32_t lo, int32_t hi) { return lo + (int32_t)(rnd() % (uint32_t)(hi - lo + 1)); }
static void fill(int8_t* p, int32_t n) { while (n-- > 0) *p++ = (int8_t)uni(-128, 127); }
)";
}

}  // namespace tessera::test
