#include "catch2/catch.hpp"

#include <cmath>
#include <cstring>

#include "emulate.h"
#include "fmath.h"
#include "trace.h"

using Catch::Matchers::Contains;

namespace {

fs::Problem Shape(int n, int d, int br, int bc, bool causal) {
  fs::Problem p;
  p.n = n;
  p.d = d;
  p.br = br;
  p.bc = bc;
  p.causal = causal;
  return p;
}

}  // namespace

TEST_CASE("trace invariants: m never decreases, l > 0, rescale = exp(m_old - m_new)", "[trace]") {
  for (bool causal : {false, true}) {
    const auto p = Shape(100, 32, 32, 16, causal);
    const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
    for (int k = 0; k < t.StepCount(); ++k) {
      const auto& s = t.steps[k];
      for (int r = 0; r < s.rows; ++r) {
        INFO("step " << k << " row " << s.row0 + r);
        CHECK(t.MNew(k)[r] >= t.MOld(k)[r]);
        CHECK(t.L(k)[r] > 0.0f);
        CHECK(t.Rescale(k)[r] == (s.kv_block == 0 ? 0.0f : fs::ExpF(t.MOld(k)[r] - t.MNew(k)[r])));
        if (s.kv_block > 0) CHECK(t.MOld(k)[r] == t.MNew(k - 1)[r]);
      }
    }
  }
}

TEST_CASE("the last O-tilde divided by l is the output O", "[trace]") {
  const auto p = Shape(90, 64, 64, 32, false);
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  for (int k = 0; k < t.StepCount(); ++k) {
    const auto& s = t.steps[k];
    if (!s.last_for_q_block) continue;
    for (int r = 0; r < s.rows; ++r)
      for (int c = 0; c < p.d; ++c)
        CHECK(t.OAcc(k)[r * p.d + c] / t.L(k)[r] == t.o[size_t(s.row0 + r) * p.d + c]);
  }
}

TEST_CASE("masked scores are -inf and their probabilities exactly 0", "[trace]") {
  const auto p = Shape(40, 16, 16, 16, true);
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
  const auto p = Shape(20, 16, 16, 16, false);  // second Q block has 4 real rows of 16
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  const int k = t.FindStep(1, 0);
  REQUIRE(k >= 0);
  uint32_t bits;
  std::memcpy(&bits, &t.MNew(k)[10], 4);
  CHECK(bits == fs::kPoisonBits);
  CHECK(std::isfinite(t.MNew(k)[3]));
}

TEST_CASE("causal traces skip the blocks above the diagonal", "[trace]") {
  const auto p = Shape(128, 16, 32, 16, true);
  const auto steps = fs::PlanSteps(p);
  // Q block i (rows 32i..32i+31) needs K blocks 0..2i+1.
  CHECK(steps.size() == 2u + 4u + 6u + 8u);
  for (const auto& s : steps) CHECK(s.col0 <= s.row0 + s.rows - 1);
  const auto t = fs::EmulateTraced(p, fs::MakeInputs(p));
  CHECK(t.FindStep(0, 2) == -1);
  CHECK(t.FindStep(1, 3) == 5);
}

TEST_CASE("byte counters match the closed-form traffic formulas", "[trace]") {
  for (bool causal : {false, true})
    for (int n : {1, 63, 64, 200, 1024})
      for (int br : {16, 64})
        for (int bc : {32, 128}) {
          const auto p = Shape(n, 64, br, bc, causal);
          INFO(fs::Describe(p));
          const auto steps = fs::PlanSteps(p);
          const auto flash = fs::FlashTraffic(p);
          CHECK(steps.back().bytes_read == flash.read);
          CHECK(steps.back().bytes_written == flash.written);
          for (size_t k = 1; k < steps.size(); ++k) CHECK(steps[k].bytes_read > steps[k - 1].bytes_read);
          if (!causal) {
            // Q once, K and V once per Q block; O and L written once.
            const uint64_t nd = uint64_t(n) * 64, tr = (n + br - 1) / br;
            CHECK(flash.read == 4 * (nd + tr * 2 * nd));
            CHECK(flash.written == 4 * (nd + n));
          }
        }
}

TEST_CASE("standard attention moves the N x N matrices through HBM", "[trace]") {
  const auto p = Shape(1024, 64, 64, 64, false);
  const auto std_bytes = fs::StandardTraffic(p);
  const uint64_t nd = 1024 * 64, nn = 1024ull * 1024;
  CHECK(std_bytes.Total() == 4 * (4 * nd + 4 * nn));
  CHECK(fs::FlashTraffic(p).Total() < std_bytes.Total());
}

TEST_CASE("a trace over the memory budget is refused with the numbers", "[trace]") {
  const auto p = Shape(8192, 128, 16, 16, false);
  CHECK(fs::TraceBytes(p) > fs::kTraceBudgetBytes);
  CHECK_THROWS_AS(fs::Trace::Allocate(p), fs::TraceBudgetError);
  CHECK_THROWS_WITH(fs::CheckTraceBudget(p), Contains("MiB") && Contains("budget is 256 MiB") &&
                                                 Contains("larger blocks"));
  CHECK_NOTHROW(fs::CheckTraceBudget(Shape(1024, 64, 64, 64, false)));
}
