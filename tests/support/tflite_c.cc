#include "support/tflite_c.h"

#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace tessera::test {
namespace {

// The subset of TensorFlow Lite's C API (tensorflow/lite/c/c_api.h, 2.x) used here, declared
// locally so the tests compile without the library's headers.
struct TfLiteModel;
struct TfLiteInterpreterOptions;
struct TfLiteInterpreter;
struct TfLiteTensor;
struct TfLiteQuantizationParams {
  float scale;
  int32_t zero_point;
};
using TfLiteStatus = int;  // kTfLiteOk == 0
using ErrorReporter = void (*)(void* user_data, const char* format, va_list args);

struct Api {
  void* handle = nullptr;
  std::string error;
  const char* (*Version)();
  TfLiteModel* (*ModelCreate)(const void*, size_t);
  void (*ModelDelete)(TfLiteModel*);
  TfLiteInterpreterOptions* (*OptionsCreate)();
  void (*OptionsDelete)(TfLiteInterpreterOptions*);
  void (*OptionsSetNumThreads)(TfLiteInterpreterOptions*, int32_t);
  void (*OptionsSetErrorReporter)(TfLiteInterpreterOptions*, ErrorReporter, void*);
  TfLiteInterpreter* (*InterpreterCreate)(const TfLiteModel*, const TfLiteInterpreterOptions*);
  void (*InterpreterDelete)(TfLiteInterpreter*);
  int32_t (*GetInputTensorCount)(const TfLiteInterpreter*);
  TfLiteTensor* (*GetInputTensor)(const TfLiteInterpreter*, int32_t);
  int32_t (*GetOutputTensorCount)(const TfLiteInterpreter*);
  const TfLiteTensor* (*GetOutputTensor)(const TfLiteInterpreter*, int32_t);
  TfLiteStatus (*AllocateTensors)(TfLiteInterpreter*);
  TfLiteStatus (*Invoke)(TfLiteInterpreter*);
  int (*TensorType)(const TfLiteTensor*);
  int32_t (*TensorNumDims)(const TfLiteTensor*);
  int32_t (*TensorDim)(const TfLiteTensor*, int32_t);
  size_t (*TensorByteSize)(const TfLiteTensor*);
  const char* (*TensorName)(const TfLiteTensor*);
  TfLiteQuantizationParams (*TensorQuantizationParams)(const TfLiteTensor*);
  TfLiteStatus (*TensorCopyFromBuffer)(TfLiteTensor*, const void*, size_t);
  TfLiteStatus (*TensorCopyToBuffer)(const TfLiteTensor*, void*, size_t);
};

template <class F>
bool Load(Api& api, F*& fn, const char* symbol) {
  void* p = dlsym(api.handle, symbol);
  if (!p) {
    api.error = std::string("symbol ") + symbol + " missing from " + TfliteLibraryPath();
    return false;
  }
  fn = reinterpret_cast<F*>(p);
  return true;
}

const Api& GetApi() {
  static Api api;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string path = TfliteLibraryPath();
    api.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!api.handle) {
      const char* e = dlerror();
      api.error = "cannot load " + path + " (" + (e ? e : "?") +
                  "); run scripts/setup.sh to fetch it";
      return;
    }
    const bool ok =
        Load(api, api.Version, "TfLiteVersion") && Load(api, api.ModelCreate, "TfLiteModelCreate") &&
        Load(api, api.ModelDelete, "TfLiteModelDelete") &&
        Load(api, api.OptionsCreate, "TfLiteInterpreterOptionsCreate") &&
        Load(api, api.OptionsDelete, "TfLiteInterpreterOptionsDelete") &&
        Load(api, api.OptionsSetNumThreads, "TfLiteInterpreterOptionsSetNumThreads") &&
        Load(api, api.OptionsSetErrorReporter, "TfLiteInterpreterOptionsSetErrorReporter") &&
        Load(api, api.InterpreterCreate, "TfLiteInterpreterCreate") &&
        Load(api, api.InterpreterDelete, "TfLiteInterpreterDelete") &&
        Load(api, api.GetInputTensorCount, "TfLiteInterpreterGetInputTensorCount") &&
        Load(api, api.GetInputTensor, "TfLiteInterpreterGetInputTensor") &&
        Load(api, api.GetOutputTensorCount, "TfLiteInterpreterGetOutputTensorCount") &&
        Load(api, api.GetOutputTensor, "TfLiteInterpreterGetOutputTensor") &&
        Load(api, api.AllocateTensors, "TfLiteInterpreterAllocateTensors") &&
        Load(api, api.Invoke, "TfLiteInterpreterInvoke") &&
        Load(api, api.TensorType, "TfLiteTensorType") &&
        Load(api, api.TensorNumDims, "TfLiteTensorNumDims") &&
        Load(api, api.TensorDim, "TfLiteTensorDim") &&
        Load(api, api.TensorByteSize, "TfLiteTensorByteSize") &&
        Load(api, api.TensorName, "TfLiteTensorName") &&
        Load(api, api.TensorQuantizationParams, "TfLiteTensorQuantizationParams") &&
        Load(api, api.TensorCopyFromBuffer, "TfLiteTensorCopyFromBuffer") &&
        Load(api, api.TensorCopyToBuffer, "TfLiteTensorCopyToBuffer");
    if (!ok) {
      dlclose(api.handle);
      api.handle = nullptr;
    }
  });
  return api;
}

const Api& RequireApi() {
  const Api& api = GetApi();
  if (!api.handle) throw TfliteError("TensorFlow Lite C library unavailable: " + api.error);
  return api;
}

void Reporter(void* user, const char* format, va_list args) {
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, format, args);
  auto* log = static_cast<std::string*>(user);
  if (!log->empty()) *log += "; ";
  *log += buf;
}

TfliteTensorInfo Info(const Api& api, const TfLiteTensor* t) {
  TfliteTensorInfo info;
  info.type = api.TensorType(t);
  const int32_t n = api.TensorNumDims(t);
  for (int32_t d = 0; d < n; ++d) info.shape.push_back(api.TensorDim(t, d));
  const TfLiteQuantizationParams q = api.TensorQuantizationParams(t);
  info.scale = q.scale;
  info.zero_point = q.zero_point;
  info.bytes = api.TensorByteSize(t);
  const char* name = api.TensorName(t);
  info.name = name ? name : "";
  return info;
}

}  // namespace

std::string TfliteLibraryPath() { return std::string(TESSERA_TFLITE_DIR) + "/lib/libtensorflowlite_c.so"; }

bool TfliteAvailable(std::string* why) {
  const Api& api = GetApi();
  if (!api.handle && why) *why = api.error;
  return api.handle != nullptr;
}

std::string TfliteVersion() {
  const Api& api = GetApi();
  return api.handle ? api.Version() : "";
}

struct TfliteInterpreter::Impl {
  const Api* api = nullptr;
  std::vector<uint8_t> model_bytes;  // TfLiteModelCreate does not copy: keep them alive
  TfLiteModel* model = nullptr;
  TfLiteInterpreterOptions* options = nullptr;
  TfLiteInterpreter* interpreter = nullptr;
  std::string log;
  ~Impl() {
    if (interpreter) api->InterpreterDelete(interpreter);
    if (options) api->OptionsDelete(options);
    if (model) api->ModelDelete(model);
  }
};

TfliteInterpreter::TfliteInterpreter(std::vector<uint8_t> model) : impl_(std::make_unique<Impl>()) {
  const Api& api = RequireApi();
  impl_->api = &api;
  impl_->model_bytes = std::move(model);
  impl_->model = api.ModelCreate(impl_->model_bytes.data(), impl_->model_bytes.size());
  if (!impl_->model) throw TfliteError("TfLiteModelCreate refused the model");
  impl_->options = api.OptionsCreate();
  api.OptionsSetNumThreads(impl_->options, 1);
  api.OptionsSetErrorReporter(impl_->options, &Reporter, &impl_->log);
  impl_->interpreter = api.InterpreterCreate(impl_->model, impl_->options);
  if (!impl_->interpreter) throw TfliteError("TfLiteInterpreterCreate failed: " + impl_->log);
  if (api.AllocateTensors(impl_->interpreter) != 0)
    throw TfliteError("TfLiteInterpreterAllocateTensors failed: " + impl_->log);
}

TfliteInterpreter::~TfliteInterpreter() = default;

int TfliteInterpreter::num_inputs() const { return impl_->api->GetInputTensorCount(impl_->interpreter); }
int TfliteInterpreter::num_outputs() const {
  return impl_->api->GetOutputTensorCount(impl_->interpreter);
}

TfliteTensorInfo TfliteInterpreter::input_info(int i) const {
  if (i < 0 || i >= num_inputs()) throw TfliteError("input index out of range");
  return Info(*impl_->api, impl_->api->GetInputTensor(impl_->interpreter, i));
}

TfliteTensorInfo TfliteInterpreter::output_info(int i) const {
  if (i < 0 || i >= num_outputs()) throw TfliteError("output index out of range");
  return Info(*impl_->api, impl_->api->GetOutputTensor(impl_->interpreter, i));
}

void TfliteInterpreter::SetInput(int i, const std::vector<uint8_t>& bytes) {
  if (i < 0 || i >= num_inputs()) throw TfliteError("input index out of range");
  TfLiteTensor* t = impl_->api->GetInputTensor(impl_->interpreter, i);
  const size_t need = impl_->api->TensorByteSize(t);
  if (bytes.size() != need)
    throw TfliteError("input " + std::to_string(i) + " needs " + std::to_string(need) +
                      " bytes, got " + std::to_string(bytes.size()));
  if (impl_->api->TensorCopyFromBuffer(t, bytes.data(), bytes.size()) != 0)
    throw TfliteError("TfLiteTensorCopyFromBuffer failed: " + impl_->log);
}

void TfliteInterpreter::Invoke() {
  if (impl_->api->Invoke(impl_->interpreter) != 0)
    throw TfliteError("TfLiteInterpreterInvoke failed: " + impl_->log);
}

std::vector<uint8_t> TfliteInterpreter::Output(int i) const {
  if (i < 0 || i >= num_outputs()) throw TfliteError("output index out of range");
  const TfLiteTensor* t = impl_->api->GetOutputTensor(impl_->interpreter, i);
  std::vector<uint8_t> out(impl_->api->TensorByteSize(t));
  if (impl_->api->TensorCopyToBuffer(t, out.data(), out.size()) != 0)
    throw TfliteError("TfLiteTensorCopyToBuffer failed: " + impl_->log);
  return out;
}

const std::string& TfliteInterpreter::log() const { return impl_->log; }

std::vector<std::vector<uint8_t>> RunTflite(const std::vector<uint8_t>& model,
                                            const std::vector<std::vector<uint8_t>>& inputs) {
  TfliteInterpreter it(model);
  if (static_cast<int>(inputs.size()) != it.num_inputs())
    throw TfliteError("model has " + std::to_string(it.num_inputs()) + " inputs, " +
                      std::to_string(inputs.size()) + " given");
  for (size_t i = 0; i < inputs.size(); ++i) it.SetInput(static_cast<int>(i), inputs[i]);
  it.Invoke();
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < it.num_outputs(); ++i) out.push_back(it.Output(i));
  return out;
}

}  // namespace tessera::test
