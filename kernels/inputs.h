// Inputs: Q, K, V (and dO for the backward statistic) made deterministically from a
// Problem's seed, or loaded from .npy files. The same bytes go to every backend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "problem.h"

namespace fs {

struct Inputs {
  int n = 0;
  int d = 0;
  std::vector<float> q;   // (N, d) row-major
  std::vector<float> k;   // (N, d)
  std::vector<float> v;   // (N, d)
  std::vector<float> dout;  // (N, d) upstream gradient dO, for delta = rowsum(dO * O)
};

// Deterministic for a given (pattern, n, d, seed, rank) on every platform: the generator is
// our own (splitmix64 + Box-Muller on doubles), not <random>'s distributions.
// For Pattern::kNpy loads q_path/k_path/v_path (throws NpyError, see npy.h).
Inputs MakeInputs(const Problem& p);

// The feature of V (and dO) that Pattern::kDrift makes mostly negative: the one whose error
// the precision views and `flashscope trace --summary` follow.
constexpr int kDriftFeature = 0;
// The sink pair of Pattern::kDrift: keys 0 and 1 are identical and every query's largest
// score is at both (kDriftSinkScore for a unit-length query); V's feature kDriftFeature holds
// these two BF16 values there, the operands of the worked example of biased rounding.
constexpr float kDriftSinkScore = 14.0f;
constexpr float kDriftSinkV0 = -2.40625f;
constexpr float kDriftSinkV1 = -2.296875f;

// Q, K, V rounded to p.precision.inputs: what the kernels compute with, and what the FP64
// shadow starts from.
Inputs RoundedInputs(const Problem& p, const Inputs& in);

// Validates p and throws ProblemError when `in` does not hold (N, d) Q, K and V for it, or
// when one of them holds NaN or infinity. Every backend calls this before running.
void CheckInputsFit(const Problem& p, const Inputs& in);

// Empty when every value of the (rows, cols) matrix is finite; otherwise where the first
// value that is not is, e.g. "has nan at row 3, col 7".
std::string FirstNonFinite(const std::vector<float>& values, int cols);

// Throws ProblemError when O (N, d) or L (N) of a run holds NaN or infinity, saying why:
// the softmax scale times q.k overflows float32 (with the largest scale that would not, for
// that row), or the weighted sum of V does. Every backend calls this after running. Under a
// low-precision policy or the stabilized softmax it returns instead when no float32 overflow
// explains the values: they left a narrower format's range, a result to show.
void CheckOutputsFinite(const Problem& p, const Inputs& in, const std::vector<float>& o,
                        const std::vector<float>& lse);

// Empty when O and L are finite; otherwise one line saying in how many rows they are not and
// why that can happen under p's numeric policy (CheckOutputsFinite lets such runs through:
// the precision lab shows them).
std::string NonFiniteOutputNote(const Problem& p, const std::vector<float>& o, const std::vector<float>& lse);

// Small deterministic normal generator used by MakeInputs and the tests.
class NormalRng {
 public:
  explicit NormalRng(uint64_t seed) : state_(seed) {}
  uint64_t NextU64();
  double Uniform();   // (0, 1)
  double Normal();    // N(0, 1)

 private:
  uint64_t state_;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace fs
