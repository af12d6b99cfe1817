// Oracles for the tests, independent of the code they check: attention written out from its
// definition in double precision (the scale is an argument, not read from a Problem), and
// the seed that every randomized test starts from.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "catch2/catch.hpp"
#include "inputs.h"

namespace fs_test {

// Randomized tests draw from this seed so that a failure repeats; each prints it. Run
// `flashscope_tests --rng-seed N` to draw other cases (N = 0 keeps the default).
constexpr uint64_t kDefaultSeed = 20261122;
inline uint64_t TestSeed() {
  const unsigned given = Catch::rngSeed();
  return given != 0 ? given : kDefaultSeed;
}

// One query row of attention after the keys [0, keys) have been seen; key c is visible when
// c < keys and, with a causal mask, c <= row.
struct RowAttention {
  double m = -std::numeric_limits<double>::infinity();  // max of the visible scaled scores
  double l = 0.0;                                       // sum of exp(s - m) over them
  std::vector<double> o;       // (d) sum of exp(s - m) v / l
  std::vector<double> probs;   // (N) exp(s - m) / l; 0 where causal masks; NaN not yet seen
};

inline RowAttention AttendRow(const fs::Inputs& in, int row, double scale, bool causal, int keys) {
  const int n = in.n, d = in.d;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> s(n, nan);
  RowAttention a;
  for (int c = 0; c < n; ++c) {
    if (causal && c > row) continue;
    if (c >= keys) continue;
    double dot = 0.0;
    for (int t = 0; t < d; ++t)
      dot += static_cast<double>(in.q[static_cast<size_t>(row) * d + t]) * in.k[static_cast<size_t>(c) * d + t];
    s[c] = scale * dot;
    a.m = std::max(a.m, s[c]);
  }
  a.o.assign(d, 0.0);
  a.probs.assign(n, nan);
  for (int c = 0; c < n; ++c) {
    if (std::isnan(s[c])) continue;
    const double w = std::exp(s[c] - a.m);
    a.l += w;
    for (int t = 0; t < d; ++t) a.o[t] += w * in.v[static_cast<size_t>(c) * d + t];
  }
  for (int t = 0; t < d; ++t) a.o[t] /= a.l;
  for (int c = 0; c < n; ++c) {
    if (causal && c > row) a.probs[c] = 0.0;
    else if (!std::isnan(s[c])) a.probs[c] = std::exp(s[c] - a.m) / a.l;
  }
  return a;
}

// Largest |a - b| over the row, relative to the row's largest |b|.
inline double RowError(const float* a, const std::vector<double>& b) {
  double err = 0.0, size = 0.0;
  for (size_t i = 0; i < b.size(); ++i) {
    const double e = std::fabs(a[i] - b[i]);
    if (std::isnan(e)) return std::numeric_limits<double>::infinity();  // max() would drop it
    err = std::max(err, e);
    size = std::max(size, std::fabs(b[i]));
  }
  return err / size;
}

}  // namespace fs_test
