// CPU emulation of the fa2_teach CUDA kernel (kernels/cuda/fa2_teach.cu): the same
// FlashAttention-2 forward loop, the same operations in the same order, so that its trace
// matches the GPU's bit for bit.
//
// Per query row, for each K/V block j (loop order of PlanSteps):
//   S      = scale * (q . k_c)           fmaf over t = 0..d-1, then one multiply
//   m_new  = max(m_old, rowmax(S))
//   rescale= ExpF(m_old - m_new)          (0 at the first block, where m_old = -inf)
//   P-bar  = ExpF(S - m_new)
//   l      = fmaf(rescale, l, rowsum(P-bar))
//   O~     = O~ * rescale, then fmaf(P-bar_c, v_c, O~) for c = 0..cols-1
// and after the last block O = O~ / l, L = m + LogF(l).
// rowsum and rowmax follow the warp's order: lane-local partials over c = lane, lane + 32, ...
// then an xor butterfly over offsets 16, 8, 4, 2, 1.
#pragma once

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

// Every step recorded; TraceBudgetError when the trace would exceed kTraceBudgetBytes.
Trace EmulateTraced(const Problem& p, const Inputs& in);
// Same arithmetic, nothing recorded.
Output Emulate(const Problem& p, const Inputs& in);

// The warp's reduction order, exposed for tests: sum of values[c] for c < count.
float WarpOrderSum(const float* values, int count);

}  // namespace fs
