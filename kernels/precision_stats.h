// What the precision lab measures on a run: the FP64 shadow of every traced value, the
// probabilities that are exactly 1, the signed error of O against FP64 with its 99%
// confidence interval, and the drift of the backward statistic delta = rowsum(dO * O).
//
// The shadow starts from the same rounded inputs the kernel read (RoundedInputs), so every
// error shown is the error the kernel's own arithmetic added. Step values are shadowed with
// the run's own running max m_new (a shift that cancels in O = O~ / l), so O~, l and P-bar
// compare element by element with what the trace recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inputs.h"
#include "problem.h"
#include "trace.h"

namespace fs {

// Mean of signed errors with a normal-approximation 99% confidence interval
// (mean +- 2.576 s / sqrt(n)).
struct SignedError {
  uint64_t count = 0;
  double mean = 0.0;
  double ci99_lo = 0.0, ci99_hi = 0.0;
  double max_abs = 0.0;
  // The mean is negative (positive) beyond its interval: a bias, not noise.
  bool BiasedLow() const { return count > 1 && ci99_hi < 0.0; }
  bool BiasedHigh() const { return count > 1 && ci99_lo > 0.0; }
};
SignedError SignedErrorOf(const std::vector<double>& errors);

// FP64 values of one step, shadowing the trace's fields for the rows of that step:
// S (Br, Bc) from the rounded inputs, P = exp(S - shift) with the trace's shift (PShift: m_new
// for FA2's P-bar, r_m for FA1's P-tilde), l and O~ (Br, d) summed over every key the row has
// seen so far with the trace's m_new (FA1's O~ is that sum divided by l, as FA1 keeps it).
struct StepShadow {
  std::vector<double> s, p;       // (rows, Bc); -inf / 0 where masked
  std::vector<double> l;          // (rows)
  std::vector<double> o_acc;      // (rows, d)
};
StepShadow ShadowStep(const Trace& t, const Inputs& rounded, int step);

// P-bar entries equal to 1.0 exactly (rows below N only).
uint64_t CountExactOnes(const Trace& t);                      // every step the trace holds
int CountExactOnes(const Trace& t, int step);                 // one step
int CountExactOnesInRow(const Trace& t, int step, int r);     // one row of one step

// The feature whose error is followed: kDriftFeature for Pattern::kDrift, -1 (every feature)
// for patterns without one.
int FollowedFeature(const Problem& p);

// delta_lp - delta_hp per row, with delta = rowsum(dO * O) in FP64 from the run's O and from
// the FP64 shadow's O.
std::vector<double> DeltaDifferences(const Inputs& in, const std::vector<float>& o_lp,
                                     const std::vector<double>& o_hp, int n, int d);

struct PrecisionSummary {
  uint64_t exact_ones = 0;          // P-bar == 1.0 over the steps the trace holds
  double o_max_abs_err = 0.0;       // max |O - O_fp64| over all of O
  int feature = -1;                 // FollowedFeature
  SignedError o_err;                // of O[:, feature] (every feature when -1)
  double delta_drift = 0.0;         // sum over rows of delta_lp - delta_hp
  double fp32_floor_abs_err = 0.0;  // o_max_abs_err of an all-FP32 run of the same inputs
  std::vector<double> o_errors;     // the signed errors summarized in o_err
  std::vector<double> delta_cumsum; // running sum over rows of delta_lp - delta_hp
  std::vector<double> o_shadow;     // (N, d) FP64 O from the rounded inputs
};

// Everything above for a finished trace of p on `in` (the inputs as given, unrounded).
PrecisionSummary Summarize(const Trace& t, const Inputs& in);

// The summary as `flashscope trace --summary` writes it: backend, device, the problem, the
// precision of every stage, softmax, beta, eps, steps, p_exact_ones, o_max_abs_err,
// o_mean_signed_err and its ci99, delta_drift, fp32_floor_abs_err.
nlohmann::json SummaryJson(const Trace& t, const PrecisionSummary& s);

// One run of the drift experiment: the same problem at seed + i, standard and stabilized.
struct DriftRun {
  uint64_t seed = 0;
  PrecisionSummary standard, stabilized;
};
// Why p cannot run both softmax variants (FA1's loop order runs only the standard one), with
// what is allowed; empty when it can. The drift experiment and the precision lab's other
// variant need both.
std::string BothVariantsRefusal(const Problem& p);

// Runs `runs` seeds starting at p.seed with `run_traced` (a backend's RunTraced). The summary
// vectors other than delta_cumsum are dropped to keep the result small.
template <typename RunTraced>
std::vector<DriftRun> RunDrift(const Problem& p, int runs, RunTraced run_traced) {
  if (const std::string why = BothVariantsRefusal(p); !why.empty()) throw ProblemError("the drift experiment: " + why);
  std::vector<DriftRun> out;
  for (int i = 0; i < runs; ++i) {
    DriftRun r;
    r.seed = p.seed + static_cast<uint64_t>(i);
    for (Softmax variant : {Softmax::kStandard, Softmax::kStabilized}) {
      Problem q = p;
      q.seed = r.seed;
      q.softmax = variant;
      const Inputs in = MakeInputs(q);
      PrecisionSummary s = Summarize(run_traced(q, in), in);
      s.o_errors.clear();
      s.o_shadow.clear();
      (variant == Softmax::kStandard ? r.standard : r.stabilized) = std::move(s);
    }
    out.push_back(std::move(r));
  }
  return out;
}

// Per-run and cumulative numbers as JSON, and the same as CSV (one line per run).
nlohmann::json DriftJson(const Problem& p, const std::vector<DriftRun>& runs);
std::string DriftCsv(const std::vector<DriftRun>& runs);

}  // namespace fs
