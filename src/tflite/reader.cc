#include "tflite/reader.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ir/fold.h"
#include "ops/lowering.h"
#include "ops/unit.h"
#include "tflite/options.h"
#include "tflite_schema_generated.h"

namespace tessera {
namespace {

namespace fb = ::tessera::tfl;

// Files of 2 GiB and more cannot be verified as one flatbuffer.
constexpr size_t kMaxFileBytes = (size_t{1} << 31) - 1;

struct Reader {
  std::string label;  // prefix of every error message
  const uint8_t* file = nullptr;
  size_t size = 0;
  const fb::Model* model = nullptr;
  const fb::SubGraph* sg = nullptr;
  int num_tensors = 0;

  [[noreturn]] void Fail(const std::string& msg) const { throw Error(label + ": " + msg); }

  std::string TensorRef(int i) const {
    std::string r = "tensor " + std::to_string(i);
    const auto* tensors = sg ? sg->tensors() : nullptr;
    if (tensors && i >= 0 && i < static_cast<int>(tensors->size())) {
      const auto* t = tensors->Get(static_cast<flatbuffers::uoffset_t>(i));
      if (t->name() && t->name()->size() > 0) r += " '" + t->name()->str() + "'";
    }
    return r;
  }
};

std::string Printable(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7f) {
      s += static_cast<char>(p[i]);
    } else {
      static const char* hex = "0123456789abcdef";
      s += "\\x";
      s += hex[p[i] >> 4];
      s += hex[p[i] & 15];
    }
  }
  return s;
}

// The operator code of an OperatorCode table: the larger of the two fields (files written
// before the 32-bit field existed only have the 8-bit one; newer files clamp the 8-bit one).
int32_t BuiltinCode(const fb::OperatorCode* oc) {
  return std::max<int32_t>(oc->deprecated_builtin_code(), static_cast<int32_t>(oc->builtin_code()));
}

std::string BuiltinName(const fb::OperatorCode* oc) {
  const int32_t code = BuiltinCode(oc);
  if (code == static_cast<int32_t>(fb::BuiltinOperator::CUSTOM)) {
    std::string n = "CUSTOM";
    if (oc->custom_code()) n += " '" + oc->custom_code()->str() + "'";
    return n;
  }
  const char* n = fb::EnumNameBuiltinOperator(static_cast<fb::BuiltinOperator>(code));
  if (n && *n) return n;
  return "BUILTIN_" + std::to_string(code);
}

std::string TypeName(fb::TensorType t) {
  const char* n = fb::EnumNameTensorType(t);
  if (n && *n) return n;
  return "type " + std::to_string(static_cast<int>(t));
}

Tensor ReadTensor(const Reader& r, int index) {
  const fb::Tensor* ft = r.sg->tensors()->Get(static_cast<flatbuffers::uoffset_t>(index));
  const std::string ref = r.TensorRef(index);
  Tensor t;
  if (ft->name()) t.name = ft->name()->str();

  auto type = tflite::FromTensorType(ft->type());
  if (!type)
    r.Fail(ref + ": tensor type " + TypeName(ft->type()) +
           " is not supported (tessera reads int8, int16, int32, int64 and float32 tensors)");
  t.type = *type;

  if (ft->sparsity()) r.Fail(ref + ": sparse tensors are not supported");

  // Shape: non-negative dims, bounded rank and size (checked before anything is allocated).
  if (const auto* shape = ft->shape()) {
    if (shape->size() > static_cast<flatbuffers::uoffset_t>(kMaxTfliteRank))
      r.Fail(ref + ": rank " + std::to_string(shape->size()) + " exceeds the maximum of " +
             std::to_string(kMaxTfliteRank));
    int64_t elements = 1;
    for (flatbuffers::uoffset_t d = 0; d < shape->size(); ++d) {
      const int32_t dim = shape->Get(d);
      if (dim < 0)
        r.Fail(ref + ": shape dimension " + std::to_string(d) + " is " + std::to_string(dim) +
               " (dimensions must be >= 0)");
      elements *= dim;  // elements <= 2^30 and dim < 2^31 before: no overflow
      if (elements > kMaxTensorBytes / DTypeSize(t.type))
        r.Fail(ref + ": shape is too large (more than " + std::to_string(kMaxTensorBytes) +
               " bytes)");
      t.shape.push_back(dim);
    }
  }

  // Quantization. As in TFLite, a tensor is quantized when it has both scales and zero points.
  if (const auto* q = ft->quantization()) {
    if (q->details_type() != fb::QuantizationDetails::NONE)
      r.Fail(ref + ": custom quantization (quantization.details) is not supported");
    const auto* scale = q->scale();
    const auto* zp = q->zero_point();
    if (scale && zp && scale->size() > 0 && zp->size() > 0) {
      if (scale->size() != zp->size())
        r.Fail(ref + ": quantization has " + std::to_string(scale->size()) + " scales but " +
               std::to_string(zp->size()) + " zero points");
      const int64_t n = scale->size();
      int32_t qdim = q->quantized_dimension();
      // Some converters give 1-D per-channel biases the filter's quantized_dimension (e.g. 3);
      // TFLite accepts these, and dimension 0 is the only one they can mean.
      if (n > 1 && t.shape.size() == 1 && (qdim < 0 || qdim >= 1)) qdim = 0;
      if (n > 1) {
        if (qdim < 0 || qdim >= static_cast<int32_t>(t.shape.size()))
          r.Fail(ref + ": quantization.quantized_dimension " + std::to_string(qdim) +
                 " is out of range for rank " + std::to_string(t.shape.size()));
        if (t.shape[qdim] != n)
          r.Fail(ref + ": quantization has " + std::to_string(n) +
                 " scales, but dimension " + std::to_string(qdim) + " has " +
                 std::to_string(t.shape[qdim]) + " elements");
      }
      for (int64_t i = 0; i < n; ++i) {
        const float s = scale->Get(static_cast<flatbuffers::uoffset_t>(i));
        if (!std::isfinite(s) || !(s > 0.0f))
          r.Fail(ref + ": quantization scale[" + std::to_string(i) + "] is " +
                 std::to_string(s) + " (must be finite and > 0)");
      }
      t.quant.scale.assign(scale->begin(), scale->end());
      // The verifier checks a vector's alignment, not its 8-byte elements': an int64 vector
      // may start 4 bytes off an 8-byte boundary, so copy the bytes instead of loading int64s.
      t.quant.zero_point.resize(zp->size());
      for (flatbuffers::uoffset_t i = 0; i < zp->size(); ++i) {
        int64_t v;
        std::memcpy(&v, zp->Data() + i * sizeof(int64_t), sizeof v);
        t.quant.zero_point[i] = flatbuffers::EndianScalar(v);
      }
      t.quant.quantized_dimension = qdim;
    }
  }

  // Constant data: a non-empty buffer (inside the flatbuffer, or after it for large models).
  const uint32_t bidx = ft->buffer();
  const auto* buffers = r.model->buffers();
  const uint32_t nbuf = buffers ? buffers->size() : 0;
  if (bidx != 0 || nbuf > 0) {
    if (bidx >= nbuf)
      r.Fail(ref + ": buffer index " + std::to_string(bidx) + " is out of range (the model has " +
             std::to_string(nbuf) + " buffers)");
    const fb::Buffer* b = buffers->Get(bidx);
    const uint8_t* bytes = nullptr;
    uint64_t nbytes = 0;
    if (b->data() && b->data()->size() > 0) {
      bytes = b->data()->data();
      nbytes = b->data()->size();
    } else if (b->offset() > 1) {
      const uint64_t off = b->offset(), len = b->size();
      if (off > r.size || len > r.size - off)
        r.Fail(ref + ": buffer " + std::to_string(bidx) + " lies outside the file (offset " +
               std::to_string(off) + ", size " + std::to_string(len) + ", file size " +
               std::to_string(r.size) + ")");
      bytes = r.file + off;
      nbytes = len;
    }
    if (nbytes > 0) {
      const int64_t want = t.num_bytes();
      if (static_cast<uint64_t>(want) != nbytes)
        r.Fail(ref + ": constant buffer " + std::to_string(bidx) + " holds " +
               std::to_string(nbytes) + " bytes, but its shape and type need " +
               std::to_string(want));
      t.data.assign(bytes, bytes + nbytes);
      t.is_const = true;
    }
  }
  if (ft->is_variable()) {
    // State: the buffer's bytes are its initial value; without one (the usual case: TFLite
    // refuses a variable tensor with a buffer), TFLM's reset value (zero point for int8).
    t.is_const = false;
    t.is_variable = true;
    if (t.data.empty()) t.data = VariableResetValue(t);
  }
  return t;
}


std::vector<int> ReadIndexList(const Reader& r, const flatbuffers::Vector<int32_t>* v,
                               const std::string& what, bool allow_absent) {
  std::vector<int> out;
  if (!v) return out;
  out.reserve(v->size());
  for (flatbuffers::uoffset_t i = 0; i < v->size(); ++i) {
    const int32_t t = v->Get(i);
    if (allow_absent && t == -1) {
      out.push_back(kNoTensor);
      continue;
    }
    if (t < 0 || t >= r.num_tensors)
      r.Fail(what + " " + std::to_string(i) + " is tensor index " + std::to_string(t) +
             ", out of range (the subgraph has " + std::to_string(r.num_tensors) + " tensors)");
    out.push_back(t);
  }
  return out;
}

Graph ReadModel(const uint8_t* data, size_t size, const std::string& label,
                const std::string& name) {
  Reader r;
  r.label = label;
  r.file = data;
  r.size = size;

  if (data == nullptr || size < 8)
    r.Fail("file is too small to be a .tflite model (" + std::to_string(size) + " bytes)");
  if (size > kMaxFileBytes)
    r.Fail("file is larger than 2 GiB (" + std::to_string(size) + " bytes); not supported");
  if (!flatbuffers::BufferHasIdentifier(data, fb::ModelIdentifier()))
    r.Fail("not a TFLite model: file identifier is '" + Printable(data + 4, 4) +
           "', expected 'TFL3'");
  flatbuffers::Verifier::Options vopts;
  vopts.max_depth = 64;
  vopts.max_tables = 1000000;
  flatbuffers::Verifier verifier(data, size, vopts);
  if (!fb::VerifyModelBuffer(verifier))
    r.Fail("malformed .tflite file: the flatbuffer verifier rejected it (truncated or corrupt)");

  r.model = fb::GetModel(data);
  if (r.model->version() != 3)
    r.Fail("schema version " + std::to_string(r.model->version()) + " is not supported (expected 3)");
  const auto* subgraphs = r.model->subgraphs();
  if (!subgraphs || subgraphs->size() == 0) r.Fail("the model has no subgraph");
  r.sg = subgraphs->Get(0);
  const auto* tensors = r.sg->tensors();
  r.num_tensors = tensors ? static_cast<int>(tensors->size()) : 0;

  Graph g;
  g.name = name;

  // Operators first: every unsupported operator is reported in one error.
  const auto* codes = r.model->operator_codes();
  const uint32_t ncodes = codes ? codes->size() : 0;
  const auto* fops = r.sg->operators();
  const int nops = fops ? static_cast<int>(fops->size()) : 0;
  std::vector<OpType> types(nops);
  std::vector<const ops::Lowering*> lowerings(nops, nullptr);
  std::vector<std::pair<std::string, std::vector<int>>> unsupported;
  for (int i = 0; i < nops; ++i) {
    const fb::Operator* op = fops->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (op->opcode_index() >= ncodes)
      r.Fail("operator " + std::to_string(i) + ": opcode_index " +
             std::to_string(op->opcode_index()) + " is out of range (the model has " +
             std::to_string(ncodes) + " operator codes)");
    const fb::OperatorCode* oc = codes->Get(op->opcode_index());
    if (const ops::OpUnit* u = ops::FindUnit(BuiltinCode(oc))) {
      types[i] = u->type();
      continue;
    }
    if ((lowerings[i] = ops::FindLowering(BuiltinCode(oc)))) continue;
    const std::string n = BuiltinName(oc);
    auto it = std::find_if(unsupported.begin(), unsupported.end(),
                           [&](const auto& e) { return e.first == n; });
    if (it == unsupported.end()) unsupported.push_back({n, {i}});
    else it->second.push_back(i);
  }
  if (!unsupported.empty()) {
    std::string msg = "unsupported operators: ";
    for (size_t k = 0; k < unsupported.size(); ++k) {
      const auto& [n, idx] = unsupported[k];
      if (k) msg += ", ";
      msg += n + (idx.size() == 1 ? " (op " : " (ops ");
      for (size_t j = 0; j < idx.size(); ++j) {
        if (j) msg += ", ";
        msg += std::to_string(idx[j]);
      }
      msg += ")";
    }
    r.Fail(msg);
  }

  g.tensors.reserve(r.num_tensors);
  for (int i = 0; i < r.num_tensors; ++i) g.tensors.push_back(ReadTensor(r, i));

  g.inputs = ReadIndexList(r, r.sg->inputs(), "subgraph input", false);
  g.outputs = ReadIndexList(r, r.sg->outputs(), "subgraph output", false);

  g.ops.reserve(nops);
  for (int i = 0; i < nops; ++i) {
    const fb::Operator* fop = fops->Get(static_cast<flatbuffers::uoffset_t>(i));
    if (const ops::Lowering* l = lowerings[i]) {
      const std::string opref = std::string(l->name) + " (op " + std::to_string(i) + ")";
      const tflite::OptionsIn opts(fop, opref);  // r.Fail adds the file's label
      const ops::LowerIn in{opts, ReadIndexList(r, fop->inputs(), opref + ": input", true),
                            ReadIndexList(r, fop->outputs(), opref + ": output", false), opref};
      const size_t before = g.ops.size();
      try {
        l->lower(in, g, &g.ops);
      } catch (const Error& e) {
        r.Fail(e.what());
      }
      g.lowered.push_back(opref + " -> " + std::to_string(g.ops.size() - before) + " " +
                          OpTypeName(g.ops.back().type));
      continue;
    }
    const std::string opref = std::string(OpTypeName(types[i])) + " (op " + std::to_string(i) + ")";
    Operator op;
    op.type = types[i];
    op.inputs = ReadIndexList(r, fop->inputs(), opref + ": input", true);
    op.outputs = ReadIndexList(r, fop->outputs(), opref + ": output", false);
    op.options = ops::Unit(types[i]).ReadOptions(tflite::OptionsIn(fop, r.label + ": " + opref));
    g.ops.push_back(std::move(op));
  }

  try {
    FoldConstants(g);
    g.Validate();
  } catch (const Error& e) {
    r.Fail(e.what());
  }
  return g;
}

}  // namespace

Graph ReadTfliteBytes(const uint8_t* data, size_t size, const std::string& name) {
  return ReadModel(data, size, name, name);
}

Graph ReadTflite(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": cannot open: not a regular file or does not exist");
  const auto fsize = std::filesystem::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read its size: " + ec.message());
  if (fsize > kMaxFileBytes)
    throw Error(path + ": file is larger than 2 GiB (" + std::to_string(fsize) +
                " bytes); not supported");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open for reading");
  std::vector<uint8_t> bytes(static_cast<size_t>(fsize));
  if (fsize > 0 && !f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(fsize)))
    throw Error(path + ": read error");
  return ReadModel(bytes.data(), bytes.size(), path, std::filesystem::path(path).stem().string());
}

}  // namespace tessera
