// The limits of softmax normalization (Mudarisov et al., 2025; ../shared/docs/BACKGROUND.md §4),
// recomputed on synthetic data: keys are random unit vectors in R^d, logits are bounded by a
// chosen B (z_i = B <q, k_i> with a unit query q), the weights are softmax(z / T).
//
// - Flattening: with |z_i| <= B every weight lies in [C1/L, C2/L] with C1 = exp(-2B/T) and
//   C2 = exp(2B/T) (each numerator is within exp(+-B/T), the sum within L exp(+-B/T)), so as L
//   grows the weights go to 1/L and the entropy to log L (it is at least log L - 2B/T).
// - Selection: N of the L tokens are to be selected; the ideal query for them is the normalized
//   mean of their keys. A selected token is distinguishable when its logit is among the N
//   largest (a random guess finds N/L of them); the values are the keys, so the output is
//   sum_i w_i k_i, compared with the mean key of the selected and of the other tokens: with
//   bounded logits even a perfect match gets a weight of about e^B / (e^B + L), so at long L the
//   output drifts to the others' mean.
// - Temperature: the Jacobian of p = softmax(z / T) with respect to z is (diag(p) - p p^T) / T.
//   Its spectral norm is the largest root of the secular equation sum_i p_i^2 / (p_i - x) = 1,
//   between the two largest p_i, divided by T: exact, without forming the L x L matrix. It is
//   at most min(max_i p_i, 1/2) / T (diag(p) - p p^T is below diag(p); two tied weights of 1/2
//   reach 1/2).
// Everything is FP64 on the CPU, deterministic for a seed; no GPU and no threads.
#pragma once

#include <cstdint>
#include <vector>

namespace fs {

struct LimitsSetup {
  int d = 64;               // dimension of the unit keys and query
  double bound = 4.0;       // B: every logit lies in [-B, B]
  double temperature = 1.0; // T
  uint64_t seed = 1;
};

// Every value the command and the panel show is checked against these before anything runs;
// the message names the field and what is allowed.
constexpr int kMinLimitsL = 2, kMaxLimitsL = 1 << 16;
constexpr int kMaxLimitsD = 1024;
constexpr double kMinLimitsT = 1e-3, kMaxLimitsT = 1e3;
constexpr double kMaxLimitsBound = 50.0;
void ValidateLimits(const LimitsSetup& s);  // std::invalid_argument with the reason
void ValidateLength(int l);                 // L in kMinLimitsL..kMaxLimitsL

struct FlattenPoint {
  int l = 0;
  double max_w = 0.0, min_w = 0.0;  // the largest and smallest weight
  double entropy = 0.0;             // -sum w log w, in nats
  double c1 = 0.0, c2 = 0.0;        // the bounds on w * L: exp(-2B/T), exp(2B/T)
};
FlattenPoint Flatten(const LimitsSetup& s, int l);

// The logits of the flattening and Jacobian experiments, z_i = B <q, k_i> for i < l. Key i is
// the same at every l, so the logits at a shorter L are the first ones of these: a sweep over L
// or T computes them once, for its largest L.
std::vector<double> LimitsLogits(const LimitsSetup& s, int l);
// Flatten and Jacobian at L = l from the first l of logits z (LimitsLogits at l or more).
FlattenPoint FlattenAt(const LimitsSetup& s, const std::vector<double>& z, int l);

struct SelectionPoint {
  int l = 0, n = 0;
  double recovered = 0.0;     // fraction of the selected tokens among the N largest logits
  double lift = 0.0;          // the same above chance: (recovered - N/L) / (1 - N/L); 0 is a guess
  double selected_mass = 0.0; // sum of the selected tokens' weights
  double dist_selected = 0.0; // |output - mean key of the selected tokens|
  double dist_others = 0.0;   // |output - mean key of the other tokens|
};
// N in 1..L-1.
SelectionPoint Select(const LimitsSetup& s, int l, int n);

struct JacobianPoint {
  int l = 0;
  double temperature = 0.0;
  double norm = 0.0;         // spectral norm of (diag(p) - p p^T) / T, computed
  double max_p = 0.0;        // the largest weight
  double bound = 0.0;        // min(max_p, 1/2) / T: what the norm cannot exceed
  double quoted_bound = 0.0; // min{1/(4T), sqrt 2}, as the paper states it
};
JacobianPoint Jacobian(const LimitsSetup& s, int l, double temperature);
JacobianPoint JacobianAt(const LimitsSetup& s, const std::vector<double>& z, int l, double temperature);

// The weights of the flattening experiment at L = l (softmax(z / T) of the first l of z).
std::vector<double> LimitsWeights(const LimitsSetup& s, const std::vector<double>& z, int l);

// The largest eigenvalue of diag(p) - p p^T for weights p (summing to 1), by the secular
// equation; exposed for tests.
double SoftmaxCovarianceNorm(const std::vector<double>& p);
// softmax(z / t) in FP64.
std::vector<double> SoftmaxAt(const std::vector<double>& z, double t);

}  // namespace fs
