// Launchers for fa2_mma (fa2_mma.cu): FlashAttention-2's forward pass on tensor cores, BF16 or
// FP16 in and out, FP32 accumulation. Host declarations only: plain C++ may include this file.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "ladder.h"  // MmaTile, the sweep
#include "precision.h"

namespace fs {

// The tile fa2_mma runs unless asked for another.
MmaTile Fa2MmaDefaultTile(int d, const NumericPolicy& np);


// The numerics fa2_mma implements, from a NumericPolicy (precision.h).
enum class MmaNumerics {
  kFa2Bf16,    // preset fa2-bf16: S, P V, O~, m, l in FP32; P-bar cast to BF16; O to BF16 once
  kFa2Fp16,    // preset fa2-fp16: the same with FP16
  kPaperBf16,  // preset paper-bf16: every operation rounds to BF16 (precision.h's rules)
};

struct Fa2MmaArgs {
  const void* q = nullptr;  // (B*H, N, d) in the input format (BF16 or FP16 bits)
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;        // (B*H, N, d) in the output format (the same as the inputs')
  float* lse = nullptr;     // (B*H, N) L = m + log l in FP32 (BF16-valued for paper-bf16)
  int batch_heads = 1;      // 1..65535
  int n = 0;                // 1 or more
  int d = 0;                // one of kAllowedD
  bool causal = false;
  float scale = 0.0f;       // softmax scale, > 0 (Problem::EffectiveScale())
  NumericPolicy numerics;   // one of the presets above and either softmax variant
  MmaTile tile;             // {}: Fa2MmaDefaultTile(d, numerics)
};

// Empty when fa2_mma implements the policy, otherwise why not (naming what is allowed).
std::string Fa2MmaPolicyError(const NumericPolicy& np);
// The numerics of a policy that Fa2MmaPolicyError accepts.
MmaNumerics Fa2MmaNumericsOf(const NumericPolicy& np);
// The storage format of Q, K, V and O for those numerics (BF16 or FP16).
Format Fa2MmaDtype(MmaNumerics m);

// Empty when the arguments can run (tile built for this d and these numerics, shapes in
// range), otherwise the reason, naming what is allowed.
std::string Fa2MmaArgsError(const Fa2MmaArgs& a);

// Whether a kernel is built for (d, tile) with the numerics of np (a policy
// Fa2MmaPolicyError accepts).
bool Fa2MmaHasTile(int d, MmaTile t, const NumericPolicy& np);

// Shared memory of one thread block: the Q tile and two stages of K and V tiles.
size_t Fa2MmaSmemBytes(MmaTile t, int d);

// Launch on `stream`. Throws BackendError for arguments that Fa2MmaArgsError refuses, tiles
// beyond this device's shared memory and launch errors.
void LaunchFa2Mma(const Fa2MmaArgs& a, cudaStream_t stream);

// Registers per thread of the kernel the arguments select (from the CUDA runtime), for the
// occupancy and the sweep's labels.
int Fa2MmaRegisters(const Fa2MmaArgs& a);

}  // namespace fs
