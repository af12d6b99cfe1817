#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>

#include "inputs.h"
#include "reference.h"

namespace {

fs::Problem Make(fs::Pattern pattern, int n, int d, uint64_t seed) {
  fs::Problem p;
  p.pattern = pattern;
  p.n = n;
  p.d = d;
  p.seed = seed;
  return p;
}

double Score(const fs::Inputs& in, int q, int k) {
  double s = 0.0;
  for (int t = 0; t < in.d; ++t) s += double(in.q[size_t(q) * in.d + t]) * in.k[size_t(k) * in.d + t];
  return s;
}

double MeanAbsCos(const std::vector<float>& m, int n, int d) {
  double total = 0.0;
  int pairs = 0;
  for (int a = 0; a < n; a += 3)
    for (int b = a + 1; b < n; b += 5) {
      double dot = 0, na = 0, nb = 0;
      for (int t = 0; t < d; ++t) {
        const double x = m[size_t(a) * d + t], y = m[size_t(b) * d + t];
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      total += std::fabs(dot) / std::sqrt(na * nb);
      ++pairs;
    }
  return total / pairs;
}

}  // namespace

TEST_CASE("inputs are a pure function of the seed", "[inputs]") {
  const auto a = fs::MakeInputs(Make(fs::Pattern::kRandom, 100, 32, 7));
  const auto b = fs::MakeInputs(Make(fs::Pattern::kRandom, 100, 32, 7));
  const auto c = fs::MakeInputs(Make(fs::Pattern::kRandom, 100, 32, 8));
  CHECK(a.q == b.q);
  CHECK(a.k == b.k);
  CHECK(a.v == b.v);
  CHECK(a.dout == b.dout);
  CHECK(a.q != c.q);
  CHECK(a.q.size() == 100u * 32u);
}

TEST_CASE("random Q, K, V and the upstream gradient dO are standard normal and distinct", "[inputs]") {
  const auto in = fs::MakeInputs(Make(fs::Pattern::kRandom, 2048, 64, 3));
  for (const auto* m : {&in.q, &in.k, &in.v, &in.dout}) {
    INFO((m == &in.q ? "Q" : m == &in.k ? "K" : m == &in.v ? "V" : "dO"));
    REQUIRE(m->size() == 2048u * 64u);
    double sum = 0, sq = 0;
    for (float x : *m) {
      sum += x;
      sq += double(x) * x;
    }
    const double mean = sum / m->size(), var = sq / m->size() - mean * mean;
    CHECK(std::fabs(mean) < 0.01);
    CHECK(std::fabs(var - 1.0) < 0.02);
  }
  CHECK(in.q != in.k);
  CHECK(in.k != in.v);
  CHECK(in.v != in.dout);
}

TEST_CASE("tied-maxima keys come in identical pairs, and every row's maximum appears exactly twice", "[inputs]") {
  const auto p = Make(fs::Pattern::kTiedMaxima, 64, 32, 11);
  const auto in = fs::MakeInputs(p);
  const auto key = [&](int r) { return std::vector<float>(in.k.begin() + r * p.d, in.k.begin() + (r + 1) * p.d); };
  for (int r = 0; r + 1 < p.n; r += 2) {
    INFO("keys " << r << " and " << r + 1);
    CHECK(key(r + 1) == key(r));                  // a pair: the same bits
    if (r + 2 < p.n) CHECK(key(r + 2) != key(r));  // pairs differ from each other
  }
  // Two keys, not one and not all: a row's largest score is held by exactly one pair.
  for (int q = 0; q < p.n; ++q) {
    std::vector<double> s(p.n);
    for (int k = 0; k < p.n; ++k) s[k] = Score(in, q, k);
    const double m = *std::max_element(s.begin(), s.end());
    INFO("row " << q);
    CHECK(std::count(s.begin(), s.end(), m) == 2);
  }
}

TEST_CASE("sink inputs make key 0 the largest score of almost every row", "[inputs]") {
  const auto p = Make(fs::Pattern::kSink, 256, 64, 5);
  const auto in = fs::MakeInputs(p);
  int at_sink = 0;
  for (int q = 0; q < p.n; ++q) {
    int best = 0;
    for (int k = 1; k < p.n; ++k)
      if (Score(in, q, k) > Score(in, q, best)) best = k;
    at_sink += best == 0;
  }
  CHECK(at_sink >= p.n * 95 / 100);
}

TEST_CASE("low-rank queries are far more aligned than random ones", "[inputs]") {
  auto p = Make(fs::Pattern::kLowRank, 200, 64, 9);
  p.rank = 2;
  const auto low = fs::MakeInputs(p);
  const auto rnd = fs::MakeInputs(Make(fs::Pattern::kRandom, 200, 64, 9));
  CHECK(MeanAbsCos(low.q, 200, 64) > 0.4);
  CHECK(MeanAbsCos(rnd.q, 200, 64) < 0.15);
}

TEST_CASE("low-rank logits q.k/sqrt(d) have unit variance, like random ones, at any d and rank", "[inputs]") {
  // The variance of one draw depends on its random basis, so it is averaged over 16 seeds;
  // the spread of that mean is about 0.1. Scaling the basis by c scales it by c^4.
  struct Case {
    int d, rank;
  };
  for (const Case& c : {Case{16, 16}, Case{32, 4}, Case{64, 64}, Case{128, 8}}) {
    double total = 0.0;
    for (uint64_t seed = 1; seed <= 16; ++seed) {
      auto p = Make(fs::Pattern::kLowRank, 128, c.d, seed);
      p.rank = c.rank;
      const auto in = fs::MakeInputs(p);
      double sum = 0.0, sq = 0.0;
      for (int a = 0; a < p.n; ++a)
        for (int b = 0; b < p.n; ++b) {
          const double logit = Score(in, a, b) / std::sqrt(double(c.d));
          sum += logit;
          sq += logit * logit;
        }
      const double count = double(p.n) * p.n, mean = sum / count;
      total += sq / count - mean * mean;
    }
    const double variance = total / 16;
    INFO("d " << c.d << " rank " << c.rank << ": mean logit variance " << variance);
    CHECK(std::fabs(variance - 1.0) < 0.2);
  }
}

TEST_CASE("an invalid problem makes no inputs", "[inputs]") {
  auto p = Make(fs::Pattern::kRandom, 100, 48, 1);
  CHECK_THROWS_AS(fs::MakeInputs(p), fs::ProblemError);
}
