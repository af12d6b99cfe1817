// The window's state from the command line: what could not be shown is said in the status
// line, and nothing run afterwards replaces that message.
#include "catch2/catch.hpp"

#include <functional>
#include <string>

#include "app_state.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

fs::Options WithFlags(std::function<void(fs::Problem&)> edit) {
  fs::Options opt;
  opt.backend = "cpu";
  opt.flags.edits.push_back(std::move(edit));
  return opt;
}

}  // namespace

TEST_CASE("a trace file that cannot be opened leaves the window empty with the reason shown", "[app]") {
  fs::Options opt;
  opt.backend = "cpu";
  opt.open_path = "/nonexistent.fstrace";
  fs::AppState s;
  CHECK_FALSE(fs::InitState(s, opt));
  CHECK(s.trace == nullptr);
  CHECK(s.status.error);
  CHECK_THAT(s.status.text, Contains("Trace file not opened: /nonexistent.fstrace: cannot open"));
}

TEST_CASE("a refused problem on the command line stays in the status line over the lesson", "[app]") {
  fs::AppState s;
  CHECK_FALSE(fs::InitState(s, WithFlags([](fs::Problem& p) { p.br = 48; })));
  CHECK(s.lesson.has_value());  // the lesson is still shown...
  CHECK(s.status.error);        // ...and the refusal says why the flags were not applied
  CHECK_THAT(s.status.text, Contains("Not applied: Br (Q block rows) is 48"));
}

TEST_CASE("a lesson that cannot be opened keeps its reason over the problem shown instead", "[app]") {
  fs_test::TempDir dir;
  fs::Options opt = WithFlags([](fs::Problem& p) { p.n = 100000; });
  opt.lesson_path = dir.File("missing.json");
  fs::AppState s;
  CHECK_FALSE(fs::InitState(s, opt));
  CHECK(s.status.error);
  CHECK_THAT(s.status.text, Contains("Lesson not opened: " + dir.File("missing.json")));
}

TEST_CASE("the command line's lesson and problem open without a refusal", "[app]") {
  fs::AppState s;
  CHECK(fs::InitState(s, WithFlags([](fs::Problem& p) { p.n = 64; })));
  CHECK(s.trace != nullptr);
  CHECK(s.problem.n == 64);
  CHECK_FALSE(s.status.error);
}
