// The web page's URL query: what a slide's link may ask for, what is refused and why, and the
// query the page writes back as the lesson moves.
#include "catch2/catch.hpp"

#include "precision.h"
#include "problem.h"
#include "problem_json.h"
#include "test_util.h"
#include "url_query.h"

using Catch::Matchers::Contains;

TEST_CASE("a URL names a lesson and a beat; anything else in it is left out, saying why", "[web]") {
  fs::UrlChoice c = fs::ParseUrlQuery("?lesson=causal&beat=2");
  CHECK(c.lesson == "causal");
  CHECK(c.beat == 2);
  CHECK(c.refused.empty());
  c = fs::ParseUrlQuery("beat=12&other=1&lesson=fa2_three_changes");
  CHECK(c.lesson == "fa2_three_changes");
  CHECK(c.beat == 12);
  c = fs::ParseUrlQuery("");
  CHECK(c.lesson.empty());
  CHECK(c.beat == 0);
  // A path, an empty name, a beat of 0, text or a number past the range: refused, and named.
  c = fs::ParseUrlQuery("?lesson=../../etc/passwd&beat=0");
  CHECK(c.lesson.empty());
  CHECK(c.beat == 0);
  CHECK_THAT(c.refused, Contains("lesson \"../../etc/passwd\" is not a lesson's name"));
  CHECK_THAT(c.refused, Contains("beat \"0\" is not a beat number"));
  CHECK(fs::ParseUrlQuery("?lesson=&beat=2x").refused ==
        "lesson \"\" is not a lesson's name (letters, digits, _ and -); beat \"2x\" is not a beat number (1, 2, ...)");
  CHECK(fs::ParseUrlQuery("?beat=1001").beat == 0);
  CHECK(fs::ParseUrlQuery("?lesson=" + std::string(65, 'a')).lesson.empty());
}

TEST_CASE("the page writes the lesson's name and the beat from 1 into its URL", "[web]") {
  const fs::Problem p;
  CHECK(fs::UrlQueryFor("/lessons/causal.json", 1, p, p) == "?lesson=causal&beat=2");
  CHECK(fs::UrlQueryFor("intro.json", 0, p, p) == "?lesson=intro&beat=1");
  // Read back, it is the same choice.
  const fs::UrlChoice c = fs::ParseUrlQuery(fs::UrlQueryFor("/lessons/softmax_limits.json", 4, p, p));
  CHECK(c.lesson == "softmax_limits");
  CHECK(c.beat == 5);
  CHECK(c.problem.empty());
}

TEST_CASE("the page's URL carries the fields where the problem shown differs from the beat's, and gives it back",
          "[web]") {
  fs::NormalRng rng(20261122);
  const char* patterns[] = {"random", "sink", "tied", "lowrank", "drift"};
  const char* formats[] = {"fp32", "bf16", "fp16"};
  const char* presets[] = {"fp32", "fa2-bf16", "fa2-fp16", "paper-bf16"};
  for (int trial = 0; trial < 200; ++trial) {
    const fs::Problem beat = fs_test::RandomProblem(rng, trial % 2 == 0);
    // A few fields changed by hand, as the controls or a link would.
    nlohmann::json edit = fs::ProblemToJson(beat);
    const auto pick = [&](int n) { return static_cast<int>(rng.NextU64() % static_cast<uint64_t>(n)); };
    if (pick(2)) edit["n"] = 1 + pick(4096);
    if (pick(3) == 0) edit["causal"] = !beat.causal;
    if (pick(3) == 0) edit["pattern"] = patterns[pick(5)];
    if (pick(3) == 0) edit["seed"] = rng.NextU64();
    if (pick(3) == 0) edit["scale"] = 0.03125 * (1 + pick(16));
    if (pick(3) == 0) edit["precision"] = presets[pick(4)];
    if (pick(4) == 0) edit["precision"] = {{"scores", formats[pick(3)]}, {"pbar", formats[pick(3)]}};
    if (pick(3) == 0) {
      edit["softmax"] = "stabilized";
      edit["beta"] = 0.25 * (1 + pick(8));
    }
    fs::Problem shown;
    try {
      shown = fs::ProblemFromJson(edit, "edit");
    } catch (const fs::ProblemError&) {
      continue;  // a combination the problem refuses (e.g. FA1's order with BF16)
    }
    const std::string query = fs::UrlQueryFor("/lessons/intro.json", 2, beat, shown);
    INFO(query);
    // Only characters a URL carries as they are.
    CHECK(query.find_first_not_of("?&=.-_abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos);
    const fs::UrlChoice c = fs::ParseUrlQuery(query);
    CHECK(c.refused.empty());
    CHECK(c.lesson == "intro");
    CHECK(c.beat == 3);
    fs::Problem back = beat;
    CHECK(fs::ApplyUrlProblem(c.problem, &back).empty());
    CHECK(back == shown);
    CHECK(c.problem.empty() == (shown == beat));
  }
  // A preset is named; a precision that is none names its stages.
  fs::Problem bf16;
  fs::ParsePrecisionPreset("paper-bf16", &bf16.precision);
  CHECK(fs::UrlQueryFor("a.json", 0, fs::Problem{}, bf16) == "?lesson=a&beat=1&precision=paper-bf16");
  fs::Problem custom;
  custom.precision.scores = fs::Format::kBf16;
  CHECK(fs::UrlQueryFor("a.json", 0, fs::Problem{}, custom) == "?lesson=a&beat=1&precision.scores=bf16");
  // Inputs from files: no fields.
  fs::Problem npy;
  npy.pattern = fs::Pattern::kNpy;
  npy.q_path = npy.k_path = npy.v_path = "/uploads/q.npy";
  CHECK(fs::UrlQueryFor("a.json", 0, fs::Problem{}, npy) == "?lesson=a&beat=1");
}

TEST_CASE("a URL's problem fields are applied as a lesson's are, and a bad one is refused by name", "[web]") {
  const fs::UrlChoice c = fs::ParseUrlQuery("?n=200&d=64&causal=true&order=fa1&seed=9&lesson=intro");
  CHECK(c.lesson == "intro");
  CHECK(c.problem == nlohmann::json({{"n", 200}, {"d", 64}, {"causal", true}, {"order", "fa1"}, {"seed", 9}}));
  fs::Problem p;
  CHECK(fs::ApplyUrlProblem(c.problem, &p).empty());
  CHECK(p.n == 200);
  CHECK(p.d == 64);
  CHECK(p.causal);
  CHECK(p.order == fs::LoopOrder::kFa1);
  CHECK(p.seed == 9u);
  // Refused, with p left as it was: a block size outside the list, an unknown field.
  fs::Problem q;
  const fs::Problem before = q;
  CHECK_THAT(fs::ApplyUrlProblem(fs::ParseUrlQuery("?br=48").problem, &q), Contains("field \"br\" is 48"));
  CHECK(q == before);
  CHECK_THAT(fs::ApplyUrlProblem(fs::ParseUrlQuery("?colour=red").problem, &q), Contains("colour"));
  CHECK(q == before);
  // A link cannot give the page a file.
  const fs::UrlChoice f = fs::ParseUrlQuery("?pattern=npy&q=/etc/passwd");
  CHECK_THAT(f.refused, Contains("q names a file"));
  CHECK_FALSE(f.problem.contains("q"));
}
