// tessera::Graph -> .tflite (schema version 3, identifier "TFL3") that TensorFlow Lite and
// TensorFlow Lite Micro load: buffer 0 is the empty sentinel, every constant tensor has its own
// buffer, operator codes carry both deprecated_builtin_code (clamped to 127) and builtin_code,
// every operator its options table. The writer is faithful: it writes the graph as it is,
// without validating it (ReadTflite validates), so tests can write deliberately broken graphs.
// Reading the output back gives a graph equal to the input (GraphsEqual in ir/graph_equal.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {

struct TfliteWriteOptions {
  // Store constant data after the flatbuffer, located by Buffer.offset/size (the layout
  // TFLite >= 2.12 uses for models over 2 GiB). TFLite 2.9 cannot read such files.
  bool buffers_after_flatbuffer = false;
  // Text of Model.description.
  std::string description = "written by tessera";
};

std::vector<uint8_t> WriteTfliteBytes(const Graph& g, const TfliteWriteOptions& opts = {});
void WriteTflite(const Graph& g, const std::string& path, const TfliteWriteOptions& opts = {});
// Same as WriteTfliteBytes(g).
std::vector<uint8_t> WriteTflite(const Graph& g);

}  // namespace tessera
