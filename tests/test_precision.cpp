// The precision lab's numerics: BF16/FP16 rounding against independent oracles, the worked
// example of biased rounding, the stabilized softmax (exact in FP64, no probability of exactly
// 1), the drift pattern's bias and its removal, and the refusals of bad numeric settings.
#include "catch2/catch.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "bits.h"
#include "npy.h"
#include "emulate.h"
#include "precision.h"
#include "precision_stats.h"
#include "problem_json.h"
#include "reference.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

float FromBits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint32_t ToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Round-to-nearest-even into a format with `mantissa_bits` stored bits and exponent range
// [min_exp, max_exp] of normal numbers, computed in long double from the definition: the two
// representable neighbours of x and the nearer one (the one with an even last bit on a tie).
// Independent of the bit tricks in precision.h.
double RoundByDefinition(double x, int mantissa_bits, int min_exp, int max_exp) {
  if (std::isnan(x)) return x;
  const double ax = std::fabs(x);
  if (ax == 0.0) return x;
  int e = std::ilogb(ax);
  if (e < min_exp) e = min_exp;  // subnormal spacing
  const double spacing = std::ldexp(1.0, e - mantissa_bits);
  const double lo = std::floor(ax / spacing) * spacing, hi = lo + spacing;
  double r;
  if (ax - lo < hi - ax) r = lo;
  else if (hi - ax < ax - lo) r = hi;
  else r = std::fmod(lo / spacing, 2.0) == 0.0 ? lo : hi;
  const double largest = std::ldexp(2.0 - std::ldexp(1.0, -mantissa_bits), max_exp);
  // Past the largest finite value, values from halfway to the next power up round to inf.
  if (r > largest) r = std::numeric_limits<double>::infinity();
  return std::copysign(r, x);
}

// Every 2^32 / kStride-th bit pattern, with an odd stride so every bit position varies.
constexpr uint32_t kStride = 65521;

fs::Problem DriftProblem(fs::Softmax softmax) {
  fs::Problem p;
  p.n = 256;
  p.d = 64;
  p.pattern = fs::Pattern::kDrift;
  fs::ParsePrecisionPreset("paper-bf16", &p.precision);
  p.softmax = softmax;
  return p;
}

int RunCli(const std::string& args, const std::string& log) {
  return fs_test::RunShell(std::string(FS_FLASHSCOPE_BIN) + " " + args, log);
}

}  // namespace

TEST_CASE("RoundBf16 is round-to-nearest-even into 8 exponent and 7 mantissa bits", "[precision]") {
  for (uint64_t i = 0; i < (uint64_t{1} << 32); i += kStride) {
    const float x = FromBits(static_cast<uint32_t>(i));
    const float got = fs::RoundBf16(x);
    if (std::isnan(x)) {
      REQUIRE(std::isnan(got));
      continue;
    }
    const double want = RoundByDefinition(x, 7, -126, 127);
    if (static_cast<double>(got) != want) FAIL("bits 0x" << std::hex << i << ": got " << got << ", want " << want);
    REQUIRE((ToBits(got) & 0xFFFFu) == 0);  // a BF16 value: the low half is zero
  }
  CHECK(fs::RoundBf16(1.0f + 1.0f / 256) == 1.0f);               // tie, to the even 1.0
  CHECK(fs::RoundBf16(1.0f + 3.0f / 256) == 1.0f + 4.0f / 256);  // tie, to the even 1 + 2^-6
  CHECK(std::isinf(fs::RoundBf16(3.4e38f)));                      // past the largest BF16
  CHECK(fs::RoundBf16(-0.0f) == 0.0f);
  CHECK(std::signbit(fs::RoundBf16(-0.0f)));
}

TEST_CASE("RoundFp16 is round-to-nearest-even with subnormals and overflow to inf", "[precision]") {
  for (uint64_t i = 0; i < (uint64_t{1} << 32); i += kStride) {
    const float x = FromBits(static_cast<uint32_t>(i));
    const float got = fs::RoundFp16(x);
    if (std::isnan(x)) {
      REQUIRE(std::isnan(got));
      continue;
    }
    const double want = RoundByDefinition(x, 10, -14, 15);
    if (static_cast<double>(got) != want) FAIL("bits 0x" << std::hex << i << ": got " << got << ", want " << want);
  }
  CHECK(fs::RoundFp16(65504.0f) == 65504.0f);
  CHECK(std::isinf(fs::RoundFp16(65520.0f)));            // the tie past the largest goes up
  CHECK(fs::RoundFp16(65519.0f) == 65504.0f);
  CHECK(fs::RoundFp16(5.9604645e-8f) == 5.9604645e-8f);  // 2^-24, the smallest subnormal
  CHECK(fs::RoundFp16(2.9802322e-8f) == 0.0f);           // 2^-25: a tie, to the even 0
  CHECK(fs::RoundFp16(2.9802326e-8f) == 5.9604645e-8f);  // just above the tie
#if defined(__FLT16_MAX__)
  // The compiler's own conversion (libgcc's, correctly rounded) agrees on a second sample.
  for (uint64_t i = 12345; i < (uint64_t{1} << 32); i += 2 * kStride + 2) {
    const float x = FromBits(static_cast<uint32_t>(i));
    if (std::isnan(x)) continue;
    const float want = static_cast<float>(static_cast<_Float16>(x));
    REQUIRE(ToBits(fs::RoundFp16(x)) == ToBits(want));
  }
#endif
}

TEST_CASE("The worked example: a same-sign residual turns a tie into a rounding down", "[precision]") {
  const float a = -2.40625f, b = -2.296875f;  // two BF16 values
  REQUIRE(fs::RoundBf16(a) == a);
  REQUIRE(fs::RoundBf16(b) == b);
  // Alone, their sum -4.703125 is halfway between the BF16 neighbours -4.6875 and -4.71875;
  // round-to-nearest-even picks -4.6875 (mantissa ...0).
  REQUIRE(a + b == -4.703125f);
  CHECK(fs::RoundBf16(a + b) == -4.6875f);
  const fs::Rounding tie = fs::ExplainRounding(a + b, fs::Format::kBf16);
  CHECK(tie.guard);
  CHECK_FALSE(tie.sticky);
  CHECK(tie.tie);
  // With the residual of the other tokens (FP32 -2.4071154594421387 for the first term), the
  // sticky bit is set and the sum rounds away from zero, to -4.71875.
  const float with_residual = -2.4071154594421387f + b;
  const double exact = -2.4071154594421387 + -2.296875;
  const fs::Rounding r = fs::ExplainRounding(with_residual, fs::Format::kBf16);
  CHECK(r.result == -4.71875f);
  CHECK(r.guard);
  CHECK(r.sticky);
  CHECK_FALSE(r.tie);
  CHECK(r.away_from_zero);
  CHECK(static_cast<double>(r.result) - exact == Approx(-0.01476).margin(5e-5));
  // Half a BF16 step on [4, 8) is 2^-6 = 0.015625: the error against the operands' own sum.
  CHECK(static_cast<double>(r.result) - (-4.703125) == -0.015625);
  const fs::FloatBits bits = fs::DecomposeFloat(r.result, fs::Format::kBf16);
  CHECK(bits.BitString() == "1 10000001 0010111");
  CHECK(bits.above == -4.6875);
  CHECK(bits.below == -4.75);
}

TEST_CASE("DecomposeFloat gives fields and neighbours in each format", "[precision]") {
  const fs::FloatBits one = fs::DecomposeFloat(1.0f, fs::Format::kFp16);
  CHECK(one.BitString() == "0 01111 0000000000");
  CHECK(one.above == 1.0 + 1.0 / 1024);
  CHECK(one.below == 1.0 - 1.0 / 2048);
  const fs::FloatBits sub = fs::DecomposeFloat(5.9604645e-8f, fs::Format::kFp16);
  CHECK(sub.subnormal);
  CHECK(sub.below == 0.0);
  const fs::FloatBits zero = fs::DecomposeFloat(0.0f, fs::Format::kBf16);
  CHECK(zero.below == -std::ldexp(1.0, -133));  // the smallest negative BF16 subnormal
  CHECK(fs::DecomposeFloat(INFINITY, fs::Format::kFp32).infinite);
}

TEST_CASE("Stabilized and standard softmax give the same O in FP64 arithmetic", "[precision]") {
  for (fs::Pattern pattern : {fs::Pattern::kRandom, fs::Pattern::kTiedMaxima, fs::Pattern::kSink, fs::Pattern::kDrift}) {
    for (bool causal : {false, true}) {
      fs::Problem p;
      p.n = 150;
      p.d = 32;
      p.br = 32;
      p.bc = 16;
      p.causal = causal;
      p.pattern = pattern;
      p.seed = 11;
      p.beta = 7.0f;
      const fs::Inputs in = fs::MakeInputs(p);
      const fs::ReferenceOutput exact = fs::ReferenceForward(p, in);
      const fs::ReferenceOutput standard = fs::ReferenceTiled(p, in);
      p.softmax = fs::Softmax::kStabilized;
      const fs::ReferenceOutput stabilized = fs::ReferenceTiled(p, in);
      double worst = 0.0, worst_lse = 0.0;
      for (size_t i = 0; i < exact.o.size(); ++i) {
        worst = std::max(worst, std::fabs(stabilized.o[i] - standard.o[i]));
        worst = std::max(worst, std::fabs(stabilized.o[i] - exact.o[i]));
      }
      for (size_t i = 0; i < exact.lse.size(); ++i) worst_lse = std::max(worst_lse, std::fabs(stabilized.lse[i] - exact.lse[i]));
      INFO(fs::PatternName(pattern) << (causal ? " causal" : ""));
      CHECK(worst < 1e-12);
      CHECK(worst_lse < 1e-12);
    }
  }
}

TEST_CASE("With the stabilized softmax no P-bar is exactly 1 on rows with tied maxima", "[precision]") {
  // Keys in identical pairs; with the queries negated, the tied maxima of some rows are
  // negative, so both branches of the shift are exercised.
  for (const char* preset : {"fp32", "paper-bf16", "fa2-bf16"}) {
    for (bool negate : {false, true}) {
      fs::Problem p;
      p.n = 96;
      p.d = 16;
      p.br = 32;
      p.bc = 32;
      p.pattern = fs::Pattern::kTiedMaxima;
      p.seed = 5;
      REQUIRE(fs::ParsePrecisionPreset(preset, &p.precision));
      fs::Inputs in = fs::MakeInputs(p);
      if (negate)
        for (float& x : in.k) x = -std::fabs(x) - 0.5f;  // every score negative, pairs still tied
      const fs::Trace standard = fs::EmulateTraced(p, in);
      p.softmax = fs::Softmax::kStabilized;
      const fs::Trace stabilized = fs::EmulateTraced(p, in);
      INFO(preset << (negate ? ", negative maxima" : ", positive maxima"));
      int tied_rows = 0, ones_standard = 0, ones_stabilized = 0, beta_branch = 0, zero_branch = 0;
      for (int k = 0; k < stabilized.StepCount(); ++k) {
        for (int r = 0; r < stabilized.steps[k].rows; ++r) {
          const float r_m = stabilized.RMax(k)[r];
          if (stabilized.RCount(k)[r] < 2 || r_m == 0.0f) continue;
          ++tied_rows;
          ones_standard += fs::CountExactOnesInRow(standard, k, r);
          ones_stabilized += fs::CountExactOnesInRow(stabilized, k, r);
          const float m_shift = stabilized.MShift(k)[r];
          if (r_m > 0.0f) beta_branch += m_shift == fs::Round(p.beta * r_m, p.precision.stats);
          if (r_m < 0.0f) zero_branch += m_shift == 0.0f;
        }
      }
      REQUIRE(tied_rows > 0);
      CHECK(ones_standard > 0);  // the standard softmax has them on the same rows
      CHECK(ones_stabilized == 0);
      CHECK(beta_branch + zero_branch == tied_rows);
      CHECK((negate ? zero_branch : beta_branch) > 0);
      // And the answer is still attention: the FP64 error stays at the format's level.
      const fs::ReferenceOutput ref = fs::ReferenceForward(p, fs::RoundedInputs(p, in));
      CHECK(fs::MaxRelativeError(stabilized.o, ref.o, p.d) < (std::string(preset) == "fp32" ? 1e-5 : 6e-2));
    }
  }
}

TEST_CASE("Every precision preset is checked against FP64 on fresh inputs, output poisoned first", "[precision]") {
  const uint64_t seed = 20261122;  // fixed, printed on failure
  for (const fs::PrecisionPreset& preset : fs::kPrecisionPresets) {
    for (fs::Softmax softmax : {fs::Softmax::kStandard, fs::Softmax::kStabilized}) {
      fs::Problem p;
      p.n = 77;
      p.d = 32;
      p.br = 16;
      p.bc = 32;
      p.causal = true;
      p.seed = seed;
      p.precision = preset.precision;
      p.softmax = softmax;
      const fs::Inputs in = fs::MakeInputs(p);
      const fs::Trace t = fs::EmulateTraced(p, in);  // O starts as NaN: every element written
      const fs::ReferenceOutput ref = fs::ReferenceForward(p, fs::RoundedInputs(p, in));
      const double err = fs::MaxRelativeError(t.o, ref.o, p.d);
      const double tol = fs_test::OutputTolerance(p);
      INFO(preset.name << " " << fs::SoftmaxName(softmax) << " seed " << seed << ": error " << err);
      CHECK(err < tol);
      CHECK(err > 0.0);  // rounding happened: a run that ignored the policy would be exact-ish
      for (size_t i = 0; i < t.o.size(); ++i)
        if (preset.precision.output == fs::Format::kBf16) REQUIRE((ToBits(t.o[i]) & 0xFFFFu) == 0);
    }
  }
}

TEST_CASE("paper-bf16 adds each block product rounded to BF16; fa2-bf16 accumulates in FP32", "[precision]") {
  fs::Problem p = DriftProblem(fs::Softmax::kStandard);
  p.n = 64;
  p.bc = 32;
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace paper = fs::EmulateTraced(p, in);
  // Step 0, every row: O-bar of feature f is the sink pair's two exact 1 * V values plus a
  // small negative residual, and O~ holds it rounded to BF16: the worked example.
  for (int r = 0; r < p.br; ++r) {
    const float blk = paper.OBlk(0)[static_cast<size_t>(r) * p.d + fs::kDriftFeature];
    CHECK(blk < -4.703125f);
    CHECK(blk > -4.703125f - 0.0078125f);
    CHECK(paper.OAcc(0)[static_cast<size_t>(r) * p.d + fs::kDriftFeature] == -4.71875f);
    CHECK(fs::CountExactOnesInRow(paper, 0, r) == 2);
  }
  fs::ParsePrecisionPreset("fa2-bf16", &p.precision);
  const fs::Trace fa2 = fs::EmulateTraced(p, in);
  CHECK(std::isnan(fa2.OBlk(0)[0]));  // no separate block product: left as the poison
  CHECK(fa2.OAcc(0)[fs::kDriftFeature] != fs::RoundBf16(fa2.OAcc(0)[fs::kDriftFeature]));  // FP32 O~
}

TEST_CASE("On the drift pattern paper-bf16 is biased low and the stabilized softmax removes it", "[precision]") {
  const fs::Problem standard = DriftProblem(fs::Softmax::kStandard);
  const fs::Inputs in = fs::MakeInputs(standard);
  const fs::PrecisionSummary s = fs::Summarize(fs::EmulateTraced(standard, in), in);
  CHECK(s.exact_ones > 0);
  CHECK(s.feature == fs::kDriftFeature);
  CHECK(s.o_err.BiasedLow());
  CHECK(s.delta_drift > 0.0);  // dO is negative on f: a low O raises delta

  // Over 32 fresh seeds (the over-runs mean is what a reader compares), standard against
  // stabilized with beta = 2.
  const auto runs = fs::RunDrift(standard, 32, [](const fs::Problem& p, const fs::Inputs& i) {
    return fs::EmulateTraced(p, i);
  });
  std::vector<double> err_standard, err_stabilized;
  double drift_standard = 0.0, drift_stabilized = 0.0;
  for (const fs::DriftRun& r : runs) {
    CHECK(r.stabilized.exact_ones == 0);
    CHECK(r.standard.o_err.BiasedLow());
    err_standard.push_back(r.standard.o_err.mean);
    err_stabilized.push_back(r.stabilized.o_err.mean);
    drift_standard += r.standard.delta_drift;
    drift_stabilized += r.stabilized.delta_drift;
  }
  const fs::SignedError over_standard = fs::SignedErrorOf(err_standard);
  const fs::SignedError over_stabilized = fs::SignedErrorOf(err_stabilized);
  INFO("mean signed error " << over_standard.mean << " -> " << over_stabilized.mean << "; delta drift "
                            << drift_standard << " -> " << drift_stabilized);
  CHECK(over_standard.BiasedLow());
  CHECK_FALSE(over_stabilized.BiasedLow());
  CHECK(std::fabs(over_stabilized.mean) * 10.0 < std::fabs(over_standard.mean));
  CHECK(std::fabs(drift_stabilized) * 8.0 < std::fabs(drift_standard));
}

TEST_CASE("The stabilized shift pushes P-bar out of FP16's range; a large beta loses BF16 keys", "[precision]") {
  // fa2-fp16 keeps m and l in FP32 but casts P-bar to FP16 for P V: exp(r_m - beta r_m) of a
  // tied sink at a score of 14 is e^-14 (beta 2) or e^-84 (beta 7), below or far below FP16's
  // smallest normal 2^-14: the P V product loses the row. BF16 has FP32's range and keeps it
  // at beta 2; at beta 7 the other keys' e^-98 underflow, and the error grows.
  const auto error = [](const char* preset, fs::Softmax softmax, float beta) {
    fs::Problem p = DriftProblem(softmax);
    fs::ParsePrecisionPreset(preset, &p.precision);
    p.beta = beta;
    const fs::Inputs in = fs::MakeInputs(p);
    return fs::Summarize(fs::EmulateTraced(p, in), in).o_max_abs_err;
  };
  const double fp16_standard = error("fa2-fp16", fs::Softmax::kStandard, 2.0f);
  CHECK(fp16_standard < 2e-3);
  CHECK(error("fa2-fp16", fs::Softmax::kStabilized, 2.0f) > 20 * fp16_standard);
  CHECK(error("fa2-fp16", fs::Softmax::kStabilized, 7.0f) > 1.0);  // O is lost
  const double bf16_beta2 = error("paper-bf16", fs::Softmax::kStabilized, 2.0f);
  CHECK(bf16_beta2 < 5e-2);
  CHECK(error("paper-bf16", fs::Softmax::kStabilized, 7.0f) > 2 * bf16_beta2);
}

TEST_CASE("The summary JSON holds every field the precision lab reports", "[precision]") {
  const fs::Problem p = DriftProblem(fs::Softmax::kStabilized);
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace t = fs::EmulateTraced(p, in);
  const nlohmann::json j = fs::SummaryJson(t, fs::Summarize(t, in));
  for (const char* key : {"backend", "device", "n", "d", "br", "bc", "causal", "pattern", "seed", "precision",
                          "softmax", "beta", "eps", "steps", "p_exact_ones", "o_max_abs_err", "o_mean_signed_err",
                          "o_mean_signed_err_ci99", "delta_drift", "fp32_floor_abs_err"})
    CHECK(j.contains(key));
  CHECK(j["precision"]["acc"] == "bf16");
  CHECK(j["softmax"] == "stabilized");
  CHECK(j["p_exact_ones"] == 0);
  CHECK(j["steps"] == t.StepCount());
  CHECK(j["fp32_floor_abs_err"].get<double>() < j["o_max_abs_err"].get<double>());
}

TEST_CASE("Precision round-trips through JSON as an object of every stage, and reads a preset name", "[precision]") {
  fs::Problem p;
  fs::ParsePrecisionPreset("fa2-fp16", &p.precision);
  p.precision.acc = fs::Format::kBf16;
  p.softmax = fs::Softmax::kStabilized;
  p.beta = 7.0f;
  p.eps = 0.01f;
  CHECK(fs::ProblemFromJson(fs::ProblemToJson(p), "x") == p);
  const fs::Problem named = fs::ProblemFromJson(nlohmann::json::parse(R"({"precision": "paper-bf16"})"), "x");
  CHECK(fs::PrecisionName(named.precision) == "paper-bf16");
  const fs::Problem over = fs::ProblemFromJson(
      nlohmann::json::parse(R"({"precision": {"preset": "fa2-bf16", "acc": "bf16"}})"), "x");
  CHECK(over.precision.acc == fs::Format::kBf16);
  CHECK(over.precision.inputs == fs::Format::kBf16);
  CHECK(over.precision.scores == fs::Format::kFp32);
}

TEST_CASE("Bad numeric settings are refused with the field and the allowed values", "[precision]") {
  const auto message = [](const std::string& text) {
    try {
      fs::ProblemFromJson(nlohmann::json::parse(text), "lesson.json: problem");
    } catch (const fs::ProblemError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(message(R"({"beta": 1})"), Contains("\"beta\" is 1; allowed: 1 < beta <= 16"));
  CHECK_THAT(message(R"({"beta": 16.5})"), Contains("\"beta\" is 16.5; allowed: 1 < beta <= 16"));
  CHECK_THAT(message(R"({"eps": 0})"), Contains("\"eps\" is 0; allowed: 0 < eps <= 1"));
  CHECK_THAT(message(R"({"eps": -1e-3})"), Contains("\"eps\""));
  CHECK_THAT(message(R"({"precision": "bf16-everything"})"),
             Contains("\"precision\" is \"bf16-everything\"") && Contains("fp32, fa2-bf16, fa2-fp16, paper-bf16"));
  CHECK_THAT(message(R"({"precision": {"acc": "fp8"}})"),
             Contains("\"precision.acc\" is \"fp8\"; allowed: fp32, fp16, bf16"));
  CHECK_THAT(message(R"({"precision": {"accumulator": "bf16"}})"), Contains("unknown field \"precision.accumulator\""));
  CHECK_THAT(message(R"({"softmax": "safe"})"), Contains("\"softmax\" is \"safe\"; allowed: standard, stabilized"));
  fs::Problem p;
  p.beta = NAN;
  REQUIRE(fs::ProblemErrors(p).size() == 1);
  CHECK_THAT(fs::ProblemErrors(p)[0], Contains("beta is nan"));
}

TEST_CASE("The command line takes a preset, per-stage overrides and the softmax flags", "[precision][cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log"), summary = dir.File("s.json");
  REQUIRE(RunCli("trace --backend cpu --n 64 --d 16 --pattern tied --precision fa2-bf16 --acc bf16 "
                 "--softmax stabilized --beta 4 --eps 0.01 --out " + dir.File("t.fstrace") + " --summary " + summary,
                 log) == 0);
  const nlohmann::json j = nlohmann::json::parse(fs_test::ReadBytes(summary));
  CHECK(j["precision"]["inputs"] == "bf16");
  CHECK(j["precision"]["scores"] == "fp32");
  CHECK(j["precision"]["acc"] == "bf16");  // the override wins over the preset
  CHECK(j["softmax"] == "stabilized");
  CHECK(j["beta"] == 4.0);
  CHECK(j["eps"].get<double>() == Approx(0.01));
  CHECK(j["p_exact_ones"] == 0);

  CHECK(RunCli("trace --backend cpu --precision bf16 --out " + dir.File("x.fstrace"), log) == 2);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("fp32, fa2-bf16, fa2-fp16, paper-bf16"));
  CHECK(RunCli("trace --backend cpu --acc fp8 --out " + dir.File("x.fstrace"), log) == 2);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("fp32, fp16, bf16"));
  CHECK(RunCli("trace --backend cpu --softmax stabilized --beta 1 --out " + dir.File("x.fstrace"), log) == 1);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("beta is 1; allowed: 1 < beta <= 16"));
}

TEST_CASE("drift repeats a problem over seeds and writes JSON and CSV", "[precision][cli]") {
  fs_test::TempDir dir;
  const std::string log = dir.File("log"), json = dir.File("d.json"), csv = dir.File("d.csv");
  REQUIRE(RunCli("drift --backend cpu --runs 3 --pattern drift --precision paper-bf16 --n 128 --d 32 --seed 9 --out " +
                     json + " --csv " + csv,
                 log) == 0);
  const nlohmann::json j = nlohmann::json::parse(fs_test::ReadBytes(json));
  REQUIRE(j["runs"].size() == 3);
  CHECK(j["runs"][2]["seed"] == 11);
  double cumulative = 0.0;
  for (const auto& run : j["runs"]) {
    cumulative += run["standard"]["delta_drift"].get<double>();
    CHECK(run["standard"]["delta_drift_cumulative"].get<double>() == Approx(cumulative));
    CHECK(run["standard"]["p_exact_ones"].get<int>() > 0);
    CHECK(run["stabilized"]["p_exact_ones"] == 0);
  }
  CHECK(j["standard"]["delta_drift_total"].get<double>() == Approx(cumulative));
  const std::string text = fs_test::ReadBytes(csv);
  CHECK(std::count(text.begin(), text.end(), '\n') == 4);  // header and three runs
}

TEST_CASE("dO comes from the drift pattern, from the seed, or from a .npy file of shape (N, d)", "[precision]") {
  fs::Problem p;
  p.n = 40;
  p.d = 16;
  const fs::Inputs seeded = fs::MakeInputs(p);
  REQUIRE(seeded.dout.size() == 40u * 16u);
  p.seed = 2;
  CHECK(fs::MakeInputs(p).dout != seeded.dout);  // a function of the seed
  p.pattern = fs::Pattern::kDrift;
  const fs::Inputs drift = fs::MakeInputs(p);
  for (int r = 0; r < p.n; ++r) CHECK(drift.dout[static_cast<size_t>(r) * p.d + fs::kDriftFeature] < -0.99f);

  fs_test::TempDir dir;
  std::vector<float> mine(40 * 16);
  for (size_t i = 0; i < mine.size(); ++i) mine[i] = 0.25f * static_cast<float>(i % 7) - 0.5f;
  fs::SaveNpy(dir.File("dout.npy"), mine.data(), {40, 16});
  p.dout_path = dir.File("dout.npy");
  CHECK(fs::MakeInputs(p).dout == mine);
  fs::SaveNpy(dir.File("wrong.npy"), mine.data(), {16, 40});
  p.dout_path = dir.File("wrong.npy");
  CHECK_THROWS_WITH(fs::MakeInputs(p), Contains("wrong.npy") && Contains("dO has shape (16, 40)") &&
                                           Contains("allowed: (40, 16)"));
}

TEST_CASE("A result that leaves its formats' range is kept and said, not refused", "[precision][cli]") {
  // beta = 16 on the drift pattern: exp(S - 16 r_m) underflows for every key of a row in the
  // first block, so l = 0 and O = 0 / 0 there: the lesson on too large a beta shows this.
  fs::Problem p = DriftProblem(fs::Softmax::kStabilized);
  p.beta = 16.0f;
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace t = fs::EmulateTraced(p, in);  // no exception
  const std::string note = fs::NonFiniteOutputNote(p, t.o, t.lse);
  CHECK_THAT(note, Contains("O or L is not finite in") && Contains("beta 16") && Contains("l = 0"));
  p.beta = 2.0f;
  const fs::Trace fine = fs::EmulateTraced(p, in);
  CHECK(fs::NonFiniteOutputNote(p, fine.o, fine.lse).empty());

  fs_test::TempDir dir;
  const std::string log = dir.File("log");
  CHECK(RunCli("trace --backend cpu --pattern drift --precision paper-bf16 --softmax stabilized --beta 16 --out " +
                   dir.File("t.fstrace"),
               log) == 0);
  CHECK_THAT(fs_test::ReadBytes(log), Contains("note: O or L is not finite"));
}
