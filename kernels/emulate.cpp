#include "emulate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "emulate_ops.h"
#include "fmath.h"
#include "parallel.h"
#include "precision.h"

namespace fs {

// One FMA, fused exactly like the GPU's FFMA. The hot loops below are cloned for CPUs with
// AVX2 and FMA (256-bit vectors, integer lanes included), with FMA alone, and without it
// (glibc's exact software fmaf): same result.
#if defined(__x86_64__) && defined(__GNUC__)
#define FS_FMA_CLONES __attribute__((target_clones("arch=x86-64-v3", "fma", "default")))
#else
#define FS_FMA_CLONES  // one build for the target: std::fmaf is exact wherever it runs
#endif
#define FS_ALWAYS_INLINE inline __attribute__((always_inline))

namespace {

// kLanes columns of q . k_c side by side, kept in registers: for each t, every column's chain
// takes its next fmaf. Column c's result is the GPU thread's own fmaf chain over t = 0..d-1.
template <int kLanes>
FS_ALWAYS_INLINE void DotColumns(const float* q, const float* kt, int d, int stride, float* s) {
  float acc[kLanes] = {};
  for (int t = 0; t < d; ++t) {
    const float qt = q[t];
    const float* k = kt + static_cast<size_t>(t) * stride;
    for (int c = 0; c < kLanes; ++c) acc[c] = FS_FMAF(qt, k[c], acc[c]);
  }
  for (int c = 0; c < kLanes; ++c) s[c] = acc[c];
}

// kLanes features of one row's P V side by side: feature t's chain over c = 0..cols-1 is
// the keys' order (one fmaf per key), its running value kept in a register.
template <int kLanes>
FS_ALWAYS_INLINE void PvFeatures(const float* pbar, const float* v, int cols, int d, float* o) {
  float acc[kLanes];
  for (int t = 0; t < kLanes; ++t) acc[t] = o[t];
  for (int c = 0; c < cols; ++c) {
    const float pc = pbar[c];
    const float* vc = v + static_cast<size_t>(c) * d;
    for (int t = 0; t < kLanes; ++t) acc[t] = FS_FMAF(pc, vc[t], acc[t]);
  }
  for (int t = 0; t < kLanes; ++t) o[t] = acc[t];
}

FS_FMA_CLONES void AllDotColumns(const float* q, const float* kt, int d, int count, float* s) {
  int c = 0;
  for (; c + 64 <= count; c += 64) DotColumns<64>(q, kt + c, d, count, s + c);
  for (; c + 32 <= count; c += 32) DotColumns<32>(q, kt + c, d, count, s + c);
  for (; c + 16 <= count; c += 16) DotColumns<16>(q, kt + c, d, count, s + c);
  for (; c < count; ++c) DotColumns<1>(q, kt + c, d, count, s + c);
}

// ExpF (fmath.h) without its branches, so that a row of them vectorizes: the in-range path
// runs on x (on +0 where x is out of range or NaN, a result then not used), and the special
// cases are chosen after it with bit masks. Equal to ExpF bit for bit for every float.
FS_ALWAYS_INLINE float ExpFSelected(float x) {
  constexpr float kOverflow = 88.72283935546875f, kUnderflow = -104.0f;  // ExpF's limits
  const uint32_t nan = 0u - static_cast<uint32_t>(x != x);                 // all ones where true
  const uint32_t over = 0u - static_cast<uint32_t>(x > kOverflow);
  const uint32_t under = 0u - static_cast<uint32_t>(x < kUnderflow);
  const uint32_t special = nan | over | under;
  const float xr = BitsToFloat(FloatToBits(x) & ~special);
  const float k = rintf(xr * kLog2e);
  float r = FS_FMAF(-k, kLn2Hi, xr);
  r = FS_FMAF(-k, kLn2Lo, r);
  float p = 1.0f / 5040.0f;
  p = FS_FMAF(p, r, 1.0f / 720.0f);
  p = FS_FMAF(p, r, 1.0f / 120.0f);
  p = FS_FMAF(p, r, 1.0f / 24.0f);
  p = FS_FMAF(p, r, 1.0f / 6.0f);
  p = FS_FMAF(p, r, 0.5f);
  p = FS_FMAF(p, r, 1.0f);
  p = FS_FMAF(p, r, 1.0f);
  const int ki = static_cast<int>(k);
  const int k1 = ki / 2;
  const float e = (p * Pow2i(k1)) * Pow2i(ki - k1);
  // NaN: x itself; above the range: +inf; below it: +0.
  return BitsToFloat((FloatToBits(e) & ~special) | (0x7F800000u & over) | (FloatToBits(x) & nan));
}

// exps[c] = exp(S_c - m_new) in the scores format (0 for a row with nothing visible yet) and
// P-bar_c = exps[c] in the pbar format, for c < count: ExpShifted per column, the columns side
// by side (the FP32 case has no rounding to branch on, and vectorizes).
FS_FMA_CLONES void ExpRow(const float* s, float m_new, bool empty, const Precision& pr, int count, float* exps,
                          float* pbar) {
  if (empty) {
    std::fill(exps, exps + count, 0.0f);
    std::fill(pbar, pbar + count, 0.0f);
  } else if (pr.scores == Format::kFp32 && pr.pbar == Format::kFp32) {
    for (int c = 0; c < count; ++c) exps[c] = s[c] - m_new;
    ExpRowF32(exps, count, exps);
    std::copy(exps, exps + count, pbar);
  } else {
    for (int c = 0; c < count; ++c) {
      exps[c] = ExpShifted(s[c], m_new, pr.scores);
      pbar[c] = Round(exps[c], pr.pbar);
    }
  }
}

}  // namespace

FS_FMA_CLONES void PvRow(const float* pbar, const float* v, int cols, int d, float* o) {
  int t = 0;
  for (; t + 64 <= d; t += 64) PvFeatures<64>(pbar, v + t, cols, d, o + t);
  for (; t + 32 <= d; t += 32) PvFeatures<32>(pbar, v + t, cols, d, o + t);
  for (; t + 16 <= d; t += 16) PvFeatures<16>(pbar, v + t, cols, d, o + t);
  for (; t < d; ++t) PvFeatures<1>(pbar, v + t, cols, d, o + t);
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

// What every Q block of one FA2 run reads: the problem, the rounded inputs, the policy, and
// where the results go (each Q block writes only its own steps and rows).
struct Fa2Run {
  const Problem& p;
  const Inputs& in;            // Q, K, V in their format
  NumericPolicy np;
  float scale;
  Trace* trace;                // null when nothing is recorded
  Output* out;
};

// Q block i of the FA2 forward loop under the problem's numeric policy (precision.h), its
// steps numbered from `step`. kTrace records each step into run.trace.
template <bool kTrace>
void RunQBlock(const Fa2Run& run, int i, int step, RunProgress& progress) {
  const Problem& p = run.p;
  const Inputs& in = run.in;
  const NumericPolicy& np = run.np;
  const Precision& pr = np.precision;
  const bool separate = pr.SeparateBlockProduct();
  const int d = p.d, bc = p.bc;
  std::vector<float> kt(static_cast<size_t>(d) * bc), s(bc), exps(bc), pbar(bc),
      o_acc(static_cast<size_t>(p.br) * d, 0.0f), blk(d);
  std::vector<RowState> rows(p.br);
  const int row0 = i * p.br, nrows = std::min(p.br, p.n - row0);
  const int last_j = LastKvBlock(p, i);
  for (int j = 0; j <= last_j; ++j, ++step) {
    if (progress.Stopped()) return;
    const int col0 = j * bc, cols = std::min(bc, p.n - col0);
    const float* v_blk = &in.v[static_cast<size_t>(col0) * d];
    TransposeKeys(p, in, col0, cols, kt.data());
    float* rec = kTrace ? run.trace->Step(step) : nullptr;  // null: a step outside the window
    for (int r = 0; r < nrows; ++r) {
      ScoreRow(p, in, row0 + r, kt.data(), col0, cols, run.scale, pr.scores, s.data());
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
      ExpRow(s.data(), m_new, empty, pr, bc, exps.data(), pbar.data());
      const float rowsum = Round(WarpReduce(exps.data(), bc, 0.0f, SumOf), pr.stats);
      st.l = UpdateL(rescale, st.l, rowsum, pr.stats);
      st.m = m_new;
      float* o = &o_acc[static_cast<size_t>(r) * d];
      if (!separate) {  // P-bar V added straight into O-tilde, as the tensor-core mma does
        for (int t = 0; t < d; ++t) o[t] *= rescale;
        PvRow(pbar.data(), v_blk, cols, d, o);
      } else {          // O-bar_j on its own, rounded, then added to the rescaled O-tilde
        std::fill(blk.begin(), blk.end(), 0.0f);
        PvRow(pbar.data(), v_blk, cols, d, blk.data());
        for (int t = 0; t < d; ++t) o[t] = AddBlockProduct(o[t], rescale, blk[t], pr);
      }
      if (kTrace && rec) {
        const TraceLayout& L = run.trace->layout;
        PutRow(rec, L, kS, r, s.data(), bc);
        PutRow(rec, L, kP, r, pbar.data(), bc);
        PutRow(rec, L, kOAcc, r, o, d);
        if (separate) PutRow(rec, L, kOBlk, r, blk.data(), d);
        PutRowStats(rec, L.offset, r, {m_old, m_new, rescale, st.l, r_m, static_cast<float>(r_s), m_shift});
      }
    }
    if (!progress.StepDone()) return;
  }
  for (int r = 0; r < nrows; ++r) {
    const size_t row = static_cast<size_t>(row0 + r);
    for (int t = 0; t < d; ++t)
      run.out->o[row * d + t] = FinalO(o_acc[static_cast<size_t>(r) * d + t], rows[r].l, pr.output);
    run.out->lse[row] = FinalL(rows[r].m, rows[r].l, pr.stats);
  }
}

// The FA2 forward loop: the Q blocks spread over threads, each from its first step.
template <bool kTrace>
void Run(const Problem& p, const Inputs& raw, Trace* trace, Output* out, const RunOptions& opt) {
  const Inputs in = RoundedInputs(p, raw);  // what the kernel reads: Q, K, V in their format
  const float scale = p.EffectiveScale();
  const Fa2Run run{p, in, p.Numerics(), scale, trace, out};
  const std::vector<int> first_step = StepOffsets(p);
  ForEachQBlock(p, opt, [&](int i, RunProgress& progress) { RunQBlock<kTrace>(run, i, first_step[i], progress); });
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

void TransposeKeys(const Problem& p, const Inputs& in, int col0, int cols, float* kt) {
  const int d = p.d, bc = p.bc;
  for (int c = 0; c < bc; ++c) {
    const float* k = c < cols ? &in.k[static_cast<size_t>(col0 + c) * d] : nullptr;
    for (int t = 0; t < d; ++t) kt[static_cast<size_t>(t) * bc + c] = k ? k[t] : 0.0f;
  }
}

void ScoreRow(const Problem& p, const Inputs& in, int row, const float* kt, int col0, int cols, float scale,
              Format format, float* s) {
  AllDotColumns(&in.q[static_cast<size_t>(row) * p.d], kt, p.d, p.bc, s);
  for (int c = 0; c < p.bc; ++c) {
    const int col = col0 + c;
    const bool masked = c >= cols || (p.causal && col > row);
    s[c] = masked ? kNegInf : ScoreOf(s[c], scale, format);
  }
}

bool RunProgress::StepDone() {
  if (stopped_) return false;
  if (!run_.progress) return true;
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
  if (!stopped_ && !run_.progress(static_cast<double>(done_) / std::max(1, total_))) stopped_ = true;
  return !stopped_;
}

void RunProgress::ThrowIfStopped() const {
  if (stopped_) throw RunCancelled("the run was cancelled");
}

void PutRow(float* rec, const TraceLayout& layout, TraceField f, int r, const float* values, int count) {
  std::memcpy(rec + layout.offset[f] + static_cast<size_t>(r) * count, values, count * sizeof(float));
}

float WarpOrderSum(const float* values, int count) { return WarpReduce(values, count, 0.0f, SumOf); }
float WarpOrderMax(const float* values, int count) { return WarpReduce(values, count, kNegInf, MaxOf); }

FS_FMA_CLONES void ExpRowF32(const float* x, int count, float* out) {
  for (int c = 0; c < count; ++c) out[c] = ExpFSelected(x[c]);
}

int OnlyQBlock(const Problem& p, const RunOptions& run) {
  if (run.window < 0 || !run.outputs_from) return -1;
  const Trace& from = *run.outputs_from;
  if (from.problem != p || from.o.size() != static_cast<size_t>(p.n) * p.d || from.lse.size() != static_cast<size_t>(p.n))
    throw std::invalid_argument("internal: the outputs to reuse are of " + Describe(from.problem) + ", not of " +
                                Describe(p));
  return run.window;
}

Trace EmulateTraced(const Problem& p, const Inputs& in, const RunOptions& run) {
  CheckInputsFit(p, in);
  const auto t0 = std::chrono::steady_clock::now();
  Trace t = Trace::Allocate(p, run.window);
  Output out;
  if (OnlyQBlock(p, run) >= 0) {  // the other Q blocks' rows as that run left them
    out.o = run.outputs_from->o;
    out.lse = run.outputs_from->lse;
  } else {
    out.o.assign(static_cast<size_t>(p.n) * p.d, NAN);
    out.lse.assign(p.n, NAN);
  }
  if (p.order == LoopOrder::kFa1)
    EmulateFa1(p, in, &t, &out, run);
  else
    Run<true>(p, in, &t, &out, run);
  CheckOutputsFinite(p, in, out.o, out.lse);
  t.o = std::move(out.o);
  t.lse = std::move(out.lse);
  t.backend = "CPU emulation";
  t.kernel_ms = MsSince(t0);
  return t;
}

Output Emulate(const Problem& p, const Inputs& in, const RunOptions& run) {
  CheckInputsFit(p, in);
  const auto t0 = std::chrono::steady_clock::now();
  Output out;
  out.o.assign(static_cast<size_t>(p.n) * p.d, NAN);
  out.lse.assign(p.n, NAN);
  if (p.order == LoopOrder::kFa1)
    EmulateFa1(p, in, nullptr, &out, run);
  else
    Run<false>(p, in, nullptr, &out, run);
  CheckOutputsFinite(p, in, out.o, out.lse);
  out.ms = MsSince(t0);
  return out;
}

}  // namespace fs
