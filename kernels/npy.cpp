// .npy reading and writing (numpy's format, versions 1.0 to 3.0):
//
//   "\x93NUMPY"  major  minor  header_len  header                       data
//    6 bytes     1 byte 1 byte 2 bytes LE  a Python dict literal        C order
//                               (4 bytes LE for versions 2.0 and 3.0)   little-endian
//
// The header reads like {'descr': '<f4', 'fortran_order': False, 'shape': (256, 64), }.
// We parse the small literal subset numpy writes (strings, True/False, integers, tuples and
// lists) rather than evaluating anything, at most a few levels deep.
//
// Sections: the header literal - byte helpers - reading (ReadNpy: preamble, header, the
// caller's shape rule, then the data) - writing - Q, K and V.
#include "npy.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "excerpt.h"

namespace fs {
namespace {

constexpr size_t kAlignBytes = 64;          // numpy pads header so data starts aligned
constexpr size_t kMaxHeaderBytes = 1 << 16;  // numpy's own are < 10 KB; format 1.0 < 64 KiB
constexpr size_t kMaxDims = 32;              // numpy's limit on dimensions
constexpr int kMaxNesting = 8;               // numpy's headers nest 2 deep: dict, tuple
const char* const kAllowedDtypes = "'<f4' (float32) or '<f2' (float16), little-endian";

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw NpyError(path + ": " + what);
}

// A string from the header as numpy would print it, '<f4'; anything unusual (quotes,
// control bytes, length) through Excerpt() instead.
std::string Quoted(const std::string& text) {
  const std::string excerpt = Excerpt(text);
  if (excerpt == "\"" + text + "\"" && text.find('\'') == std::string::npos) return "'" + text + "'";
  return excerpt;
}

std::string ShapeText(const std::vector<size_t>& shape) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  if (shape.size() == 1) out << ",";
  out << ")";
  return out.str();
}

std::string AllowedDText() {
  std::string out;
  for (int d : kAllowedD) out += (out.empty() ? "" : ", ") + std::to_string(d);
  return out;
}

// ---- header literal ------------------------------------------------------------------

// One value of the header dict: a string, a bool, an integer, or a sequence of values.
struct Literal {
  enum class Kind { kString, kBool, kInt, kSequence } kind = Kind::kInt;
  std::string text;
  bool flag = false;
  uint64_t number = 0;
  std::vector<Literal> items;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& path, const std::string& text) : path_(path), text_(text) {}

  std::vector<std::pair<std::string, Literal>> ParseDict() {
    std::vector<std::pair<std::string, Literal>> entries;
    Expect('{');
    SkipSpace();
    while (Peek() != '}') {
      Literal key = ParseValue(1);
      if (key.kind != Literal::Kind::kString) Malformed("a dictionary key is not a string");
      Expect(':');
      entries.emplace_back(key.text, ParseValue(1));
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
      } else if (Peek() != '}') {
        Malformed("expected ',' or '}'");
      }
    }
    ++pos_;
    SkipSpace();
    if (pos_ != text_.size()) Malformed("unexpected text after the dictionary");
    return entries;
  }

 private:
  [[noreturn]] void Malformed(const std::string& what) {
    Fail(path_, "the .npy header is malformed (" + what + " at character " +
                    std::to_string(pos_) + "): " + ExcerptAround(text_, pos_));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void Expect(char c) {
    SkipSpace();
    if (Peek() != c) Malformed(std::string("expected '") + c + "'");
    ++pos_;
  }

  // `depth`: how many dicts, tuples and lists enclose this value. Bounded, so that a header
  // of 60,000 '(' is refused instead of overflowing the stack.
  Literal ParseValue(int depth) {
    if (depth > kMaxNesting)
      Malformed("nesting deeper than " + std::to_string(kMaxNesting) + " levels");
    SkipSpace();
    Literal v;
    const char c = Peek();
    if (c == '\'' || c == '"') {
      v.kind = Literal::Kind::kString;
      const size_t end = text_.find(c, pos_ + 1);
      if (end == std::string::npos) Malformed("unterminated string");
      v.text = text_.substr(pos_ + 1, end - pos_ - 1);
      pos_ = end + 1;
    } else if (c == '(' || c == '[') {
      const char close = c == '(' ? ')' : ']';
      v.kind = Literal::Kind::kSequence;
      ++pos_;
      SkipSpace();
      while (Peek() != close) {
        v.items.push_back(ParseValue(depth + 1));
        SkipSpace();
        if (Peek() == ',') {
          ++pos_;
          SkipSpace();
        } else if (Peek() != close) {
          Malformed(std::string("expected ',' or '") + close + "'");
        }
      }
      ++pos_;
    } else if (c >= '0' && c <= '9') {
      // Python's literal syntax, which numpy reads the header with: no leading zeros.
      if (c == '0' && pos_ + 1 < text_.size() && text_[pos_ + 1] >= '0' && text_[pos_ + 1] <= '9')
        Malformed("an integer with a leading zero");
      v.kind = Literal::Kind::kInt;
      while (Peek() >= '0' && Peek() <= '9') {
        const uint64_t digit = static_cast<uint64_t>(Peek() - '0');
        if (v.number > (std::numeric_limits<uint64_t>::max() - digit) / 10)
          Malformed("integer too large");
        v.number = v.number * 10 + digit;
        ++pos_;
      }
      if (Peek() == 'L') ++pos_;  // Python 2 long suffix, still seen in old files
    } else if (text_.compare(pos_, 4, "True") == 0) {
      v.kind = Literal::Kind::kBool;
      v.flag = true;
      pos_ += 4;
    } else if (text_.compare(pos_, 5, "False") == 0) {
      v.kind = Literal::Kind::kBool;
      v.flag = false;
      pos_ += 5;
    } else {
      Malformed("expected a string, True, False, an integer or a tuple");
    }
    return v;
  }

  const std::string& path_;
  const std::string& text_;
  size_t pos_ = 0;
};

// ---- byte helpers -----------------------------------------------------------------------

uint32_t ReadLe(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// IEEE binary16 bits to binary32, exact for every input (subnormals, infinities, NaN).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1Fu) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf, or NaN keeping its payload
  } else if (exponent != 0) {
    bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // signed zero
  } else {
    // Subnormal: value = mantissa * 2^-24. Shift the leading 1 into the implicit-bit place;
    // every float16 subnormal is a normal float32.
    int e = -14;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      --e;
    }
    bits = sign | (static_cast<uint32_t>(e + 127) << 23) | ((mantissa & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

std::ifstream OpenForReading(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    Fail(path, std::string("cannot open for reading (") +
                   (errno ? std::strerror(errno) : "unknown reason") + ")");
  return in;
}

NpyArray ReadNpy(std::istream& in, uint64_t file_bytes, const std::string& path,
                 const NpyShapeCheck& check_shape) {
  unsigned char prefix[12] = {};
  const size_t prefix_bytes = static_cast<size_t>(std::min<uint64_t>(file_bytes, sizeof prefix));
  in.read(reinterpret_cast<char*>(prefix), static_cast<std::streamsize>(prefix_bytes));
  if (!in) Fail(path, "read error in the .npy preamble");
  if (prefix_bytes < kNpyMagicBytes || std::memcmp(prefix, kNpyMagic, kNpyMagicBytes) != 0)
    Fail(path, "not a .npy file (it does not start with \\x93NUMPY)");
  if (prefix_bytes < 10) Fail(path, "truncated: the file ends inside the .npy preamble");

  const int major = prefix[6], minor = prefix[7];
  if (minor != 0 || major < 1 || major > 3)
    Fail(path, ".npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                   " is not supported; allowed: 1.0, 2.0, 3.0");
  const size_t length_bytes = major == 1 ? 2 : 4;
  if (prefix_bytes < 8 + length_bytes)
    Fail(path, "truncated: the file ends inside the .npy preamble");
  const uint64_t header_bytes = ReadLe(prefix + 8, static_cast<int>(length_bytes));
  const uint64_t data_start = 8 + length_bytes + header_bytes;
  if (header_bytes > kMaxHeaderBytes)
    Fail(path, "the .npy header is " + std::to_string(header_bytes) +
                   " bytes; allowed: at most " + std::to_string(kMaxHeaderBytes));
  if (data_start > file_bytes)
    Fail(path, "truncated: the header says it is " + std::to_string(header_bytes) +
                   " bytes but the file has only " + std::to_string(file_bytes) + " bytes");

  std::string header(static_cast<size_t>(header_bytes), '\0');
  in.seekg(static_cast<std::streamoff>(8 + length_bytes), std::ios::beg);
  in.read(&header[0], static_cast<std::streamsize>(header_bytes));
  if (!in) Fail(path, "read error in the .npy header");

  // numpy pads with spaces and ends with a newline; a few writers add a NUL.
  while (!header.empty() && (header.back() == '\n' || header.back() == ' ' ||
                             header.back() == '\0' || header.back() == '\r'))
    header.pop_back();

  HeaderParser parser(path, header);
  const auto entries = parser.ParseDict();
  const Literal* descr = nullptr;
  const Literal* fortran = nullptr;
  const Literal* shape = nullptr;
  for (const auto& entry : entries) {
    if (entry.first == "descr") descr = &entry.second;
    else if (entry.first == "fortran_order") fortran = &entry.second;
    else if (entry.first == "shape") shape = &entry.second;
    else Fail(path, "the .npy header has an unexpected key " + Quoted(entry.first) +
                        "; allowed: 'descr', 'fortran_order', 'shape'");
  }
  if (!descr || !fortran || !shape)
    Fail(path, "the .npy header lacks " +
                   std::string(!descr ? "'descr'" : !fortran ? "'fortran_order'" : "'shape'") +
                   "; a .npy header holds 'descr', 'fortran_order' and 'shape'");

  NpyArray array;
  if (descr->kind != Literal::Kind::kString)
    Fail(path, std::string("dtype is a structured (record) type; allowed: ") + kAllowedDtypes);
  array.dtype = descr->text;
  size_t item_bytes = 0;
  if (array.dtype == "<f4") item_bytes = 4;
  else if (array.dtype == "<f2") item_bytes = 2;
  else if (array.dtype == ">f4" || array.dtype == ">f2")
    Fail(path, "dtype " + Quoted(array.dtype) + " is big-endian; allowed: " + kAllowedDtypes +
                   " (in numpy: a.astype('<f4'))");
  else
    Fail(path, "dtype " + Quoted(array.dtype) + " is not supported; allowed: " + kAllowedDtypes);

  if (fortran->kind != Literal::Kind::kBool)
    Fail(path, "'fortran_order' in the .npy header is not True or False");
  if (fortran->flag)
    Fail(path, "the array is stored in Fortran (column-major) order; allowed: C order "
               "(in numpy: np.ascontiguousarray(a))");

  if (shape->kind != Literal::Kind::kSequence)
    Fail(path, "'shape' in the .npy header is not a tuple");
  if (shape->items.size() > kMaxDims)
    Fail(path, "'shape' in the .npy header has " + std::to_string(shape->items.size()) +
                   " dimensions; allowed: at most " + std::to_string(kMaxDims));
  uint64_t count = 1;
  for (const Literal& dim : shape->items) {
    if (dim.kind != Literal::Kind::kInt)
      Fail(path, "'shape' in the .npy header holds something other than integers");
    if (dim.number != 0 && count > std::numeric_limits<uint64_t>::max() / item_bytes / dim.number)
      Fail(path, "shape is too large to be real");
    count *= dim.number;
    array.shape.push_back(static_cast<size_t>(dim.number));
  }
  // The caller's rule on the shape comes before the data is read: a file that declares a
  // gigabyte is refused having read its header only.
  if (check_shape) check_shape(array.shape);

  const uint64_t data_bytes = count * item_bytes;
  const uint64_t available = file_bytes - data_start;
  if (data_bytes > available)
    Fail(path, "truncated: shape " + ShapeText(array.shape) + " of " + array.dtype + " needs " +
                   std::to_string(data_bytes) + " bytes of data but the file holds only " +
                   std::to_string(available));

  // Read straight into the result (float32) or in chunks (float16): memory is the array's
  // own size, never the file's size twice over.
  array.data.resize(static_cast<size_t>(count));
  constexpr size_t kChunkItems = 1 << 16;
  std::vector<unsigned char> raw(std::min<size_t>(kChunkItems, array.data.size()) * item_bytes);
  for (size_t done = 0; done < array.data.size();) {
    const size_t items = std::min(kChunkItems, array.data.size() - done);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(items * item_bytes));
    if (!in) Fail(path, "read error in the .npy data");
    for (size_t i = 0; i < items; ++i) {
      const unsigned char* p = raw.data() + i * item_bytes;
      if (item_bytes == 4) {
        const uint32_t bits = ReadLe(p, 4);
        std::memcpy(&array.data[done + i], &bits, sizeof bits);
      } else {
        array.data[done + i] = HalfToFloat(static_cast<uint16_t>(ReadLe(p, 2)));
      }
    }
    done += items;
  }
  return array;
}

}  // namespace

NpyArray LoadNpy(const std::string& path, const NpyShapeCheck& check_shape) {
  std::ifstream in = OpenForReading(path);
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  std::error_code ignored;
  if (end < 0 || std::filesystem::is_directory(path, ignored))
    Fail(path, "cannot read: not a regular file; expected a .npy file");
  in.seekg(0, std::ios::beg);
  return ReadNpy(in, static_cast<uint64_t>(end), path, check_shape);
}

NpyArray ParseNpy(const std::string& bytes, const std::string& name,
                  const NpyShapeCheck& check_shape) {
  std::istringstream in(bytes);
  return ReadNpy(in, bytes.size(), name, check_shape);
}

void WriteNpy(AtomicFile& file, const float* data, const std::vector<size_t>& shape) {
  const std::string& path = file.Path();
  uint64_t count = 1;
  for (size_t dim : shape) {
    if (dim != 0 && count > std::numeric_limits<uint64_t>::max() / sizeof(float) / dim)
      Fail(path, "cannot save shape " + ShapeText(shape) + ": too many elements");
    count *= dim;
  }
  if (count > 0 && data == nullptr)
    Fail(path, "cannot save shape " + ShapeText(shape) + ": no data was given");

  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + ShapeText(shape) +
                       ", }";
  // numpy's rule: magic (6) + version (2) + length (2) + header, ending in '\n', is a
  // multiple of 64 so the data that follows is aligned.
  const size_t preamble_bytes = kNpyMagicBytes + 2 + 2;
  const size_t unpadded = preamble_bytes + header.size() + 1;
  header.append((kAlignBytes - unpadded % kAlignBytes) % kAlignBytes, ' ');
  header.push_back('\n');
  if (header.size() > 0xFFFF)
    Fail(path, "cannot save shape " + ShapeText(shape) + ": header too long for format 1.0");

  std::string bytes(kNpyMagic, kNpyMagicBytes);
  bytes.push_back('\x01');
  bytes.push_back('\x00');
  bytes.push_back(static_cast<char>(header.size() & 0xFF));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  bytes.reserve(bytes.size() + static_cast<size_t>(count) * sizeof(float));
  for (size_t i = 0; i < count; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &data[i], sizeof bits);
    for (int b = 0; b < 4; ++b) bytes.push_back(static_cast<char>((bits >> (8 * b)) & 0xFF));
  }
  file.Write(bytes);
}

void SaveNpy(const std::string& path, const float* data, const std::vector<size_t>& shape) {
  try {
    AtomicFile file(path);
    WriteNpy(file, data, shape);
    file.Commit();
  } catch (const FileWriteError& e) {
    throw NpyError(e.what());
  }
}

Inputs LoadQkvNpy(const std::string& q_path, const std::string& k_path,
                  const std::string& v_path) {
  const std::string allowed = "allowed: a 2-D array (N, d) with N in 1.." +
                              std::to_string(kMaxStepN) + " and d one of " + AllowedDText();
  const std::string* paths[3] = {&q_path, &k_path, &v_path};
  const char* names[3] = {"Q", "K", "V"};
  NpyArray arrays[3];
  for (int i = 0; i < 3; ++i) {
    const std::string& path = *paths[i];
    const auto check_shape = [&](const std::vector<size_t>& shape) {
      const std::string what = std::string(names[i]) + " has shape " + ShapeText(shape);
      if (shape.size() != 2)
        Fail(path, what + ", which is " + std::to_string(shape.size()) + "-D; " + allowed);
      if (shape[0] < 1 || shape[0] > static_cast<size_t>(kMaxStepN))
        Fail(path, what + ": N = " + std::to_string(shape[0]) + " is out of range; " + allowed);
      bool d_ok = false;
      for (int d : kAllowedD) d_ok = d_ok || shape[1] == static_cast<size_t>(d);
      if (!d_ok)
        Fail(path, what + ": d = " + std::to_string(shape[1]) + " is not supported; " + allowed);
      if (i > 0 && shape != arrays[0].shape)
        Fail(path, what + " but Q (" + q_path + ") has shape " + ShapeText(arrays[0].shape) +
                       "; Q, K and V must have the same shape (N, d)");
    };
    arrays[i] = LoadNpy(path, check_shape);
    const std::string bad = FirstNonFinite(arrays[i].data, static_cast<int>(arrays[i].shape[1]));
    if (!bad.empty())
      Fail(path, std::string(names[i]) + " " + bad + "; allowed: finite numbers only");
  }
  Inputs in;
  in.n = static_cast<int>(arrays[0].shape[0]);
  in.d = static_cast<int>(arrays[0].shape[1]);
  in.q = std::move(arrays[0].data);
  in.k = std::move(arrays[1].data);
  in.v = std::move(arrays[2].data);
  return in;
}

}  // namespace fs
