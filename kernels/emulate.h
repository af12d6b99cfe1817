// CPU emulation of the fa2_teach CUDA kernel (kernels/cuda/fa2_teach.cu): the same
// FlashAttention-2 forward loop, the same operations in the same order, so that its trace
// matches the GPU's bit for bit. A problem with order fa1 runs FlashAttention-1's loop instead,
// the twin of kernels/cuda/fa1.cu (emulate_fa1.cpp, whose top says what it computes).
//
// Per query row, for each K/V block j (loop order of PlanSteps), with R_x rounding to the
// format of stage x (precision.h; every R is a no-op for FP32):
//   S      = R_s(R_s(q . k_c) * scale)    q . k_c: fmaf over t = 0..d-1 on R_in(Q), R_in(K)
//   r_m    = rowmax(S), r_s = #{S >= r_m - eps}, m' = ShiftOf(r_m, r_s)  (= r_m if standard)
//   m_new  = max(m_old, m')
//   rescale= R_st(ExpF(R_st(m_old - m_new)))   (0 at the first block, where m_old = -inf)
//   e_c    = R_s(ExpF(R_s(S_c - m_new))),  P-bar_c = R_p(e_c)
//   l      = UpdateL(rescale, l, R_st(rowsum(e)))     fmaf for FP32 stats
//   O~     = O~ * rescale, then fmaf(P-bar_c, v_c, O~) for c = 0..cols-1     (FP32 block, acc)
//        or O-bar = fmaf chain from 0, O~ = R_acc(R_acc(rescale O~) + R_blk(O-bar))  (others)
// and after the last block O = R_out(O~ / l), L = R_st(m + R_st(LogF(l))).
// rowsum and rowmax follow the warp's order: lane-local partials over c = lane, lane + 32, ...
// then an xor butterfly over offsets 16, 8, 4, 2, 1.
//
// Q blocks are independent, as the GPU's thread blocks are: a run spreads them over threads
// (parallel.h), each writing its steps to their places in the trace, so the result is the same
// bit for bit with any number of threads. Within a row, independent columns (the dot products
// of S, the features of P V) are computed side by side, each in its own order.
#pragma once

#include <functional>
#include <stdexcept>
#include <vector>

#include "inputs.h"
#include "problem.h"
#include "trace.h"

namespace fs {

struct Output {
  std::vector<float> o;    // (N, d)
  std::vector<float> lse;  // (N)
  double ms = 0.0;         // wall time of the run
};

// How a run is carried out, and what a traced run records; its results do not depend on it.
struct RunOptions {
  int threads = 0;  // 0: DefaultThreads() (parallel.h); 1: everything on the caller's thread
  // A traced run records every step (-1) or only those of this Q block (Trace::window); O and
  // L are whole either way.
  int window = -1;
  // Called after every step with the fraction of the loop's steps done (0 to 1], from one
  // thread at a time; returning false stops the run, which then throws RunCancelled.
  std::function<bool(double)> progress;
  // With a window: O and L of the other Q blocks from this trace, one of the same problem and
  // inputs run before (a windowed trace shown for another Q block), so that only the window's
  // Q block runs; the trace is the same bit for bit. A backend that cannot run one Q block
  // (the GPU's, for which the whole problem is quick) ignores it.
  const Trace* outputs_from = nullptr;
};

// A run stopped by its progress callback; nothing of it is kept.
struct RunCancelled : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Every step recorded, or run.window's; TraceBudgetError when that would exceed
// kTraceBudgetBytes.
Trace EmulateTraced(const Problem& p, const Inputs& in, const RunOptions& run = {});
// Same arithmetic, nothing recorded.
Output Emulate(const Problem& p, const Inputs& in, const RunOptions& run = {});

// The warp's reduction order, exposed for tests: sum of values[c] for c < count.
float WarpOrderSum(const float* values, int count);

}  // namespace fs
