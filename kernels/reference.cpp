#include "reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fs {
namespace {

// Scaled, masked scores of one row in double precision.
std::vector<double> ScoreRow(const Problem& p, const Inputs& in, int row) {
  const double scale = p.EffectiveScale();
  std::vector<double> s(p.n, -std::numeric_limits<double>::infinity());
  const float* q = &in.q[static_cast<size_t>(row) * p.d];
  const int last = p.causal ? row : p.n - 1;
  for (int c = 0; c <= last; ++c) {
    const float* k = &in.k[static_cast<size_t>(c) * p.d];
    double dot = 0.0;
    for (int t = 0; t < p.d; ++t) dot += static_cast<double>(q[t]) * k[t];
    s[c] = dot * scale;
  }
  return s;
}

}  // namespace

std::vector<double> ReferenceSoftmaxRow(const Problem& p, const Inputs& in, int row) {
  std::vector<double> s = ScoreRow(p, in, row);
  const double m = *std::max_element(s.begin(), s.end());
  double l = 0.0;
  for (double& x : s) {
    x = std::exp(x - m);
    l += x;
  }
  for (double& x : s) x /= l;
  return s;
}

ReferenceOutput ReferenceForward(const Problem& p, const Inputs& in) {
  ReferenceOutput out;
  out.o.assign(static_cast<size_t>(p.n) * p.d, 0.0);
  out.lse.assign(p.n, 0.0);
  for (int r = 0; r < p.n; ++r) {
    std::vector<double> s = ScoreRow(p, in, r);
    const double m = *std::max_element(s.begin(), s.end());
    double l = 0.0;
    for (double& x : s) {
      x = std::exp(x - m);
      l += x;
    }
    double* o = &out.o[static_cast<size_t>(r) * p.d];
    for (int c = 0; c < p.n; ++c) {
      if (s[c] == 0.0) continue;
      const float* v = &in.v[static_cast<size_t>(c) * p.d];
      for (int t = 0; t < p.d; ++t) o[t] += s[c] * v[t];
    }
    for (int t = 0; t < p.d; ++t) o[t] /= l;
    out.lse[r] = m + std::log(l);
  }
  return out;
}

double MaxAbsoluteError(const std::vector<float>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (std::isnan(e)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, e);
  }
  return worst;
}

double MaxRelativeError(const std::vector<float>& a, const std::vector<double>& b, int cols) {
  if (a.size() != b.size() || cols <= 0 || a.size() % cols != 0) return std::numeric_limits<double>::infinity();
  double worst = 0.0;
  for (size_t row = 0; row < a.size() / cols; ++row) {
    double err = 0.0, scale = 0.0;
    for (size_t c = row * cols; c < (row + 1) * cols; ++c) {
      const double e = std::fabs(static_cast<double>(a[c]) - b[c]);
      if (std::isnan(e)) return std::numeric_limits<double>::infinity();
      err = std::max(err, e);
      scale = std::max(scale, std::fabs(b[c]));
    }
    worst = std::max(worst, err / std::max(scale, std::numeric_limits<double>::min()));
  }
  return worst;
}

}  // namespace fs
