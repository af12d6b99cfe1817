#include "catch2/catch.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "emulate.h"
#include "test_oracle.h"
#include "test_util.h"
#include "trace.h"

using Catch::Matchers::Contains;

namespace {

using fs_test::NeededBlocks;
using fs_test::ProblemOf;

}  // namespace

TEST_CASE("after every step m, l and O-tilde / l are the max, sum and output over the keys seen", "[trace]") {
  // Each step is checked against attention over the keys seen so far, written out in FP64
  // (test_oracle.h): partial tiles, padding rows, Br > Bc and Br < Bc, causal or not, and an
  // explicit scale.
  struct Case {
    int n, d, br, bc;
    bool causal;
    float scale;
  };
  for (const Case& c : {Case{100, 32, 32, 16, false, 0.0f}, Case{100, 32, 32, 16, true, 0.0f},
                        Case{77, 16, 16, 32, true, 0.0f}, Case{50, 16, 16, 16, false, 0.3f}}) {
    auto p = ProblemOf(c.n, c.d, c.br, c.bc, c.causal);
    p.scale = c.scale;
    const double scale = c.scale != 0.0f ? c.scale : 1.0 / std::sqrt(double(c.d));
    const auto in = fs::MakeInputs(p);
    const auto t = fs::EmulateTraced(p, in);
    for (int k = 0; k < t.StepCount(); ++k) {
      const auto& s = t.steps[k];
      for (int r = 0; r < s.rows; ++r) {
        const int row = s.row0 + r;
        INFO(fs::Describe(p) << ": step " << k << " (K/V block " << s.kv_block << ") row " << row);
        const auto before = fs_test::AttendRow(in, row, scale, c.causal, s.col0);
        const auto after = fs_test::AttendRow(in, row, scale, c.causal, s.col0 + s.cols);
        CHECK(t.MNew(k)[r] == Approx(after.m).epsilon(1e-6).margin(1e-6));
        if (s.kv_block == 0) {
          CHECK(t.MOld(k)[r] == -INFINITY);
          CHECK(t.Rescale(k)[r] == 0.0f);  // exp(-inf): nothing earlier to rescale
        } else {
          CHECK(t.MOld(k)[r] == Approx(before.m).epsilon(1e-6).margin(1e-6));
          CHECK(t.Rescale(k)[r] == Approx(std::exp(before.m - after.m)).epsilon(1e-5));
        }
        CHECK(t.L(k)[r] == Approx(after.l).epsilon(1e-5));
        std::vector<float> o(t.OAcc(k) + size_t(r) * p.d, t.OAcc(k) + size_t(r + 1) * p.d);
        for (float& x : o) x /= t.L(k)[r];
        CHECK(fs_test::RowError(o.data(), after.o) < 1e-5);
      }
    }
  }
}

TEST_CASE("a trace's O and L are the FP64 attention output and log-sum-exp", "[trace]") {
  for (bool causal : {false, true}) {
    auto p = ProblemOf(90, 64, 64, 32, causal);
    const auto in = fs::MakeInputs(p);
    const auto t = fs::EmulateTraced(p, in);
    for (int row = 0; row < p.n; ++row) {
      INFO("causal " << causal << " row " << row);
      const auto a = fs_test::AttendRow(in, row, 1.0 / 8.0, causal, p.n);  // 1/sqrt(64)
      CHECK(fs_test::RowError(&t.o[size_t(row) * p.d], a.o) < 1e-5);
      CHECK(t.lse[row] == Approx(a.m + std::log(a.l)).epsilon(1e-6).margin(1e-5));
    }
  }
}

TEST_CASE("masked scores are -inf and their probabilities exactly 0", "[trace]") {
  const auto p = ProblemOf(40, 16, 16, 16, true);
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  for (int k = 0; k < t.StepCount(); ++k) {
    const auto& s = t.steps[k];
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < p.bc; ++c) {
        const bool masked = c >= s.cols || s.col0 + c > s.row0 + r;
        const float sv = t.S(k)[r * p.bc + c], pv = t.P(k)[r * p.bc + c];
        CHECK((masked ? (sv == -INFINITY && pv == 0.0f) : (std::isfinite(sv) && pv > 0.0f)));
      }
  }
}

TEST_CASE("rows past the end of the sequence keep the poison", "[trace]") {
  const auto p = ProblemOf(20, 16, 16, 16, false);  // second Q block has 4 real rows of 16
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  const int k = t.FindStep(1, 0);
  REQUIRE(k >= 0);
  uint32_t bits;
  std::memcpy(&bits, &t.MNew(k)[10], 4);
  CHECK(bits == fs::kPoisonBits);
  CHECK(std::isfinite(t.MNew(k)[3]));
}

TEST_CASE("the steps of a row are those of its Q block; rows outside the sequence have none", "[trace]") {
  const auto p = ProblemOf(100, 16, 32, 16, false);  // 4 Q blocks of 7 K/V blocks
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  CHECK(fs::StepsOfRow(t, 0) == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
  CHECK(fs::StepsOfRow(t, 31) == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
  CHECK(fs::StepsOfRow(t, 32) == std::vector<int>{7, 8, 9, 10, 11, 12, 13});
  CHECK(fs::StepsOfRow(t, 99) == std::vector<int>{21, 22, 23, 24, 25, 26, 27});
  CHECK(fs::StepsOfRow(t, 100).empty());
  CHECK(fs::StepsOfRow(t, -1).empty());
}

TEST_CASE("causal traces skip the blocks above the diagonal", "[trace]") {
  const auto p = ProblemOf(128, 16, 32, 16, true);
  const auto steps = fs::PlanSteps(p);
  // Q block i (rows 32i..32i+31) needs K blocks 0..2i+1.
  CHECK(steps.size() == 2u + 4u + 6u + 8u);
  for (const auto& s : steps) CHECK(s.col0 <= s.row0 + s.rows - 1);
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  CHECK(t.FindStep(0, 2) == -1);
  CHECK(t.FindStep(1, 3) == 5);
}

TEST_CASE("the loop visits exactly the K/V blocks the mask needs, and counts their bytes", "[trace]") {
  for (bool causal : {false, true})
    for (int n : {1, 63, 64, 200, 520})
      for (int br : {16, 64})
        for (int bc : {32, 128}) {
          const auto p = ProblemOf(n, 64, br, bc, causal);
          INFO(fs::Describe(p));
          const auto needed = NeededBlocks(p);
          const auto steps = fs::PlanSteps(p);
          REQUIRE(steps.size() == needed.size());
          uint64_t read = 4ull * n * 64, written = 0;  // Q once
          for (size_t k = 0; k < steps.size(); ++k) {
            const auto [i, j] = needed[k];
            const fs::StepInfo& s = steps[k];
            INFO("step " << k);
            CHECK(s.q_block == i);
            CHECK(s.kv_block == j);
            CHECK(s.row0 == i * br);
            CHECK(s.rows == std::min(br, n - i * br));
            CHECK(s.col0 == j * bc);
            CHECK(s.cols == std::min(bc, n - j * bc));
            // O and L of a Q block are written after its last K/V block.
            const bool last = k + 1 == steps.size() || needed[k + 1].first != i;
            CHECK(s.last_for_q_block == last);
            if (last) written += 4ull * s.rows * (64 + 1);
            CHECK(s.bytes_written == written);
            read += 2ull * 4 * std::min(bc, n - j * bc) * 64;  // K and V
          }
          CHECK(written == 4ull * (uint64_t(n) * 64 + n));  // O and L, once
          CHECK(steps.back().bytes_read == read);
          CHECK(steps.back().bytes_written == written);
          CHECK(fs::FlashTraffic(p).read == read);
          CHECK(fs::FlashTraffic(p).written == written);
        }
}

TEST_CASE("byte counters on small problems worked out by hand", "[trace]") {
  // N = 64, d = 16, Br = Bc = 32. Q: 64 x 16 x 4 = 4096 bytes; a K or V block: 2048 bytes.
  // Not causal: each of the 2 Q blocks loads 2 K and 2 V blocks: 4096 + 4 * 4096 = 20480.
  // Causal: Q block 0 loads K/V block 0, Q block 1 both: 4096 + 3 * 4096 = 16384.
  // O and L: 64 x 17 x 4 = 4352 bytes written either way.
  auto p = ProblemOf(64, 16, 32, 32, false);
  auto steps = fs::PlanSteps(p);
  REQUIRE(steps.size() == 4);
  CHECK(steps[0].bytes_read == 2048 + 4096);  // first Q block, then its first K and V
  CHECK(steps.back().bytes_read == 20480);
  CHECK(steps[1].bytes_written == 32 * 17 * 4);  // the first Q block's O and L
  CHECK(steps.back().bytes_written == 4352);
  p.causal = true;
  steps = fs::PlanSteps(p);
  REQUIRE(steps.size() == 3);
  CHECK(steps.back().bytes_read == 16384);
  CHECK(steps.back().bytes_written == 4352);
  // Bytes only grow, step by step.
  for (size_t k = 1; k < steps.size(); ++k) CHECK(steps[k].bytes_read > steps[k - 1].bytes_read);
}

TEST_CASE("standard attention moves the N x N matrices through HBM", "[trace]") {
  const auto p = ProblemOf(1024, 64, 64, 64, false);
  const auto std_bytes = fs::StandardTraffic(p);
  const uint64_t nd = 1024 * 64, nn = 1024ull * 1024;
  CHECK(std_bytes.Total() == 4 * (4 * nd + 4 * nn));
  CHECK(fs::FlashTraffic(p).Total() < std_bytes.Total());
}

TEST_CASE("a trace over the memory budget is refused with the numbers", "[trace]") {
  const auto p = ProblemOf(8192, 128, 16, 16, false);
  CHECK(fs::TraceBytes(p) > fs::kTraceBudgetBytes);
  CHECK_THROWS_AS(fs::Trace::Allocate(p), fs::TraceBudgetError);
  CHECK_THROWS_WITH(fs::CheckTraceBudget(p), Contains("MiB") && Contains("budget is 256 MiB") &&
                                                 Contains("larger blocks"));
  CHECK_NOTHROW(fs::CheckTraceBudget(ProblemOf(1024, 64, 64, 64, false)));
}

TEST_CASE("the trace budget is 256 MiB: a problem just under it is allowed, one just over refused", "[trace]") {
  // d = 128, Br = 32, Bc = 16: a step record is S and P (2 x 32 x 16), seven row statistics
  // (7 x 32: m_old, m_new, rescale, l, r_m, r_s, m') and O~ and O-bar (2 x 32 x 128): 9440 floats.
  // N = 1888: 59 Q blocks x 118 K/V blocks x 9440 x 4 bytes = 262885120 <= 268435456.
  // N = 1889: 60 x 119 x 9440 x 4 = 269606400 > 268435456.
  const auto under = ProblemOf(1888, 128, 32, 16, false), over = ProblemOf(1889, 128, 32, 16, false);
  CHECK(fs::TraceBytes(under) == 262885120u);
  CHECK(fs::TraceBytes(over) == 269606400u);
  CHECK_NOTHROW(fs::CheckTraceBudget(under));
  CHECK_THROWS_AS(fs::CheckTraceBudget(over), fs::TraceBudgetError);
}
