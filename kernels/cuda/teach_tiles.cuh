// Device code shared by the teaching kernels (fa2_teach.cu and fa1.cu), and their common host
// checks: one thread block of Br/16 warps works on one Q tile at a time, warp w owning query
// rows [16w, 16w + 16) of it; lane owns key columns c = lane + 32 i of the S/P tile and output
// columns t = lane + 32 k of O. Every operation is the CPU twins' (emulate.cpp,
// emulate_fa1.cpp) in their order, so traces match bit for bit.
//
// Sections: constants, reductions, tile loads · S = scale Q K^T · P V · host checks
#pragma once

#include <string>
#include <type_traits>

#include "cuda/fa2_teach.cuh"
#include "fmath.h"
#include "precision.h"
#include "problem.h"

namespace fs {

// ---- constants, reductions, tile loads ------------------------------------------------------

constexpr int kMaxBlockRows = 128; // largest Br (kAllowedBlock)
constexpr int kMaxThreads = kMaxBlockRows / kRowsPerWarp * kWarpSize;  // 256: Br = 128
constexpr unsigned kFullMask = 0xffffffffu;  // every lane takes part in each shuffle

// Compile-time shape of one head dimension.
template <int kD>
struct TeachTile {
  // Output columns per lane: t = lane + 32 k for k < kOutPerLane (d = 16 leaves lanes 16..31
  // without a column).
  static constexpr int kOutPerLane = (kD + kWarpSize - 1) / kWarpSize;
  // K/V row stride in shared memory, padded by one float: lane c reads key c at the same t,
  // and with a stride of d + 1 those 32 addresses fall in 32 different banks.
  static constexpr int kKvStride = kD + 1;
};

// The emulation's two row reductions (precision.h's MaxOf and SumOf), as functors.
struct MaxOp {
  __device__ float operator()(float a, float b) const { return MaxOf(a, b); }
};
struct AddOp {
  __device__ float operator()(float a, float b) const { return SumOf(a, b); }
};

// Combines the warp's 32 lane partials with an xor butterfly over offsets 16, 8, 4, 2, 1
// (v = op(v, other)); then every lane takes lane 0's value, the one the emulation keeps.
// All 32 lanes must call it together.
template <typename Op>
__device__ __forceinline__ float WarpAllReduce(float v, Op op) {
#pragma unroll
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2)
    v = op(v, __shfl_xor_sync(kFullMask, v, offset));
  return __shfl_sync(kFullMask, v, 0);
}

// Copies rows [0, rows) of a tile from global memory (row stride d) into shared memory (row
// stride dst_stride) and zero-fills rows [rows, tile_rows), so no thread ever reads shared
// memory that nothing wrote. Consecutive threads take consecutive floats: coalesced reads.
// The values are rounded to `format` on the way (the inputs' format: Q, K, V as the kernel
// reads them).
template <int kD>
__device__ __forceinline__ void LoadTile(float* dst, int dst_stride, const float* __restrict__ src,
                                         int rows, int tile_rows, Format format) {
  for (int i = threadIdx.x; i < tile_rows * kD; i += blockDim.x) {
    const int r = i / kD, t = i % kD;
    dst[r * dst_stride + t] = r < rows ? Round(src[i], format) : 0.0f;
  }
}

// Index of the last K/V block that Q block q_block visits (LastKvBlock in trace.cpp).
__device__ __forceinline__ int LastKvBlockOf(const Fa2TeachArgs& a, int q_block) {
  const int last = (a.n + a.bc - 1) / a.bc - 1;
  if (!a.causal) return last;
  const int last_row = min(a.n, (q_block + 1) * a.br) - 1;
  return min(last, last_row / a.bc);
}

// ---- S = scale Q K^T -------------------------------------------------------------------------

// S = scale * Q K^T for the warp's 16 rows:
//   q_tile (Br, d), k_tile (Bc, d + 1) -> s_tile (Br, Bc), rows [wrow0, wrow0 + 16).
// Lane owns key columns c = lane, lane + 32, ...; the 16 dot products of one column run side
// by side, so each K value read from shared memory feeds 16 FMAs and each 16-byte read of Q
// (the same address in every lane: a broadcast) feeds 4. Each dot product is still one fmaf
// chain from 0 over t = 0..d-1 in order. Masked scores (key past N, or after the query when
// causal) are -inf and skip nothing else: the emulation writes every column of the tile.
template <int kD>
__device__ __forceinline__ void ComputeScores(const Fa2TeachArgs& a, Format scores, const float* q_tile,
                                              const float* k_tile, float* s_tile, int wrow0,
                                              int lane, int row0, int col0, int cols) {
  for (int c = lane; c < a.bc; c += kWarpSize) {
    float dot[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) dot[r] = 0.0f;
    if (c < cols) {  // keys past N were zero-filled; their scores are masked anyway
      const float* k_row = k_tile + c * TeachTile<kD>::kKvStride;  // (d)
#pragma unroll 4
      for (int t = 0; t < kD; t += 4) {
        const float k0 = k_row[t], k1 = k_row[t + 1], k2 = k_row[t + 2], k3 = k_row[t + 3];
#pragma unroll
        for (int r = 0; r < kRowsPerWarp; ++r) {
          const float4 q = *reinterpret_cast<const float4*>(q_tile + (wrow0 + r) * kD + t);
          dot[r] = fmaf(q.x, k0, dot[r]);
          dot[r] = fmaf(q.y, k1, dot[r]);
          dot[r] = fmaf(q.z, k2, dot[r]);
          dot[r] = fmaf(q.w, k3, dot[r]);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int row = row0 + wrow0 + r, col = col0 + c;
      const bool masked = c >= cols || (a.causal && col > row);
      s_tile[(wrow0 + r) * a.bc + c] = masked ? kNegInf : ScoreOf(dot[r], a.scale, scores);
    }
  }
}

// ---- P V ------------------------------------------------------------------------------------

// V[c][t] from the K/V tile (Bc, d + 1); lanes past d (only when d = 16) read nothing.
template <int kD>
__device__ __forceinline__ float LoadV(const float* v_tile, int c, int t) {
  return (kD % kWarpSize == 0 || t < kD) ? v_tile[c * TeachTile<kD>::kKvStride + t] : 0.0f;
}

// O~ += P V for the warp's 16 rows: p_tile (Br, Bc), v_tile (Bc, d + 1), o (16, d) in
// registers with lane owning t = lane + 32 k. For every (row, t) the fmaf chain runs over keys
// c = 0..cols-1 in order, as in the emulation. Keys go four at a time, so one 16-byte
// broadcast read brings P[r][c..c+3] and each V value read feeds 16 FMAs; the last cols % 4
// keys go one at a time.
template <int kD>
__device__ __forceinline__ void AccumulatePV(const float* p_tile, int bc, const float* v_tile,
                                             int cols, int wrow0, int lane,
                                             float (&o)[kRowsPerWarp][TeachTile<kD>::kOutPerLane]) {
  constexpr int kOut = TeachTile<kD>::kOutPerLane;
  constexpr int kKeysPerRead = 4;  // floats in one 16-byte read of P
  int c = 0;
  for (; c + kKeysPerRead <= cols; c += kKeysPerRead) {
    float v[kKeysPerRead][kOut];
#pragma unroll
    for (int e = 0; e < kKeysPerRead; ++e)
#pragma unroll
      for (int k = 0; k < kOut; ++k) v[e][k] = LoadV<kD>(v_tile, c + e, lane + k * kWarpSize);
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const float4 p = *reinterpret_cast<const float4*>(p_tile + (wrow0 + r) * bc + c);
#pragma unroll
      for (int k = 0; k < kOut; ++k) {
        o[r][k] = fmaf(p.x, v[0][k], o[r][k]);
        o[r][k] = fmaf(p.y, v[1][k], o[r][k]);
        o[r][k] = fmaf(p.z, v[2][k], o[r][k]);
        o[r][k] = fmaf(p.w, v[3][k], o[r][k]);
      }
    }
  }
  for (; c < cols; ++c) {
    float v[kOut];
#pragma unroll
    for (int k = 0; k < kOut; ++k) v[k] = LoadV<kD>(v_tile, c, lane + k * kWarpSize);
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const float p = p_tile[(wrow0 + r) * bc + c];
#pragma unroll
      for (int k = 0; k < kOut; ++k) o[r][k] = fmaf(p, v[k], o[r][k]);
    }
  }
}

// ---- host checks ----------------------------------------------------------------------------

// Throws BackendError "KERNEL cannot run this problem: ..." for arguments outside the kernels'
// range.
inline void CheckTeachArgs(const Fa2TeachArgs& a, const char* kernel) {
  std::string why;
  if (!a.q || !a.k || !a.v || !a.o || !a.lse)
    why = "a device pointer is null";
  else if (a.n < 1)
    why = "N is " + std::to_string(a.n) + "; allowed: N >= 1";
  else if (!IsAllowed(kAllowedD, a.d))
    why = "d is " + std::to_string(a.d) + "; allowed: " + AllowedList(kAllowedD);
  else if (!IsAllowed(kAllowedBlock, a.br) || !IsAllowed(kAllowedBlock, a.bc))
    why = "Br, Bc are " + std::to_string(a.br) + ", " + std::to_string(a.bc) +
          "; allowed: " + AllowedList(kAllowedBlock);
  else if (a.batch_heads < 1 || a.batch_heads > kMaxGridY)
    why = "B*H is " + std::to_string(a.batch_heads) + "; allowed: 1.." + std::to_string(kMaxGridY);
  if (!why.empty()) throw BackendError(std::string(kernel) + " cannot run this problem: " + why);
}

// A traced run needs its buffer and step offsets, and records one head.
inline void CheckTraceArgs(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, const char* kernel) {
  if (!trace.data || !trace.step_offsets || trace.layout.step_floats == 0)
    throw BackendError(std::string(kernel) + " traced run: the trace buffer or the step offsets are missing");
  if (a.batch_heads != 1)
    throw BackendError(std::string(kernel) + " traced run: B*H is " + std::to_string(a.batch_heads) +
                       "; a trace records one head");
}

// Shared memory one block of the current device may have after opting in.
inline size_t SmemOptinBytes() {
  int device = 0, limit_bytes = 0;
  FS_CUDA_CHECK(cudaGetDevice(&device));
  FS_CUDA_CHECK(cudaDeviceGetAttribute(&limit_bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  return static_cast<size_t>(limit_bytes);
}

// The runtime's registers per thread of `kernel`, and how many of its blocks of `threads`
// threads and `smem_bytes` of dynamic shared memory fit on one SM of the current device (0 when
// one block needs more than the device lets a block opt in to).
template <typename Kernel>
TeachOccupancy KernelOccupancy(Kernel kernel, int threads, size_t smem_bytes) {
  TeachOccupancy o;
  cudaFuncAttributes attr;
  FS_CUDA_CHECK(cudaFuncGetAttributes(&attr, kernel));
  o.regs_per_thread = attr.numRegs;
  if (smem_bytes > SmemOptinBytes()) return o;
  FS_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem_bytes)));
  FS_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&o.blocks_per_sm, kernel, threads, smem_bytes));
  return o;
}

// Calls f(std::integral_constant<int, d>()) for the head dimension d: the runtime d becomes the
// kernels' template argument kD in this one switch.
template <typename F>
void WithHeadDim(int d, const char* kernel, F f) {
  switch (d) {
    case 16: return f(std::integral_constant<int, 16>());
    case 32: return f(std::integral_constant<int, 32>());
    case 64: return f(std::integral_constant<int, 64>());
    case 96: return f(std::integral_constant<int, 96>());
    case 128: return f(std::integral_constant<int, 128>());
    default: throw BackendError(std::string(kernel) + " has no kernel for d = " + std::to_string(d));
  }
}

}  // namespace fs
