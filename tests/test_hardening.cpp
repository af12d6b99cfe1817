// Known nasty inputs are refused with a short, escaped message that names the file and the
// field, never with a crash: deep nesting, huge declared shapes and strings, terminal escape
// sequences, numbers that do not fit, values that are not finite.
//
// Sections: helpers - excerpts and bounded JSON - .npy - lessons - trace headers - values
// that are not finite.
#include "catch2/catch.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "emulate.h"
#include "excerpt.h"
#include "inputs.h"
#include "json_text.h"
#include "lesson.h"
#include "npy.h"
#include "test_files.h"
#include "test_util.h"
#include "trace_file.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::NpyBytes;
using fs_test::SmallProblem;
using fs_test::TempDir;

// A message that quotes a file is at most a few hundred bytes, whatever the file holds: the
// path, the field, an excerpt of at most 80 characters and what is allowed.
constexpr size_t kShortMessage = 600;

// No byte that a terminal acts on (ESC, BEL, ...) and nothing from outside ASCII.
bool Printable(const std::string& message) {
  for (const char ch : message) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n') || c >= 0x7F) return false;
  }
  return true;
}

template <typename Error, typename F>
std::string MessageOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

std::string NpyMessage(const std::string& bytes) {
  return MessageOf<fs::NpyError>([&] { fs::ParseNpy(bytes, "q.npy"); });
}

std::string LessonMessage(const std::string& text) {
  return MessageOf<fs::LessonError>([&] { fs::ParseLesson(text, "lessons/x.json"); });
}

std::string TraceMessage(const std::string& bytes) {
  return MessageOf<fs::TraceFileError>([&] { fs::ParseTrace(bytes, "t.fstrace"); });
}

std::string NpyHeader(const std::string& descr, const std::string& shape) {
  return "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }";
}

// A lesson with `problem` and one beat with `beat_fields` added (JSON text, may be empty).
std::string Lesson(const std::string& problem, const std::string& beat_fields = "",
                   const std::string& title = "t") {
  return R"({"title": ")" + title + R"(", "problem": )" + problem + R"(, "beats": [{"title": "a", "text": "b")" +
         (beat_fields.empty() ? "" : ", " + beat_fields) + "}]}";
}

std::string Nested(char open, char close, size_t depth) {
  return std::string(depth, open) + std::string(depth, close);
}

// The bytes of a valid trace file of SmallProblem().
std::string SmallTraceBytes() {
  TempDir dir;
  const fs::Problem p = SmallProblem();
  fs::SaveTrace(dir.File("t.fstrace"), fs::EmulateTraced(p, fs::MakeInputs(p)));
  return fs_test::ReadBytes(dir.File("t.fstrace"));
}

// SmallTraceBytes() with one header field replaced by `value` (JSON text), checksum fixed.
std::string TraceWithField(const std::string& key, const std::string& value) {
  const std::string file = SmallTraceBytes();
  nlohmann::json header = nlohmann::json::parse(fs_test::TraceHeader(file));
  header[key] = nullptr;
  std::string text = header.dump();
  const std::string placeholder = "\"" + key + "\":null";
  text.replace(text.find(placeholder), placeholder.size(), "\"" + key + "\":" + value);
  return fs_test::WithTraceHeader(file, text);
}

}  // namespace

// ---- excerpts and bounded JSON ---------------------------------------------------------------

TEST_CASE("Excerpt escapes every byte a terminal would act on and cuts long text", "[hardening]") {
  CHECK(fs::Excerpt("<f4") == "\"<f4\"");
  CHECK(fs::Excerpt("\x1b]0;title\x07\x1b[2J") == "\"\\x1b]0;title\\x07\\x1b[2J\"");
  CHECK(fs::Excerpt("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
  CHECK(fs::Excerpt("\xc3\xa9") == "\"\\xc3\\xa9\"");
  const std::string excerpt = fs::Excerpt(std::string(900000, 'A'));
  CHECK(excerpt.size() < 120);
  CHECK_THAT(excerpt, Contains("(900000 bytes)"));
}

TEST_CASE("JsonExcerpt shows a value 100,000 levels deep in a few characters", "[hardening]") {
  const nlohmann::json deep = fs::ParseJsonText(Nested('[', ']', 60), "x.json");
  const std::string shown = fs::JsonExcerpt(deep);
  CHECK(shown.size() < 40);
  CHECK_THAT(shown, Contains("[[[[...]]]]"));
  CHECK(fs::JsonExcerpt(nlohmann::json::parse(R"({"a": [1, "x\u001b"]})")) == "{\"a\":[1,\"x\\x1b\"]}");
}

TEST_CASE("ParseJsonText refuses nesting deeper than 64 levels, saying where", "[hardening]") {
  CHECK_NOTHROW(fs::ParseJsonText(Nested('[', ']', 64), "x.json"));
  CHECK_THROWS_WITH(fs::ParseJsonText(Nested('[', ']', 100000), "x.json"),
                    Contains("x.json: nesting deeper than 64 levels") && Contains("allowed: at most 64"));
  CHECK_THROWS_WITH(fs::ParseJsonText(R"({"beats": [{"text": )" + Nested('[', ']', 100000) + "}]}", "x.json"),
                    Contains("at \"beats[0].text") && Contains("nesting deeper than 64"));
}

TEST_CASE("ParseJsonText names the field of a number too large for a double", "[hardening]") {
  CHECK_THROWS_WITH(fs::ParseJsonText(R"({"problem": {"n": 64, "scale": 1e400}})", "x.json"),
                    Contains("x.json: field \"problem.scale\" is 1e400, too large for a number"));
  CHECK_THROWS_WITH(fs::ParseJsonText(R"([0, 1, -2e999])", "x.json"), Contains("field \"[2]\" is -2e999"));
}

TEST_CASE("ParseJsonText quotes a syntax error briefly, whatever the text holds", "[hardening]") {
  const std::string text = "{\"a\": \"" + std::string(900000, 'A') + "\x1b[2J";  // unterminated
  const std::string message = MessageOf<fs::JsonTextError>([&] { fs::ParseJsonText(text, "x.json"); });
  CHECK_THAT(message, Contains("x.json: not valid JSON at line 1"));
  CHECK(message.size() < kShortMessage);
  CHECK(Printable(message));
}

// ---- .npy ------------------------------------------------------------------------------------

TEST_CASE("a .npy header nested 30,000 deep is refused, not a stack overflow", "[hardening][npy]") {
  const std::string message = NpyMessage(NpyBytes(NpyHeader("'<f4'", Nested('(', ')', 30000)), ""));
  CHECK_THAT(message, Contains("q.npy: the .npy header is malformed (nesting deeper than 8 levels"));
  CHECK(message.size() < kShortMessage);
}

TEST_CASE("a malformed 60 KB .npy header is quoted in a short excerpt", "[hardening][npy]") {
  const std::string message = NpyMessage(NpyBytes("{'descr': '" + std::string(60000, 'A'), ""));
  CHECK_THAT(message, Contains("unterminated string"));
  CHECK(message.size() < kShortMessage);
}

TEST_CASE("a .npy header larger than 64 KiB is refused before it is read", "[hardening][npy]") {
  CHECK_THAT(NpyMessage(NpyBytes(NpyHeader("'<f4'", "(4, 16)") + std::string(900000, ' '), "", 2)),
             Contains("allowed: at most 65536"));
}

TEST_CASE("a dtype holding terminal escape sequences is shown escaped", "[hardening][npy]") {
  const std::string message = NpyMessage(NpyBytes(NpyHeader("'\x1b]0;pwned\x07\x1b[2J'", "(4, 16)"), ""));
  CHECK_THAT(message, Contains("dtype \"\\x1b]0;pwned\\x07\\x1b[2J\" is not supported"));
  CHECK(Printable(message));
}

TEST_CASE("Q, K and V files are refused by their declared shape before their data is read",
          "[hardening][npy]") {
  TempDir dir;
  // Headers only: declaring 100,000 rows, or a 2^40 x 64 array, costs nothing to read.
  for (const char* shape : {"(100000, 64)", "(1099511627776, 64)", "(8, 64, 1073741824)"}) {
    INFO(shape);
    fs_test::WriteBytes(dir.File("q.npy"), NpyBytes(NpyHeader("'<f4'", shape), ""));
    const std::string message = MessageOf<fs::NpyError>(
        [&] { fs::LoadQkvNpy(dir.File("q.npy"), dir.File("q.npy"), dir.File("q.npy")); });
    CHECK_THAT(message, Contains(dir.File("q.npy")) && Contains("allowed: a 2-D array (N, d)"));
    CHECK_THAT(message, !Contains("truncated"));
  }
}

TEST_CASE("NaN or infinity in Q, K or V files is refused with the first bad place", "[hardening][npy]") {
  TempDir dir;
  std::vector<float> values(8 * 16, 0.5f);
  fs::SaveNpy(dir.File("ok.npy"), values.data(), {8, 16});
  values[2 * 16 + 5] = std::numeric_limits<float>::quiet_NaN();
  values[7 * 16] = std::numeric_limits<float>::infinity();
  fs::SaveNpy(dir.File("bad.npy"), values.data(), {8, 16});
  CHECK_THROWS_WITH(fs::LoadQkvNpy(dir.File("ok.npy"), dir.File("bad.npy"), dir.File("ok.npy")),
                    Contains(dir.File("bad.npy") + ": K has nan at row 2, col 5; allowed: finite numbers"));
}

// ---- lessons ---------------------------------------------------------------------------------

TEST_CASE("a lesson value nested 100,000 deep is refused, not a stack overflow", "[hardening][lesson]") {
  const std::string message = LessonMessage(Lesson(R"({"n": )" + Nested('[', ']', 100000) + "}"));
  CHECK_THAT(message, Contains("lessons/x.json: nesting deeper than 64 levels at \"problem.n"));
  CHECK(message.size() < kShortMessage);
  CHECK_THAT(LessonMessage(Lesson("{}", R"("panels": )" + Nested('[', ']', 60))),
             Contains("beats[0]: panel [[[[") && Contains("...]]]]") && Contains("] is not known"));
}

TEST_CASE("a lesson title or text too long for the window is refused with the limit", "[hardening][lesson]") {
  // Dear ImGui 1.86 aborts on a text item of about 16,400 characters; 17,000 used to get there.
  CHECK_THAT(LessonMessage(Lesson("{}", "", std::string(17000, 'x'))),
             Contains("lessons/x.json: field \"title\" is 17000 characters long") &&
                 Contains("allowed: at most 200"));
  CHECK_THAT(LessonMessage(Lesson("{}", R"("text": ")" + std::string(4001, 'y') + "\"")),
             Contains("beats[0]: field \"text\" is 4001 characters long") && Contains("allowed: at most 4000"));
  // The limits count characters, not bytes: 200 two-byte characters are allowed.
  std::string accents;
  for (int i = 0; i < 200; ++i) accents += "\xc3\xa9";
  CHECK(LessonMessage(Lesson("{}", R"("text": ")" + std::string(4000, 'y') + "\"", accents)) == "(accepted)");
}

TEST_CASE("a lesson larger than 1 MiB is refused before it is parsed", "[hardening][lesson]") {
  const std::string huge = Lesson("{}", R"("text": ")" + std::string(2u << 20, 'z') + "\"");
  CHECK_THAT(LessonMessage(huge), Contains("lessons/x.json: the lesson is") && Contains("allowed: at most 1048576"));
  // A file that never ends is read only as far as the limit.
  CHECK_THROWS_WITH(fs::LoadLesson("/dev/zero"), Contains("/dev/zero: the lesson file is larger than 1048576"));
}

TEST_CASE("a beat step or row beyond 2^63 is refused and shown as written", "[hardening][lesson]") {
  const std::string problem = R"({"n": 64, "br": 32, "bc": 32})";
  CHECK_THAT(LessonMessage(Lesson(problem, R"("step": 18446744073709551615)")),
             Contains("beats[0]: field \"step\" is 18446744073709551615; allowed: -1..3"));
  CHECK_THAT(LessonMessage(Lesson(problem, R"("row": 18446744073709551606)")),
             Contains("beats[0]: field \"row\" is 18446744073709551606; allowed: -1..63"));
  CHECK_THAT(LessonMessage(Lesson(problem, R"("row": -9223372036854775808)")),
             Contains("field \"row\" is -9223372036854775808"));
}

TEST_CASE("a softmax scale that overflows or rounds to 0 is refused, naming file and field",
          "[hardening][lesson]") {
  CHECK_THAT(LessonMessage(Lesson(R"({"scale": 1e400})")),
             Contains("lessons/x.json: field \"problem.scale\" is 1e400, too large for a number"));
  CHECK_THAT(LessonMessage(Lesson(R"({"scale": 1e-46})")),
             Contains("problem: field \"scale\" is 1e-46; allowed: a positive finite number from 1.2e-38"));
  CHECK_THAT(LessonMessage(Lesson(R"({"scale": 1e39})")), Contains("field \"scale\" is 1e+39; allowed"));
  CHECK_THAT(LessonMessage(Lesson(R"({"scale": -1e39})")), Contains("field \"scale\" is -1e+39; allowed"));
}

TEST_CASE("keys and strings from a lesson are quoted escaped and short", "[hardening][lesson]") {
  const std::string message = LessonMessage(Lesson("{}", "\"\\u001b[2Jcolour\": 1"));
  CHECK_THAT(message, Contains("unknown field \"\\x1b[2Jcolour\""));
  CHECK(Printable(message));
  const std::string pattern = LessonMessage(Lesson(R"({"pattern": ")" + std::string(500000, 'p') + "\"}"));
  CHECK_THAT(pattern, Contains("field \"pattern\" is \"pppp") && Contains("(500000 bytes)"));
  CHECK(pattern.size() < kShortMessage);
}

TEST_CASE("a lesson with thousands of unknown problem fields gets a message of a few lines",
          "[hardening][lesson]") {
  std::string problem = "{";
  for (int i = 0; i < 5000; ++i) problem += (i ? ", " : "") + std::string("\"k") + std::to_string(i) + "\": 1";
  const std::string message = LessonMessage(Lesson(problem + "}"));
  CHECK_THAT(message, Contains("and 4992 more problems"));
  CHECK(message.size() < 8 * kShortMessage);
}

TEST_CASE("a misspelt top-level lesson field is refused, not ignored", "[hardening][lesson]") {
  CHECK_THAT(LessonMessage(R"({"title": "t", "problem": {}, "beats": [{"title": "a", "text": "b"}], "sumary": "x"})"),
             Contains("lessons/x.json: unknown field \"sumary\"; allowed: title, summary, problem, beats"));
}

TEST_CASE("paths in a problem are refused with control characters", "[hardening][lesson]") {
  CHECK_THAT(LessonMessage(Lesson(R"({"pattern": "npy", "q": "a\u001b[2J.npy", "k": "k.npy", "v": "v.npy"})")),
             Contains("field \"q\" is \"a\\x1b[2J.npy\"; allowed: a file path"));
}

// ---- trace headers ---------------------------------------------------------------------------

TEST_CASE("a trace header value nested 100,000 deep is refused, not a stack overflow", "[hardening][trace]") {
  const std::string message = TraceMessage(TraceWithField("backend", Nested('[', ']', 100000)));
  CHECK_THAT(message, Contains("t.fstrace: damaged: the header: nesting deeper than 64 levels at \"backend"));
  CHECK(message.size() < kShortMessage);
}

TEST_CASE("a trace header's format, dtype, byte order and array shapes are checked", "[hardening][trace]") {
  CHECK(TraceMessage(SmallTraceBytes()) == "(accepted)");
  CHECK_THAT(TraceMessage(TraceWithField("format", R"("FlashScope trace v9")")),
             Contains("not a FlashScope trace file: header field \"format\" is \"FlashScope trace v9\""));
  CHECK_THAT(TraceMessage(TraceWithField("dtype", R"("float64")")),
             Contains("header field \"dtype\" is \"float64\"; allowed: \"float32\""));
  CHECK_THAT(TraceMessage(TraceWithField("byte_order", R"("big")")),
             Contains("header field \"byte_order\" is \"big\"; allowed: \"little\""));
  const std::string file = SmallTraceBytes();
  nlohmann::json header = nlohmann::json::parse(fs_test::TraceHeader(file));
  header["arrays"]["o"]["shape"] = {16, 32};
  CHECK_THAT(TraceMessage(fs_test::WithTraceHeader(file, header.dump())),
             Contains("header field \"arrays.o.shape\" is [16,32]") && Contains("needs [32,16]"));
}

TEST_CASE("a trace's provenance is refused when too long for the status line or holding escapes",
          "[hardening][trace]") {
  CHECK_THAT(TraceMessage(TraceWithField("device", "\"" + std::string(20000, 'D') + "\"")),
             Contains("header field \"device\" is \"DDDD") && Contains("at most 200 characters"));
  const std::string message = TraceMessage(TraceWithField("host", R"("gpu01\u001b]0;pwned\u0007")"));
  CHECK_THAT(message, Contains("header field \"host\" is \"gpu01\\x1b]0;pwned\\x07\""));
  CHECK(Printable(message));
}

TEST_CASE("a trace whose provenance could not be loaded back is not saved", "[hardening][trace]") {
  TempDir dir;
  const fs::Problem p = SmallProblem();
  fs::Trace t = fs::EmulateTraced(p, fs::MakeInputs(p));
  t.host = "gpu01\x1b[2J";
  CHECK_THROWS_WITH(fs::SaveTrace(dir.File("t.fstrace"), t),
                    Contains("cannot save: the trace's host is \"gpu01\\x1b[2J\"; allowed: a string of at most 200"));
  CHECK(fs_test::FileNames(dir).empty());
}

TEST_CASE("a 900 KB value in a trace header is quoted briefly", "[hardening][trace]") {
  const std::string file = SmallTraceBytes();
  nlohmann::json header = nlohmann::json::parse(fs_test::TraceHeader(file));
  header["arrays"]["data"]["floats"] = std::string(900000, 'F');
  const std::string message = TraceMessage(fs_test::WithTraceHeader(file, header.dump()));
  CHECK_THAT(message, Contains("header field \"arrays.data.floats\" is \"FFFF"));
  CHECK(message.size() < kShortMessage);
}

// ---- values that are not finite ------------------------------------------------------------

TEST_CASE("every backend's input check refuses NaN and infinity with the first bad place", "[hardening]") {
  const fs::Problem p = SmallProblem();
  fs::Inputs in = fs::MakeInputs(p);
  in.k[1 * p.d + 2] = -std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(fs::EmulateTraced(p, in), Contains("K has -inf at row 1, col 2; allowed: finite numbers"));
}

TEST_CASE("a softmax scale that overflows the scores is refused with the largest that would not",
          "[hardening]") {
  fs::Problem p = SmallProblem();
  p.scale = 1e38f;
  const fs::Inputs in = fs::MakeInputs(p);
  CHECK_THROWS_AS(fs::EmulateTraced(p, in), fs::ProblemError);
  CHECK_THROWS_WITH(fs::Emulate(p, in), Contains("the softmax scale 1e+38 makes the scores of query row 0 overflow") &&
                                            Contains("allowed: a scale of at most"));
  p.scale = 1e30f;  // large, but every score still fits: accepted
  CHECK_NOTHROW(fs::EmulateTraced(p, in));
}

TEST_CASE("values of V whose weighted sum overflows are refused, not turned into inf", "[hardening]") {
  const fs::Problem p = SmallProblem();
  fs::Inputs in = fs::MakeInputs(p);
  for (float& v : in.v) v = 3e38f;
  CHECK_THROWS_WITH(fs::Emulate(p, in), Contains("weighted sum of V overflows float32"));
}
