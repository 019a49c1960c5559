// A small wrapper around TensorFlow Lite's C library (an interpreter nobody here wrote), for
// differential tests. The library is dlopen()ed at run time from
// TESSERA_TFLITE_DIR/lib/libtensorflowlite_c.so (put there by scripts/setup.sh), so the
// tests build without it and skip, saying why, when it is absent.
//
// Every interpreter runs single-threaded with TFLite's default (built-in) kernels.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::test {

// Path of the TFLite C library this build looks for.
std::string TfliteLibraryPath();
// True when the library loads and has every function the wrapper needs; otherwise false and
// *why (if given) says what is missing.
bool TfliteAvailable(std::string* why = nullptr);
// TfLiteVersion() of the loaded library ("" when unavailable).
std::string TfliteVersion();

// TfLiteType codes of the C API that tests need.
enum TfliteType : int {
  kTfliteFloat32 = 1,
  kTfliteInt32 = 2,
  kTfliteUInt8 = 3,
  kTfliteInt8 = 9,
};

struct TfliteTensorInfo {
  int type = 0;             // TfLiteType
  std::vector<int> shape;
  float scale = 0;          // per-tensor quantization (0 when not quantized)
  int32_t zero_point = 0;
  size_t bytes = 0;
  std::string name;
};

// Thrown when TFLite refuses the model or fails to run it; carries TFLite's own messages.
class TfliteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One model, one interpreter. Throws TfliteError (with TFLite's error-reporter output) if
// the model cannot be loaded or its tensors cannot be allocated; throws TfliteError when the
// library is unavailable.
class TfliteInterpreter {
 public:
  explicit TfliteInterpreter(std::vector<uint8_t> model);
  ~TfliteInterpreter();
  TfliteInterpreter(const TfliteInterpreter&) = delete;
  TfliteInterpreter& operator=(const TfliteInterpreter&) = delete;

  int num_inputs() const;
  int num_outputs() const;
  TfliteTensorInfo input_info(int i) const;
  TfliteTensorInfo output_info(int i) const;
  // Copies raw bytes into input i (size must match).
  void SetInput(int i, const std::vector<uint8_t>& bytes);
  void Invoke();
  std::vector<uint8_t> Output(int i) const;
  // Messages TFLite reported so far.
  const std::string& log() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: load, set every input, invoke once, return every output.
std::vector<std::vector<uint8_t>> RunTflite(const std::vector<uint8_t>& model,
                                            const std::vector<std::vector<uint8_t>>& inputs);

}  // namespace tessera::test

#define TESSERA_REQUIRE_TFLITE()                                                   \
  do {                                                                             \
    std::string tessera_tflite_why_;                                               \
    if (!::tessera::test::TfliteAvailable(&tessera_tflite_why_))                   \
      GTEST_SKIP() << "TensorFlow Lite C library unavailable: " << tessera_tflite_why_; \
  } while (0)
