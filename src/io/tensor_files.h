// A model's inputs and outputs as files: NumPy .npy (recognised by its magic string when
// read, by the .npy extension when written) or raw bytes (the tensor's bytes, NHWC).
//
// Inputs: one file per model input, in order, or a single raw file holding every input's
// bytes one after the other. An .npy input has the tensor's shape (dimensions of size 1 may
// be left out or added) and either the tensor's dtype, or float32 for an int8/uint8/int16
// input: quantized with the input's scale and zero point as TFLM's QUANTIZE does
// (tensorflow/lite/kernels/internal/reference/quantize.h: round half away from zero of
// value / scale in double, plus the zero point, clamped to the type's range).
//
// Outputs: one file per model output, in order, or a single raw file receiving every
// output's bytes. An .npy output has the tensor's dtype and shape, or with `dequantize`
// float32 values scale * (q - zero_point) (TFLM's DEQUANTIZE, reference/dequantize.h).
//
// Every error names the file and says what was expected (tensor, dtype, shape, bytes) and
// what was found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {

// Deterministic pseudo-random bytes for a tensor: int8/uint8 one uniform byte per element,
// float32 uniform in [-1, 1) per element (std::mt19937 is specified bit for bit).
std::vector<uint8_t> PseudoRandomInput(const Tensor& t, uint32_t seed);

std::vector<std::vector<uint8_t>> ReadModelInputs(const Graph& g, const std::vector<std::string>& files);

// Expected bytes of each model output from reference files (same rules as inputs, but an .npy
// must have the output's own dtype).
std::vector<std::vector<uint8_t>> ReadModelReferences(const Graph& g, const std::vector<std::string>& files);

void WriteModelOutputs(const Graph& g, const std::vector<std::vector<uint8_t>>& outputs,
                       const std::vector<std::string>& files, bool dequantize);

// Float32 values of a quantized tensor's bytes: scale * (q - zero_point), computed in
// double and rounded to float like TFLM's DEQUANTIZE. Float32 bytes are returned unchanged.
std::vector<float> DequantizeBytes(const Tensor& t, const std::vector<uint8_t>& bytes);
// A quantized tensor's bytes from float32 values, like TFLM's QUANTIZE. Throws Error on NaN.
std::vector<uint8_t> QuantizeFloats(const Tensor& t, const std::vector<float>& values, const std::string& file);

}  // namespace tessera
