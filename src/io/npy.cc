#include "io/npy.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

namespace tessera {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicBytes = 6;
constexpr uint32_t kMaxHeaderBytes = 1 << 20;        // NumPy writes a few hundred bytes
constexpr int64_t kMaxArrayBytes = int64_t{1} << 30;  // the reader's tensor limit

struct DTypeCode {
  DType type;
  const char* descr;  // as written: '|' for one-byte types, '<' otherwise
};
constexpr DTypeCode kCodes[] = {
    {DType::kInt8, "|i1"},  {DType::kUInt8, "|u1"},  {DType::kInt16, "<i2"}, {DType::kInt32, "<i4"},
    {DType::kInt64, "<i8"}, {DType::kFloat32, "<f4"}, {DType::kBool, "|b1"},
};

// A minimal reader of the header's Python literal: a dict of string keys whose values are
// strings, True/False or tuples of integers.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& file) : s_(text), file_(file) {}

  void Parse(std::string* descr, std::optional<bool>* fortran, std::optional<std::vector<int64_t>>* shape) {
    Expect('{');
    while (true) {
      Skip();
      if (Peek() == '}') break;
      const std::string key = String();
      Expect(':');
      Skip();
      if (key == "descr") {
        *descr = String();
      } else if (key == "fortran_order") {
        *fortran = Bool();
      } else if (key == "shape") {
        *shape = Tuple();
      } else {
        Fail("unknown header key '" + key + "'");
      }
      Skip();
      if (Peek() == ',') {
        ++i_;
        continue;
      }
      Skip();
      if (Peek() != '}') Fail("expected ',' or '}' at header offset " + std::to_string(i_));
    }
    ++i_;
    Skip();
    if (i_ != s_.size()) Fail("unexpected text after the header's dict");
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const { throw Error(file_ + ": malformed .npy header: " + what); }
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void Expect(char c) {
    Skip();
    if (Peek() != c) Fail(std::string("expected '") + c + "' at header offset " + std::to_string(i_));
    ++i_;
  }
  std::string String() {
    Skip();
    const char q = Peek();
    if (q != '\'' && q != '"') Fail("expected a quoted string at header offset " + std::to_string(i_));
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) Fail("unterminated string");
    std::string r = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return r;
  }
  bool Bool() {
    if (s_.compare(i_, 4, "True") == 0) { i_ += 4; return true; }
    if (s_.compare(i_, 5, "False") == 0) { i_ += 5; return false; }
    Fail("fortran_order must be True or False");
  }
  std::vector<int64_t> Tuple() {
    Expect('(');
    std::vector<int64_t> r;
    while (true) {
      Skip();
      if (Peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(Peek())))
        Fail("shape entries must be non-negative integers (at header offset " + std::to_string(i_) + ")");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(Peek()))) {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) Fail("shape entry overflows");
        v = v * 10 + (s_[i_++] - '0');
      }
      r.push_back(v);
      Skip();
      if (Peek() == ',') ++i_;
      else if (Peek() != ')') Fail("expected ',' or ')' in the shape");
    }
    ++i_;
    return r;
  }

  const std::string& s_;
  const std::string& file_;
  size_t i_ = 0;
};

uint32_t LittleEndian(const uint8_t* p, int n) {
  uint32_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

}  // namespace

int64_t NpyArray::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string DescribeArray(DType type, const std::vector<int64_t>& shape) {
  std::string r = std::string(DTypeName(type)) + "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(shape[i]);
  }
  return r + "]";
}

bool IsNpyFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char head[kMagicBytes] = {};
  return f.read(head, kMagicBytes) && std::memcmp(head, kMagic, kMagicBytes) == 0;
}

NpyArray ParseNpy(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < kMagicBytes + 4 || std::memcmp(bytes.data(), kMagic, kMagicBytes) != 0)
    throw Error(name + ": not a .npy file (no \\x93NUMPY magic string)");
  const int major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0)
    throw Error(name + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                " (1.0, 2.0 and 3.0 are read)");
  const int len_bytes = major == 1 ? 2 : 4;
  const size_t header_at = 8 + len_bytes;
  if (bytes.size() < header_at) throw Error(name + ": truncated .npy header");
  const uint32_t header_len = LittleEndian(&bytes[8], len_bytes);
  if (header_len > kMaxHeaderBytes) throw Error(name + ": .npy header of " + std::to_string(header_len) + " bytes");
  if (bytes.size() < header_at + header_len)
    throw Error(name + ": truncated .npy header (" + std::to_string(header_len) + " bytes announced, " +
                std::to_string(bytes.size() - header_at) + " present)");
  const std::string header(reinterpret_cast<const char*>(&bytes[header_at]), header_len);

  std::string descr;
  std::optional<bool> fortran;
  std::optional<std::vector<int64_t>> shape;
  HeaderParser(header, name).Parse(&descr, &fortran, &shape);
  if (descr.empty() || !fortran || !shape)
    throw Error(name + ": malformed .npy header: 'descr', 'fortran_order' and 'shape' are required");

  NpyArray a;
  bool known = false;
  for (const auto& c : kCodes) {
    // One-byte types may be written with any byte-order mark.
    const bool match = descr == c.descr || (c.descr[0] == '|' && descr.size() == 3 &&
                                            (descr[0] == '<' || descr[0] == '=') && descr.substr(1) == c.descr + 1);
    if (match) {
      a.type = c.type;
      known = true;
    }
  }
  if (!known) {
    if (!descr.empty() && descr[0] == '>')
      throw Error(name + ": big-endian .npy dtype '" + descr + "' (write it little-endian: a.astype('<" +
                  descr.substr(1) + "'))");
    throw Error(name + ": unsupported .npy dtype '" + descr +
                "' (int8, uint8, int16, int32, int64, float32 or bool, little-endian)");
  }
  a.shape = *shape;
  int64_t n = 1;
  for (int64_t d : a.shape) {
    if (d != 0 && n > kMaxArrayBytes / d) throw Error(name + ": .npy shape " + DescribeArray(a.type, a.shape) + " is too large");
    n *= d;
  }
  const int64_t data_bytes = n * DTypeSize(a.type);
  if (data_bytes > kMaxArrayBytes) throw Error(name + ": .npy shape " + DescribeArray(a.type, a.shape) + " is too large");
  if (*fortran && a.shape.size() > 1) {
    int non_unit = 0;
    for (int64_t d : a.shape) non_unit += d != 1;
    if (non_unit > 1)
      throw Error(name + ": Fortran-order .npy array (write it in C order: np.ascontiguousarray(a))");
  }
  const size_t data_at = header_at + header_len;
  const int64_t present = static_cast<int64_t>(bytes.size() - data_at);
  if (present != data_bytes)
    throw Error(name + ": .npy " + DescribeArray(a.type, a.shape) + " needs " + std::to_string(data_bytes) +
                " data bytes, the file has " + std::to_string(present));
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_at), bytes.end());
  return a;
}

NpyArray ReadNpy(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw Error("cannot open '" + path + "': " + ec.message());
  if (size > static_cast<uintmax_t>(kMaxArrayBytes) + kMaxHeaderBytes + 16)
    throw Error(path + ": .npy file of " + std::to_string(size) + " bytes is too large");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open '" + path + "'");
  std::vector<uint8_t> bytes(std::istreambuf_iterator<char>(f), {});
  return ParseNpy(bytes, path);
}

std::vector<uint8_t> EncodeNpy(const NpyArray& a) {
  const char* descr = nullptr;
  for (const auto& c : kCodes)
    if (c.type == a.type) descr = c.descr;
  if (!descr) throw Error(std::string(".npy: cannot write dtype ") + DTypeName(a.type));
  if (static_cast<int64_t>(a.data.size()) != a.num_elements() * DTypeSize(a.type))
    throw Error(".npy: " + std::to_string(a.data.size()) + " data bytes for " + DescribeArray(a.type, a.shape));
  // Python's tuple syntax: (), (3,), (1, 49, 10, 1).
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(a.shape[i]);
  }
  shape += a.shape.size() == 1 ? ",)" : ")";
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Version 1.0: magic, version, 2-byte length, header padded with spaces and ending in
  // '\n' so that the data starts at a multiple of 64 bytes.
  const size_t unpadded = kMagicBytes + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> r(kMagic, kMagic + kMagicBytes);
  r.push_back(1);
  r.push_back(0);
  r.push_back(static_cast<uint8_t>(header.size() & 0xff));
  r.push_back(static_cast<uint8_t>(header.size() >> 8));
  r.insert(r.end(), header.begin(), header.end());
  r.insert(r.end(), a.data.begin(), a.data.end());
  return r;
}

void WriteNpy(const std::string& path, const NpyArray& a) {
  const auto bytes = EncodeNpy(a);
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error("cannot write '" + path + "'");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw Error("cannot write '" + path + "'");
}

}  // namespace tessera
