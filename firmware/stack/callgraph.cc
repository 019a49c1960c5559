#include "callgraph.h"

#include <algorithm>
#include <functional>
#include <regex>
#include <sstream>

namespace tessera::stack {
namespace {

const char kIndirect[] = "__indirect_call";

// The value of `key: "..."` inside one VCG line (empty when absent).
std::string Field(const std::string& line, const std::string& key) {
  const std::string open = key + ": \"";
  const size_t p = line.find(open);
  if (p == std::string::npos) return {};
  const size_t b = p + open.size();
  const size_t e = line.find('"', b);
  if (e == std::string::npos) return {};
  return line.substr(b, e - b);
}

}  // namespace

void ParseCallGraph(const std::string& unit, const std::string& text, CallGraph* g) {
  static const std::regex kFrame(R"(\\n([0-9]+) bytes \(([a-z,]+)\))");
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.rfind("node:", 0) == 0) {
      const std::string title = Field(line, "title");
      if (title.empty()) throw Error(unit + ":" + std::to_string(line_no) + ": a node without a title");
      std::smatch m;
      const std::string label = Field(line, "label");
      if (!std::regex_search(label, m, kFrame)) continue;  // called here, defined elsewhere
      Function& f = g->defined[title];
      if (f.unit.empty()) f.unit = unit;
      f.frame = std::max<int64_t>(f.frame, std::stoll(m[1].str()));
      const std::string kind = m[2].str();
      if (kind != "static" && kind != "dynamic,bounded") f.dynamic = true;
      g->unit_functions[unit].insert(title);
    } else if (line.rfind("edge:", 0) == 0) {
      const std::string from = Field(line, "sourcename");
      const std::string to = Field(line, "targetname");
      if (from.empty() || to.empty()) throw Error(unit + ":" + std::to_string(line_no) + ": an edge without ends");
      Function& f = g->defined[from];
      if (to == kIndirect) {
        f.indirect = true;
      } else {
        f.callees.insert(to);
      }
    }
  }
}

Bound StackBound(const CallGraph& g, const std::string& function,
                 const std::map<std::string, int64_t>& library_frames) {
  // A unit's base name ("dir/conv_dsp.ci" -> "conv_dsp") and a node title's function name
  // ("/path/conv_dsp.c:ts_conv_col4" -> "ts_conv_col4").
  auto unit_name = [](const std::string& unit) {
    std::string u = unit.substr(unit.find_last_of('/') + 1);
    return u.substr(0, u.find('.'));
  };
  auto function_name = [](const std::string& title) { return title.substr(title.find_last_of(':') + 1); };

  std::map<std::string, Bound> memo;
  std::vector<std::string> active;
  std::function<Bound(const std::string&)> bound = [&](const std::string& name) -> Bound {
    auto m = memo.find(name);
    if (m != memo.end()) return m->second;
    auto it = g.defined.find(name);
    if (it == g.defined.end() || (it->second.unit.empty() && it->second.frame == 0)) {
      Bound leaf;
      auto lib = library_frames.find(name);
      if (lib != library_frames.end()) {
        leaf.bytes = lib->second;
        leaf.chain = {name};
      } else if (name == function) {
        throw Error("no call-graph file defines '" + name + "'");
      } else {
        leaf.chain = {name};
        leaf.unknown.insert(name);
      }
      return leaf;
    }
    if (std::find(active.begin(), active.end(), name) != active.end()) {
      std::string cycle;
      for (auto a = std::find(active.begin(), active.end(), name); a != active.end(); ++a) cycle += *a + " -> ";
      throw Error("recursion, no stack bound: " + cycle + name);
    }
    const Function& f = it->second;
    if (f.dynamic) throw Error("'" + name + "' has a dynamically sized frame (alloca or a VLA): no stack bound");
    active.push_back(name);
    std::set<std::string> callees = f.callees;
    if (f.indirect) {
      std::set<std::string> targets;
      auto taken = g.address_taken.find(unit_name(f.unit));
      auto unit = g.unit_functions.find(f.unit);
      if (taken != g.address_taken.end() && unit != g.unit_functions.end())
        for (const std::string& c : unit->second)
          if (c != name && taken->second.count(function_name(c))) targets.insert(c);
      if (targets.empty())
        throw Error("'" + name + "' calls through a pointer and no function of " + f.unit +
                    " has its address taken: no stack bound");
      callees.insert(targets.begin(), targets.end());
    }
    Bound deepest;
    for (const std::string& c : callees) {
      Bound b = bound(c);
      deepest.unknown.insert(b.unknown.begin(), b.unknown.end());
      if (b.bytes > deepest.bytes || deepest.chain.empty()) {
        deepest.bytes = b.bytes;
        deepest.chain = b.chain;
      }
    }
    active.pop_back();
    Bound r;
    r.bytes = f.frame + deepest.bytes;
    r.chain.push_back(name);
    r.chain.insert(r.chain.end(), deepest.chain.begin(), deepest.chain.end());
    r.unknown = deepest.unknown;
    memo[name] = r;
    return r;
  };
  return bound(function);
}

}  // namespace tessera::stack
