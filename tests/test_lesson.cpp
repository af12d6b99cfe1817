#include "catch2/catch.hpp"

#include "emulate.h"
#include "lesson.h"
#include "trace.h"

using Catch::Matchers::Contains;

namespace {

std::string WithProblem(const std::string& problem, const std::string& beats) {
  return R"({"title": "t", "problem": )" + problem + R"(, "beats": )" + beats + "}";
}

const char* kOneBeat = R"([{"title": "a", "text": "b"}])";

}  // namespace

TEST_CASE("the default lesson loads and its beats fit its problem", "[lesson]") {
  const fs::Lesson lesson = fs::LoadLesson(fs::DefaultLessonPath());
  CHECK(!lesson.title.empty());
  REQUIRE(lesson.beats.size() >= 3);
  const int steps = fs::StepOffsets(lesson.problem).back();
  for (const auto& beat : lesson.beats) {
    CHECK(!beat.text.empty());
    CHECK(beat.step < steps);
    CHECK(beat.row < lesson.problem.n);
  }
}

TEST_CASE("a lesson that is not JSON names the file", "[lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson("{not json", "lessons/x.json"), Contains("lessons/x.json") && Contains("not valid JSON"));
}

TEST_CASE("a missing lesson file says it cannot be opened", "[lesson]") {
  CHECK_THROWS_WITH(fs::LoadLesson("/nonexistent/lesson.json"), Contains("/nonexistent/lesson.json") && Contains("cannot open"));
}

TEST_CASE("a bad problem field in a lesson names the field and the allowed values", "[lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(R"({"br": 48})", kOneBeat), "x.json"),
                    Contains("x.json") && Contains("br") && Contains("48") && Contains("16, 32, 64, 128"));
}

TEST_CASE("a beat's step must lie inside the problem's loop", "[lesson]") {
  // N=64, Br=Bc=32: 2 x 2 = 4 steps, so step 4 is one too many.
  const std::string beats = R"([{"title": "a", "text": "b", "step": 4}])";
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(R"({"n": 64, "br": 32, "bc": 32})", beats), "x.json"),
                    Contains("beats[0]") && Contains("\"step\" is 4") && Contains("-1..3"));
}

TEST_CASE("unknown panels and fields in a beat are refused with the allowed names", "[lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"([{"title": "a", "text": "b", "panels": ["heat"]}])"), "x.json"),
                    Contains("\"heat\"") && Contains("tiles, softmax, scores"));
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"([{"title": "a", "text": "b", "colour": 1}])"), "x.json"),
                    Contains("unknown field \"colour\""));
}

TEST_CASE("a lesson needs a title and at least one beat", "[lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson(R"({"problem": {}, "beats": [{"title": "a", "text": "b"}]})", "x.json"),
                    Contains("missing field \"title\""));
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", "[]"), "x.json"), Contains("non-empty list of beats"));
}

TEST_CASE("beat panels, step and row are read", "[lesson]") {
  const auto lesson = fs::ParseLesson(
      WithProblem(R"({"n": 64, "br": 32, "bc": 32})",
                  R"([{"title": "a", "text": "b", "step": 3, "row": 40, "panels": ["tiles", "scores"]}])"),
      "x.json");
  REQUIRE(lesson.beats.size() == 1);
  CHECK(lesson.beats[0].step == 3);
  CHECK(lesson.beats[0].row == 40);
  CHECK(lesson.beats[0].panels == std::vector<std::string>{"tiles", "scores"});
  CHECK(lesson.problem.n == 64);
}

TEST_CASE("every lesson shipped in scenarios/lessons loads", "[lesson]") {
  const std::string dir = std::string(FS_SOURCE_DIR) + "/scenarios/lessons/";
  int loaded = 0;
  for (const char* name : {"intro.json", "causal.json", "ties.json"}) {
    INFO(name);
    const fs::Lesson lesson = fs::LoadLesson(dir + name);
    CHECK(!lesson.beats.empty());
    ++loaded;
  }
  CHECK(loaded == 3);
}

TEST_CASE("the tied-maxima lesson really shows probabilities of exactly 1", "[lesson]") {
  const fs::Lesson lesson = fs::LoadLesson(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/ties.json");
  const fs::Trace t = fs::EmulateTraced(lesson.problem, fs::MakeInputs(lesson.problem));
  const fs::Beat& beat = lesson.beats[1];
  const fs::StepInfo& st = t.steps[beat.step];
  const float* prow = t.P(beat.step) + static_cast<size_t>(beat.row - st.row0) * lesson.problem.bc;
  int ones = 0;
  for (int c = 0; c < st.cols; ++c) ones += prow[c] == 1.0f;
  CHECK(ones >= 2);
}
