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
#include <tuple>
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

  if (ft->type() == fb::TensorType::RESOURCE) {
    // A resource handle (VAR_HANDLE's output): resolved at load time (ResolveResources); a
    // placeholder until then.
    t.type = DType::kInt32;
    return t;
  }
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

// ---- resource variables -------------------------------------------------------------------
// VAR_HANDLE names a resource by (container, shared_name) (TFLM MicroResourceVariables,
// TFLite's resource map); READ_VARIABLE and ASSIGN_VARIABLE take its handle; CALL_ONCE runs an
// init subgraph on the first invoke. tessera resolves all of it at load time: each resource
// that subgraph 0 reads or assigns becomes one state tensor (Tensor::is_variable, its type,
// shape and quantization those of the values assigned to it, which must agree), the handle
// operands are replaced by it, and an init subgraph of VAR_HANDLE + ASSIGN_VARIABLE of
// constants is folded into the state's initial value. Its initial value otherwise is TFLM's:
// every byte the int8 zero point of the first value tensor assigned to it (0 without
// quantization; micro_resource_variable.cc Allocate).
constexpr int32_t kVarHandle = static_cast<int32_t>(fb::BuiltinOperator::VAR_HANDLE);
constexpr int32_t kCallOnce = static_cast<int32_t>(fb::BuiltinOperator::CALL_ONCE);
constexpr int32_t kReadVariable = static_cast<int32_t>(fb::BuiltinOperator::READ_VARIABLE);
constexpr int32_t kAssignVariable = static_cast<int32_t>(fb::BuiltinOperator::ASSIGN_VARIABLE);

struct Resource {
  std::string container, shared_name;
  int state = -1;               // the state tensor (subgraph 0's index), -1: none yet
  bool assigned = false;        // some ASSIGN_VARIABLE gives it a value (type, shape)
  Tensor value;                 // the first value assigned: type, shape, quantization
  std::string value_where;      // where that value was seen (for messages)
  std::vector<uint8_t> init;    // bytes a folded CALL_ONCE init subgraph assigns, else empty
  bool read = false, written = false;  // by subgraph 0
  std::string Name() const {
    return "resource '" + shared_name + "'" + (container.empty() ? "" : " (container '" + container + "')");
  }
};

struct Resources {
  std::vector<Resource> list;
  std::vector<int> of_tensor;  // subgraph 0 tensor -> resource index (handles), -1
  std::vector<std::string> notes;

  int Find(const std::string& container, const std::string& shared_name) {
    for (size_t i = 0; i < list.size(); ++i)
      if (list[i].container == container && list[i].shared_name == shared_name) return static_cast<int>(i);
    Resource r;
    r.container = container;
    r.shared_name = shared_name;
    list.push_back(std::move(r));
    return static_cast<int>(list.size()) - 1;
  }
  // VAR_HANDLE op `fop`: its resource.
  int Handle(const Reader& r, const fb::Operator* fop, const std::string& opref) {
    const fb::VarHandleOptions* o = nullptr;
    if (fop->builtin_options_type() == fb::BuiltinOptions::VarHandleOptions)
      o = fop->builtin_options_as_VarHandleOptions();
    else if (fop->builtin_options_type() != fb::BuiltinOptions::NONE)
      r.Fail(opref + ": builtin_options is not VarHandleOptions");
    if ((fop->inputs() && fop->inputs()->size() != 0) || !fop->outputs() || fop->outputs()->size() != 1)
      r.Fail(opref + ": expects no input and one output (the resource handle)");
    const std::string container = o && o->container() ? o->container()->str() : "";
    const std::string shared = o && o->shared_name() ? o->shared_name()->str() : "";
    return Find(container, shared);
  }
  // A value assigned to resource `k` (ASSIGN_VARIABLE's operand 1): the first fixes the
  // resource's type and shape; every other must agree.
  void Value(const Reader& r, int k, const Tensor& v, const std::string& where) {
    Resource& res = list[k];
    if (!res.assigned) {
      res.assigned = true;
      res.value = v;
      res.value.data.clear();
      res.value.is_const = false;
      res.value_where = where;
      return;
    }
    if (v.type != res.value.type || v.shape != res.value.shape)
      r.Fail(where + ": assigns " + DTypeName(v.type) + " " + ShapeStr(v.shape) + " to " + res.Name() + ", but " +
             res.value_where + " assigns it " + DTypeName(res.value.type) + " " + ShapeStr(res.value.shape) +
             " (a resource variable keeps one type and shape)");
  }
};

// Folds CALL_ONCE's init subgraph `index` into the resources' initial values: only VAR_HANDLE
// and ASSIGN_VARIABLE of constants.
void FoldInitSubgraph(const Reader& r0, Resources& res, int index, const std::string& callref) {
  const auto* subgraphs = r0.model->subgraphs();
  if (index <= 0 || index >= static_cast<int>(subgraphs->size()))
    r0.Fail(callref + ": init_subgraph_index " + std::to_string(index) + " is not a subgraph other than 0 (the model has " +
            std::to_string(subgraphs->size()) + " subgraphs)");
  Reader r = r0;
  r.sg = subgraphs->Get(static_cast<flatbuffers::uoffset_t>(index));
  r.num_tensors = r.sg->tensors() ? static_cast<int>(r.sg->tensors()->size()) : 0;
  const std::string sgref = "init subgraph " + std::to_string(index) + " of " + callref;
  const auto* codes = r.model->operator_codes();
  const auto* fops = r.sg->operators();
  const int nops = fops ? static_cast<int>(fops->size()) : 0;
  std::vector<int> handle(r.num_tensors, -1);
  for (int i = 0; i < nops; ++i) {
    const fb::Operator* fop = fops->Get(static_cast<flatbuffers::uoffset_t>(i));
    const std::string opref = sgref + ", operator " + std::to_string(i);
    if (!codes || fop->opcode_index() >= codes->size())
      r.Fail(opref + ": opcode_index " + std::to_string(fop->opcode_index()) + " is out of range");
    const fb::OperatorCode* oc = codes->Get(fop->opcode_index());
    const int32_t code = BuiltinCode(oc);
    if (code == kVarHandle) {
      const int k = res.Handle(r, fop, opref + " (VAR_HANDLE)");
      const int t = fop->outputs()->Get(0);
      if (t < 0 || t >= r.num_tensors) r.Fail(opref + " (VAR_HANDLE): output tensor index out of range");
      handle[t] = k;
      continue;
    }
    if (code != kAssignVariable)
      r.Fail(opref + " (" + BuiltinName(oc) +
             "): not supported in a CALL_ONCE init subgraph (tessera folds init subgraphs made only of VAR_HANDLE "
             "and ASSIGN_VARIABLE of constants into the initial state)");
    const std::string aref = opref + " (ASSIGN_VARIABLE)";
    const std::vector<int> in = ReadIndexList(r, fop->inputs(), aref + ": input", false);
    if (in.size() != 2) r.Fail(aref + ": expects 2 inputs (resource, value), has " + std::to_string(in.size()));
    if (handle[in[0]] < 0) r.Fail(aref + ": input 0 (" + r.TensorRef(in[0]) + ") is not the output of an earlier VAR_HANDLE");
    const Tensor v = ReadTensor(r, in[1]);
    if (!v.is_const)
      r.Fail(aref + ": value " + r.TensorRef(in[1]) +
             " is not a constant (tessera folds only assignments of constants from init subgraphs)");
    Resource& rs = res.list[handle[in[0]]];
    res.Value(r, handle[in[0]], v, aref);
    rs.init = v.data;
  }
}

// Resolves subgraph 0's resource operators (see above). `handles`: tensor -> resource for
// every VAR_HANDLE output of subgraph 0; `calls`: (file operator, init subgraph, position in
// g.ops when met) of every CALL_ONCE.
void ResolveResources(const Reader& r, Graph& g, Resources& res,
                      const std::vector<std::tuple<int, int, size_t>>& calls, const std::vector<int>& file_op) {
  // "READ_VARIABLE (op 3)": the file's operator index, as the reader's other messages.
  const auto opref = [&](size_t i) {
    return std::string(OpTypeName(g.ops[i].type)) + " (op " + std::to_string(file_op.at(i)) + ")";
  };
  const auto* subgraphs = r.model->subgraphs();
  const int nsub = static_cast<int>(subgraphs->size());
  std::vector<bool> init_sub(nsub, false);
  const int nt_file = r.num_tensors;
  const auto handle_res = [&](int t) { return t >= 0 && t < nt_file ? res.of_tensor[t] : -1; };

  // Subgraph 0's READ_VARIABLE / ASSIGN_VARIABLE: resources, values.
  size_t first_resource_op = g.ops.size();
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Operator& op = g.ops[i];
    const bool rd = op.type == OpType::kReadVariable, as = op.type == OpType::kAssignVariable;
    if (!rd && !as) continue;
    first_resource_op = std::min(first_resource_op, i);
    const std::string ref = opref(i);
    const size_t want_in = rd ? 1 : 2;
    if (op.inputs.size() != want_in)
      r.Fail(ref + ": expects " + std::to_string(want_in) + " inputs, has " + std::to_string(op.inputs.size()));
    if (op.outputs.size() != (rd ? 1u : 0u))
      r.Fail(ref + ": expects " + (rd ? std::string("one output") : std::string("no output")) + ", has " +
             std::to_string(op.outputs.size()));
    const int k = handle_res(op.inputs[0]);
    if (k < 0)
      r.Fail(ref + ": input 0 (" + r.TensorRef(op.inputs[0]) + ") is not the output of a VAR_HANDLE");
    if (rd) {
      res.list[k].read = true;
    } else {
      res.list[k].written = true;
      if (op.inputs[1] == kNoTensor) r.Fail(ref + ": input 1 (the value) is absent");
      res.Value(r, k, g.tensors[op.inputs[1]], ref);
    }
  }
  // CALL_ONCE: before every resource operator; init subgraphs folded in order.
  for (const auto& [file_op, index, position] : calls) {
    const std::string callref = "CALL_ONCE (op " + std::to_string(file_op) + ")";
    if (position > first_resource_op)
      r.Fail(callref + " comes after " + opref(first_resource_op) +
             ": tessera folds CALL_ONCE into the initial state, which needs it before every resource operator");
    if (index > 0 && index < nsub) init_sub[index] = true;
    FoldInitSubgraph(r, res, index, callref);
    g.lowered.push_back(callref + " -> init subgraph " + std::to_string(index) + " folded into the initial state");
  }
  for (int s = 1; s < nsub; ++s)
    if (!init_sub[s]) {
      const auto* sg = subgraphs->Get(static_cast<flatbuffers::uoffset_t>(s));
      r.Fail("subgraph " + std::to_string(s) + (sg->name() ? " '" + sg->name()->str() + "'" : std::string()) +
             " is not the init subgraph of a CALL_ONCE: tessera runs subgraph 0 only (control flow such as "
             "WHILE/IF/CALL and multiple signatures are not supported)");
    }

  // A state tensor per resource subgraph 0 uses.
  for (size_t k = 0; k < res.list.size(); ++k) {
    Resource& rs = res.list[k];
    if (!rs.read && !rs.written) continue;
    if (!rs.assigned)
      r.Fail(rs.Name() + " is read by READ_VARIABLE but never assigned (no ASSIGN_VARIABLE in the model gives it a "
             "value, type or shape)");
    Tensor t = rs.value;
    t.name = rs.shared_name.empty() ? "resource" + std::to_string(k) : rs.shared_name;
    t.is_variable = true;
    if (!rs.init.empty()) {
      t.data = rs.init;
    } else {
      uint8_t fill = 0;
      if (!t.quant.zero_point.empty()) fill = static_cast<uint8_t>(static_cast<int8_t>(t.quant.zero_point[0]));
      t.data.assign(static_cast<size_t>(t.num_bytes()), fill);
    }
    rs.state = static_cast<int>(g.tensors.size());
    g.tensors.push_back(std::move(t));
    g.lowered.push_back("VAR_HANDLE " + rs.Name() + " -> state tensor " + std::to_string(rs.state) + " " +
                        DTypeName(g.tensors[rs.state].type) + " " + ShapeStr(g.tensors[rs.state].shape) +
                        (rs.init.empty() ? ", initial value TFLM's fill" : ", initial value from CALL_ONCE"));
  }
  // Operands: handles -> state tensors; ASSIGN_VARIABLE gets its token output.
  for (size_t i = 0; i < g.ops.size(); ++i) {
    Operator& op = g.ops[i];
    if (op.type == OpType::kReadVariable || op.type == OpType::kAssignVariable) {
      const Resource& rs = res.list[handle_res(op.inputs[0])];
      op.inputs[0] = rs.state;
      if (op.type == OpType::kAssignVariable) {
        Tensor tok;
        tok.name = g.tensors[rs.state].name + "/assign_token_op" + std::to_string(i);
        tok.type = DType::kInt8;
        tok.shape = {1};
        op.outputs = {static_cast<int>(g.tensors.size())};
        g.tensors.push_back(std::move(tok));
      }
      continue;
    }
    for (size_t k = 0; k < op.inputs.size(); ++k)
      if (handle_res(op.inputs[k]) >= 0)
        r.Fail(opref(i) + ": input " +
               std::to_string(k) + " (" + r.TensorRef(op.inputs[k]) +
               ") is a resource handle, which only READ_VARIABLE and ASSIGN_VARIABLE take");
  }
  for (int t : g.inputs)
    if (handle_res(t) >= 0) r.Fail("subgraph input " + r.TensorRef(t) + " is a resource handle (not supported)");
  for (int t : g.outputs)
    if (handle_res(t) >= 0) r.Fail("subgraph output " + r.TensorRef(t) + " is a resource handle (not supported)");
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
    if (BuiltinCode(oc) == kVarHandle || BuiltinCode(oc) == kCallOnce) continue;  // ResolveResources
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
  Resources res;
  res.of_tensor.assign(r.num_tensors, -1);
  std::vector<std::tuple<int, int, size_t>> calls;  // CALL_ONCE: file op, init subgraph, position
  std::vector<int> file_op;                          // g.ops index -> the file's operator index
  bool any_resource = subgraphs->size() > 1;
  for (int i = 0; i < nops; ++i) {
    const fb::Operator* fop = fops->Get(static_cast<flatbuffers::uoffset_t>(i));
    const int32_t code = BuiltinCode(codes->Get(fop->opcode_index()));
    if (code == kVarHandle) {
      const std::string opref = "VAR_HANDLE (op " + std::to_string(i) + ")";
      const int k = res.Handle(r, fop, opref);
      const std::vector<int> out = ReadIndexList(r, fop->outputs(), opref + ": output", false);
      if (res.of_tensor[out[0]] >= 0 && res.of_tensor[out[0]] != k)
        r.Fail(opref + ": output " + r.TensorRef(out[0]) + " is already another resource's handle");
      res.of_tensor[out[0]] = k;
      any_resource = true;
      continue;
    }
    if (code == kCallOnce) {
      const std::string opref = "CALL_ONCE (op " + std::to_string(i) + ")";
      if ((fop->inputs() && fop->inputs()->size() != 0) || (fop->outputs() && fop->outputs()->size() != 0))
        r.Fail(opref + ": expects no inputs and no outputs");
      if (fop->builtin_options_type() != fb::BuiltinOptions::CallOnceOptions || !fop->builtin_options())
        r.Fail(opref + ": builtin_options is not CallOnceOptions (it names the init subgraph)");
      calls.emplace_back(i, fop->builtin_options_as_CallOnceOptions()->init_subgraph_index(), g.ops.size());
      any_resource = true;
      continue;
    }
    if (code == kReadVariable || code == kAssignVariable) any_resource = true;
    if (const ops::Lowering* l = lowerings[i]) {
      const std::string opref = std::string(l->name) + " (op " + std::to_string(i) + ")";
      const tflite::OptionsIn opts(fop, opref);  // r.Fail adds the file's label
      const ops::LowerIn in{opts, ReadIndexList(r, fop->inputs(), opref + ": input", true),
                            ReadIndexList(r, fop->outputs(), opref + ": output", false), opref};
      const size_t before = g.ops.size();
      try {
        l->lower(in, g, &g.ops);
        file_op.resize(g.ops.size(), i);
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
    file_op.push_back(i);
  }

  if (any_resource) ResolveResources(r, g, res, calls, file_op);

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
