#include "emulate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "emulate_ops.h"
#include "fmath.h"
#include "precision.h"

namespace fs {

// One FMA, fused exactly like the GPU's FFMA. The hot loops below are cloned for CPUs with
// an FMA unit (one instruction) and without it (glibc's exact software fmaf): same result.
#define FS_FMA_CLONES __attribute__((target_clones("fma", "default")))

FS_FMA_CLONES float Dot(const float* a, const float* b, int d) {
  float s = 0.0f;
  for (int t = 0; t < d; ++t) s = std::fmaf(a[t], b[t], s);
  return s;
}

FS_FMA_CLONES void Axpy(float alpha, const float* x, float* y, int d) {
  for (int t = 0; t < d; ++t) y[t] = std::fmaf(alpha, x[t], y[t]);
}

namespace {

// Lane partials then the xor butterfly; every lane ends with the same value, lane 0's is
// returned. Combine is + or max.
template <typename Combine>
float WarpReduce(const float* values, int count, float identity, Combine combine) {
  float lane[kWarpSize];
  for (int l = 0; l < kWarpSize; ++l) {
    float acc = identity;
    for (int c = l; c < count; c += kWarpSize) acc = combine(acc, values[c]);
    lane[l] = acc;
  }
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    float next[kWarpSize];
    for (int l = 0; l < kWarpSize; ++l) next[l] = combine(lane[l], lane[l ^ offset]);
    std::memcpy(lane, next, sizeof lane);
  }
  return lane[0];
}

struct RowState {
  float m = kNegInf;
  float l = 0.0f;
};

// The FA2 forward loop under the problem's numeric policy (precision.h). kTrace records each
// step into `trace`.
template <bool kTrace>
void Run(const Problem& p, const Inputs& raw, Trace* trace, Output* out) {
  const Inputs in = RoundedInputs(p, raw);  // what the kernel reads: Q, K, V in their format
  const NumericPolicy np = p.Numerics();
  const Precision& pr = np.precision;
  const bool separate = pr.SeparateBlockProduct();
  const int d = p.d, bc = p.bc;
  const float scale = p.EffectiveScale();
  std::vector<float> s(bc), exps(bc), pbar(bc), o_acc(static_cast<size_t>(p.br) * d), blk(d);
  std::vector<RowState> rows(p.br);
  int step = 0;
  for (int i = 0; i < p.QBlocks(); ++i) {
    const int row0 = i * p.br, nrows = std::min(p.br, p.n - row0);
    std::fill(rows.begin(), rows.end(), RowState{});
    std::fill(o_acc.begin(), o_acc.end(), 0.0f);
    const int last_j = LastKvBlock(p, i);
    for (int j = 0; j <= last_j; ++j, ++step) {
      const int col0 = j * bc, cols = std::min(bc, p.n - col0);
      float* rec = kTrace ? trace->Step(step) : nullptr;
      for (int r = 0; r < nrows; ++r) {
        ScoreRow(p, in, row0 + r, col0, cols, scale, pr.scores, s.data());
        // The block's row max, its near-ties and the shift m' (the stabilized variant's rule).
        const float r_m = WarpReduce(s.data(), bc, kNegInf, MaxOf);
        int r_s = 0;
        for (int c = 0; c < bc; ++c) r_s += NearMax(s[c], r_m, np.eps);
        ShiftBranch branch;
        const float m_shift = ShiftOf(np, r_m, r_s, &branch);

        RowState& st = rows[r];
        const float m_old = st.m;
        const float m_new = MaxOf(m_old, m_shift);
        const bool empty = m_new == kNegInf;  // a row with nothing visible yet
        const float rescale = empty ? 1.0f : ExpShifted(m_old, m_new, pr.stats);
        for (int c = 0; c < bc; ++c) {
          exps[c] = empty ? 0.0f : ExpShifted(s[c], m_new, pr.scores);
          pbar[c] = Round(exps[c], pr.pbar);
        }
        const float rowsum = Round(WarpReduce(exps.data(), bc, 0.0f, SumOf), pr.stats);
        st.l = UpdateL(rescale, st.l, rowsum, pr.stats);
        st.m = m_new;
        float* o = &o_acc[static_cast<size_t>(r) * d];
        if (!separate) {  // P-bar V added straight into O-tilde, as the tensor-core mma does
          for (int t = 0; t < d; ++t) o[t] *= rescale;
          for (int c = 0; c < cols; ++c) Axpy(pbar[c], &in.v[static_cast<size_t>(col0 + c) * d], o, d);
        } else {          // O-bar_j on its own, rounded, then added to the rescaled O-tilde
          std::fill(blk.begin(), blk.end(), 0.0f);
          for (int c = 0; c < cols; ++c) Axpy(pbar[c], &in.v[static_cast<size_t>(col0 + c) * d], blk.data(), d);
          for (int t = 0; t < d; ++t) o[t] = AddBlockProduct(o[t], rescale, blk[t], pr);
        }
        if (kTrace) {
          const TraceLayout& L = trace->layout;
          PutRow(rec, L, kS, r, s.data(), bc);
          PutRow(rec, L, kP, r, pbar.data(), bc);
          PutRow(rec, L, kOAcc, r, o, d);
          if (separate) PutRow(rec, L, kOBlk, r, blk.data(), d);
          PutRowStats(rec, L.offset, r, {m_old, m_new, rescale, st.l, r_m, static_cast<float>(r_s), m_shift});
        }
      }
    }
    for (int r = 0; r < nrows; ++r) {
      const size_t row = static_cast<size_t>(row0 + r);
      for (int t = 0; t < d; ++t)
        out->o[row * d + t] = FinalO(o_acc[static_cast<size_t>(r) * d + t], rows[r].l, pr.output);
      out->lse[row] = FinalL(rows[r].m, rows[r].l, pr.stats);
    }
  }
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void ScoreRow(const Problem& p, const Inputs& in, int row, int col0, int cols, float scale, Format format, float* s) {
  const float* q = &in.q[static_cast<size_t>(row) * p.d];
  for (int c = 0; c < p.bc; ++c) {
    const int col = col0 + c;
    const bool masked = c >= cols || (p.causal && col > row);
    s[c] = masked ? kNegInf : ScoreOf(Dot(q, &in.k[static_cast<size_t>(col) * p.d], p.d), scale, format);
  }
}

void PutRow(float* rec, const TraceLayout& layout, TraceField f, int r, const float* values, int count) {
  std::memcpy(rec + layout.offset[f] + static_cast<size_t>(r) * count, values, count * sizeof(float));
}

float WarpOrderSum(const float* values, int count) { return WarpReduce(values, count, 0.0f, SumOf); }
float WarpOrderMax(const float* values, int count) { return WarpReduce(values, count, kNegInf, MaxOf); }

Trace EmulateTraced(const Problem& p, const Inputs& in) {
  CheckInputsFit(p, in);
  const auto t0 = std::chrono::steady_clock::now();
  Trace t = Trace::Allocate(p);
  Output out;
  out.o.assign(static_cast<size_t>(p.n) * p.d, NAN);
  out.lse.assign(p.n, NAN);
  if (p.order == LoopOrder::kFa1)
    EmulateFa1(p, in, &t, &out);
  else
    Run<true>(p, in, &t, &out);
  CheckOutputsFinite(p, in, out.o, out.lse);
  t.o = std::move(out.o);
  t.lse = std::move(out.lse);
  t.backend = "CPU emulation";
  t.kernel_ms = MsSince(t0);
  return t;
}

Output Emulate(const Problem& p, const Inputs& in) {
  CheckInputsFit(p, in);
  const auto t0 = std::chrono::steady_clock::now();
  Output out;
  out.o.assign(static_cast<size_t>(p.n) * p.d, NAN);
  out.lse.assign(p.n, NAN);
  if (p.order == LoopOrder::kFa1)
    EmulateFa1(p, in, nullptr, &out);
  else
    Run<false>(p, in, nullptr, &out);
  CheckOutputsFinite(p, in, out.o, out.lse);
  out.ms = MsSince(t0);
  return out;
}

}  // namespace fs
