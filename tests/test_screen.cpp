// What the screen says must be true: the traffic bars on one scale with both totals, the
// shared memory a tile size needs against what a GPU block may have, the Output panel's O and
// L, the scores' colour ranges and padding, the lesson's summary and the note when the problem on screen is not the beat's, and
// the claims of the intro, causal and ties lessons checked against their traces.
#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ladder.h"
#include "test_player.h"
#include "test_util.h"
#include "ui_common.h"

using Catch::Matchers::Contains;

namespace {

// The state showing p on the CPU emulation with only `panels` open, at `step`.
fs::AppState Showing(const fs::Problem& p, const std::vector<std::string>& panels, int step = 0) {
  fs::AppState s = NoGpu();
  REQUIRE(fs::ApplyProblem(s, p));
  fs::ShowOnlyPanels(s.view, panels);
  fs::SetStep(s, step);
  fs::PrepareFrame(s, INFINITY);
  return s;
}

}  // namespace

TEST_CASE("Shared memory per block: the kernels' tiles worked out by hand", "[screen][tiles]") {
  // fa2_teach: Q (Br, d), one K/V tile (Bc, d + 1), S/P (Br, Bc), 4 bytes each.
  CHECK(fs::Fa2TeachSmemBytes(128, 128, 128) == (128 * 128 + 128 * 129 + 128 * 128) * 4u);
  CHECK(fs::Fa2TeachSmemBytes(32, 64, 16) == (32 * 16 + 64 * 17 + 32 * 64) * 4u);
  // fa1 keeps K_j and V_j both.
  CHECK(fs::Fa1SmemBytes(128, 128, 128) == (2 * 128 * 129 + 128 * 128 + 128 * 128) * 4u);
  CHECK(fs::kH100SmemPerBlock == 232448u);
}

TEST_CASE("Tiles: a tile size no GPU block holds is said on screen, with the limits", "[screen][tiles]") {
  // FA1 at Br = Bc = d = 128 needs 257 KiB of shared memory: more than an H100 block's 227 KiB.
  fs::Problem big = fs_test::ProblemOf(256, 128, 128, 128);
  big.order = fs::LoopOrder::kFa1;
  REQUIRE(fs::Fa1SmemBytes(128, 128, 128) > fs::kH100SmemPerBlock);
  fs::AppState s = Showing(big, {"tiles"});
  std::string text = ShownText(s);
  CHECK_THAT(text, Contains("Shared memory (smem): 257.0 KiB per thread block"));
  CHECK_THAT(text, Contains("Too large for a GPU: an H100 block may have at most 227.0 KiB"));
  CHECK_THAT(text, Contains("fa1 refuses these tiles"));
  // FA2's order at the same tiles: 192.5 KiB fits an H100 but not an A100 (163 KiB).
  s = Showing(fs_test::ProblemOf(256, 128, 128, 128), {"tiles"});
  text = ShownText(s);
  CHECK_THAT(text, Contains("Shared memory (smem): 192.5 KiB per thread block"));
  CHECK_THAT(text, Contains("Fits an H100 block (227.0 KiB of shared memory at most) but not an A100's (163.0 KiB)"));
  CHECK_THAT(text, !Contains("Too large"));
  s = Showing(fs_test::ProblemOf(128, 32, 32, 32), {"tiles"});
  CHECK_THAT(ShownText(s), Contains("and an A100's (163.0 KiB)"));
}

TEST_CASE("Tiles: the traffic bars give this loop's so-far and whole pass, standard's, and the unmasked pass",
          "[screen][tiles]") {
  // N = 256, d = 32, Br = Bc = 32, causal: 36 steps. Whole FA2 pass: Q read once (32 KiB), the
  // visible K and V blocks (36 x 2 x 4 KiB = 288 KiB), O (32 KiB) and L (1 KiB) written.
  fs::AppState s = Showing(fs_test::ProblemOf(256, 32, 32, 32, true), {"tiles"}, 35);
  REQUIRE(fs::FlashTraffic(s.problem).Total() == 32768u + 36u * 2 * 4096 + 32768u + 1024u);
  std::string text = ShownText(s);
  CHECK_THAT(text, Contains("This loop (FA2) so far: 353.0 KiB of its whole pass's 353.0 KiB"));
  CHECK_THAT(text, Contains("Standard attention: 1.1 MiB"));
  // Without the mask all 64 steps: 32 + 64 x 8 + 33 KiB = 577 KiB; 1 - 353/577 = 39%.
  CHECK_THAT(text, Contains("Without the causal mask, this loop: 577.0 KiB (the mask skips 39% of it)"));
  // A non-causal problem has no unmasked line, and at step 0 only the first step's bytes.
  s = Showing(fs_test::ProblemOf(128, 32, 32, 32), {"tiles"}, 0);
  text = ShownText(s);
  CHECK_THAT(text, Contains("This loop (FA2) so far: 12.0 KiB of its whole pass's 160.5 KiB"));
  CHECK_THAT(text, !Contains("Without the causal mask"));
}

TEST_CASE("Output: O~ after every step, O and L only after the Q block's last K/V block", "[screen][output]") {
  const fs::Problem p = fs_test::ProblemOf(128, 32, 32, 32);
  fs::AppState s = Showing(p, {"output"}, 0);
  std::string text = ShownText(s);
  CHECK_THAT(text, Contains("V block 0 (keys 0..31)"));
  CHECK_THAT(text, Contains("O~ after this step (not divided by l)"));
  CHECK_THAT(text, Contains("Not written yet"));
  CHECK_THAT(text, !Contains("written to HBM"));
  fs::SetStep(s, 3);  // Q block 0's last K/V block
  REQUIRE(s.trace->steps[3].last_for_q_block);
  text = ShownText(s);
  CHECK_THAT(text, Contains("O = O~ / l, written to HBM"));
  char l_text[64];
  std::snprintf(l_text, sizeof l_text, "L = m + log l = %.6g", s.trace->lse[static_cast<size_t>(s.row)]);
  CHECK_THAT(text, Contains(l_text));
  // L is m + log l of the last step, up to FP32 rounding.
  const int r = s.row - s.trace->steps[3].row0;
  CHECK(s.trace->lse[static_cast<size_t>(s.row)] ==
        Approx(s.trace->MNew(3)[r] + std::log(double(s.trace->L(3)[r]))).epsilon(1e-6));
}

TEST_CASE("Lessons: the summary shows on the first beat, and a changed problem is said", "[screen][lesson]") {
  Player play("causal.json");
  // The controls window as the layout sizes it, its text joined into one line.
  const auto controls = [&] {
    fs_test::HeadlessFrame frame(ImVec2(1280, 1000));
    const std::string text = frame.Text([&] {
      ImGui::SetNextWindowPos(ImVec2(0, 0));
      ImGui::SetNextWindowSize(ImVec2(420, 1000));
      fs::DrawControlsPanel(play.s);
    });
    std::string joined;
    for (char c : text) joined.push_back(c == '\n' ? ' ' : c);
    return joined;
  };
  std::string text = controls();
  CHECK_THAT(text, Contains("FlashAttention-2 never visits the K/V blocks"));
  CHECK_THAT(text, !Contains("differs from this beat's"));
  fs::GoToBeat(play.s, 1);
  text = controls();
  CHECK_THAT(text, !Contains("FlashAttention-2 never visits the K/V blocks"));
  fs::Problem edited = play.s.problem;
  edited.seed = 99;
  REQUIRE(fs::ApplyProblem(play.s, edited));
  text = controls();
  CHECK_THAT(text, Contains("The problem on screen differs from this beat's"));
  CHECK_THAT(text, Contains("Inside a diagonal tile"));  // the beat's text stays
}

TEST_CASE("Lesson claims: causal traffic, the intro's Output panel, the ties lesson's moving m",
          "[screen][lesson]") {
  {
    Player play("causal.json");
    const std::string text = play.Beat(2);
    play.Quotes(text, {"353.0 KiB", "577.0 KiB", "39%"});
  }
  {
    Player play("intro.json");
    play.Beat(3);
    REQUIRE(Shown(play.s, fs::PanelId::kOutput));
    CHECK(play.s.trace->steps[play.s.step].last_for_q_block);
    fs::ShowOnlyPanels(play.s.view, {"output"});  // ShownText reads the first area's window
    CHECK_THAT(ShownText(play.s), Contains("O = O~ / l, written to HBM"));
  }
  {
    // Row 8's m rises at every step, with two new exact ones each time; row 3's stays flat
    // after block 0, which holds its only ones.
    Player play("ties.json");
    play.Beat(2);
    const fs::Trace& t = *play.s.trace;
    const int bc = t.problem.bc;
    const auto ones = [&](int k, int row) {
      const float* prow = t.P(k) + static_cast<size_t>(row - t.steps[k].row0) * bc;
      return static_cast<int>(std::count(prow, prow + bc, 1.0f));
    };
    REQUIRE(play.s.row == 8);
    const std::vector<int> steps8 = fs::StepsOfRow(t, 8);
    for (size_t i = 1; i < steps8.size(); ++i) {
      INFO("K/V block " << i);
      CHECK(t.MNew(steps8[i])[8 - t.steps[steps8[i]].row0] > t.MNew(steps8[i - 1])[8 - t.steps[steps8[i - 1]].row0]);
      CHECK(ones(steps8[i], 8) == 2);
    }
    const std::vector<int> steps3 = fs::StepsOfRow(t, 3);
    CHECK(ones(steps3[0], 3) == 2);
    for (size_t i = 1; i < steps3.size(); ++i) {
      INFO("K/V block " << i);
      CHECK(t.MNew(steps3[i])[3] == t.MNew(steps3[0])[3]);
      CHECK(ones(steps3[i], 3) == 0);
    }
  }
}

TEST_CASE("Scores: colours over the whole problem use the largest |S| of every step", "[screen][scores]") {
  fs::AppState s = Showing(fs_test::ProblemOf(128, 32, 32, 32), {"scores"}, 0);
  s.view.s_range_whole = true;
  fs::PrepareFrame(s, INFINITY);
  float expect = 0.0f;
  const fs::Trace& t = *s.trace;
  for (int k = 0; k < t.StepCount(); ++k)
    for (int i = 0; i < t.problem.br * t.problem.bc; ++i)
      if (std::isfinite(t.S(k)[i])) expect = std::max(expect, std::fabs(t.S(k)[i]));
  REQUIRE(s.s_range_of == s.trace);
  CHECK(s.s_abs_max == expect);
  // Some step's own range is narrower than the whole problem's, so the choice shows.
  float narrowest = expect;
  for (int k = 0; k < t.StepCount(); ++k) {
    float own = 0.0f;
    for (int i = 0; i < t.problem.br * t.problem.bc; ++i) own = std::max(own, std::fabs(t.S(k)[i]));
    narrowest = std::min(narrowest, own);
  }
  CHECK(narrowest < expect);
  CHECK_THAT(ShownText(s), Contains("colours: whole problem"));
}

TEST_CASE("Scores: padding columns past N are called padding, causal masks masked", "[screen][scores]") {
  // N = 100 in blocks of 32: the last K/V block has 4 keys and 28 columns of padding.
  fs::AppState s = Showing(fs_test::ProblemOf(100, 16, 32, 32), {"scores"}, 3);
  REQUIRE(s.trace->steps[3].cols == 4);
  std::string text = ShownText(s);
  CHECK_THAT(text, Contains("Hatched: padding: keys past N"));
  CHECK_THAT(text, !Contains("causal diagonal"));
  s = Showing(fs_test::ProblemOf(128, 16, 32, 32, true), {"scores"}, 0);
  text = ShownText(s);
  CHECK_THAT(text, Contains("Hatched: masked (-inf): keys above the causal diagonal"));
  s = Showing(fs_test::ProblemOf(128, 16, 32, 32), {"scores"}, 0);  // no hatching at all
  CHECK_THAT(ShownText(s), !Contains("Hatched"));
}

TEST_CASE("Paragraph wraps at spaces and cuts a word wider than the width, losing no character", "[screen]") {
  fs_test::HeadlessFrame frame(ImVec2(800, 600));
  const std::string path = "/a/very/long/path/to/a/bench/report/recorded/on/a/gpu/server/h100_ladder_sample.json";
  const std::string text = "Opened " + path + ": recorded on an H100";
  const float width = 120.0f;
  std::vector<std::string> lines;
  const std::string logged = frame.Text([&] { fs::Paragraph(text, width); });
  std::string joined;
  size_t start = 0;
  while (start < logged.size()) {
    size_t end = logged.find('\n', start);
    if (end == std::string::npos) end = logged.size();
    lines.push_back(logged.substr(start, end - start));
    start = end + 1;
  }
  REQUIRE(lines.size() > 3);
  frame.Text([&] {
    for (const std::string& line : lines) {
      INFO(line);
      CHECK(ImGui::CalcTextSize(line.c_str()).x <= width);
    }
  });
  // The words, and the path in pieces, in order: nothing dropped but the spaces wrapped at.
  for (const std::string& line : lines) joined += line;
  std::string without_spaces;
  for (char c : text)
    if (c != ' ') without_spaces += c;
  std::string joined_without;
  for (char c : joined)
    if (c != ' ') joined_without += c;
  CHECK(joined_without == without_spaces);
}

TEST_CASE("The ties lesson's inspector beat: the bit view explains the exact 1 it names", "[screen][lesson]") {
  Player play("ties.json");
  play.Beat(3);
  REQUIRE(play.s.lab.has_cell);
  const fs::Trace& t = *play.s.trace;
  const fs::CellRef& cell = play.s.lab.cell;
  CHECK(t.steps[cell.step].col0 + cell.col == 124);
  CHECK(t.P(cell.step)[(cell.row - t.steps[cell.step].row0) * t.problem.bc + cell.col] == 1.0f);
  fs::ShowOnlyPanels(play.s.view, {"bits"});  // ShownText reads the first area's window
  fs::PrepareFrame(play.s, INFINITY);
  const std::string text = ShownText(play.s);
  for (const char* quoted : {"Key 124", "S = 2.5166", "exp(0) = 1"}) {
    INFO(quoted);
    CHECK_THAT(play.Current().text, Contains(quoted));
  }
  CHECK_THAT(text, Contains("query 8, key 124 at step 4"));
  CHECK_THAT(text, Contains("stored S = 2.5166 (fp32)"));
  CHECK_THAT(text, Contains("= exp(0) = 1 in FP64; stored 1 (fp32): exactly 1"));
}
