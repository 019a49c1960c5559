// C code generation for Cortex-M (see codegen.h).
#include "codegen/codegen.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include "codegen/data_dir.h"
#include "codegen/emit_ops.h"
#include "codegen/kernel_stack.h"
#include "ops/unit.h"
#include "exec/executor.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

// Largest arena a Cortex-M image can address sensibly (the generated array's size).
constexpr int64_t kMaxArenaBytes = int64_t{1} << 30;

std::string Upper(const std::string& s) {
  std::string r;
  for (char c : s) r += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

bool IsCIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// A comment-safe rendering of a model-supplied name.
std::string CommentSafe(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '*' || c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
        static_cast<unsigned char>(c) >= 0x7f)
      r += '_';
    else
      r += c;
  }
  if (r.size() > 120) r = r.substr(0, 117) + "...";
  return r;
}

std::string WinStr(const Window& w) {
  std::ostringstream o;
  o << "[" << w.y0 << "," << w.y1 << ")x[" << w.x0 << "," << w.x1 << ")";
  return o.str();
}

int64_t PixelBytes(const Graph& g, int t) {
  const Shape4 s = AsNHWC(g.tensors[t].shape);
  return static_cast<int64_t>(s.c) * s.n * DTypeSize(g.tensors[t].type);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error("codegen: cannot write " + path);
  f << text;
  f.close();
  if (!f) throw Error("codegen: cannot write " + path);
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("codegen: cannot read kernel source " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

const char* CType(DType t) {
  switch (t) {
    case DType::kFloat32: return "float";
    case DType::kInt32: return "int32_t";
    case DType::kInt16: return "int16_t";
    case DType::kInt8: return "int8_t";
    case DType::kUInt8: return "uint8_t";
    case DType::kInt64: return "int64_t";
    case DType::kBool: return "uint8_t";
  }
  return "uint8_t";
}

std::string FloatLiteral(double v) {
  std::ostringstream o;
  o.precision(9);
  o << v;
  std::string s = o.str();
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s + "f";
}

// A copy step as one ts_copy_rows call with everything worked out here: the window's first
// byte in each buffer, its rows' length and the buffers' row strides; rows that follow each
// other in both buffers (the window spans whole rows of both) become one move. Nothing when
// every row would be copied onto itself.
void EmitCopyStep(ModelWriter& w, int s, std::ostringstream& body) {
  const Graph& g = w.graph();
  const Plan& plan = w.plan();
  const Step& st = plan.steps[s];
  const Buffer& src = plan.buffers[st.inputs[0]];
  const Buffer& dst = plan.buffers[st.outputs[0]];
  const Window& win = st.window;
  body << "  /* step " << s << ": copy " << WinStr(win) << " of '" << CommentSafe(g.tensors[src.tensor].name)
       << "'";
  if (win.empty()) {
    body << ": empty */\n";
    return;
  }
  if (!src.window.contains(win) || !dst.window.contains(win))
    throw Error("codegen: copy step " + std::to_string(s) + ": window " + WinStr(win) +
                " is not inside both buffers");
  const int64_t px = PixelBytes(g, src.tensor);
  const int64_t src_stride = int64_t{src.window.w()} * px, dst_stride = int64_t{dst.window.w()} * px;
  const int64_t src_at = src.offset + (int64_t{win.y0 - src.window.y0} * src.window.w() + (win.x0 - src.window.x0)) * px;
  const int64_t dst_at = dst.offset + (int64_t{win.y0 - dst.window.y0} * dst.window.w() + (win.x0 - dst.window.x0)) * px;
  int64_t rows = win.h(), row_bytes = int64_t{win.w()} * px;
  const bool merged = rows > 1 && src_stride == row_bytes && dst_stride == row_bytes;
  if (merged || rows == 1) {
    row_bytes *= rows;
    rows = 1;
  }
  if (rows * row_bytes > INT32_MAX || src_stride > INT32_MAX || dst_stride > INT32_MAX)
    throw Error("codegen: copy step " + std::to_string(s) + " moves more than 2^31 bytes");
  if (SameMemory(src, dst) && src_at == dst_at &&
      (rows == 1 || src_stride == dst_stride)) {
    body << ": same bytes, nothing to do */\n";
    return;
  }
  if (rows == 1)
    body << (merged ? ", whole rows of both buffers" : "") << ": one move of " << row_bytes << " bytes */\n";
  else
    body << ": " << rows << " rows of " << row_bytes << " bytes */\n";
  auto ptr = [&](const Buffer& b, int64_t at) {
    std::ostringstream o;
    o << "(" << (b.external ? w.Sym("external") : w.ArenaSym(b.region)) << " + " << at << ")";
    return o.str();
  };
  body << "  ts_copy_rows(" << ptr(src, src_at) << ", " << ptr(dst, dst_at) << ", " << rows << ", " << row_bytes
       << ", " << (rows == 1 ? row_bytes : src_stride) << ", " << (rows == 1 ? row_bytes : dst_stride) << ");\n";
}

// The C statements of step s (a kernel call, a window copy, or a comment when there is
// nothing to move).
void EmitStep(ModelWriter& w, int s, std::ostringstream& body) {
  const Graph& g = w.graph();
  const Plan& plan = w.plan();
  const Step& st = plan.steps[s];
  if (st.kind == StepKind::kCopy) {
    EmitCopyStep(w, s, body);
    return;
  }
  const Operator& op = g.ops[st.op];
  body << "  /* step " << s << ": " << OpTypeName(op.type) << " (operator " << st.op << ") -> '"
       << CommentSafe(g.tensors[op.outputs[0]].name) << "' " << WinStr(st.window);
  if (st.fused_pad >= 0) body << ", PAD (operator " << st.fused_pad << ") fused";
  body << " */\n";
  if (ops::Unit(op.type).View()) {
    const Buffer& in = plan.buffers[st.inputs[0]];
    const Buffer& out = plan.buffers[st.outputs[0]];
    if (SameMemory(in, out) && in.offset == out.offset) {
      body << "  /* in place: nothing to do */\n";
      return;
    }
    body << "  ts_copy_bytes(" << w.BufferPtr(st.inputs[0]) << ", " << w.BufferPtr(st.outputs[0])
         << ", " << g.tensors[op.outputs[0]].num_bytes() << ");\n";
    return;
  }
  // Each step in its own block: the compound literals passed to the kernel live only
  // there, so the compiler reuses their stack slots and model_invoke's frame does not grow
  // with the number of steps.
  body << "  {\n" << EmitOpStep(w, s) << "  }\n";
}

// Profiling (CodegenOptions::profile): the clock, the counts and the step descriptions,
// emitted before model_invoke.
std::string ProfileSupport(const std::string& prefix, const std::vector<std::string>& labels,
                           const std::vector<std::string>& windows, const std::vector<int>& types,
                           const std::vector<std::string>& type_names) {
  const std::string up = Upper(prefix), P = up + "_PROFILE", p = prefix + "_profile";
  const size_t n = std::max<size_t>(labels.size(), 1);
  std::ostringstream c;
  c << "/* ---- profiling: " << P << "_CLOCK() after every step (see " << prefix << ".h) ---- */\n"
    << "#ifndef " << P << "_CLOCK\n"
    << "uint64_t ts_fw_counter_instructions(void); /* tessera's firmware harness */\n"
    << "#define " << P << "_CLOCK() ts_fw_counter_instructions()\n#endif\n"
    << "#ifndef " << P << "_TYPE\n#define " << P << "_TYPE uint64_t\n#endif\n"
    << "static " << P << "_TYPE " << p << "_counts[" << n << "];\n"
    << "#define " << P << "_MARK(s) do { \\\n"
    << "    const " << P << "_TYPE " << p << "_u = (" << P << "_TYPE)(" << P << "_CLOCK()); \\\n"
    << "    " << p << "_counts[s] = (" << P << "_TYPE)(" << p << "_u - " << p << "_t); \\\n"
    << "    " << p << "_t = " << p << "_u; \\\n  } while (0)\n";
  auto strings = [&](const char* name, const std::vector<std::string>& v) {
    c << "static const char* const " << p << "_" << name << "[" << std::max<size_t>(v.size(), 1) << "] = {";
    for (size_t i = 0; i < v.size(); ++i) c << (i % 6 ? " " : "\n  ") << "\"" << v[i] << "\",";
    if (v.empty()) c << "\"\"";
    c << "\n};\n";
  };
  strings("labels", labels);
  strings("windows", windows);
  strings("type_names", type_names);
  c << "static const uint16_t " << p << "_types[" << n << "] = {";
  for (size_t i = 0; i < types.size(); ++i) c << (i % 20 ? " " : "\n  ") << types[i] << ",";
  if (types.empty()) c << "0";
  c << "\n};\n\n";
  return c.str();
}

// The profile's accessors and report, emitted after model_invoke.
std::string ProfileReport(const std::string& prefix, size_t steps, size_t types) {
  const std::string up = Upper(prefix), P = up + "_PROFILE", p = prefix + "_profile";
  std::ostringstream c;
  c << "\nuint64_t " << p << "_count(int step) {\n"
    << "  return step >= 0 && step < " << steps << " ? (uint64_t)" << p << "_counts[step] : 0u;\n}\n\n"
    << "const char* " << p << "_label(int step) {\n"
    << "  return step >= 0 && step < " << steps << " ? " << p << "_labels[step] : NULL;\n}\n\n"
    << "/* One output line, built without libc. */\n"
    << "typedef struct {\n  char s[160];\n  int n;\n} " << p << "_line;\n"
    << "static void " << p << "_str(" << p << "_line* l, const char* s, int width) {\n"
    << "  int k = 0;\n"
    << "  while (s[k] != '\\0' && l->n < 150) l->s[l->n++] = s[k++];\n"
    << "  for (; k < width && l->n < 150; ++k) l->s[l->n++] = ' ';\n}\n"
    << "static void " << p << "_num(" << p << "_line* l, uint64_t v, int width) {\n"
    << "  char d[24];\n  int i = 0, k;\n"
    << "  do {\n    d[i++] = (char)('0' + (int)(v % 10u));\n    v /= 10u;\n  } while (v != 0u);\n"
    << "  for (k = i; k < width && l->n < 150; ++k) l->s[l->n++] = ' ';\n"
    << "  while (i > 0 && l->n < 150) l->s[l->n++] = d[--i];\n}\n"
    << "static void " << p << "_share(" << p << "_line* l, uint64_t v, uint64_t total) {\n"
    << "  const uint64_t pm = total ? (v * 1000u + total / 2u) / total : 0u;\n"
    << "  " << p << "_num(l, pm / 10u, 5);\n"
    << "  l->s[l->n++] = '.';\n  l->s[l->n++] = (char)('0' + (int)(pm % 10u));\n  l->s[l->n++] = '%';\n}\n"
    << "static void " << p << "_end(" << p << "_line* l, void (*put)(const char*)) {\n"
    << "  l->s[l->n++] = '\\n';\n  l->s[l->n] = '\\0';\n  put(l->s);\n  l->n = 0;\n}\n\n"
    << "void " << p << "_report(void (*put)(const char* line)) {\n"
    << "  " << p << "_line l;\n  uint64_t total = 0, read_cost;\n  int i, k;\n"
    << "  l.n = 0;\n"
    << "  {\n    const " << P << "_TYPE a = (" << P << "_TYPE)(" << P << "_CLOCK());\n"
    << "    " << P << "_TYPE b;\n"
    << "    for (i = 0; i < 15; ++i) (void)(" << P << "_CLOCK());\n"
    << "    b = (" << P << "_TYPE)(" << P << "_CLOCK());\n"
    << "    read_cost = (uint64_t)(" << P << "_TYPE)(b - a) / 16u;\n  }\n"
    << "  for (i = 0; i < " << steps << "; ++i) total += (uint64_t)" << p << "_counts[i];\n"
    << "  " << p << "_str(&l, \"profile: " << steps << " steps; each count includes one clock read (~\", 0);\n"
    << "  " << p << "_num(&l, read_cost, 0);\n"
    << "  " << p << "_str(&l, \")\", 0);\n  " << p << "_end(&l, put);\n"
    << "  " << p << "_str(&l, \"profile:   step  label                window                  count  share\", 0);\n"
    << "  " << p << "_end(&l, put);\n"
    << "  for (i = 0; i < " << steps << "; ++i) {\n"
    << "    " << p << "_str(&l, \"profile step \", 0);\n"
    << "    " << p << "_num(&l, (uint64_t)i, 4);\n"
    << "    " << p << "_str(&l, \"  \", 0);\n"
    << "    " << p << "_str(&l, " << p << "_labels[i], 20);\n"
    << "    " << p << "_str(&l, \" \", 0);\n"
    << "    " << p << "_str(&l, " << p << "_windows[i], 17);\n"
    << "    " << p << "_num(&l, (uint64_t)" << p << "_counts[i], 12);\n"
    << "    " << p << "_share(&l, (uint64_t)" << p << "_counts[i], total);\n"
    << "    " << p << "_end(&l, put);\n  }\n"
    << "  " << p << "_str(&l, \"profile:   type                  steps         count  share\", 0);\n"
    << "  " << p << "_end(&l, put);\n"
    << "  for (k = 0; k < " << types << "; ++k) {\n"
    << "    uint64_t sum = 0;\n    int count = 0;\n"
    << "    for (i = 0; i < " << steps << "; ++i)\n"
    << "      if (" << p << "_types[i] == k) {\n        sum += (uint64_t)" << p << "_counts[i];\n        ++count;\n      }\n"
    << "    " << p << "_str(&l, \"profile type \", 0);\n"
    << "    " << p << "_str(&l, " << p << "_type_names[k], 20);\n"
    << "    " << p << "_num(&l, (uint64_t)count, 6);\n"
    << "    " << p << "_num(&l, sum, 14);\n"
    << "    " << p << "_share(&l, sum, total);\n"
    << "    " << p << "_end(&l, put);\n  }\n"
    << "  " << p << "_str(&l, \"profile total \", 0);\n"
    << "  " << p << "_num(&l, total, 0);\n  " << p << "_end(&l, put);\n}\n";
  return c.str();
}

}  // namespace

// ---- ModelWriter: the pieces of model.c -------------------------------------------------

std::string ModelWriter::Sym(const std::string& what) const { return prefix_ + "_" + what; }

std::string ModelWriter::ArenaSym(int region) const {
  if (plan_.regions.empty()) return Sym("arena");
  return Sym("arena_" + plan_.regions.at(static_cast<size_t>(region)).name);
}

std::string ModelWriter::BufferPtr(int b) const {
  const Buffer& buf = plan_.buffers[b];
  const std::string base = buf.external ? Sym("external") : ArenaSym(buf.region);
  return "(" + base + " + " + std::to_string(buf.offset) + ")";
}

std::string ModelWriter::StatePtr(int tensor) const {
  const StateSlot* sl = FindStateSlot(plan_, tensor);
  if (!sl) throw Error("codegen: tensor " + std::to_string(tensor) + " has no state slot in the plan");
  std::ostringstream o;
  o << "(" << Sym("state") << " + " << sl->offset << ")";
  return o.str();
}

std::string ModelWriter::Buf(int b, bool is_const) const {
  const Buffer& buf = plan_.buffers[b];
  std::ostringstream o;
  o << "(" << (is_const ? "ts_cbuf" : "ts_buf") << "){" << BufferPtr(b) << ", " << buf.window.y0
    << ", " << buf.window.x0 << ", " << buf.window.h() << ", " << buf.window.w() << "}";
  return o.str();
}

std::string ModelWriter::Win(const Window& w) {
  std::ostringstream o;
  o << "(ts_window){" << w.y0 << ", " << w.y1 << ", " << w.x0 << ", " << w.x1 << "}";
  return o.str();
}

std::string ModelWriter::ConstBytes(const std::string& name, const std::string& ctype,
                                    const void* data, size_t count, size_t elem_size) {
  const std::string key = ctype + ":" + std::string(static_cast<const char*>(data), count * elem_size);
  if (auto it = const_dedup_.find(key); it != const_dedup_.end()) return it->second;
  std::string sym = Sym(name);
  // Unique symbol names.
  if (const_names_.count(sym)) {
    sym += "_";
    sym += std::to_string(const_names_.size());
  }
  const_names_.insert(sym);
  const_dedup_[key] = sym;

  std::ostringstream& o = consts_;
  o << "static const " << ctype << " " << sym << "[" << std::max<size_t>(count, 1)
    << "] __attribute__((aligned(4))) = {";
  const auto* bytes = static_cast<const uint8_t*>(data);
  const int per_line = elem_size == 1 ? 20 : 8;
  for (size_t i = 0; i < count; ++i) {
    if (i % per_line == 0) o << "\n ";
    int64_t v = 0;
    switch (elem_size) {
      case 1: v = static_cast<int8_t>(bytes[i]); break;
      case 2: { int16_t x; std::memcpy(&x, bytes + 2 * i, 2); v = x; break; }
      case 4: { int32_t x; std::memcpy(&x, bytes + 4 * i, 4); v = x; break; }
      case 8: std::memcpy(&v, bytes + 8 * i, 8); break;
      default: throw Error("codegen: unsupported constant element size");
    }
    if (ctype == "uint8_t") v = bytes[i];
    if (elem_size == 4 && v == INT32_MIN) o << " (-2147483647 - 1),";
    else if (elem_size == 8 && v == INT64_MIN) o << " (-9223372036854775807LL - 1),";
    else if (elem_size == 8) o << " " << v << "LL,";
    else o << " " << v << ",";
  }
  if (count == 0) o << " 0";
  o << "\n};\n";
  return sym;
}

std::string ModelWriter::ConstTensor(int t) {
  for (const PinnedWeight& pw : plan_.pinned_weights)
    if (pw.tensor == t) {
      ConstTensorData(t);
      return std::string("((const ") + CType(g_.tensors[t].type) + "*)(" + ArenaSym(pw.region) + " + " +
             std::to_string(pw.offset) + "))";
    }
  return ConstTensorData(t);
}

std::string ModelWriter::ConstTensorData(int t) {
  const Tensor& tensor = g_.tensors[t];
  if (!tensor.is_const) throw Error("codegen: tensor '" + tensor.name + "' is not a constant");
  if (auto it = tensor_syms_.find(t); it != tensor_syms_.end()) return it->second;
  const int es = DTypeSize(tensor.type);
  if (es != 1 && es != 2 && es != 4)
    throw Error("codegen: constant tensor '" + tensor.name + "' has type " + DTypeName(tensor.type) +
                ", which the generated code cannot hold");
  const size_t count = tensor.data.size() / es;
  std::string base = "t";
  base += std::to_string(t);
  const std::string sym = ConstBytes(base, CType(tensor.type), tensor.data.data(), count, es);
  tensor_syms_[t] = sym;
  return sym;
}

std::string ModelWriter::ConstI32(const std::string& name, const int32_t* v, size_t n) {
  return ConstBytes(name, "int32_t", v, n, 4);
}

std::string ModelWriter::ConstI64(const std::string& name, const int64_t* v, size_t n) {
  return ConstBytes(name, "int64_t", v, n, 8);
}

std::string ModelWriter::ConstI16(const std::string& name, const int16_t* v, size_t n) {
  return ConstBytes(name, "int16_t", v, n, 2);
}

std::string ModelWriter::ConstI8(const std::string& name, const int8_t* v, size_t n) {
  return ConstBytes(name, "int8_t", v, n, 1);
}

std::string ModelWriter::Params(const std::string& ctype, const std::string& initializer) {
  const std::string key = ctype + "=" + initializer;
  if (auto it = param_dedup_.find(key); it != param_dedup_.end()) return it->second;
  std::string name = "p";
  name += std::to_string(param_dedup_.size());
  const std::string sym = Sym(name);
  param_dedup_[key] = sym;
  params_ << "static const " << ctype << " " << sym << " = " << initializer << ";\n";
  return sym;
}

// ---- GenerateC ---------------------------------------------------------------------------

std::vector<std::string> GenerateC(const Graph& g, const Plan& plan, const std::string& out_dir,
                                   const CodegenOptions& options) {
  const std::string& prefix = options.prefix;
  if (!IsCIdentifier(prefix)) throw Error("codegen: prefix '" + prefix + "' is not a C identifier");
  for (size_t r = 0; r < plan.regions.size(); ++r) {
    if (!IsCIdentifier(plan.regions[r].name))
      throw Error("codegen: memory region '" + plan.regions[r].name + "' is not a C identifier");
    for (size_t q = 0; q < r; ++q)
      if (Upper(plan.regions[q].name) == Upper(plan.regions[r].name))
        throw Error("codegen: memory regions '" + plan.regions[q].name + "' and '" + plan.regions[r].name +
                    "' give the same macro names");
  }
  if (!plan.regions.empty() && plan.region_bytes.size() != plan.regions.size())
    throw Error("codegen: the plan has " + std::to_string(plan.regions.size()) + " memory regions but " +
                std::to_string(plan.region_bytes.size()) + " region sizes");
  for (const PinnedWeight& pw : plan.pinned_weights) {
    if (plan.regions.empty() || pw.region < 0 || pw.region >= static_cast<int>(plan.regions.size()) ||
        pw.tensor < 0 || pw.tensor >= static_cast<int>(g.tensors.size()) || !g.tensors[pw.tensor].is_const ||
        pw.bytes != static_cast<int64_t>(g.tensors[pw.tensor].data.size()) || pw.offset < 0 ||
        pw.offset % kPinnedAlignment != 0 || pw.offset + pw.bytes > plan.region_bytes[pw.region])
      throw Error("codegen: pinned weight (tensor " + std::to_string(pw.tensor) + ", region " +
                  std::to_string(pw.region) + ", offset " + std::to_string(pw.offset) + ", " +
                  std::to_string(pw.bytes) + " bytes) is not a whole constant tensor inside its region's arena");
  }
  if (plan.arena_bytes < 0 || plan.arena_bytes > kMaxArenaBytes)
    throw Error("codegen: plan arena_bytes " + std::to_string(plan.arena_bytes) + " is outside [0, " +
                std::to_string(kMaxArenaBytes) + "]");
  int64_t external_bytes = 0;
  for (size_t b = 0; b < plan.buffers.size(); ++b) {
    const Buffer& buf = plan.buffers[b];
    if (buf.offset < 0 || buf.bytes < 0 || buf.offset > kMaxArenaBytes || buf.bytes > kMaxArenaBytes)
      throw Error("codegen: plan buffer " + std::to_string(b) + " ('" + buf.name + "') has offset " +
                  std::to_string(buf.offset) + " and size " + std::to_string(buf.bytes));
    if (buf.external) {
      external_bytes = std::max(external_bytes, buf.offset + buf.bytes);
    } else if (buf.region < 0 || buf.region >= NumRegions(plan) ||
               buf.offset + buf.bytes > RegionArenaBytes(plan, buf.region)) {
      throw Error("codegen: plan buffer " + std::to_string(b) + " ('" + buf.name + "') [" +
                  std::to_string(buf.offset) + ", " + std::to_string(buf.offset + buf.bytes) +
                  ") in region " + std::to_string(buf.region) + " does not fit the plan's arena of " +
                  std::to_string(RegionArenaBytes(plan, buf.region)) + " bytes");
    }
  }
  if (plan.state_bytes < 0 || plan.state_bytes > kMaxArenaBytes)
    throw Error("codegen: plan state_bytes " + std::to_string(plan.state_bytes) + " is outside [0, " +
                std::to_string(kMaxArenaBytes) + "]");
  // The host executor's checks of the plan against the graph (buffers, windows, operands,
  // scratch sizes) apply unchanged to the generated code.
  { Executor validate(g, plan); }

  ModelWriter w(g, plan, prefix);
  const std::string up = Upper(prefix);
  std::ostringstream body;
  // Profiling: one label and operator type per step (see CodegenOptions::profile).
  std::vector<std::string> step_labels, step_windows, type_names;
  std::vector<int> step_types;
  if (options.profile) body << "  " << up << "_PROFILE_TYPE " << prefix << "_profile_t = (" << up
                            << "_PROFILE_TYPE)(" << up << "_PROFILE_CLOCK());\n";
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    if (options.profile) {
      const Step& st = plan.steps[s];
      std::string type = st.kind == StepKind::kCopy ? "copy" : OpTypeName(g.ops[st.op].type);
      std::string label = type;
      label += st.kind != StepKind::kCopy ? "#" : "#t";
      label += std::to_string(st.kind != StepKind::kCopy ? st.op : plan.buffers[st.inputs[0]].tensor);
      step_labels.push_back(label);
      step_windows.push_back(WinStr(st.window));
      auto it = std::find(type_names.begin(), type_names.end(), type);
      step_types.push_back(static_cast<int>(it - type_names.begin()));
      if (it == type_names.end()) type_names.push_back(type);
    }
    EmitStep(w, s, body);
    if (options.profile) body << "  " << up << "_PROFILE_MARK(" << s << ");\n";
  }

  // ---- model.h
  std::ostringstream h;
  h << "/* Generated by tessera from model '" << CommentSafe(g.name) << "' (plan '"
    << CommentSafe(plan.strategy) << "', " << plan.steps.size() << " steps). Do not edit.\n"
    << " *\n"
    << " * Usage: write each input into " << prefix << "_input(i) (or copy it with " << prefix
    << "_set_input),\n"
    << " * call " << prefix << "_invoke(), read " << prefix << "_output(i). Inputs must be written\n"
    << " * again before every invoke: the plan reuses their bytes once they are consumed.\n"
    << (plan.regions.empty() ? " * RAM: one static arena of " + up + "_ARENA_BYTES bytes"
                             : " * RAM: one static arena per memory region (" + up + "_ARENA_BYTES in all; below)")
    << (external_bytes ? " plus " + up + "_EXTERNAL_BYTES for streamed inputs" : std::string())
    << (plan.state_bytes ? " plus " + up + "_STATE_BYTES of state (kept from one invoke to the next;\n * " +
                               prefix + "_reset() restores its initial value)"
                         : std::string())
    << ".\n"
    << " */\n"
    << "#ifndef " << up << "_H_\n#define " << up << "_H_\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
    << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  h << "#define " << up << "_ARENA_BYTES " << plan.arena_bytes << "\n";
  if (!plan.regions.empty()) {
    // One arena per memory region, each in its own section for the linker script to place.
    h << "\n/* Memory regions (tessera --memory): the arena of region R is <prefix>_arena_R in section\n"
      << " * .bss.tessera_arena.R (16-byte aligned); place each section in its bank with the linker\n"
      << " * script, e.g.  .dtcm (NOLOAD) : { *(.bss.tessera_arena.DTCM) } > DTCM\n";
    for (size_t r = 0; r < plan.regions.size(); ++r)
      h << " *   " << plan.regions[r].name << ": section .bss.tessera_arena." << plan.regions[r].name << ", "
        << plan.region_bytes[r] << " of " << plan.regions[r].bytes << " bytes"
        << (plan.regions[r].fast ? " (fast)" : "") << "\n";
    h << " */\n";
    for (size_t r = 0; r < plan.regions.size(); ++r)
      h << "#define " << up << "_ARENA_" << Upper(plan.regions[r].name) << "_BYTES " << plan.region_bytes[r] << "\n";
    h << "#define " << up << "_NUM_REGIONS " << plan.regions.size() << "\n";
    if (!plan.pinned_weights.empty()) {
      int64_t pinned = 0;
      for (const PinnedWeight& pw : plan.pinned_weights) pinned += pw.bytes;
      h << "/* Fast weights (tessera codegen --fast-weights): " << plan.pinned_weights.size() << " filter(s), "
        << pinned << " bytes, are copied from flash into region\n * "
        << plan.regions[plan.pinned_weights[0].region].name
        << "'s arena (counted in its size above) by " << prefix << "_init(), which the first "
        << prefix << "_invoke() calls\n * when the program has not. */\n"
        << "#define " << up << "_PINNED_WEIGHT_BYTES " << pinned << "\n";
    }
  }
  {
    const KernelStack ks = PlanKernelStack(g, plan);
    if (ks.unknown.empty())
      h << "/* Worst-case stack of the kernels " << prefix << "_invoke() calls (deepest: " << ks.deepest
        << "), as firmware/stack_usage.sh\n * bounds it for the Cortex-M4 build (-O2); "
        << prefix << "_invoke()'s own frame and its callers' come on top. */\n"
        << "#define " << up << "_KERNEL_STACK_BYTES " << ks.bytes << "\n";
  }
  if (external_bytes) h << "#define " << up << "_EXTERNAL_BYTES " << external_bytes << "\n";
  h << "#define " << up << "_STATE_BYTES " << plan.state_bytes << "\n";
  h << "#define " << up << "_NUM_INPUTS " << g.inputs.size() << "\n";
  h << "#define " << up << "_NUM_OUTPUTS " << g.outputs.size() << "\n";
  auto describe = [&](const char* kind, size_t i, int t) {
    const Tensor& tensor = g.tensors[t];
    const std::string m = up + "_" + kind + std::to_string(i);
    h << "\n/* " << Upper(kind) << " " << i << ": '" << CommentSafe(tensor.name) << "', "
      << DTypeName(tensor.type) << " [";
    for (size_t k = 0; k < tensor.shape.size(); ++k) h << (k ? "," : "") << tensor.shape[k];
    h << "] */\n";
    h << "#define " << m << "_BYTES " << tensor.num_bytes() << "\n";
    h << "#define " << m << "_RANK " << tensor.shape.size() << "\n";
    for (size_t k = 0; k < tensor.shape.size(); ++k)
      h << "#define " << m << "_DIM" << k << " " << tensor.shape[k] << "\n";
    if (tensor.quant.scale.size() == 1) {
      h << "#define " << m << "_SCALE " << FloatLiteral(tensor.quant.scale[0]) << "\n";
      h << "#define " << m << "_ZERO_POINT " << tensor.quant.zero_point[0] << "\n";
    }
  };
  for (size_t i = 0; i < g.inputs.size(); ++i) describe("INPUT", i, g.inputs[i]);
  for (size_t i = 0; i < g.outputs.size(); ++i) describe("OUTPUT", i, g.outputs[i]);
  h << "\n/* Where input i's bytes go (the whole tensor, NHWC), or NULL when the plan keeps only\n"
    << " * part of it in one buffer (then use " << prefix << "_set_input). NULL for i out of range. */\n"
    << "void* " << prefix << "_input(int i);\n"
    << "/* Copies the whole input tensor i (" << up << "_INPUT<i>_BYTES bytes) into the model.\n"
    << " * Returns 0, or -1 for i out of range. */\n"
    << "int " << prefix << "_set_input(int i, const void* data);\n"
    << "/* Output i after " << prefix << "_invoke(), or NULL for i out of range. */\n"
    << "const void* " << prefix << "_output(int i);\n"
    << "size_t " << prefix << "_input_bytes(int i);\n"
    << "size_t " << prefix << "_output_bytes(int i);\n"
    << "/* Runs the model once. Returns 0. State (" << up << "_STATE_BYTES) carries over to the next invoke. */\n"
    << "int " << prefix << "_invoke(void);\n"
    << "/* Restores the state to its initial value (as at start-up); nothing without state. */\n"
    << "void " << prefix << "_reset(void);\n"
    << (plan.pinned_weights.empty()
            ? std::string()
            : "/* Copies the fast weights into their region (once; " + prefix + "_invoke() calls it if needed). */\n"
              "void " + prefix + "_init(void);\n")
    << "\n";
  if (options.profile)
    h << "/* ---- profiling (tessera codegen --profile) ----\n"
      << " * " << prefix << "_invoke() reads " << up << "_PROFILE_CLOCK() before the first step and after every\n"
      << " * step. Default clock: ts_fw_counter_instructions() of tessera's firmware harness (SysTick;\n"
      << " * instructions under QEMU -icount shift=0). For another board compile model.c with\n"
      << " * -D'" << up << "_PROFILE_CLOCK()=expr' (and -D" << up
      << "_PROFILE_TYPE=uint32_t for a 32-bit counter such\n"
      << " * as DWT->CYCCNT, so that wraps cancel). Each step's count includes one clock read. */\n"
      << "#define " << up << "_PROFILE_STEPS " << plan.steps.size() << "\n"
      << "/* Clock counts of step `step` in the last invoke; 0 for a step out of range. */\n"
      << "uint64_t " << prefix << "_profile_count(int step);\n"
      << "/* \"CONV_2D#3\" (operator type and index) or \"copy#t7\" (tensor), NULL out of range. */\n"
      << "const char* " << prefix << "_profile_label(int step);\n"
      << "/* Prints the last invoke's counts per step and per operator type, one line (ending in\n"
      << " * '\\n') per call of put. Step lines: \"profile step <i> <label> <window> <count> <share>\". */\n"
      << "void " << prefix << "_profile_report(void (*put)(const char* line));\n\n";
  h << "#ifdef __cplusplus\n}\n#endif\n#endif\n";

  // ---- model.c
  std::ostringstream c;
  c << "/* Generated by tessera from model '" << CommentSafe(g.name) << "' (plan '"
    << CommentSafe(plan.strategy) << "'). Do not edit.\n"
    << " * Arena: " << plan.arena_bytes << " bytes"
    << (plan.accounting.input_in_arena ? " (model input inside)" : " (model input streamed outside)")
    << "; " << plan.steps.size() << " steps. */\n"
    << "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
    << "#include \"" << prefix << ".h\"\n#include \"tessera/kernels.h\"\n\n";
  if (plan.regions.empty()) {
    c << "/* All activations and scratch. In section .bss.tessera_arena." << prefix
      << " so that a linker script\n * can place it (firmware/link.ld checks it against the SRAM budget). */\n"
      << "static int8_t " << prefix << "_arena[" << std::max<int64_t>(plan.arena_bytes, 1)
      << "] __attribute__((aligned(16), section(\".bss.tessera_arena." << prefix << "\")));\n";
  } else {
    c << "/* The activations, scratch and workspaces, one arena per memory region, each in section\n"
      << " * .bss.tessera_arena.<region> so that the linker script places it in its bank. */\n";
    // (A region the plan leaves empty keeps its array, marked unused for -Werror builds.)
    for (size_t r = 0; r < plan.regions.size(); ++r)
      c << "static int8_t " << prefix << "_arena_" << plan.regions[r].name << "["
        << std::max<int64_t>(plan.region_bytes[r], 1) << "] __attribute__((aligned(16), "
        << (plan.region_bytes[r] == 0 ? "unused, " : "") << "section(\".bss.tessera_arena."
        << plan.regions[r].name << "\")));\n";
  }
  if (external_bytes)
    c << "/* Streamed inputs, outside the arena (the plan's accounting leaves them out). */\n"
      << "static int8_t " << prefix << "_external[" << external_bytes
      << "] __attribute__((aligned(16)));\n";
  // State: its own static region, never part of the arena; initialized with the state's
  // initial values (zeros in .bss when every initial byte is zero), restored by _reset().
  std::vector<uint8_t> state_init(static_cast<size_t>(plan.state_bytes), 0);
  for (const StateSlot& sl : plan.state)
    std::copy(g.tensors[sl.tensor].data.begin(), g.tensors[sl.tensor].data.end(), state_init.begin() + sl.offset);
  const bool state_zero = std::all_of(state_init.begin(), state_init.end(), [](uint8_t v) { return v == 0; });
  if (plan.state_bytes) {
    c << "/* State (variable tensors), kept from one invoke to the next: " << plan.state_bytes << " bytes. */\n";
    if (!state_zero) {
      c << "static const int8_t " << prefix << "_state_init[" << plan.state_bytes << "] = {";
      for (size_t i = 0; i < state_init.size(); ++i)
        c << (i % 24 ? "" : "\n  ") << static_cast<int>(static_cast<int8_t>(state_init[i])) << ",";
      c << "\n};\n";
    }
    c << "static int8_t " << prefix << "_state[" << plan.state_bytes << "] __attribute__((aligned(16)))";
    if (!state_zero) {
      c << " = {";
      for (size_t i = 0; i < state_init.size(); ++i)
        c << (i % 24 ? "" : "\n  ") << static_cast<int>(static_cast<int8_t>(state_init[i])) << ",";
      c << "\n}";
    }
    c << ";\n";
  }
  // Fast weights: <prefix>_init() copies each pinned filter from its const array into its region.
  std::ostringstream init;
  if (!plan.pinned_weights.empty()) {
    init << "static int " << prefix << "_initialized;\n\nvoid " << prefix << "_init(void) {\n";
    for (const PinnedWeight& pw : plan.pinned_weights)
      init << "  memcpy(" << w.ArenaSym(pw.region) << " + " << pw.offset << ", " << w.ConstTensorData(pw.tensor) << ", "
           << pw.bytes << ");\n";
    init << "  " << prefix << "_initialized = 1;\n}\n\n";
  }
  c << "\n/* ---- constants: weights, biases, per-channel multipliers and shifts ---- */\n"
    << w.consts() << "\n/* ---- kernel parameters ---- */\n" << w.params() << "\n";

  // Inputs and outputs.
  c << "void* " << prefix << "_input(int i) {\n  switch (i) {\n";
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int b = plan.input_buffers[i];
    if (plan.buffers[b].window == FullWindow(g, g.inputs[i]))
      c << "    case " << i << ": return " << w.BufferPtr(b) << ";\n";
    else
      c << "    case " << i << ": return NULL; /* partial window: use " << prefix << "_set_input */\n";
  }
  c << "    default: return NULL;\n  }\n}\n\n";
  c << "int " << prefix << "_set_input(int i, const void* data) {\n"
    << "  const uint8_t* src = (const uint8_t*)data;\n  switch (i) {\n";
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int b = plan.input_buffers[i];
    const Buffer& buf = plan.buffers[b];
    const int t = g.inputs[i];
    const Window full = FullWindow(g, t);
    c << "    case " << i << ":\n";
    if (buf.window == full) {
      c << "      memcpy(" << w.BufferPtr(b) << ", src, " << g.tensors[t].num_bytes() << ");\n";
    } else {
      const int64_t px = PixelBytes(g, t);
      c << "      {\n        int32_t y;\n        for (y = " << buf.window.y0 << "; y < " << buf.window.y1
        << "; ++y)\n          memcpy(" << w.BufferPtr(b) << " + (size_t)(y - " << buf.window.y0 << ") * "
        << buf.window.w() * px << ", src + ((size_t)y * " << full.w() << " + " << buf.window.x0
        << ") * " << px << ", " << buf.window.w() * px << ");\n      }\n";
    }
    c << "      return 0;\n";
  }
  c << "    default: return -1;\n  }\n}\n\n";
  c << "const void* " << prefix << "_output(int i) {\n  switch (i) {\n";
  for (size_t i = 0; i < g.outputs.size(); ++i)
    c << "    case " << i << ": return " << w.BufferPtr(plan.output_buffers[i]) << ";\n";
  c << "    default: return NULL;\n  }\n}\n\n";
  c << "size_t " << prefix << "_input_bytes(int i) {\n  switch (i) {\n";
  for (size_t i = 0; i < g.inputs.size(); ++i)
    c << "    case " << i << ": return " << g.tensors[g.inputs[i]].num_bytes() << ";\n";
  c << "    default: return 0;\n  }\n}\n\n";
  c << "size_t " << prefix << "_output_bytes(int i) {\n  switch (i) {\n";
  for (size_t i = 0; i < g.outputs.size(); ++i)
    c << "    case " << i << ": return " << g.tensors[g.outputs[i]].num_bytes() << ";\n";
  c << "    default: return 0;\n  }\n}\n\n";
  if (options.profile) c << ProfileSupport(prefix, step_labels, step_windows, step_types, type_names);
  c << init.str();
  c << "int " << prefix << "_invoke(void) {\n"
    << (plan.pinned_weights.empty() ? std::string()
                                    : "  if (!" + prefix + "_initialized) " + prefix + "_init();\n")
    << body.str() << "  return 0;\n}\n\n";
  c << "void " << prefix << "_reset(void) {\n";
  if (plan.state_bytes && state_zero)
    c << "  memset(" << prefix << "_state, 0, sizeof " << prefix << "_state);\n";
  else if (plan.state_bytes)
    c << "  memcpy(" << prefix << "_state, " << prefix << "_state_init, sizeof " << prefix << "_state);\n";
  c << "}\n";
  if (options.profile) c << ProfileReport(prefix, plan.steps.size(), type_names.size());

  // ---- files
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw Error("codegen: cannot create output directory " + out_dir + ": " + ec.message());
  std::vector<std::string> written;
  const std::string hpath = (fs::path(out_dir) / (prefix + ".h")).string();
  const std::string cpath = (fs::path(out_dir) / (prefix + ".c")).string();
  WriteFile(hpath, h.str());
  WriteFile(cpath, c.str());
  written.push_back(hpath);
  written.push_back(cpath);
  if (options.copy_kernels) {
    const fs::path kdir = KernelDir();
    const fs::path header = kdir / "include" / "tessera" / "kernels.h";
    if (!fs::is_regular_file(header))
      throw Error("codegen: kernel library not found at " + kdir.string() +
                  " (set TESSERA_KERNELS_DIR to the kernels/ folder of a tessera source tree)");
    const fs::path dst = fs::path(out_dir) / "tessera";
    fs::create_directories(dst, ec);
    if (ec) throw Error("codegen: cannot create " + dst.string() + ": " + ec.message());
    WriteFile((dst / "kernels.h").string(), ReadText(header.string()));
    written.push_back((dst / "kernels.h").string());
    std::vector<fs::path> srcs;
    for (auto& e : fs::directory_iterator(kdir / "src")) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".c" || ext == ".h")) srcs.push_back(e.path());
    }
    std::sort(srcs.begin(), srcs.end());
    for (auto& p : srcs) {
      const fs::path out = dst / p.filename();
      WriteFile(out.string(), ReadText(p.string()));
      written.push_back(out.string());
    }
  }
  return written;
}

std::vector<std::string> KernelCalls(const Graph& g, const Plan& plan) {
  { Executor validate(g, plan); }
  ModelWriter w(g, plan, "model");
  std::ostringstream body;
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) EmitStep(w, s, body);
  static const std::regex kCall(R"(\b(ts_[A-Za-z0-9_]+)\s*\()");
  std::set<std::string> names;
  const std::string text = body.str();
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kCall); it != std::sregex_iterator(); ++it)
    names.insert((*it)[1].str());
  return {names.begin(), names.end()};
}

std::vector<std::string> GeneratedSources(const std::vector<std::string>& files) {
  std::vector<std::string> r;
  for (auto& f : files)
    if (f.size() > 2 && f.compare(f.size() - 2, 2, ".c") == 0) r.push_back(f);
  return r;
}

}  // namespace tessera
