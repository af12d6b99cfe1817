// CheckRoundingOnGpu (gpu_checks.h): precision.h's rounding against CUDA's conversions.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "cuda/fa2_teach.cuh"  // FS_CUDA_CHECK
#include "gpu_checks.h"

namespace fs {
namespace {

__device__ float CudaRound(float x, Format f) {
  if (f == Format::kBf16) return __bfloat162float(__float2bfloat16_rn(x));
  if (f == Format::kFp16) return __half2float(__float2half_rn(x));
  return x;
}

// Grid-stride over all 2^32 patterns; counts mismatches and keeps the smallest bad pattern.
__global__ void compare_rounding(Format f, unsigned long long* mismatches, unsigned* first) {
  const uint64_t stride = static_cast<uint64_t>(gridDim.x) * blockDim.x;
  unsigned long long mine = 0;
  for (uint64_t i = static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (uint64_t{1} << 32);
       i += stride) {
    const float x = __uint_as_float(static_cast<unsigned>(i));
    const float ours = Round(x, f), theirs = CudaRound(x, f);
    const bool same = __float_as_uint(ours) == __float_as_uint(theirs) || (ours != ours && theirs != theirs);
    if (!same) {
      ++mine;
      atomicMin(first, static_cast<unsigned>(i));
    }
  }
  if (mine) atomicAdd(mismatches, mine);
}

}  // namespace

RoundingCheck CheckRoundingOnGpu(Format f) {
  unsigned long long* d_mismatches = nullptr;
  unsigned* d_first = nullptr;
  FS_CUDA_CHECK(cudaMalloc(&d_mismatches, sizeof *d_mismatches));
  FS_CUDA_CHECK(cudaMalloc(&d_first, sizeof *d_first));
  FS_CUDA_CHECK(cudaMemset(d_mismatches, 0, sizeof *d_mismatches));
  FS_CUDA_CHECK(cudaMemset(d_first, 0xFF, sizeof *d_first));
  compare_rounding<<<1024, 256>>>(f, d_mismatches, d_first);
  RoundingCheck r;
  r.checked = uint64_t{1} << 32;
  unsigned long long mismatches = 0;
  unsigned first = 0;
  cudaError_t status = cudaGetLastError();
  if (status == cudaSuccess) status = cudaMemcpy(&mismatches, d_mismatches, sizeof mismatches, cudaMemcpyDeviceToHost);
  if (status == cudaSuccess) status = cudaMemcpy(&first, d_first, sizeof first, cudaMemcpyDeviceToHost);
  cudaFree(d_mismatches);
  cudaFree(d_first);
  FS_CUDA_CHECK(status);
  r.mismatches = mismatches;
  r.first_bits = first;
  return r;
}

}  // namespace fs
