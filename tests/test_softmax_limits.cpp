// The softmax-limits computations (kernels/softmax_limits.h): the flattening bounds, the exact spectral
// norm of the softmax Jacobian against a dense eigen-solve, and the selection experiment.
#include "catch2/catch.hpp"

#include <cmath>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "inputs.h"
#include "softmax_limits.h"
#include "test_oracle.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

// Largest eigenvalue of the symmetric matrix a (n x n) by cyclic Jacobi rotations.
double DenseLargestEigenvalue(std::vector<double> a, int n) {
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) off += a[i * n + j] * a[i * n + j];
    if (off < 1e-30) break;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j) {
        const double aij = a[i * n + j];
        if (std::fabs(aij) < 1e-300) continue;
        const double theta = (a[j * n + j] - a[i * n + i]) / (2.0 * aij);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int k = 0; k < n; ++k) {  // columns i and j
          const double aki = a[k * n + i], akj = a[k * n + j];
          a[k * n + i] = c * aki - s * akj;
          a[k * n + j] = s * aki + c * akj;
        }
        for (int k = 0; k < n; ++k) {  // rows i and j
          const double aik = a[i * n + k], ajk = a[j * n + k];
          a[i * n + k] = c * aik - s * ajk;
          a[j * n + k] = s * aik + c * ajk;
        }
      }
  }
  double best = a[0];
  for (int i = 1; i < n; ++i) best = std::max(best, a[i * n + i]);
  return best;
}

}  // namespace

TEST_CASE("the Jacobian's spectral norm from the secular equation equals a dense eigen-solve", "[softmax-limits]") {
  const uint64_t seed = fs_test::TestSeed();
  INFO("seed " << seed << " (--rng-seed)");
  fs::NormalRng rng(seed);
  for (int trial = 0; trial < 40; ++trial) {
    const int n = 2 + static_cast<int>(rng.NextU64() % 30);
    std::vector<double> z(n);
    for (double& x : z) x = 3.0 * rng.Normal();
    const double t = 0.05 + 2.0 * rng.Uniform();
    const std::vector<double> p = fs::SoftmaxAt(z, t);
    std::vector<double> m(static_cast<size_t>(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) m[i * n + j] = (i == j ? p[i] : 0.0) - p[i] * p[j];
    INFO("n " << n << " T " << t);
    CHECK(fs::SoftmaxCovarianceNorm(p) == Approx(DenseLargestEigenvalue(m, n)).margin(1e-12));
  }
  // Two tied weights of 1/2 reach the largest possible value, 1/2; one weight of 1 gives 0.
  CHECK(fs::SoftmaxCovarianceNorm({0.5, 0.5}) == 0.5);
  CHECK(fs::SoftmaxCovarianceNorm({1.0, 0.0, 0.0}) == Approx(0.0).margin(1e-15));
  CHECK(fs::SoftmaxCovarianceNorm({0.25, 0.25, 0.25, 0.25}) == 0.25);
}

TEST_CASE("every weight lies between C1/L and C2/L, and the entropy approaches log L, as L grows",
          "[softmax-limits]") {
  fs::LimitsSetup s;
  s.seed = fs_test::TestSeed();
  INFO("seed " << s.seed << " (--rng-seed)");
  double previous_max = 1.0;
  for (int l = 16; l <= 65536; l *= 4) {
    const fs::FlattenPoint f = fs::Flatten(s, l);
    INFO("L " << l);
    CHECK(f.max_w * l <= f.c2);
    CHECK(f.min_w * l >= f.c1);
    CHECK(f.entropy <= std::log(l) + 1e-12);
    CHECK(f.entropy >= std::log(l) - 2.0 * s.bound / s.temperature);
    CHECK(f.max_w < previous_max);  // the largest weight falls toward 0 like 1/L
    previous_max = f.max_w;
  }
  // The gap to log L stays bounded while log L grows: relative flattening.
  const fs::FlattenPoint a = fs::Flatten(s, 64), b = fs::Flatten(s, 65536);
  CHECK(b.entropy / std::log(65536.0) > a.entropy / std::log(64.0));
}

TEST_CASE("the Jacobian's norm never exceeds min(max p, 1/2) / T; the quoted 1/(4T) is passed at a near tie",
          "[softmax-limits]") {
  fs::LimitsSetup s;
  s.seed = fs_test::TestSeed();
  INFO("seed " << s.seed << " (--rng-seed)");
  for (double t = 0.01; t <= 10.0; t *= 1.5) {
    const fs::JacobianPoint j = fs::Jacobian(s, 1024, t);
    INFO("T " << t);
    CHECK(j.norm <= j.bound * (1.0 + 1e-12));
    CHECK(j.norm >= 0.0);
  }
  // Two logits 0.001 apart at T = 0.001: weights near 1/2 each, the norm near 1/(2T), twice
  // the paper's 1/(4T).
  const std::vector<double> p = fs::SoftmaxAt({1.0, 0.999, -1.0}, 0.001);
  const double norm = fs::SoftmaxCovarianceNorm(p) / 0.001;
  CHECK(norm > 1.0 / (4.0 * 0.001));
  CHECK(norm <= 0.5 / 0.001);
}

TEST_CASE("selection: the selected tokens are found when few, and lost as N grows with L", "[softmax-limits]") {
  fs::LimitsSetup s;
  s.seed = fs_test::TestSeed();
  INFO("seed " << s.seed << " (--rng-seed)");
  const int l = 4096;
  const fs::SelectionPoint one = fs::Select(s, l, 1), few = fs::Select(s, l, 16), many = fs::Select(s, l, l / 2);
  CHECK(one.recovered == 1.0);  // a key is its own best match at d = 64
  CHECK(one.lift == 1.0);
  CHECK(few.lift > many.lift);  // more selected tokens: each further from the query, nearer a guess
  CHECK(many.lift < 0.5);
  for (const fs::SelectionPoint& r : {one, few, many}) {
    INFO("N " << r.n);
    CHECK(r.selected_mass >= static_cast<double>(r.n) / l);  // at least their share of the average
    CHECK(r.lift == Approx((r.recovered - double(r.n) / l) / (1.0 - double(r.n) / l)));
  }
  // Bounded logits: one perfectly matched key wins at L = 16 but is drowned at L = 4096, where
  // the output sits nearer the other tokens' mean than its own key.
  const fs::SelectionPoint short_context = fs::Select(s, 16, 1);
  CHECK(short_context.dist_selected < short_context.dist_others);
  CHECK(one.dist_others < one.dist_selected);
  CHECK(one.selected_mass < std::exp(s.bound) / (std::exp(s.bound) + (l - 1) * std::exp(-s.bound)));
}

TEST_CASE("limits refuse a setup out of range, naming what is allowed", "[softmax-limits]") {
  fs::LimitsSetup s;
  CHECK_THROWS_WITH(fs::Flatten(s, 1), Contains("the context length L is 1; allowed: 2..65536"));
  CHECK_THROWS_WITH(fs::Select(s, 64, 64), Contains("the selected tokens N are 64; allowed: 1..63"));
  CHECK_THROWS_WITH(fs::Jacobian(s, 64, 0.0), Contains("the temperature T is 0; allowed: 0.001 <= T <= 1000"));
  s.bound = NAN;
  CHECK_THROWS_WITH(fs::Flatten(s, 64), Contains("the logit bound B is nan; allowed: 0 < B <= 50"));
  s.bound = 4.0;
  s.d = 0;
  CHECK_THROWS_WITH(fs::Flatten(s, 64), Contains("d is 0; allowed: 1..1024"));
}

TEST_CASE("flashscope limits writes the curves as JSON and refuses bad lists with what is allowed",
          "[softmax-limits][cli]") {
  fs_test::TempDir dir;
  const std::string json = dir.File("limits.json"), log = dir.File("log");
  REQUIRE(fs_test::RunShell(std::string(FS_FLASHSCOPE_BIN) + " limits --l 16,256 --t 0.05,1 --n-selected 1,8,300 --d 32 "
                                                              "--json " + json,
                            log) == 0);
  const nlohmann::json doc = nlohmann::json::parse(fs_test::ReadBytes(json));
  REQUIRE(doc["flatten"].size() == 2u);
  CHECK(doc["selection"].size() == 4u);  // N = 300 is run at no L of these (N < L needed)
  REQUIRE(doc["jacobian"].size() == 2u);
  // The numbers are those of the library for the same setup.
  fs::LimitsSetup s;
  s.d = 32;
  const fs::FlattenPoint f = fs::Flatten(s, 256);
  CHECK(doc["flatten"][1]["max_w"].get<double>() == f.max_w);
  CHECK(doc["flatten"][1]["entropy"].get<double>() == f.entropy);
  const fs::JacobianPoint j = fs::Jacobian(s, 256, 0.05);
  CHECK(doc["jacobian"][0]["norm"].get<double>() == j.norm);
  CHECK(doc["quoted"]["selection_limit"] == "N below about 0.06 L");
  const std::pair<std::string, std::string> refused[] = {
      {"--l 16,1", "the context length L is 1; allowed: 2..65536"},
      {"--t 0", "the temperature T is 0; allowed: 0.001 <= T <= 1000"},
      {"--n-selected 0", "--n-selected 0 is not allowed; allowed: N >= 1"},
      {"--bound 80", "the logit bound B is 80; allowed: 0 < B <= 50"},
  };
  for (const auto& [args, message] : refused) {
    INFO(args);
    CHECK(fs_test::RunShell(std::string(FS_FLASHSCOPE_BIN) + " limits " + args + " --json " + dir.File("x.json"), log) == 2);
    CHECK_THAT(fs_test::ReadBytes(log), Contains(message));
    CHECK_FALSE(std::filesystem::exists(dir.File("x.json")));
  }
}
