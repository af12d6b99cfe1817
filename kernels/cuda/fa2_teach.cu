// fa2_teach: the readable FlashAttention-2 forward kernel that FlashScope steps through,
// and the same kernel with tracing compiled out, which the bench times.
//
// Shape of the work
//   grid (QBlocks, B*H): one thread block per (Q block, batch*head), as in FA2's sequence
//   parallelism. A block has Br/16 warps; warp w owns query rows [16w, 16w + 16) of the tile
//   from start to end (split-Q: no warp ever needs another warp's partial results).
//   Shared memory: Q tile (Br, d), one K/V tile (Bc, d + 1) that holds K and then V of the
//   same block, and the S/P tile (Br, Bc). Registers: O-tilde (16, d) per warp, spread so
//   that lane owns columns t = lane, lane + 32, ...; the running max m and sum l of the
//   warp's row r sit in lane r and reach the other lanes by shuffle.
//
// Per K/V block j (the loop of PlanSteps in trace.h), for the warp's 16 rows:
//   load K_j   S = scale * Q K_j^T                       lane owns key columns c = lane + 32i
//              m_new = max(m_old, rowmax S)              warp reductions: xor butterfly
//              P = exp(S - m_new), l = rescale * l + rowsum P, O~ *= rescale
//   load V_j   O~ += P V_j
// then O = O~ / l and L = m + log l. Causal: blocks above the diagonal are never visited
// (LastKvBlock) and keys after the query are -inf inside the diagonal blocks.
//
// The arithmetic is kernels/emulate.cpp's, operation for operation: every dot product is one
// fmaf chain from 0 over t = 0..d-1, then a multiply by scale; reductions are lane partials
// then the butterfly; exp and log are fs::ExpF and fs::LogF (fmath.h). Built with
// -fmad=false, so the only fused multiply-adds are the fmaf calls written here. That is why
// the GPU trace and the CPU trace agree bit for bit (tests/test_gpu.cpp).
//
// Tracing is a template flag of this one kernel: fa2_teach<kD, true, *> also writes each
// step's record (trace.h's FS_TRACE_FIELDS) into a buffer with TraceLayout; fa2_teach<kD,
// false, *> is the kernel that runs full (B, H, N, d) problems for timing.
//
// Numerics (precision.h) are the third template flag: fa2_teach<kD, *, false> is the FP32
// kernel with the standard softmax, every rounding compiled away; fa2_teach<kD, *, true> reads
// the policy (formats of every stage, softmax variant, beta, eps) from its arguments and
// rounds at the same named points as the emulation (ScoreOf, ExpShifted, UpdateL,
// AddBlockProduct, FinalO, FinalL), so BF16 and FP16 runs match it bit for bit too.
//
// Changelog
//   v2  Precision policies and the stabilized softmax (a third template flag); the FP32
//       instantiations are v1's code.
//   v1  FP32 on CUDA cores, plain loads, no tensor cores, no pipelining. Keys are processed
//       one column per lane with 16 rows at a time so that one shared-memory load of K feeds
//       16 FMAs; P V takes four keys per 16-byte load of P. K/V rows are padded by one float
//       so that the 32 lanes of a warp reading 32 different keys hit 32 different banks.
//       Speed: measured by the bench (kernels/bench.h) on the GPU machine, not claimed here.
//
// Sections (constants, warp reductions, tile loads, ComputeScores and AccumulatePV are shared
// with the fa1 kernel: teach_tiles.cuh)
//   1. The policy
//   2. The phases of a step: OnlineSoftmax, AddBlockProductPV, StoreRows
//   3. The kernel fa2_teach<kD, kTrace>
//   4. Host side: argument checks, shared-memory opt-in, launchers
#include "cuda/fa2_teach.cuh"

#include <string>

#include "cuda/teach_tiles.cuh"
#include "fmath.h"
#include "problem.h"

namespace fs {
namespace {

// ---- 1. The policy --------------------------------------------------------------------------

// The policy a kernel runs with: the arguments' when kGeneral, otherwise FP32 everywhere and
// the standard softmax, as constants the compiler folds (every Round becomes a no-op).
template <bool kGeneral>
__device__ __forceinline__ NumericPolicy PolicyOf(const Fa2TeachArgs& a) {
  return kGeneral ? a.numerics : NumericPolicy{};
}

// ---- 2. The three phases of a step ----------------------------------------------------------

// The online-softmax update of the warp's 16 rows for one new S tile, in emulate.cpp's order:
//   r_m = rowmax S, r_s = #near-ties, m' = ShiftOf(r_m, r_s), m_new = max(m_old, m')
//   rescale = exp(m_old - m_new) (0 at the first block); e = exp(S - m_new); P = R_p(e)
//   written over S; l = UpdateL(rescale, l, R_st(rowsum e)); O~ *= rescale (fused path)
// A row with nothing visible yet (m_new = -inf) keeps rescale 1 and P 0. A lane reads and
// writes only its own columns of the S/P tile, the ones ComputeScores wrote, so no barrier is
// needed in between. Row r's m, l and rescale stay in lane r (rescale for the separate block
// product, which applies it after P V). With kTrace, S (before P overwrites it), P and the
// row statistics go into the step record `rec`; rows past N (r >= warp_rows) keep the poison.
template <int kD, bool kTrace>
__device__ __forceinline__ void OnlineSoftmax(const Fa2TeachArgs& a, const NumericPolicy& np,
                                              const Fa2TraceArgs& trace, float* rec, float* sp_tile,
                                              int wrow0, int warp_rows, int lane, float& m_lane,
                                              float& l_lane, float& rescale_lane,
                                              float (&o)[kRowsPerWarp][TeachTile<kD>::kOutPerLane]) {
  const Precision& pr = np.precision;
  const size_t* off = trace.layout.offset;
  const bool stabilized = np.softmax == Softmax::kStabilized;
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int tile_row = wrow0 + r;
    float* sp_row = sp_tile + tile_row * a.bc;  // (Bc): S in, P out
    const bool traced = kTrace && rec && r < warp_rows;  // rec is null outside a trace's window

    float r_m = kNegInf;
    for (int c = lane; c < a.bc; c += kWarpSize) r_m = MaxOp()(r_m, sp_row[c]);
    r_m = WarpAllReduce(r_m, MaxOp());
    int r_s = 0;  // a count: exact in any order
    if (kTrace || stabilized) {
      for (int c = lane; c < a.bc; c += kWarpSize) r_s += NearMax(sp_row[c], r_m, np.eps);
#pragma unroll
      for (int offset = kWarpSize / 2; offset > 0; offset /= 2) r_s += __shfl_xor_sync(kFullMask, r_s, offset);
    }
    ShiftBranch branch;
    const float m_shift = ShiftOf(np, r_m, r_s, &branch);

    const float m_old = __shfl_sync(kFullMask, m_lane, r);  // lane r holds row r's m and l
    const float m_new = MaxOp()(m_old, m_shift);
    const bool empty = m_new == kNegInf;
    const float rescale = empty ? 1.0f : ExpShifted(m_old, m_new, pr.stats);

    float row_sum = 0.0f;
    for (int c = lane; c < a.bc; c += kWarpSize) {
      const float s = sp_row[c];
      const float e = empty ? 0.0f : ExpShifted(s, m_new, pr.scores);
      const float p = Round(e, pr.pbar);
      sp_row[c] = p;
      row_sum = AddOp()(row_sum, e);
      if (traced) {
        rec[off[kS] + static_cast<size_t>(tile_row) * a.bc + c] = s;
        rec[off[kP] + static_cast<size_t>(tile_row) * a.bc + c] = p;
      }
    }
    row_sum = Round(WarpAllReduce(row_sum, AddOp()), pr.stats);

    const float l_new = UpdateL(rescale, __shfl_sync(kFullMask, l_lane, r), row_sum, pr.stats);
    if (lane == r) {
      m_lane = m_new;
      l_lane = l_new;
      rescale_lane = rescale;
    }
    if (!pr.SeparateBlockProduct()) {
#pragma unroll
      for (int k = 0; k < TeachTile<kD>::kOutPerLane; ++k) o[r][k] *= rescale;
    }

    if (traced && lane == 0)
      PutRowStats(rec, off, tile_row, {m_old, m_new, rescale, l_new, r_m, static_cast<float>(r_s), m_shift});
  }
}

// The separate block product (Precision::SeparateBlockProduct): for each of the warp's rows,
// O-bar = P V as its own fmaf chain from 0 over keys c = 0..cols-1 (the emulation's order),
// then O~ = AddBlockProduct(O~, rescale, O-bar). With kTrace, O-bar (FP32, before its
// rounding) goes to the step record's O-bar rows `blk_rec`. Row by row, so that O-bar needs
// kOutPerLane registers, not 16 times that; the row loop is unrolled so o stays in registers.
template <int kD, bool kTrace>
__device__ __forceinline__ void AddBlockProductPV(const Precision& pr, const float* p_tile, int bc,
                                                  const float* v_tile, int cols, int wrow0,
                                                  int warp_rows, int lane, float rescale_lane,
                                                  float* blk_rec,
                                                  float (&o)[kRowsPerWarp][TeachTile<kD>::kOutPerLane]) {
  constexpr int kOut = TeachTile<kD>::kOutPerLane;
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    float blk[kOut];
#pragma unroll
    for (int k = 0; k < kOut; ++k) blk[k] = 0.0f;
    const float* p_row = p_tile + (wrow0 + r) * bc;
    for (int c = 0; c < cols; ++c) {
      const float p = p_row[c];
#pragma unroll
      for (int k = 0; k < kOut; ++k) blk[k] = fmaf(p, LoadV<kD>(v_tile, c, lane + k * kWarpSize), blk[k]);
    }
    const float rescale = __shfl_sync(kFullMask, rescale_lane, r);
#pragma unroll
    for (int k = 0; k < kOut; ++k) {
      o[r][k] = AddBlockProduct(o[r][k], rescale, blk[k], pr);
      const int t = lane + k * kWarpSize;
      if (kTrace && blk_rec && r < warp_rows && t < kD) blk_rec[static_cast<size_t>(r) * kD + t] = blk[k];
    }
  }
}

// Stores the warp's first `warp_rows` rows of o (16, d) to dst (rows of d floats): as they
// are (O-tilde, for the trace), or as the final O = FinalO(O~, l) when kNormalize.
// warp_rows is the same in every lane, so all lanes reach every shuffle.
template <int kD, bool kNormalize>
__device__ __forceinline__ void StoreRows(float* dst, int warp_rows, int lane,
                                          const float (&o)[kRowsPerWarp][TeachTile<kD>::kOutPerLane],
                                          float l_lane, Format output) {
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    if (r >= warp_rows) break;
    const float l = kNormalize ? __shfl_sync(kFullMask, l_lane, r) : 1.0f;
#pragma unroll
    for (int k = 0; k < TeachTile<kD>::kOutPerLane; ++k) {
      const int t = lane + k * kWarpSize;
      if (t < kD) dst[static_cast<size_t>(r) * kD + t] = kNormalize ? FinalO(o[r][k], l, output) : o[r][k];
    }
  }
}

// ---- 3. The kernel --------------------------------------------------------------------------

// This step's record in the trace buffer: step index StepOffsets(p)[q_block] + kv_block, or
// in a windowed trace slot kv_block of the window's Q block and none (null) for the others.
__device__ __forceinline__ float* StepRecord(const Fa2TraceArgs& trace, int q_block, int kv_block) {
  if (trace.window >= 0)
    return q_block == trace.window ? trace.data + static_cast<size_t>(kv_block) * trace.layout.step_floats : nullptr;
  const size_t step = static_cast<size_t>(trace.step_offsets[q_block] + kv_block);
  return trace.data + step * trace.layout.step_floats;
}

// The kernel. a: the problem (B*H heads of (N, d)); trace: where kTrace writes step records.
// Launch bounds (256 threads, 1 block per SM at least) let the compiler use up to 255
// registers per thread: O-tilde, 16 dot products and the Q reads in flight fit without
// spilling (with a 128-register cap ptxas spilled).
template <int kD, bool kTrace, bool kGeneral>
__global__ void __launch_bounds__(kMaxThreads, 1)
    fa2_teach(const Fa2TeachArgs a, const Fa2TraceArgs trace) {
  constexpr int kOut = TeachTile<kD>::kOutPerLane;
  const NumericPolicy np = PolicyOf<kGeneral>(a);
  const Precision& pr = np.precision;
  extern __shared__ __align__(16) float smem[];

  const int q_block = blockIdx.x;
  const int warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
  const size_t head = static_cast<size_t>(blockIdx.y) * a.n;  // first row of this (b, h)
  const int row0 = q_block * a.br;                            // first query row of the tile
  const int rows = min(a.br, a.n - row0);                     // the last tile may be short
  const int wrow0 = warp * kRowsPerWarp;                      // warp's first row in the tile
  const int warp_rows = max(0, min(kRowsPerWarp, rows - wrow0));  // of them, rows < N

  float* q_tile = smem;                                      // (Br, d)
  float* kv_tile = q_tile + a.br * kD;                       // (Bc, d + 1): K_j, then V_j
  float* sp_tile = kv_tile + a.bc * TeachTile<kD>::kKvStride;  // (Br, Bc): S, then P

  LoadTile<kD>(q_tile, kD, a.q + (head + row0) * kD, rows, a.br, pr.inputs);

  // Running max and sum of row wrow0 + r live in lane r (lanes 16..31 hold unused copies):
  // one register each instead of 16 identical ones in every lane.
  float m_lane = kNegInf, l_lane = 0.0f, rescale_lane = 1.0f;
  float o[kRowsPerWarp][kOut];  // O-tilde (16, d): lane holds columns t = lane + 32 k
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
    for (int k = 0; k < kOut; ++k) o[r][k] = 0.0f;

  const int last_j = LastKvBlockOf(a, q_block);  // the same for every thread of the block
  for (int j = 0; j <= last_j; ++j) {
    const int col0 = j * a.bc, cols = min(a.bc, a.n - col0);
    const size_t kv_src = (head + col0) * kD;
    float* rec = kTrace ? StepRecord(trace, q_block, j) : nullptr;

    __syncthreads();  // every warp is done with the previous V_j and P (and Q is loaded)
    LoadTile<kD>(kv_tile, TeachTile<kD>::kKvStride, a.k + kv_src, cols, a.bc, pr.inputs);
    __syncthreads();  // K_j is in shared memory

    ComputeScores<kD>(a, pr.scores, q_tile, kv_tile, sp_tile, wrow0, lane, row0, col0, cols);
    OnlineSoftmax<kD, kTrace>(a, np, trace, rec, sp_tile, wrow0, warp_rows, lane, m_lane, l_lane,
                              rescale_lane, o);

    __syncthreads();  // every warp is done reading K_j: its buffer can take V_j
    LoadTile<kD>(kv_tile, TeachTile<kD>::kKvStride, a.v + kv_src, cols, a.bc, pr.inputs);
    __syncthreads();  // V_j is in shared memory, and every lane's P is visible to its warp

    if (!pr.SeparateBlockProduct())
      AccumulatePV<kD>(sp_tile, a.bc, kv_tile, cols, wrow0, lane, o);
    else
      AddBlockProductPV<kD, kTrace>(pr, sp_tile, a.bc, kv_tile, cols, wrow0, warp_rows, lane, rescale_lane,
                                    kTrace && rec ? rec + trace.layout.offset[kOBlk] + wrow0 * kD : nullptr, o);
    if (kTrace && rec)
      StoreRows<kD, false>(rec + trace.layout.offset[kOAcc] + wrow0 * kD, warp_rows, lane, o, l_lane, pr.output);
  }

  // O = O~ / l and L = m + log l for the rows below N.
  StoreRows<kD, true>(a.o + (head + row0 + wrow0) * kD, warp_rows, lane, o, l_lane, pr.output);
  if (lane < warp_rows) a.lse[head + row0 + wrow0 + lane] = FinalL(m_lane, l_lane, pr.stats);
}

// ---- 4. Host side --------------------------------------------------------------------------

template <int kD, bool kTrace, bool kGeneral>
void LaunchWithD(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, cudaStream_t stream) {
  CheckFa2TeachSmem(a.br, a.bc, a.d, SmemOptinBytes());
  const size_t smem_bytes = Fa2TeachSmemBytes(a.br, a.bc, a.d);
  // A block gets more than 48 KiB of dynamic shared memory only after this opt-in.
  FS_CUDA_CHECK(cudaFuncSetAttribute(fa2_teach<kD, kTrace, kGeneral>,
                                     cudaFuncAttributeMaxDynamicSharedMemorySize,
                                     static_cast<int>(smem_bytes)));
  const dim3 grid((a.n + a.br - 1) / a.br, a.batch_heads);  // (QBlocks, B*H)
  const dim3 block(a.br / kRowsPerWarp * kWarpSize);        // Br/16 warps
  fa2_teach<kD, kTrace, kGeneral><<<grid, block, smem_bytes, stream>>>(a, trace);
  FS_CUDA_CHECK(cudaGetLastError());
}

template <bool kTrace, bool kGeneral>
void LaunchGeneral(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, cudaStream_t stream) {
  WithHeadDim(a.d, "fa2_teach",
              [&](auto dim) { LaunchWithD<decltype(dim)::value, kTrace, kGeneral>(a, trace, stream); });
}

// The FP32 standard-softmax kernel when the policy is that, the general one otherwise.
template <bool kTrace>
void Launch(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, cudaStream_t stream) {
  CheckTeachArgs(a, "fa2_teach");
  const bool plain = a.numerics.precision.AllFp32() && a.numerics.softmax == Softmax::kStandard;
  if (plain)
    LaunchGeneral<kTrace, false>(a, trace, stream);
  else
    LaunchGeneral<kTrace, true>(a, trace, stream);
}

}  // namespace

void CheckCuda(cudaError_t status, const char* expr, const char* file, int line) {
  if (status == cudaSuccess) return;
  throw BackendError(std::string("CUDA error at ") + file + ":" + std::to_string(line) + " in " +
                     expr + ": " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) +
                     ")");
}

void CheckFa2TeachSmem(int br, int bc, int d, size_t limit_bytes) {
  const size_t bytes = Fa2TeachSmemBytes(br, bc, d);
  if (bytes <= limit_bytes) return;
  throw BackendError("fa2_teach with Br=" + std::to_string(br) + ", Bc=" + std::to_string(bc) +
                     ", d=" + std::to_string(d) + " needs " + std::to_string(bytes) +
                     " bytes of shared memory per block (Q tile, K/V tile, S/P tile); this GPU "
                     "allows " + std::to_string(limit_bytes) + ". Use smaller blocks (Br, Bc).");
}

void LaunchFa2Teach(const Fa2TeachArgs& a, cudaStream_t stream) {
  Launch<false>(a, Fa2TraceArgs{}, stream);
}

TeachOccupancy Fa2TeachOccupancy(int br, int bc, int d) {
  TeachOccupancy o;
  WithHeadDim(d, "fa2_teach", [&](auto dim) {
    const auto kernel = fa2_teach<decltype(dim)::value, false, false>;
    o = KernelOccupancy(kernel, br / kRowsPerWarp * kWarpSize, Fa2TeachSmemBytes(br, bc, d));
  });
  return o;
}

void LaunchFa2TeachTraced(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, cudaStream_t stream) {
  CheckTraceArgs(a, trace, "fa2_teach");
  Launch<true>(a, trace, stream);
}

cudaError_t Fa2TeachProbe() {
  cudaFuncAttributes attr;
  const cudaError_t status = cudaFuncGetAttributes(&attr, fa2_teach<64, false, false>);
  if (status != cudaSuccess) cudaGetLastError();  // leave no error behind for later calls
  return status;
}

}  // namespace fs
