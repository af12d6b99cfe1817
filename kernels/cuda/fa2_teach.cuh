// Launchers for the fa2_teach kernel (fa2_teach.cu), and the CUDA error check that every
// CUDA source of FlashScope uses. Host declarations only: plain C++ may include this file.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "backend.h"  // BackendError
#include "ladder.h"   // Fa2TeachSmemBytes, Fa1SmemBytes
#include "precision.h"
#include "trace.h"

namespace fs {

// Throws BackendError "CUDA error at FILE:LINE in EXPR: NAME (text)" unless status is
// cudaSuccess. Use it through FS_CUDA_CHECK so that file and line are the caller's.
void CheckCuda(cudaError_t status, const char* expr, const char* file, int line);
#define FS_CUDA_CHECK(expr) ::fs::CheckCuda((expr), #expr, __FILE__, __LINE__)

// One forward pass over B*H independent heads, all in device memory, 16-byte aligned
// (cudaMalloc's pointers are), contiguous in the (B, H, N, d) layout.
struct Fa2TeachArgs {
  const float* q = nullptr;  // (B*H, N, d)
  const float* k = nullptr;  // (B*H, N, d)
  const float* v = nullptr;  // (B*H, N, d)
  float* o = nullptr;        // (B*H, N, d)  output
  float* lse = nullptr;      // (B*H, N)     L = m + log(l)
  int batch_heads = 1;       // B*H, 1..kMaxGridY
  int n = 0;                 // sequence length
  int d = 0;                 // head dimension, one of kAllowedD
  int br = 64, bc = 64;      // Q and K/V block rows, each one of kAllowedBlock
  bool causal = false;
  float scale = 0.0f;        // softmax scale as used (Problem::EffectiveScale())
  NumericPolicy numerics;    // formats of every stage, softmax variant (precision.h)
};

// Where a traced run writes its step records: a device copy of Trace::data (trace.h's
// TraceLayout, in floats) and of StepOffsets(p). Traced runs have B*H = 1. The fa1 kernel
// (fa1.cuh) takes the same, with FA1's layout and offsets.
struct Fa2TraceArgs {
  float* data = nullptr;              // (steps, layout.step_floats), poisoned by the caller
  const int* step_offsets = nullptr;  // StepOffsets(p): (QBlocks + 1), for FA1 (KvBlocks + 1)
  TraceLayout layout;                 // TraceLayout::For(the problem)
  // -1: every step recorded at its index; otherwise only Q block `window`'s steps, step
  // (window, j) in slot j (Trace::window), and data holds just those.
  int window = -1;
};

constexpr int kMaxGridY = 65535;  // largest gridDim.y, so the largest B*H of one launch

// Throws BackendError naming the bytes needed and the bytes allowed when the tiles of
// (br, bc, d) do not fit in limit_bytes of shared memory per block.
void CheckFa2TeachSmem(int br, int bc, int d, size_t limit_bytes);

// Launch on `stream` (nothing waits for it). Throws BackendError for arguments outside the
// kernel's range, for tiles that do not fit this device's shared memory, and for launch
// errors.
void LaunchFa2Teach(const Fa2TeachArgs& a, cudaStream_t stream);

// What the CUDA runtime says of a teaching kernel's FP32 untraced build at (br, bc, d) on the
// current device: registers per thread (cudaFuncGetAttributes) and how many of its blocks fit
// on one SM (cudaOccupancyMaxActiveBlocksPerMultiprocessor, with its dynamic shared memory).
struct TeachOccupancy {
  int regs_per_thread = 0;
  int blocks_per_sm = 0;
};
TeachOccupancy Fa2TeachOccupancy(int br, int bc, int d);
void LaunchFa2TeachTraced(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, cudaStream_t stream);

// cudaSuccess when this build holds fa2_teach machine code (or PTX) that the current
// device can run; otherwise the error the runtime gives for it (no kernel image, ...).
cudaError_t Fa2TeachProbe();

}  // namespace fs
