#include "catch2/catch.hpp"

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulate.h"
#include "lesson.h"
#include "test_util.h"
#include "trace.h"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using nlohmann::json;

namespace {

std::string WithProblem(const std::string& problem, const std::string& beats) {
  return R"({"title": "t", "problem": )" + problem + R"(, "beats": )" + beats + "}";
}

const char* kOneBeat = R"([{"title": "a", "text": "b"}])";

// One beat with one integer field set, e.g. Beat("row", 64).
std::string Beat(const std::string& field, int value) {
  return R"([{"title": "a", "text": "b", ")" + field + "\": " + std::to_string(value) + "}]";
}

}  // namespace

TEST_CASE("the default lesson is the introduction", "[lesson]") {
  const std::string path = fs::DefaultLessonPath();
  CHECK_THAT(path, EndsWith("/scenarios/lessons/intro.json"));
  CHECK(fs::LoadLesson(path).path == path);
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
  const std::string problem = R"({"n": 64, "br": 32, "bc": 32})";
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(problem, Beat("step", 4)), "x.json"),
                    Contains("beats[0]") && Contains("\"step\" is 4") && Contains("-1..3"));
  CHECK(fs::ParseLesson(WithProblem(problem, Beat("step", 3)), "x.json").beats[0].step == 3);
}

TEST_CASE("a causal lesson's steps end where the causal loop ends", "[lesson]") {
  // Causal, N=64, Br=Bc=32: Q block 0 visits K/V block 0, Q block 1 blocks 0 and 1: 3 steps.
  const std::string problem = R"({"n": 64, "br": 32, "bc": 32, "causal": true})";
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(problem, Beat("step", 3)), "x.json"),
                    Contains("\"step\" is 3") && Contains("-1..2"));
  CHECK(fs::ParseLesson(WithProblem(problem, Beat("step", 2)), "x.json").beats[0].step == 2);
}

TEST_CASE("a beat's row must be a query of the problem, or -1", "[lesson]") {
  const std::string problem = R"({"n": 64, "br": 32, "bc": 32})";
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(problem, Beat("row", 64)), "x.json"),
                    Contains("beats[0]") && Contains("\"row\" is 64") && Contains("-1..63"));
  CHECK(fs::ParseLesson(WithProblem(problem, Beat("row", 63)), "x.json").beats[0].row == 63);
  CHECK(fs::ParseLesson(WithProblem(problem, Beat("row", -1)), "x.json").beats[0].row == -1);
}

TEST_CASE("negative steps and rows other than -1 are refused", "[lesson]") {
  const std::string problem = R"({"n": 64, "br": 32, "bc": 32})";
  for (const char* field : {"step", "row"}) {
    INFO(field);
    CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(problem, Beat(field, -2)), "x.json"),
                      Contains(std::string("\"") + field + "\" is -2") && Contains("allowed: -1.."));
    CHECK_THROWS_AS(fs::ParseLesson(WithProblem(problem, Beat(field, -100)), "x.json"), fs::LessonError);
  }
  CHECK(fs::ParseLesson(WithProblem(problem, Beat("step", -1)), "x.json").beats[0].step == -1);
}

TEST_CASE("a lesson's softmax scale is read, and a bad one refused", "[lesson][scale]") {
  CHECK(fs::ParseLesson(WithProblem(R"({"scale": 0.25})", kOneBeat), "x.json").problem.scale == 0.25f);
  CHECK(fs::ParseLesson(WithProblem("{}", kOneBeat), "x.json").problem.scale == 0.0f);
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem(R"({"scale": -2})", kOneBeat), "x.json"),
                    Contains("x.json") && Contains("\"scale\"") && Contains("positive finite"));
}

TEST_CASE("unknown panels and fields in a beat are refused with the allowed names", "[lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"([{"title": "a", "text": "b", "panels": ["heat"]}])"), "x.json"),
                    Contains("\"heat\"") && Contains("tiles, softmax, scores"));
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"([{"title": "a", "text": "b", "colour": 1}])"), "x.json"),
                    Contains("unknown field \"colour\""));
}

TEST_CASE("lesson fields of the wrong type are refused, naming the field", "[lesson]") {
  CHECK_THROWS_WITH(fs::ParseLesson(R"({"title": 3, "problem": {}, "beats": [{"title": "a", "text": "b"}]})", "x.json"),
                    Contains("\"title\" must be a string"));
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"(["a beat"])"), "x.json"),
                    Contains("beats[0]") && Contains("a beat must be an object"));
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"([{"title": "a", "text": "b", "panels": "tiles"}])"), "x.json"),
                    Contains("\"panels\" must be a list"));
  CHECK_THROWS_WITH(fs::ParseLesson(WithProblem("{}", R"([{"title": "a", "text": "b", "row": 1.5}])"), "x.json"),
                    Contains("\"row\" must be an integer"));
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

TEST_CASE("every lesson shipped in scenarios/lessons is read as its file says", "[lesson]") {
  // Each file is also parsed here on its own, and the loaded lesson compared with it field by
  // field, so that a loader that drops or alters a value is seen.
  const std::string dir = std::string(FS_SOURCE_DIR) + "/scenarios/lessons";
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    if (entry.path().extension() == ".json") names.insert(entry.path().filename().string());
  for (const char* shipped : {"intro.json", "causal.json", "ties.json"}) CHECK(names.count(shipped) == 1);
  for (const std::string& name : names) {
    INFO(name);
    const std::string path = dir + "/" + name;
    const json raw = json::parse(fs_test::ReadBytes(path));
    const fs::Lesson lesson = fs::LoadLesson(path);
    CHECK(lesson.title == raw.at("title").get<std::string>());
    CHECK(lesson.summary == raw.value("summary", std::string()));
    const json& problem = raw.at("problem");
    CHECK(lesson.problem.n == problem.value("n", fs::Problem().n));
    CHECK(lesson.problem.d == problem.value("d", fs::Problem().d));
    CHECK(lesson.problem.br == problem.value("br", fs::Problem().br));
    CHECK(lesson.problem.bc == problem.value("bc", fs::Problem().bc));
    CHECK(lesson.problem.causal == problem.value("causal", false));
    CHECK(lesson.problem.seed == problem.value("seed", fs::Problem().seed));
    CHECK(lesson.problem.scale == problem.value("scale", 0.0f));
    CHECK(fs::PatternName(lesson.problem.pattern) == problem.value("pattern", std::string("random")));
    REQUIRE(lesson.beats.size() == raw.at("beats").size());
    REQUIRE(!lesson.beats.empty());
    for (size_t i = 0; i < lesson.beats.size(); ++i) {
      const json& beat = raw.at("beats")[i];
      INFO("beat " << i);
      CHECK(lesson.beats[i].title == beat.at("title").get<std::string>());
      CHECK(lesson.beats[i].text == beat.at("text").get<std::string>());
      CHECK(lesson.beats[i].step == beat.value("step", -1));
      CHECK(lesson.beats[i].row == beat.value("row", -1));
      CHECK(lesson.beats[i].panels == beat.value("panels", std::vector<std::string>()));
    }
  }
}

TEST_CASE("the tied-maxima lesson really shows probabilities of exactly 1", "[lesson]") {
  const fs::Lesson lesson = fs::LoadLesson(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/ties.json");
  const fs::Trace t = fs::EmulateTraced(lesson.problem, fs::MakeInputs(lesson.problem));
  REQUIRE(lesson.beats.size() > 1);
  const fs::Beat& beat = lesson.beats[1];
  REQUIRE(beat.step >= 0);
  REQUIRE(beat.step < t.StepCount());
  const fs::StepInfo& st = t.steps[beat.step];
  REQUIRE(beat.row >= st.row0);
  REQUIRE(beat.row < st.row0 + st.rows);
  const float* prow = t.P(beat.step) + static_cast<size_t>(beat.row - st.row0) * lesson.problem.bc;
  int ones = 0;
  for (int c = 0; c < st.cols; ++c) ones += prow[c] == 1.0f;
  CHECK(ones >= 2);
}
