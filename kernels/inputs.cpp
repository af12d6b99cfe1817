#include "inputs.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "npy.h"

namespace fs {

uint64_t NormalRng::NextU64() {
  // splitmix64: small, fast, identical everywhere.
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double NormalRng::Uniform() {
  return (static_cast<double>(NextU64() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double NormalRng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double u1 = Uniform(), u2 = Uniform();
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double angle = 6.283185307179586 * u2;
  spare_ = radius * std::sin(angle);
  has_spare_ = true;
  return radius * std::cos(angle);
}

namespace {

std::vector<float> NormalMatrix(NormalRng& rng, int rows, int cols, double sigma) {
  std::vector<float> m(static_cast<size_t>(rows) * cols);
  for (auto& x : m) x = static_cast<float>(sigma * rng.Normal());
  return m;
}

// Row r of a (rows x rank) * (rank x d) product plus noise, for low-rank Q and K.
std::vector<float> LowRankMatrix(NormalRng& rng, const std::vector<float>& basis, int rows,
                                 int rank, int d, double noise) {
  std::vector<float> m(static_cast<size_t>(rows) * d);
  std::vector<double> coef(rank);
  for (int r = 0; r < rows; ++r) {
    for (auto& c : coef) c = rng.Normal();
    for (int j = 0; j < d; ++j) {
      double acc = 0.0;
      for (int t = 0; t < rank; ++t) acc += coef[t] * basis[static_cast<size_t>(t) * d + j];
      m[static_cast<size_t>(r) * d + j] = static_cast<float>(acc + noise * rng.Normal());
    }
  }
  return m;
}

// A random unit vector of length d, orthogonal to `against` when that is given (unit).
std::vector<double> UnitVector(NormalRng& rng, int d, const std::vector<double>* against) {
  std::vector<double> u(d);
  for (auto& x : u) x = rng.Normal();
  if (against) {
    double dot = 0.0;
    for (int j = 0; j < d; ++j) dot += u[j] * (*against)[j];
    for (int j = 0; j < d; ++j) u[j] -= dot * (*against)[j];
  }
  double norm = 0.0;
  for (double x : u) norm += x * x;
  for (auto& x : u) x /= std::sqrt(norm);
  return u;
}

// Pattern::kDrift (see inputs.h), built so that one rounding decides the error of every row:
// - Keys 0 and 1 (the sink pair) are the same long key along a direction u; every query is a
//   unit vector along u (plus a little noise), so every row's maximum, kDriftSinkScore, is
//   at both keys: P-bar = 1 twice in the first K/V block.
// - The other keys are short and low-rank, with scores near 0: the first block's residual is
//   tiny (about 1e-4 of the pair), the same-sign "sticky" remainder of the worked example.
// - The last key (the spreader) scores kDriftSinkScore - delta_r with delta_r drawn per row
//   from [1, 3], through a query component along a second direction w; it moves each row's O
//   over many BF16 steps, so the final rounding of O averages out over rows, and it sits in
//   the last K/V block, away from the pair.
// - V's feature f is negative (the pair holds the worked example's operands, the spreader
//   -1, the rest -0.25 - |N(0, 0.5)|); dO is negative on f, so a low bias of O[:, f] raises
//   delta = rowsum(dO * O).
void MakeDriftInputs(NormalRng& rng, const Problem& p, Inputs* in) {
  constexpr int kKeyRank = 4;
  constexpr double kQueryNoise = 0.01, kMinGap = 1.0, kMaxGap = 3.0, kSpreaderV = -1.0;
  const int n = p.n, d = p.d, f = kDriftFeature;
  const double scale = p.EffectiveScale();
  const std::vector<double> u = UnitVector(rng, d, nullptr);
  const std::vector<double> w = UnitVector(rng, d, &u);
  const double key_length = kDriftSinkScore / scale;  // a unit query along u scores the sink
  in->q = NormalMatrix(rng, n, d, kQueryNoise / std::sqrt(static_cast<double>(d)));
  for (int r = 0; r < n; ++r) {
    const double gap = kMinGap + (kMaxGap - kMinGap) * rng.Uniform();
    const double along_w = -gap / kDriftSinkScore;  // spreader score: kDriftSinkScore - gap
    for (int j = 0; j < d; ++j)
      in->q[static_cast<size_t>(r) * d + j] += static_cast<float>(u[j] + along_w * w[j]);
  }
  const auto basis = NormalMatrix(rng, kKeyRank, d, 1.0 / std::sqrt(static_cast<double>(d)));
  in->k = LowRankMatrix(rng, basis, n, kKeyRank, d, 0.0);
  const auto set_key = [&](int c, double a, double b) {
    for (int j = 0; j < d; ++j) in->k[static_cast<size_t>(c) * d + j] = static_cast<float>(a * u[j] + b * w[j]);
  };
  for (int c = 0; c < std::min(n, 2); ++c) set_key(c, key_length, 0.0);
  if (n > 2) set_key(n - 1, key_length, key_length);
  in->v = NormalMatrix(rng, n, d, 1.0);
  for (int c = 0; c < n; ++c)
    in->v[static_cast<size_t>(c) * d + f] = static_cast<float>(-0.25 - 0.5 * std::fabs(rng.Normal()));
  in->v[f] = kDriftSinkV0;
  if (n > 1) in->v[static_cast<size_t>(d) + f] = kDriftSinkV1;
  if (n > 2) in->v[static_cast<size_t>(n - 1) * d + f] = static_cast<float>(kSpreaderV);
  in->dout = NormalMatrix(rng, n, d, 1.0);
  for (int r = 0; r < n; ++r)
    in->dout[static_cast<size_t>(r) * d + f] = static_cast<float>(-1.0 - 0.1 * std::fabs(rng.Normal()));
}

// A (n, d) float matrix from a .npy file; `what` names it in messages.
std::vector<float> LoadMatrixNpy(const std::string& path, int n, int d, const char* what) {
  NpyArray a = LoadNpy(path);
  if (a.shape.size() != 2 || a.shape[0] != static_cast<size_t>(n) || a.shape[1] != static_cast<size_t>(d)) {
    std::string shape;
    for (size_t x : a.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(x);
    throw NpyError(path + ": " + what + " has shape (" + shape + "); allowed: (" + std::to_string(n) + ", " +
                   std::to_string(d) + "), the problem's N and d");
  }
  return std::move(a.data);
}

}  // namespace

Inputs RoundedInputs(const Problem& p, const Inputs& in) {
  Inputs out = in;
  for (auto* m : {&out.q, &out.k, &out.v})
    for (float& x : *m) x = Round(x, p.precision.inputs);
  return out;
}

namespace {

std::string Sci(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// Largest |q_row . k_j| over the keys that `row` sees, in double.
double LargestDot(const Problem& p, const Inputs& in, int row) {
  const int last_key = p.causal ? row : p.n - 1;
  double largest = 0.0;
  for (int j = 0; j <= last_key; ++j) {
    double dot = 0.0;
    for (int t = 0; t < p.d; ++t)
      dot += static_cast<double>(in.q[static_cast<size_t>(row) * p.d + t]) * in.k[static_cast<size_t>(j) * p.d + t];
    largest = std::max(largest, std::fabs(dot));
  }
  return largest;
}

}  // namespace

std::string FirstNonFinite(const std::vector<float>& values, int cols) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i])) continue;
    const size_t c = cols > 0 ? static_cast<size_t>(cols) : 1;
    const char* what = std::isnan(values[i]) ? "nan" : values[i] > 0 ? "inf" : "-inf";
    return std::string("has ") + what + " at row " + std::to_string(i / c) + ", col " + std::to_string(i % c);
  }
  return "";
}

void CheckInputsFit(const Problem& p, const Inputs& in) {
  Validate(p);
  const size_t nd = static_cast<size_t>(p.n) * p.d;
  if (in.n != p.n || in.d != p.d || in.q.size() != nd || in.k.size() != nd || in.v.size() != nd)
    throw ProblemError("inputs are " + std::to_string(in.n) + " x " + std::to_string(in.d) +
                       " but the problem is N=" + std::to_string(p.n) + ", d=" + std::to_string(p.d));
  const std::pair<const char*, const std::vector<float>*> arrays[] = {{"Q", &in.q}, {"K", &in.k}, {"V", &in.v}};
  for (const auto& [name, values] : arrays) {
    const std::string bad = FirstNonFinite(*values, p.d);
    if (!bad.empty()) throw ProblemError(std::string(name) + " " + bad + "; allowed: finite numbers only");
  }
}

void CheckOutputsFinite(const Problem& p, const Inputs& in, const std::vector<float>& o,
                        const std::vector<float>& lse) {
  if (o.size() != static_cast<size_t>(p.n) * p.d || lse.size() != static_cast<size_t>(p.n))
    throw ProblemError("internal: O and L of the run do not have the problem's shape");
  const std::string bad_o = FirstNonFinite(o, p.d);
  const std::string bad_l = FirstNonFinite(lse, 1);
  if (bad_o.empty() && bad_l.empty()) return;
  const auto row_ok = [&](int r) {
    bool ok = std::isfinite(lse[r]);
    for (int c = 0; c < p.d; ++c) ok = ok && std::isfinite(o[static_cast<size_t>(r) * p.d + c]);
    return ok;
  };
  int r = 0;
  while (r + 1 < p.n && row_ok(r)) ++r;
  const double scale = p.EffectiveScale();
  const double dot = LargestDot(p, in, r);
  const std::string where = "query row " + std::to_string(r);
  if (dot >= FLT_MAX)
    throw ProblemError("the dot product q.k of " + where + " reaches " + Sci(dot) +
                       ", beyond float32's largest number 3.4e+38; allowed: Q and K whose dot "
                       "products stay below that");
  if (scale * dot >= FLT_MAX)
    throw ProblemError("the softmax scale " + Sci(scale) + " makes the scores of " + where +
                       " overflow float32 (|scale * q.k| reaches " + Sci(scale * dot) +
                       ", float32 holds at most 3.4e+38); allowed: a scale of at most " +
                       Sci(FLT_MAX / dot) + " for these inputs");
  double largest_v = 0.0;
  for (float v : in.v) largest_v = std::max(largest_v, static_cast<double>(std::fabs(v)));
  if (largest_v * p.n >= FLT_MAX)
    throw ProblemError("O of " + where + " is not finite: the probability-weighted sum of V "
                       "overflows float32 (V holds values up to " + Sci(largest_v) +
                       "); allowed: V whose weighted sums stay below 3.4e+38");
  // Under a low-precision policy or the stabilized shift, values can leave a format's range
  // for real (l underflowing to 0 with a large beta, FP16 overflow): a result to show, with
  // NonFiniteOutputNote, not a failure.
  if (!p.precision.AllFp32() || p.softmax == Softmax::kStabilized) return;
  throw ProblemError("O or L of " + where + " is not finite although its scores and V fit "
                     "float32: the kernel left it unwritten");
}

std::string NonFiniteOutputNote(const Problem& p, const std::vector<float>& o, const std::vector<float>& lse) {
  int rows = 0, first = -1;
  for (int r = 0; r < p.n && static_cast<size_t>(r) < lse.size(); ++r) {
    bool ok = std::isfinite(lse[r]);
    for (int c = 0; c < p.d; ++c) ok = ok && std::isfinite(o[static_cast<size_t>(r) * p.d + c]);
    if (ok) continue;
    ++rows;
    if (first < 0) first = r;
  }
  if (rows == 0) return "";
  std::string why = "values left the range of their formats (" + DescribePrecision(p.precision) + ")";
  if (p.softmax == Softmax::kStabilized)
    why += "; with the stabilized shift beta * r_m (beta " + ShortNumber(p.beta) +
           "), every P-bar of a row can underflow so that l = 0 and O = 0 / 0";
  return "O or L is not finite in " + std::to_string(rows) + " of " + std::to_string(p.n) +
         " rows (first: query row " + std::to_string(first) + "): " + why;
}

Inputs MakeInputs(const Problem& p) {
  Validate(p);
  Inputs in;
  in.n = p.n;
  in.d = p.d;
  if (p.pattern == Pattern::kNpy) {
    in = LoadQkvNpy(p.q_path, p.k_path, p.v_path);
    if (in.n != p.n || in.d != p.d)
      throw ProblemError("the .npy files hold N=" + std::to_string(in.n) + ", d=" +
                         std::to_string(in.d) + " but the problem asks for N=" +
                         std::to_string(p.n) + ", d=" + std::to_string(p.d));
  } else {
    NormalRng rng(p.seed * 0x100000001B3ull + static_cast<uint64_t>(p.pattern));
    switch (p.pattern) {
      case Pattern::kRandom:
      case Pattern::kNpy:
        in.q = NormalMatrix(rng, p.n, p.d, 1.0);
        in.k = NormalMatrix(rng, p.n, p.d, 1.0);
        break;
      case Pattern::kSink: {
        // Key 0 is aligned with the mean query direction and long, so every query's
        // largest score is at column 0: the attention-sink pattern of trained models.
        in.q = NormalMatrix(rng, p.n, p.d, 1.0);
        std::vector<double> dir(p.d);
        for (auto& x : dir) x = rng.Normal();
        double norm = 0.0;
        for (double x : dir) norm += x * x;
        norm = std::sqrt(norm);
        for (int r = 0; r < p.n; ++r)
          for (int j = 0; j < p.d; ++j)
            in.q[static_cast<size_t>(r) * p.d + j] += static_cast<float>(3.0 * dir[j] / norm);
        in.k = NormalMatrix(rng, p.n, p.d, 1.0);
        for (int j = 0; j < p.d; ++j)
          in.k[j] = static_cast<float>(4.0 * std::sqrt(static_cast<double>(p.d)) * dir[j] / norm);
        break;
      }
      case Pattern::kTiedMaxima: {
        // Keys come in exact adjacent pairs (key 2t+1 copies key 2t), so a row's maximum
        // score appears at least twice, bit for bit, usually inside one K block; under a
        // causal mask only the pair cut by the diagonal can lose its twin.
        in.q = NormalMatrix(rng, p.n, p.d, 1.0);
        in.k = NormalMatrix(rng, p.n, p.d, 1.0);
        for (int r = 0; r + 1 < p.n; r += 2)
          for (int j = 0; j < p.d; ++j)
            in.k[static_cast<size_t>(r + 1) * p.d + j] = in.k[static_cast<size_t>(r) * p.d + j];
        break;
      }
      case Pattern::kDrift:
        MakeDriftInputs(rng, p, &in);
        break;
      case Pattern::kLowRank: {
        // q.k = sum_{t,u} c1_t c2_u (b_t . b_u) over basis rows b of entry variance s^2 has
        // expected variance r s^4 d (d + r + 1): the d (d + 2) of each b_t . b_t plus the d of
        // each of the r - 1 cross terms. s^4 = 1 / (r (d + r + 1)) makes q.k/sqrt(d) of unit
        // variance, like the random pattern's logits, whatever d and r are.
        const double sigma = std::pow(static_cast<double>(p.rank) * (p.d + p.rank + 1), -0.25);
        const auto basis = NormalMatrix(rng, p.rank, p.d, sigma);
        in.q = LowRankMatrix(rng, basis, p.n, p.rank, p.d, 0.05);
        in.k = LowRankMatrix(rng, basis, p.n, p.rank, p.d, 0.05);
        break;
      }
    }
    if (p.pattern != Pattern::kDrift) in.v = NormalMatrix(rng, p.n, p.d, 1.0);
  }
  if (!p.dout_path.empty()) {
    in.dout = LoadMatrixNpy(p.dout_path, p.n, p.d, "dO");
  } else if (in.dout.empty()) {
    NormalRng grad_rng(p.seed ^ 0xD0D0D0D0ull);
    in.dout = NormalMatrix(grad_rng, p.n, p.d, 1.0);
  }
  return in;
}

}  // namespace fs
