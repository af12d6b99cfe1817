// Problems as JSON and trace files: what is saved loads back bit for bit, and a damaged,
// truncated, foreign or inconsistent file is refused with a message naming it and the fault.
//
// Sections: helpers (temporary directory, header editing with a fresh checksum) -
// ProblemToJson / ProblemFromJson - trace files: round trip and format - trace files:
// refusals - provenance.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulate.h"
#include "inputs.h"
#include "npy.h"
#include "problem.h"
#include "test_util.h"
#include "problem_json.h"
#include "trace.h"
#include "trace_file.h"

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

using fs_test::ReadBytes;
using fs_test::TempDir;
using fs_test::WriteBytes;

uint64_t GetLe(const std::string& bytes, size_t at, int count) {
  uint64_t v = 0;
  for (int i = count - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

void PutLe(std::string* bytes, size_t at, uint64_t v, int count) {
  for (int i = 0; i < count; ++i) (*bytes)[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

// FNV-1a 64, written out here from its definition as an independent check of the file.
uint64_t Fnv1a64(const std::string& bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

size_t HeaderBytes(const std::string& file) { return GetLe(file, 12, 4); }
json Header(const std::string& file) { return json::parse(file.substr(16, HeaderBytes(file))); }

// Rewrites a trace file's header and fixes up its length and checksum, so that only the
// change under test is wrong with the file.
void EditHeader(const std::string& path, const std::function<void(json&)>& edit) {
  const std::string file = ReadBytes(path);
  json header = Header(file);
  edit(header);
  const std::string text = header.dump();
  const std::string payload = file.substr(16 + HeaderBytes(file));
  std::string out = file.substr(0, 16) + text + payload.substr(0, payload.size() - 8);
  PutLe(&out, 12, text.size(), 4);
  std::string checksum(8, '\0');
  PutLe(&checksum, 0, Fnv1a64(out), 8);
  WriteBytes(path, out + checksum);
}

fs::Problem SmallProblem() {
  fs::Problem p;
  p.n = 100;  // not a multiple of the blocks: the last tiles have poisoned rows
  p.d = 16;
  p.br = 32;
  p.bc = 16;
  p.causal = true;
  p.seed = 7;
  return p;
}

fs::Trace SmallTrace(const fs::Problem& p = SmallProblem()) {
  fs::Trace t = fs::EmulateTraced(p, fs::MakeInputs(p));
  t.device = "Test CPU";
  t.host = "testhost";
  t.recorded_at = "2026-11-22T10:00:00Z";
  t.kernel_ms = 0.125;
  return t;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

bool SameSteps(const std::vector<fs::StepInfo>& a, const std::vector<fs::StepInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k) {
    const fs::StepInfo &x = a[k], &y = b[k];
    if (x.q_block != y.q_block || x.kv_block != y.kv_block || x.row0 != y.row0 ||
        x.rows != y.rows || x.col0 != y.col0 || x.cols != y.cols ||
        x.last_for_q_block != y.last_for_q_block || x.bytes_read != y.bytes_read ||
        x.bytes_written != y.bytes_written)
      return false;
  }
  return true;
}

fs::Problem FromJsonText(const std::string& text) {
  return fs::ProblemFromJson(json::parse(text), "lessons/intro.json: problem");
}

std::string ProblemMessage(const std::string& text) {
  try {
    FromJsonText(text);
  } catch (const fs::ProblemError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---- ProblemToJson / ProblemFromJson ---------------------------------------------------------

TEST_CASE("ProblemFromJson(ProblemToJson(p)) gives back p", "[problem_json]") {
  fs::Problem plain;
  fs::Problem lowrank;
  lowrank.n = 1000;
  lowrank.d = 96;
  lowrank.br = 128;
  lowrank.bc = 16;
  lowrank.causal = true;
  lowrank.scale = 0.3f;
  lowrank.seed = (1ull << 63) + 5;  // beyond int64 and double precision
  lowrank.pattern = fs::Pattern::kLowRank;
  lowrank.rank = 8;
  fs::Problem npy;
  npy.pattern = fs::Pattern::kNpy;
  npy.q_path = "data/q.npy";
  npy.k_path = "data/k.npy";
  npy.v_path = "data/v.npy";
  for (const fs::Problem& p : {plain, lowrank, npy}) {
    INFO(fs::Describe(p));
    REQUIRE(fs::ProblemFromJson(fs::ProblemToJson(p), "test") == p);
    // and through text, as in a file
    REQUIRE(FromJsonText(fs::ProblemToJson(p).dump()) == p);
  }
}

TEST_CASE("ProblemToJson writes q, k and v only for pattern npy", "[problem_json]") {
  fs::Problem p;
  const json random = fs::ProblemToJson(p);
  REQUIRE(random["pattern"] == "random");
  REQUIRE_FALSE(random.contains("q"));
  p.pattern = fs::Pattern::kNpy;
  p.q_path = "q.npy";
  p.k_path = "k.npy";
  p.v_path = "v.npy";
  const json npy = fs::ProblemToJson(p);
  REQUIRE(npy["q"] == "q.npy");
  REQUIRE(npy["k"] == "k.npy");
  REQUIRE(npy["v"] == "v.npy");
}

TEST_CASE("ProblemFromJson keeps the Problem defaults for missing keys", "[problem_json]") {
  REQUIRE(FromJsonText("{}") == fs::Problem{});
  fs::Problem expected;
  expected.n = 128;
  expected.causal = true;
  REQUIRE(FromJsonText(R"({"n": 128, "causal": true})") == expected);
}

TEST_CASE("ProblemFromJson names the field and the allowed values for a value out of range",
          "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"br": 48})") ==
          "lessons/intro.json: problem: field \"br\" is 48; allowed: 16, 32, 64, 128");
  REQUIRE(ProblemMessage(R"({"n": 0})") ==
          "lessons/intro.json: problem: field \"n\" is 0; allowed: 1..8192");
  REQUIRE_THAT(ProblemMessage(R"({"scale": -1})"),
               Contains("field \"scale\" is -1; allowed: a positive finite number"));
}

TEST_CASE("ProblemFromJson shows a value too large for an int as written", "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"n": 1000000000000})") ==
          "lessons/intro.json: problem: field \"n\" is 1000000000000; allowed: 1..8192");
}

TEST_CASE("ProblemFromJson refuses a rank larger than d for the lowrank pattern",
          "[problem_json]") {
  REQUIRE_THAT(ProblemMessage(R"({"pattern": "lowrank", "d": 16, "rank": 32})"),
               Contains("field \"rank\" is 32; allowed: 1..min(d, 64)"));
}

TEST_CASE("ProblemFromJson refuses an unknown key and lists the known ones", "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"heads": 8})") ==
          "lessons/intro.json: problem: unknown field \"heads\"; allowed: n, d, br, bc, causal, "
          "scale, seed, pattern, rank, q, k, v, dout, precision, softmax, beta, eps, order");
}

TEST_CASE("ProblemFromJson refuses a value of the wrong type and says which type is allowed",
          "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"br": "64"})") ==
          "lessons/intro.json: problem: field \"br\" is \"64\" (string); allowed: an integer");
  REQUIRE_THAT(ProblemMessage(R"({"n": 64.5})"),
               Contains("field \"n\" is 64.5 (number); allowed: an integer"));
  REQUIRE_THAT(ProblemMessage(R"({"causal": 1})"),
               Contains("field \"causal\" is 1 (number); allowed: true or false"));
  REQUIRE_THAT(ProblemMessage(R"({"scale": "auto"})"),
               Contains("field \"scale\" is \"auto\" (string); allowed: a number"));
}

TEST_CASE("ProblemFromJson refuses an unknown pattern and lists the choices", "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"pattern": "zipf"})") ==
          "lessons/intro.json: problem: field \"pattern\" is \"zipf\"; allowed: random, sink, "
          "tied, lowrank, npy, drift");
}

TEST_CASE("ProblemFromJson refuses a negative seed", "[problem_json]") {
  REQUIRE_THAT(ProblemMessage(R"({"seed": -1})"),
               Contains("field \"seed\" is -1; allowed: an integer from 0 to "
                        "18446744073709551615"));
}

TEST_CASE("ProblemFromJson refuses q, k, v when the pattern does not read them",
          "[problem_json]") {
  REQUIRE_THAT(ProblemMessage(R"({"pattern": "sink", "q": "q.npy"})"),
               Contains("field \"q\" is set but pattern is \"sink\"") &&
                   Contains("only with pattern \"npy\""));
}

TEST_CASE("ProblemFromJson asks for q, k and v with pattern npy", "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"pattern": "npy", "q": "q.npy"})") ==
          "lessons/intro.json: problem: pattern \"npy\" needs the fields \"q\", \"k\" and \"v\" "
          "(paths of .npy files, float32 or float16, N x d); missing or empty: \"k\", \"v\"");
}

TEST_CASE("ProblemFromJson reports every fault at once, one per line", "[problem_json]") {
  REQUIRE(ProblemMessage(R"({"br": 48, "d": 20, "colour": "red"})") ==
          "lessons/intro.json: problem: unknown field \"colour\"; allowed: n, d, br, bc, causal, "
          "scale, seed, pattern, rank, q, k, v, dout, precision, softmax, beta, eps, order\n"
          "lessons/intro.json: problem: field \"d\" is 20; allowed: 16, 32, 64, 96, 128\n"
          "lessons/intro.json: problem: field \"br\" is 48; allowed: 16, 32, 64, 128");
}

TEST_CASE("ProblemFromJson refuses something that is not an object", "[problem_json]") {
  REQUIRE(ProblemMessage("[256, 64]") ==
          "lessons/intro.json: problem: is [256,64] (array); allowed: an object with the fields "
          "n, d, br, bc, causal, scale, seed, pattern, rank, q, k, v, dout, precision, softmax, beta, eps, order");
}

// ---- trace files: round trip and format ------------------------------------------------------

TEST_CASE("A saved then loaded trace equals the original bit for bit", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("small.fstrace");
  const fs::Trace t = SmallTrace();
  fs::SaveTrace(path, t);
  const fs::Trace u = fs::LoadTrace(path);

  REQUIRE(u.problem == t.problem);
  REQUIRE(u.layout.step_floats == t.layout.step_floats);
  REQUIRE(u.layout == t.layout);
  REQUIRE(SameSteps(u.steps, t.steps));
  REQUIRE(SameBits(u.data, t.data));  // poisoned rows past N included
  REQUIRE(SameBits(u.o, t.o));
  REQUIRE(SameBits(u.lse, t.lse));
}

TEST_CASE("A trace file keeps where the trace came from", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("small.fstrace");
  const fs::Trace t = SmallTrace();
  fs::SaveTrace(path, t);
  const fs::Trace u = fs::LoadTrace(path);
  REQUIRE(u.backend == "CPU emulation");
  REQUIRE(u.device == "Test CPU");
  REQUIRE(u.host == "testhost");
  REQUIRE(u.recorded_at == "2026-11-22T10:00:00Z");
  REQUIRE(u.kernel_ms == 0.125);
}

TEST_CASE("A trace file is magic, version 2, a JSON header, float32 arrays and a checksum",
          "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("small.fstrace");
  const fs::Trace t = SmallTrace();
  fs::SaveTrace(path, t);
  const std::string file = ReadBytes(path);

  REQUIRE(file.substr(0, 8) == std::string("FSTRACE\0", 8));
  REQUIRE(GetLe(file, 8, 4) == 2);
  const json header = Header(file);
  // Every field of a step record is named in the header with its offset and shape: FA2's
  // eleven (FA1's own three are not in an FA2 record).
  REQUIRE(header["layout"]["fields"].size() == 11);
  REQUIRE(fs::kTraceFieldCount == 14);
  REQUIRE(header["layout"]["fields"][6]["name"] == "O~");
  REQUIRE(header["layout"]["fields"][6]["offset"] == t.layout.offset[fs::kOAcc]);
  REQUIRE(header["problem"] == fs::ProblemToJson(t.problem));
  REQUIRE(header["layout"]["step_floats"] == t.layout.step_floats);
  REQUIRE(header["layout"]["br"] == 32);
  REQUIRE(header["steps"] == t.steps.size());
  REQUIRE(header["arrays"]["data"]["floats"] == t.data.size());
  REQUIRE(header["arrays"]["o"]["floats"] == t.o.size());
  REQUIRE(header["arrays"]["lse"]["floats"] == t.lse.size());
  REQUIRE(header["notes"].is_string());

  const size_t payload_at = 16 + HeaderBytes(file);
  REQUIRE(file.size() == payload_at + 4 * (t.data.size() + t.o.size() + t.lse.size()) + 8);
  float first_o;
  std::memcpy(&first_o, file.data() + payload_at + 4 * t.data.size(), 4);
  REQUIRE(std::memcmp(&first_o, &t.o[0], 4) == 0);  // little-endian host
}

TEST_CASE("A trace file ends with FNV-1a 64 of every byte before it", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("small.fstrace");
  fs::SaveTrace(path, SmallTrace());
  const std::string file = ReadBytes(path);
  REQUIRE(GetLe(file, file.size() - 8, 8) == Fnv1a64(file.substr(0, file.size() - 8)));
}

TEST_CASE("SaveTrace replaces an existing file and leaves no temporary file behind",
          "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("t.fstrace");
  fs::SaveTrace(path, SmallTrace());
  fs::Problem other = SmallProblem();
  other.causal = false;
  fs::SaveTrace(path, SmallTrace(other));
  REQUIRE(fs::LoadTrace(path).problem == other);
  REQUIRE(fs_test::FileNames(dir) == std::vector<std::string>{"t.fstrace"});
}

TEST_CASE("A save never takes over an existing file named like its temporary file", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("t.fstrace");
  WriteBytes(path + ".tmp", "someone else's file");
  fs::SaveTrace(path, SmallTrace());
  REQUIRE(fs::LoadTrace(path).problem == SmallProblem());
  REQUIRE(ReadBytes(path + ".tmp") == "someone else's file");
}

TEST_CASE("SaveTrace refuses a trace whose arrays do not fit its problem", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("t.fstrace");
  fs::Trace t = SmallTrace();
  t.o.pop_back();
  REQUIRE_THROWS_WITH(fs::SaveTrace(path, t),
                      Contains(path) && Contains("cannot save") && Contains("floats of O"));
  REQUIRE(fs_test::FileNames(dir).empty());
}

// ---- trace files: refusals -------------------------------------------------------------------

TEST_CASE("LoadTrace names a file that does not exist", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("missing.fstrace");
  REQUIRE_THROWS_AS(fs::LoadTrace(path), fs::TraceFileError);
  REQUIRE_THROWS_WITH(fs::LoadTrace(path), Contains(path) && Contains("cannot open"));
}

TEST_CASE("LoadTrace refuses a directory given as a file", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("");
  REQUIRE_THROWS_WITH(fs::LoadTrace(path), Contains(path) && Contains("not a regular file"));
}

TEST_CASE("LoadTrace refuses a file that is not a trace", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("notes.txt");
  for (const std::string& content : {std::string("hello, this is text\n"), std::string()}) {
    WriteBytes(path, content);
    REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                        Contains(path) && Contains("not a FlashScope trace file"));
  }
}

TEST_CASE("LoadTrace recognises a .npy file passed as a trace", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("q.npy");
  const std::vector<float> values(32, 1.0f);
  fs::SaveNpy(path, values.data(), {2, 16});
  REQUIRE_THROWS_WITH(fs::LoadTrace(path), Contains(path) &&
                                               Contains("not a FlashScope trace file") &&
                                               Contains("it is a .npy array"));
}

TEST_CASE("LoadTrace says which version it reads when the file is newer", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("future.fstrace");
  fs::SaveTrace(path, SmallTrace());
  std::string file = ReadBytes(path);
  PutLe(&file, 8, 3, 4);
  WriteBytes(path, file);
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) &&
                          Contains("trace format version 3 is from a newer FlashScope") &&
                          Contains("this build reads version 2"));
}

TEST_CASE("LoadTrace refuses a version 1 file and says to record it again", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("old.fstrace");
  fs::SaveTrace(path, SmallTrace());
  std::string file = ReadBytes(path);
  PutLe(&file, 8, 1, 4);
  WriteBytes(path, file);
  REQUIRE_THROWS_WITH(fs::LoadTrace(path), Contains(path) && Contains("version 1 is from an older FlashScope") &&
                                               Contains("record the trace again"));
}

TEST_CASE("LoadTrace refuses an older or unknown version, saying which it reads", "[trace_file]") {
  // Only the current version is read: an older layout would be misread, not converted.
  TempDir dir;
  const std::string path = dir.File("old.fstrace");
  fs::SaveTrace(path, SmallTrace());
  const std::string saved = ReadBytes(path);
  REQUIRE(GetLe(saved, 8, 4) == 2);
  for (uint64_t version : {0ull, 0xFFFFFFFFull}) {
    INFO("version " << version);
    std::string file = saved;
    PutLe(&file, 8, version, 4);
    WriteBytes(path, file);
    const std::string said = version > 2 ? " is from a newer FlashScope" : " is unknown";
    REQUIRE_THROWS_WITH(fs::LoadTrace(path), Contains(path) &&
                                                 Contains("trace format version " + std::to_string(version) + said) &&
                                                 Contains("this build reads version 2"));
  }
  WriteBytes(path, saved);
  CHECK_NOTHROW(fs::LoadTrace(path));
}

TEST_CASE("LoadTrace reports one flipped payload byte as a checksum mismatch", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("flipped.fstrace");
  fs::SaveTrace(path, SmallTrace());
  std::string file = ReadBytes(path);
  file[16 + HeaderBytes(file) + 1000] ^= 0x01;
  WriteBytes(path, file);
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("damaged: checksum mismatch"));
}

TEST_CASE("LoadTrace reports a changed header byte as a checksum mismatch", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("edited.fstrace");
  fs::SaveTrace(path, SmallTrace());
  std::string file = ReadBytes(path);
  const size_t at = file.find("testhost");
  REQUIRE(at < 16 + HeaderBytes(file));
  file[at] = 'b';
  WriteBytes(path, file);
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("damaged: checksum mismatch"));
}

TEST_CASE("LoadTrace reports a cut-off file as truncated, wherever it was cut", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("cut.fstrace");
  fs::SaveTrace(path, SmallTrace());
  const std::string whole = ReadBytes(path);
  const size_t payload_at = 16 + HeaderBytes(whole);
  for (size_t keep : {size_t{12}, size_t{16}, size_t{100}, payload_at, payload_at + 4001,
                      whole.size() - 8, whole.size() - 1}) {
    INFO("kept " << keep << " of " << whole.size() << " bytes");
    WriteBytes(path, whole.substr(0, keep));
    REQUIRE_THROWS_WITH(fs::LoadTrace(path), Contains(path) && Contains("truncated"));
  }
}

TEST_CASE("LoadTrace reports bytes after the checksum as damage", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("long.fstrace");
  fs::SaveTrace(path, SmallTrace());
  WriteBytes(path, ReadBytes(path) + "extra");
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("damaged: the file has 5 bytes more"));
}

TEST_CASE("LoadTrace refuses a file larger than any trace before reading it", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("huge.fstrace");
  fs::SaveTrace(path, SmallTrace());
  std::filesystem::resize_file(path, fs::kTraceBudgetBytes + (64ull << 20));  // sparse
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("larger than any trace can be"));
}

TEST_CASE("LoadTrace refuses a header whose problem is invalid, naming the field",
          "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("bad_problem.fstrace");
  fs::SaveTrace(path, SmallTrace());
  EditHeader(path, [](json& h) { h["problem"]["br"] = 48; });
  REQUIRE_THROWS_AS(fs::LoadTrace(path), fs::TraceFileError);
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path + ": header.problem: field \"br\" is 48; allowed: 16, 32, "
                                      "64, 128"));
}

TEST_CASE("LoadTrace refuses a header whose layout is not its problem's", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("bad_layout.fstrace");
  fs::SaveTrace(path, SmallTrace());
  EditHeader(path, [](json& h) { h["layout"]["step_floats"] = 1234; });
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("layout") && Contains("does not match"));
}

TEST_CASE("LoadTrace refuses a step count that PlanSteps does not give", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("bad_steps.fstrace");
  const fs::Trace t = SmallTrace();
  fs::SaveTrace(path, t);
  EditHeader(path, [](json& h) { h["steps"] = h["steps"].get<int>() + 1; });
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) &&
                          Contains("says " + std::to_string(t.steps.size() + 1) + " steps") &&
                          Contains("has " + std::to_string(t.steps.size())));
}

TEST_CASE("LoadTrace refuses array sizes that do not fit the problem", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("bad_sizes.fstrace");
  fs::SaveTrace(path, SmallTrace());
  // Same total, so the file size still agrees: only the split between arrays is wrong.
  EditHeader(path, [](json& h) {
    h["arrays"]["data"]["floats"] = h["arrays"]["data"]["floats"].get<uint64_t>() - 1;
    h["arrays"]["o"]["floats"] = h["arrays"]["o"]["floats"].get<uint64_t>() + 1;
  });
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("\"arrays.data.floats\"") &&
                          Contains("needs"));
}

TEST_CASE("LoadTrace refuses a header without the problem", "[trace_file]") {
  TempDir dir;
  const std::string path = dir.File("no_problem.fstrace");
  fs::SaveTrace(path, SmallTrace());
  EditHeader(path, [](json& h) { h.erase("problem"); });
  REQUIRE_THROWS_WITH(fs::LoadTrace(path),
                      Contains(path) && Contains("lacks the field \"problem\""));
}

// ---- provenance ------------------------------------------------------------------------------

TEST_CASE("TraceProvenance is one line saying backend, device, host, time and kernel time",
          "[trace_file]") {
  fs::Trace t;
  t.backend = "CUDA";
  t.device = "NVIDIA H100 80GB HBM3";
  t.host = "gpu01";
  t.recorded_at = "2026-11-22T10:00:00Z";
  t.kernel_ms = 0.12;
  REQUIRE(fs::TraceProvenance(t) ==
          "recorded with CUDA on NVIDIA H100 80GB HBM3 (host gpu01) at 2026-11-22T10:00:00Z, "
          "kernel 0.12 ms");
}

TEST_CASE("TraceProvenance leaves out what is not known", "[trace_file]") {
  fs::Trace t;
  t.backend = "CPU emulation";
  REQUIRE(fs::TraceProvenance(t) == "recorded with CPU emulation");
  t.kernel_ms = 0.0123;
  REQUIRE(fs::TraceProvenance(t) == "recorded with CPU emulation, kernel 0.0123 ms");
}

TEST_CASE("the trace digest is of the numbers alone: equal for the same bits, changed by any one bit",
          "[trace_file][digest]") {
  fs::Problem p = fs_test::ProblemOf(77, 16, 32, 16, true);
  fs::Trace a = fs::EmulateTraced(p, fs::MakeInputs(p));
  fs::Trace b = fs::EmulateTraced(p, fs::MakeInputs(p));
  b.backend = "elsewhere";
  b.host = "another machine";
  b.recorded_at = "2000-01-01T00:00:00Z";
  b.kernel_ms = 123.0;
  const uint64_t digest = fs::TraceDigest(a);
  CHECK(fs::TraceDigest(b) == digest);
  // One bit of a step record, of O and of L: each changes it.
  for (std::vector<float>* v : {&b.data, &b.o, &b.lse}) {
    const size_t at = v->size() / 2;
    uint32_t bits;
    std::memcpy(&bits, &(*v)[at], sizeof bits);
    bits ^= 1u;
    std::memcpy(&(*v)[at], &bits, sizeof bits);
    CHECK(fs::TraceDigest(b) != digest);
    bits ^= 1u;
    std::memcpy(&(*v)[at], &bits, sizeof bits);
    CHECK(fs::TraceDigest(b) == digest);
  }
  // Another seed, another digest.
  p.seed += 1;
  CHECK(fs::TraceDigest(fs::EmulateTraced(p, fs::MakeInputs(p))) != digest);
}
