// The web page's URL query: what a slide's link may ask for, what is refused and why, and the
// query the page writes back as the lesson moves.
#include "catch2/catch.hpp"

#include "problem.h"
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
  CHECK(fs::UrlQueryFor("/lessons/causal.json", 1) == "?lesson=causal&beat=2");
  CHECK(fs::UrlQueryFor("intro.json", 0) == "?lesson=intro&beat=1");
  // Read back, it is the same choice.
  const fs::UrlChoice c = fs::ParseUrlQuery(fs::UrlQueryFor("/lessons/softmax_limits.json", 4));
  CHECK(c.lesson == "softmax_limits");
  CHECK(c.beat == 5);
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
