// CPU emulation of the fa1 CUDA kernel (kernels/cuda/fa1.cu): FlashAttention-1's forward loop
// (Dao et al. 2022, Algorithm 1) with the kernel's operations in the kernel's order, so that its
// trace matches the GPU's bit for bit. FP32 with the standard softmax: ProblemErrors() refuses
// every other policy for order fa1.
//
// O, l and m live in "HBM" (out->o and two arrays of N) between steps: first set to 0, 0 and
// -inf, then for each K/V block j (outer) and each Q block i that visits it (inner, from
// FirstQBlock(j)), per query row, with m_old, l_old and O_old read back from them:
//   S_c       = ScoreOf(q . k_c, scale), -inf where masked     q . k_c: fmaf over t = 0..d-1
//   r_m       = rowmax(S)                  (m-tilde; -inf when the mask hides the whole block row)
//   P~_c      = exp(S_c - r_m)             (0 in a row with nothing visible in this block)
//   l_blk     = rowsum(P~)
//   m_new     = max(m_old, r_m)
//   rescale   = exp(m_old - m_new)         (0 at j = 0, where m_old = -inf)
//   scale_blk = exp(r_m - m_new)           (0 when r_m = -inf)
//   l_new     = Fa1RowSum(rescale, l_old, scale_blk, l_blk)          one fmaf
//   pv_t      = fmaf chain over c = 0..cols-1 of P~_c V[c][t], from 0   (O-bar)
//   O_t       = Fa1Output(l_old, rescale, O_old_t, scale_blk, pv_t, l_new)   fmaf, then / l_new
// and O, l_new, m_new are written back; after the Q block's last K/V block, L = m + log l.
// rowmax and rowsum follow the warp's order (lane partials, then the xor butterfly).
//
// A row's steps depend only on that row's O, l and m, so the Q blocks run on threads of their
// own, each visiting its K/V blocks in the outer loop's order and writing each step to its
// place in FA1's order: the same bits as the loop run as written.
#include <algorithm>
#include <cmath>
#include <vector>

#include "emulate_ops.h"
#include "fmath.h"
#include "parallel.h"
#include "precision.h"

namespace fs {
namespace {

// Everything the Q blocks of one FA1 run share: the problem, its inputs, the "HBM" state of
// O (out->o), l and m, of which each Q block reads and writes only its own rows.
struct Fa1Run {
  const Problem& p;
  const Inputs& in;
  float scale;
  std::vector<float>& l_hbm;
  std::vector<float>& m_hbm;
  Trace* trace;
  Output* out;
};

// The steps of Q block i, in FA1's loop order: each K/V block j that visits it (outer), its
// step at first_step[j] + i - FirstQBlock(j).
template <bool kTrace>
void RunFa1QBlock(const Fa1Run& run, int i, const std::vector<int>& first_step, RunProgress& progress) {
  constexpr Format kF = Format::kFp32;
  const Problem& p = run.p;
  const Inputs& in = run.in;
  const NumericPolicy np = p.Numerics();
  const int d = p.d, bc = p.bc;
  std::vector<float> kt(static_cast<size_t>(d) * bc), s(bc), pt(bc), pv(d);
  const int row0 = i * p.br, nrows = std::min(p.br, p.n - row0);
  for (int j = 0; j < p.KvBlocks(); ++j) {
    if (i < FirstQBlock(p, j)) continue;  // above the diagonal: this K/V block skips Q block i
    if (progress.Stopped()) return;
    const int col0 = j * bc, cols = std::min(bc, p.n - col0);
    const bool last_for_q_block = j == LastKvBlock(p, i);
    const int step = first_step[j] + i - FirstQBlock(p, j);
    TransposeKeys(p, in, col0, cols, kt.data());
    float* rec = kTrace ? run.trace->Step(step) : nullptr;  // null: a step outside the window
    for (int r = 0; r < nrows; ++r) {
      const int row = row0 + r;
      ScoreRow(p, in, row, kt.data(), col0, cols, run.scale, kF, s.data());
      const float r_m = WarpOrderMax(s.data(), bc);
      int r_s = 0;
      for (int c = 0; c < bc; ++c) r_s += NearMax(s[c], r_m, np.eps);
      const bool blk_empty = r_m == kNegInf;  // the causal mask hides every key of this block
      for (int c = 0; c < bc; ++c) pt[c] = blk_empty ? 0.0f : ExpShifted(s[c], r_m, kF);
      const float l_blk = WarpOrderSum(pt.data(), bc);

      const float m_old = run.m_hbm[row], l_old = run.l_hbm[row];
      const float m_new = MaxOf(m_old, r_m);
      const bool empty = m_new == kNegInf;  // nothing visible yet (never for a row below N)
      const float rescale = empty ? 1.0f : ExpShifted(m_old, m_new, kF);
      const float scale_blk = blk_empty ? 0.0f : ExpShifted(r_m, m_new, kF);
      const float l_new = Fa1RowSum(rescale, l_old, scale_blk, l_blk);

      std::fill(pv.begin(), pv.end(), 0.0f);
      PvRow(pt.data(), &in.v[static_cast<size_t>(col0) * d], cols, d, pv.data());
      float* o = &run.out->o[static_cast<size_t>(row) * d];
      for (int t = 0; t < d; ++t) o[t] = Fa1Output(l_old, rescale, o[t], scale_blk, pv[t], l_new);
      run.m_hbm[row] = m_new;
      run.l_hbm[row] = l_new;
      if (last_for_q_block) run.out->lse[row] = FinalL(m_new, l_new, kF);

      if (kTrace && rec) {  // S, P-tilde, O, O-bar, the row values; the standard softmax's shift m' = r_m
        const TraceLayout& L = run.trace->layout;
        PutRow(rec, L, kS, r, s.data(), bc);
        PutRow(rec, L, kP, r, pt.data(), bc);
        PutRow(rec, L, kOAcc, r, o, d);
        PutRow(rec, L, kOBlk, r, pv.data(), d);
        PutRowStats(rec, L.offset, r, {m_old, m_new, rescale, l_new, r_m, static_cast<float>(r_s), r_m});
        PutFa1RowStats(rec, L.offset, r, l_old, l_blk, scale_blk);
      }
    }
    if (!progress.StepDone()) return;
  }
}

template <bool kTrace>
void RunFa1(const Problem& p, const Inputs& in, Trace* trace, Output* out, const RunOptions& opt) {
  // "HBM": O in out->o, and l and m, initialized as Algorithm 1 does before its loops (only
  // the rows of the one Q block that runs, when the others' are reused: OnlyQBlock).
  const int only = OnlyQBlock(p, opt);
  const size_t row0 = only >= 0 ? static_cast<size_t>(only) * p.br : 0;
  const size_t rows = only >= 0 ? static_cast<size_t>(std::min(p.br, p.n - only * p.br)) : static_cast<size_t>(p.n);
  std::fill(out->o.begin() + row0 * p.d, out->o.begin() + (row0 + rows) * p.d, 0.0f);
  std::vector<float> l_hbm(p.n, 0.0f), m_hbm(p.n, kNegInf);
  const Fa1Run run{p, in, p.EffectiveScale(), l_hbm, m_hbm, trace, out};
  // The Q blocks' rows never meet: each runs its steps on its own, as FA1's one thread block
  // per head does them one after another.
  const std::vector<int> first_step = StepOffsets(p);
  ForEachQBlock(p, opt, [&](int i, RunProgress& progress) { RunFa1QBlock<kTrace>(run, i, first_step, progress); });
}

}  // namespace

void EmulateFa1(const Problem& p, const Inputs& raw, Trace* trace, Output* out, const RunOptions& run) {
  const Inputs in = RoundedInputs(p, raw);  // FP32 inputs: the values as given
  if (trace)
    RunFa1<true>(p, in, trace, out, run);
  else
    RunFa1<false>(p, in, nullptr, out, run);
}

}  // namespace fs
