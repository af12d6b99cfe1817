#include "catch2/catch.hpp"

#include <cmath>
#include <utility>
#include <vector>

#include "problem.h"
#include "test_util.h"

using Catch::Matchers::Contains;

TEST_CASE("the default problem is valid", "[problem]") {
  CHECK(fs::ProblemErrors(fs::Problem{}).empty());
  CHECK_NOTHROW(fs::Validate(fs::Problem{}));
}

TEST_CASE("every refused field is named with what is allowed", "[problem]") {
  struct Case {
    const char* name;
    void (*edit)(fs::Problem&);
    const char* field;
    const char* allowed;
  };
  const Case cases[] = {
      {"N too small", [](fs::Problem& p) { p.n = 0; }, "N (sequence length) is 0", "1..8192"},
      {"N too large", [](fs::Problem& p) { p.n = 8193; }, "N (sequence length) is 8193", "1..8192"},
      {"d not allowed", [](fs::Problem& p) { p.d = 48; }, "d (head dimension) is 48", "16, 32, 64, 96, 128"},
      {"Br not allowed", [](fs::Problem& p) { p.br = 48; }, "Br (Q block rows) is 48", "16, 32, 64, 128"},
      {"Bc not allowed", [](fs::Problem& p) { p.bc = 256; }, "Bc (K/V block rows) is 256", "16, 32, 64, 128"},
      {"negative scale", [](fs::Problem& p) { p.scale = -1.0f; }, "scale is", "positive finite"},
      {"rank too large",
       [](fs::Problem& p) {
         p.pattern = fs::Pattern::kLowRank;
         p.rank = 65;
       },
       "rank is 65", "1..min(d, 64)"},
      {"npy without files", [](fs::Problem& p) { p.pattern = fs::Pattern::kNpy; }, "pattern npy needs three files",
       "--q, --k and --v"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    fs::Problem p;
    c.edit(p);
    const auto errors = fs::ProblemErrors(p);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Contains(c.field) && Contains(c.allowed));
    CHECK_THROWS_AS(fs::Validate(p), fs::ProblemError);
  }
}

TEST_CASE("several wrong fields are all reported at once", "[problem]") {
  fs::Problem p;
  p.n = -5;
  p.d = 7;
  p.br = 3;
  CHECK(fs::ProblemErrors(p).size() == 3);
  CHECK_THROWS_WITH(fs::Validate(p), Contains("N (sequence length)") && Contains("d (head dimension)") &&
                                         Contains("Br (Q block rows)"));
}

TEST_CASE("pattern names parse back to the same pattern", "[problem]") {
  for (auto pat : {fs::Pattern::kRandom, fs::Pattern::kSink, fs::Pattern::kTiedMaxima, fs::Pattern::kLowRank,
                   fs::Pattern::kNpy}) {
    fs::Pattern parsed = fs::Pattern::kRandom;
    REQUIRE(fs::ParsePattern(fs::PatternName(pat), &parsed));
    CHECK(parsed == pat);
  }
  fs::Pattern unused;
  CHECK_FALSE(fs::ParsePattern("gaussian", &unused));
  CHECK_THAT(fs::PatternChoices(), Contains("random") && Contains("tied") && Contains("lowrank"));
}

TEST_CASE("the default softmax scale is 1/sqrt(d)", "[problem]") {
  fs::Problem p;
  p.d = 64;
  CHECK(p.EffectiveScale() == 0.125f);
  p.scale = 0.5f;
  CHECK(p.EffectiveScale() == 0.5f);
}

TEST_CASE("an infinite or NaN softmax scale is refused", "[problem][scale]") {
  for (float scale : {INFINITY, -INFINITY, NAN}) {
    fs::Problem p;
    p.scale = scale;
    INFO("scale " << scale);
    const auto errors = fs::ProblemErrors(p);
    REQUIRE(errors.size() == 1);
    CHECK_THAT(errors[0], Contains("scale is") && Contains("a positive finite number"));
  }
}

TEST_CASE("two problems are equal only when every field is", "[problem]") {
  const std::vector<std::pair<const char*, void (*)(fs::Problem&)>> edits = {
      {"n", [](fs::Problem& p) { p.n = 100; }},
      {"d", [](fs::Problem& p) { p.d = 32; }},
      {"br", [](fs::Problem& p) { p.br = 16; }},
      {"bc", [](fs::Problem& p) { p.bc = 16; }},
      {"causal", [](fs::Problem& p) { p.causal = true; }},
      {"scale", [](fs::Problem& p) { p.scale = 0.3f; }},
      {"seed", [](fs::Problem& p) { p.seed = 2; }},
      {"pattern", [](fs::Problem& p) { p.pattern = fs::Pattern::kSink; }},
      {"rank", [](fs::Problem& p) { p.rank = 2; }},
      {"q", [](fs::Problem& p) { p.q_path = "q.npy"; }},
      {"k", [](fs::Problem& p) { p.k_path = "k.npy"; }},
      {"v", [](fs::Problem& p) { p.v_path = "v.npy"; }},
  };
  CHECK(fs::Problem{} == fs::Problem{});
  for (const auto& [field, edit] : edits) {
    INFO(field);
    fs::Problem p;
    edit(p);
    CHECK_FALSE(p == fs::Problem{});
    CHECK(p != fs::Problem{});
  }
}

TEST_CASE("Describe names the shape, the mask, the pattern and an explicit scale", "[problem][scale]") {
  fs::Problem p = fs_test::ProblemOf(100, 32, 32, 16);
  CHECK(fs::Describe(p) == "N=100 d=32 Br=32 Bc=16 random seed=1");
  p.causal = true;
  p.scale = 0.5f;
  p.pattern = fs::Pattern::kLowRank;
  p.rank = 3;
  CHECK(fs::Describe(p) == "N=100 d=32 Br=32 Bc=16 causal lowrank r=3 seed=1 scale=0.5");
}
