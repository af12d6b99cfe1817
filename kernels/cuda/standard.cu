// standard: S = scale Q K^T (cuBLAS), P = softmax(S) in place (softmax_rows below), O = P V
// (cuBLAS). See standard.cuh.
//
// Techniques, and what each is for
//   cuBLAS strided-batched GEMMs: what a framework calls; both matrix products run at the
//     library's speed, so what standard attention loses is the HBM round trip of S and P,
//     not slow matrix code.
//   One thread block per row for the softmax: three passes over the row (max, sum, write),
//     the later two mostly from L2; masked keys (causal) are written as exact zeros so the
//     second GEMM can run over the whole row.
// Speed: measured by `flashscope bench --kernels standard`, not claimed here.
#include "cuda/standard.cuh"

#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <string>

#include "backend.h"
#include "cuda/fa2_teach.cuh"  // FS_CUDA_CHECK

namespace fs {
namespace {

constexpr int kSoftmaxThreads = 256;

void CheckCublas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw BackendError(std::string("cuBLAS error in ") + what + ": " + cublasGetStatusName(status) +
                       " (" + cublasGetStatusString(status) + ")");
}

// One handle per host thread (the bench and the app's worker thread may both run).
cublasHandle_t Handle() {
  struct Owner {
    cublasHandle_t h = nullptr;
    ~Owner() {
      if (h) cublasDestroy(h);
    }
  };
  thread_local Owner owner;
  if (!owner.h) CheckCublas(cublasCreate(&owner.h), "cublasCreate");
  return owner.h;
}

cudaDataType_t CudaType(Format f) {
  return f == Format::kBf16 ? CUDA_R_16BF : f == Format::kFp16 ? CUDA_R_16F : CUDA_R_32F;
}

template <typename T>
__device__ __forceinline__ float Load(const T& x) {
  return static_cast<float>(x);
}
template <typename T>
__device__ __forceinline__ T Store(float x) {
  return static_cast<T>(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 Store<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}
template <>
__device__ __forceinline__ __half Store<__half>(float x) {
  return __float2half_rn(x);
}

// The block's max (or sum) of one value per thread, returned to every thread.
template <bool kMax>
__device__ float BlockReduce(float x, float* scratch) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const float other = __shfl_xor_sync(0xffffffffu, x, offset);
    x = kMax ? fmaxf(x, other) : x + other;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) scratch[warp] = x;
  __syncthreads();
  x = lane < kSoftmaxThreads / 32 ? scratch[lane] : (kMax ? -INFINITY : 0.0f);
  for (int offset = 16; offset > 0; offset /= 2) {
    const float other = __shfl_xor_sync(0xffffffffu, x, offset);
    x = kMax ? fmaxf(x, other) : x + other;
  }
  __syncthreads();  // scratch is reused by the next reduction
  return x;
}

// Row blockIdx.x of head blockIdx.y: P = softmax(S) in place, L = max + log(sum).
template <typename T>
__global__ void __launch_bounds__(kSoftmaxThreads) softmax_rows(T* s, float* lse, int n, bool causal) {
  __shared__ float scratch[kSoftmaxThreads / 32];
  const int row = blockIdx.x;
  T* x = s + (static_cast<int64_t>(blockIdx.y) * n + row) * n;
  const int cols = causal ? row + 1 : n;
  float mx = -INFINITY;
  for (int c = threadIdx.x; c < cols; c += kSoftmaxThreads) mx = fmaxf(mx, Load(x[c]));
  mx = BlockReduce<true>(mx, scratch);
  float sum = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kSoftmaxThreads) sum += expf(Load(x[c]) - mx);
  sum = BlockReduce<false>(sum, scratch);
  const float inv = 1.0f / sum;
  for (int c = threadIdx.x; c < n; c += kSoftmaxThreads)
    x[c] = Store<T>(c < cols ? expf(Load(x[c]) - mx) * inv : 0.0f);
  if (threadIdx.x == 0) lse[static_cast<int64_t>(blockIdx.y) * n + row] = mx + logf(sum);
}

}  // namespace

size_t StandardWorkspaceElements(int batch_heads, int n) {
  return static_cast<size_t>(batch_heads) * static_cast<size_t>(n) * static_cast<size_t>(n);
}

void LaunchStandard(const StandardArgs& a, cudaStream_t stream) {
  cublasHandle_t h = Handle();
  CheckCublas(cublasSetStream(h, stream), "cublasSetStream");
  const cudaDataType_t type = CudaType(a.dtype);
  const long long nd = static_cast<long long>(a.n) * a.d;
  const long long nn = static_cast<long long>(a.n) * a.n;
  const float zero = 0.0f, one = 1.0f;
  // Row-major S (N, N) is column-major S^T = K Q^T: A = K as (d, N) transposed, B = Q (d, N).
  CheckCublas(cublasGemmStridedBatchedEx(h, CUBLAS_OP_T, CUBLAS_OP_N, a.n, a.n, a.d, &a.scale, a.k, type, a.d,
                                         nd, a.q, type, a.d, nd, &zero, a.s, type, a.n, nn, a.batch_heads,
                                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "S = scale Q K^T");
  const dim3 grid(a.n, a.batch_heads);
  switch (a.dtype) {
    case Format::kBf16:
      softmax_rows<<<grid, kSoftmaxThreads, 0, stream>>>(static_cast<__nv_bfloat16*>(a.s), a.lse, a.n, a.causal);
      break;
    case Format::kFp16:
      softmax_rows<<<grid, kSoftmaxThreads, 0, stream>>>(static_cast<__half*>(a.s), a.lse, a.n, a.causal);
      break;
    case Format::kFp32:
      softmax_rows<<<grid, kSoftmaxThreads, 0, stream>>>(static_cast<float*>(a.s), a.lse, a.n, a.causal);
      break;
  }
  FS_CUDA_CHECK(cudaGetLastError());
  // Row-major O (N, d) is column-major O^T = V^T P^T: A = V as (d, N), B = P^T as (N, N).
  CheckCublas(cublasGemmStridedBatchedEx(h, CUBLAS_OP_N, CUBLAS_OP_N, a.d, a.n, a.n, &one, a.v, type, a.d, nd,
                                         a.s, type, a.n, nn, &zero, a.o, type, a.d, nd, a.batch_heads,
                                         CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "O = P V");
}

void LaunchCeilingGemm(const void* a, const void* b, void* c, int n, Format dtype, cudaStream_t stream) {
  cublasHandle_t h = Handle();
  CheckCublas(cublasSetStream(h, stream), "cublasSetStream");
  const float zero = 0.0f, one = 1.0f;
  const cudaDataType_t type = CudaType(dtype);
  CheckCublas(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, type, n, b, type, n, &zero, c, type, n,
                           CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
              "the ceiling GEMM");
}

}  // namespace fs
