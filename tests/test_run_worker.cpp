// Runs off the UI thread (app/run_worker.h): a requested run is applied at the start of a
// frame, cancel stops a long run and keeps what is shown, the latest request wins, a refusal
// gives its message, and the Compare panel's run goes through the worker too. Real emulation
// runs throughout.
#include "catch2/catch.hpp"

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "app_state.h"
#include "panel_list.h"
#include "panels.h"
#include "test_imgui.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

using Clock = std::chrono::steady_clock;

// A state showing a small problem, with a worker attached as the window attaches it.
fs::AppState WindowState() {
  fs::AppState s;
  s.backend_kind = fs::BackendKind::kCpu;
  REQUIRE(fs::ApplyProblem(s, fs_test::ProblemOf(64, 16, 16, 16)));
  s.runs = std::make_shared<fs::RunWorker>();
  return s;
}

// Frames until the worker has nothing left and its results are applied, or 20 s.
void FramesUntilIdle(fs::AppState& s) {
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (s.runs->Busy() && Clock::now() < until) {
    fs::PrepareFrame(s, 0.0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  REQUIRE_FALSE(s.runs->Busy());
  fs::PrepareFrame(s, 0.0);  // what finished last
}

// A recorded GPU trace opened with a worker attached and the Compare panel shown, one frame
// drawn: its comparison is asked for.
fs::AppState ComparingGpuTrace(const std::string& file) {
  fs::AppState s;
  REQUIRE(fs::OpenTraceFile(s, std::string(FS_SOURCE_DIR) + "/tests/data/" + file));
  s.runs = std::make_shared<fs::RunWorker>();
  s.view.shown[static_cast<int>(fs::PanelId::kCompare)] = true;
  fs::PrepareFrame(s, 0.0);
  return s;
}

// A problem that runs long enough to be caught under way: 2080 steps, about 200 MiB of trace,
// about half a second on one core or two.
fs::Problem LongProblem() { return fs_test::ProblemOf(4096, 128, 64, 64, true); }

// Waits until the show lane's run has reported progress, or 20 s.
void UntilUnderWay(const fs::AppState& s) {
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (s.runs->Progress(fs::RunLane::kShow).fraction == 0.0 && Clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace

TEST_CASE("a requested run is done on the worker and shown at the start of a frame", "[app][run_worker]") {
  fs::AppState s = WindowState();
  const auto before = s.trace;
  const fs::Problem p = fs_test::ProblemOf(200, 32, 32, 64, true);
  fs::RequestProblem(s, p);
  CHECK(s.trace == before);  // nothing changes until a frame applies it
  FramesUntilIdle(s);
  REQUIRE(s.trace != before);
  CHECK(s.problem == p);
  CHECK(s.trace->problem == p);
  CHECK(s.edit == p);
  CHECK_FALSE(s.status.error);
  CHECK_THAT(s.status.text, Contains("Ran " + fs::Describe(p)));
}

TEST_CASE("a finished run not yet shown is reported as such, until a frame takes it", "[app][run_worker]") {
  fs::AppState s = WindowState();
  const auto before = s.trace;
  fs::RequestProblem(s, fs_test::ProblemOf(100, 16, 16, 16));
  REQUIRE(s.runs->WaitIdle(20000));
  const fs::RunProgressView done = s.runs->Progress(fs::RunLane::kShow);
  CHECK_FALSE(done.busy);
  CHECK(done.unapplied);  // what is shown is about to change
  CHECK(s.trace == before);
  CHECK_FALSE(s.runs->Progress(fs::RunLane::kCompare).unapplied);  // another lane's is its own
  fs::PrepareFrame(s, 0.0);
  CHECK(s.trace != before);
  CHECK_FALSE(s.runs->Progress(fs::RunLane::kShow).unapplied);
  // A cancelled result is dropped, and no longer about to be shown.
  fs::RequestProblem(s, fs_test::ProblemOf(120, 16, 16, 16));
  REQUIRE(s.runs->WaitIdle(20000));
  fs::CancelRuns(s);
  CHECK_FALSE(s.runs->Progress(fs::RunLane::kShow).unapplied);
}

TEST_CASE("cancel stops a long run quickly and keeps the trace shown", "[app][run_worker]") {
  fs::AppState s = WindowState();
  const auto before = s.trace;
  const fs::Problem shown = s.problem;
  fs::RequestProblem(s, LongProblem());
  UntilUnderWay(s);
  const fs::RunProgressView under_way = s.runs->Progress(fs::RunLane::kShow);
  REQUIRE(under_way.busy);
  CHECK(under_way.what == fs::Describe(LongProblem()));
  CHECK(under_way.fraction > 0.0);
  const auto asked = Clock::now();
  CHECK(fs::CancelRuns(s));
  REQUIRE(s.runs->WaitIdle(5000));
  const double stop_ms = std::chrono::duration<double, std::milli>(Clock::now() - asked).count();
  INFO("stopped " << stop_ms << " ms after cancel");
  CHECK(stop_ms < 250.0);  // the steps under way finish; the rest of the run does not
  fs::PrepareFrame(s, 0.0);
  CHECK(s.trace == before);
  CHECK(s.problem == shown);
  CHECK_THAT(s.status.text, Contains("Run cancelled"));
  CHECK_FALSE(fs::CancelRuns(s));  // nothing left to cancel
}

TEST_CASE("a newer request replaces an older one that has not been shown", "[app][run_worker]") {
  for (bool under_way : {false, true}) {
    INFO((under_way ? "the older one under way" : "the older one waiting"));
    fs::AppState s = WindowState();
    const fs::Problem newer = fs_test::ProblemOf(96, 32, 32, 32);
    fs::RequestProblem(s, LongProblem());
    if (under_way) UntilUnderWay(s);
    fs::RequestProblem(s, fs_test::ProblemOf(128, 16, 16, 16));
    fs::RequestProblem(s, newer);
    FramesUntilIdle(s);
    CHECK(s.problem == newer);
    CHECK(s.trace->problem == newer);
    CHECK_THAT(s.status.text, Contains("Ran " + fs::Describe(newer)));
  }
}

TEST_CASE("a refused problem on the worker gives its message and keeps what is shown", "[app][run_worker]") {
  fs::AppState s = WindowState();
  const auto before = s.trace;
  fs::Problem bad = s.problem;
  bad.softmax = fs::Softmax::kStabilized;
  bad.beta = 1.0f;
  s.edit = bad;  // as the controls leave it
  fs::RequestProblem(s, bad);
  FramesUntilIdle(s);
  CHECK(s.trace == before);
  CHECK(s.status.error);
  CHECK_THAT(s.status.text, Contains("Not applied:"));
  CHECK_THAT(s.status.text, Contains("beta"));
  CHECK(s.edit == s.problem);  // the controls show the problem on screen again
}

TEST_CASE("a lesson beat with its own problem runs on the worker, then shows its step", "[app][run_worker]") {
  fs::AppState s;
  s.backend_kind = fs::BackendKind::kCpu;
  REQUIRE(fs::OpenLesson(s, std::string(FS_SOURCE_DIR) + "/scenarios/lessons/beta_fix.json"));
  s.runs = std::make_shared<fs::RunWorker>();
  const fs::Beat& beat = s.lesson->beats[2];  // beta 1.0001: a problem of its own
  REQUIRE(beat.problem != s.problem);
  fs::GoToBeat(s, 2);
  CHECK(s.beat == 2);
  FramesUntilIdle(s);
  CHECK(s.problem == beat.problem);
  if (beat.step >= 0) CHECK(s.step == std::min(beat.step, s.trace->StepCount() - 1));
}

TEST_CASE("the comparison of a GPU trace runs the CPU emulation on the worker", "[app][run_worker]") {
  fs::AppState s = ComparingGpuTrace("gpu_random_causal_diag_n50_d16.fstrace");
  CHECK(s.compare.of == s.trace);
  FramesUntilIdle(s);
  CHECK_FALSE(s.compare.pending);
  REQUIRE(s.compare.other != nullptr);
  CHECK(s.compare.error.empty());
  CHECK(s.compare.diff.Identical());  // the twin, bit for bit
}

TEST_CASE("the status bar shows a run under way with its progress and a Cancel button", "[app][run_worker]") {
  fs::AppState s = WindowState();
  fs_test::HeadlessFrame frame;
  const auto status_bar = [&] { return frame.Text([&] { fs::DrawStatusBar(s, 700.0f, 1280.0f, 40.0f); }); };
  CHECK_THAT(status_bar(), !Contains("Cancel"));
  fs::RequestProblem(s, LongProblem());
  UntilUnderWay(s);
  const std::string text = status_bar();
  CHECK_THAT(text, Contains("running " + fs::Describe(LongProblem())));
  CHECK_THAT(text, Contains("%"));  // the bar's percentage
  CHECK_THAT(text, Contains("Cancel"));
  fs::CancelRuns(s);
  REQUIRE(s.runs->WaitIdle(5000));
  CHECK_THAT(status_bar(), !Contains("Cancel"));
}

TEST_CASE("the precision lab's run of the other softmax variant goes through the worker", "[app][run_worker]") {
  fs::AppState s = WindowState();
  s.view.shown[static_cast<int>(fs::PanelId::kPrecision)] = true;
  fs::PrepareFrame(s, 0.0);
  CHECK(s.lab.alternate_of == s.trace);
  FramesUntilIdle(s);
  REQUIRE(s.lab.alternate != nullptr);
  CHECK(s.lab.alternate_error.empty());
  CHECK(s.lab.alternate->problem.softmax == fs::Softmax::kStabilized);  // the shown one is standard
  // The same run on the caller's thread, as shot does it, gives the same bits.
  fs::AppState sync;
  sync.backend_kind = fs::BackendKind::kCpu;
  REQUIRE(fs::ApplyProblem(sync, s.problem));
  sync.view.shown[static_cast<int>(fs::PanelId::kPrecision)] = true;
  fs::PrepareFrame(sync, 0.0);
  REQUIRE(sync.lab.alternate != nullptr);
  CHECK(sync.lab.alternate->data.size() == s.lab.alternate->data.size());
  CHECK(std::memcmp(sync.lab.alternate->data.data(), s.lab.alternate->data.data(),
                    s.lab.alternate->data.size() * sizeof(float)) == 0);
}

TEST_CASE("a cancelled comparison says so and is not run again for the same trace", "[app][run_worker]") {
  fs::AppState s = ComparingGpuTrace("gpu_random_n256_d64.fstrace");
  REQUIRE(s.compare.pending);
  fs::CancelRuns(s);  // whether it had started or not
  REQUIRE(s.runs->WaitIdle(5000));
  fs::PrepareFrame(s, 0.0);
  CHECK_FALSE(s.compare.pending);
  CHECK(s.compare.other == nullptr);
  CHECK_THAT(s.compare.error, Contains("cancelled"));
  CHECK_FALSE(s.runs->Busy());  // the next frame did not ask again
}

TEST_CASE("beats stepped through faster than their runs end at the last beat, with its step", "[app][run_worker]") {
  fs::AppState s;
  s.backend_kind = fs::BackendKind::kCpu;
  REQUIRE(fs::OpenLesson(s, std::string(FS_SOURCE_DIR) + "/scenarios/lessons/beta_fix.json"));
  fs::GoToBeat(s, 2);  // beta 1.0001, on the caller's thread
  s.runs = std::make_shared<fs::RunWorker>();
  fs::GoToBeat(s, 0);  // the lesson's problem again: a run
  fs::GoToBeat(s, 1);  // the same problem as beat 0: no run of its own
  FramesUntilIdle(s);
  const fs::Beat& beat = s.lesson->beats[1];
  CHECK(s.beat == 1);
  CHECK(s.problem == beat.problem);
  CHECK(s.step == beat.step);
}
