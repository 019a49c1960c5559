// The plan checker (see checker.h). Deliberately self-contained: its geometry, receptive
// fields and padding rules are written here from the operator definitions, not shared with
// the planners or the operator layer.
#include "checker/checker.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace tessera {

const char* CheckFailureName(CheckFailure f) {
  switch (f) {
    case CheckFailure::kNone: return "none";
    case CheckFailure::kStructure: return "structure";
    case CheckFailure::kBounds: return "bounds";
    case CheckFailure::kLiveness: return "liveness";
    case CheckFailure::kWindow: return "window";
    case CheckFailure::kValue: return "value";
    case CheckFailure::kInput: return "input";
    case CheckFailure::kOutput: return "output";
  }
  return "?";
}

namespace {

// ---- tags ---------------------------------------------------------------------------------
// A tag is (tensor + 1) << 40 | byte index in the full tensor; 0 is garbage. Scratch bytes
// carry the reserved tensor field kScratchField and their byte index in the scratch buffer.
using Tag = uint64_t;
constexpr int kTagShift = 40;
constexpr Tag kTagByteMask = (Tag{1} << kTagShift) - 1;
constexpr Tag kScratchField = (Tag{1} << 24) - 1;
constexpr int64_t kMaxTensorBytesModelled = int64_t{1} << 39;
constexpr int kWriterNone = -1;   // never written since the start
constexpr int kWriterInput = -2;  // a graph input, present at the start

Tag TensorTag(int tensor, int64_t byte) { return (Tag(tensor + 1) << kTagShift) | Tag(byte); }
Tag ScratchTag(int64_t byte) { return (kScratchField << kTagShift) | Tag(byte); }

// ---- geometry -----------------------------------------------------------------------------
// An activation tensor seen as batch-1 NHWC: rank <= 4 padded with 1s at the front, higher
// ranks only when their leading dimensions are all 1.
struct Geo {
  bool ok = false;
  std::string why;  // when !ok
  int32_t h = 1, w = 1, c = 1;
  int64_t n = 1;  // leading dimensions of a rank-5 tensor (whole-tensor steps only)
  int es = 1;  // element size
  int64_t elems = 0;
  int64_t bytes = 0;
  int64_t pixel_bytes() const { return int64_t{c} * es; }
  int64_t row_bytes() const { return int64_t{w} * c * es; }
  Window full() const { return Window{0, h, 0, w}; }
};

struct Failure {
  CheckFailure kind;
  std::string message;
};

std::string WinStr(const Window& w) {
  return fmt::format("[{},{})x[{},{})", w.y0, w.y1, w.x0, w.x1);
}

// The units a step is replayed in (for messages).
enum class UnitKind : uint8_t { kNone, kPixel, kElement, kRow, kWhole, kStepStart, kStepEnd };

// A contiguous run of bytes inside one buffer, and the tag of its first byte (the tags of a
// run always increase by one per byte).
struct Seg {
  int buf = -1;
  int64_t off = 0;  // byte offset inside the buffer
  int64_t len = 0;
  Tag base = 0;
};

// One input of an element stream: element k of the stream reads element ((k / div) % mod) of
// the run starting at `off` (mod = 0: no wrap). `count` distinct elements in all.
struct StreamIn {
  int buf = -1;
  int64_t off = 0;
  Tag base = 0;
  int es = 1;
  int64_t div = 1, mod = 0;
  int64_t count = 0;
  int64_t Index(int64_t k) const {
    int64_t i = k / div;
    return mod > 0 ? i % mod : i;
  }
};

class Replay {
 public:
  Replay(const Graph& g, const Plan& p) : g_(g), p_(p) {}

  CheckResult Run() {
    CheckResult r;
    try {
      Prepare();
      for (int s = 0; s < static_cast<int>(p_.steps.size()); ++s) {
        step_ = s;
        ReplayStep(s);
      }
      step_ = -1;
      CheckOutputs();
      // State persists: the next invoke's state reads must find this invoke's last writes.
      invoke_ = 1;
      std::fill(state_next_.begin(), state_next_.end(), 0);
      for (int s = 0; s < static_cast<int>(p_.steps.size()); ++s) {
        step_ = s;
        if (p_.steps[s].kind == StepKind::kOp) ReplayState(p_.steps[s]);
      }
      step_ = -1;
      r.ok = true;
    } catch (const Failure& f) {
      r.ok = false;
      r.failure = f.kind;
      r.step = step_;
      r.message = f.message;
    } catch (const std::bad_alloc&) {
      r.ok = false;
      r.failure = CheckFailure::kBounds;
      r.step = step_;
      r.message = "out of memory while modelling the arena";
    }
    r.bytes_checked = bytes_checked_;
    return r;
  }

 private:
  // ---- failures and names ----------------------------------------------------------------
  [[noreturn]] void Fail(CheckFailure k, const std::string& what) const {
    std::string msg = step_ >= 0 ? StepPrefix(step_) + ": " + what : what;
    throw Failure{k, std::move(msg)};
  }

  std::string TName(int t) const {
    if (t < 0 || t >= static_cast<int>(g_.tensors.size())) return fmt::format("tensor {}", t);
    const std::string& n = g_.tensors[t].name;
    return n.empty() ? fmt::format("tensor {}", t) : fmt::format("tensor {} '{}'", t, n);
  }
  std::string BName(int b) const {
    if (b < 0 || b >= static_cast<int>(p_.buffers.size())) return fmt::format("buffer {}", b);
    const std::string& n = p_.buffers[b].name;
    return n.empty() ? fmt::format("buffer {}", b) : fmt::format("buffer {} '{}'", b, n);
  }
  std::string OpName(int op) const {
    if (op < 0 || op >= static_cast<int>(g_.ops.size())) return fmt::format("operator {}", op);
    return fmt::format("{} operator {}", OpTypeName(g_.ops[op].type), op);
  }
  std::string StepPrefix(int s) const {
    const Step& st = p_.steps[s];
    if (st.kind == StepKind::kCopy) return fmt::format("step {} (copy of window {})", s, WinStr(st.window));
    if (st.op < 0 || st.op >= static_cast<int>(g_.ops.size()))
      return fmt::format("step {} (operator {})", s, st.op);
    const Operator& op = g_.ops[st.op];
    std::string out = op.outputs.empty() ? "" : " -> " + TName(op.outputs[0]);
    return fmt::format("step {} ({}{}, window {})", s, OpName(st.op), out, WinStr(st.window));
  }
  std::string UnitStr() const {
    switch (unit_) {
      case UnitKind::kNone: return "";
      case UnitKind::kPixel: return fmt::format("output pixel (y={}, x={})", uy_, ux_);
      case UnitKind::kElement: return fmt::format("element (y={}, x={}, c={})", uy_, ux_, uc_);
      case UnitKind::kRow: return fmt::format("row {}", uy_);
      case UnitKind::kWhole: return "its single unit";
      case UnitKind::kStepStart: return "the start of the step";
      case UnitKind::kStepEnd: return "the end of the step";
    }
    return "";
  }
  // "element (y, x, c) [byte b] of tensor t"
  std::string DescribeTag(Tag tag) const {
    if (tag == 0) return "garbage";
    const Tag field = tag >> kTagShift;
    const int64_t byte = static_cast<int64_t>(tag & kTagByteMask);
    if (field == kScratchField) return fmt::format("scratch byte {}", byte);
    const int t = static_cast<int>(field) - 1;
    if (t < 0 || t >= static_cast<int>(geo_.size()) || !geo_[t].ok)
      return fmt::format("byte {} of {}", byte, TName(t));
    const Geo& gg = geo_[t];
    const int64_t e = byte / gg.es;
    const int64_t c = e % gg.c, x = (e / gg.c) % gg.w, y = e / (int64_t{gg.c} * gg.w);
    std::string b = gg.es > 1 ? fmt::format(" byte {}", byte % gg.es) : "";
    return fmt::format("element (y={}, x={}, c={}){} of {}", y, x, c, b, TName(t));
  }
  std::string DescribeWriter(int w) const {
    if (w == kWriterNone) return "never written";
    if (w == kWriterInput) return "graph input present at the start";
    if (w < 0 || w >= static_cast<int>(p_.steps.size())) return "?";
    const Step& st = p_.steps[w];
    if (st.kind == StepKind::kCopy) return fmt::format("written by step {} (copy)", w);
    return fmt::format("written by step {} ({})", w, OpName(st.op));
  }

  // ---- regions -------------------------------------------------------------------------------
  struct Region {
    std::vector<Tag> tag;
    std::vector<int32_t> writer;
  };
  Region& RegionOf(int b) { return p_.buffers[b].external ? external_ : arena_; }
  const char* RegionName(int b) const { return p_.buffers[b].external ? "external byte" : "arena byte"; }

  // ---- primitive accesses -------------------------------------------------------------------
  // Bytes of a buffer with bands (plan.h Buffer::bands) are owned only during their band's
  // interval: an access during the current step to bytes of a band not live then fails. The
  // bytes outside every band have the buffer's own interval (CheckLive).
  void CheckBandsLive(const Seg& s, bool write) const {
    if (step_ < 0 || s.len <= 0) return;
    const Buffer& b = p_.buffers[s.buf];
    if (b.bands.empty()) return;
    const auto& bands = b.bands;
    auto it = std::upper_bound(bands.begin(), bands.end(), s.off,
                               [](int64_t off, const BufferBand& band) { return off < band.end; });
    for (; it != bands.end() && it->begin < s.off + s.len; ++it) {
      if (step_ >= it->first && step_ <= it->last) continue;
      const std::string unit = UnitStr();
      Fail(CheckFailure::kLiveness,
           fmt::format("{}{} bytes [{},{}) of {}, in its band {} (bytes [{},{}) live [{}, {}]), outside the band's "
                       "live interval", unit.empty() ? "" : unit + ": ", write ? "writes" : "reads",
                       std::max(s.off, it->begin), std::min(s.off + s.len, it->end), BName(s.buf),
                       it - bands.begin(), it->begin, it->end, it->first, it->last));
    }
  }

  void Verify(const Seg& s, bool after_write) {
    const Buffer& b = p_.buffers[s.buf];
    if (s.off < 0 || s.len < 0 || s.off + s.len > b.bytes)
      Fail(CheckFailure::kBounds, fmt::format("access to bytes [{},{}) of {} ({} bytes)", s.off,
                                              s.off + s.len, BName(s.buf), b.bytes));
    CheckBandsLive(s, false);
    Region& r = RegionOf(s.buf);
    const Tag* t = r.tag.data() + b.offset + s.off;
    const int64_t n = s.len;
    const Tag base = s.base;
    int64_t k = 0;
    for (; k < n; ++k)
      if (t[k] != base + Tag(k)) break;
    bytes_checked_ += n;
    if (k == n) return;
    const int64_t at = b.offset + s.off + k;
    std::string when =
        after_write ? ", after its own write (without a scratch buffer the kernel may write a unit's "
                      "output before it has finished reading the unit's inputs)"
                    : "";
    std::string unit = UnitStr();
    Fail(CheckFailure::kValue,
         fmt::format("{}{}: {} at {} {} (buffer byte {}) must hold {} but holds {} ({})",
                     unit.empty() ? "" : unit, when, BName(s.buf), RegionName(s.buf), at, s.off + k,
                     DescribeTag(base + Tag(k)), DescribeTag(t[k]), DescribeWriter(r.writer[at])));
  }

  void Write(const Seg& s) {
    const Buffer& b = p_.buffers[s.buf];
    if (s.off < 0 || s.len < 0 || s.off + s.len > b.bytes)
      Fail(CheckFailure::kBounds, fmt::format("write to bytes [{},{}) of {} ({} bytes)", s.off,
                                              s.off + s.len, BName(s.buf), b.bytes));
    CheckBandsLive(s, true);
    Region& r = RegionOf(s.buf);
    const int64_t a = b.offset + s.off;
    Tag* t = r.tag.data() + a;
    int32_t* w = r.writer.data() + a;
    for (int64_t k = 0; k < s.len; ++k) {
      t[k] = s.base + Tag(k);
      w[k] = step_;
    }
  }

  // Arena ranges of two runs intersect.
  bool Overlap(const Seg& a, const Seg& b) const {
    const Buffer& ba = p_.buffers[a.buf];
    const Buffer& bb = p_.buffers[b.buf];
    if (ba.external != bb.external) return false;
    const int64_t a0 = ba.offset + a.off, a1 = a0 + a.len;
    const int64_t b0 = bb.offset + b.off, b1 = b0 + b.len;
    return a0 < b1 && b0 < a1 && a.len > 0 && b.len > 0;
  }

  // One unit: read(i); write(i); [read(i) again when the kernel may interleave].
  void RunUnit(const std::vector<Seg>& reads, const std::vector<Seg>& writes, bool reread) {
    for (const Seg& r : reads) Verify(r, false);
    for (const Seg& w : writes) Write(w);
    if (!reread) return;
    for (const Seg& r : reads)
      for (const Seg& w : writes)
        if (Overlap(r, w)) {
          Verify(r, true);
          break;
        }
  }

  // True when the run holds exactly its expected tags (no failure raised).
  bool Matches(const Seg& s) {
    const Buffer& b = p_.buffers[s.buf];
    if (s.off < 0 || s.len < 0 || s.off + s.len > b.bytes) return false;
    const Tag* t = RegionOf(s.buf).tag.data() + b.offset + s.off;
    for (int64_t k = 0; k < s.len; ++k)
      if (t[k] != s.base + Tag(k)) return false;
    return true;
  }

  // Names element unit k of a stream whose output run starts at tag out_base.
  void SetElementUnit(Tag out_base, int es, int64_t k) {
    unit_ = UnitKind::kElement;
    const int t = static_cast<int>(out_base >> kTagShift) - 1;
    const Geo& gg = geo_[t];
    const int64_t e = static_cast<int64_t>(out_base & kTagByteMask) / es + k;
    uc_ = static_cast<int32_t>(e % gg.c);
    ux_ = static_cast<int32_t>((e / gg.c) % gg.w);
    uy_ = static_cast<int32_t>(e / (int64_t{gg.c} * gg.w));
  }

  // A stream of n element-wise units: unit k reads element Index(k) of every input (and the
  // `extra` runs whole) and writes element k of the output run: read(k); write(k). When the
  // output run meets none of the input runs, the order inside the stream does not matter and
  // whole runs are compared at once; a mismatch is then replayed unit by unit to name it.
  void RunStream(const std::vector<StreamIn>& ins, const std::vector<Seg>& extra, int out_buf, int64_t out_off,
                 Tag out_base, int out_es, int64_t n) {
    const Seg wseg{out_buf, out_off, n * out_es, out_base};
    bool overlap = false;
    std::vector<Seg>& in_segs = tmp_reads_;
    in_segs.clear();
    for (const StreamIn& in : ins) in_segs.push_back(Seg{in.buf, in.off, in.count * in.es, in.base});
    for (const Seg& e : extra) in_segs.push_back(e);
    for (const Seg& s : in_segs) overlap = overlap || Overlap(s, wseg);
    if (!overlap) {
      bool all = true;
      for (const Seg& s : in_segs) all = all && Matches(s);
      if (all) {
        for (const Seg& s : in_segs) CheckBandsLive(s, false);
        for (const Seg& s : in_segs) bytes_checked_ += s.len;
        Write(wseg);
        return;
      }
    }
    for (int64_t k = 0; k < n; ++k) {
      SetElementUnit(out_base, out_es, k);
      for (const StreamIn& in : ins) {
        const int64_t i = in.Index(k);
        Verify(Seg{in.buf, in.off + i * in.es, in.es, in.base + Tag(i * in.es)}, false);
      }
      for (const Seg& e : extra) Verify(e, false);
      Write(Seg{out_buf, out_off + k * out_es, out_es, out_base + Tag(k * out_es)});
    }
  }

  // ---- preparation --------------------------------------------------------------------------
  Geo MakeGeo(int t) const {
    Geo gg;
    const Tensor& T = g_.tensors[t];
    const auto& sh = T.shape;
    const int r = static_cast<int>(sh.size());
    int64_t lead = 1;
    int32_t d[3] = {1, 1, 1};
    for (int i = 0; i < r; ++i) {
      if (sh[i] < 0) {
        gg.why = fmt::format("{} has a negative dimension", TName(t));
        return gg;
      }
      if (i < r - 3) {
        lead *= sh[i];
      } else {
        d[i - (r - 3)] = sh[i];
      }
    }
    gg.n = lead;
    gg.h = d[0];
    gg.w = d[1];
    gg.c = d[2];
    gg.es = DTypeSize(T.type);
    const int64_t hw = gg.n * gg.h * gg.w;
    if (hw > 0 && int64_t{gg.c} * gg.es > kMaxTensorBytesModelled / hw) {
      gg.why = fmt::format("{} is too large", TName(t));
      return gg;
    }
    gg.elems = hw * gg.c;
    gg.bytes = gg.elems * gg.es;
    gg.ok = true;
    return gg;
  }

  // G(t) for a step that addresses rows and columns (spatial, element-wise, windowed TRANSPOSE,
  // resize, copies): such steps model batch 1 only; a tensor whose leading dimensions fold into
  // a batch above 1 (rank 5) is read and written whole.
  const Geo& GW(int t) const {
    const Geo& gg = G(t);
    if (gg.n != 1)
      Fail(CheckFailure::kStructure, fmt::format("{} has batch {} (windowed steps model batch 1 only)", TName(t), gg.n));
    return gg;
  }

  const Geo& G(int t) const {
    if (t < 0 || t >= static_cast<int>(geo_.size()))
      Fail(CheckFailure::kStructure, fmt::format("tensor index {} out of range ({} tensors)", t, geo_.size()));
    if (g_.tensors[t].is_const)
      Fail(CheckFailure::kStructure, fmt::format("{} is a constant, not an activation", TName(t)));
    if (!geo_[t].ok) Fail(CheckFailure::kStructure, geo_[t].why);
    return geo_[t];
  }

  void Prepare() {
    const int nt = static_cast<int>(g_.tensors.size());
    if (nt >= static_cast<int>(kScratchField) - 1)
      Fail(CheckFailure::kStructure, fmt::format("graph has too many tensors ({})", nt));
    geo_.resize(nt);
    for (int t = 0; t < nt; ++t)
      if (!g_.tensors[t].is_const && !g_.tensors[t].is_variable) geo_[t] = MakeGeo(t);
    const int nb = static_cast<int>(p_.buffers.size());
    const int ns = static_cast<int>(p_.steps.size());

    if (p_.arena_bytes < 0) Fail(CheckFailure::kBounds, fmt::format("arena_bytes is negative ({})", p_.arena_bytes));
    if (p_.arena_bytes > kMaxCheckedArenaBytes)
      Fail(CheckFailure::kBounds, fmt::format("arena of {} bytes exceeds the checker's limit of {} bytes",
                                              p_.arena_bytes, kMaxCheckedArenaBytes));
    int64_t external_end = 0;
    for (int i = 0; i < nb; ++i) {
      const Buffer& b = p_.buffers[i];
      if (b.bytes < 0) Fail(CheckFailure::kStructure, fmt::format("{} has negative size {}", BName(i), b.bytes));
      if (b.offset < 0) Fail(CheckFailure::kBounds, fmt::format("{} has negative offset {}", BName(i), b.offset));
      if (b.first < 0 || b.last < b.first || (ns > 0 && b.last >= ns))
        Fail(CheckFailure::kStructure, fmt::format("{} has live interval [{}, {}] (plan has {} steps)", BName(i),
                                                   b.first, b.last, ns));
      if (const std::string why = BandsError(b); !why.empty())
        Fail(CheckFailure::kStructure, fmt::format("{} has malformed bands: {}", BName(i), why));
      if (b.tensor != kNoTensor) {
        if (b.tensor < 0 || b.tensor >= nt)
          Fail(CheckFailure::kStructure, fmt::format("{} holds tensor index {}, out of range ({} tensors)", BName(i),
                                                     b.tensor, nt));
        if (g_.tensors[b.tensor].is_variable)
          Fail(CheckFailure::kStructure,
               fmt::format("{} holds {}, which is state: state lives in the state region (plan.state), never in "
                           "an activation buffer", BName(i), TName(b.tensor)));
        const Geo& gg = G(b.tensor);
        const Window& w = b.window;
        if (w.y0 < 0 || w.x0 < 0 || w.y1 > gg.h || w.x1 > gg.w || w.empty())
          Fail(CheckFailure::kStructure,
               fmt::format("{} holds window {} of {}, which is empty or not inside the tensor's {}", BName(i),
                           WinStr(w), TName(b.tensor), WinStr(gg.full())));
        const int64_t want = gg.n * w.h() * w.w() * gg.c * gg.es;  // n > 1: whole tensors only
        if (gg.n != 1 && w != gg.full())
          Fail(CheckFailure::kStructure, fmt::format("{} holds window {} of {}, which has batch {}: only whole",
                                                     BName(i), WinStr(w), TName(b.tensor), gg.n));
        if (b.bytes != want)
          Fail(CheckFailure::kStructure,
               fmt::format("{} has {} bytes but window {} of {} is {} bytes ({} x {} x {} channels x {} bytes)",
                           BName(i), b.bytes, WinStr(w), TName(b.tensor), want, w.h(), w.w(), gg.c, gg.es));
      }
      if (b.offset > kMaxCheckedArenaBytes || b.bytes > kMaxCheckedArenaBytes)
        Fail(CheckFailure::kBounds, fmt::format("{} at offset {} with {} bytes lies beyond the checker's limit of {} bytes",
                                                BName(i), b.offset, b.bytes, kMaxCheckedArenaBytes));
      if (b.external) {
        if (p_.accounting.input_in_arena)
          Fail(CheckFailure::kStructure,
               fmt::format("{} is external but the accounting says the model input is in the arena", BName(i)));
        if (b.tensor == kNoTensor ||
            std::find(g_.inputs.begin(), g_.inputs.end(), b.tensor) == g_.inputs.end())
          Fail(CheckFailure::kStructure,
               fmt::format("{} is external but does not hold a graph input (only a streamed model input "
                           "lives outside the arena)", BName(i)));
        external_end = std::max(external_end, b.offset + b.bytes);
      } else if (b.offset + b.bytes > p_.arena_bytes) {
        Fail(CheckFailure::kBounds, fmt::format("{} occupies arena bytes [{}, {}), beyond the arena of {} bytes",
                                                BName(i), b.offset, b.offset + b.bytes, p_.arena_bytes));
      }
    }
    if (external_end > kMaxCheckedArenaBytes)
      Fail(CheckFailure::kBounds, fmt::format("external region of {} bytes exceeds the checker's limit", external_end));

    PrepareState();

    arena_.tag.assign(static_cast<size_t>(p_.arena_bytes), 0);
    arena_.writer.assign(static_cast<size_t>(p_.arena_bytes), kWriterNone);
    external_.tag.assign(static_cast<size_t>(external_end), 0);
    external_.writer.assign(static_cast<size_t>(external_end), kWriterNone);

    // Graph inputs, present at the start.
    if (p_.input_buffers.size() != g_.inputs.size())
      Fail(CheckFailure::kInput, fmt::format("plan has {} input buffers for {} graph inputs", p_.input_buffers.size(),
                                             g_.inputs.size()));
    for (size_t k = 0; k < g_.inputs.size(); ++k) {
      const int b = p_.input_buffers[k];
      const int t = g_.inputs[k];
      if (b < 0 || b >= nb)
        Fail(CheckFailure::kInput, fmt::format("input_buffers[{}] = {} is out of range ({} buffers)", k, b, nb));
      const Buffer& buf = p_.buffers[b];
      const Geo& gg = G(t);
      if (buf.tensor != t)
        Fail(CheckFailure::kInput, fmt::format("graph input {} ({}) is in {}, which holds {}", k, TName(t), BName(b),
                                               buf.tensor == kNoTensor ? "scratch" : TName(buf.tensor)));
      if (buf.window != gg.full())
        Fail(CheckFailure::kInput, fmt::format("graph input {} ({}): {} holds window {}, not the whole tensor {}", k,
                                               TName(t), BName(b), WinStr(buf.window), WinStr(gg.full())));
      if (ns > 0 && buf.first != 0)
        Fail(CheckFailure::kLiveness, fmt::format("graph input {} ({}) is in {}, whose live interval [{}, {}] does not "
                                                  "start at step 0", k, TName(t), BName(b), buf.first, buf.last));
      if (p_.accounting.input_in_arena == buf.external)
        Fail(CheckFailure::kInput,
             fmt::format("graph input {} ({}) is in {}, which is {} but the accounting says the input is {}", k,
                         TName(t), BName(b), buf.external ? "external" : "in the arena",
                         p_.accounting.input_in_arena ? "in the arena" : "streamed (external)"));
      for (size_t j = 0; j < k; ++j) {
        const Seg a{b, 0, buf.bytes, 0}, o{p_.input_buffers[j], 0, p_.buffers[p_.input_buffers[j]].bytes, 0};
        if (p_.input_buffers[j] != b && Overlap(a, o))
          Fail(CheckFailure::kInput, fmt::format("graph inputs {} and {} are in overlapping buffers {} and {}", j, k,
                                                 BName(p_.input_buffers[j]), BName(b)));
      }
      for (size_t j = 0; j < buf.bands.size(); ++j)
        if (buf.bands[j].first != buf.first)
          Fail(CheckFailure::kLiveness,
               fmt::format("graph input {} ({}) is in {}, whose band {} (bytes [{},{}) live [{}, {}]) does not start "
                           "at step {} (the input is present from the start)", k, TName(t), BName(b), j,
                           buf.bands[j].begin, buf.bands[j].end, buf.bands[j].first, buf.bands[j].last, buf.first));
      Region& r = RegionOf(b);
      for (int64_t i = 0; i < buf.bytes; ++i) {
        r.tag[buf.offset + i] = TensorTag(t, i);
        r.writer[buf.offset + i] = kWriterInput;
      }
    }
  }

  // ---- per step -----------------------------------------------------------------------------
  void CheckRange(int b, const char* role) const {
    if (b < 0 || b >= static_cast<int>(p_.buffers.size()))
      Fail(CheckFailure::kStructure,
           fmt::format("{} buffer index {} out of range ({} buffers)", role, b, p_.buffers.size()));
  }
  void CheckLive(int b, const char* role, int s) const {
    const Buffer& buf = p_.buffers[b];
    if (s < buf.first || s > buf.last)
      Fail(CheckFailure::kLiveness,
           fmt::format("{} {} is accessed outside its live interval [{}, {}]", role, BName(b), buf.first, buf.last));
  }
  void CheckTensor(int b, int t, const char* role) const {
    const Buffer& buf = p_.buffers[b];
    if (buf.tensor != t)
      Fail(CheckFailure::kStructure, fmt::format("{} {} holds {}, expected {}", role, BName(b),
                                                 buf.tensor == kNoTensor ? "scratch" : TName(buf.tensor), TName(t)));
  }
  void CheckAllLive(const Step& st, int s) const {
    for (int b : st.inputs) CheckLive(b, "input", s);
    for (int b : st.outputs) CheckLive(b, "output", s);
    if (st.scratch != -1) CheckLive(st.scratch, "scratch", s);
  }

  // Buffer b must hold tensor t and contain window `need` of it.
  void CheckHolds(int b, int t, const Window& need, const char* role) const {
    CheckTensor(b, t, role);
    const Buffer& buf = p_.buffers[b];
    if (!need.empty() && !buf.window.contains(need))
      Fail(CheckFailure::kWindow, fmt::format("{} {} holds window {} of {}, but the step needs {}", role, BName(b),
                                              WinStr(buf.window), TName(t), WinStr(need)));
  }

  // Byte offset inside buffer b (holding a window of a tensor with geometry gg) of (y, x, 0).
  int64_t BufOff(int b, const Geo& gg, int64_t y, int64_t x) const {
    const Window& w = p_.buffers[b].window;
    return ((y - w.y0) * w.w() + (x - w.x0)) * gg.pixel_bytes();
  }
  static int64_t TenByte(const Geo& gg, int64_t y, int64_t x) { return (y * gg.w + x) * gg.pixel_bytes(); }

  // A whole-tensor read of buffer b (tensor t) as a run.
  Seg WholeSeg(int b, int t) const { return Seg{b, 0, G(t).bytes, TensorTag(t, 0)}; }

  void ReplayStep(int s) {
    const Step& st = p_.steps[s];
    unit_ = UnitKind::kNone;
    const int scratch = st.scratch;
    for (int b : st.inputs) CheckRange(b, "input");
    for (int b : st.outputs) CheckRange(b, "output");
    if (scratch != -1) {
      CheckRange(scratch, "scratch");
      if (p_.buffers[scratch].tensor != kNoTensor)
        Fail(CheckFailure::kStructure,
             fmt::format("scratch {} holds {}, not scratch", BName(scratch), TName(p_.buffers[scratch].tensor)));
    }
    if (st.window.empty()) Fail(CheckFailure::kStructure, "the step's window is empty");
    CheckWorkspace(st, s);
    if (st.kind == StepKind::kCopy) {
      ReplayCopy(st, s);
    } else {
      ReplayOp(st, s);
      ReplayState(st);
    }
    if (scratch != -1) {
      unit_ = UnitKind::kStepEnd;
      Verify(Seg{scratch, 0, p_.buffers[scratch].bytes, ScratchTag(0)}, false);
    }
  }

  // The step's kernel workspace (plan.h Step::workspace): arena bytes the kernel may read and
  // write in any order during the step, so no buffer may own any of them during the step
  // (whether or not its bytes are read again: a kernel's workspace is private).
  void CheckWorkspace(const Step& st, int s) const {
    const Step::Workspace& ws = st.workspace;
    if (ws.bytes == 0 && ws.offset == 0) return;
    if (ws.bytes <= 0 || ws.offset < 0)
      Fail(CheckFailure::kBounds, fmt::format("the workspace has offset {} and {} bytes", ws.offset, ws.bytes));
    if (st.kind == StepKind::kCopy) Fail(CheckFailure::kStructure, "a copy step has a kernel workspace");
    const int64_t w0 = ws.offset, w1 = ws.offset + ws.bytes;
    if (w0 % 4 != 0 || ws.bytes > p_.arena_bytes || w0 > p_.arena_bytes - ws.bytes)
      Fail(CheckFailure::kBounds, fmt::format("the workspace occupies arena bytes [{}, {}), which is not word-aligned "
                                              "inside the arena of {} bytes", w0, w1, p_.arena_bytes));
    for (int b = 0; b < static_cast<int>(p_.buffers.size()); ++b) {
      const Buffer& buf = p_.buffers[b];
      if (buf.external || s < buf.first || s > buf.last) continue;
      for (const BufferBand& piece : BufferPieces(buf)) {
        if (s < piece.first || s > piece.last) continue;
        const int64_t a0 = std::max(w0, buf.offset + piece.begin), a1 = std::min(w1, buf.offset + piece.end);
        if (a0 < a1)
          Fail(CheckFailure::kLiveness,
               fmt::format("the workspace [{}, {}) shares arena bytes [{}, {}) with {} (bytes [{}, {}) of it live "
                           "during steps [{}, {}])", w0, w1, a0, a1, BName(b), piece.begin, piece.end, piece.first,
                           piece.last));
      }
    }
  }

  // Called once a step's structure is known good, before its first unit.
  void StartStep(const Step& st, int s) {
    CheckAllLive(st, s);
    if (st.scratch != -1) {
      unit_ = UnitKind::kStepStart;
      Write(Seg{st.scratch, 0, p_.buffers[st.scratch].bytes, ScratchTag(0)});
    }
  }

  void ReplayCopy(const Step& st, int s) {
    if (st.inputs.size() != 1 || st.outputs.size() != 1)
      Fail(CheckFailure::kStructure, fmt::format("a copy step needs 1 input and 1 output buffer, has {} and {}",
                                                 st.inputs.size(), st.outputs.size()));
    if (st.fused_pad != -1) Fail(CheckFailure::kStructure, "a copy step cannot have a fused PAD");
    const int src = st.inputs[0], dst = st.outputs[0];
    const int t = p_.buffers[src].tensor;
    if (t == kNoTensor) Fail(CheckFailure::kStructure, fmt::format("copy source {} is scratch", BName(src)));
    CheckTensor(dst, t, "copy destination");
    StartStep(st, s);
    const Geo& gg = GW(t);
    if (!gg.full().contains(st.window))
      Fail(CheckFailure::kStructure, fmt::format("window {} is not inside {} {}", WinStr(st.window), TName(t),
                                                 WinStr(gg.full())));
    CheckHolds(src, t, st.window, "copy source");
    CheckHolds(dst, t, st.window, "copy destination");
    const int64_t n = int64_t{st.window.w()} * gg.c;
    for (int32_t y = st.window.y0; y < st.window.y1; ++y) {
      StreamIn in{src, BufOff(src, gg, y, st.window.x0), TensorTag(t, TenByte(gg, y, st.window.x0)), gg.es, 1, 0, n};
      RunStream({in}, {}, dst, BufOff(dst, gg, y, st.window.x0), TensorTag(t, TenByte(gg, y, st.window.x0)), gg.es,
                n);
    }
  }

  // ---- state (plan.h StateSlot) --------------------------------------------------------------
  // The state region is modelled apart from the arena: each byte carries (tensor, version),
  // version 0 being the initial value. A step whose operator reads state operand t finds
  // every byte of t's slot at t's current version, then writes version + 1. The steps are
  // replayed twice for state (Run): the second invoke's reads find the first invoke's last
  // writes, so slots that clobber each other fail as a value error.
  void PrepareState() {
    const int nt = static_cast<int>(g_.tensors.size());
    if (p_.state_bytes < 0 || p_.state_bytes > kMaxCheckedArenaBytes)
      Fail(CheckFailure::kBounds, fmt::format("state region of {} bytes is negative or beyond the checker's limit",
                                              p_.state_bytes));
    slot_of_.assign(nt, -1);
    for (size_t i = 0; i < p_.state.size(); ++i) {
      const StateSlot& sl = p_.state[i];
      if (sl.tensor < 0 || sl.tensor >= nt)
        Fail(CheckFailure::kStructure, fmt::format("state slot {} holds tensor index {}, out of range", i, sl.tensor));
      if (!g_.tensors[sl.tensor].is_variable)
        Fail(CheckFailure::kStructure, fmt::format("state slot {} holds {}, which is not state", i, TName(sl.tensor)));
      if (slot_of_[sl.tensor] >= 0)
        Fail(CheckFailure::kStructure, fmt::format("{} has two state slots ({} and {})", TName(sl.tensor),
                                                   slot_of_[sl.tensor], i));
      slot_of_[sl.tensor] = static_cast<int>(i);
      if (sl.bytes != g_.tensors[sl.tensor].num_bytes())
        Fail(CheckFailure::kStructure, fmt::format("state slot {} of {} has {} bytes, the tensor {}", i,
                                                   TName(sl.tensor), sl.bytes, g_.tensors[sl.tensor].num_bytes()));
      if (sl.offset < 0 || sl.offset > p_.state_bytes - sl.bytes)
        Fail(CheckFailure::kBounds, fmt::format("state slot {} of {} occupies state bytes [{}, {}), outside the state "
                                                "region of {} bytes", i, TName(sl.tensor), sl.offset,
                                                sl.offset + sl.bytes, p_.state_bytes));
      if (sl.offset % kStateAlignment != 0)
        Fail(CheckFailure::kStructure, fmt::format("state slot {} of {} at offset {} is not a multiple of {}", i,
                                                   TName(sl.tensor), sl.offset, kStateAlignment));
      for (size_t j = 0; j < i; ++j) {
        const StateSlot& o = p_.state[j];
        if (sl.offset < o.offset + o.bytes && o.offset < sl.offset + sl.bytes)
          Fail(CheckFailure::kBounds, fmt::format("state slot {} of {} [{}, {}) overlaps state slot {} of {} [{}, {})",
                                                  i, TName(sl.tensor), sl.offset, sl.offset + sl.bytes, j,
                                                  TName(o.tensor), o.offset, o.offset + o.bytes));
      }
    }
    for (int t = 0; t < nt; ++t)
      if (g_.tensors[t].is_variable && slot_of_[t] < 0)
        Fail(CheckFailure::kStructure, fmt::format("{} is state but has no state slot", TName(t)));
    state_tag_.assign(static_cast<size_t>(p_.state_bytes), 0);
    state_writer_.assign(static_cast<size_t>(p_.state_bytes), kWriterNone);
    state_version_.assign(nt, 0);
    // The operators that access each state tensor, in the model's order (READ_VARIABLE and
    // ASSIGN_VARIABLE of one resource must run in that order).
    state_ops_.assign(nt, {});
    state_next_.assign(nt, 0);
    for (int i = 0; i < static_cast<int>(g_.ops.size()); ++i)
      for (int t : g_.ops[i].inputs)
        if (t >= 0 && t < nt && g_.tensors[t].is_variable &&
            (state_ops_[t].empty() || state_ops_[t].back() != i))
          state_ops_[t].push_back(i);
    for (const StateSlot& sl : p_.state)
      std::fill(state_tag_.begin() + sl.offset, state_tag_.begin() + sl.offset + sl.bytes, StateTag(sl.tensor, 0));
  }
  static Tag StateTag(int t, int64_t version) { return (Tag(t + 1) << kTagShift) | Tag(version); }

  // The state operands of the step's operator: read (each byte at its current version), then
  // written (the next version).
  void ReplayState(const Step& st) {
    const Operator& op = g_.ops[st.op];
    for (int t : op.inputs) {
      if (t < 0 || t >= static_cast<int>(g_.tensors.size()) || !g_.tensors[t].is_variable) continue;
      const StateSlot& sl = p_.state[slot_of_[t]];
      // In the model's order: the step's operator is the next one that accesses t.
      const auto& order = state_ops_[t];
      size_t& next = state_next_[t];
      if (next < order.size() && order[next] != st.op)
        Fail(CheckFailure::kValue,
             fmt::format("{}{} accesses state {} out of the model's order: the next access of it is {}",
                         invoke_ ? "in the next invoke, " : "", OpName(st.op), TName(t), OpName(order[next])));
      if (next < order.size()) ++next;
      const Tag want = StateTag(t, state_version_[t]);
      for (int64_t k = 0; k < sl.bytes; ++k) {
        const Tag got = state_tag_[sl.offset + k];
        if (got != want) {
          const int w = state_writer_[sl.offset + k];
          Fail(CheckFailure::kValue,
               fmt::format("{}reads state {} byte {} (state byte {}) expecting {}, found {} ({})",
                           invoke_ ? "in the next invoke, " : "", TName(t), k, sl.offset + k,
                           state_version_[t] == 0 ? std::string("its initial value")
                                                  : fmt::format("the value written by step {}", last_state_writer_[t]),
                           got == 0 ? std::string("garbage")
                                    : fmt::format("state of {}", TName(static_cast<int>(got >> kTagShift) - 1)),
                           w == kWriterNone ? std::string("initial") : fmt::format("written by step {}", w)));
        }
      }
      bytes_checked_ += sl.bytes;
      ++state_version_[t];
      last_state_writer_[t] = step_;
      std::fill(state_tag_.begin() + sl.offset, state_tag_.begin() + sl.offset + sl.bytes,
                StateTag(t, state_version_[t]));
      std::fill(state_writer_.begin() + sl.offset, state_writer_.begin() + sl.offset + sl.bytes, step_);
    }
  }

  // Activation operands of an operator: (operand position, tensor).
  std::vector<std::pair<int, int>> ActInputs(const Operator& op) const {
    std::vector<std::pair<int, int>> r;
    for (int i = 0; i < static_cast<int>(op.inputs.size()); ++i) {
      const int t = op.inputs[i];
      if (t == kNoTensor) continue;
      if (t < 0 || t >= static_cast<int>(g_.tensors.size()))
        Fail(CheckFailure::kStructure, fmt::format("operand {} is tensor index {}, out of range", i, t));
      if (!g_.tensors[t].is_const && !g_.tensors[t].is_variable) r.emplace_back(i, t);
    }
    return r;
  }

  const Tensor& ConstOperand(const Operator& op, int pos, const char* what) const {
    if (pos >= static_cast<int>(op.inputs.size()) || op.inputs[pos] < 0 ||
        op.inputs[pos] >= static_cast<int>(g_.tensors.size()))
      Fail(CheckFailure::kStructure, fmt::format("operand {} ({}) is missing", pos, what));
    const Tensor& T = g_.tensors[op.inputs[pos]];
    if (!T.is_const)
      Fail(CheckFailure::kStructure, fmt::format("operand {} ({}) must be a constant", pos, what));
    return T;
  }

  // PAD paddings as (top, bottom, left, right, channel before, channel after).
  struct Pads {
    int32_t t = 0, b = 0, l = 0, r = 0, c0 = 0, c1 = 0;
  };
  Pads ReadPads(int pad_op) const {
    const Operator& op = g_.ops[pad_op];
    if (op.inputs.empty() || op.inputs[0] < 0 || op.inputs[0] >= static_cast<int>(g_.tensors.size()))
      Fail(CheckFailure::kStructure, fmt::format("{} has no input", OpName(pad_op)));
    const Tensor& P = ConstOperand(op, 1, "PAD paddings");
    const int rank = static_cast<int>(g_.tensors[op.inputs[0]].shape.size());
    if (P.type != DType::kInt32 && P.type != DType::kInt64)
      Fail(CheckFailure::kStructure, fmt::format("{}: paddings must be int32 or int64", OpName(pad_op)));
    const int es = DTypeSize(P.type);
    if (P.num_elements() != 2 * int64_t{rank} || static_cast<int64_t>(P.data.size()) != P.num_elements() * es)
      Fail(CheckFailure::kStructure,
           fmt::format("{}: paddings must be a [{},2] constant with data", OpName(pad_op), rank));
    int64_t v[8][2] = {};
    if (rank > 8) Fail(CheckFailure::kStructure, fmt::format("{}: rank {} too large", OpName(pad_op), rank));
    for (int i = 0; i < rank; ++i)
      for (int j = 0; j < 2; ++j) {
        if (es == 4) {
          int32_t x;
          std::memcpy(&x, P.data.data() + (2 * i + j) * 4, 4);
          v[i][j] = x;
        } else {
          int64_t x;
          std::memcpy(&x, P.data.data() + (2 * i + j) * 8, 8);
          v[i][j] = x;
        }
        if (v[i][j] < 0 || v[i][j] > (1 << 20))
          Fail(CheckFailure::kStructure, fmt::format("{}: padding {} out of range", OpName(pad_op), v[i][j]));
      }
    // Dimension i of the input is NHWC axis 4 - rank + i (ranks above 4: leading axes batch).
    Pads p;
    for (int i = 0; i < rank; ++i) {
      const int axis = 4 - rank + i;
      if (axis <= 0) {
        if (v[i][0] || v[i][1])
          Fail(CheckFailure::kStructure, fmt::format("{} pads the batch axis", OpName(pad_op)));
      } else if (axis == 1) {
        p.t = static_cast<int32_t>(v[i][0]);
        p.b = static_cast<int32_t>(v[i][1]);
      } else if (axis == 2) {
        p.l = static_cast<int32_t>(v[i][0]);
        p.r = static_cast<int32_t>(v[i][1]);
      } else {
        p.c0 = static_cast<int32_t>(v[i][0]);
        p.c1 = static_cast<int32_t>(v[i][1]);
      }
    }
    return p;
  }

  // Receptive field of a spatial operator: output pixel (oy, ox) reads input pixels
  // (oy*sh - pt + ky*dh, ox*sw - pl + kx*dw) for ky < kh, kx < kw that lie inside the input.
  struct SpatialRule {
    int32_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0;
  };

  static int32_t OutSize(Padding p, int32_t in, int32_t k, int32_t s, int32_t d) {
    // 64-bit: kernel, stride and dilation come from the model and may be huge.
    const int64_t eff = (int64_t{k} - 1) * d + 1;
    const int64_t o = p == Padding::kSame ? (int64_t{in} + s - 1) / s : (int64_t{in} - eff + s) / s;
    return static_cast<int32_t>(std::clamp<int64_t>(o, INT32_MIN, INT32_MAX));
  }
  static int32_t PadBefore(Padding p, int32_t in, int32_t k, int32_t s, int32_t d, int32_t out) {
    if (p == Padding::kValid) return 0;
    const int64_t eff = int64_t{k - 1} * d + 1;
    const int64_t total = std::max<int64_t>(0, int64_t{out - 1} * s + eff - in);
    return static_cast<int32_t>(total / 2);
  }

  // Input tensor, geometry and receptive field rule of a conv/depthwise/pool step, folding
  // the step's fused PAD.
  void ConvRule(const Step& st, const Operator& op, int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh,
                int32_t dw, Padding pad, int* in_t, SpatialRule* rule) {
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
      Fail(CheckFailure::kStructure,
           fmt::format("kernel {}x{}, stride {}x{}, dilation {}x{}: all must be positive", kh, kw, sh, sw, dh, dw));
    const int conv_in = op.inputs[0];
    const Geo& gin = G(conv_in);
    const Geo& gout = G(op.outputs[0]);
    const int32_t oh = OutSize(pad, gin.h, kh, sh, dh), ow = OutSize(pad, gin.w, kw, sw, dw);
    if (oh != gout.h || ow != gout.w)
      Fail(CheckFailure::kStructure,
           fmt::format("the graph gives {} a {}x{} output, but input {}x{} with kernel {}x{}, stride {}x{}, dilation "
                       "{}x{} gives {}x{}", OpName(st.op), gout.h, gout.w, gin.h, gin.w, kh, kw, sh, sw, dh, dw, oh, ow));
    rule->kh = kh;
    rule->kw = kw;
    rule->sh = sh;
    rule->sw = sw;
    rule->dh = dh;
    rule->dw = dw;
    rule->pt = PadBefore(pad, gin.h, kh, sh, dh, oh);
    rule->pl = PadBefore(pad, gin.w, kw, sw, dw, ow);
    *in_t = conv_in;
    if (st.fused_pad == -1) return;
    const int fp = st.fused_pad;
    if (fp < 0 || fp >= static_cast<int>(g_.ops.size()))
      Fail(CheckFailure::kStructure, fmt::format("fused_pad {} is out of range", fp));
    const Operator& pop = g_.ops[fp];
    if (pop.type != OpType::kPad)
      Fail(CheckFailure::kStructure, fmt::format("fused_pad names {}, not a PAD", OpName(fp)));
    if (pop.outputs.size() != 1 || pop.outputs[0] != conv_in)
      Fail(CheckFailure::kStructure,
           fmt::format("fused_pad {} does not produce this operator's input {}", OpName(fp), TName(conv_in)));
    const Pads pd = ReadPads(fp);
    if (pd.c0 || pd.c1)
      Fail(CheckFailure::kStructure, fmt::format("fused {} pads channels; only rows and columns can be folded", OpName(fp)));
    const int pin = pop.inputs[0];
    const Geo& gp = G(pin);
    if (gp.h + pd.t + pd.b != gin.h || gp.w + pd.l + pd.r != gin.w || gp.c != gin.c)
      Fail(CheckFailure::kStructure, fmt::format("fused {}: {} padded by ({},{},{},{}) does not give {}", OpName(fp),
                                                 TName(pin), pd.t, pd.b, pd.l, pd.r, TName(conv_in)));
    rule->pt += pd.t;
    rule->pl += pd.l;
    *in_t = pin;
  }

  // Valid k in [0, kcount) with 0 <= base + k*d < n, as [*k0, *k1) (d > 0).
  static void ValidRange(int64_t base, int64_t d, int64_t kcount, int64_t n, int64_t* k0, int64_t* k1) {
    const int64_t lo = base >= 0 ? 0 : (-base + d - 1) / d;
    const int64_t hi = (n - 1 - base) < 0 ? -1 : (n - 1 - base) / d;
    *k0 = std::max<int64_t>(0, lo);
    *k1 = std::max(*k0, std::min<int64_t>(kcount, hi + 1));
  }

  // Output pixels of st.window, each reading its receptive field in `in_buf`.
  void ReplaySpatial(const Step& st, int in_buf, int in_t, int out_buf, int out_t, const SpatialRule& r,
                     const std::vector<Seg>& extra, bool reread) {
    const Geo& gi = GW(in_t);
    const Geo& go = GW(out_t);
    const Window& win = st.window;
    // The window of the input the step needs (clipped to the input): the bounding box of
    // every in-bounds input row / column some output pixel reads.
    int64_t ny0 = std::numeric_limits<int64_t>::max(), ny1 = std::numeric_limits<int64_t>::min(), nx0 = std::numeric_limits<int64_t>::max(), nx1 = std::numeric_limits<int64_t>::min();
    for (int64_t oy = win.y0; oy < win.y1; ++oy) {
      int64_t k0, k1;
      const int64_t base = oy * r.sh - r.pt;
      ValidRange(base, r.dh, r.kh, gi.h, &k0, &k1);
      if (k0 >= k1) continue;
      ny0 = std::min(ny0, base + k0 * r.dh);
      ny1 = std::max(ny1, base + (k1 - 1) * r.dh + 1);
    }
    for (int64_t ox = win.x0; ox < win.x1; ++ox) {
      int64_t k0, k1;
      const int64_t base = ox * r.sw - r.pl;
      ValidRange(base, r.dw, r.kw, gi.w, &k0, &k1);
      if (k0 >= k1) continue;
      nx0 = std::min(nx0, base + k0 * r.dw);
      nx1 = std::max(nx1, base + (k1 - 1) * r.dw + 1);
    }
    Window need{};
    if (ny0 < ny1 && nx0 < nx1)
      need = Window{static_cast<int32_t>(ny0), static_cast<int32_t>(ny1), static_cast<int32_t>(nx0),
                    static_cast<int32_t>(nx1)};
    CheckHolds(in_buf, in_t, need, "input");
    const int64_t ipx = gi.pixel_bytes();
    for (int64_t oy = win.y0; oy < win.y1; ++oy) {
      int64_t ky0, ky1;
      const int64_t ybase = oy * r.sh - r.pt;
      ValidRange(ybase, r.dh, r.kh, gi.h, &ky0, &ky1);
      for (int64_t ox = win.x0; ox < win.x1; ++ox) {
        unit_ = UnitKind::kPixel;
        uy_ = static_cast<int32_t>(oy);
        ux_ = static_cast<int32_t>(ox);
        int64_t kx0, kx1;
        const int64_t xbase = ox * r.sw - r.pl;
        ValidRange(xbase, r.dw, r.kw, gi.w, &kx0, &kx1);
        reads_.clear();
        for (int64_t ky = ky0; ky < ky1; ++ky) {
          const int64_t iy = ybase + ky * r.dh;
          if (r.dw == 1) {
            if (kx0 < kx1) {
              const int64_t ix = xbase + kx0;
              reads_.push_back(Seg{in_buf, BufOff(in_buf, gi, iy, ix), (kx1 - kx0) * ipx, TensorTag(in_t, TenByte(gi, iy, ix))});
            }
          } else {
            for (int64_t kx = kx0; kx < kx1; ++kx) {
              const int64_t ix = xbase + kx * r.dw;
              reads_.push_back(Seg{in_buf, BufOff(in_buf, gi, iy, ix), ipx, TensorTag(in_t, TenByte(gi, iy, ix))});
            }
          }
        }
        for (const Seg& e : extra) reads_.push_back(e);
        writes_.clear();
        writes_.push_back(Seg{out_buf, BufOff(out_buf, go, oy, ox), go.pixel_bytes(), TensorTag(out_t, TenByte(go, oy, ox))});
        RunUnit(reads_, writes_, reread);
      }
    }
  }

  void ReplayElementwise(const Step& st, const std::vector<std::pair<int, int>>& ins, int out_buf, int out_t) {
    const Geo& go = GW(out_t);
    const Window& win = st.window;
    struct In {
      int buf, t;
      bool bh, bw, bc;  // broadcast along rows / columns / channels
    };
    std::vector<In> v;
    for (auto [b, t] : ins) {
      const Geo& gi = GW(t);
      In in{b, t, gi.h != go.h, gi.w != go.w, gi.c != go.c};
      if ((in.bh && gi.h != 1) || (in.bw && gi.w != 1) || (in.bc && gi.c != 1))
        Fail(CheckFailure::kStructure, fmt::format("{} ({}x{}x{}) does not broadcast to {} ({}x{}x{})", TName(t), gi.h,
                                                   gi.w, gi.c, TName(out_t), go.h, go.w, go.c));
      const Window need{in.bh ? 0 : win.y0, in.bh ? 1 : win.y1, in.bw ? 0 : win.x0, in.bw ? 1 : win.x1};
      CheckHolds(b, t, need, "input");
      v.push_back(in);
    }
    const int64_t n = int64_t{win.w()} * go.c;
    std::vector<StreamIn> streams;
    for (int32_t y = win.y0; y < win.y1; ++y) {
      streams.clear();
      for (const In& in : v) {
        const Geo& gi = GW(in.t);
        const int32_t iy = in.bh ? 0 : y;
        const int32_t ix = in.bw ? 0 : win.x0;
        StreamIn s;
        s.buf = in.buf;
        s.off = BufOff(in.buf, gi, iy, ix);
        s.base = TensorTag(in.t, TenByte(gi, iy, ix));
        s.es = gi.es;
        // Element k of the output row is (x0 + k / C, k % C).
        if (!in.bw && !in.bc) {
          s.div = 1, s.mod = 0, s.count = n;
        } else if (!in.bw && in.bc) {
          s.div = go.c, s.mod = 0, s.count = win.w();
        } else if (in.bw && !in.bc) {
          s.div = 1, s.mod = go.c, s.count = go.c;
        } else {
          s.div = 1, s.mod = 1, s.count = 1;
        }
        streams.push_back(s);
      }
      RunStream(streams, {}, out_buf, BufOff(out_buf, go, y, win.x0), TensorTag(out_t, TenByte(go, y, win.x0)), go.es,
                n);
    }
  }

  // Units over rows of flat element order: unit r reads [r*in_row, (r+1)*in_row) elements of
  // the (whole) input and writes [r*out_row, ...) of the (whole) output.
  void ReplayRows(int in_buf, int in_t, int out_buf, int out_t, int64_t rows, int64_t in_row, int64_t out_row,
                  const std::vector<Seg>& extra, bool reread) {
    const Geo& gi = G(in_t);
    const Geo& go = G(out_t);
    for (int64_t r = 0; r < rows; ++r) {
      unit_ = UnitKind::kRow;
      uy_ = static_cast<int32_t>(r);
      reads_.clear();
      reads_.push_back(Seg{in_buf, r * in_row * gi.es, in_row * gi.es, TensorTag(in_t, r * in_row * gi.es)});
      for (const Seg& e : extra) reads_.push_back(e);
      writes_.clear();
      writes_.push_back(Seg{out_buf, r * out_row * go.es, out_row * go.es, TensorTag(out_t, r * out_row * go.es)});
      RunUnit(reads_, writes_, reread);
    }
  }

  // A TRANSPOSE that runs over windows: rank <= 4, its perm a constant permutation, and
  // batch 1 on both sides once shape and perm are padded to 4-D (leading axes of size 1
  // stay in place). Gives the padded perm and input dims.
  bool TransposeWindowed(const Operator& op, int32_t perm4[4], int32_t dims[4]) const {
    if (op.inputs.size() < 2 || op.inputs[0] < 0 || op.inputs[0] >= static_cast<int>(g_.tensors.size()) ||
        op.inputs[1] < 0 || op.inputs[1] >= static_cast<int>(g_.tensors.size()))
      return false;
    const Tensor& in = g_.tensors[op.inputs[0]];
    const Tensor& P = g_.tensors[op.inputs[1]];
    const int rank = static_cast<int>(in.shape.size());
    if (rank < 1 || rank > 4 || !P.is_const || (P.type != DType::kInt32 && P.type != DType::kInt64)) return false;
    const int es = DTypeSize(P.type);
    if (static_cast<int64_t>(P.data.size()) != int64_t{rank} * es) return false;
    const int lead = 4 - rank;
    bool used[4] = {false, false, false, false};
    for (int i = 0; i < 4; ++i) {
      int64_t v = i;
      if (i >= lead) {
        if (es == 4) {
          int32_t x;
          std::memcpy(&x, P.data.data() + (i - lead) * 4, 4);
          v = x;
        } else {
          std::memcpy(&v, P.data.data() + (i - lead) * 8, 8);
        }
        if (v < 0) v += rank;
        if (v < 0 || v >= rank) return false;
        v += lead;
      }
      if (used[v]) return false;
      used[v] = true;
      perm4[i] = static_cast<int32_t>(v);
      dims[i] = i < lead ? 1 : in.shape[i - lead];
    }
    return dims[0] == 1 && dims[perm4[0]] == 1;
  }

  // A windowed TRANSPOSE step: output element (y, x, c) of the step's window is input
  // element (axis perm4[1] = y, axis perm4[2] = x, axis perm4[3] = c) of the 4-D input
  // (rows = axis 1, columns = axis 2, channels = axis 3). One unit: reads exactly the input
  // elements the window maps onto, then writes the window.
  void ReplayTranspose(const Step& st, int in_buf, int in_t, int out_buf, int out_t, const int32_t perm4[4],
                       const int32_t dims[4], const std::vector<Seg>& extra, bool reread) {
    const Geo& gi = GW(in_t);
    const Geo& go = GW(out_t);
    if (gi.h != dims[1] || gi.w != dims[2] || gi.c != dims[3] || go.h != dims[perm4[1]] || go.w != dims[perm4[2]] ||
        go.c != dims[perm4[3]] || gi.es != go.es)
      Fail(CheckFailure::kStructure, fmt::format("TRANSPOSE of {} ({}x{}x{}) does not give {} ({}x{}x{})", TName(in_t),
                                                 gi.h, gi.w, gi.c, TName(out_t), go.h, go.w, go.c));
    const Window& win = st.window;
    int64_t lo[4] = {0, 0, 0, 0}, hi[4] = {dims[0], dims[1], dims[2], dims[3]};
    lo[perm4[1]] = win.y0, hi[perm4[1]] = win.y1;
    lo[perm4[2]] = win.x0, hi[perm4[2]] = win.x1;
    const Window need{static_cast<int32_t>(lo[1]), static_cast<int32_t>(hi[1]), static_cast<int32_t>(lo[2]),
                      static_cast<int32_t>(hi[2])};
    CheckHolds(in_buf, in_t, need, "input");
    unit_ = UnitKind::kWhole;
    reads_.clear();
    const int64_t run = (hi[3] - lo[3]) * gi.es;
    for (int64_t iy = lo[1]; iy < hi[1]; ++iy)
      for (int64_t ix = lo[2]; ix < hi[2]; ++ix) {
        const Seg sg{in_buf, BufOff(in_buf, gi, iy, ix) + lo[3] * gi.es, run,
                     TensorTag(in_t, TenByte(gi, iy, ix) + lo[3] * gi.es)};
        if (!reads_.empty()) {
          Seg& b = reads_.back();
          if (b.buf == sg.buf && b.off + b.len == sg.off && b.base + Tag(b.len) == sg.base) {
            b.len += sg.len;
            continue;
          }
        }
        reads_.push_back(sg);
      }
    for (const Seg& e : extra) reads_.push_back(e);
    writes_.clear();
    for (int32_t y = win.y0; y < win.y1; ++y)
      writes_.push_back(Seg{out_buf, BufOff(out_buf, go, y, win.x0), win.w() * go.pixel_bytes(),
                            TensorTag(out_t, TenByte(go, y, win.x0))});
    RunUnit(reads_, writes_, reread);
  }

  // A resize step as one unit: reads every input row in `ry` x column in `rx` (the sources
  // of the window's output rows and columns, any order, repeats allowed) and the extras, then
  // writes the window.
  void ReplayResize(const Step& st, int in_t, int out_buf, int out_t, std::vector<int32_t> ry,
                    std::vector<int32_t> rx, const std::vector<Seg>& ex, bool reread) {
    const Geo& gi = GW(in_t);
    const Geo& go = GW(out_t);
    std::sort(ry.begin(), ry.end());
    ry.erase(std::unique(ry.begin(), ry.end()), ry.end());
    std::sort(rx.begin(), rx.end());
    rx.erase(std::unique(rx.begin(), rx.end()), rx.end());
    const Window need{ry.front(), ry.back() + 1, rx.front(), rx.back() + 1};
    CheckHolds(st.inputs[0], in_t, need, "input");
    unit_ = UnitKind::kWhole;
    reads_.clear();
    for (int32_t iy : ry)
      for (size_t j = 0; j < rx.size();) {
        size_t k = j + 1;
        while (k < rx.size() && rx[k] == rx[k - 1] + 1) ++k;
        reads_.push_back(Seg{st.inputs[0], BufOff(st.inputs[0], gi, iy, rx[j]), int64_t(k - j) * gi.pixel_bytes(),
                             TensorTag(in_t, TenByte(gi, iy, rx[j]))});
        j = k;
      }
    for (const Seg& e : ex) reads_.push_back(e);
    writes_.clear();
    for (int32_t y = st.window.y0; y < st.window.y1; ++y)
      writes_.push_back(Seg{out_buf, BufOff(out_buf, go, y, st.window.x0), st.window.w() * go.pixel_bytes(),
                            TensorTag(out_t, TenByte(go, y, st.window.x0))});
    RunUnit(reads_, writes_, reread);
  }

  void ReplayOp(const Step& st, int s) {
    const bool reread = st.scratch == -1;
    const int nops = static_cast<int>(g_.ops.size());
    if (st.op < 0 || st.op >= nops)
      Fail(CheckFailure::kStructure, fmt::format("operator index {} out of range ({} operators)", st.op, nops));
    const Operator& op = g_.ops[st.op];
    const auto acts = ActInputs(op);
    if (st.inputs.size() != acts.size())
      Fail(CheckFailure::kStructure, fmt::format("{} has {} activation inputs but the step lists {} input buffers",
                                                 OpName(st.op), acts.size(), st.inputs.size()));
    if (op.outputs.size() != 1)
      Fail(CheckFailure::kStructure, fmt::format("{} has {} outputs; the checker models single-output operators",
                                                 OpName(st.op), op.outputs.size()));
    if (st.outputs.size() != 1)
      Fail(CheckFailure::kStructure, fmt::format("the step lists {} output buffers, expected 1", st.outputs.size()));
    const int out_t = op.outputs[0];
    // The tensors the buffers must hold (a fused PAD's input in place of the PAD's output).
    for (size_t i = 0; i < acts.size(); ++i) {
      int want = acts[i].second;
      if (i == 0 && st.fused_pad != -1) {
        if (st.fused_pad < 0 || st.fused_pad >= nops)
          Fail(CheckFailure::kStructure, fmt::format("fused_pad {} is out of range", st.fused_pad));
        const Operator& pop = g_.ops[st.fused_pad];
        if (pop.type != OpType::kPad || pop.inputs.empty() || pop.outputs.size() != 1 || pop.outputs[0] != want)
          Fail(CheckFailure::kStructure, fmt::format("fused_pad {} is not a PAD producing {}", OpName(st.fused_pad),
                                                     TName(want)));
        want = pop.inputs[0];
      }
      CheckTensor(st.inputs[i], want, "input");
    }
    CheckTensor(st.outputs[0], out_t, "output");
    StartStep(st, s);
    const Geo& go = G(out_t);
    if (!go.full().contains(st.window))
      Fail(CheckFailure::kStructure,
           fmt::format("window {} is not inside output {} {}", WinStr(st.window), TName(out_t), WinStr(go.full())));
    const int out_buf = st.outputs[0];
    CheckHolds(out_buf, out_t, st.window, "output");
    if (st.fused_pad != -1 && op.type != OpType::kConv2D && op.type != OpType::kDepthwiseConv2D &&
        op.type != OpType::kAveragePool2D && op.type != OpType::kMaxPool2D)
      Fail(CheckFailure::kStructure, fmt::format("a PAD can only be fused into a convolution or pool, not {}",
                                                 OpTypeName(op.type)));

    // Operands other than the modelled data input(s): read whole by every unit.
    auto extras_from = [&](size_t first) {
      std::vector<Seg> ex;
      for (size_t i = first; i < acts.size(); ++i) {
        CheckHolds(st.inputs[i], acts[i].second, G(acts[i].second).full(), "input");
        ex.push_back(WholeSeg(st.inputs[i], acts[i].second));
      }
      return ex;
    };
    auto require_whole = [&]() {
      if (st.window != go.full())
        Fail(CheckFailure::kStructure, fmt::format("{} runs only over its whole output window {}",
                                                   OpTypeName(op.type), WinStr(go.full())));
    };
    auto data_input = [&]() {
      if (acts.empty() || acts[0].first != 0)
        Fail(CheckFailure::kStructure, fmt::format("{}: operand 0 must be an activation", OpName(st.op)));
    };

    switch (op.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D: {
        data_input();
        if (G(op.inputs[0]).n != 1 || go.n != 1) {
          // Batch above 1 (between SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND): the kernel runs
          // over each image in turn, whole tensors only; modelled as one unit reading every
          // input byte before writing the output (at least as strict as image by image).
          require_whole();
          if (st.fused_pad != -1)
            Fail(CheckFailure::kStructure, fmt::format("{} has batch {}: no PAD can be fused into it",
                                                       OpName(st.op), go.n));
          const auto ex = extras_from(0);
          unit_ = UnitKind::kWhole;
          writes_.clear();
          writes_.push_back(WholeSeg(out_buf, out_t));
          RunUnit(ex, writes_, reread);
          return;
        }
        if (op.inputs.size() < 2 || op.inputs[1] < 0 || op.inputs[1] >= static_cast<int>(g_.tensors.size()))
          Fail(CheckFailure::kStructure, "missing filter operand");
        const auto& fs = g_.tensors[op.inputs[1]].shape;
        if (fs.size() != 4) Fail(CheckFailure::kStructure, "the filter must have rank 4");
        SpatialRule rule;
        int in_t = -1;
        if (op.type == OpType::kConv2D) {
          if (!std::holds_alternative<Conv2DOptions>(op.options))
            Fail(CheckFailure::kStructure, "CONV_2D without Conv2DOptions");
          const auto& o = op.opts<Conv2DOptions>();
          ConvRule(st, op, fs[1], fs[2], o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, o.padding, &in_t, &rule);
        } else {
          if (!std::holds_alternative<DepthwiseConv2DOptions>(op.options))
            Fail(CheckFailure::kStructure, "DEPTHWISE_CONV_2D without DepthwiseConv2DOptions");
          const auto& o = op.opts<DepthwiseConv2DOptions>();
          ConvRule(st, op, fs[1], fs[2], o.stride_h, o.stride_w, o.dilation_h, o.dilation_w, o.padding, &in_t, &rule);
        }
        const auto ex = extras_from(1);
        ReplaySpatial(st, st.inputs[0], in_t, out_buf, out_t, rule, ex, reread);
        return;
      }
      case OpType::kAveragePool2D:
      case OpType::kMaxPool2D: {
        data_input();
        if (!std::holds_alternative<Pool2DOptions>(op.options))
          Fail(CheckFailure::kStructure, "pool without Pool2DOptions");
        const auto& o = op.opts<Pool2DOptions>();
        SpatialRule rule;
        int in_t = -1;
        ConvRule(st, op, o.filter_h, o.filter_w, o.stride_h, o.stride_w, 1, 1, o.padding, &in_t, &rule);
        const auto ex = extras_from(1);
        ReplaySpatial(st, st.inputs[0], in_t, out_buf, out_t, rule, ex, reread);
        return;
      }
      case OpType::kPad: {
        data_input();
        const Pads pd = ReadPads(st.op);
        const Geo& gi = G(op.inputs[0]);
        if (gi.h + pd.t + pd.b != go.h || gi.w + pd.l + pd.r != go.w || gi.c + pd.c0 + pd.c1 != go.c)
          Fail(CheckFailure::kStructure, fmt::format("{} padded by rows ({},{}), columns ({},{}), channels ({},{}) does "
                                                     "not give {}", TName(op.inputs[0]), pd.t, pd.b, pd.l, pd.r, pd.c0,
                                                     pd.c1, TName(out_t)));
        SpatialRule rule;
        rule.pt = pd.t;
        rule.pl = pd.l;
        const auto ex = extras_from(1);
        ReplaySpatial(st, st.inputs[0], op.inputs[0], out_buf, out_t, rule, ex, reread);
        return;
      }
      case OpType::kResizeNearestNeighbor: {
        data_input();
        if (!std::holds_alternative<ResizeNearestNeighborOptions>(op.options))
          Fail(CheckFailure::kStructure, "RESIZE_NEAREST_NEIGHBOR without its options");
        const auto& o = op.opts<ResizeNearestNeighborOptions>();
        const int in_t = op.inputs[0];
        const Geo& gi = G(in_t);
        auto src = [&](int32_t i, int32_t in, int32_t out) {
          const float scale = (o.align_corners && out > 1) ? (in - 1) / static_cast<float>(out - 1)
                                                           : in / static_cast<float>(out);
          const float off = o.half_pixel_centers ? 0.5f : 0.0f;
          int32_t v = o.align_corners ? static_cast<int32_t>(std::round((i + off) * scale))
                                      : static_cast<int32_t>(std::floor((i + off) * scale));
          v = std::min(v, in - 1);
          if (o.half_pixel_centers) v = std::max<int32_t>(0, v);
          return std::max<int32_t>(0, v);
        };
        std::vector<int32_t> ry, rx;
        for (int32_t y = st.window.y0; y < st.window.y1; ++y) ry.push_back(src(y, gi.h, go.h));
        for (int32_t x = st.window.x0; x < st.window.x1; ++x) rx.push_back(src(x, gi.w, go.w));
        ReplayResize(st, in_t, out_buf, out_t, std::move(ry), std::move(rx), extras_from(1), reread);
        return;
      }
      case OpType::kResizeBilinear: {
        data_input();
        if (!std::holds_alternative<ResizeBilinearOptions>(op.options))
          Fail(CheckFailure::kStructure, "RESIZE_BILINEAR without its options");
        const auto& o = op.opts<ResizeBilinearOptions>();
        const int in_t = op.inputs[0];
        const Geo& gi = G(in_t);
        // TFLM's integer sources (ResizeBilinearInteger, positions in 1/1024ths): output i
        // blends input max(p / 1024, 0) and min(ceil(p / 1024), in - 1).
        auto add_src = [&](int32_t i, int32_t in, int32_t out, std::vector<int32_t>* v) {
          const int64_t scale = (o.align_corners && out > 1) ? (1024 * int64_t{in - 1} + (out - 1) / 2) / (out - 1)
                                                             : (1024 * int64_t{in} + out / 2) / out;
          const int64_t pos = o.half_pixel_centers ? i * scale + scale / 2 - 512 : i * scale;
          const int64_t lo = std::max<int64_t>(pos / 1024, 0);
          const int64_t hi = std::min<int64_t>((pos + 1023) / 1024, in - 1);
          v->push_back(static_cast<int32_t>(std::min<int64_t>(lo, in - 1)));
          v->push_back(static_cast<int32_t>(std::max<int64_t>(hi, 0)));
        };
        std::vector<int32_t> ry, rx;
        for (int32_t y = st.window.y0; y < st.window.y1; ++y) add_src(y, gi.h, go.h, &ry);
        for (int32_t x = st.window.x0; x < st.window.x1; ++x) add_src(x, gi.w, go.w, &rx);
        ReplayResize(st, in_t, out_buf, out_t, std::move(ry), std::move(rx), extras_from(1), reread);
        return;
      }
      case OpType::kDepthToSpace:
      case OpType::kSpaceToDepth: {
        // Output pixel (y, x) of DEPTH_TO_SPACE reads part of input pixel (y / b, x / b); of
        // SPACE_TO_DEPTH, input pixels (y * b + dy, x * b + dx), 0 <= dy, dx < b. Modelled as
        // one unit reading whole source pixels (at least what the kernel reads).
        data_input();
        if (!std::holds_alternative<SpaceDepthOptions>(op.options))
          Fail(CheckFailure::kStructure, fmt::format("{} without its options", OpTypeName(op.type)));
        const int32_t b = op.opts<SpaceDepthOptions>().block_size;
        if (b < 1) Fail(CheckFailure::kStructure, fmt::format("block size {}", b));
        const bool d2s = op.type == OpType::kDepthToSpace;
        std::vector<int32_t> ry, rx;
        for (int32_t y = st.window.y0; y < st.window.y1; ++y)
          for (int32_t d = 0; d < (d2s ? 1 : b); ++d) ry.push_back(d2s ? y / b : y * b + d);
        for (int32_t x = st.window.x0; x < st.window.x1; ++x)
          for (int32_t d = 0; d < (d2s ? 1 : b); ++d) rx.push_back(d2s ? x / b : x * b + d);
        ReplayResize(st, op.inputs[0], out_buf, out_t, std::move(ry), std::move(rx), extras_from(1), reread);
        return;
      }
      case OpType::kMirrorPad: {
        // Output row y copies input row src(y): y - top inside the input; mirrored about the
        // first row (REFLECT: excluding it, SYMMETRIC: including it) above, about the last row
        // below; the same for columns. Modelled as one unit reading the source pixels of the
        // window's rows and columns (whole pixels: a padded channel reads within its pixel).
        data_input();
        if (!std::holds_alternative<MirrorPadOptions>(op.options))
          Fail(CheckFailure::kStructure, "MIRROR_PAD without MirrorPadOptions");
        const bool reflect = op.opts<MirrorPadOptions>().mode == MirrorPadMode::kReflect;
        const Pads pd = ReadPads(st.op);
        const Geo& gi = G(op.inputs[0]);
        if (gi.h + pd.t + pd.b != go.h || gi.w + pd.l + pd.r != go.w || gi.c + pd.c0 + pd.c1 != go.c)
          Fail(CheckFailure::kStructure, fmt::format("{} mirror-padded by rows ({},{}), columns ({},{}), channels ({},{}) "
                                                     "does not give {}", TName(op.inputs[0]), pd.t, pd.b, pd.l, pd.r,
                                                     pd.c0, pd.c1, TName(out_t)));
        auto src = [&](int32_t i, int32_t before, int32_t n) {
          int32_t j = i - before;
          if (j < 0) j = reflect ? -j : -j - 1;
          if (j >= n) j = reflect ? 2 * (n - 1) - j : 2 * n - 1 - j;
          if (j < 0 || j >= n)
            Fail(CheckFailure::kStructure, fmt::format("{}: a padding reaches beyond the mirrored input", OpName(st.op)));
          return j;
        };
        std::vector<int32_t> ry, rx;
        for (int32_t y = st.window.y0; y < st.window.y1; ++y) ry.push_back(src(y, pd.t, gi.h));
        for (int32_t x = st.window.x0; x < st.window.x1; ++x) rx.push_back(src(x, pd.l, gi.w));
        ReplayResize(st, op.inputs[0], out_buf, out_t, std::move(ry), std::move(rx), extras_from(1), reread);
        return;
      }
      case OpType::kAdd:
      case OpType::kMul:
      case OpType::kLogistic:
      case OpType::kHardSwish:
      case OpType::kRelu:
      case OpType::kRelu6:
      case OpType::kQuantize:
      case OpType::kDequantize:
      case OpType::kSub:
      case OpType::kMaximum:
      case OpType::kMinimum:
      case OpType::kSquaredDifference:
      case OpType::kPrelu:  // reads its alpha only for a negative input: within the model
      case OpType::kLeakyRelu:
      case OpType::kTanh:
      case OpType::kAbs:
      case OpType::kRsqrt:
      case OpType::kElu:
      case OpType::kNeg: {
        if (acts.empty()) Fail(CheckFailure::kStructure, "an element-wise operator needs an activation input");
        std::vector<std::pair<int, int>> ins;
        for (size_t i = 0; i < acts.size(); ++i) ins.emplace_back(st.inputs[i], acts[i].second);
        ReplayElementwise(st, ins, out_buf, out_t);
        return;
      }
      case OpType::kReshape:
      case OpType::kSqueeze:
      case OpType::kExpandDims: {
        data_input();
        require_whole();
        const int in_t = op.inputs[0];
        const Geo& gi = G(in_t);
        if (gi.elems != go.elems || gi.es != go.es)
          Fail(CheckFailure::kStructure, fmt::format("RESHAPE of {} ({} elements) into {} ({} elements)", TName(in_t),
                                                     gi.elems, TName(out_t), go.elems));
        CheckHolds(st.inputs[0], in_t, gi.full(), "input");
        const auto ex = extras_from(1);
        StreamIn s{st.inputs[0], 0, TensorTag(in_t, 0), gi.es, 1, 0, gi.elems};
        RunStream({s}, ex, out_buf, 0, TensorTag(out_t, 0), go.es, go.elems);
        return;
      }
      case OpType::kFullyConnected: {
        data_input();
        require_whole();
        const int in_t = op.inputs[0];
        const Geo& gi = G(in_t);
        CheckHolds(st.inputs[0], in_t, gi.full(), "input");
        const auto ex = extras_from(1);
        int64_t k = 0, n = 0;
        if (op.inputs.size() >= 2 && op.inputs[1] >= 0 && op.inputs[1] < static_cast<int>(g_.tensors.size())) {
          const auto& fs = g_.tensors[op.inputs[1]].shape;
          if (fs.size() == 2) n = fs[0], k = fs[1];
        }
        if (k > 0 && n > 0 && gi.elems % k == 0 && go.elems % n == 0 && gi.elems / k == go.elems / n) {
          ReplayRows(st.inputs[0], in_t, out_buf, out_t, gi.elems / k, k, n, ex, reread);
        } else {  // unusual shapes: one unit over everything (stricter than any row order)
          ReplayRows(st.inputs[0], in_t, out_buf, out_t, 1, gi.elems, go.elems, ex, reread);
        }
        return;
      }
      case OpType::kSoftmax:
      case OpType::kLogSoftmax: {
        data_input();
        require_whole();
        const int in_t = op.inputs[0];
        const Geo& gi = G(in_t);
        if (gi.elems != go.elems)
          Fail(CheckFailure::kStructure, fmt::format("{} input and output sizes differ", OpTypeName(op.type)));
        CheckHolds(st.inputs[0], in_t, gi.full(), "input");
        const auto ex = extras_from(1);
        const int64_t c = std::max<int64_t>(1, gi.c);
        ReplayRows(st.inputs[0], in_t, out_buf, out_t, gi.elems / c, c, c, ex, reread);
        return;
      }
      case OpType::kSvdf:
      case OpType::kUnidirectionalSequenceLstm: {
        // One unit: reads the input whole, writes the output whole (its state operands are
        // modelled by ReplayState). LSTM: ts_lstm writes time step t's output rows before it
        // reads step t+1's input rows; the whole-unit model is stricter than that order.
        data_input();
        require_whole();
        const auto ex = extras_from(0);
        unit_ = UnitKind::kWhole;
        writes_.clear();
        writes_.push_back(WholeSeg(out_buf, out_t));
        RunUnit(ex, writes_, reread);
        return;
      }
      case OpType::kReadVariable:
      case OpType::kAssignVariable:
      case OpType::kTransposeConv: {
        // One unit over the whole output reading every activation operand whole: ASSIGN_VARIABLE's
        // value (its state operand is modelled by ReplayState; READ_VARIABLE writes the copy,
        // ASSIGN_VARIABLE its token); TRANSPOSE_CONV's data input and an activation output-shape
        // operand the kernel does not read (modelled as read, which is stricter).
        require_whole();
        const auto ex = extras_from(0);
        unit_ = UnitKind::kWhole;
        writes_.clear();
        writes_.push_back(WholeSeg(out_buf, out_t));
        RunUnit(ex, writes_, reread);
        return;
      }
      case OpType::kTranspose: {
        data_input();
        int32_t perm4[4], dims[4];
        if (TransposeWindowed(op, perm4, dims)) {
          ReplayTranspose(st, st.inputs[0], op.inputs[0], out_buf, out_t, perm4, dims, extras_from(1), reread);
          return;
        }
        require_whole();
        const auto ex = extras_from(0);
        unit_ = UnitKind::kWhole;
        writes_.clear();
        writes_.push_back(WholeSeg(out_buf, out_t));
        RunUnit(ex, writes_, reread);
        return;
      }
      case OpType::kMean:
      case OpType::kSum:
      case OpType::kArgMax:
      case OpType::kArgMin:
      case OpType::kReduceMax:
      case OpType::kReduceMin:
      case OpType::kStridedSlice:
      case OpType::kPack:
      case OpType::kConcatenation:
      case OpType::kSpaceToBatchNd:  // batch above 1 on one side: one unit over whole tensors
      case OpType::kBatchToSpaceNd:
      case OpType::kTile:
      case OpType::kGather: {
        require_whole();
        // TILE and GATHER may read constants only
        if (acts.empty() && op.type != OpType::kTile && op.type != OpType::kGather)
          Fail(CheckFailure::kStructure, "needs an activation input");
        const auto ex = extras_from(0);
        unit_ = UnitKind::kWhole;
        writes_.clear();
        writes_.push_back(WholeSeg(out_buf, out_t));
        RunUnit(ex, writes_, reread);
        return;
      }
      case OpType::kShape:  // folded at load time (ir/fold.h): never a step
        break;
    }
    Fail(CheckFailure::kStructure, fmt::format("operator type {} is not modelled", static_cast<int>(op.type)));
  }

  void CheckOutputs() {
    const int nb = static_cast<int>(p_.buffers.size());
    const int ns = static_cast<int>(p_.steps.size());
    unit_ = UnitKind::kNone;
    if (p_.output_buffers.size() != g_.outputs.size())
      Fail(CheckFailure::kOutput, fmt::format("plan has {} output buffers for {} graph outputs",
                                              p_.output_buffers.size(), g_.outputs.size()));
    for (size_t k = 0; k < g_.outputs.size(); ++k) {
      const int b = p_.output_buffers[k];
      const int t = g_.outputs[k];
      if (b < 0 || b >= nb)
        Fail(CheckFailure::kOutput, fmt::format("output_buffers[{}] = {} is out of range ({} buffers)", k, b, nb));
      const Buffer& buf = p_.buffers[b];
      const Geo& gg = G(t);
      if (buf.tensor != t)
        Fail(CheckFailure::kOutput, fmt::format("graph output {} ({}) is in {}, which holds {}", k, TName(t), BName(b),
                                                buf.tensor == kNoTensor ? "scratch" : TName(buf.tensor)));
      if (buf.window != gg.full())
        Fail(CheckFailure::kOutput, fmt::format("graph output {} ({}): {} holds window {}, not the whole tensor {}", k,
                                                TName(t), BName(b), WinStr(buf.window), WinStr(gg.full())));
      if (ns > 0 && buf.last != ns - 1)
        Fail(CheckFailure::kLiveness, fmt::format("graph output {} ({}) is in {}, whose live interval [{}, {}] ends "
                                                  "before the last step {}", k, TName(t), BName(b), buf.first, buf.last,
                                                  ns - 1));
      for (size_t j = 0; j < buf.bands.size(); ++j)
        if (buf.bands[j].last != buf.last)
          Fail(CheckFailure::kLiveness,
               fmt::format("graph output {} ({}) is in {}, whose band {} (bytes [{},{}) live [{}, {}]) ends before "
                           "the last step {}", k, TName(t), BName(b), j, buf.bands[j].begin, buf.bands[j].end,
                           buf.bands[j].first, buf.bands[j].last, buf.last));
      try {
        Verify(Seg{b, 0, buf.bytes, TensorTag(t, 0)}, false);
      } catch (const Failure& f) {
        throw Failure{CheckFailure::kOutput,
                      fmt::format("graph output {} ({}) is not fully present at the end: {}", k, TName(t), f.message)};
      }
    }
  }

  const Graph& g_;
  const Plan& p_;
  std::vector<Geo> geo_;
  Region arena_, external_;
  int64_t bytes_checked_ = 0;
  int step_ = -1;
  UnitKind unit_ = UnitKind::kNone;
  int32_t uy_ = 0, ux_ = 0, uc_ = 0;
  std::vector<Seg> reads_, writes_, tmp_reads_;
  // State region model (PrepareState).
  std::vector<int> slot_of_;  // tensor -> index into p_.state, -1
  std::vector<Tag> state_tag_;
  std::vector<int32_t> state_writer_;
  std::vector<int64_t> state_version_;
  std::vector<std::vector<int>> state_ops_;  // state tensor -> operators accessing it, in order
  std::vector<size_t> state_next_;          // index into state_ops_ of the next expected access
  std::map<int, int> last_state_writer_;
  int invoke_ = 0;
};

}  // namespace

namespace {

// Memory regions (plan.h MemoryRegion). The region list and every buffer's and workspace's
// region and bounds are checked here; then the regions are laid end to end in one address
// space (each start rounded up to 16 bytes, so the word alignment of workspaces carries over)
// and the flat plan is replayed like any single-arena plan: two buffers in different regions
// sit at different addresses and never conflict, two in one region obey every rule.
// Returns an empty string, or the failure; `flat` gets the plan in the one address space.
std::pair<CheckFailure, std::string> CheckRegions(const Plan& p, Plan& flat) {
  const auto structure = [](std::string m) { return std::make_pair(CheckFailure::kStructure, std::move(m)); };
  const auto bounds = [](std::string m) { return std::make_pair(CheckFailure::kBounds, std::move(m)); };
  const int nr = static_cast<int>(p.regions.size());
  const auto region_ok = [&](int r) { return nr == 0 ? r == 0 : r >= 0 && r < nr; };
  for (size_t i = 0; i < p.buffers.size(); ++i)
    if (!p.buffers[i].external && !region_ok(p.buffers[i].region))
      return structure(fmt::format("buffer {} ('{}') is in region {}, but the plan has {} region(s)", i, p.buffers[i].name,
                         p.buffers[i].region, std::max(nr, 1)));
  for (size_t s = 0; s < p.steps.size(); ++s)
    if (p.steps[s].workspace.bytes != 0 && !region_ok(p.steps[s].workspace.region))
      return structure(fmt::format("step {}'s workspace is in region {}, but the plan has {} region(s)", s,
                         p.steps[s].workspace.region, std::max(nr, 1)));
  if (nr == 0) return {CheckFailure::kNone, ""};
  if (static_cast<int>(p.region_bytes.size()) != nr)
    return structure(fmt::format("{} regions but {} region sizes", nr, p.region_bytes.size()));
  std::vector<int64_t> base(static_cast<size_t>(nr) + 1, 0);
  for (int r = 0; r < nr; ++r) {
    const MemoryRegion& m = p.regions[r];
    if (m.name.empty()) return structure(fmt::format("region {} has no name", r));
    for (int q = 0; q < r; ++q)
      if (p.regions[q].name == m.name) return structure(fmt::format("regions {} and {} are both named '{}'", q, r, m.name));
    if (p.region_bytes[r] < 0 || p.region_bytes[r] > m.bytes)
      return bounds(fmt::format("region '{}' uses {} bytes but holds {}", m.name, p.region_bytes[r], m.bytes));
    if (p.region_bytes[r] > kMaxCheckedArenaBytes)
      return bounds(fmt::format("region '{}' of {} bytes exceeds the checker's limit", m.name, p.region_bytes[r]));
    base[r + 1] = (base[r] + p.region_bytes[r] + 15) / 16 * 16;
  }
  int64_t total = 0;
  for (int r = 0; r < nr; ++r) total += p.region_bytes[r];
  if (total != p.arena_bytes)
    return structure(fmt::format("the regions use {} bytes in all, but arena_bytes is {}", total, p.arena_bytes));
  flat = p;
  flat.regions.clear();
  flat.region_bytes.clear();
  flat.arena_bytes = nr > 0 ? base[nr - 1] + p.region_bytes[nr - 1] : 0;
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    const Buffer& b = p.buffers[i];
    if (b.external) continue;
    if (b.offset < 0 || b.bytes < 0 || b.offset > p.region_bytes[b.region] - b.bytes)
      return bounds(fmt::format("buffer {} ('{}') occupies bytes [{}, {}) of region '{}', beyond its {} bytes", i, b.name,
                         b.offset, b.offset + b.bytes, p.regions[b.region].name, p.region_bytes[b.region]));
    flat.buffers[i].offset = base[b.region] + b.offset;
    flat.buffers[i].region = 0;
  }
  for (size_t s = 0; s < p.steps.size(); ++s) {
    const Step::Workspace& w = p.steps[s].workspace;
    if (w.bytes == 0) continue;
    if (w.offset < 0 || w.bytes < 0 || w.offset > p.region_bytes[w.region] - w.bytes)
      return bounds(fmt::format("step {}'s workspace occupies bytes [{}, {}) of region '{}', beyond its {} bytes", s,
                         w.offset, w.offset + w.bytes, p.regions[w.region].name, p.region_bytes[w.region]));
    flat.steps[s].workspace.offset = base[w.region] + w.offset;
    flat.steps[s].workspace.region = 0;
  }
  return {CheckFailure::kNone, ""};
}

// Pinned weights (plan.h PinnedWeight), after CheckRegions accepted the regions: each is a
// constant tensor of the graph, whole, in a region's arena at an aligned offset, and its bytes
// are occupied for good: no other pinned weight, buffer or workspace of that region overlaps
// them at any step (a buffer's lifetime does not matter: the weight is always there).
std::pair<CheckFailure, std::string> CheckPinnedWeights(const Graph& g, const Plan& p) {
  const auto structure = [](std::string m) { return std::make_pair(CheckFailure::kStructure, std::move(m)); };
  const auto bounds = [](std::string m) { return std::make_pair(CheckFailure::kBounds, std::move(m)); };
  const int nr = static_cast<int>(p.regions.size());
  const auto overlap = [](int64_t a0, int64_t a1, int64_t b0, int64_t b1) { return a0 < b1 && b0 < a1; };
  for (size_t i = 0; i < p.pinned_weights.size(); ++i) {
    const PinnedWeight& w = p.pinned_weights[i];
    if (nr == 0) return structure(fmt::format("pinned weight {} in a plan without memory regions", i));
    if (w.region < 0 || w.region >= nr)
      return structure(fmt::format("pinned weight {} is in region {}, but the plan has {} region(s)", i, w.region, nr));
    if (w.tensor < 0 || w.tensor >= static_cast<int>(g.tensors.size()) || !g.tensors[w.tensor].is_const)
      return structure(fmt::format("pinned weight {} names tensor {}, which is not a constant tensor of the graph", i,
                                   w.tensor));
    const Tensor& t = g.tensors[w.tensor];
    if (w.bytes != static_cast<int64_t>(t.data.size()))
      return structure(fmt::format("pinned weight {} ('{}') holds {} bytes, but the tensor has {}", i, t.name, w.bytes,
                                   t.data.size()));
    const std::string& rn = p.regions[w.region].name;
    if (w.offset < 0 || w.offset % kPinnedAlignment != 0 || w.offset > p.region_bytes[w.region] - w.bytes)
      return bounds(fmt::format("pinned weight {} ('{}') occupies bytes [{}, {}) of region '{}' ({} bytes; offsets "
                                "are multiples of {})",
                                i, t.name, w.offset, w.offset + w.bytes, rn, p.region_bytes[w.region], kPinnedAlignment));
    for (size_t k = 0; k < i; ++k) {
      const PinnedWeight& o = p.pinned_weights[k];
      if (o.tensor == w.tensor) return structure(fmt::format("tensor '{}' is pinned twice", t.name));
      if (o.region == w.region && overlap(w.offset, w.offset + w.bytes, o.offset, o.offset + o.bytes))
        return bounds(fmt::format("pinned weights {} and {} overlap in region '{}'", k, i, rn));
    }
    for (size_t b = 0; b < p.buffers.size(); ++b) {
      const Buffer& buf = p.buffers[b];
      if (buf.external || buf.region != w.region || buf.bytes == 0) continue;
      if (overlap(w.offset, w.offset + w.bytes, buf.offset, buf.offset + buf.bytes))
        return bounds(fmt::format("buffer {} ('{}', bytes [{}, {}) of region '{}') overlaps pinned weight {} ('{}', bytes "
                                  "[{}, {})), which occupies them at every step",
                                  b, buf.name, buf.offset, buf.offset + buf.bytes, rn, i, t.name, w.offset,
                                  w.offset + w.bytes));
    }
    for (size_t s = 0; s < p.steps.size(); ++s) {
      const Step::Workspace& ws = p.steps[s].workspace;
      if (ws.bytes == 0 || ws.region != w.region) continue;
      if (overlap(w.offset, w.offset + w.bytes, ws.offset, ws.offset + ws.bytes))
        return bounds(fmt::format("step {}'s workspace (bytes [{}, {}) of region '{}') overlaps pinned weight {} ('{}')", s,
                                  ws.offset, ws.offset + ws.bytes, rn, i, t.name));
    }
  }
  return {CheckFailure::kNone, ""};
}

}  // namespace

CheckResult CheckPlan(const Graph& g, const Plan& plan) {
  Plan flat;
  auto [kind, why] = CheckRegions(plan, flat);
  if (kind == CheckFailure::kNone) std::tie(kind, why) = CheckPinnedWeights(g, plan);
  if (kind != CheckFailure::kNone) {
    CheckResult r;
    r.failure = kind;
    r.message = "memory regions: " + why;
    return r;
  }
  return Replay(g, plan.regions.empty() ? plan : flat).Run();
}

void CheckPlanOrThrow(const Graph& g, const Plan& plan) {
  CheckResult r = CheckPlan(g, plan);
  if (!r.ok) throw Error("plan rejected by the checker: " + r.message);
}

}  // namespace tessera
