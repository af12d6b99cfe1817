// Trace files (layout in trace_file.h).
//
// Sections: helpers (checksum, byte order, header JSON and its fields) - WriteTrace and
// SaveTrace - ReadTrace (LoadTrace from a file, ParseTrace from bytes) - TraceProvenance.
//
// Loading checks, in this order, so that the first message is the most useful one:
//   magic -> version -> file size cap -> header length -> header JSON (at most 64 levels
//   deep) -> format, dtype, byte order -> sizes the header describes vs. the file size
//   (truncation) -> checksum (damage) -> header vs. its own problem (layout, step count,
//   array sizes and shapes) -> provenance fields (short, no control characters).
#include "trace_file.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "atomic_file.h"
#include "excerpt.h"
#include "json_text.h"
#include "npy.h"
#include "problem_json.h"

namespace fs {
namespace {

using nlohmann::json;

constexpr uint64_t kPrefixBytes = 16;    // magic, version, header length
constexpr uint64_t kChecksumBytes = 8;
constexpr uint64_t kFloatBytes = sizeof(float);
constexpr uint64_t kMaxHeaderBytes = 1u << 20;
// The step data is at most kTraceBudgetBytes; O, L and the header add a few MiB at most.
constexpr uint64_t kMaxFileBytes = kTraceBudgetBytes + (16ull << 20);
// Provenance is shown on one line of the status bar and printed by `shot`: short, and free
// of control characters (a terminal would act on escape sequences).
constexpr size_t kMaxProvenanceChars = 200;
constexpr const char* kFormatName = "FlashScope trace";
constexpr const char* kNotes =
    "FlashScope trace. After this header: data (steps x step_floats), o (N x d), lse (N), "
    "float32 little-endian, C order; then a uint64 little-endian FNV-1a 64 of every byte "
    "before it. Step k's record starts at k * step_floats; within it the layout offsets "
    "give each field listed in layout.fields. "
    "The step list is PlanSteps(problem), in the loop order problem.order: fa2, Q block outer and K/V block "
    "inner; fa1, K/V block outer and Q block inner (a file without problem.order is fa2). "
    "A file with window holds only the records of Q block window.q_block's steps (one per K/V block j "
    "it visits, in slot j); O and L are whole.";

[[noreturn]] void Fail(const std::string& path, const std::string& what) {
  throw TraceFileError(path + ": " + what);
}

std::string ErrnoText() { return errno ? std::strerror(errno) : "unknown reason"; }

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string Mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

class Fnv1a {
 public:
  void Add(const void* bytes, size_t count) {
    const auto* p = static_cast<const unsigned char*>(bytes);
    for (size_t i = 0; i < count; ++i) hash_ = (hash_ ^ p[i]) * kPrime;
  }
  uint64_t Value() const { return hash_; }

 private:
  static constexpr uint64_t kPrime = 0x100000001B3ull;
  uint64_t hash_ = 0xCBF29CE484222325ull;  // offset basis
};

bool HostIsLittleEndian() {
  const uint32_t one = 1;
  unsigned char first;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

uint32_t SwapBytes(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

void SwapFloats(float* values, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], sizeof bits);
    bits = SwapBytes(bits);
    std::memcpy(&values[i], &bits, sizeof bits);
  }
}

void PutLe(unsigned char* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

uint64_t GetLe(const unsigned char* in, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | in[i];
  return v;
}

// The layout with the offset, shape and meaning of every field the loop order records, so that
// a reader of the file needs nothing but its header.
json LayoutJson(const TraceLayout& l, LoopOrder order) {
  json fields = json::array();
  for (const TraceFieldInfo& f : kTraceFields) {
    if (!l.has[f.id]) continue;
    const json shape = f.shape == FieldShape::kTile   ? json{"Br", "Bc"}
                       : f.shape == FieldShape::kRows ? json{"Br"}
                                                      : json{"Br", "d"};
    fields.push_back(
        {{"name", f.name}, {"offset", l.offset[f.id]}, {"shape", shape}, {"meaning", f.Meaning(order)}});
  }
  return {{"br", l.br}, {"bc", l.bc}, {"d", l.d}, {"step_floats", l.step_floats}, {"fields", fields}};
}

json ArrayJson(uint64_t floats, std::vector<uint64_t> shape) {
  return {{"floats", floats}, {"shape", shape}};
}

struct ExpectedSizes {
  uint64_t steps = 0, held = 0, data = 0, o = 0, lse = 0;  // held: the step records stored
};

ExpectedSizes SizesFor(const Problem& p, int window) {
  ExpectedSizes s;
  s.steps = PlanSteps(p).size();
  s.held = StepsHeld(p, window);
  s.data = s.held * TraceLayout::For(p).step_floats;
  s.o = static_cast<uint64_t>(p.n) * p.d;
  s.lse = static_cast<uint64_t>(p.n);
  return s;
}

// Writes bytes and hashes them.
class HashingWriter {
 public:
  explicit HashingWriter(AtomicFile* out) : out_(out) {}
  void Put(const void* bytes, size_t count) {
    fnv_.Add(bytes, count);
    out_->Write(bytes, count);
  }
  void PutFloats(const std::vector<float>& values) {
    if (HostIsLittleEndian()) {
      Put(values.data(), values.size() * sizeof(float));
      return;
    }
    constexpr size_t kChunk = 1 << 16;
    std::vector<float> chunk;
    for (size_t i = 0; i < values.size(); i += kChunk) {
      chunk.assign(values.begin() + i, values.begin() + std::min(values.size(), i + kChunk));
      SwapFloats(chunk.data(), chunk.size());
      Put(chunk.data(), chunk.size() * sizeof(float));
    }
  }
  uint64_t Hash() const { return fnv_.Value(); }

 private:
  AtomicFile* out_;
  Fnv1a fnv_;
};

// ---- header fields on load -----------------------------------------------------------------

const json& Field(const std::string& path, const json& obj, const std::string& name,
                  const std::string& shown) {
  if (!obj.is_object() || !obj.contains(name))
    Fail(path, "the header lacks the field \"" + shown + "\"");
  return obj.at(name);
}

uint64_t Count(const std::string& path, const json& obj, const std::string& name,
               const std::string& shown) {
  const json& v = Field(path, obj, name, shown);
  if (!v.is_number_unsigned())
    Fail(path, "header field \"" + shown + "\" is " + JsonExcerpt(v) + "; allowed: an integer >= 0");
  return v.get<uint64_t>();
}

// A provenance string is shown on one line and printed, so bounded and without control bytes.
bool ProvenanceFits(const std::string& text) {
  return Utf8Length(text) <= kMaxProvenanceChars && !HasControlChars(text);
}

std::string ProvenanceRule() {
  return "a string of at most " + std::to_string(kMaxProvenanceChars) + " characters without control characters";
}

std::string Text(const std::string& path, const json& obj, const std::string& name) {
  const json& v = Field(path, obj, name, name);
  if (!v.is_string())
    Fail(path, "header field \"" + name + "\" is " + JsonExcerpt(v) + "; allowed: a string");
  const std::string& text = v.get_ref<const std::string&>();
  if (!ProvenanceFits(text))
    Fail(path, "header field \"" + name + "\" is " + Excerpt(text) + "; allowed: " + ProvenanceRule());
  return text;
}

// A header field that must hold one exact string, such as "dtype": "float32".
void Expect(const std::string& path, const json& obj, const std::string& name,
            const std::string& want, const std::string& why) {
  const json& v = Field(path, obj, name, name);
  if (!v.is_string() || v.get_ref<const std::string&>() != want)
    Fail(path, why + "header field \"" + name + "\" is " + JsonExcerpt(v) + "; allowed: \"" + want + "\"");
}

void ExpectShape(const std::string& path, const json& arrays, const std::string& name,
                 const std::vector<uint64_t>& want, const Problem& p) {
  const std::string shown = "arrays." + name + ".shape";
  const json& v = Field(path, Field(path, arrays, name, "arrays." + name), "shape", shown);
  if (v != json(want))
    Fail(path, "header field \"" + shown + "\" is " + JsonExcerpt(v) + " but its problem (" + Describe(p) +
                   ") needs " + json(want).dump());
}

}  // namespace

void WriteTrace(AtomicFile& file, const Trace& t) {
  const std::string& path = file.Path();
  const Problem& p = t.problem;
  for (const std::string& e : ProblemErrors(p)) Fail(path, "cannot save: the trace's problem: " + e);
  const TraceLayout layout = TraceLayout::For(p);
  if (LayoutJson(t.layout, p.order) != LayoutJson(layout, p.order))
    Fail(path, "cannot save: the trace's layout " + LayoutJson(t.layout, p.order).dump() +
                   " is not the layout of its problem " + LayoutJson(layout, p.order).dump());
  if (t.window >= p.QBlocks())
    Fail(path, "cannot save: the trace's window is Q block " + std::to_string(t.window) + "; its problem (" +
                   Describe(p) + ") has Q blocks 0.." + std::to_string(p.QBlocks() - 1));
  const ExpectedSizes want = SizesFor(p, t.window);
  const auto mismatch = [&](const char* what, uint64_t have, uint64_t need) {
    Fail(path, std::string("cannot save: the trace has ") + std::to_string(have) + " " + what +
                   "; its problem (" + Describe(p) + ") needs " + std::to_string(need));
  };
  if (t.steps.size() != want.steps) mismatch("steps", t.steps.size(), want.steps);
  if (t.data.size() != want.data) mismatch("step floats", t.data.size(), want.data);
  if (t.o.size() != want.o) mismatch("floats of O", t.o.size(), want.o);
  if (t.lse.size() != want.lse) mismatch("floats of L", t.lse.size(), want.lse);
  // What is saved must load back.
  for (const auto& [name, text] : {std::pair<const char*, const std::string*>{"backend", &t.backend},
                                   {"device", &t.device}, {"recorded_at", &t.recorded_at}, {"host", &t.host}})
    if (!ProvenanceFits(*text))
      Fail(path, std::string("cannot save: the trace's ") + name + " is " + Excerpt(*text) + "; allowed: " +
                     ProvenanceRule());

  json header = {
      {"format", kFormatName},
      {"notes", kNotes},
      {"problem", ProblemToJson(p)},
      {"layout", LayoutJson(layout, p.order)},
      {"steps", want.steps},
      {"backend", t.backend},
      {"device", t.device},
      {"recorded_at", t.recorded_at},
      {"host", t.host},
      {"kernel_ms", std::isfinite(t.kernel_ms) ? t.kernel_ms : 0.0},
      {"dtype", "float32"},
      {"byte_order", "little"},
      {"arrays",
       {{"data", ArrayJson(want.data, {want.held, layout.step_floats})},
        {"o", ArrayJson(want.o, {static_cast<uint64_t>(p.n), static_cast<uint64_t>(p.d)})},
        {"lse", ArrayJson(want.lse, {static_cast<uint64_t>(p.n)})}}},
  };
  if (t.Windowed()) header["window"] = {{"q_block", t.window}, {"held_steps", want.held}};
  const std::string text = header.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
  if (text.size() > kMaxHeaderBytes)
    Fail(path, "cannot save: the header would be " + std::to_string(text.size()) +
                   " bytes; allowed: at most " + std::to_string(kMaxHeaderBytes));

  unsigned char prefix[kPrefixBytes];
  std::memcpy(prefix, kTraceMagic, sizeof kTraceMagic);
  PutLe(prefix + 8, kTraceFormatVersion, 4);
  PutLe(prefix + 12, text.size(), 4);
  HashingWriter writer(&file);
  writer.Put(prefix, sizeof prefix);
  writer.Put(text.data(), text.size());
  writer.PutFloats(t.data);
  writer.PutFloats(t.o);
  writer.PutFloats(t.lse);
  unsigned char checksum[kChecksumBytes];
  PutLe(checksum, writer.Hash(), kChecksumBytes);
  file.Write(checksum, sizeof checksum);
}

void SaveTrace(const std::string& path, const Trace& t) {
  try {
    AtomicFile file(path);
    WriteTrace(file, t);
    file.Commit();
  } catch (const FileWriteError& e) {
    throw TraceFileError(e.what());
  }
}

namespace {

Trace ReadTrace(std::istream& in, uint64_t file_bytes, const std::string& path) {
  unsigned char prefix[kPrefixBytes] = {};
  in.read(reinterpret_cast<char*>(prefix),
          static_cast<std::streamsize>(std::min(file_bytes, kPrefixBytes)));
  if (file_bytes < sizeof kTraceMagic || std::memcmp(prefix, kTraceMagic, sizeof kTraceMagic) != 0) {
    const bool npy = file_bytes >= kNpyMagicBytes && std::memcmp(prefix, kNpyMagic, kNpyMagicBytes) == 0;
    Fail(path, std::string("not a FlashScope trace file (") +
                   (npy ? "it is a .npy array" : "it does not start with FSTRACE") + ")");
  }
  if (file_bytes < kPrefixBytes)
    Fail(path, "truncated: the file is " + std::to_string(file_bytes) +
                   " bytes, shorter than the 16-byte start of a trace");
  const uint64_t version = GetLe(prefix + 8, 4);
  if (version != kTraceFormatVersion)
    Fail(path, "trace format version " + std::to_string(version) +
                   (version > kTraceFormatVersion ? " is from a newer FlashScope"
                    : version == 1 ? " is from an older FlashScope whose steps lacked r_m, r_s, m' and O-bar; "
                                     "record the trace again with `flashscope trace`"
                                   : " is unknown") +
                   "; this build reads version " + std::to_string(kTraceFormatVersion));
  if (file_bytes > kMaxFileBytes)
    Fail(path, "the file is " + Mib(file_bytes) + ", larger than any trace can be (at most " +
                   Mib(kMaxFileBytes) + "); it was not read");

  const uint64_t header_bytes = GetLe(prefix + 12, 4);
  if (header_bytes > kMaxHeaderBytes)
    Fail(path, "damaged: the header length is " + std::to_string(header_bytes) +
                   " bytes; allowed: at most " + std::to_string(kMaxHeaderBytes));
  if (kPrefixBytes + header_bytes + kChecksumBytes > file_bytes)
    Fail(path, "truncated: the header is " + std::to_string(header_bytes) +
                   " bytes but the file has only " + std::to_string(file_bytes));
  std::string text(static_cast<size_t>(header_bytes), '\0');
  in.read(&text[0], static_cast<std::streamsize>(header_bytes));
  if (!in) Fail(path, "read error in the header");
  Fnv1a fnv;
  fnv.Add(prefix, sizeof prefix);
  fnv.Add(text.data(), text.size());

  json header;
  try {
    header = ParseJsonText(text, path + ": damaged: the header");
  } catch (const JsonTextError& e) {
    throw TraceFileError(e.what());
  }
  if (!header.is_object()) Fail(path, "damaged: the header is not a JSON object");
  Expect(path, header, "format", kFormatName, "not a FlashScope trace file: ");
  // How the floats after the header are stored: the only encoding this build reads.
  Expect(path, header, "dtype", "float32", "");
  Expect(path, header, "byte_order", "little", "");

  // Sizes as the header states them, before trusting anything else in it.
  const json& arrays = Field(path, header, "arrays", "arrays");
  const uint64_t data_floats = Count(path, Field(path, arrays, "data", "arrays.data"), "floats",
                                     "arrays.data.floats");
  const uint64_t o_floats =
      Count(path, Field(path, arrays, "o", "arrays.o"), "floats", "arrays.o.floats");
  const uint64_t lse_floats =
      Count(path, Field(path, arrays, "lse", "arrays.lse"), "floats", "arrays.lse.floats");
  const uint64_t fixed_bytes = kPrefixBytes + header_bytes + kChecksumBytes;
  const uint64_t room_floats = (file_bytes - fixed_bytes) / kFloatBytes;
  if (data_floats > room_floats || o_floats > room_floats - data_floats ||
      lse_floats > room_floats - data_floats - o_floats)
    Fail(path, "truncated: the file has " + std::to_string(file_bytes) +
                   " bytes, less than its header describes (" +
                   std::to_string(data_floats + o_floats + lse_floats) + " floats after the header)");
  const uint64_t expected_bytes = fixed_bytes + kFloatBytes * (data_floats + o_floats + lse_floats);
  if (file_bytes != expected_bytes)
    Fail(path, "damaged: the file has " + std::to_string(file_bytes - expected_bytes) +
                   " bytes more than its header describes");

  Trace t;
  const auto read_floats = [&](std::vector<float>* values, uint64_t count) {
    values->resize(static_cast<size_t>(count));
    in.read(reinterpret_cast<char*>(values->data()),
            static_cast<std::streamsize>(count * kFloatBytes));
    if (!in) Fail(path, "read error in the float data");
    fnv.Add(values->data(), values->size() * sizeof(float));
  };
  read_floats(&t.data, data_floats);
  read_floats(&t.o, o_floats);
  read_floats(&t.lse, lse_floats);
  unsigned char checksum[kChecksumBytes];
  in.read(reinterpret_cast<char*>(checksum), sizeof checksum);
  if (!in) Fail(path, "read error in the checksum");
  const uint64_t stored = GetLe(checksum, kChecksumBytes);
  if (stored != fnv.Value())
    Fail(path, "damaged: checksum mismatch (stored " + Hex(stored) + ", contents give " +
                   Hex(fnv.Value()) + ")");

  // The header against its own problem.
  try {
    t.problem = ProblemFromJson(Field(path, header, "problem", "problem"), path + ": header.problem");
    if (header.contains("window")) {
      const json& window = header.at("window");
      const uint64_t q_block = Count(path, window, "q_block", "window.q_block");
      if (q_block >= static_cast<uint64_t>(t.problem.QBlocks()))
        Fail(path, "header field \"window.q_block\" is " + std::to_string(q_block) + " but its problem (" +
                       Describe(t.problem) + ") has Q blocks 0.." + std::to_string(t.problem.QBlocks() - 1));
      t.window = static_cast<int>(q_block);
    }
    CheckTraceBudget(t.problem, t.window);
  } catch (const ProblemError& e) {
    throw TraceFileError(e.what());
  } catch (const TraceBudgetError& e) {
    Fail(path, e.what());
  }
  t.layout = TraceLayout::For(t.problem);
  const json& layout = Field(path, header, "layout", "layout");
  if (layout != LayoutJson(t.layout, t.problem.order))
    Fail(path, "the header's layout " + JsonExcerpt(layout) + " does not match its problem (" +
                   Describe(t.problem) + "), whose layout is " + LayoutJson(t.layout, t.problem.order).dump());
  t.steps = PlanSteps(t.problem);
  const ExpectedSizes want = SizesFor(t.problem, t.window);
  if (t.Windowed()) {
    const uint64_t held = Count(path, header.at("window"), "held_steps", "window.held_steps");
    if (held != want.held)
      Fail(path, "header field \"window.held_steps\" is " + std::to_string(held) + " but Q block " +
                     std::to_string(t.window) + " of its problem (" + Describe(t.problem) + ") has " +
                     std::to_string(want.held) + " steps");
  }
  const uint64_t steps = Count(path, header, "steps", "steps");
  if (steps != want.steps)
    Fail(path, "the header says " + std::to_string(steps) + " steps but its problem (" +
                   Describe(t.problem) + ") has " + std::to_string(want.steps));
  const auto check_size = [&](const char* name, uint64_t have, uint64_t need) {
    if (have != need)
      Fail(path, std::string("header field \"arrays.") + name + ".floats\" is " +
                     std::to_string(have) + " but its problem (" + Describe(t.problem) +
                     ") needs " + std::to_string(need));
  };
  check_size("data", data_floats, want.data);
  check_size("o", o_floats, want.o);
  check_size("lse", lse_floats, want.lse);
  ExpectShape(path, arrays, "data", {want.held, t.layout.step_floats}, t.problem);
  ExpectShape(path, arrays, "o", {static_cast<uint64_t>(t.problem.n), static_cast<uint64_t>(t.problem.d)},
              t.problem);
  ExpectShape(path, arrays, "lse", {static_cast<uint64_t>(t.problem.n)}, t.problem);

  t.backend = Text(path, header, "backend");
  t.device = Text(path, header, "device");
  t.recorded_at = Text(path, header, "recorded_at");
  t.host = Text(path, header, "host");
  const json& ms = Field(path, header, "kernel_ms", "kernel_ms");
  if (!ms.is_number() || ms.get<double>() < 0.0)
    Fail(path, "header field \"kernel_ms\" is " + JsonExcerpt(ms) + "; allowed: a number >= 0");
  t.kernel_ms = ms.get<double>();

  if (!HostIsLittleEndian()) {
    SwapFloats(t.data.data(), t.data.size());
    SwapFloats(t.o.data(), t.o.size());
    SwapFloats(t.lse.data(), t.lse.size());
  }
  return t;
}

}  // namespace

Trace LoadTrace(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail(path, "cannot open (" + ErrnoText() + ")");
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  std::error_code ignored;
  if (end < 0 || std::filesystem::is_directory(path, ignored))
    Fail(path, "cannot read: not a regular file; expected a FlashScope trace file");
  in.seekg(0, std::ios::beg);
  return ReadTrace(in, static_cast<uint64_t>(end), path);
}

Trace ParseTrace(const std::string& bytes, const std::string& name) {
  std::istringstream in(bytes);
  return ReadTrace(in, bytes.size(), name);
}

uint64_t TraceDigest(const Trace& t) {
  Fnv1a fnv;
  for (const std::vector<float>* v : {&t.data, &t.o, &t.lse})
    for (const float f : *v) {
      uint32_t bits;
      std::memcpy(&bits, &f, sizeof bits);
      const unsigned char le[4] = {static_cast<unsigned char>(bits), static_cast<unsigned char>(bits >> 8),
                                   static_cast<unsigned char>(bits >> 16), static_cast<unsigned char>(bits >> 24)};
      fnv.Add(le, sizeof le);  // little-endian, as trace files store them, on any host
    }
  return fnv.Value();
}

uint64_t TraceChecksum(const std::string& bytes) {
  Fnv1a fnv;
  fnv.Add(bytes.data(), bytes.size());
  return fnv.Value();
}

std::string TraceProvenance(const Trace& t) {
  std::string out = "recorded with " + (t.backend.empty() ? std::string("an unknown backend")
                                                          : t.backend);
  if (!t.device.empty()) out += " on " + t.device;
  if (!t.host.empty()) out += " (host " + t.host + ")";
  if (!t.recorded_at.empty()) out += " at " + t.recorded_at;
  if (t.kernel_ms > 0.0 && std::isfinite(t.kernel_ms)) {
    // Two decimals read well from 0.1 ms up; shorter kernels keep three significant digits.
    char ms[32];
    std::snprintf(ms, sizeof ms, t.kernel_ms < 0.1 ? "%.3g" : "%.2f", t.kernel_ms);
    out += std::string(", kernel ") + ms + " ms";
  }
  return out;
}

}  // namespace fs
