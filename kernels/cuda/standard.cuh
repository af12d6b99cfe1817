// Standard attention, the bottom rung of the ladder: what a framework does without a fused
// kernel. S = scale Q K^T through cuBLAS into HBM, a softmax kernel that reads S and writes P
// in place, O = P V through cuBLAS. S takes B H N^2 elements of device memory and is written
// once and read twice (softmax, then P V): at long N that traffic and that memory are the
// whole story (kernels/ladder.h's KernelDeviceBytes).
// Host declarations only: plain C++ may include this file.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "precision.h"

namespace fs {

struct StandardArgs {
  const void* q = nullptr;  // (B*H, N, d) stored in dtype
  const void* k = nullptr;
  const void* v = nullptr;
  void* o = nullptr;        // (B*H, N, d) in dtype
  float* lse = nullptr;     // (B*H, N)
  void* s = nullptr;        // workspace: (B*H, N, N) in dtype, S and then P
  int batch_heads = 1;
  int n = 0, d = 0;
  bool causal = false;      // the GEMM computes all of S; the softmax masks keys after the query
  float scale = 0.0f;
  Format dtype = Format::kFp32;  // FP32: SGEMM without TF32; BF16/FP16: FP32 accumulation
};

// Elements of the S/P workspace.
size_t StandardWorkspaceElements(int batch_heads, int n);

// Runs the three steps on `stream` with a cuBLAS handle owned by this module (one per
// thread). Throws BackendError on a cuBLAS or CUDA error.
void LaunchStandard(const StandardArgs& a, cudaStream_t stream);

// C (n, n) = A (n, n) B (n, n) through cuBLAS, for the bench's ceiling: BF16 with FP32
// accumulation, or FP32 (no TF32). The matrices are device buffers of n*n elements.
void LaunchCeilingGemm(const void* a, const void* b, void* c, int n, Format dtype, cudaStream_t stream);

}  // namespace fs
