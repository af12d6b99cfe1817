// The cell inspector's formulas: a score, probability or accumulator cell with the real numbers,
// checked against an FP64 dot product written here and the trace's own fields, and the numbers
// printed so that an exact 1 reads apart from its neighbours.
#include "catch2/catch.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include "cell_formula.h"
#include "emulate.h"
#include "lesson.h"
#include "test_oracle.h"
#include "test_util.h"

using Catch::Matchers::Contains;

namespace {

// The one line of `f` that starts with `prefix`.
std::string Line(const fs::CellFormula& f, const std::string& prefix) {
  for (const std::string& l : f.lines)
    if (l.rfind(prefix, 0) == 0) return l;
  FAIL("no line starting with \"" << prefix << "\"");
  return "";
}

}  // namespace

TEST_CASE("CellNumber writes whole numbers bare and never rounds a fraction to one", "[inspect]") {
  CHECK(fs::CellNumber(1.0) == "1");
  CHECK(fs::CellNumber(-3.0) == "-3");
  CHECK(fs::CellNumber(0.0) == "0");
  CHECK(fs::CellNumber(0.25) == "0.25");
  CHECK(fs::CellNumber(0.99998) == "0.99998");
  CHECK(fs::CellNumber(0.9999999, 4) == "0.9999999");  // 4 digits would print "1"
  CHECK(fs::CellNumber(double(std::nextafter(1.0f, 0.0f)), 4) != "1");
  CHECK(fs::CellNumber(-INFINITY) == "-inf");
  CHECK(fs::CellNumber(NAN) == "NaN");
}

TEST_CASE("A score cell's formula: the dot product's terms, S, m, exp and the final probability", "[inspect]") {
  const fs::Problem p = fs_test::ProblemOf(96, 16, 32, 32);
  const fs::Inputs in = fs::MakeInputs(p);
  const fs::Trace t = fs::EmulateTraced(p, in);
  const int step = 1, row = 5, col = 7;  // Q block 0, K/V block 1: key 39
  const fs::StepInfo& st = t.steps[step];
  REQUIRE(st.col0 == 32);
  const fs::CellFormula f = fs::ExplainCell(t, &in, fs::CellRef{fs::CellField::kS, step, row, col});
  REQUIRE(f.error.empty());
  CHECK(f.key == 39);
  CHECK(f.title == "query 5, key 39 at step 2 (Q block 0, K/V block 1)");
  double dot = 0.0;
  for (int i = 0; i < p.d; ++i) dot += double(in.q[row * p.d + i]) * double(in.k[39 * p.d + i]);
  CHECK_THAT(Line(f, "q.k = sum over 16 features"), Contains("= " + fs::CellNumber(dot)));
  const float s = t.S(step)[(row - st.row0) * p.bc + col];
  CHECK_THAT(Line(f, "S = scale * q.k"), Contains("stored S = " + fs::CellNumber(s) + " (fp32)"));
  const float m_new = t.MNew(step)[row], pbar = t.P(step)[(row - st.row0) * p.bc + col];
  CHECK_THAT(Line(f, "m: "), Contains("-> " + fs::CellNumber(m_new)));
  CHECK_THAT(Line(f, "P-bar = exp(S - m_new)"), Contains("stored " + fs::CellNumber(pbar)));
  // The final probability is the exact softmax up to rounding: check it against FP64.
  const std::vector<double> exact = fs_test::AttendRow(in, row, p.EffectiveScale(), false, p.n).probs;
  const std::string fin = Line(f, "final probability");
  const double shown = std::strtod(fin.substr(fin.rfind("= ") + 2).c_str(), nullptr);
  CHECK(shown == Approx(exact[39]).epsilon(1e-4));
}

TEST_CASE("The formula names an exact 1, a masked key and padding, and explains O~", "[inspect]") {
  // Tied keys: the row's maximum appears twice at step 0, and P-bar is exactly 1 there.
  const fs::Lesson ties = fs::LoadLesson(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/ties.json");
  const fs::Inputs in = fs::MakeInputs(ties.problem);
  const fs::Trace t = fs::EmulateTraced(ties.problem, in);
  int one = -1;
  for (int c = 0; c < ties.problem.bc && one < 0; ++c)
    if (t.P(0)[3 * ties.problem.bc + c] == 1.0f) one = c;
  REQUIRE(one >= 0);
  fs::CellFormula f = fs::ExplainCell(t, &in, fs::CellRef{fs::CellField::kP, 0, 3, one});
  CHECK_THAT(Line(f, "P-bar = exp(S - m_new)"), Contains("stored 1 (fp32): exactly 1"));
  CHECK_THAT(Line(f, "m: "), Contains("the row's first block"));
  // Causal: key 20 after query 3; padding: N = 40 leaves keys 40.. of the second block.
  const fs::Problem causal = fs_test::ProblemOf(64, 16, 32, 32, true);
  const fs::Trace tc = fs::EmulateTraced(causal, fs::MakeInputs(causal));
  f = fs::ExplainCell(tc, nullptr, fs::CellRef{fs::CellField::kS, 0, 3, 20});
  REQUIRE(f.lines.size() == 1);
  CHECK_THAT(f.lines[0], Contains("Key 20 comes after query 3: the causal mask sets S = -inf"));
  const fs::Problem padded = fs_test::ProblemOf(40, 16, 32, 32);
  const fs::Trace tp = fs::EmulateTraced(padded, fs::MakeInputs(padded));
  f = fs::ExplainCell(tp, nullptr, fs::CellRef{fs::CellField::kS, 1, 3, 12});  // key 44
  CHECK_THAT(f.lines.at(0), Contains("Column 44 is padding: the sequence ends at key 39"));
  // Without inputs the terms are left out, and it says why.
  f = fs::ExplainCell(tp, nullptr, fs::CellRef{fs::CellField::kS, 0, 3, 2});
  CHECK_THAT(f.lines.at(0), Contains("the inputs are not at hand"));
  // O~ at the Q block's last step: rescale, the old value, and O = O~ / l as written.
  const int last = 1;
  REQUIRE(tp.steps[last].last_for_q_block);
  f = fs::ExplainCell(tp, nullptr, fs::CellRef{fs::CellField::kOAcc, last, 3, 5});
  const float o = tp.o[3 * padded.d + 5];
  CHECK_THAT(Line(f, "last K/V block: O = O~ / l"), Contains("= " + fs::CellNumber(o) + ", written to HBM"));
  CHECK(fs::ExplainCell(tp, nullptr, fs::CellRef{fs::CellField::kS, 0, 40, 0}).error ==
        "the cell is not in this step's tile");
  CHECK(fs::ExplainCell(tp, nullptr, fs::CellRef{fs::CellField::kS, 9, 0, 0}).error == "no such step");
}


TEST_CASE("Under the stabilized softmax the formula gives the block's shift m' that m_new takes", "[inspect]") {
  const fs::Lesson beta = fs::LoadLesson(std::string(FS_SOURCE_DIR) + "/scenarios/lessons/beta_fix.json");
  const fs::Problem& p = beta.beats[1].problem;
  REQUIRE(p.softmax == fs::Softmax::kStabilized);
  const fs::Trace t = fs::EmulateTraced(p, fs::MakeInputs(p));
  const int row = 5;
  const fs::CellFormula f = fs::ExplainCell(t, nullptr, fs::CellRef{fs::CellField::kS, 0, row, 0});
  const std::string m = Line(f, "m: ");
  CHECK_THAT(m, Contains("m' = " + fs::CellNumber(t.MShift(0)[row])));
  CHECK_THAT(m, Contains("r_m = " + fs::CellNumber(t.RMax(0)[row])));
  CHECK_THAT(m, Contains("-> " + fs::CellNumber(t.MNew(0)[row])));
}
