// fa2_teach's launch arguments for `batch_heads` heads of shape `head`, laid out (B*H, N, d)
// in device buffers: what the CUDA backend and the bench both launch with.
#pragma once

#include "cuda/fa2_teach.cuh"
#include "problem.h"

namespace fs {

inline Fa2TeachArgs Fa2TeachArgsFor(const Problem& head, int batch_heads, const float* q, const float* k,
                                    const float* v, float* o, float* lse) {
  Fa2TeachArgs a;
  a.q = q;
  a.k = k;
  a.v = v;
  a.o = o;
  a.lse = lse;
  a.batch_heads = batch_heads;
  a.n = head.n;
  a.d = head.d;
  a.br = head.br;
  a.bc = head.bc;
  a.causal = head.causal;
  a.scale = head.EffectiveScale();
  a.numerics = head.Numerics();
  return a;
}

}  // namespace fs
