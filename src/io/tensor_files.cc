#include "io/tensor_files.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "io/npy.h"

namespace tessera {

namespace {

std::vector<uint8_t> ReadRaw(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open '" + path + "'");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

void WriteRaw(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error("cannot write '" + path + "'");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw Error("cannot write '" + path + "'");
}

bool EndsWithNpy(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

std::vector<int64_t> TensorShape(const Tensor& t) { return {t.shape.begin(), t.shape.end()}; }

std::vector<int64_t> WithoutOnes(const std::vector<int64_t>& s) {
  std::vector<int64_t> r;
  for (int64_t d : s)
    if (d != 1) r.push_back(d);
  return r;
}

bool Quantizable(DType t) { return t == DType::kInt8 || t == DType::kUInt8 || t == DType::kInt16; }

std::string Role(const char* kind, const Graph& g, size_t i, int tensor) {
  return std::string(kind) + " " + std::to_string(i) + " '" + g.tensors[tensor].name + "'";
}

// The tensor's bytes from one file (raw: exactly the tensor's byte count).
std::vector<uint8_t> TensorBytesFromFile(const std::string& path, const Tensor& t, const std::string& role,
                                         bool allow_float) {
  const std::string expected = DescribeArray(t.type, TensorShape(t));
  if (!IsNpyFile(path)) {
    auto raw = ReadRaw(path);
    if (static_cast<int64_t>(raw.size()) != t.num_bytes())
      throw Error("'" + path + "': " + role + " expects " + std::to_string(t.num_bytes()) + " raw bytes (" +
                  expected + "), the file has " + std::to_string(raw.size()) + " bytes and is not .npy");
    return raw;
  }
  NpyArray a = ReadNpy(path);
  const bool float_in = allow_float && a.type == DType::kFloat32 && Quantizable(t.type) && t.quant.scale.size() == 1;
  std::string want = expected;
  if (allow_float && Quantizable(t.type)) want += " (or float32, quantized with its scale and zero point)";
  if ((a.type != t.type && !float_in) || WithoutOnes(a.shape) != WithoutOnes(TensorShape(t)))
    throw Error("'" + path + "': " + role + " expects " + want + ", the file holds " + DescribeArray(a.type, a.shape));
  if (!float_in) return std::move(a.data);
  std::vector<float> v(static_cast<size_t>(a.num_elements()));
  std::memcpy(v.data(), a.data.data(), a.data.size());
  return QuantizeFloats(t, v, path);
}

std::vector<std::vector<uint8_t>> ReadTensors(const Graph& g, const std::vector<int>& tensors,
                                              const std::vector<std::string>& files, const char* kind,
                                              bool allow_float) {
  std::vector<std::vector<uint8_t>> r;
  if (files.size() == 1 && tensors.size() > 1 && !IsNpyFile(files[0])) {
    // One raw file with every tensor, in order.
    const auto raw = ReadRaw(files[0]);
    int64_t total = 0;
    for (int t : tensors) total += g.tensors[t].num_bytes();
    if (static_cast<int64_t>(raw.size()) != total)
      throw Error("'" + files[0] + "' has " + std::to_string(raw.size()) + " bytes, model '" + g.name + "' expects " +
                  std::to_string(total) + " (its " + std::to_string(tensors.size()) + " " + kind +
                  "s, raw, in order; or give one file per " + kind + ", raw or .npy)");
    int64_t at = 0;
    for (int t : tensors) {
      const int64_t n = g.tensors[t].num_bytes();
      r.emplace_back(raw.begin() + at, raw.begin() + at + n);
      at += n;
    }
    return r;
  }
  if (files.size() != tensors.size())
    throw Error(std::to_string(files.size()) + " " + kind + " files for model '" + g.name + "' with " +
                std::to_string(tensors.size()) + " " + kind + "s (give one file per " + kind + ", in order)");
  for (size_t i = 0; i < tensors.size(); ++i)
    r.push_back(TensorBytesFromFile(files[i], g.tensors[tensors[i]], Role(kind, g, i, tensors[i]), allow_float));
  return r;
}

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::vector<uint8_t> PseudoRandomInput(const Tensor& t, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> r(static_cast<size_t>(t.num_bytes()));
  if (t.type == DType::kFloat32) {
    for (size_t i = 0; i + 4 <= r.size(); i += 4) {
      const float v = static_cast<float>(static_cast<double>(rng()) / 4294967296.0 * 2.0 - 1.0);
      std::memcpy(&r[i], &v, 4);
    }
  } else {
    for (auto& b : r) b = static_cast<uint8_t>(rng() >> 24);
  }
  return r;
}

std::vector<float> DequantizeBytes(const Tensor& t, const std::vector<uint8_t>& bytes) {
  const size_t n = bytes.size() / static_cast<size_t>(DTypeSize(t.type));
  std::vector<float> r(n);
  if (t.type == DType::kFloat32) {
    std::memcpy(r.data(), bytes.data(), n * 4);
    return r;
  }
  if (!Quantizable(t.type) || t.quant.scale.size() != 1)
    throw Error("tensor '" + t.name + "' (" + DTypeName(t.type) + ") has no per-tensor quantization to dequantize");
  const double scale = t.quant.scale[0];
  const int64_t zp = t.quant.zero_point[0];
  for (size_t i = 0; i < n; ++i) {
    int64_t q = 0;
    if (t.type == DType::kInt8) q = Load<int8_t>(&bytes[i]);
    else if (t.type == DType::kUInt8) q = bytes[i];
    else q = Load<int16_t>(&bytes[2 * i]);
    // The exact product (a float scale times an integer below 2^17 fits a double) rounded once:
    // the same float as TFLM's Dequantize, a single-precision product of the two.
    r[i] = static_cast<float>(scale * static_cast<double>(q - zp));
  }
  return r;
}

std::vector<uint8_t> QuantizeFloats(const Tensor& t, const std::vector<float>& values, const std::string& file) {
  // TFLM's AffineQuantize (reference/quantize.h): TfLiteRound(value / static_cast<float>(scale)),
  // the quotient of two floats and its rounding (half away from zero) in single precision,
  // plus the zero point, clamped to the type's range (as kernels/src/quantize.c; uint8, which
  // TFLM's float QUANTIZE does not produce, the same way).
  const float scale = static_cast<float>(t.quant.scale.at(0));
  const int64_t zp = t.quant.zero_point.at(0);
  const int64_t lo = t.type == DType::kInt8 ? -128 : t.type == DType::kUInt8 ? 0 : -32768;
  const int64_t hi = t.type == DType::kInt8 ? 127 : t.type == DType::kUInt8 ? 255 : 32767;
  const int size = DTypeSize(t.type);
  std::vector<uint8_t> r(values.size() * static_cast<size_t>(size));
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values[i]))
      throw Error("'" + file + "': element " + std::to_string(i) + " is NaN (cannot quantize it for '" + t.name + "')");
    // Clamped in double before the conversion to an integer (infinite or huge values).
    const float quotient = values[i] / scale;  // float / float
    const double rounded = static_cast<double>(std::round(quotient));  // std::round(float): in float
    const int64_t q = static_cast<int64_t>(std::clamp(rounded + static_cast<double>(zp), static_cast<double>(lo),
                                                      static_cast<double>(hi)));
    if (size == 1) {
      r[i] = static_cast<uint8_t>(q);
    } else {
      const int16_t v = static_cast<int16_t>(q);
      std::memcpy(&r[2 * i], &v, 2);
    }
  }
  return r;
}

std::vector<std::vector<uint8_t>> ReadModelInputs(const Graph& g, const std::vector<std::string>& files) {
  return ReadTensors(g, g.inputs, files, "input", true);
}

std::vector<std::vector<uint8_t>> ReadModelReferences(const Graph& g, const std::vector<std::string>& files) {
  return ReadTensors(g, g.outputs, files, "output", false);
}

void WriteModelOutputs(const Graph& g, const std::vector<std::vector<uint8_t>>& outputs,
                       const std::vector<std::string>& files, bool dequantize) {
  if (files.size() == 1 && outputs.size() > 1 && !EndsWithNpy(files[0])) {
    std::vector<uint8_t> all;
    for (const auto& o : outputs) all.insert(all.end(), o.begin(), o.end());
    WriteRaw(files[0], all);
    return;
  }
  if (files.size() != outputs.size())
    throw Error(std::to_string(files.size()) + " output files for model '" + g.name + "' with " +
                std::to_string(outputs.size()) + " outputs (give one file per output, in order, or one raw file)");
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& t = g.tensors[g.outputs[i]];
    if (!EndsWithNpy(files[i])) {
      if (dequantize) throw Error("--dequantize writes .npy files ('" + files[i] + "' does not end in .npy)");
      WriteRaw(files[i], outputs[i]);
      continue;
    }
    NpyArray a;
    a.shape = TensorShape(t);
    if (dequantize && t.type != DType::kFloat32) {
      const auto v = DequantizeBytes(t, outputs[i]);
      a.type = DType::kFloat32;
      a.data.resize(v.size() * 4);
      std::memcpy(a.data.data(), v.data(), a.data.size());
    } else {
      a.type = t.type;
      a.data = outputs[i];
    }
    WriteNpy(files[i], a);
  }
}

}  // namespace tessera
