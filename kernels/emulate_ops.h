// The arithmetic that the CPU twins of the kernels share (emulate.cpp for fa2_teach,
// emulate_fa1.cpp for fa1), each operation fused and ordered as on the GPU, and how their
// runs are spread over threads. Defined in emulate.cpp.
#pragma once

#include <atomic>
#include <mutex>

#include "emulate.h"
#include "parallel.h"
#include "trace.h"

namespace fs {

// K block transposed for ScoreRow: kt[t * Bc + c] = K[col0 + c][t] for c < cols, 0 for the
// columns past them (d x Bc).
void TransposeKeys(const Problem& p, const Inputs& in, int col0, int cols, float* kt);

// S of one query row against the Bc keys of the tile at col0 (cols of them below N), from the
// tile's transposed keys kt: each q . k_c one fmaf chain from 0 over t = 0..d-1 (the GPU's FFMA,
// one per feature), the columns side by side; then the score ScoreOf(q . k, scale) in
// `format`, -inf for keys past N and, when causal, after the query.
void ScoreRow(const Problem& p, const Inputs& in, int row, const float* kt, int col0, int cols, float scale,
              Format format, float* s);

// o[t] = fmaf(pbar[c], v[c][t], o[t]) for c = 0..cols-1 in that order, for every t < d: the
// P V product of one row added into o (v: cols rows of d floats). The features side by side.
void PvRow(const float* pbar, const float* v, int cols, int d, float* o);

// out[c] = ExpF(x[c]) for c < count (x and out may be the same array), bit for bit, the columns
// side by side.
void ExpRowF32(const float* x, int count, float* out);

// The warp's max of values[c] for c < count: lane partials, then the xor butterfly (the sum
// is WarpOrderSum in emulate.h).
float WarpOrderMax(const float* values, int count);

// Copies `count` values to row r of field f in the step record at `rec`.
void PutRow(float* rec, const TraceLayout& layout, TraceField f, int r, const float* values, int count);

// The steps done over every thread of a run, reported to RunOptions::progress, which may stop
// the run.
class RunProgress {
 public:
  RunProgress(const RunOptions& run, int total_steps) : run_(run), total_(total_steps) {}
  // After a step: whether the run goes on.
  bool StepDone();
  bool Stopped() const { return stopped_; }
  // RunCancelled when the callback stopped the run.
  void ThrowIfStopped() const;

 private:
  const RunOptions& run_;
  const int total_;
  std::mutex mu_;
  int done_ = 0;                     // guarded by mu_
  std::atomic<bool> stopped_{false};
};

// The one Q block a run computes when RunOptions::outputs_from gives the others' O and L
// (checked to be of p), or -1: every Q block runs.
int OnlyQBlock(const Problem& p, const RunOptions& run);

// Runs body(i, progress) for every Q block i, spread over threads, or for OnlyQBlock's one;
// progress counts the steps of the blocks that run. RunCancelled when the callback stopped it.
template <typename Body>
void ForEachQBlock(const Problem& p, const RunOptions& run, Body body) {
  const int only = OnlyQBlock(p, run);
  RunProgress progress(run, static_cast<int>(StepsHeld(p, only)));
  if (only >= 0)
    body(only, progress);
  else
    ParallelFor(p.QBlocks(), run.threads, [&](int i) { body(i, progress); });
  progress.ThrowIfStopped();
}

// FlashAttention-1's loop (emulate_fa1.cpp) on the raw inputs of p: every step recorded into
// `trace` when it is not null, the final O and L into `out` (N x d and N floats).
void EmulateFa1(const Problem& p, const Inputs& raw, Trace* trace, Output* out, const RunOptions& run);

}  // namespace fs
