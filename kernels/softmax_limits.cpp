#include "softmax_limits.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

#include "inputs.h"

namespace fs {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// Key i: a unit vector of d normal draws, from its own stream, so that any key can be made
// again without keeping all L of them.
void KeyOf(const LimitsSetup& s, int i, std::vector<double>* k) {
  NormalRng rng(s.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(i) + 1);
  double norm2 = 0.0;
  for (double& x : *k) {
    x = rng.Normal();
    norm2 += x * x;
  }
  const double inv = 1.0 / std::sqrt(norm2);
  for (double& x : *k) x *= inv;
}

// The query of the flattening and temperature experiments: a unit vector of its own stream.
std::vector<double> QueryOf(const LimitsSetup& s) {
  std::vector<double> q(static_cast<size_t>(s.d));
  NormalRng rng(~s.seed);
  double norm2 = 0.0;
  for (double& x : q) {
    x = rng.Normal();
    norm2 += x * x;
  }
  for (double& x : q) x /= std::sqrt(norm2);
  return q;
}

double Dot(const std::vector<double>& a, const std::vector<double>& b) {
  double sum = 0.0;
  for (size_t t = 0; t < a.size(); ++t) sum += a[t] * b[t];
  return sum;
}

// z_i = B <q, k_i>, clamped to [-B, B] against rounding.
std::vector<double> LogitsFor(const LimitsSetup& s, const std::vector<double>& q, int l) {
  std::vector<double> z(static_cast<size_t>(l)), k(static_cast<size_t>(s.d));
  for (int i = 0; i < l; ++i) {
    KeyOf(s, i, &k);
    z[i] = std::clamp(s.bound * Dot(q, k), -s.bound, s.bound);
  }
  return z;
}

}  // namespace

void ValidateLimits(const LimitsSetup& s) {
  if (s.d < 1 || s.d > kMaxLimitsD)
    throw std::invalid_argument("d is " + std::to_string(s.d) + "; allowed: 1.." + std::to_string(kMaxLimitsD));
  if (!(s.bound > 0.0 && s.bound <= kMaxLimitsBound))
    throw std::invalid_argument("the logit bound B is " + Num(s.bound) + "; allowed: 0 < B <= " + Num(kMaxLimitsBound));
  if (!(s.temperature >= kMinLimitsT && s.temperature <= kMaxLimitsT))
    throw std::invalid_argument("the temperature T is " + Num(s.temperature) + "; allowed: " + Num(kMinLimitsT) +
                                " <= T <= " + Num(kMaxLimitsT));
}

void ValidateLength(int l) {
  if (l < kMinLimitsL || l > kMaxLimitsL)
    throw std::invalid_argument("the context length L is " + std::to_string(l) + "; allowed: " +
                                std::to_string(kMinLimitsL) + ".." + std::to_string(kMaxLimitsL));
}

std::vector<double> SoftmaxAt(const std::vector<double>& z, double t) {
  const double m = *std::max_element(z.begin(), z.end());
  std::vector<double> p(z.size());
  double sum = 0.0;
  for (size_t i = 0; i < z.size(); ++i) sum += (p[i] = std::exp((z[i] - m) / t));
  for (double& x : p) x /= sum;
  return p;
}

double SoftmaxCovarianceNorm(const std::vector<double>& p) {
  if (p.size() < 2) return 0.0;
  // diag(p) - p p^T is a rank-one downdate of a diagonal: its eigenvalues interlace the p_i,
  // the largest lies in [p_(2), p_(1)] and solves g(x) = sum_i p_i^2 / (p_i - x) = 1, where g
  // rises from -inf to +inf on that interval. Tied largest weights: p_(1) itself.
  double p1 = -1.0, p2 = -1.0;
  for (double x : p) {
    if (x > p1) {
      p2 = p1;
      p1 = x;
    } else if (x > p2) {
      p2 = x;
    }
  }
  if (!(p1 > p2)) return p1;
  double lo = p2, hi = p1;
  for (int it = 0; it < 200 && hi - lo > 0.0; ++it) {
    const double x = lo + 0.5 * (hi - lo);
    if (x <= lo || x >= hi) break;
    double g = 0.0;
    for (double pi : p) g += pi * pi / (pi - x);
    (g < 1.0 ? lo : hi) = x;
  }
  return lo + 0.5 * (hi - lo);
}

std::vector<double> LimitsLogits(const LimitsSetup& s, int l) {
  ValidateLimits(s);
  ValidateLength(l);
  return LogitsFor(s, QueryOf(s), l);
}

std::vector<double> LimitsWeights(const LimitsSetup& s, const std::vector<double>& z, int l) {
  ValidateLimits(s);
  ValidateLength(l);
  if (static_cast<size_t>(l) > z.size())
    throw std::invalid_argument("internal: L = " + std::to_string(l) + " needs " + std::to_string(l) +
                                " logits, " + std::to_string(z.size()) + " given");
  return SoftmaxAt(std::vector<double>(z.begin(), z.begin() + l), s.temperature);
}

FlattenPoint Flatten(const LimitsSetup& s, int l) { return FlattenAt(s, LimitsLogits(s, l), l); }

FlattenPoint FlattenAt(const LimitsSetup& s, const std::vector<double>& z, int l) {
  const std::vector<double> p = LimitsWeights(s, z, l);
  FlattenPoint f;
  f.l = l;
  f.max_w = *std::max_element(p.begin(), p.end());
  f.min_w = *std::min_element(p.begin(), p.end());
  for (double w : p)
    if (w > 0.0) f.entropy -= w * std::log(w);
  f.c1 = std::exp(-2.0 * s.bound / s.temperature);
  f.c2 = std::exp(2.0 * s.bound / s.temperature);
  return f;
}

SelectionPoint Select(const LimitsSetup& s, int l, int n) {
  ValidateLimits(s);
  ValidateLength(l);
  if (n < 1 || n >= l)
    throw std::invalid_argument("the selected tokens N are " + std::to_string(n) + "; allowed: 1.." +
                                std::to_string(l - 1) + " (fewer than L = " + std::to_string(l) + ")");
  const size_t d = static_cast<size_t>(s.d);
  std::vector<double> k(d), q(d, 0.0), mean_sel(d, 0.0), mean_other(d, 0.0), out(d, 0.0);
  // Tokens 0..N-1 are the selected ones (the keys are independent, so which ones is immaterial).
  for (int i = 0; i < n; ++i) {
    KeyOf(s, i, &k);
    for (size_t t = 0; t < d; ++t) q[t] += k[t];
  }
  const double qn = std::sqrt(Dot(q, q));
  for (double& x : q) x /= qn;
  const std::vector<double> z = LogitsFor(s, q, l);
  const std::vector<double> p = SoftmaxAt(z, s.temperature);
  for (int i = 0; i < l; ++i) {
    KeyOf(s, i, &k);
    std::vector<double>& mean = i < n ? mean_sel : mean_other;
    for (size_t t = 0; t < d; ++t) {
      mean[t] += k[t];
      out[t] += p[i] * k[t];
    }
  }
  SelectionPoint r;
  r.l = l;
  r.n = n;
  std::vector<double> sorted = z;
  std::nth_element(sorted.begin(), sorted.begin() + (n - 1), sorted.end(), std::greater<double>());
  const double nth = sorted[n - 1];
  int found = 0;
  for (int i = 0; i < n; ++i) {
    found += z[i] >= nth;
    r.selected_mass += p[i];
  }
  r.recovered = static_cast<double>(found) / n;
  const double chance = static_cast<double>(n) / l;
  r.lift = (r.recovered - chance) / (1.0 - chance);
  double ds = 0.0, dn = 0.0;
  for (size_t t = 0; t < d; ++t) {
    const double a = out[t] - mean_sel[t] / n, b = out[t] - mean_other[t] / (l - n);
    ds += a * a;
    dn += b * b;
  }
  r.dist_selected = std::sqrt(ds);
  r.dist_others = std::sqrt(dn);
  return r;
}

JacobianPoint Jacobian(const LimitsSetup& s, int l, double temperature) {
  LimitsSetup at = s;
  at.temperature = temperature;
  return JacobianAt(s, LimitsLogits(at, l), l, temperature);
}

JacobianPoint JacobianAt(const LimitsSetup& s, const std::vector<double>& z, int l, double temperature) {
  LimitsSetup at = s;
  at.temperature = temperature;
  const std::vector<double> p = LimitsWeights(at, z, l);
  JacobianPoint j;
  j.l = l;
  j.temperature = temperature;
  j.max_p = *std::max_element(p.begin(), p.end());
  j.norm = SoftmaxCovarianceNorm(p) / temperature;
  j.bound = std::min(j.max_p, 0.5) / temperature;
  j.quoted_bound = std::min(1.0 / (4.0 * temperature), std::sqrt(2.0));
  return j;
}

}  // namespace fs
