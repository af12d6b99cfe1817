// The window's state from the command line: what could not be shown is said in the status
// line, and nothing run afterwards replaces that message.
#include "catch2/catch.hpp"

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app_state.h"
#include "emulate.h"
#include "trace_file.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

fs::Options WithFlags(std::function<void(fs::Problem&)> edit) {
  fs::Options opt;
  opt.backend = "cpu";
  opt.flags.edits.push_back(std::move(edit));
  return opt;
}

// N = 8192, d = 16, Br = 128: every step is over the trace budget at any Bc.
fs::Options LongestN(int bc, fs::LoopOrder order) {
  return WithFlags([bc, order](fs::Problem& p) {
    p.n = fs::kMaxStepN;
    p.d = 16;
    p.br = 128;
    p.bc = bc;
    p.order = order;
  });
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

TEST_CASE("N = 8192 is shown one Q block at a time: stepping or following a row elsewhere runs that Q block",
          "[app][window]") {
  fs::AppState s;
  REQUIRE(fs::InitState(s, LongestN(128, fs::LoopOrder::kFa2)));
  REQUIRE(s.trace);
  CHECK(s.trace->window == 0);
  CHECK(s.trace->data.size() * sizeof(float) <= fs::kTraceBudgetBytes);
  CHECK_THAT(s.status.text, Contains("Recorded Q block 0's 64 steps of 4096: every step would take 590 MiB, over "
                                     "the 256 MiB trace budget"));
  const std::vector<float> o = s.trace->o;

  fs::SetStep(s, 4000);  // Q block 62, K/V block 32
  CHECK(s.step == 4000);
  CHECK(s.trace->window == 62);
  CHECK(s.row / 128 == 62);
  fs::RunOptions run;
  run.window = 62;
  const fs::Trace fresh = fs::EmulateTraced(s.problem, fs::MakeInputs(s.problem), run);
  REQUIRE(s.trace->data.size() == fresh.data.size());
  CHECK(std::memcmp(s.trace->data.data(), fresh.data.data(), fresh.data.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(s.trace->o.data(), o.data(), o.size() * sizeof(float)) == 0);  // O whole, unchanged

  fs::SetRow(s, 5);  // back in Q block 0, at the same K/V block
  CHECK(s.row == 5);
  CHECK(s.trace->window == 0);
  CHECK(s.step == 32);
  CHECK(fs::StepToNextQBlock(s));
  CHECK(s.step == 64);
  CHECK(s.trace->window == 1);

  // A trace file cannot be run again: the nearest step it holds is shown, and why.
  fs_test::TempDir dir;
  fs::SaveTrace(dir.File("w.fstrace"), *s.trace);
  REQUIRE(fs::OpenTraceFile(s, dir.File("w.fstrace")));
  CHECK(s.step == 64);  // the file's first held step
  fs::SetStep(s, 3000);
  CHECK(s.step == 127);
  CHECK(s.trace->window == 1);
  CHECK_THAT(s.status.text, Contains("holds Q block 1's 64 steps of 4096; step 3000 is in Q block 46, which it "
                                     "did not record. Showing step 127."));
}

TEST_CASE("with a worker, a step in another Q block is shown once its run is done", "[app][window]") {
  fs::AppState s;
  REQUIRE(fs::InitState(s, LongestN(64, fs::LoopOrder::kFa1)));
  s.runs = std::make_shared<fs::RunWorker>();
  REQUIRE(s.trace->window == 0);
  fs::SetStep(s, 1);  // FA1: K/V block 0 meets Q block 1
  CHECK(s.step == 0);  // still showing Q block 0 while the run is under way
  REQUIRE(s.runs->WaitIdle(20000));
  fs::PrepareFrame(s, 0.0);
  CHECK(s.step == 1);
  CHECK(s.trace->window == 1);
  CHECK(s.row / 128 == 1);
}
