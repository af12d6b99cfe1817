#include "inputs.h"

#include <cmath>

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

}  // namespace

void CheckInputsFit(const Problem& p, const Inputs& in) {
  Validate(p);
  const size_t nd = static_cast<size_t>(p.n) * p.d;
  if (in.n != p.n || in.d != p.d || in.q.size() != nd || in.k.size() != nd || in.v.size() != nd)
    throw ProblemError("inputs are " + std::to_string(in.n) + " x " + std::to_string(in.d) +
                       " but the problem is N=" + std::to_string(p.n) + ", d=" + std::to_string(p.d));
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
    in.v = NormalMatrix(rng, p.n, p.d, 1.0);
  }
  NormalRng grad_rng(p.seed ^ 0xD0D0D0D0ull);
  in.dout = NormalMatrix(grad_rng, p.n, p.d, 1.0);
  return in;
}

}  // namespace fs
