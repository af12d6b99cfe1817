#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "emulate.h"
#include "reference.h"
#include "test_oracle.h"
#include "test_util.h"


TEST_CASE("emulated O and L match the FP64 reference to 1e-5 on random shapes, in both loop orders", "[emulate]") {
  const uint64_t seed = fs_test::TestSeed();
  fs::NormalRng rng(seed);
  for (int trial = 0; trial < 48; ++trial) {
    fs::Problem p = fs_test::RandomProblem(rng, trial % 2 == 1);
    p.order = trial % 4 < 2 ? fs::LoopOrder::kFa2 : fs::LoopOrder::kFa1;  // FA1: emulate_fa1.cpp
    INFO("seed " << seed << " (--rng-seed) trial " << trial << ": " << fs::Describe(p));
    const auto in = fs::MakeInputs(p);
    const auto out = fs::Emulate(p, in);  // output buffers are NaN-poisoned before the run
    const auto ref = fs::ReferenceForward(p, in);
    CHECK(fs::MaxRelativeError(out.o, ref.o, p.d) < 1e-5);
    CHECK(fs::MaxAbsoluteError(out.lse, ref.lse) < 1e-5 * 8);
  }
}

TEST_CASE("an explicit softmax scale is applied to the scores, O and L", "[emulate][scale]") {
  // The oracle takes the scale as a number, so an emulation that kept 1/sqrt(d) would be
  // off by far more than rounding: for d = 32 that is 0.177 against 0.05, 0.3 or 1.
  for (float scale : {0.05f, 0.3f, 1.0f})
    for (bool causal : {false, true}) {
      fs::Problem p = fs_test::ProblemOf(70, 32, 32, 16, causal);
      p.scale = scale;
      INFO(fs::Describe(p));
      const auto in = fs::MakeInputs(p);
      const auto t = fs::EmulateTraced(p, in);
      for (int row = 0; row < p.n; ++row) {
        INFO("row " << row);
        const auto a = fs_test::AttendRow(in, row, scale, causal, p.n);
        CHECK(fs_test::RowError(&t.o[size_t(row) * p.d], a.o) < 1e-5);
        CHECK(t.lse[row] == Approx(a.m + std::log(a.l)).epsilon(1e-6).margin(1e-5));
      }
      // Scores in the first tile: S = scale * q . k.
      for (int r = 0; r < 32; ++r)
        for (int c = 0; c < 16; ++c) {
          if (causal && c > r) continue;
          double dot = 0.0;
          for (int t2 = 0; t2 < p.d; ++t2) dot += double(in.q[size_t(r) * p.d + t2]) * in.k[size_t(c) * p.d + t2];
          CHECK(t.S(0)[r * p.bc + c] == Approx(scale * dot).epsilon(1e-5).margin(1e-5));
        }
    }
}

TEST_CASE("scale 0 and an explicit 1/sqrt(d) give the same bits", "[emulate][scale]") {
  fs::Problem p;
  p.n = 40;
  p.d = 64;
  const auto in = fs::MakeInputs(p);
  const auto by_default = fs::Emulate(p, in);
  p.scale = 0.125f;  // 1/sqrt(64), exactly
  const auto given = fs::Emulate(p, in);
  CHECK(std::memcmp(by_default.o.data(), given.o.data(), given.o.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(by_default.lse.data(), given.lse.data(), given.lse.size() * sizeof(float)) == 0);
}

TEST_CASE("N not divisible by Br or Bc is handled, causal and not", "[emulate]") {
  for (bool causal : {false, true}) {
    const fs::Problem p = fs_test::ProblemOf(77, 32, 32, 16, causal);
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
  const fs::Problem p = fs_test::ProblemOf(150, 96, 32, 64, true);
  const auto in = fs::MakeInputs(p);
  const auto t = fs::EmulateTraced(p, in);
  const auto o = fs::Emulate(p, in);
  REQUIRE(t.o.size() == o.o.size());
  CHECK(std::memcmp(t.o.data(), o.o.data(), o.o.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(t.lse.data(), o.lse.data(), o.lse.size() * sizeof(float)) == 0);
}

TEST_CASE("online softmax ends at the exact softmax of every row, in both loop orders", "[emulate][softmax]") {
  fs::Problem p = fs_test::ProblemOf(130, 32, 16, 32);
  for (auto [causal, order] : {std::make_pair(false, fs::LoopOrder::kFa2), std::make_pair(true, fs::LoopOrder::kFa2),
                               std::make_pair(false, fs::LoopOrder::kFa1), std::make_pair(true, fs::LoopOrder::kFa1)}) {
    p.causal = causal;
    p.order = order;
    const auto in = fs::MakeInputs(p);
    const auto t = fs::EmulateTraced(p, in);
    for (int row : {0, 1, 17, 64, 129}) {
      const auto steps = fs::StepsOfRow(t, row);
      REQUIRE(!steps.empty());
      const auto running = fs::RunningProbabilities(t, row, steps.back());
      const auto exact = fs::ReferenceSoftmaxRow(p, in, row);
      for (int c = 0; c < p.n; ++c) {
        INFO(fs::Describe(p) << " row " << row << " col " << c);
        CHECK(running[c] == Approx(exact[c]).epsilon(1e-5).margin(1e-9));
      }
    }
  }
}

TEST_CASE("before the last step the running softmax only covers the keys seen", "[emulate][softmax]") {
  const fs::Problem p = fs_test::ProblemOf(128, 16, 32, 32);
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  const auto steps = fs::StepsOfRow(t, 5);
  REQUIRE(steps.size() == 4);
  const auto after_first = fs::RunningProbabilities(t, 5, steps[0]);
  double seen = 0.0;
  for (int c = 0; c < 32; ++c) seen += after_first[c];
  CHECK(seen == Approx(1.0).epsilon(1e-6));  // normalized over what has been seen
  for (int c = 32; c < 128; ++c) CHECK(std::isnan(after_first[c]));
}

TEST_CASE("running probabilities are right at tile edges, at every step of a row", "[emulate][softmax]") {
  // Rows at the edges of the tiles (the first and last row of a Q block and of a K/V block,
  // so in causal mode the rows whose diagonal key is the last of its K/V block) and every
  // column, the first and last of each tile included, after each step of the row: the
  // softmax over the keys seen so far, 0 where the mask hides a key, NaN where not yet seen.
  // In FA1's loop order too, where each step's P is against the block's own row max.
  struct Case {
    int n, br, bc;
    bool causal;
    fs::LoopOrder order;
  };
  for (const Case& c : {Case{77, 32, 16, true, fs::LoopOrder::kFa2}, Case{77, 16, 32, true, fs::LoopOrder::kFa2},
                        Case{50, 16, 16, false, fs::LoopOrder::kFa2}, Case{70, 32, 16, false, fs::LoopOrder::kFa2},
                        Case{77, 32, 16, true, fs::LoopOrder::kFa1}, Case{77, 16, 32, true, fs::LoopOrder::kFa1},
                        Case{70, 32, 16, false, fs::LoopOrder::kFa1}}) {
    fs::Problem p = fs_test::ProblemOf(c.n, 16, c.br, c.bc, c.causal);
    p.order = c.order;
    const auto in = fs::MakeInputs(p);
    const auto t = fs::EmulateTraced(p, in);
    for (int row : {0, c.bc - 1, c.bc, 2 * c.bc - 1, c.br - 1, c.br, 2 * c.br - 1, c.n - 1}) {
      for (int k : fs::StepsOfRow(t, row)) {
        const fs::StepInfo& s = t.steps[k];
        const auto running = fs::RunningProbabilities(t, row, k);
        const auto want = fs_test::AttendRow(in, row, 0.25, c.causal, s.col0 + s.cols).probs;  // 1/sqrt(16)
        REQUIRE(running.size() == want.size());
        for (int col = 0; col < p.n; ++col) {
          INFO(fs::Describe(p) << ": row " << row << " after step " << k << " (keys up to " << s.col0 + s.cols
                               << "), column " << col << (col % p.bc == 0 ? " (first of its tile)" : "")
                               << (col % p.bc == p.bc - 1 || col == p.n - 1 ? " (last of its tile)" : ""));
          if (std::isnan(want[col])) CHECK(std::isnan(running[col]));
          else CHECK(running[col] == Approx(want[col]).epsilon(1e-5).margin(1e-9));
        }
      }
    }
  }
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
  const auto good = fs::MakeInputs(p);
  // Each of Q, K and V one element short, with the memory released, so that a check that
  // forgets one of them cannot pass by reading a stale value; the message must be the shape
  // check's, not some later failure's.
  for (auto member : {&fs::Inputs::q, &fs::Inputs::k, &fs::Inputs::v}) {
    auto in = good;
    (in.*member).pop_back();
    (in.*member).shrink_to_fit();
    CHECK_THROWS_WITH(fs::Emulate(p, in), Catch::Contains("but the problem is N=64"));
    CHECK_THROWS_WITH(fs::EmulateTraced(p, in), Catch::Contains("but the problem is N=64"));
  }
  auto wrong_n = good;
  wrong_n.n = 63;
  CHECK_THROWS_WITH(fs::Emulate(p, wrong_n), Catch::Contains("inputs are 63 x"));
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

TEST_CASE("the error measures of the reference checks, on hand examples", "[reference]") {
  // Two rows of three. Row 0: largest |a - b| is 0.5 against a largest |b| of 4: 0.125.
  // Row 1: 0.125 against 0.5: 0.25. The worst row is the one with the smaller absolute error.
  const std::vector<float> a = {1.0f, -4.5f, 2.0f, 0.375f, 0.5f, 0.0f};
  const std::vector<double> b = {1.0, -4.0, 2.0, 0.5, 0.5, 0.0};
  CHECK(fs::MaxRelativeError(a, b, 3) == 0.25);
  CHECK(fs::MaxAbsoluteError(a, b) == 0.5);
  std::vector<float> with_nan = a;
  with_nan[4] = NAN;
  CHECK(std::isinf(fs::MaxRelativeError(with_nan, b, 3)));
  CHECK(std::isinf(fs::MaxAbsoluteError(with_nan, b)));
  CHECK(std::isinf(fs::MaxRelativeError(a, std::vector<double>(5, 0.0), 3)));  // sizes differ
}
