// NumPy .npy files: the reader against byte strings written out by hand as NumPy 1.x writes
// them (format 1.0, header padded with spaces to a multiple of 64 bytes, ending in '\n'),
// the writer against the same strings, malformed files with the messages they must give,
// float32 quantization against hand-computed values, and `tessera run` with .npy inputs and
// outputs against its raw-byte results.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "io/npy.h"
#include "io/tensor_files.h"
#include "support/cli.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

// A .npy 1.0 file as NumPy writes it: magic, version 1.0, little-endian header length, the
// dict padded with spaces and a final '\n' so that the data starts at a multiple of 64 bytes.
std::vector<uint8_t> HandWritten(const std::string& dict, const std::vector<uint8_t>& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::vector<uint8_t> r = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<uint8_t>(header.size() & 0xff),
                            static_cast<uint8_t>(header.size() >> 8)};
  r.insert(r.end(), header.begin(), header.end());
  r.insert(r.end(), data.begin(), data.end());
  return r;
}

void WriteBytes(const std::string& path, const std::vector<uint8_t>& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::string Message(const std::vector<uint8_t>& bytes) {
  try {
    ParseNpy(bytes, "bad.npy");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

struct RoundTripCase {
  DType type;
  std::string dict;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

TEST(Npy, ReadsAndWritesNumPysBytesForEachType) {
  const float f[3] = {1.5f, -2.25f, 0.0f};
  std::vector<uint8_t> fbytes(12);
  std::memcpy(fbytes.data(), f, 12);
  const std::vector<RoundTripCase> cases = {
      {DType::kInt8, "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 3), }", {2, 3}, {1, 2, 3, 0xff, 0x80, 0x7f}},
      {DType::kUInt8, "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 4), }", {1, 4}, {0, 1, 254, 255}},
      {DType::kInt16, "{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", {2}, {0x34, 0x12, 0xff, 0xff}},
      {DType::kFloat32, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", {3}, fbytes},
      {DType::kInt8, "{'descr': '|i1', 'fortran_order': False, 'shape': (), }", {}, {7}},
  };
  for (const auto& c : cases) {
    const auto file = HandWritten(c.dict, c.data);
    const NpyArray a = ParseNpy(file, "case.npy");
    EXPECT_EQ(a.type, c.type) << c.dict;
    EXPECT_EQ(a.shape, c.shape) << c.dict;
    EXPECT_EQ(a.data, c.data) << c.dict;
    EXPECT_EQ(EncodeNpy(a), file) << c.dict;  // byte for byte what NumPy writes
  }
}

TEST(Npy, ReadsOtherSpellingsNumPyAccepts) {
  // '<i1' for int8, double quotes, no trailing comma, format 2.0 (4-byte header length).
  NpyArray a = ParseNpy(HandWritten("{\"descr\": \"<i1\", \"shape\": (2,), \"fortran_order\": False}", {5, 6}), "x.npy");
  EXPECT_EQ(a.type, DType::kInt8);
  EXPECT_EQ(a.data, (std::vector<uint8_t>{5, 6}));
  std::string h = "{'descr': '<i2', 'fortran_order': False, 'shape': (1,), }\n";
  std::vector<uint8_t> v2 = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, static_cast<uint8_t>(h.size()), 0, 0, 0};
  v2.insert(v2.end(), h.begin(), h.end());
  v2.push_back(0x02);
  v2.push_back(0x01);
  a = ParseNpy(v2, "v2.npy");
  EXPECT_EQ(a.type, DType::kInt16);
  EXPECT_EQ(a.data, (std::vector<uint8_t>{2, 1}));
}

TEST(Npy, MalformedFilesGiveClearErrors) {
  const std::string ok = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), }";
  const std::vector<uint8_t> four = {1, 2, 3, 4};
  struct Bad {
    std::vector<uint8_t> bytes;
    std::string message;
  };
  std::vector<uint8_t> truncated = HandWritten(ok, four);
  truncated.resize(30);
  std::vector<uint8_t> version = HandWritten(ok, four);
  version[6] = 9;
  const std::vector<Bad> bad = {
      {{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0}, "bad.npy: not a .npy file"},
      {truncated, "bad.npy: truncated .npy header"},
      {version, "unsupported .npy format version 9.0"},
      {HandWritten("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", four), "big-endian .npy dtype '>i2'"},
      {HandWritten("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", {0, 0, 0, 0, 0, 0, 0, 0}),
       "unsupported .npy dtype '<f8'"},
      {HandWritten("{'descr': '|i1', 'fortran_order': True, 'shape': (2, 2), }", four), "Fortran-order"},
      {HandWritten(ok, {1, 2, 3}), "int8[2,2] needs 4 data bytes, the file has 3"},
      {HandWritten(ok, {1, 2, 3, 4, 5}), "int8[2,2] needs 4 data bytes, the file has 5"},
      {HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (-2, 2), }", four), "non-negative integers"},
      {HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", four),
       "too large"},
      {HandWritten("{'descr': '|i1', 'fortran_order': False}", four), "'descr', 'fortran_order' and 'shape' are required"},
      {HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", four), "unknown header key 'x'"},
      {HandWritten("['descr']", four), "malformed .npy header"},
  };
  for (const auto& b : bad) {
    const std::string m = Message(b.bytes);
    EXPECT_NE(m.find(b.message), std::string::npos) << "got: " << m << "\nwanted: " << b.message;
    EXPECT_EQ(m.rfind("bad.npy", 0), 0u) << m;  // names the file
  }
}

Tensor QuantizedTensor(DType type, float scale, int64_t zero_point) {
  Tensor t;
  t.name = "x";
  t.type = type;
  t.shape = {1, 8};
  t.quant.scale = {scale};
  t.quant.zero_point = {zero_point};
  return t;
}

TEST(Npy, Float32InputsAreQuantizedLikeTflm) {
  // Hand-computed: round(v / scale) (float division) half away from zero, + zero point, clamped.
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> v = {0.25f, -0.25f, 0.75f, 1000.0f, -inf, 1.0f, -1.0f, 0.24f};
  const auto s8 = QuantizeFloats(QuantizedTensor(DType::kInt8, 0.5f, 3), v, "f.npy");
  EXPECT_EQ(s8, (std::vector<uint8_t>{4, 2, 5, 127, 0x80, 5, 1, 3}));
  const auto u8 = QuantizeFloats(QuantizedTensor(DType::kUInt8, 0.5f, 10), v, "f.npy");
  EXPECT_EQ(u8, (std::vector<uint8_t>{11, 9, 12, 255, 0, 12, 8, 10}));
  const auto s16 = QuantizeFloats(QuantizedTensor(DType::kInt16, 0.5f, 0), {3.0f, -40000.0f}, "f.npy");
  EXPECT_EQ(s16, (std::vector<uint8_t>{6, 0, 0x00, 0x80}));
  // TFLM divides in float: -0.45545429f / 0.00503264414f is the float -90.5, a tie rounded away
  // from zero to -91, while the real (and double) quotient -90.4999... rounds to -90.
  ASSERT_EQ(std::round(static_cast<double>(-0.45545429f) / static_cast<double>(0.00503264414f)), -90.0);
  ASSERT_EQ(-0.45545429f / 0.00503264414f, -90.5f);
  EXPECT_EQ(QuantizeFloats(QuantizedTensor(DType::kInt8, 0.00503264414f, 0), {-0.45545429f}, "f.npy"),
            (std::vector<uint8_t>{static_cast<uint8_t>(-91)}));
  EXPECT_EQ(QuantizeFloats(QuantizedTensor(DType::kInt16, 0.00503264414f, 0), {-0.45545429f}, "f.npy"),
            (std::vector<uint8_t>{static_cast<uint8_t>(-91), 0xff}));
  try {
    QuantizeFloats(QuantizedTensor(DType::kInt8, 0.5f, 0), {1.0f, std::nanf("")}, "f.npy");
    ADD_FAILURE() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'f.npy': element 1 is NaN"), std::string::npos) << e.what();
  }
}

TEST(Npy, DequantizedOutputsAreScaleTimesQMinusZeroPoint) {
  const auto f = DequantizeBytes(QuantizedTensor(DType::kInt8, 0.25f, -128), {0x80, 0x00, 0x7f});
  EXPECT_EQ(f, (std::vector<float>{0.0f, 32.0f, 63.75f}));
}

// `tessera run` with .npy files against its raw-byte results (kws_dscnn_int8: int8 input
// [1,49,10,1], scale 0.584702909, zero point 83; int8 output [1,12]).
class NpyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_SHARED();
    dir_ = test::FreshTempDir("npy_cli");
    model_ = test::SharedModel("kws_dscnn_int8");
    raw_in_ = test::ReferenceDir("kws_dscnn_int8") + "/case1.input.bin";
    const auto r = test::RunCli("run " + model_ + " --input " + raw_in_ + " --output " + dir_ + "/raw.out");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    raw_out_ = test::ReadFileBytes(dir_ + "/raw.out");
    ASSERT_EQ(raw_out_, test::ReadFileBytes(test::ReferenceDir("kws_dscnn_int8") + "/case1.output0.bin"));
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_, model_, raw_in_;
  std::vector<uint8_t> raw_out_;
};

TEST_F(NpyCli, Int8NpyInAndOutGiveTheRawBytes) {
  const auto in = HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 49, 10, 1), }",
                              test::ReadFileBytes(raw_in_));
  WriteBytes(dir_ + "/in.npy", in);
  const auto r = test::RunCli("run " + model_ + " --input " + dir_ + "/in.npy --output " + dir_ + "/out.npy");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(test::ReadFileBytes(dir_ + "/out.npy"),
            HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 12), }", raw_out_));
}

TEST_F(NpyCli, Float32InputIsQuantizedWithTheInputsScaleAndZeroPoint) {
  // Each int8 value q written as (q - 83) * 0.584702909f: quantizing gives q back.
  const auto q = test::ReadFileBytes(raw_in_);
  std::vector<uint8_t> data(q.size() * 4);
  for (size_t i = 0; i < q.size(); ++i) {
    const float v = static_cast<float>(static_cast<int8_t>(q[i]) - 83) * 0.584702909f;
    std::memcpy(&data[4 * i], &v, 4);
  }
  // Shape without the unit dimensions: accepted.
  WriteBytes(dir_ + "/f.npy", HandWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (49, 10), }", data));
  const auto r = test::RunCli("run " + model_ + " --input " + dir_ + "/f.npy --output " + dir_ + "/out.bin");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(test::ReadFileBytes(dir_ + "/out.bin"), raw_out_);
}

TEST_F(NpyCli, DequantizeWritesFloat32ThroughTheOutputsQuantization) {
  const auto r = test::RunCli("run " + model_ + " --input " + raw_in_ + " --output " + dir_ + "/out.npy --dequantize");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<uint8_t> data(raw_out_.size() * 4);
  for (size_t i = 0; i < raw_out_.size(); ++i) {
    // Output scale 1/256 (0.00390625), zero point -128: exact in float.
    const float v = static_cast<float>(static_cast<int8_t>(raw_out_[i]) + 128) / 256.0f;
    std::memcpy(&data[4 * i], &v, 4);
  }
  EXPECT_EQ(test::ReadFileBytes(dir_ + "/out.npy"),
            HandWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 12), }", data));
}

TEST_F(NpyCli, WrongNpyInputsNameTheFileTheExpectedAndTheFound) {
  WriteBytes(dir_ + "/shape.npy", HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 10, 49, 2), }",
                                              std::vector<uint8_t>(980)));
  auto r = test::RunCli("run " + model_ + " --input " + dir_ + "/shape.npy");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("shape.npy': input 0 'input_1' expects int8[1,49,10,1] (or float32, quantized with its "
                          "scale and zero point), the file holds int8[1,10,49,2]"),
            std::string::npos)
      << r.output;
  WriteBytes(dir_ + "/dtype.npy", HandWritten("{'descr': '<i2', 'fortran_order': False, 'shape': (1, 49, 10, 1), }",
                                              std::vector<uint8_t>(980)));
  r = test::RunCli("run " + model_ + " --input " + dir_ + "/dtype.npy");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("the file holds int16[1,49,10,1]"), std::string::npos) << r.output;
  WriteBytes(dir_ + "/short.npy", HandWritten("{'descr': '|i1', 'fortran_order': False, 'shape': (1, 49, 10, 1), }",
                                              std::vector<uint8_t>(100)));
  r = test::RunCli("run " + model_ + " --input " + dir_ + "/short.npy");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("short.npy: .npy int8[1,49,10,1] needs 490 data bytes, the file has 100"), std::string::npos)
      << r.output;
  r = test::RunCli("run " + model_ + " --input " + raw_in_ + " --output " + dir_ + "/o.bin --dequantize");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--dequantize writes .npy files"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace tessera
