// The cell inspector in the app: which cell is inspected (hovered or clicked), the zoom, the
// --numbers flag and the beat field, and the steps to the next jump of m and the next Q block.
// The formulas themselves: tests/test_cell_formula.cpp.
#include "catch2/catch.hpp"

#include <cmath>
#include <string>

#include "cell_formula.h"
#include "emulate.h"
#include "lesson.h"
#include "test_player.h"
#include "test_util.h"

using Catch::Matchers::Contains;


TEST_CASE("Next m jump and next Q block step to where the trace says", "[inspect][app]") {
  Player play("ties.json");
  play.Beat(0);
  fs::SetStep(play.s, 0);
  fs::SetRow(play.s, 8);  // row 8's m rises at every K/V block (the ties lesson's claim)
  const std::vector<int> steps = fs::StepsOfRow(*play.s.trace, 8);
  for (size_t i = 1; i < steps.size(); ++i) {
    REQUIRE(fs::StepToNextMJump(play.s));
    CHECK(play.s.step == steps[i]);
  }
  CHECK_FALSE(fs::StepToNextMJump(play.s));
  CHECK_THAT(play.s.status.text, Contains("does not jump after this step"));
  fs::SetStep(play.s, 0);
  fs::SetRow(play.s, 3);  // row 3's m never moves after block 0
  CHECK_FALSE(fs::StepToNextMJump(play.s));
  CHECK(play.s.step == 0);
  REQUIRE(fs::StepToNextQBlock(play.s));
  CHECK(play.s.trace->steps[play.s.step].q_block == 1);
  CHECK(play.s.trace->steps[play.s.step].kv_block == 0);
  CHECK(play.s.row == 32 + 3);  // the followed row moves along, at the same place in its block
  fs::SetStep(play.s, play.s.trace->StepCount() - 1);
  CHECK_FALSE(fs::StepToNextQBlock(play.s));
  CHECK_THAT(play.s.status.text, Contains("last Q block"));
}

TEST_CASE("A beat's numbers field and --numbers turn numbers in cells on, and the zoom shows them",
          "[inspect][lesson]") {
  const std::string base = R"({"title": "t", "problem": {"n": 64, "d": 16, "br": 32, "bc": 32},
    "beats": [{"title": "a", "text": "x", "numbers": true}, {"title": "b", "text": "y", "numbers": false},
              {"title": "c", "text": "z"}]})";
  const fs::Lesson lesson = fs::ParseLesson(base, "l.json");
  CHECK(lesson.beats[0].numbers == 1);
  CHECK(lesson.beats[1].numbers == 0);
  CHECK(lesson.beats[2].numbers == -1);
  CHECK_THROWS_WITH(fs::ParseLesson(R"({"title": "t", "problem": {"n": 64, "d": 16, "br": 32, "bc": 32},
    "beats": [{"title": "a", "text": "x", "numbers": 1}]})", "l.json"),
                    Contains("field \"numbers\" is 1; allowed: true or false"));
  fs::AppState s = NoGpu();
  fs::Options opt;
  opt.numbers = true;
  opt.lesson_path = kLessons + "ties.json";
  REQUIRE(fs::InitState(s, opt));
  CHECK(s.view.numbers_in_cells);
  fs::ShowOnlyPanels(s.view, {"scores"});
  fs::PrepareFrame(s, INFINITY);
  const std::string text = ShownText(s);
  CHECK_THAT(text, Contains("P-bar around query 3, key 0"));
  CHECK_THAT(text, Contains("q3"));
  // The zoom writes the tile's values around (3, 0) as CellNumber writes them.
  const fs::Trace& t = *s.trace;
  for (int c = 0; c < 2; ++c) CHECK_THAT(text, Contains(fs::CellNumber(t.P(s.step)[3 * s.problem.bc + c], 4)));
}

TEST_CASE("The inspected cell is the hovered one for a frame, then the clicked one of this step", "[inspect][app]") {
  Player play("ties.json");
  play.Beat(0);
  fs_test::HeadlessFrame frame;
  const fs::CellRef hovered{fs::CellField::kS, play.s.step, 3, 5};
  fs::CellRef got;
  frame.Text([&] {
    CHECK_FALSE(fs::InspectedCell(play.s, &got));  // nothing hovered or clicked yet
    fs::HoverCell(play.s, hovered);
    REQUIRE(fs::InspectedCell(play.s, &got));
    CHECK(got == hovered);
  });
  frame.Text([&] { CHECK(fs::InspectedCell(play.s, &got)); });  // the next frame still shows it
  const fs::CellRef clicked{fs::CellField::kP, play.s.step, 4, 9};
  fs::SelectCell(play.s, clicked);
  frame.Text([&] {
    REQUIRE(fs::InspectedCell(play.s, &got));  // two frames on: the clicked cell
    CHECK(got == clicked);
  });
  fs::SetStep(play.s, play.s.step + 1);  // the clicked cell belongs to another step now
  frame.Text([&] { CHECK_FALSE(fs::InspectedCell(play.s, &got)); });
}

TEST_CASE("Animated stepping: a step slides in over animate_ms, and only when asked for", "[inspect][app]") {
  Player play("intro.json");
  play.Beat(0);
  fs::SetStep(play.s, 1);
  CHECK_FALSE(play.s.anim.Active());  // off by default: a step is shown at once
  play.s.view.animate = true;
  play.s.view.animate_ms = 400.0f;
  fs::SetStep(play.s, 2);
  REQUIRE(play.s.anim.Active());
  CHECK(play.s.anim.from == 1);
  CHECK(play.s.anim.t == 0.0);
  fs::Tick(play.s, 0.1);  // a quarter of the way
  CHECK(play.s.anim.t == Approx(0.25));
  fs::Tick(play.s, 1.0);
  CHECK(play.s.anim.t == 1.0);
  CHECK_FALSE(play.s.anim.Active());
  fs::SetStep(play.s, 2);  // the same step: nothing to animate
  CHECK_FALSE(play.s.anim.Active());
  fs::SetStep(play.s, 3);
  REQUIRE(play.s.anim.Active());
  fs::Problem other = play.s.problem;
  other.seed += 1;
  REQUIRE(fs::ApplyProblem(play.s, other));  // a new run is shown as it is
  CHECK_FALSE(play.s.anim.Active());
}
