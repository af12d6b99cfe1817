// InspectCell: a traced value explained as the bit view shows it. The rounding it reports is
// rebuilt from recorded fields and must reproduce the stored value bit for bit.
#include "catch2/catch.hpp"

#include <cmath>

#include "cell_inspect.h"
#include "emulate.h"
#include "precision_stats.h"

using Catch::Matchers::Contains;

namespace {

fs::Problem DriftProblem(const char* preset) {
  fs::Problem p;
  p.n = 96;
  p.d = 32;
  p.br = 32;
  p.bc = 32;
  p.pattern = fs::Pattern::kDrift;
  REQUIRE(fs::ParsePrecisionPreset(preset, &p.precision));
  return p;
}

struct Run {
  fs::Problem p;
  fs::Inputs raw, rounded;
  fs::Trace t;
  explicit Run(const fs::Problem& problem)
      : p(problem), raw(fs::MakeInputs(p)), rounded(fs::RoundedInputs(p, raw)), t(fs::EmulateTraced(p, raw)) {}
  fs::CellReport At(fs::CellField f, int step, int row, int col) const {
    return fs::InspectCell(t, &rounded, fs::CellRef{f, step, row, col});
  }
};

}  // namespace

TEST_CASE("cell field names are the trace's field names, plus O", "[cell]") {
  const char* expected[] = {"S", "P", "O-bar", "O~"};
  const fs::TraceField fields[] = {fs::kS, fs::kP, fs::kOBlk, fs::kOAcc};
  for (int i = 0; i < 4; ++i) CHECK(std::string(fs::kTraceFields[fields[i]].name) == expected[i]);
  for (const char* name : {"S", "P", "O-bar", "O~", "O"}) {
    fs::CellField f;
    REQUIRE(fs::ParseCellField(name, &f));
    CHECK(std::string(fs::CellFieldName(f)) == name);
  }
  CHECK(fs::CellFieldChoices() == "S, P, O-bar, O~, O");
}

TEST_CASE("O-bar on paper-bf16: the recorded FP32 block product rounded to BF16, away from zero", "[cell]") {
  const Run run(DriftProblem("paper-bf16"));
  const fs::CellReport rep = run.At(fs::CellField::kOBar, 0, 5, fs::kDriftFeature);
  REQUIRE(rep.error.empty());
  CHECK(rep.format == fs::Format::kBf16);
  REQUIRE(rep.has_rounding);
  CHECK(rep.rounding.input == run.t.OBlk(0)[5 * run.p.d + fs::kDriftFeature]);
  CHECK(rep.stored == fs::RoundBf16(rep.rounding.input));
  CHECK(rep.stored == -4.71875f);
  CHECK(rep.rounding.guard);
  CHECK(rep.rounding.sticky);
  CHECK(rep.rounding.away_from_zero);
  CHECK(rep.bits.sign == 1);
  CHECK(rep.bits.exponent == 129u);
  // The FP64 shadow sums exp(S - m_new) V over the block in FP64, from the same rounded inputs.
  CHECK(std::isfinite(rep.shadow));
  CHECK(rep.title == "O-bar[row 5, feature 0] at step 1 (Q block 0, K/V block 0)");
}

TEST_CASE("O~ on the separate path is R(R(rescale O~_old) + R(O-bar)), rebuilt bit for bit", "[cell]") {
  const Run run(DriftProblem("paper-bf16"));
  for (int step : {0, 1, 2}) {
    const fs::CellReport rep = run.At(fs::CellField::kOAcc, step, 7, 3);
    INFO("step " << step);
    REQUIRE(rep.has_addends);
    if (step == 0) CHECK(rep.rescaled_old == 0.0f);  // nothing accumulated before the first block
    CHECK(rep.stored == run.t.OAcc(step)[7 * run.p.d + 3]);
    REQUIRE(rep.has_rounding);
    CHECK(rep.rounding.input == rep.rescaled_old + rep.block_rounded);
    CHECK(rep.rounding.result == rep.stored);
  }
}

TEST_CASE("O-bar is not recorded when P-bar V goes straight into an FP32 accumulator", "[cell]") {
  const Run run(DriftProblem("fa2-bf16"));
  const fs::CellReport rep = run.At(fs::CellField::kOBar, 0, 5, 0);
  CHECK_THAT(rep.error, Contains("not recorded with this precision"));
  const fs::CellReport acc = run.At(fs::CellField::kOAcc, 0, 5, 0);
  CHECK(acc.error.empty());
  CHECK(acc.format == fs::Format::kFp32);
  CHECK_FALSE(acc.has_rounding);
}

TEST_CASE("P = 1.0 at the sink: exp(0) in FP32, nothing rounded", "[cell]") {
  const Run run(DriftProblem("paper-bf16"));
  const fs::CellReport rep = run.At(fs::CellField::kP, 0, 5, 0);
  CHECK(rep.stored == 1.0f);
  REQUIRE(rep.has_rounding);
  CHECK(rep.rounding.input == 1.0f);
  CHECK(rep.rounding.error == 0.0);
  CHECK_FALSE(rep.has_tie);
}

TEST_CASE("S in BF16 is the FP32 dot product rounded, rebuilt from the inputs", "[cell]") {
  const Run run(DriftProblem("paper-bf16"));
  const fs::CellReport rep = run.At(fs::CellField::kS, 4, 40, 9);  // Q block 1, K/V block 1
  REQUIRE(rep.error.empty());
  CHECK(rep.stored == run.t.S(4)[(40 - 32) * run.p.bc + 9]);
  REQUIRE(rep.has_rounding);
  // d = 32: the scale 1/sqrt(32) rounds too, so the last rounding is the one shown.
  CHECK(rep.rounded_from == "R(q . k) * scale in FP32");
  CHECK(rep.rounding.result == rep.stored);
  CHECK(rep.shadow == Approx(rep.stored).margin(0.01));

  fs::Problem p64 = DriftProblem("paper-bf16");
  p64.d = 64;  // scale 1/8: exact, so the dot product's rounding is the one that matters
  const Run run64(p64);
  const fs::CellReport rep64 = run64.At(fs::CellField::kS, 4, 40, 9);
  REQUIRE(rep64.has_rounding);
  CHECK(rep64.rounding.result * 0.125f == rep64.stored);
}

TEST_CASE("O is O~ / l rounded to the output format, and its shadow is FP64 attention", "[cell]") {
  const Run run(DriftProblem("paper-bf16"));
  const fs::CellReport rep = run.At(fs::CellField::kO, -1, 50, 0);
  REQUIRE(rep.error.empty());
  CHECK(rep.stored == run.t.o[50 * run.p.d]);
  REQUIRE(rep.has_rounding);
  const fs::PrecisionSummary sum = fs::Summarize(run.t, run.raw);
  CHECK(rep.shadow == Approx(sum.o_shadow[50 * run.p.d]).epsilon(1e-9));
}

TEST_CASE("a cell outside the trace is an error, not a crash", "[cell]") {
  const Run run(DriftProblem("fp32"));
  CHECK_FALSE(run.At(fs::CellField::kP, 0, 5, 32).error.empty());   // col >= Bc
  CHECK_FALSE(run.At(fs::CellField::kO, 0, 96, 0).error.empty());   // row >= N
  CHECK_FALSE(run.At(fs::CellField::kS, 99, 5, 0).error.empty());   // no such step
  CHECK_THAT(run.At(fs::CellField::kS, 0, 40, 0).error, Contains("not in the Q block"));
  const fs::CellReport no_inputs = fs::InspectCell(run.t, nullptr, fs::CellRef{fs::CellField::kP, 0, 5, 0});
  CHECK(no_inputs.error.empty());
  CHECK(std::isnan(no_inputs.shadow));
}

TEST_CASE("TieOf clears the bits below the guard bit", "[cell]") {
  const fs::Rounding tie = fs::TieOf(-4.7031612f, fs::Format::kBf16);
  CHECK(tie.input == -4.703125f);
  CHECK(tie.tie);
  CHECK(tie.result == -4.6875f);
  CHECK(tie.error == 0.015625);
}
