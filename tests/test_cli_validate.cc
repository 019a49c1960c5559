// `tessera validate`: on every shared model (each once, the boards alternating) the device's
// output bytes equal the host executor's and TFLM's reference outputs (case 0), exit 0; a
// deliberately broken plan (every buffer at offset 0) fails with exit 1 naming the output
// that differs; a wrong reference file fails naming the reference; missing tools exit 2 with
// how to install them. The device's outputs can be written as .npy.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "codegen/device.h"
#include "io/npy.h"
#include "support/cli.h"
#include "support/paths.h"

namespace tessera {
namespace {

#define TESSERA_REQUIRE_FIRMWARE_TOOLS() \
  do {                                   \
    if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc or qemu-system-arm missing"; \
  } while (0)

std::string Case0(const std::string& stem, const std::string& what) {
  return test::ReferenceDir(stem) + "/case0." + what + ".bin";
}

// The shared models but MobileNetV2 1.0-224 (about 0.3 G instructions per inference on the
// emulator; the firmware model tests cover it).
std::vector<std::string> ValidatedModels() {
  std::vector<std::string> r;
  for (const auto& s : test::SharedModelStems())
    if (s.find("mobilenet_v2_1.0_224") == std::string::npos) r.push_back(s);
  return r;
}

// One case per model; model i runs on an386 when i is even, an500 when odd.
class CliValidateModel : public ::testing::TestWithParam<size_t> {};

TEST_P(CliValidateModel, MatchesTheHostAndTflmOnTheDevice) {
  TESSERA_REQUIRE_SHARED();
  TESSERA_REQUIRE_FIRMWARE_TOOLS();
  const auto models = ValidatedModels();
  ASSERT_LT(GetParam(), models.size());
  const std::string& stem = models[GetParam()];
  const char* board = GetParam() % 2 ? "an500" : "an386";
  const auto r = test::RunCli("validate " + test::SharedModel(stem) + " --board " + board + " --input " +
                              Case0(stem, "input") + " --reference " + Case0(stem, "output0"));
  EXPECT_EQ(r.exit_code, 0) << stem << " on " << board << ":\n" << r.output;
  EXPECT_NE(r.output.find("checker: plan accepted"), std::string::npos) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("output 0 '[^']*' [a-z0-9]+\\[[0-9,]+\\]: device vs host "
                                                     "executor: equal \\([0-9]+ bytes\\)")))
      << r.output;
  EXPECT_NE(r.output.find("device vs reference " + Case0(stem, "output0") + ": equal"), std::string::npos)
      << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("instructions: +[1-9][0-9]+ "))) << r.output;
  // The Cortex-M4 has a cycle model (at least one modelled cycle per instruction); the M7 not yet.
  std::smatch m;
  if (std::string(board) == "an386") {
    ASSERT_TRUE(std::regex_search(r.output, m, std::regex("instructions: +([0-9]+)[^]*modelled cycles: ([0-9]+) at 0 "
                                                          "flash wait states, ([0-9]+) at 5")))
        << r.output;
    EXPECT_GE(std::stoull(m[2]), std::stoull(m[1]));
    EXPECT_GE(std::stoull(m[3]), std::stoull(m[2]));
  } else {
    EXPECT_NE(r.output.find("modelled cycles: n/a (no cycle model for"), std::string::npos) << r.output;
  }
  EXPECT_TRUE(std::regex_search(r.output, std::regex("stack: +[1-9][0-9]+ bytes used"))) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("flash: +[1-9][0-9]+ bytes"))) << r.output;
  EXPECT_NE(r.output.find("validate: PASS"), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, CliValidateModel,
                         ::testing::Range<size_t>(0, std::max<size_t>(ValidatedModels().size(), 1)),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           const auto models = ValidatedModels();
                           if (info.param >= models.size()) return std::string("none");
                           std::string name = models[info.param];
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// --invokes 3 on the keyword model (SVDF state): the device's outputs after three invokes on
// case 0 equal the host's and TFLM's three-invoke bytes; the state is reported apart.
TEST(CliValidateState, ThreeInvokesMatchTflm) {
  TESSERA_REQUIRE_SHARED();
  TESSERA_REQUIRE_FIRMWARE_TOOLS();
  const std::string stem = "coverage/tflm_keyword_scrambled_8bit";
  const auto r = test::RunCli("validate " + test::SharedModel(stem) + " --strategy best --invokes 3 --input " +
                              Case0(stem, "input") + " --reference " + Case0(stem, "invoke3.output0"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("device vs reference " + Case0(stem, "invoke3.output0") + ": equal"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("(the last invoke"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("state:           5120 bytes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("validate: PASS"), std::string::npos) << r.output;
}

class CliValidateKws : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_SHARED();
    dir_ = test::FreshTempDir("validate");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  const std::string model_ = test::SharedModel("kws_dscnn_int8");
};

TEST_F(CliValidateKws, BrokenPlanFailsNamingTheOutput) {
  TESSERA_REQUIRE_FIRMWARE_TOOLS();
  auto r = test::RunCli("plan " + model_ + " -s greedy -q -o " + dir_ + "/plan.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Every buffer at arena offset 0: layers overwrite their own inputs.
  std::ifstream in(dir_ + "/plan.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string broken = std::regex_replace(ss.str(), std::regex("\"offset\":[0-9]+"), "\"offset\":0");
  ASSERT_NE(broken, ss.str());
  std::ofstream(dir_ + "/broken.json") << broken;
  r = test::RunCli("validate " + model_ + " --plan " + dir_ + "/broken.json --board an500 --input " +
                   Case0("kws_dscnn_int8", "input"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("output 0 'Identity' int8\\[1,12\\]: device vs host executor: "
                                                     "DIFFERENT: [0-9]+ of 12 bytes differ, first at byte [0-9]+")))
      << r.output;
  EXPECT_NE(r.output.find("checker: plan REJECTED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("validate: FAIL"), std::string::npos) << r.output;
}

// Also: an .npy input, and the device's output written as .npy.
TEST_F(CliValidateKws, WrongReferenceFailsNamingTheReference) {
  TESSERA_REQUIRE_FIRMWARE_TOOLS();
  NpyArray in;
  in.type = DType::kInt8;
  in.shape = {1, 49, 10, 1};
  in.data = test::ReadFileBytes(Case0("kws_dscnn_int8", "input"));
  WriteNpy(dir_ + "/in.npy", in);
  const auto expected = test::ReadFileBytes(Case0("kws_dscnn_int8", "output0"));
  auto ref = expected;
  ref[3] ^= 1;
  const std::string path = dir_ + "/wrong.bin";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(ref.data()), 12);
  const auto r = test::RunCli("validate " + model_ + " --strategy best --input " + dir_ + "/in.npy --reference " + path +
                              " --output " + dir_ + "/out.npy");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("device vs host executor: equal (12 bytes)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("device vs reference " + path + ": DIFFERENT: 1 of 12 bytes differ, first at byte 3"),
            std::string::npos)
      << r.output;
  const NpyArray out = ReadNpy(dir_ + "/out.npy");
  EXPECT_EQ(out.type, DType::kInt8);
  EXPECT_EQ(out.shape, (std::vector<int64_t>{1, 12}));
  EXPECT_EQ(out.data, expected);
}

// A searched plan under a budget with the input streamed outside the arena.
TEST_F(CliValidateKws, SramPlanWithStreamedInputPasses) {
  TESSERA_REQUIRE_FIRMWARE_TOOLS();
  const auto r = test::RunCli("validate " + model_ + " --sram 12KiB --stream-input --input " +
                              Case0("kws_dscnn_int8", "input") + " --reference " + Case0("kws_dscnn_int8", "output0"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("arena: +([0-9]+) bytes \\(\\+ the streamed input outside it\\)")))
      << r.output;
  EXPECT_LE(std::stoll(m[1]), 12 * 1024);
  EXPECT_NE(r.output.find("device vs reference " + Case0("kws_dscnn_int8", "output0") + ": equal (12 bytes)"),
            std::string::npos)
      << r.output;
}

TEST_F(CliValidateKws, MissingToolsExitTwoSayingHowToInstallThem) {
  // An empty PATH: neither the cross compiler nor QEMU can be found.
  std::filesystem::create_directories(dir_ + "/empty");
  const auto r = RunShell("PATH=" + ShellQuote(dir_ + "/empty") + " " + ShellQuote(test::CliPath()) + " validate " +
                          ShellQuote(model_));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("arm-none-eabi-gcc (Debian package gcc-arm-none-eabi)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("qemu-system-arm (Debian package qemu-system-arm)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"),
            std::string::npos)
      << r.output;
}

TEST_F(CliValidateKws, BadOptionsExitTwo) {
  auto r = test::RunCli("validate " + model_ + " --board an999");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--board must be an386 or an500 (got 'an999')"), std::string::npos) << r.output;
  r = test::RunCli("validate " + model_ + " --strategy best --sram 64KiB");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--plan, --strategy and --sram are exclusive"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tessera
