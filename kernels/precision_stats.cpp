#include "precision_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "emulate.h"
#include "reference.h"

namespace fs {
namespace {

constexpr double kZ99 = 2.5758293035489004;  // two-sided 99% quantile of the normal

}  // namespace

SignedError SignedErrorOf(const std::vector<double>& errors) {
  SignedError e;
  e.count = errors.size();
  if (errors.empty()) return e;
  double sum = 0.0;
  for (double x : errors) {
    sum += x;
    e.max_abs = std::max(e.max_abs, std::fabs(x));
  }
  e.mean = sum / errors.size();
  double var = 0.0;
  for (double x : errors) var += (x - e.mean) * (x - e.mean);
  const double sd = errors.size() > 1 ? std::sqrt(var / (errors.size() - 1)) : 0.0;
  const double half = kZ99 * sd / std::sqrt(static_cast<double>(errors.size()));
  e.ci99_lo = e.mean - half;
  e.ci99_hi = e.mean + half;
  return e;
}

StepShadow ShadowStep(const Trace& t, const Inputs& rounded, int step) {
  const Problem& p = t.problem;
  const StepInfo& st = t.steps.at(step);
  StepShadow sh;
  sh.s.assign(static_cast<size_t>(st.rows) * p.bc, 0.0);
  sh.p.assign(sh.s.size(), 0.0);
  sh.l.assign(st.rows, 0.0);
  sh.o_acc.assign(static_cast<size_t>(st.rows) * p.d, 0.0);
  const int seen = st.col0 + st.cols;  // keys 0 .. seen-1 have been visited by this step
  const bool fa1 = p.order == LoopOrder::kFa1;
  for (int r = 0; r < st.rows; ++r) {
    const int row = st.row0 + r;
    const double m = t.MNew(step)[r], p_shift = PShift(t, step)[r];
    // Each key's score once: the tile's keys and every key seen so far.
    const std::vector<double> scores = ReferenceScores(p, rounded, row, st.col0 + p.bc);
    for (int c = 0; c < p.bc; ++c) {
      const double s = scores[st.col0 + c];
      sh.s[static_cast<size_t>(r) * p.bc + c] = s;
      sh.p[static_cast<size_t>(r) * p.bc + c] = std::isinf(s) ? 0.0 : std::exp(s - p_shift);
    }
    double* o = &sh.o_acc[static_cast<size_t>(r) * p.d];
    for (int col = 0; col < seen; ++col) {
      const double s = scores[col];
      if (std::isinf(s)) continue;
      const double w = std::exp(s - m);
      sh.l[r] += w;
      const float* v = &rounded.v[static_cast<size_t>(col) * p.d];
      for (int x = 0; x < p.d; ++x) o[x] += w * v[x];
    }
    if (fa1)  // FA1 keeps O divided by l after every step
      for (int x = 0; x < p.d; ++x) o[x] /= sh.l[r];
  }
  return sh;
}

int CountExactOnesInRow(const Trace& t, int step, int r) {
  const StepInfo& st = t.steps.at(step);
  if (r < 0 || r >= st.rows) return 0;
  const float* prow = t.P(step) + static_cast<size_t>(r) * t.problem.bc;
  int count = 0;
  for (int c = 0; c < st.cols; ++c) count += prow[c] == 1.0f;
  return count;
}

int CountExactOnes(const Trace& t, int step) {
  int count = 0;
  for (int r = 0; r < t.steps.at(step).rows; ++r) count += CountExactOnesInRow(t, step, r);
  return count;
}

uint64_t CountExactOnes(const Trace& t) {
  uint64_t count = 0;
  for (int k : t.HeldSteps()) count += static_cast<uint64_t>(CountExactOnes(t, k));
  return count;
}

int FollowedFeature(const Problem& p) { return p.pattern == Pattern::kDrift ? kDriftFeature : -1; }

std::vector<double> DeltaDifferences(const Inputs& in, const std::vector<float>& o_lp,
                                     const std::vector<double>& o_hp, int n, int d) {
  const std::vector<double> lp = ReferenceDelta(in.dout, o_lp, n, d);
  const std::vector<double> hp = ReferenceDelta(in.dout, o_hp, n, d);
  std::vector<double> diff(n);
  for (int r = 0; r < n; ++r) diff[r] = lp[r] - hp[r];
  return diff;
}

PrecisionSummary Summarize(const Trace& t, const Inputs& in) {
  const Problem& p = t.problem;
  const Inputs rounded = RoundedInputs(p, in);
  PrecisionSummary s;
  s.exact_ones = CountExactOnes(t);
  s.o_shadow = ReferenceForward(p, rounded).o;
  s.o_max_abs_err = MaxAbsoluteError(t.o, s.o_shadow);
  s.feature = FollowedFeature(p);
  for (int r = 0; r < p.n; ++r)
    for (int x = 0; x < p.d; ++x) {
      if (s.feature >= 0 && x != s.feature) continue;
      const size_t i = static_cast<size_t>(r) * p.d + x;
      s.o_errors.push_back(static_cast<double>(t.o[i]) - s.o_shadow[i]);
    }
  s.o_err = SignedErrorOf(s.o_errors);
  const std::vector<double> diff = DeltaDifferences(in, t.o, s.o_shadow, p.n, p.d);
  double running = 0.0;
  for (double x : diff) s.delta_cumsum.push_back(running += x);
  s.delta_drift = running;
  Problem fp32 = p;  // the same rounded inputs, every later stage in FP32
  fp32.precision = Precision{};
  s.fp32_floor_abs_err = MaxAbsoluteError(Emulate(fp32, rounded).o, s.o_shadow);
  return s;
}

std::string BothVariantsRefusal(const Problem& p) {
  if (p.order != LoopOrder::kFa1) return "";
  return "the standard and the stabilized softmax side by side need FA2's loop order, and order fa1 runs the "
         "standard softmax only; allowed: order fa2";
}

nlohmann::json SummaryJson(const Trace& t, const PrecisionSummary& s) {
  const Problem& p = t.problem;
  nlohmann::json precision = nlohmann::json::object();
  for (const auto& stage : kPrecisionStages) precision[stage.name] = FormatName(p.precision.*stage.member);
  // JSON has no infinity: an error that is not finite is written as null.
  const auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  return {
      {"backend", t.backend},
      {"device", t.device},
      {"n", p.n},
      {"d", p.d},
      {"br", p.br},
      {"bc", p.bc},
      {"causal", p.causal},
      {"pattern", PatternName(p.pattern)},
      {"seed", p.seed},
      {"scale", static_cast<double>(p.EffectiveScale())},
      {"precision_preset", PrecisionName(p.precision)},
      {"precision", precision},
      {"softmax", SoftmaxName(p.softmax)},
      {"order", LoopOrderName(p.order)},
      {"beta", static_cast<double>(p.beta)},
      {"eps", static_cast<double>(p.eps)},
      {"steps", t.StepCount()},
      {"held_steps", t.HeldStepCount()},
      {"window_q_block", t.Windowed() ? nlohmann::json(t.window) : nlohmann::json()},
      {"p_exact_ones", s.exact_ones},
      {"o_max_abs_err", number(s.o_max_abs_err)},
      {"feature", s.feature >= 0 ? nlohmann::json(s.feature) : nlohmann::json("all")},
      {"o_mean_signed_err", number(s.o_err.mean)},
      {"o_mean_signed_err_ci99", {number(s.o_err.ci99_lo), number(s.o_err.ci99_hi)}},
      {"o_err_count", s.o_err.count},
      {"delta_drift", number(s.delta_drift)},
      {"fp32_floor_abs_err", number(s.fp32_floor_abs_err)},
  };
}

nlohmann::json DriftJson(const Problem& p, const std::vector<DriftRun>& runs) {
  nlohmann::json rows = nlohmann::json::array();
  double cum_std = 0.0, cum_stab = 0.0;
  std::vector<double> err_std, err_stab;
  for (const DriftRun& r : runs) {
    cum_std += r.standard.delta_drift;
    cum_stab += r.stabilized.delta_drift;
    err_std.push_back(r.standard.o_err.mean);
    err_stab.push_back(r.stabilized.o_err.mean);
    const auto side = [](const PrecisionSummary& s, double cumulative) {
      return nlohmann::json{{"p_exact_ones", s.exact_ones},
                            {"o_mean_signed_err", s.o_err.mean},
                            {"o_mean_signed_err_ci99", {s.o_err.ci99_lo, s.o_err.ci99_hi}},
                            {"o_max_abs_err", s.o_max_abs_err},
                            {"delta_drift", s.delta_drift},
                            {"delta_drift_cumulative", cumulative}};
    };
    rows.push_back({{"seed", r.seed}, {"standard", side(r.standard, cum_std)},
                    {"stabilized", side(r.stabilized, cum_stab)}});
  }
  const SignedError over_std = SignedErrorOf(err_std), over_stab = SignedErrorOf(err_stab);
  nlohmann::json problem = {{"n", p.n}, {"d", p.d}, {"br", p.br}, {"bc", p.bc}, {"causal", p.causal},
                            {"pattern", PatternName(p.pattern)}, {"precision_preset", PrecisionName(p.precision)},
                            {"precision", DescribePrecision(p.precision)}, {"beta", static_cast<double>(p.beta)},
                            {"eps", static_cast<double>(p.eps)}, {"first_seed", p.seed}};
  return {{"problem", problem},
          {"runs", rows},
          {"standard", {{"delta_drift_total", cum_std},
                        {"o_mean_signed_err_over_runs", over_std.mean},
                        {"ci99", {over_std.ci99_lo, over_std.ci99_hi}}}},
          {"stabilized", {{"delta_drift_total", cum_stab},
                          {"o_mean_signed_err_over_runs", over_stab.mean},
                          {"ci99", {over_stab.ci99_lo, over_stab.ci99_hi}}}}};
}

std::string DriftCsv(const std::vector<DriftRun>& runs) {
  std::string out =
      "seed,standard_p_exact_ones,standard_o_mean_signed_err,standard_delta_drift,standard_delta_drift_cumulative,"
      "stabilized_p_exact_ones,stabilized_o_mean_signed_err,stabilized_delta_drift,"
      "stabilized_delta_drift_cumulative\n";
  double cum_std = 0.0, cum_stab = 0.0;
  char line[512];
  for (const DriftRun& r : runs) {
    cum_std += r.standard.delta_drift;
    cum_stab += r.stabilized.delta_drift;
    std::snprintf(line, sizeof line, "%llu,%llu,%.9g,%.9g,%.9g,%llu,%.9g,%.9g,%.9g\n",
                  static_cast<unsigned long long>(r.seed), static_cast<unsigned long long>(r.standard.exact_ones),
                  r.standard.o_err.mean, r.standard.delta_drift, cum_std,
                  static_cast<unsigned long long>(r.stabilized.exact_ones), r.stabilized.o_err.mean,
                  r.stabilized.delta_drift, cum_stab);
    out += line;
  }
  return out;
}

}  // namespace fs
