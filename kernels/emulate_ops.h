// The arithmetic that the CPU twins of the kernels share (emulate.cpp for fa2_teach,
// emulate_fa1.cpp for fa1), each operation fused and ordered as on the GPU. Defined in
// emulate.cpp.
#pragma once

#include "emulate.h"

namespace fs {

// q . k as one fmaf chain from 0 over t = 0..d-1 (the GPU's FFMA, one per feature).
float Dot(const float* a, const float* b, int d);
// y[t] = fmaf(alpha, x[t], y[t]) for t = 0..d-1.
void Axpy(float alpha, const float* x, float* y, int d);
// The warp's max of values[c] for c < count: lane partials, then the xor butterfly (the sum
// is WarpOrderSum in emulate.h).
float WarpOrderMax(const float* values, int count);

// S of one query row against the Bc keys of the tile at col0 (cols of them below N): the score
// ScoreOf(q . k, scale) in `format`, -inf for keys past N and, when causal, after the query.
void ScoreRow(const Problem& p, const Inputs& in, int row, int col0, int cols, float scale, Format format, float* s);

// Copies `count` values to row r of field f in the step record at `rec`.
void PutRow(float* rec, const TraceLayout& layout, TraceField f, int r, const float* values, int count);

// FlashAttention-1's loop (emulate_fa1.cpp) on the raw inputs of p: every step recorded into
// `trace` when it is not null, the final O and L into `out` (N x d and N floats).
void EmulateFa1(const Problem& p, const Inputs& raw, Trace* trace, Output* out);

}  // namespace fs
