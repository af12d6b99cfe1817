// Launchers for the fa1 kernel (fa1.cu): FlashAttention-1's loop order, K/V blocks outer and Q
// blocks inner, with O, l and m in global memory between the steps. Host declarations only:
// plain C++ may include this file.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include "cuda/fa2_teach.cuh"  // Fa2TeachArgs, Fa2TraceArgs, FS_CUDA_CHECK

namespace fs {

// The running sum l and running max m that FA1 keeps in HBM between its steps, (B*H, N) each,
// in device memory. The kernel initializes them (l = 0, m = -inf, and O = 0) before its loops;
// after the run they hold each row's final l and m.
struct Fa1Workspace {
  float* l = nullptr;
  float* m = nullptr;
};

// Throws BackendError naming the bytes needed and the bytes allowed when the tiles of
// (br, bc, d) do not fit in limit_bytes of shared memory per block.
void CheckFa1Smem(int br, int bc, int d, size_t limit_bytes);

// Launch on `stream` (nothing waits for it): one thread block per head (a.batch_heads of them).
// `a` takes the same arguments as fa2_teach, with the FP32 policy and the standard softmax
// (anything else is refused); a traced run's trace.step_offsets are StepOffsets(p) of the FA1
// problem (one entry per K/V block). Throws BackendError for arguments outside the kernel's
// range, for tiles that do not fit this device's shared memory, and for launch errors.
void LaunchFa1(const Fa2TeachArgs& a, const Fa1Workspace& w, cudaStream_t stream);
// fa1<d, false> at (br, bc, d) on the current device, as Fa2TeachOccupancy (fa2_teach.cuh).
TeachOccupancy Fa1Occupancy(int br, int bc, int d);
void LaunchFa1Traced(const Fa2TeachArgs& a, const Fa1Workspace& w, const Fa2TraceArgs& trace,
                     cudaStream_t stream);

}  // namespace fs
