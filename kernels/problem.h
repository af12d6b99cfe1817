// Problem: everything that defines one attention run that FlashScope steps through.
// A Problem is plain data; Validate() says what is wrong with it and what is allowed.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "precision.h"

namespace fs {

// How Q, K, V are made from the seed (MakeInputs in inputs.h).
enum class Pattern {
  kRandom,     // i.i.d. standard normal entries
  kSink,       // one "sink" key that every query attends to strongly
  kTiedMaxima, // duplicated keys: rows have two or more exactly equal maxima
  kLowRank,    // Q and K from a rank-r subspace plus small noise
  kNpy,        // loaded from .npy files (q_path, k_path, v_path)
  kDrift,      // the conditions of biased BF16 rounding: a tied sink pair, similar keys,
               // feature kDriftFeature of V mostly negative and dO negative on it (inputs.h)
};

const char* PatternName(Pattern p);         // "random", "sink", "tied", "lowrank", "npy", "drift"
bool ParsePattern(const std::string& s, Pattern* out);
std::string PatternChoices();               // "random, sink, tied, lowrank, npy, drift"

// The loop order of the tiled forward pass (PlanSteps in trace.h):
//   kFa2  FlashAttention-2: Q blocks outer, K/V blocks inner. O-tilde, m and l of a Q block stay
//         on chip until its last K/V block; the fa2_teach kernel (every precision and softmax).
//   kFa1  FlashAttention-1 (Dao et al. 2022, Algorithm 1): K/V blocks outer, Q blocks inner.
//         Every step reads O_i, l_i, m_i from HBM and writes them back, O_i divided by l each
//         time; the fa1 kernel, FP32 with the standard softmax only.
enum class LoopOrder : uint8_t { kFa2 = 0, kFa1 = 1 };

const char* LoopOrderName(LoopOrder o);     // "fa2", "fa1"
bool ParseLoopOrder(const std::string& s, LoopOrder* out);
std::string LoopOrderChoices();             // "fa2, fa1"

// Refusal with a message that names the field and what is allowed.
struct ProblemError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Problem {
  int n = 256;            // sequence length (rows of Q, K, V)
  int d = 64;             // head dimension
  int br = 64;            // rows of a Q block (Br)
  int bc = 64;            // rows of a K/V block (Bc)
  bool causal = false;    // mask keys after the query
  float scale = 0.0f;     // softmax scale; 0 means 1/sqrt(d)
  uint64_t seed = 1;      // inputs are a pure function of (pattern, n, d, seed, rank)
  Pattern pattern = Pattern::kRandom;
  int rank = 4;           // subspace rank for Pattern::kLowRank
  std::string q_path, k_path, v_path;  // for Pattern::kNpy
  std::string dout_path;  // dO (N x d) from a .npy file; empty: made from the pattern and seed
  // Numerics (precision.h): the storage format of every stage, and the softmax variant.
  Precision precision;
  Softmax softmax = Softmax::kStandard;
  float beta = kDefaultBeta;   // stabilized: m' = beta * r_m for positive tied maxima
  float eps = kDefaultEps;     // stabilized: keys within eps of the row max count as tied
  LoopOrder order = LoopOrder::kFa2;  // FA2's loop order, or FA1's (FP32, standard softmax)

  NumericPolicy Numerics() const { return {precision, softmax, beta, eps}; }

  float EffectiveScale() const;        // scale, or 1/sqrt(d) when scale == 0
  int QBlocks() const { return (n + br - 1) / br; }
  int KvBlocks() const { return (n + bc - 1) / bc; }
};

bool operator==(const Problem& a, const Problem& b);
inline bool operator!=(const Problem& a, const Problem& b) { return !(a == b); }

// Allowed values, shared by validation, the command line and the UI sliders.
constexpr int kMaxStepN = 8192;                       // longest sequence for stepping
constexpr int kAllowedD[] = {16, 32, 64, 96, 128};
constexpr int kAllowedBlock[] = {16, 32, 64, 128};
constexpr int kMaxRank = 64;
// The softmax scale: 0, meaning 1/sqrt(d), or a positive float32 that is neither subnormal
// nor infinite, so that no value given silently rounds to 0 (and so to 1/sqrt(d)) or to inf.
constexpr const char* kScaleAllowed =
    "a positive finite number from 1.2e-38 to 3.4e+38, or 0 for 1/sqrt(d)";
bool ScaleIsAllowed(double value);

// Whether v is one of `values`, and the values as "16, 32, 64, 128" for messages.
template <size_t K>
bool IsAllowed(const int (&values)[K], int v) {
  for (int x : values)
    if (x == v) return true;
  return false;
}
template <size_t K>
std::string AllowedList(const int (&values)[K]) {
  std::string out;
  for (size_t i = 0; i < K; ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out;
}

// Every problem with the Problem, one message each; empty when it is valid.
std::vector<std::string> ProblemErrors(const Problem& p);
// Throws ProblemError joining ProblemErrors() when there are any.
void Validate(const Problem& p);

// v with up to 6 significant digits ("2", "0.001", "1e+38"), for messages.
std::string ShortNumber(double v);

// One line such as "N=256 d=64 Br=64 Bc=64 random seed=1".
std::string Describe(const Problem& p);

}  // namespace fs
