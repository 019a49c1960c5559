#include "plan/plan_json.h"

#include <fmt/format.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace tessera {

using nlohmann::json;

namespace {

constexpr const char* kFormat = "tessera-plan";
constexpr int64_t kMaxJsonBytes = int64_t{1} << 40;  // offsets, sizes: far above any SRAM
constexpr int64_t kMaxJsonFileBytes = int64_t{1} << 30;

template <class J>
J WindowJson(const Window& w) {
  return J::array({w.y0, w.y1, w.x0, w.x1});
}

template <class J>
J BufferJson(const Buffer& b) {
  J j = J::object();
  j["name"] = b.name;
  j["tensor"] = b.tensor == kNoTensor ? J(nullptr) : J(b.tensor);
  j["window"] = WindowJson<J>(b.window);
  j["bytes"] = b.bytes;
  j["offset"] = b.offset;
  j["live"] = J::array({b.first, b.last});
  if (b.external) j["external"] = true;
  if (b.region != 0) j["region"] = b.region;
  if (!b.bands.empty()) {
    // Per-byte-range lifetimes: [begin, end, first, last] per band (absent: none).
    J bands = J::array();
    for (const BufferBand& band : b.bands) bands.push_back(J::array({band.begin, band.end, band.first, band.last}));
    j["bands"] = std::move(bands);
  }
  return j;
}

template <class J>
J StepJson(const Step& s, const Graph* g) {
  J j = J::object();
  j["kind"] = s.kind == StepKind::kCopy ? "copy" : "op";
  if (s.kind == StepKind::kOp || s.op != -1) j["op"] = s.op;
  if (g && s.kind == StepKind::kOp && s.op >= 0 && s.op < static_cast<int>(g->ops.size()))
    j["type"] = OpTypeName(g->ops[s.op].type);
  j["window"] = WindowJson<J>(s.window);
  j["inputs"] = s.inputs;
  j["outputs"] = s.outputs;
  if (s.scratch != -1) j["scratch"] = s.scratch;
  if (s.fused_pad != -1) j["fused_pad"] = s.fused_pad;
  if (s.workspace.bytes != 0)
    j["workspace"] = s.workspace.region != 0 ? J::array({s.workspace.offset, s.workspace.bytes, s.workspace.region})
                                             : J::array({s.workspace.offset, s.workspace.bytes});
  return j;
}

// ---- reading --------------------------------------------------------------------------------

[[noreturn]] void Bad(const std::string& field, const std::string& what) { throw Error(field + ": " + what); }

std::string TypeName(const json& j) { return j.type_name(); }

const json& Field(const json& obj, const std::string& path, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) Bad(path.empty() ? key : path + "." + key, "missing");
  return *it;
}

std::string Sub(const std::string& path, const char* key) { return path.empty() ? key : path + "." + key; }
std::string Idx(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

int64_t Int(const json& j, const std::string& field, int64_t lo, int64_t hi) {
  if (!j.is_number_integer()) Bad(field, "expected an integer, found " + TypeName(j));
  int64_t v;
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      Bad(field, fmt::format("{} is out of range [{}, {}]", u, lo, hi));
    v = static_cast<int64_t>(u);
  } else {
    v = j.get<int64_t>();
  }
  if (v < lo || v > hi) Bad(field, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
  return v;
}

std::string Str(const json& j, const std::string& field) {
  if (!j.is_string()) Bad(field, "expected a string, found " + TypeName(j));
  return j.get<std::string>();
}

const json& Arr(const json& j, const std::string& field) {
  if (!j.is_array()) Bad(field, "expected an array, found " + TypeName(j));
  return j;
}

const json& Obj(const json& j, const std::string& field) {
  if (!j.is_object()) Bad(field, "expected an object, found " + TypeName(j));
  return j;
}

Window ReadWindow(const json& j, const std::string& field) {
  Arr(j, field);
  if (j.size() != 4) Bad(field, fmt::format("expected [y0, y1, x0, x1], found {} numbers", j.size()));
  const int32_t kMax = std::numeric_limits<int32_t>::max();
  Window w;
  w.y0 = static_cast<int32_t>(Int(j[0], Idx(field, 0), 0, kMax));
  w.y1 = static_cast<int32_t>(Int(j[1], Idx(field, 1), 0, kMax));
  w.x0 = static_cast<int32_t>(Int(j[2], Idx(field, 2), 0, kMax));
  w.x1 = static_cast<int32_t>(Int(j[3], Idx(field, 3), 0, kMax));
  if (w.y1 < w.y0 || w.x1 < w.x0)
    Bad(field, fmt::format("window [{},{})x[{},{}) has an end before its start", w.y0, w.y1, w.x0, w.x1));
  return w;
}

std::vector<int> IndexList(const json& j, const std::string& field, int n, const char* what) {
  Arr(j, field);
  std::vector<int> r;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number_integer()) Bad(Idx(field, i), "expected an integer, found " + TypeName(j[i]));
    int64_t v = -1;
    if (!j[i].is_number_unsigned())
      v = j[i].get<int64_t>();
    else if (j[i].get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max()))
      v = static_cast<int64_t>(j[i].get<uint64_t>());
    if (v < 0 || v >= n)
      Bad(Idx(field, i), fmt::format("{} {} out of range ({} {}s)", what, j[i].dump(), n, what));
    r.push_back(static_cast<int>(v));
  }
  return r;
}

}  // namespace

template <class J>
J PlanToJsonT(const Plan& plan, const Graph* g) {
  J j = J::object();
  j["format"] = kFormat;
  j["version"] = kPlanJsonVersion;
  if (g) {
    J m = J::object();
    m["name"] = g->name;
    m["operators"] = g->ops.size();
    m["tensors"] = g->tensors.size();
    j["model"] = std::move(m);
  }
  j["strategy"] = plan.strategy;
  j["arena_bytes"] = plan.arena_bytes;
  J acc = J::object();
  acc["input_in_arena"] = plan.accounting.input_in_arena;
  j["accounting"] = std::move(acc);
  j["input_buffers"] = plan.input_buffers;
  j["output_buffers"] = plan.output_buffers;
  if (!plan.state.empty() || plan.state_bytes != 0) {
    // The state region: [tensor, offset, bytes] per state tensor.
    j["state_bytes"] = plan.state_bytes;
    J st = J::array();
    for (const StateSlot& s : plan.state) st.push_back(J::array({s.tensor, s.offset, s.bytes}));
    j["state"] = std::move(st);
  }
  if (!plan.regions.empty()) {
    // The memory regions: [name, capacity, fast, arena bytes used] each (absent: one arena).
    J rs = J::array();
    for (size_t r = 0; r < plan.regions.size(); ++r)
      rs.push_back(J::array({plan.regions[r].name, plan.regions[r].bytes, plan.regions[r].fast,
                             r < plan.region_bytes.size() ? plan.region_bytes[r] : 0}));
    j["regions"] = std::move(rs);
  }
  if (!plan.pinned_weights.empty()) {
    // Constant tensors copied into a region: [tensor, region, offset, bytes] each.
    J pw = J::array();
    for (const PinnedWeight& w : plan.pinned_weights) pw.push_back(J::array({w.tensor, w.region, w.offset, w.bytes}));
    j["pinned_weights"] = std::move(pw);
  }
  J bufs = J::array();
  for (const Buffer& b : plan.buffers) bufs.push_back(BufferJson<J>(b));
  j["buffers"] = std::move(bufs);
  J steps = J::array();
  for (const Step& s : plan.steps) steps.push_back(StepJson<J>(s, g));
  j["steps"] = std::move(steps);
  return j;
}

json PlanToJson(const Plan& plan, const Graph* g) { return PlanToJsonT<json>(plan, g); }

Plan PlanFromJson(const json& j, const Graph* g) {
  Obj(j, "plan");
  const std::string format = Str(Field(j, "", "format"), "format");
  if (format != kFormat) Bad("format", fmt::format("\"{}\" is not \"{}\"", format, kFormat));
  const int64_t version = Int(Field(j, "", "version"), "version", 0, std::numeric_limits<int32_t>::max());
  if (version != kPlanJsonVersion)
    Bad("version", fmt::format("version {} is not supported (this tessera reads version {})", version, kPlanJsonVersion));

  if (g && j.contains("model")) {
    const json& m = Obj(j["model"], "model");
    const std::string name = m.contains("name") ? Str(m["name"], "model.name") : "";
    const int64_t nops = m.contains("operators") ? Int(m["operators"], "model.operators", 0, kMaxJsonBytes) : -1;
    const int64_t nt = m.contains("tensors") ? Int(m["tensors"], "model.tensors", 0, kMaxJsonBytes) : -1;
    if ((nops >= 0 && nops != static_cast<int64_t>(g->ops.size())) ||
        (nt >= 0 && nt != static_cast<int64_t>(g->tensors.size())))
      Bad("model", fmt::format("the plan is for model '{}' with {} operators and {} tensors; model '{}' has {} and {}",
                               name, nops, nt, g->name, g->ops.size(), g->tensors.size()));
  }

  Plan p;
  if (j.contains("strategy")) p.strategy = Str(j["strategy"], "strategy");
  p.arena_bytes = Int(Field(j, "", "arena_bytes"), "arena_bytes", 0, kMaxJsonBytes);
  if (j.contains("accounting")) {
    const json& a = Obj(j["accounting"], "accounting");
    if (a.contains("input_in_arena")) {
      if (!a["input_in_arena"].is_boolean())
        Bad("accounting.input_in_arena", "expected true or false, found " + TypeName(a["input_in_arena"]));
      p.accounting.input_in_arena = a["input_in_arena"].get<bool>();
    }
  }

  if (j.contains("regions")) {
    const json& rs = Arr(j["regions"], "regions");
    if (rs.empty()) Bad("regions", "expected at least one region (absent: one arena)");
    int64_t total = 0;
    for (size_t r = 0; r < rs.size(); ++r) {
      const std::string f = Idx("regions", r);
      const json& e = Arr(rs[r], f);
      if (e.size() != 4) Bad(f, fmt::format("expected [name, bytes, fast, used], found {} elements", e.size()));
      MemoryRegion m;
      m.name = Str(e[0], Idx(f, 0));
      m.bytes = Int(e[1], Idx(f, 1), 1, kMaxJsonBytes);
      if (!e[2].is_boolean()) Bad(Idx(f, 2), "expected true or false, found " + TypeName(e[2]));
      m.fast = e[2].get<bool>();
      const int64_t used = Int(e[3], Idx(f, 3), 0, m.bytes);
      for (const MemoryRegion& o : p.regions)
        if (o.name == m.name) Bad(Idx(f, 0), fmt::format("region name '{}' appears twice", m.name));
      p.regions.push_back(m);
      p.region_bytes.push_back(used);
      total += used;
    }
    if (total != p.arena_bytes)
      Bad("regions", fmt::format("the regions use {} bytes in all, but arena_bytes is {}", total, p.arena_bytes));
  }
  const int64_t num_regions = std::max<int64_t>(1, static_cast<int64_t>(p.regions.size()));
  if (j.contains("pinned_weights")) {
    const json& pw = Arr(j["pinned_weights"], "pinned_weights");
    if (p.regions.empty()) Bad("pinned_weights", "pinned weights need memory regions (\"regions\")");
    const int64_t nten = g ? static_cast<int64_t>(g->tensors.size()) : std::numeric_limits<int32_t>::max();
    for (size_t i = 0; i < pw.size(); ++i) {
      const std::string f = Idx("pinned_weights", i);
      const json& e = Arr(pw[i], f);
      if (e.size() != 4) Bad(f, fmt::format("expected [tensor, region, offset, bytes], found {} elements", e.size()));
      PinnedWeight w;
      w.tensor = static_cast<int>(Int(e[0], Idx(f, 0), 0, nten - 1));
      w.region = static_cast<int>(Int(e[1], Idx(f, 1), 0, num_regions - 1));
      w.offset = Int(e[2], Idx(f, 2), 0, kMaxJsonBytes);
      w.bytes = Int(e[3], Idx(f, 3), 1, kMaxJsonBytes);
      p.pinned_weights.push_back(w);
    }
  }
  const json& bufs = Arr(Field(j, "", "buffers"), "buffers");
  const json& steps = Arr(Field(j, "", "steps"), "steps");
  const int nb = static_cast<int>(std::min<size_t>(bufs.size(), std::numeric_limits<int>::max()));
  const int ns = static_cast<int>(std::min<size_t>(steps.size(), std::numeric_limits<int>::max()));
  const int nt = g ? static_cast<int>(g->tensors.size()) : std::numeric_limits<int>::max();
  const int nops = g ? static_cast<int>(g->ops.size()) : std::numeric_limits<int>::max();

  p.buffers.reserve(bufs.size());
  for (size_t i = 0; i < bufs.size(); ++i) {
    const std::string f = Idx("buffers", i);
    const json& jb = Obj(bufs[i], f);
    Buffer b;
    if (jb.contains("name")) b.name = Str(jb["name"], Sub(f, "name"));
    const json& jt = Field(jb, f, "tensor");
    b.tensor = jt.is_null() ? kNoTensor : static_cast<int>(Int(jt, Sub(f, "tensor"), 0, nt - 1));
    b.window = ReadWindow(Field(jb, f, "window"), Sub(f, "window"));
    b.bytes = Int(Field(jb, f, "bytes"), Sub(f, "bytes"), 0, kMaxJsonBytes);
    b.offset = Int(Field(jb, f, "offset"), Sub(f, "offset"), 0, kMaxJsonBytes);
    const json& live = Arr(Field(jb, f, "live"), Sub(f, "live"));
    if (live.size() != 2) Bad(Sub(f, "live"), "expected [first, last]");
    b.first = static_cast<int>(Int(live[0], Sub(f, "live") + "[0]", 0, std::max(0, ns - 1)));
    b.last = static_cast<int>(Int(live[1], Sub(f, "live") + "[1]", b.first, std::max(0, ns - 1)));
    if (jb.contains("external")) {
      if (!jb["external"].is_boolean()) Bad(Sub(f, "external"), "expected true or false, found " + TypeName(jb["external"]));
      b.external = jb["external"].get<bool>();
    }
    if (jb.contains("region"))
      b.region = static_cast<int>(Int(jb["region"], Sub(f, "region"), 0, std::max<int64_t>(0, num_regions - 1)));
    if (jb.contains("bands")) {
      const std::string fb = Sub(f, "bands");
      const json& jbands = Arr(jb["bands"], fb);
      for (size_t k = 0; k < jbands.size(); ++k) {
        const std::string fk = Idx(fb, k);
        const json& e = Arr(jbands[k], fk);
        if (e.size() != 4) Bad(fk, fmt::format("expected [begin, end, first, last], found {} numbers", e.size()));
        BufferBand band;
        band.begin = Int(e[0], Idx(fk, 0), 0, kMaxJsonBytes);
        band.end = Int(e[1], Idx(fk, 1), 0, kMaxJsonBytes);
        band.first = static_cast<int>(Int(e[2], Idx(fk, 2), 0, std::max(0, ns - 1)));
        band.last = static_cast<int>(Int(e[3], Idx(fk, 3), 0, std::max(0, ns - 1)));
        b.bands.push_back(band);
      }
      const std::string why = BandsError(b);
      if (!why.empty())
        Bad(fb, fmt::format("buffer '{}' ({} bytes, live [{}, {}]): {}", b.name, b.bytes, b.first, b.last, why));
    }
    if (g && b.tensor != kNoTensor) {
      const Tensor& t = g->tensors[b.tensor];
      if (t.is_const)
        Bad(Sub(f, "tensor"), fmt::format("tensor {} ('{}') is a constant, not an activation", b.tensor, t.name));
      const Window full = FullWindow(*g, b.tensor);
      if (!full.contains(b.window))
        Bad(Sub(f, "window"), fmt::format("[{},{})x[{},{}) is not inside tensor {} ('{}') [0,{})x[0,{})", b.window.y0,
                                          b.window.y1, b.window.x0, b.window.x1, b.tensor, t.name, full.y1, full.x1));
      const Shape4 s = AsNHWC(t.shape);
      const int64_t want = int64_t{b.window.h()} * b.window.w() * s.c * DTypeSize(t.type);
      if (b.bytes != want)
        Bad(Sub(f, "bytes"), fmt::format("{} bytes, but window [{},{})x[{},{}) of tensor {} ('{}') is {} bytes", b.bytes,
                                         b.window.y0, b.window.y1, b.window.x0, b.window.x1, b.tensor, t.name, want));
    }
    p.buffers.push_back(std::move(b));
  }

  p.steps.reserve(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string f = Idx("steps", i);
    const json& js = Obj(steps[i], f);
    Step s;
    const std::string kind = Str(Field(js, f, "kind"), Sub(f, "kind"));
    if (kind == "op") {
      s.kind = StepKind::kOp;
      s.op = static_cast<int>(Int(Field(js, f, "op"), Sub(f, "op"), 0, nops - 1));
      if (g && js.contains("type")) {
        const std::string type = Str(js["type"], Sub(f, "type"));
        if (type != OpTypeName(g->ops[s.op].type))
          Bad(Sub(f, "type"), fmt::format("\"{}\", but operator {} of the model is {}", type, s.op,
                                          OpTypeName(g->ops[s.op].type)));
      }
    } else if (kind == "copy") {
      s.kind = StepKind::kCopy;
      s.op = js.contains("op") ? static_cast<int>(Int(js["op"], Sub(f, "op"), -1, nops - 1)) : -1;
    } else {
      Bad(Sub(f, "kind"), fmt::format("\"{}\" is neither \"op\" nor \"copy\"", kind));
    }
    s.window = ReadWindow(Field(js, f, "window"), Sub(f, "window"));
    s.inputs = IndexList(Field(js, f, "inputs"), Sub(f, "inputs"), nb, "buffer");
    s.outputs = IndexList(Field(js, f, "outputs"), Sub(f, "outputs"), nb, "buffer");
    if (js.contains("scratch")) s.scratch = static_cast<int>(Int(js["scratch"], Sub(f, "scratch"), -1, nb - 1));
    if (js.contains("fused_pad"))
      s.fused_pad = static_cast<int>(Int(js["fused_pad"], Sub(f, "fused_pad"), -1, nops - 1));
    if (js.contains("workspace")) {
      const std::string fw = Sub(f, "workspace");
      const json& e = Arr(js["workspace"], fw);
      if (e.size() != 2 && e.size() != 3)
        Bad(fw, fmt::format("expected [offset, bytes], found {} numbers ([offset, bytes, region] with memory regions)",
                            e.size()));
      s.workspace.offset = Int(e[0], Idx(fw, 0), 0, kMaxJsonBytes);
      s.workspace.bytes = Int(e[1], Idx(fw, 1), 1, kMaxJsonBytes);
      if (e.size() == 3)
        s.workspace.region = static_cast<int>(Int(e[2], Idx(fw, 2), 0, std::max<int64_t>(0, num_regions - 1)));
      if (s.workspace.offset + s.workspace.bytes > p.arena_bytes)
        Bad(fw, fmt::format("[{}, {}) is outside the arena of {} bytes", s.workspace.offset,
                            s.workspace.offset + s.workspace.bytes, p.arena_bytes));
    }
    p.steps.push_back(std::move(s));
  }

  if (j.contains("state_bytes"))
    p.state_bytes = Int(j["state_bytes"], "state_bytes", 0, kMaxJsonBytes);
  if (j.contains("state")) {
    const json& st = Arr(j["state"], "state");
    for (size_t i = 0; i < st.size(); ++i) {
      const std::string f = Idx("state", i);
      const json& e = Arr(st[i], f);
      if (e.size() != 3) Bad(f, fmt::format("expected [tensor, offset, bytes], found {} numbers", e.size()));
      StateSlot s;
      s.tensor = static_cast<int>(Int(e[0], Idx(f, 0), 0, nt - 1));
      s.offset = Int(e[1], Idx(f, 1), 0, kMaxJsonBytes);
      s.bytes = Int(e[2], Idx(f, 2), 0, kMaxJsonBytes);
      if (g && !g->tensors[s.tensor].is_variable)
        Bad(Idx(f, 0), fmt::format("tensor {} ('{}') is not state (is_variable)", s.tensor, g->tensors[s.tensor].name));
      p.state.push_back(s);
    }
  }
  p.input_buffers = IndexList(Field(j, "", "input_buffers"), "input_buffers", nb, "buffer");
  p.output_buffers = IndexList(Field(j, "", "output_buffers"), "output_buffers", nb, "buffer");
  if (g && p.input_buffers.size() != g->inputs.size())
    Bad("input_buffers", fmt::format("{} buffers for the model's {} inputs", p.input_buffers.size(), g->inputs.size()));
  if (g && p.output_buffers.size() != g->outputs.size())
    Bad("output_buffers",
        fmt::format("{} buffers for the model's {} outputs", p.output_buffers.size(), g->outputs.size()));
  return p;
}

std::string PlanJsonText(const Plan& plan, const Graph* g) {
  using OJ = nlohmann::ordered_json;
  const OJ j = PlanToJsonT<OJ>(plan, g);
  auto d = [](const OJ& v) { return v.dump(-1, ' ', false, OJ::error_handler_t::replace); };
  std::ostringstream o;
  o << "{\n";
  const char* head[] = {"format", "version", "model", "strategy", "arena_bytes", "accounting", "input_buffers",
                        "output_buffers", "state_bytes", "state", "regions"};
  for (const char* k : head)
    if (j.contains(k)) o << "  " << d(OJ(k)) << ": " << d(j[k]) << ",\n";
  for (const char* k : {"buffers", "steps"}) {
    const OJ& a = j[k];
    o << "  " << d(OJ(k)) << ": [";
    for (size_t i = 0; i < a.size(); ++i) o << (i ? ",\n    " : "\n    ") << d(a[i]);
    o << (a.empty() ? "]" : "\n  ]") << (std::string(k) == "buffers" ? ",\n" : "\n");
  }
  o << "}\n";
  return o.str();
}

void WritePlanJson(const Plan& plan, const std::string& path, const Graph* g) {
  const std::string text = PlanJsonText(plan, g);
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open for writing");
  f << text;
  f.close();
  if (!f) throw Error(path + ": write failed");
}

Plan ReadPlanJson(const std::string& path, const Graph& g) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the plan file");
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size < 0 || size > kMaxJsonFileBytes) throw Error(path + ": plan file too large or unreadable");
  f.seekg(0);
  std::string text(static_cast<size_t>(size), '\0');
  f.read(text.data(), size);
  if (!f) throw Error(path + ": cannot read the plan file");
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(path + ": not valid JSON: " + e.what());
  }
  try {
    return PlanFromJson(j, &g);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace tessera
