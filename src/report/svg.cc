#include "report/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "report/report.h"

namespace tessera {
namespace {

std::string Esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t') o += ' ';
        else o += static_cast<char>(c);
    }
  }
  return o;
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// A pleasant, stable colour per tensor name: hue from the hash, soft saturation/lightness.
std::string TensorColor(const std::string& name) {
  const uint64_t h = Fnv1a(name);
  const int hue = static_cast<int>(h % 360);
  const int sat = 48 + static_cast<int>((h >> 12) % 22);
  const int lig = 60 + static_cast<int>((h >> 24) % 14);
  return fmt::format("hsl({},{}%,{}%)", hue, sat, lig);
}
std::string TensorStroke(const std::string& name) {
  const uint64_t h = Fnv1a(name);
  return fmt::format("hsl({},{}%,{}%)", static_cast<int>(h % 360), 40, 38);
}

// Label candidates for a TFLite tensor name, most informative first: the part before any
// ';', its last two path components, then the most distinctive single component (activation
// suffixes like "Relu6" say little), then the last one.
std::vector<std::string> LabelCandidates(const std::string& full) {
  const std::string s = full.substr(0, full.find(';'));
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == '/') {
      if (i > start) parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  std::vector<std::string> c;
  if (parts.empty()) return {full};
  const size_t n = parts.size();
  if (n >= 2) c.push_back(parts[n - 2] + "/" + parts[n - 1]);
  static const char* kBland[] = {"Relu", "Relu6", "BiasAdd", "Conv2D", "add", "Add", "Identity", "Reshape",
                                 "depthwise", "Squeeze", "Mean", "Softmax", "MatMul", "FakeQuantWithMinMaxVars"};
  bool bland = false;
  for (const char* b : kBland) bland = bland || parts[n - 1] == b;
  const std::string key = n >= 2 && bland ? parts[n - 2] : parts[n - 1];
  c.push_back(key);
  // Common long words, abbreviated.
  std::string abbr = key;
  for (auto [from, to] : {std::pair<const char*, const char*>{"depthwise", "dw"}, {"pointwise", "pw"},
                          {"expand", "exp"}, {"project", "proj"}, {"Conv2d_", "c"}, {"conv2d_", "c"}}) {
    for (size_t at = abbr.find(from); at != std::string::npos; at = abbr.find(from, at + 1))
      abbr.replace(at, std::string(from).size(), to);
  }
  if (abbr != key) c.push_back(abbr);
  // Single-component names ("input.41_te_transform_1"): their first word as a last resort.
  const size_t us = key.find('_');
  if (n == 1 && us != std::string::npos && us >= 3) c.push_back(key.substr(0, us));
  c.push_back(key);  // the base cut to fit when nothing else fits
  return c;
}

// The first candidate with at most `fit` characters, else the last one (the distinctive
// component) cut to fit; empty when fewer than 4 characters fit.
std::string FitLabel(const std::vector<std::string>& cand, int fit) {
  if (fit < 4) return "";
  for (size_t i = 0; i + 1 < cand.size(); ++i)
    if (static_cast<int>(cand[i].size()) <= fit) return cand[i];
  const std::string& best = cand.back();
  if (static_cast<int>(best.size()) <= fit) return best;
  return best.substr(0, static_cast<size_t>(fit - 1)) + "\u2026";
}

double NiceStep(double range, int target) {
  if (range <= 0) return 1;
  const double raw = range / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

std::string Num(double v) { return fmt::format("{:.2f}", v); }

std::string KiBLabel(double kib, double step) {
  if (step >= 1) return fmt::format("{:.0f}", kib);
  if (step >= 0.1) return fmt::format("{:.1f}", kib);
  return fmt::format("{:.2f}", kib);
}

std::string WinStr(const Window& w) { return fmt::format("[{},{})x[{},{})", w.y0, w.y1, w.x0, w.x1); }

}  // namespace

std::string PlanSvg(const Graph& g, const Plan& plan, const SvgOptions& opt) {
  const PlanReport r = SummarizePlan(g, plan);
  const int W = std::max(480, opt.width);
  const int H = std::max(320, opt.height);
  bool have_external = false;
  for (const Buffer& b : plan.buffers) have_external = have_external || b.external;

  const double ml = 84, mr = 28, mt = 78;
  const double mb = have_external ? 104 : 62;
  const double px0 = ml, px1 = W - mr, py0 = mt, py1 = H - mb;
  const int ns = std::max<int>(1, static_cast<int>(r.steps.size()));
  const double sx = (px1 - px0) / ns;
  // Memory regions (plan.h): drawn one above the other, each from its own start.
  const std::vector<int64_t> region_base = RegionBases(plan);
  double ymax = static_cast<double>(std::max<int64_t>({1, r.arena_bytes, region_base.back()}));
  if (opt.live_curve) ymax = std::max(ymax, static_cast<double>(r.lower_bound_bytes));
  ymax *= 1.05;
  const double sy = (py1 - py0) / ymax;
  auto X = [&](double step) { return px0 + step * sx; };
  auto Y = [&](double offset) { return py1 - offset * sy; };

  std::string o;
  o.reserve(4096 + plan.buffers.size() * 400 + r.steps.size() * 300);
  o += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"Helvetica, Arial, sans-serif\">\n",
      W, H, W, H);
  o += "<defs>\n"
       "  <pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#d9d9d9\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9a9a9a\" stroke-width=\"2\"/></pattern>\n";
  o += fmt::format("  <clipPath id=\"plot\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n",
                   Num(px0), Num(py0 - 1), Num(px1 - px0), Num(py1 - py0 + 1));
  o += "</defs>\n";
  o += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", W, H);

  // Title and subtitle.
  const std::string headline = opt.title.empty() ? fmt::format("{} \u2014 {}", r.model, r.strategy) : opt.title;
  o += fmt::format("<text x=\"{}\" y=\"28\" font-size=\"18\" font-weight=\"bold\" fill=\"#1a1a1a\">{}</text>\n",
                   Num(ml), Esc(headline));
  const std::string accounting =
      r.input_in_arena ? "model input counted in the arena"
                       : fmt::format("model input streamed, not counted ({} outside)", FormatKiB(r.external_bytes));
  const double over =
      r.layer_macs > 0 ? 100.0 * (static_cast<double>(r.macs) / static_cast<double>(r.layer_macs) - 1.0) : 0.0;
  o += fmt::format(
      "<text x=\"{}\" y=\"50\" font-size=\"13\" fill=\"#333\"><tspan font-weight=\"bold\">arena {}</tspan> "
      "({} B) \u00b7 largest live total {} (overlapping buffers counted apart) \u00b7 {}</text>\n",
      Num(ml), FormatKiB(r.arena_bytes), r.arena_bytes, FormatKiB(r.lower_bound_bytes), Esc(accounting));
  o += fmt::format(
      "<text x=\"{}\" y=\"68\" font-size=\"12\" fill=\"#666\">{} steps \u00b7 {} buffers \u00b7 peak at step {} "
      "\u00b7 {} MACs ({:+.1f}% vs layer by layer)</text>\n",
      Num(ml), r.steps.size(), r.num_buffers, r.peak_step, fmt::format("{:.1f}M", static_cast<double>(r.macs) / 1e6),
      over);

  // Legend (top right).
  {
    double lx = W - mr - 330, ly = 64;  // beside the third header line, clear of the title
    o += fmt::format("<g font-size=\"11\" fill=\"#444\">\n");
    o += fmt::format("  <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b71c1c\" stroke-width=\"1.6\"/>"
                     "<text x=\"{}\" y=\"{}\">arena</text>\n",
                     Num(lx), Num(ly), Num(lx + 22), Num(ly), Num(lx + 27), Num(ly + 4));
    lx += 70;
    if (opt.live_curve) {
      o += fmt::format("  <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#222\" stroke-width=\"1.4\" "
                       "stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"{}\">live bytes</text>\n",
                       Num(lx), Num(ly), Num(lx + 22), Num(ly), Num(lx + 27), Num(ly + 4));
      lx += 90;
    }
    o += fmt::format("  <rect x=\"{}\" y=\"{}\" width=\"16\" height=\"10\" fill=\"url(#hatch)\"/>"
                     "<text x=\"{}\" y=\"{}\">scratch</text>\n",
                     Num(lx), Num(ly - 5), Num(lx + 21), Num(ly + 4));
    lx += 75;
    o += fmt::format("  <rect x=\"{}\" y=\"{}\" width=\"16\" height=\"10\" fill=\"#e53935\" fill-opacity=\"0.16\"/>"
                     "<text x=\"{}\" y=\"{}\">peak</text>\n",
                     Num(lx), Num(ly - 5), Num(lx + 21), Num(ly + 4));
    o += "</g>\n";
  }

  // Grid and y ticks (KiB).
  const double kib_max = ymax / 1024.0;
  const double ystep = NiceStep(kib_max, 8);
  o += "<g font-size=\"11\" fill=\"#555\">\n";
  for (double v = 0; v <= kib_max + 1e-9; v += ystep) {
    const double y = Y(v * 1024.0);
    o += fmt::format("  <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ececec\"/>", Num(px0), Num(y), Num(px1),
                     Num(y));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", Num(px0 - 7), Num(y + 4),
                     KiBLabel(v, ystep));
  }
  // x ticks (steps).
  const double xstep = std::max(1.0, NiceStep(ns, 12));
  for (double s = 0; s < ns; s += xstep) {
    const double x = X(s + 0.5);
    o += fmt::format("  <line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#888\"/>", Num(x), Num(py1), Num(x),
                     Num(py1 + 5));
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", Num(x), Num(py1 + 18),
                     static_cast<int>(s));
  }
  o += "</g>\n";
  o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#333\" text-anchor=\"middle\">step (time) "
                   "\u2192</text>\n",
                   Num((px0 + px1) / 2), Num(py1 + 38));
  o += fmt::format("<text transform=\"translate({},{}) rotate(-90)\" font-size=\"12\" fill=\"#333\" "
                   "text-anchor=\"middle\">arena offset (KiB)</text>\n",
                   Num(22), Num((py0 + py1) / 2));

  // Peak column.
  if (r.peak_step >= 0) {
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e53935\" fill-opacity=\"0.16\"/>\n",
                     Num(X(r.peak_step)), Num(py0), Num(std::max(1.0, sx)), Num(py1 - py0));
    const double tx = X(r.peak_step + 0.5);
    const bool right = tx < (px0 + px1) / 2;
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#b71c1c\" text-anchor=\"{}\">peak: step {}, "
                     "{} live{}</text>\n",
                     Num(tx + (right ? 4 : -4)), Num(py0 + 12), right ? "start" : "end", r.peak_step,
                     FormatKiB(r.lower_bound_bytes),
                     // Overlapping input/output pairs share bytes: their sum can exceed the arena.
                     r.lower_bound_bytes > r.arena_bytes ? " (overlapping buffers counted twice)" : "");
  }

  // Step hover areas (under the buffers).
  o += "<g fill=\"#000\" fill-opacity=\"0\">\n";
  for (const StepReport& s : r.steps) {
    o += fmt::format("  <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>step {}: {} -&gt; {} {}\n"
                     "live: {} buffers, {} B\nMACs: {}</title></rect>\n",
                     Num(X(s.step)), Num(py0), Num(sx), Num(py1 - py0), s.step, Esc(s.kind), Esc(s.output),
                     WinStr(s.window), s.live_buffers, s.live_bytes, s.macs);
  }
  o += "</g>\n";

  // Buffers.
  auto tensor_name = [&](int t) -> std::string {
    if (t < 0 || t >= static_cast<int>(g.tensors.size())) return "";
    return g.tensors[t].name.empty() ? fmt::format("t{}", t) : g.tensors[t].name;
  };
  std::string labels;
  o += "<g clip-path=\"url(#plot)\">\n";
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const Buffer& b = plan.buffers[i];
    if (b.external) continue;
    const std::string tn = tensor_name(b.tensor);
    const bool scratch = b.tensor == kNoTensor;
    const std::string fill = scratch ? "url(#hatch)" : TensorColor(tn);
    const std::string stroke = scratch ? "#8a8a8a" : TensorStroke(tn);
    std::string tip = fmt::format("buffer {} '{}'\n", i, b.name);
    if (scratch)
      tip += "scratch\n";
    else
      tip += fmt::format("tensor {} '{}'\nwindow {} of [0,{})x[0,{})\n", b.tensor, tn, WinStr(b.window),
                         FullWindow(g, b.tensor).y1, FullWindow(g, b.tensor).x1);
    tip += fmt::format("offset {} .. {} ({} B, {})\nlive steps {}..{}", b.offset, b.offset + b.bytes, b.bytes,
                       FormatKiB(b.bytes), b.first, b.last);
    // One rectangle per piece (plan.h BufferPieces): a banded buffer's bands over their own
    // intervals; the label goes on the largest piece.
    const std::vector<BufferBand> pieces = BufferPieces(b);
    double x = 0, y = 0, w = 0, h = 0;
    for (size_t k = 0; k < pieces.size(); ++k) {
      const BufferBand& pc = pieces[k];
      const double px = X(pc.first), pw = std::max(0.8, (pc.last + 1 - pc.first) * sx);
      const int rg = b.region >= 0 && b.region + 1 < static_cast<int>(region_base.size()) ? b.region : 0;
      const double py = Y(static_cast<double>(region_base[rg] + b.offset + pc.end));
      const double ph = std::max(0.8, (pc.end - pc.begin) * sy);
      std::string ptip = tip;
      if (pieces.size() > 1)
        ptip += fmt::format("\npiece {} of {}: bytes {} .. {} ({} B), live steps {}..{}", k + 1, pieces.size(),
                            b.offset + pc.begin, b.offset + pc.end, pc.end - pc.begin, pc.first, pc.last);
      o += fmt::format("  <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\" "
                       "stroke-width=\"0.6\" stroke-opacity=\"0.8\" fill-opacity=\"0.85\"><title>{}</title></rect>\n",
                       Num(px), Num(py), Num(pw), Num(ph), fill, stroke, Esc(ptip));
      if (k == 0 || pw * ph > w * h) x = px, y = py, w = pw, h = ph;
    }
    if (opt.labels && !scratch) {
      const auto cand = LabelCandidates(tn);
      // Horizontal or vertical (reading upwards), whichever shows more of the name.
      const double fh = std::min(11.5, h - 2.0), fv = std::min(11.5, w - 2.0);
      const std::string lh = h >= 11 ? FitLabel(cand, static_cast<int>((w - 5) / (fh * 0.52))) : "";
      const std::string lv = w >= 11 && h >= 40 ? FitLabel(cand, static_cast<int>((h - 6) / (fv * 0.52))) : "";
      if (!lh.empty() && lh.size() >= lv.size()) {
        labels += fmt::format("  <text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"#1b1b1b\">{}</text>\n",
                              Num(x + 3), Num(y + h / 2 + fh * 0.35), Num(fh), Esc(lh));
      } else if (!lv.empty()) {
        labels += fmt::format(
            "  <text transform=\"translate({},{}) rotate(-90)\" font-size=\"{}\" fill=\"#1b1b1b\">{}</text>\n",
            Num(x + w / 2 + fv * 0.35), Num(y + h - 4), Num(fv), Esc(lv));
      }
    }
  }
  o += "</g>\n";
  if (!labels.empty()) o += "<g clip-path=\"url(#plot)\" pointer-events=\"none\">\n" + labels + "</g>\n";

  // Live bytes (stepped) and the arena line.
  if (opt.live_curve && !r.steps.empty()) {
    std::string d = fmt::format("M{},{}", Num(X(0)), Num(Y(static_cast<double>(r.steps[0].live_bytes))));
    for (const StepReport& s : r.steps) {
      d += fmt::format(" L{},{}", Num(X(s.step)), Num(Y(static_cast<double>(s.live_bytes))));
      d += fmt::format(" L{},{}", Num(X(s.step + 1)), Num(Y(static_cast<double>(s.live_bytes))));
    }
    o += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"#222\" stroke-width=\"1.4\" stroke-dasharray=\"4 3\" "
                     "pointer-events=\"none\"/>\n",
                     d);
  }
  if (r.peak_step >= 0)
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#b71c1c\" "
                     "stroke-width=\"1.2\" stroke-opacity=\"0.7\" pointer-events=\"none\"/>\n",
                     Num(X(r.peak_step)), Num(Y(static_cast<double>(r.lower_bound_bytes))), Num(std::max(1.0, sx)),
                     Num(r.lower_bound_bytes * sy));
  for (size_t k = 0; k < plan.regions.size(); ++k) {
    // Each region's start, labelled with its use and capacity.
    const double ry = Y(static_cast<double>(region_base[k]));
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#1a237e\" stroke-width=\"1\" "
                     "stroke-dasharray=\"4 3\"/>\n",
                     Num(px0), Num(ry), Num(px1), Num(ry));
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#1a237e\">region {}: {} of {}{}</text>\n",
                     Num(px0 + 3), Num(ry - 3), Esc(plan.regions[k].name),
                     FormatKiB(RegionArenaBytes(plan, static_cast<int>(k))), FormatKiB(plan.regions[k].bytes),
                     plan.regions[k].fast ? " (fast)" : "");
  }
  const double ay = Y(static_cast<double>(plan.regions.empty() ? r.arena_bytes : region_base.back()));
  o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#b71c1c\" stroke-width=\"1.6\"/>\n",
                   Num(px0), Num(ay), Num(px1), Num(ay));
  o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#b71c1c\" text-anchor=\"end\">arena {}</text>\n",
                   Num(px1 - 3), Num(ay - 4), FormatKiB(r.arena_bytes));

  // Axes.
  o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", Num(px0), Num(py0), Num(px0),
                   Num(py1));
  o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>\n", Num(px0), Num(py1), Num(px1),
                   Num(py1));

  // Streamed input lane.
  if (have_external) {
    const double ly0 = py1 + 50, lh = 22;
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">streamed</text>\n",
                     Num(px0 - 7), Num(ly0 + 15));
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#f6f6f6\" stroke=\"#ddd\"/>\n", Num(px0),
                     Num(ly0), Num(px1 - px0), Num(lh));
    for (size_t i = 0; i < plan.buffers.size(); ++i) {
      const Buffer& b = plan.buffers[i];
      if (!b.external) continue;
      const std::string tn = tensor_name(b.tensor);
      o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"{}\" "
                       "stroke-width=\"0.6\"><title>buffer {} '{}' (outside the arena)\ntensor '{}' window {}\n{} B, "
                       "live steps {}..{}</title></rect>\n",
                       Num(X(b.first)), Num(ly0 + 2), Num(std::max(0.8, (b.last + 1 - b.first) * sx)), Num(lh - 4),
                       TensorColor(tn), TensorStroke(tn), i, Esc(b.name), Esc(tn), WinStr(b.window), b.bytes, b.first,
                       b.last);
    }
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\">model input outside the arena ({} "
                     "B, not counted)</text>\n",
                     Num(px0 + 4), Num(ly0 + lh + 14), r.external_bytes);
  }
  o += "</svg>\n";
  return o;
}

}  // namespace tessera
