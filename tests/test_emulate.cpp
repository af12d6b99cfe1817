#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "emulate.h"
#include "reference.h"

namespace {

// Fresh problems each run: seeds come from the OS, and the failing one is printed.
fs::Problem RandomProblem(std::mt19937_64& rng, bool causal) {
  const int blocks[] = {16, 32, 64, 128};
  const int dims[] = {16, 32, 64, 96, 128};
  fs::Problem p;
  p.n = std::uniform_int_distribution<int>(1, 300)(rng);
  p.d = dims[rng() % 5];
  p.br = blocks[rng() % 4];
  p.bc = blocks[rng() % 4];
  p.causal = causal;
  p.seed = rng();
  return p;
}

}  // namespace

TEST_CASE("emulated O and L match the FP64 reference to 1e-5 on random shapes", "[emulate]") {
  std::random_device rd;
  const uint64_t seed = (uint64_t(rd()) << 32) | rd();
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 24; ++trial) {
    const fs::Problem p = RandomProblem(rng, trial % 2 == 1);
    INFO("seed " << seed << " trial " << trial << ": " << fs::Describe(p));
    const auto in = fs::MakeInputs(p);
    const auto out = fs::Emulate(p, in);  // output buffers are NaN-poisoned before the run
    const auto ref = fs::ReferenceForward(p, in);
    CHECK(fs::MaxRelativeError(out.o, ref.o, p.d) < 1e-5);
    CHECK(fs::MaxAbsoluteError(out.lse, ref.lse) < 1e-5 * 8);
  }
}

TEST_CASE("N not divisible by Br or Bc is handled, causal and not", "[emulate]") {
  for (bool causal : {false, true}) {
    fs::Problem p;
    p.n = 77;
    p.d = 32;
    p.br = 32;
    p.bc = 16;
    p.causal = causal;
    const auto in = fs::MakeInputs(p);
    CHECK(fs::MaxRelativeError(fs::Emulate(p, in).o, fs::ReferenceForward(p, in).o, p.d) < 1e-5);
  }
}

TEST_CASE("every input pattern matches the reference", "[emulate]") {
  for (auto pat : {fs::Pattern::kRandom, fs::Pattern::kSink, fs::Pattern::kTiedMaxima, fs::Pattern::kLowRank})
    for (int d : {32, 128})
      for (int rank : {1, 8}) {
        fs::Problem p;
        p.n = 330;
        p.d = d;
        p.br = 32;
        p.bc = 128;
        p.rank = rank;
        p.pattern = pat;
        p.seed = 1000 + d + rank;
        INFO(fs::Describe(p));
        const auto in = fs::MakeInputs(p);
        CHECK(fs::MaxRelativeError(fs::Emulate(p, in).o, fs::ReferenceForward(p, in).o, p.d) < 1e-5);
      }
}

TEST_CASE("the traced and untraced emulation compute the same bits", "[emulate]") {
  fs::Problem p;
  p.n = 150;
  p.d = 96;
  p.br = 32;
  p.bc = 64;
  p.causal = true;
  const auto in = fs::MakeInputs(p);
  const auto t = fs::EmulateTraced(p, in);
  const auto o = fs::Emulate(p, in);
  REQUIRE(t.o.size() == o.o.size());
  CHECK(std::memcmp(t.o.data(), o.o.data(), o.o.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(t.lse.data(), o.lse.data(), o.lse.size() * sizeof(float)) == 0);
}

TEST_CASE("online softmax ends at the exact softmax of every row", "[emulate][softmax]") {
  fs::Problem p;
  p.n = 130;
  p.d = 32;
  p.br = 16;
  p.bc = 32;
  for (bool causal : {false, true}) {
    p.causal = causal;
    const auto in = fs::MakeInputs(p);
    const auto t = fs::EmulateTraced(p, in);
    for (int row : {0, 1, 17, 64, 129}) {
      const auto steps = fs::StepsOfRow(t, row);
      REQUIRE(!steps.empty());
      const auto running = fs::RunningProbabilities(t, row, steps.back());
      const auto exact = fs::ReferenceSoftmaxRow(p, in, row);
      for (int c = 0; c < p.n; ++c) {
        INFO("causal " << causal << " row " << row << " col " << c);
        CHECK(running[c] == Approx(exact[c]).epsilon(1e-5).margin(1e-9));
      }
    }
  }
}

TEST_CASE("before the last step the running softmax only covers the keys seen", "[emulate][softmax]") {
  fs::Problem p;
  p.n = 128;
  p.d = 16;
  p.br = 32;
  p.bc = 32;
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  const auto steps = fs::StepsOfRow(t, 5);
  REQUIRE(steps.size() == 4);
  const auto after_first = fs::RunningProbabilities(t, 5, steps[0]);
  double seen = 0.0;
  for (int c = 0; c < 32; ++c) seen += after_first[c];
  CHECK(seen == Approx(1.0).epsilon(1e-6));  // normalized over what has been seen
  for (int c = 32; c < 128; ++c) CHECK(std::isnan(after_first[c]));
}

TEST_CASE("row sums follow the warp's butterfly order, not left to right", "[emulate]") {
  // Lane 0 holds 1e8 and lane 16 holds -1e8: the butterfly cancels them first (offset 16),
  // so lane 1's 1.0 survives; a left-to-right sum would lose it in 1e8 + 1.
  std::vector<float> v(32, 0.0f);
  v[0] = 1e8f;
  v[1] = 1.0f;
  v[16] = -1e8f;
  float left_to_right = 0.0f;
  for (float x : v) left_to_right += x;
  CHECK(left_to_right == 0.0f);
  CHECK(fs::WarpOrderSum(v.data(), 32) == 1.0f);
  // Columns past 32 fold into lane c % 32 first.
  std::vector<float> w(64, 0.0f);
  w[0] = 1e8f;
  w[32] = -1e8f;
  w[1] = 1.0f;
  CHECK(fs::WarpOrderSum(w.data(), 64) == 1.0f);
}

TEST_CASE("inputs that do not fit the problem are refused", "[emulate]") {
  fs::Problem p;
  p.n = 64;
  auto in = fs::MakeInputs(p);
  in.v.pop_back();
  CHECK_THROWS_AS(fs::Emulate(p, in), fs::ProblemError);
}

TEST_CASE("the backward statistic delta is rowsum(dO * O), small enough to check by hand", "[emulate][reference]") {
  // Two rows, d = 2: delta_r = dO_r . O_r.
  const std::vector<float> dout = {1.0f, 2.0f, -3.0f, 0.5f};
  const std::vector<double> o = {0.25, -1.0, 2.0, 4.0};
  const auto delta = fs::ReferenceDelta(dout, o, 2, 2);
  REQUIRE(delta.size() == 2);
  CHECK(delta[0] == Approx(0.25 - 2.0));
  CHECK(delta[1] == Approx(-6.0 + 2.0));
}

TEST_CASE("delta from the emulated O matches delta from the FP64 O", "[emulate][reference]") {
  fs::Problem p;
  p.n = 150;
  p.d = 64;
  p.pattern = fs::Pattern::kSink;
  const auto in = fs::MakeInputs(p);
  const auto emulated = fs::ReferenceDelta(in.dout, fs::Emulate(p, in).o, p.n, p.d);
  const auto exact = fs::ReferenceDelta(in.dout, fs::ReferenceForward(p, in).o, p.n, p.d);
  double scale = 0.0;
  for (int r = 0; r < p.n; ++r) scale = std::max(scale, std::fabs(exact[r]));
  REQUIRE(scale > 0.1);
  for (int r = 0; r < p.n; ++r) CHECK(std::fabs(emulated[r] - exact[r]) < 1e-5 * scale);
}
