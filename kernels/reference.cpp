#include "reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace fs {
std::vector<double> ReferenceScores(const Problem& p, const Inputs& in, int row, int cols) {
  const double scale = p.EffectiveScale();
  std::vector<double> s(static_cast<size_t>(std::max(cols, 0)), -std::numeric_limits<double>::infinity());
  const float* q = &in.q[static_cast<size_t>(row) * p.d];
  const int last = std::min(cols - 1, p.causal ? row : p.n - 1);
  for (int c = 0; c <= last; ++c) {
    const float* k = &in.k[static_cast<size_t>(c) * p.d];
    double dot = 0.0;
    for (int t = 0; t < p.d; ++t) dot += static_cast<double>(q[t]) * k[t];
    s[c] = dot * scale;
  }
  return s;
}

namespace {

std::vector<double> ScoreRow(const Problem& p, const Inputs& in, int row) { return ReferenceScores(p, in, row, p.n); }

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

ReferenceOutput ReferenceTiled(const Problem& p, const Inputs& in) {
  ReferenceOutput out;
  out.o.assign(static_cast<size_t>(p.n) * p.d, 0.0);
  out.lse.assign(p.n, 0.0);
  const double neg_inf = -std::numeric_limits<double>::infinity();
  for (int row = 0; row < p.n; ++row) {
    const std::vector<double> s = ScoreRow(p, in, row);
    double m = neg_inf, l = 0.0;
    double* o = &out.o[static_cast<size_t>(row) * p.d];
    for (int j = 0; j * p.bc < p.n; ++j) {
      const int c0 = j * p.bc, c1 = std::min(p.n, c0 + p.bc);
      double r_m = neg_inf;
      for (int c = c0; c < c1; ++c) r_m = std::max(r_m, s[c]);
      int r_s = 0;
      for (int c = c0; c < c1; ++c) r_s += std::isfinite(s[c]) && s[c] >= r_m - p.eps;
      double shift = r_m;  // the rule of precision.h's ShiftOf, in FP64
      if (p.softmax == Softmax::kStabilized && std::isfinite(r_m) && r_s > 1)
        shift = r_m > 0.0 ? p.beta * r_m : r_m < 0.0 ? 0.0 : r_m;
      const double m_new = std::max(m, shift);
      if (m_new == neg_inf) continue;
      const double rescale = std::exp(m - m_new);
      l *= rescale;
      for (int t = 0; t < p.d; ++t) o[t] *= rescale;
      for (int c = c0; c < c1; ++c) {
        if (!std::isfinite(s[c])) continue;
        const double e = std::exp(s[c] - m_new);
        l += e;
        const float* v = &in.v[static_cast<size_t>(c) * p.d];
        for (int t = 0; t < p.d; ++t) o[t] += e * v[t];
      }
      m = m_new;
    }
    for (int t = 0; t < p.d; ++t) o[t] /= l;
    out.lse[row] = m + std::log(l);
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
