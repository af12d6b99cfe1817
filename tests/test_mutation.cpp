// Every parser meets thousands of mutated copies of the seed corpus (tests/fuzz/corpus) on
// every test run. Each input must give the parser's own result or its own typed error, and
// every error message must be short and printable; any other exception, a crash, or an
// accepted input that breaks the parser's promises fails the test and names the input.
// (The libFuzzer harnesses in tests/fuzz go further on the same corpus; see .ci/fuzz.)
#include "catch2/catch.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "excerpt.h"
#include "fuzz/mutate.h"
#include "lesson.h"
#include "npy.h"
#include "test_files.h"
#include "test_util.h"
#include "trace_file.h"

namespace {

constexpr int kMutationsPerParser = 5000;
constexpr size_t kLongestMessage = 4096;  // up to 8 problems of a few hundred bytes each

std::vector<std::string> Seeds(const std::string& parser) {
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FS_SOURCE_DIR) + "/tests/fuzz/corpus/" + parser))
    paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> seeds;
  for (const auto& p : paths) seeds.push_back(fs_test::ReadBytes(p));
  return seeds;
}

bool Printable(const std::string& message) {
  for (const char ch : message) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n') || c >= 0x7F) return false;
  }
  return true;
}

// Runs `parse` on mutations of every seed; `parse` returns "" when the input was handled as
// promised, otherwise what went wrong. Typed errors are caught by `parse` itself. Returns
// how many inputs were accepted.
template <typename Parse>
int MutateAndParse(const std::string& parser, char open, char close, uint64_t rng_seed, Parse parse) {
  const std::vector<std::string> seeds = Seeds(parser);
  REQUIRE(seeds.size() >= 2);
  fs_test::Mutator mutator(rng_seed);
  int failures = 0, accepted = 0;
  for (int i = 0; i < kMutationsPerParser && failures < 5; ++i) {
    const std::string& seed = seeds[i % seeds.size()];
    const std::string input = mutator.Mutate(seed, seeds[(i + 1) % seeds.size()], open, close);
    std::string problem;
    try {
      problem = parse(input, mutator, &accepted);
    } catch (const std::exception& e) {
      problem = std::string("unexpected exception: ") + e.what();
    }
    if (!problem.empty()) {
      ++failures;
      FAIL_CHECK(parser << " mutation " << i << " (" << input.size() << " bytes, starting "
                        << fs::Excerpt(input.substr(0, 200)) << "): " << fs::Excerpt(problem));
    }
  }
  return accepted;
}

// "" for a short, printable message; what is wrong with it otherwise.
std::string CheckMessage(const std::string& message) {
  if (message.size() > kLongestMessage) return "message of " + std::to_string(message.size()) + " bytes";
  if (!Printable(message)) return "message with control or non-ASCII bytes";
  return "";
}

}  // namespace

TEST_CASE("mutated .npy files give an array or an NpyError with a short message", "[mutation][npy]") {
  const int accepted = MutateAndParse("npy", '(', ')', 1, [](const std::string& input, fs_test::Mutator&, int* ok) -> std::string {
    try {
      const fs::NpyArray a = fs::ParseNpy(input, "mut.npy");
      ++*ok;
      size_t count = 1;
      for (size_t dim : a.shape) count *= dim;
      return a.data.size() == count ? "" : "accepted with data that does not match its shape";
    } catch (const fs::NpyError& e) {
      return CheckMessage(e.what());
    }
  });
  // Some mutations leave a valid file (a changed float, a changed word): the accepting path
  // is exercised too, not only the first refusal.
  CHECK(accepted > kMutationsPerParser / 100);
}

TEST_CASE("mutated trace files give a trace or a TraceFileError with a short message", "[mutation][trace]") {
  const int accepted = MutateAndParse("trace", '[', ']', 2, [](std::string input, fs_test::Mutator& m, int* ok) -> std::string {
    if (m.Below(2)) fs_test::FixTraceChecksum(&input);  // reach the checks behind the checksum
    try {
      const fs::Trace t = fs::ParseTrace(input, "mut.fstrace");
      ++*ok;
      const bool consistent = t.o.size() == static_cast<size_t>(t.problem.n) * t.problem.d &&
                              t.data.size() == t.steps.size() * t.layout.step_floats &&
                              fs::Utf8Length(t.device) <= 200 && !fs::HasControlChars(t.host);
      return consistent ? "" : "accepted a trace inconsistent with its problem";
    } catch (const fs::TraceFileError& e) {
      return CheckMessage(e.what());
    }
  });
  // Some mutations leave a valid file (a changed float, a changed word): the accepting path
  // is exercised too, not only the first refusal.
  CHECK(accepted > kMutationsPerParser / 100);
}

TEST_CASE("mutated lessons give a lesson or a LessonError with a short message", "[mutation][lesson]") {
  const int accepted = MutateAndParse("lesson", '[', ']', 3, [](const std::string& input, fs_test::Mutator&, int* ok) -> std::string {
    try {
      const fs::Lesson lesson = fs::ParseLesson(input, "mut.json");
      ++*ok;
      for (const fs::Beat& b : lesson.beats)
        if (fs::Utf8Length(b.text) > fs::kMaxLessonTextChars) return "accepted a text too long to draw";
      return fs::Utf8Length(lesson.title) <= fs::kMaxLessonTitleChars ? "" : "accepted a title too long to draw";
    } catch (const fs::LessonError& e) {
      return CheckMessage(e.what());
    }
  });
  // Some mutations leave a valid file (a changed float, a changed word): the accepting path
  // is exercised too, not only the first refusal.
  CHECK(accepted > kMutationsPerParser / 100);
}
