// The precision lessons, played as the window plays them: the app state opens the lesson on
// the CPU emulation, goes to every beat and computes what its panels show (FinishLab); each
// test then checks what the beat's text claims against those numbers.
//
// Sections: helpers · exact_ones.json · biased_rounding.json · beta_fix.json
#include "catch2/catch.hpp"

#include <cmath>
#include <cstring>
#include <string>

#include "app_state.h"
#include "precision_stats.h"

namespace {

struct LessonPlayer {
  fs::AppState s;

  explicit LessonPlayer(const std::string& file) {
    s.backend_kind = fs::BackendKind::kCpu;
    s.cuda_unavailable = "the tests run the CPU emulation";
    const bool opened = fs::OpenLesson(s, std::string(FS_SOURCE_DIR) + "/scenarios/lessons/" + file);
    INFO(s.status.text);
    REQUIRE(opened);
  }
  int Beats() const { return static_cast<int>(s.lesson->beats.size()); }
  // Goes to beat b and computes everything its panels show.
  void Beat(int b) {
    fs::GoToBeat(s, b);
    INFO(s.status.text);
    REQUIRE(s.beat == b);
    REQUIRE_FALSE(s.status.error);
    fs::FinishLab(s);
  }
  const fs::Trace& T() const { return *s.trace; }
  bool Shown(fs::PanelId id) const { return s.view.shown[static_cast<int>(id)]; }
  const fs::PrecisionSummary& Summary() const {
    REQUIRE(s.lab.summary);
    return *s.lab.summary;
  }
  const fs::PrecisionSummary& AlternateSummary() const {
    REQUIRE(s.lab.alternate_summary);
    return *s.lab.alternate_summary;
  }
  const fs::CellReport& Report() const {
    REQUIRE(s.lab.has_cell);
    REQUIRE(s.lab.report_of == s.trace);
    INFO(s.lab.report.error);
    REQUIRE(s.lab.report.error.empty());
    return s.lab.report;
  }
};

// Every beat of a lesson can be shown: the problem runs and the panels it names are open.
void PlayEveryBeat(const std::string& file) {
  LessonPlayer play(file);
  for (int b = 0; b < play.Beats(); ++b) {
    INFO("beat " << b);
    play.Beat(b);
    for (const std::string& name : play.s.lesson->beats[b].panels) {
      fs::PanelId id = fs::PanelId::kTiles;
      REQUIRE(fs::ParsePanelName(name, &id));
      CHECK(play.Shown(id));
    }
  }
}

// The last step of a row's Q block.
int LastStepOf(const fs::Trace& t, int row) { return fs::StepsOfRow(t, row).back(); }

}  // namespace

// ---- exact_ones.json ------------------------------------------------------------------------

TEST_CASE("exact_ones: every beat runs and opens its panels", "[lesson][precision]") { PlayEveryBeat("exact_ones.json"); }

TEST_CASE("exact_ones: random keys give one exact 1 per row in the first block", "[lesson][precision]") {
  LessonPlayer play("exact_ones.json");
  play.Beat(0);
  const fs::Trace& t = play.T();
  for (int r = 0; r < t.steps[0].rows; ++r) {
    INFO("row " << r);
    CHECK(fs::CountExactOnesInRow(t, 0, r) == 1);
  }
  // The stabilized softmax acts only on ties: without them its run is the same.
  REQUIRE(play.s.lab.alternate);
  CHECK(fs::CountExactOnes(*play.s.lab.alternate) == fs::CountExactOnes(t));
}

TEST_CASE("exact_ones: tied keys give two exact ones side by side", "[lesson][precision]") {
  LessonPlayer play("exact_ones.json");
  play.Beat(1);
  const fs::Trace& t = play.T();
  REQUIRE(t.problem.pattern == fs::Pattern::kTiedMaxima);
  for (int r = 0; r < t.steps[0].rows; ++r) {
    INFO("row " << r);
    REQUIRE(fs::CountExactOnesInRow(t, 0, r) == 2);
    const float* prow = t.P(0) + static_cast<size_t>(r) * t.problem.bc;
    int first = 0;
    while (prow[first] != 1.0f) ++first;
    CHECK(first % 2 == 0);
    CHECK(prow[first + 1] == 1.0f);
  }
  REQUIRE(play.s.lab.alternate);
  CHECK(fs::CountExactOnes(*play.s.lab.alternate) == 0u);
}

TEST_CASE("exact_ones: the BF16 sink has its two ones at keys 0 and 1 of every row, and no others", "[lesson][precision]") {
  LessonPlayer play("exact_ones.json");
  play.Beat(2);
  const fs::Trace& t = play.T();
  REQUIRE(fs::PrecisionName(t.problem.precision) == "paper-bf16");
  for (int k = 0; k < t.StepCount(); ++k) {
    if (t.steps[k].kv_block != 0) continue;
    for (int r = 0; r < t.steps[k].rows; ++r) {
      const float* prow = t.P(k) + static_cast<size_t>(r) * t.problem.bc;
      CHECK(prow[0] == 1.0f);
      CHECK(prow[1] == 1.0f);
    }
  }
  CHECK(fs::CountExactOnes(t) == 2u * static_cast<uint64_t>(t.problem.n));
}

TEST_CASE("exact_ones: the bit view of 1.0 in BF16", "[lesson][precision]") {
  LessonPlayer play("exact_ones.json");
  play.Beat(3);
  const fs::CellReport& rep = play.Report();
  CHECK(rep.format == fs::Format::kBf16);
  CHECK(rep.stored == 1.0f);
  CHECK(rep.bits.sign == 0);
  CHECK(rep.bits.exponent == 127u);
  CHECK(rep.bits.mantissa == 0u);
  CHECK(rep.bits.below == 0.99609375);
  CHECK(rep.bits.above == 1.0078125);
  REQUIRE(rep.has_rounding);  // exp(0) in FP32, then to BF16: nothing to round
  CHECK(rep.rounding.input == 1.0f);
  CHECK(rep.rounding.error == 0.0);
}

TEST_CASE("exact_ones: the stabilized softmax's run has no exact 1", "[lesson][precision]") {
  LessonPlayer play("exact_ones.json");
  play.Beat(4);
  REQUIRE(play.s.lab.alternate);
  CHECK(play.s.lab.alternate->problem.softmax == fs::Softmax::kStabilized);
  CHECK(fs::CountExactOnes(play.T()) > 0u);
  CHECK(fs::CountExactOnes(*play.s.lab.alternate) == 0u);
}

// ---- biased_rounding.json -------------------------------------------------------------------

TEST_CASE("biased_rounding: every beat runs and opens its panels", "[lesson][precision]") {
  PlayEveryBeat("biased_rounding.json");
}

TEST_CASE("biased_rounding: two exact ones in every row, 2 N in the run", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(0);
  const fs::Trace& t = play.T();
  for (int r = 0; r < t.steps[0].rows; ++r) CHECK(fs::CountExactOnesInRow(t, 0, r) == 2);
  CHECK(fs::CountExactOnes(t) == 2u * static_cast<uint64_t>(t.problem.n));
}

TEST_CASE("biased_rounding: the worked example in the bit view", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(1);
  const fs::CellReport& rep = play.Report();
  CHECK(play.s.lab.cell.field == fs::CellField::kOBar);
  CHECK(play.s.lab.cell.col == fs::kDriftFeature);
  REQUIRE(rep.has_rounding);
  const fs::Rounding& r = rep.rounding;
  CHECK(r.input == Approx(-4.7031612).margin(1e-6));  // the pattern's residual: -0.00004
  CHECK(r.result == -4.71875f);
  CHECK(rep.stored == -4.71875f);
  CHECK(r.guard);
  CHECK(r.sticky);
  CHECK_FALSE(r.tie);
  CHECK(r.error == Approx(-0.0156).margin(1e-4));
  CHECK(r.result - (-4.703125f) == -0.015625f);  // half an ulp from the operands' sum
  REQUIRE(rep.has_tie);
  CHECK(rep.tie.input == -4.703125f);
  CHECK(rep.tie.tie);
  CHECK(rep.tie.result == -4.6875f);
  CHECK(rep.bits.below == -4.75);
  CHECK(rep.bits.above == -4.6875);
}

TEST_CASE("biased_rounding: the paper's worked example from hand-made inputs", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(2);
  REQUIRE(play.T().problem.pattern == fs::Pattern::kNpy);
  const fs::CellReport& rep = play.Report();
  REQUIRE(rep.has_rounding);
  CHECK(play.T().P(0)[2] == Approx(0.000858).margin(1e-6));
  CHECK(rep.rounding.input == Approx(-4.70399).margin(1e-5));
  CHECK(rep.rounding.result == -4.71875f);
  CHECK(rep.rounding.guard);
  CHECK(rep.rounding.sticky);
  CHECK(rep.rounding.error == Approx(-0.01476).margin(1e-5));
  REQUIRE(rep.has_tie);
  CHECK(rep.tie.input == -4.703125f);
  CHECK(rep.tie.result == -4.6875f);
}

TEST_CASE("biased_rounding: O-bar of feature 0 rounds down in every row of the step", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(3);
  const auto& rounding = play.s.lab.o_bar_rounding;
  const int d = play.T().problem.d;
  REQUIRE(rounding.size() == static_cast<size_t>(play.T().steps[0].rows) * d);
  int below = 0, above = 0;
  for (int r = 0; r < play.T().steps[0].rows; ++r) {
    CHECK(rounding[static_cast<size_t>(r) * d + fs::kDriftFeature] < 0.0f);
    for (int x = 1; x < d; ++x) {
      below += rounding[static_cast<size_t>(r) * d + x] < 0.0f;
      above += rounding[static_cast<size_t>(r) * d + x] > 0.0f;
    }
  }
  CHECK(below > 0);  // elsewhere the signs mix
  CHECK(above > 0);
}

TEST_CASE("biased_rounding: the histogram of O[:, 0] errors is biased low beyond its 99% CI", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(4);
  const fs::PrecisionSummary& sum = play.Summary();
  CHECK(sum.feature == fs::kDriftFeature);
  CHECK(sum.o_err.BiasedLow());
  CHECK(sum.o_err.mean == Approx(-0.0066).margin(1e-4));
  CHECK(sum.fp32_floor_abs_err < 5e-6);
  CHECK(sum.o_err.count == static_cast<uint64_t>(play.T().problem.n));
}

TEST_CASE("biased_rounding: delta drifts up, less with the stabilized softmax, in every run", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(5);
  const fs::PrecisionSummary& standard = play.Summary();
  const fs::PrecisionSummary& stabilized = play.AlternateSummary();
  CHECK(standard.delta_drift == Approx(2.79).margin(0.01));
  CHECK(stabilized.delta_drift == Approx(0.68).margin(0.01));
  // Positive more often than not, row after row.
  int up = 0;
  for (size_t i = 1; i < standard.delta_cumsum.size(); ++i) up += standard.delta_cumsum[i] > standard.delta_cumsum[i - 1];
  CHECK(up > 0.55 * (standard.delta_cumsum.size() - 1));
  const fs::DriftRuns& d = play.s.lab.drift;
  REQUIRE(d.runs.size() == 8u);
  CHECK_FALSE(d.running);
  double total_standard = 0.0, total_stabilized = 0.0;
  for (const fs::DriftRun& run : d.runs) {
    CHECK(run.standard.delta_drift > 0.0);
    total_standard += run.standard.delta_drift;
    total_stabilized += run.stabilized.delta_drift;
  }
  CHECK(total_stabilized < total_standard);
}

TEST_CASE("biased_rounding: on fa2-bf16 the ones remain but the mean error is not biased", "[lesson][precision]") {
  LessonPlayer play("biased_rounding.json");
  play.Beat(6);
  CHECK(fs::PrecisionName(play.T().problem.precision) == "fa2-bf16");
  CHECK(fs::CountExactOnes(play.T()) == 2u * static_cast<uint64_t>(play.T().problem.n));
  const fs::SignedError& e = play.Summary().o_err;
  CHECK_FALSE(e.BiasedLow());
  CHECK_FALSE(e.BiasedHigh());
}

// ---- beta_fix.json --------------------------------------------------------------------------

TEST_CASE("beta_fix: every beat runs and opens its panels", "[lesson][precision]") { PlayEveryBeat("beta_fix.json"); }

TEST_CASE("beta_fix: beta r_m shifts the tied sink and no P-bar is 1", "[lesson][precision]") {
  LessonPlayer play("beta_fix.json");
  play.Beat(0);
  const fs::Trace& t = play.T();
  CHECK(fs::CountExactOnes(t) == 0u);
  const int r = play.s.row - t.steps[0].row0;
  const float r_m = t.RMax(0)[r];
  CHECK(r_m == 14.0f);
  CHECK(t.RCount(0)[r] == 2.0f);
  CHECK(t.MShift(0)[r] == fs::RoundBf16(2.0f * r_m));
  const fs::CellReport& rep = play.Report();
  CHECK(rep.stored == Approx(8.3e-7).epsilon(0.01));
}

TEST_CASE("beta_fix: the mean error shrinks about tenfold and the drift about fourfold", "[lesson][precision]") {
  LessonPlayer play("beta_fix.json");
  play.Beat(1);
  const fs::PrecisionSummary& stabilized = play.Summary();
  const fs::PrecisionSummary& standard = play.AlternateSummary();
  const double error_factor = std::fabs(standard.o_err.mean) / std::fabs(stabilized.o_err.mean);
  const double drift_factor = std::fabs(standard.delta_drift) / std::fabs(stabilized.delta_drift);
  INFO("mean error " << standard.o_err.mean << " -> " << stabilized.o_err.mean << " (" << error_factor
                     << "x), drift " << standard.delta_drift << " -> " << stabilized.delta_drift << " ("
                     << drift_factor << "x)");
  CHECK(error_factor > 8.0);
  CHECK(error_factor < 13.0);
  CHECK(drift_factor > 3.0);
  CHECK(drift_factor < 5.0);
  CHECK(stabilized.delta_drift > 0.0);  // smaller, not zero
  CHECK_FALSE(stabilized.o_err.BiasedLow());
  CHECK_FALSE(stabilized.o_err.BiasedHigh());
  REQUIRE(play.s.lab.drift.runs.size() == 8u);
  double total_standard = 0.0, total_stabilized = 0.0;
  for (const fs::DriftRun& run : play.s.lab.drift.runs) {
    CHECK(std::fabs(run.stabilized.o_err.mean) < std::fabs(run.standard.o_err.mean));
    total_standard += run.standard.delta_drift;
    total_stabilized += run.stabilized.delta_drift;
  }
  CHECK(total_standard == Approx(17.2).margin(0.05));
  CHECK(total_stabilized == Approx(3.2).margin(0.05));
  // Every shifted score is about -14 or below, where BF16 neighbours are at least 0.0625 apart.
  const fs::Trace& t = play.T();
  float highest = -INFINITY;
  for (int k = 0; k < t.StepCount(); ++k)
    for (int r = 0; r < t.steps[k].rows; ++r)
      for (int c = 0; c < t.steps[k].cols; ++c)
        highest = std::max(highest, t.S(k)[static_cast<size_t>(r) * t.problem.bc + c] - t.MNew(k)[r]);
  CHECK(highest <= -13.9f);
  CHECK(highest > -14.5f);
  CHECK(fs::DecomposeFloat(highest, fs::Format::kBf16).ulp >= 0.0625);
}

TEST_CASE("beta_fix: beta = 1.0001 rounds back to r_m and is the standard run bit for bit", "[lesson][precision]") {
  LessonPlayer play("beta_fix.json");
  play.Beat(2);
  const fs::Trace& t = play.T();
  CHECK(t.problem.beta == 1.0001f);
  CHECK(fs::CountExactOnes(t) == 2u * static_cast<uint64_t>(t.problem.n));
  for (int r = 0; r < t.steps[0].rows; ++r) CHECK(t.MShift(0)[r] == t.RMax(0)[r]);
  const fs::Trace& standard = *play.s.lab.alternate;
  REQUIRE(standard.problem.softmax == fs::Softmax::kStandard);
  REQUIRE(standard.data.size() == t.data.size());
  CHECK(std::memcmp(standard.data.data(), t.data.data(), t.data.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(standard.o.data(), t.o.data(), t.o.size() * sizeof(float)) == 0);
  CHECK(play.Report().stored == 1.0f);
}

TEST_CASE("beta_fix: beta = 7 has no ones but larger errors, biased high", "[lesson][precision]") {
  LessonPlayer play("beta_fix.json");
  play.Beat(1);
  const double beta2_error = play.Summary().o_max_abs_err;
  play.Beat(3);
  const fs::Trace& t = play.T();
  CHECK(t.problem.beta == 7.0f);
  CHECK(fs::CountExactOnes(t) == 0u);
  INFO("max |error| beta 2: " << beta2_error << ", beta 7: " << play.Summary().o_max_abs_err);
  CHECK(beta2_error == Approx(0.025).margin(0.001));
  CHECK(play.Summary().o_max_abs_err == Approx(0.108).margin(0.001));
  CHECK(play.Summary().o_err.BiasedHigh());
  CHECK(play.Summary().o_err.mean == Approx(0.008).margin(0.0005));
  // Every shifted score in [-128, -83]: BF16 neighbours there are 0.5 apart.
  for (int k = 0; k < t.StepCount(); ++k)
    for (int r = 0; r < t.steps[k].rows; ++r)
      for (int c = 0; c < t.steps[k].cols; ++c) {
        const float shifted = t.S(k)[static_cast<size_t>(r) * t.problem.bc + c] - t.MNew(k)[r];
        REQUIRE(shifted <= -83.0f);
        REQUIRE(shifted >= -128.0f);
        REQUIRE(fs::DecomposeFloat(fs::RoundBf16(shifted), fs::Format::kBf16).ulp == 0.5);
      }
}

TEST_CASE("beta_fix: beta = 16 underflows every P-bar, l = 0 and O is NaN", "[lesson][precision]") {
  LessonPlayer play("beta_fix.json");
  play.Beat(4);
  const fs::Trace& t = play.T();
  for (int row = 0; row < t.problem.n; ++row) {
    const int k = LastStepOf(t, row);
    CHECK(t.L(k)[row - t.steps[k].row0] == 0.0f);
  }
  for (float o : t.o) CHECK(std::isnan(o));
  CHECK_FALSE(std::isfinite(play.Summary().o_err.mean));
  CHECK_FALSE(std::isfinite(play.Summary().fp32_floor_abs_err));  // FP32 underflows as well
}

TEST_CASE("beta_fix: r_m = 0 exactly fires neither branch and the zero row is all ones", "[lesson][precision]") {
  LessonPlayer play("beta_fix.json");
  play.Beat(5);
  const fs::Trace& t = play.T();
  REQUIRE(t.problem.pattern == fs::Pattern::kNpy);
  for (int k : fs::StepsOfRow(t, 0)) {
    CHECK(t.RMax(k)[0] == 0.0f);
    CHECK(t.RCount(k)[0] == static_cast<float>(t.steps[k].cols));
    CHECK(t.MShift(k)[0] == 0.0f);
    CHECK(fs::CountExactOnesInRow(t, k, 0) == t.steps[k].cols);
  }
  // The other rows: a single maximum in the first block, left alone, exp(0) = 1 once.
  for (int r = 1; r < t.steps[0].rows; ++r) {
    INFO("row " << r);
    CHECK(t.RCount(0)[r] == 1.0f);
    CHECK(fs::CountExactOnesInRow(t, 0, r) == 1);
  }
  CHECK(play.Report().stored == 1.0f);
}
