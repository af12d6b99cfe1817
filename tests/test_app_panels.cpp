// The app state's side of the panel table and the precision lab: which panels a lesson or
// --panels shows and which tab comes to the front, when a beat re-runs its problem, and the
// lab's requests (cells, drift runs) served by the frame loop, not by drawing.
#include "catch2/catch.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "app_state.h"
#include "npy.h"
#include "test_util.h"

namespace {

bool Shown(const fs::AppState& s, fs::PanelId id) { return s.view.shown[static_cast<int>(id)]; }
int Area(fs::PanelArea a) { return static_cast<int>(a); }

fs::AppState CpuState() {
  fs::AppState s;
  s.backend_kind = fs::BackendKind::kCpu;
  s.cuda_unavailable = "the tests run the CPU emulation";
  return s;
}

fs::Problem SmallDrift() {
  fs::Problem p;
  p.n = 64;
  p.d = 16;
  p.br = 32;
  p.bc = 32;
  p.pattern = fs::Pattern::kDrift;
  REQUIRE(fs::ParsePrecisionPreset("paper-bf16", &p.precision));
  return p;
}

}  // namespace

TEST_CASE("ShowOnlyPanels shows the named panels and brings the first of each area forward", "[panels][app]") {
  fs::ViewOptions view;
  fs::ShowOnlyPanels(view, {"bits", "errors", "scores", "precision", "drift"});
  for (int i = 0; i < fs::kPanelCount; ++i) {
    const std::string name = fs::kPanelNames[i];
    CHECK(view.shown[i] == (name == "bits" || name == "errors" || name == "scores" || name == "precision" || name == "drift"));
  }
  CHECK(view.front[Area(fs::PanelArea::kTopRight)] == static_cast<int>(fs::PanelId::kBits));
  CHECK(view.front[Area(fs::PanelArea::kTopLeft)] == static_cast<int>(fs::PanelId::kErrors));
  CHECK(view.front[Area(fs::PanelArea::kBottom)] == static_cast<int>(fs::PanelId::kDrift));
  for (int a = 0; a < fs::kPanelAreaCount; ++a) CHECK(view.front_requested[a]);
}

TEST_CASE("the default view shows tiles, scores and softmax", "[panels][app]") {
  const fs::ViewOptions view;
  CHECK(view.shown[static_cast<int>(fs::PanelId::kTiles)]);
  CHECK(view.shown[static_cast<int>(fs::PanelId::kScores)]);
  CHECK(view.shown[static_cast<int>(fs::PanelId::kSoftmax)]);
  CHECK_FALSE(view.shown[static_cast<int>(fs::PanelId::kCompare)]);
  CHECK_FALSE(view.shown[static_cast<int>(fs::PanelId::kBits)]);
}

TEST_CASE("a beat re-runs only when its problem differs from the previous beat's", "[lesson][app]") {
  fs::AppState s = CpuState();
  REQUIRE(fs::OpenLesson(s, std::string(FS_SOURCE_DIR) + "/scenarios/lessons/beta_fix.json"));
  const auto first = s.trace;
  fs::GoToBeat(s, 1);  // same problem: the same trace
  CHECK(s.trace == first);
  fs::GoToBeat(s, 2);  // beta 1.0001
  CHECK(s.trace != first);
  CHECK(s.problem.beta == 1.0001f);
  fs::GoToBeat(s, 1);  // back to the lesson's problem
  CHECK(s.problem.beta == 2.0f);
  // A problem changed by hand stays while the beats agree.
  fs::Problem edited = s.problem;
  edited.seed = 9;
  REQUIRE(fs::ApplyProblem(s, edited));
  fs::GoToBeat(s, 0);
  CHECK(s.problem.seed == 9u);
}

TEST_CASE("a beat opens its cell in the bit view and starts its drift runs", "[lesson][app]") {
  fs::AppState s = CpuState();
  REQUIRE(fs::OpenLesson(s, std::string(FS_SOURCE_DIR) + "/scenarios/lessons/biased_rounding.json"));
  fs::GoToBeat(s, 1);
  REQUIRE(s.lab.has_cell);
  CHECK(s.lab.cell == fs::CellRef{fs::CellField::kOBar, 0, 5, 0});
  CHECK(Shown(s, fs::PanelId::kBits));
  fs::GoToBeat(s, 5);
  CHECK(s.lab.drift.running);
  CHECK(s.lab.drift.wanted == 8);
}

TEST_CASE("the lab computes only what the shown panels need", "[app][precision]") {
  fs::AppState s = CpuState();
  REQUIRE(fs::ApplyProblem(s, SmallDrift()));
  fs::ShowOnlyPanels(s.view, {"tiles"});
  fs::PrepareFrame(s, 0.0);
  CHECK_FALSE(s.lab.summary);
  CHECK_FALSE(s.lab.alternate);
  fs::ShowOnlyPanels(s.view, {"precision"});
  fs::PrepareFrame(s, 0.0);
  CHECK(s.lab.alternate);
  CHECK_FALSE(s.lab.summary);
  fs::ShowOnlyPanels(s.view, {"errors"});
  fs::PrepareFrame(s, 0.0);
  REQUIRE(s.lab.summary);
  CHECK(s.lab.o_error.size() == s.trace->o.size());
  CHECK(s.lab.step_at == s.step);
  CHECK(s.lab.o_acc_error.size() == static_cast<size_t>(s.trace->steps[s.step].rows) * s.problem.d);
}

TEST_CASE("drift runs advance in the frame loop, can be cancelled, and belong to one problem", "[app][precision]") {
  fs::AppState s = CpuState();
  REQUIRE(fs::ApplyProblem(s, SmallDrift()));
  fs::RequestDriftRuns(s, 3);
  CHECK(s.lab.drift.runs.empty());  // requesting runs nothing
  fs::PrepareFrame(s, 0.0);         // a zero budget still makes progress: one run per frame
  CHECK(s.lab.drift.runs.size() == 1u);
  fs::CancelDriftRuns(s);
  fs::PrepareFrame(s, 0.0);
  CHECK(s.lab.drift.runs.size() == 1u);
  fs::RequestDriftRuns(s, 3);       // continues where it stopped
  fs::FinishLab(s);
  REQUIRE(s.lab.drift.runs.size() == 3u);
  CHECK(s.lab.drift.runs[2].seed == s.problem.seed + 2);
  CHECK_FALSE(s.lab.drift.running);
  fs::Problem other = s.problem;  // the softmax variant does not matter: each run has both
  other.softmax = fs::Softmax::kStabilized;
  REQUIRE(fs::ApplyProblem(s, other));
  fs::PrepareFrame(s, 0.0);
  CHECK(s.lab.drift.runs.size() == 3u);
  other.n = 96;
  REQUIRE(fs::ApplyProblem(s, other));
  fs::PrepareFrame(s, 0.0);
  CHECK(s.lab.drift.runs.empty());
}

TEST_CASE("a refused beta leaves the shown problem and says what is allowed", "[app][precision]") {
  fs::AppState s = CpuState();
  REQUIRE(fs::ApplyProblem(s, SmallDrift()));
  fs::Problem bad = s.problem;
  bad.softmax = fs::Softmax::kStabilized;
  bad.beta = 1.0f;
  CHECK_FALSE(fs::ApplyProblem(s, bad));
  CHECK(s.status.error);
  CHECK(s.status.text.find("beta is 1; allowed: 1 < beta <= 16") != std::string::npos);
  CHECK(s.problem.softmax == fs::Softmax::kStandard);
}

TEST_CASE("FA1's loop order in the app: stepped like FA2's, refused with low precision, no other variant",
          "[app][fa1]") {
  fs::AppState s = CpuState();
  fs::Problem p = SmallDrift();
  p.precision = fs::Precision{};
  p.causal = true;
  p.order = fs::LoopOrder::kFa1;
  REQUIRE(fs::ApplyProblem(s, p));
  // K/V block 0 with Q blocks 0 and 1, then K/V block 1 with Q block 1 only.
  REQUIRE(s.trace->StepCount() == 3);
  fs::SetStep(s, 1);
  CHECK(s.trace->steps[s.step].q_block == 1);
  CHECK(s.trace->steps[s.step].kv_block == 0);
  CHECK(s.row >= 32);            // the followed row moved into the step's Q block
  fs::SetRow(s, 5);              // back to Q block 0, at the same K/V block
  CHECK(s.step == 0);
  fs::ShowOnlyPanels(s.view, {"precision", "drift"});
  fs::FinishLab(s);
  CHECK_FALSE(s.lab.alternate);
  CHECK(s.lab.alternate_error.find("order fa1 runs the standard softmax only; allowed: order fa2") !=
        std::string::npos);
  fs::Problem bad = s.problem;  // the controls' switch with a BF16 preset
  REQUIRE(fs::ParsePrecisionPreset("fa2-bf16", &bad.precision));
  CHECK_FALSE(fs::ApplyProblem(s, bad));
  CHECK(s.status.text.find("Not applied: order fa1 runs in FP32 only, but precision is fa2-bf16") !=
        std::string::npos);
  CHECK(s.problem.order == fs::LoopOrder::kFa1);
  CHECK(s.problem.precision.AllFp32());
}

TEST_CASE("shot draws FA1's loop order", "[shot][fa1]") {
  fs_test::TempDir dir;
  const std::string png = dir.File("fa1.png"), log = dir.File("log");
  const int code = fs_test::RunFlashscope("shot --out " + png + " --size 1280x800 --order fa1 --n 100 --br 32 --bc 16 "
                                          "--causal --step 7 --panels tiles,scores,softmax,compare",
                                          log);
  INFO(fs_test::ReadBytes(log));
  CHECK(code == 0);
  CHECK(fs_test::ReadBytes(png).size() > 10000u);
}

TEST_CASE("shot draws the precision panels of a lesson beat", "[shot][precision]") {
  fs_test::TempDir dir;
  const bool display = std::getenv("DISPLAY") && *std::getenv("DISPLAY");
  const std::string png = dir.File("bits.png"), log = dir.File("log");
  const std::string cmd = std::string(display ? "" : "xvfb-run -a -s '-screen 0 1280x1024x24' ") + FS_FLASHSCOPE_BIN +
                          " shot --out " + png + " --size 1280x800 --lesson " + FS_SOURCE_DIR +
                          "/scenarios/lessons/biased_rounding.json --beat 1 --panels errors,bits,drift,precision > " +
                          log + " 2>&1";
  const int status = std::system(cmd.c_str());
  INFO(fs_test::ReadBytes(log));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(fs_test::ReadBytes(png).size() > 10000u);
}

TEST_CASE("the softmax-limits panel's curves are the library's for its setup, recomputed on a change",
          "[app][softmax-limits]") {
  fs::AppState s;
  s.view.shown[static_cast<int>(fs::PanelId::kLimits)] = true;
  fs::PrepareFrame(s, INFINITY);
  const fs::LimitsLab& lab = s.limits;
  REQUIRE(lab.error.empty());
  CHECK(lab.flatten.size() == 13u);  // L = 16, 32, .., 65536
  CHECK(lab.flatten.back().l == 65536);
  CHECK(lab.selection.size() == 12u);  // N = 1, 2, .., 2048 < L = 4096
  CHECK(lab.at_n.recovered == fs::Select(lab.setup, 4096, 16).recovered);
  CHECK(lab.at_t.norm == fs::Jacobian(lab.setup, 4096, 1.0).norm);
  CHECK(lab.sorted_weights.size() == 4096u);
  CHECK(std::is_sorted(lab.sorted_weights.rbegin(), lab.sorted_weights.rend()));
  // A slider let go: L = 64, T = 0.05; N is kept below L.
  s.limits.l = 64;
  s.limits.n = 500;
  s.limits.setup.temperature = 0.05;
  s.limits.changed = true;
  fs::PrepareFrame(s, INFINITY);
  CHECK(lab.n == 63);
  CHECK(lab.selection.size() == 6u);  // N = 1, .., 32
  CHECK(lab.at_t.norm == fs::Jacobian(lab.setup, 64, 0.05).norm);
  // A setup out of range is said, not drawn.
  s.limits.setup.d = 0;
  s.limits.changed = true;
  fs::PrepareFrame(s, INFINITY);
  CHECK_THAT(lab.error, Catch::Matchers::Contains("d is 0; allowed: 1..1024"));
  CHECK(lab.flatten.empty());
}

TEST_CASE("saving O and L tells file_written of each file once it is written (the web page downloads them)",
          "[app][outputs][web]") {
  fs::AppState s = CpuState();
  REQUIRE(fs::ApplyProblem(s, fs_test::ProblemOf(64, 16, 32, 32)));
  fs_test::TempDir dir;
  s.capture_dir = dir.Path();
  std::vector<std::string> written;
  s.file_written = [&](const std::string& path) {
    written.push_back(path);
    CHECK(std::filesystem::exists(path));  // written and renamed into place before the call
  };
  fs::SaveOutputs(s);
  INFO(s.status.text);
  CHECK_FALSE(s.status.error);
  REQUIRE(written.size() == 2u);
  CHECK_THAT(written[0], Catch::Matchers::EndsWith("_O.npy"));
  CHECK_THAT(written[1], Catch::Matchers::EndsWith("_L.npy"));
  CHECK(fs::LoadNpy(written[0]).shape == std::vector<size_t>{64, 16});
  // A directory that cannot be written: no file, no call, and the status line says why.
  written.clear();
  s.capture_dir = dir.File("missing/deeper");
  fs::SaveOutputs(s);
  CHECK(s.status.error);
  CHECK(written.empty());
}
