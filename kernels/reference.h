// FP64 reference: standard attention computed in double precision, the yardstick for every
// kernel and for the FP64 shadow shown next to low-precision values.
#pragma once

#include <vector>

#include "inputs.h"
#include "problem.h"

namespace fs {

struct ReferenceOutput {
  std::vector<double> o;    // (N, d) softmax(scale * Q K^T, masked) V
  std::vector<double> lse;  // (N)    L = m + log(l), the log-sum-exp of each scaled row
};

ReferenceOutput ReferenceForward(const Problem& p, const Inputs& in);

// FlashAttention's tiled loop in FP64 with p's softmax variant (the stabilized shift m' with
// p.beta and p.eps, precision.h) and no rounding to any low-precision format: softmax is
// invariant to the shift, so both variants give ReferenceForward's O up to FP64 rounding.
ReferenceOutput ReferenceTiled(const Problem& p, const Inputs& in);

// scale * q_row . k_c in FP64 for keys c = 0 .. cols-1; -inf where the key is hidden (causal)
// or past N.
std::vector<double> ReferenceScores(const Problem& p, const Inputs& in, int row, int cols);

// One row of the exact softmax (N values; 0 where causal masks).
std::vector<double> ReferenceSoftmaxRow(const Problem& p, const Inputs& in, int row);

// Backward statistic delta = rowsum(dO * O), (N), for O and dO of shape (N, d).
template <typename T>
std::vector<double> ReferenceDelta(const std::vector<float>& dout, const std::vector<T>& o,
                                   int n, int d) {
  std::vector<double> delta(n, 0.0);
  for (int r = 0; r < n; ++r)
    for (int k = 0; k < d; ++k)
      delta[r] += static_cast<double>(dout[static_cast<size_t>(r) * d + k]) *
                  static_cast<double>(o[static_cast<size_t>(r) * d + k]);
  return delta;
}

// Row-wise normwise relative error of (rows, cols) matrices: the largest over rows of
// max_c |a - b| / max_c |b|. An output element near zero (cancellation in P V) is judged
// against its row's scale, as rounding errors are. NaN anywhere gives +inf.
double MaxRelativeError(const std::vector<float>& a, const std::vector<double>& b, int cols);
double MaxAbsoluteError(const std::vector<float>& a, const std::vector<double>& b);

}  // namespace fs
