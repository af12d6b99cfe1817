// Lesson beats beyond their text: a problem override merged over the lesson's problem and
// validated like it, .npy paths relative to the lesson file, the bit view's cell and the
// drift runs. A mistake names the file, the beat, the field and what is allowed.
#include "catch2/catch.hpp"

#include <string>

#include "lesson.h"

using Catch::Matchers::Contains;

namespace {

const char* kProblem = R"({"n": 128, "d": 32, "br": 32, "bc": 32, "pattern": "drift", "precision": "paper-bf16"})";

std::string LessonWithBeat(const std::string& beat, const std::string& problem = kProblem) {
  return R"({"title": "t", "problem": )" + problem + R"(, "beats": [{"title": "a", "text": "b"}, )" + beat + "]}";
}

}  // namespace

TEST_CASE("a beat without a problem shows the lesson's", "[lesson][beat]") {
  const fs::Lesson lesson = fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d"})"), "x.json");
  CHECK_FALSE(lesson.beats[1].overrides_problem);
  CHECK(lesson.beats[1].problem == lesson.problem);
}

TEST_CASE("a beat's problem changes only the fields it names", "[lesson][beat]") {
  const fs::Lesson lesson = fs::ParseLesson(
      LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"softmax": "stabilized", "beta": 7}})"), "x.json");
  const fs::Beat& b = lesson.beats[1];
  REQUIRE(b.overrides_problem);
  CHECK(b.problem.softmax == fs::Softmax::kStabilized);
  CHECK(b.problem.beta == 7.0f);
  fs::Problem expected = lesson.problem;
  expected.softmax = fs::Softmax::kStabilized;
  expected.beta = 7.0f;
  CHECK(b.problem == expected);
  CHECK(fs::PrecisionName(b.problem.precision) == "paper-bf16");
}

TEST_CASE("a beat's stage override keeps the lesson's precision preset under it", "[lesson][beat]") {
  const fs::Lesson lesson =
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"precision": {"acc": "fp32"}}})"), "x.json");
  fs::Precision expected;
  REQUIRE(fs::ParsePrecisionPreset("paper-bf16", &expected));
  expected.acc = fs::Format::kFp32;
  CHECK(lesson.beats[1].problem.precision == expected);
}

TEST_CASE("a bad value in a beat's problem names the file, the beat, the field and what is allowed", "[lesson][beat]") {
  CHECK_THROWS_WITH(
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"beta": 1}})"), "lessons/x.json"),
      Contains("lessons/x.json: beats[1]: problem: field \"beta\" is 1; allowed: 1 < beta <= 16"));
  CHECK_THROWS_WITH(fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"colour": 1}})"), "x.json"),
                    Contains("x.json: beats[1]: problem: unknown field \"colour\"; allowed:") && Contains("beta"));
  CHECK_THROWS_WITH(fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "problem": "fast"})"), "x.json"),
                    Contains("x.json: beats[1]: field \"problem\" is \"fast\"; allowed: an object"));
  CHECK_THROWS_WITH(
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"precision": "bf8"}})"), "x.json"),
      Contains("beats[1]: problem: field \"precision\" is \"bf8\"; allowed:") && Contains("paper-bf16"));
}

TEST_CASE("a beat's step and row are checked against the beat's own problem", "[lesson][beat]") {
  // The lesson: N=128, Br=Bc=32, 16 steps; the beat: N=64, 4 steps.
  CHECK_NOTHROW(fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "step": 15})"), "x.json"));
  CHECK_THROWS_WITH(
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "step": 15, "problem": {"n": 64}})"), "x.json"),
      Contains("beats[1]") && Contains("\"step\" is 15") && Contains("-1..3"));
  CHECK_THROWS_WITH(
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "row": 100, "problem": {"n": 64}})"), "x.json"),
      Contains("\"row\" is 100") && Contains("-1..63"));
}

TEST_CASE(".npy paths in a lesson and its beats are relative to the lesson file", "[lesson][beat]") {
  const std::string npy = R"({"pattern": "npy", "q": "data/q.npy", "k": "/abs/k.npy", "v": "v.npy", "dout": "data/do.npy"})";
  const fs::Lesson lesson = fs::ParseLesson(
      LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"v": "other/v.npy"}})", npy), "/lessons/mine/x.json");
  CHECK(lesson.problem.q_path == "/lessons/mine/data/q.npy");
  CHECK(lesson.problem.k_path == "/abs/k.npy");
  CHECK(lesson.problem.v_path == "/lessons/mine/v.npy");
  CHECK(lesson.problem.dout_path == "/lessons/mine/data/do.npy");
  CHECK(lesson.beats[1].problem.q_path == "/lessons/mine/data/q.npy");
  CHECK(lesson.beats[1].problem.v_path == "/lessons/mine/other/v.npy");
}

TEST_CASE("a beat leaves the npy pattern by removing q, k and v with null", "[lesson][beat]") {
  const std::string npy = R"({"pattern": "npy", "q": "q.npy", "k": "k.npy", "v": "v.npy"})";
  CHECK_THROWS_WITH(fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"pattern": "drift"}})", npy),
                                    "x.json"),
                    Contains("field \"q\" is set but pattern is \"drift\""));
  const fs::Lesson lesson = fs::ParseLesson(
      LessonWithBeat(R"({"title": "c", "text": "d", "problem": {"pattern": "drift", "q": null, "k": null, "v": null}})",
                     npy),
      "x.json");
  CHECK(lesson.beats[1].problem.pattern == fs::Pattern::kDrift);
  CHECK(lesson.beats[1].problem.q_path.empty());
}

TEST_CASE("a beat's cell names a field and a column in range, with its step and row", "[lesson][beat]") {
  const fs::Lesson lesson = fs::ParseLesson(
      LessonWithBeat(R"({"title": "c", "text": "d", "step": 0, "row": 5, "cell": {"field": "O-bar", "col": 31}})"),
      "x.json");
  REQUIRE(lesson.beats[1].has_cell);
  CHECK(lesson.beats[1].cell_field == fs::CellField::kOBar);
  CHECK(lesson.beats[1].cell_col == 31);
  CHECK_THROWS_WITH(
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "step": 0, "row": 5, "cell": {"field": "O-bar", "col": 32}})"),
                      "x.json"),
      Contains("x.json: beats[1]: field \"cell.col\" is 32; allowed: 0..31 (a feature)"));
  CHECK_THROWS_WITH(
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "step": 0, "row": 5, "cell": {"field": "Q"}})"), "x.json"),
      Contains("field \"cell\" is") && Contains("S, P, O-bar, O~, O"));
  CHECK_THROWS_WITH(fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "cell": {"field": "P"}})"), "x.json"),
                    Contains("field \"cell\" needs the beat's \"step\" and \"row\""));
}

TEST_CASE("a beat's drift runs are a count in range", "[lesson][beat]") {
  const fs::Lesson lesson =
      fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "drift_runs": 8})"), "x.json");
  CHECK(lesson.beats[1].drift_runs == 8);
  CHECK_THROWS_WITH(fs::ParseLesson(LessonWithBeat(R"({"title": "c", "text": "d", "drift_runs": 1000})"), "x.json"),
                    Contains("field \"drift_runs\" is 1000; allowed: 0..64"));
}

TEST_CASE("the shipped lessons' .npy files exist next to them", "[lesson][beat]") {
  for (const char* name : {"beta_fix.json", "biased_rounding.json"}) {
    const fs::Lesson lesson = fs::LoadLesson(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/" + name);
    for (const fs::Beat& b : lesson.beats)
      if (b.problem.pattern == fs::Pattern::kNpy) {
        INFO(name << ": " << b.title);
        CHECK_NOTHROW(fs::MakeInputs(b.problem));
      }
  }
}
