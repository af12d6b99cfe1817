// fa1: FlashAttention-1's forward pass (Dao et al. 2022, Algorithm 1) as a readable CUDA
// kernel that FlashScope steps through, and the same kernel with tracing compiled out.
//
// Shape of the work
//   grid (B*H): one thread block per head walks the whole loop, as FA1 launched. For each K/V
//   block j (outer) it loads K_j and V_j into shared memory once; for each Q block i that
//   visits j (inner, from FirstQBlock(j)) it loads Q_i, reads O_i, l_i, m_i from global memory,
//   updates them with S_ij = scale Q_i K_j^T, and writes them back. O, l and m live in global
//   memory (HBM) between the steps: that is the algorithm, not a spill.
//   A block has Br/16 warps; warp w owns query rows [16w, 16w + 16) of the Q tile, and lane r
//   holds row r's statistics (teach_tiles.cuh). Shared memory: K_j and V_j (Bc, d + 1) each,
//   the Q tile (Br, d), the S/P tile (Br, Bc).
//
// Per step (j, i), for the warp's 16 rows, in emulate_fa1.cpp's order:
//   S = scale Q_i K_j^T; r_m = rowmax S; P~ = exp(S - r_m) over S; l_blk = rowsum P~
//   m_new = max(m_old, r_m); rescale = exp(m_old - m_new); scale_blk = exp(r_m - m_new)
//   l_new = Fa1RowSum(...); P~ V_j into registers (O-bar); O_i = Fa1Output(...) element by
//   element, read from and written to global memory; m_new, l_new written back; after the Q
//   block's last K/V block, L = m + log l. Causal: pairs above the diagonal are never visited
//   and keys after the query are -inf inside the diagonal blocks; a row whose keys in the block
//   are all masked gets P~ = 0 and scale_blk = 0.
//
// Techniques, and what they cost against fa2_teach (the loop order FA2 chose instead)
//   - K/V outer: K_j and V_j are read from HBM once (2 N d floats in all, where fa2_teach reads
//     them once per Q block), but every step re-reads Q_i and O_i, l_i, m_i and writes O_i, l_i,
//     m_i back: (2 d + 2) reads and (d + 2) writes per row and step, plus the initialization of
//     O, l, m (N (d + 2) writes). Fa1Traffic and Fa1StateTraffic (trace.h) count them; the
//     Tiles panel shows them next to FA2's.
//   - The per-step division: O_i is kept normalized, so each step divides d values per row by
//     l_new and weighs the old O_i back by l_old e^(m_old - m_new); two exps per row and step
//     (rescale and scale_blk). FA2 keeps O-tilde unnormalized and divides once, at the end.
//   - One thread block per head: B*H blocks for the whole GPU, so a few heads leave most SMs
//     idle (FA2 splits the sequence too). K_j and V_j resident for the whole inner loop need
//     more shared memory than fa2_teach's single K/V tile: d = 128 with Br = Bc = 128 does not
//     fit the 227 KiB of Hopper and is refused (CheckFa1Smem).
//   - Inside the block the warps split the Q rows and share K_j, V_j (fa2_teach's split-Q, the
//     same S and P V code), where FA1's CUDA kernel split K/V across warps; the loop order and
//     the HBM traffic are FA1's.
//   - FP32 on CUDA cores, the standard softmax only, plain loads, no tensor cores, no
//     pipelining. Speed: measured by the bench on the GPU machine, not claimed here.
//
// The arithmetic is emulate_fa1.cpp's operation for operation: dot products are one fmaf chain
// from 0, reductions are lane partials then the xor butterfly, exp and log are fmath.h's, and the
// row update is precision.h's Fa1RowSum and Fa1Output. Built with -fmad=false, so the only
// fused multiply-adds are the fmaf calls written out; the GPU and CPU traces agree bit for bit.
// Tracing is a template flag: fa1<kD, true> also writes each step's record (trace.h's
// FS_TRACE_FIELDS with FA1's fields) into a buffer with TraceLayout.
//
// Sections: 1. the softmax of a step · 2. the row update · 3. the kernel · 4. host side
#include "cuda/fa1.cuh"

#include <string>

#include "cuda/teach_tiles.cuh"
#include "fmath.h"
#include "precision.h"
#include "problem.h"

namespace fs {
namespace {

constexpr Format kF = Format::kFp32;  // fa1 runs in FP32: every Round below is a no-op

// What lane r holds for row wrow0 + r of the warp after Fa1Softmax, for the row update.
struct Fa1Row {
  float l_old = 0.0f, rescale = 1.0f, scale_blk = 0.0f, l_new = 0.0f, m_new = kNegInf;
};

// ---- 1. The softmax of a step ---------------------------------------------------------------

// For the warp's 16 rows of the S tile (written by ComputeScores): r_m, P~ = exp(S - r_m) over
// S, l_blk, and the new statistics from m_old, l_old (in lane r for row r, read from HBM by the
// caller). A lane reads and writes only its own columns of the S/P tile. With kTrace, S, P~ and
// the row values go into the step record `rec`; rows past N (r >= warp_rows) keep the poison.
template <bool kTrace>
__device__ __forceinline__ Fa1Row Fa1Softmax(const Fa2TeachArgs& a, const Fa2TraceArgs& trace, float* rec,
                                             float* sp_tile, int wrow0, int warp_rows, int lane, float m_old_lane,
                                             float l_old_lane) {
  const size_t* off = trace.layout.offset;
  Fa1Row mine;
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    const int tile_row = wrow0 + r;
    float* sp_row = sp_tile + tile_row * a.bc;  // (Bc): S in, P~ out
    const bool traced = kTrace && rec && r < warp_rows;  // rec is null outside a trace's window

    float r_m = kNegInf;
    for (int c = lane; c < a.bc; c += kWarpSize) r_m = MaxOp()(r_m, sp_row[c]);
    r_m = WarpAllReduce(r_m, MaxOp());
    int r_s = 0;  // recorded like fa2_teach's; a count, exact in any order
    if (kTrace) {
      for (int c = lane; c < a.bc; c += kWarpSize) r_s += NearMax(sp_row[c], r_m, a.numerics.eps);
#pragma unroll
      for (int offset = kWarpSize / 2; offset > 0; offset /= 2) r_s += __shfl_xor_sync(kFullMask, r_s, offset);
    }
    const bool blk_empty = r_m == kNegInf;  // the causal mask hides every key of this block

    float l_blk = 0.0f;
    for (int c = lane; c < a.bc; c += kWarpSize) {
      const float s = sp_row[c];
      const float p = blk_empty ? 0.0f : ExpShifted(s, r_m, kF);
      sp_row[c] = p;
      l_blk = AddOp()(l_blk, p);
      if (traced) {
        rec[off[kS] + static_cast<size_t>(tile_row) * a.bc + c] = s;
        rec[off[kP] + static_cast<size_t>(tile_row) * a.bc + c] = p;
      }
    }
    l_blk = WarpAllReduce(l_blk, AddOp());

    const float m_old = __shfl_sync(kFullMask, m_old_lane, r);
    const float l_old = __shfl_sync(kFullMask, l_old_lane, r);
    const float m_new = MaxOp()(m_old, r_m);
    const bool empty = m_new == kNegInf;  // nothing visible yet (never for a row below N)
    const float rescale = empty ? 1.0f : ExpShifted(m_old, m_new, kF);
    const float scale_blk = blk_empty ? 0.0f : ExpShifted(r_m, m_new, kF);
    const float l_new = Fa1RowSum(rescale, l_old, scale_blk, l_blk);
    if (lane == r) {
      mine.l_old = l_old;
      mine.rescale = rescale;
      mine.scale_blk = scale_blk;
      mine.l_new = l_new;
      mine.m_new = m_new;
    }

    if (traced && lane == 0) {  // the standard softmax's shift m' is r_m
      PutRowStats(rec, off, tile_row, {m_old, m_new, rescale, l_new, r_m, static_cast<float>(r_s), r_m});
      PutFa1RowStats(rec, off, tile_row, l_old, l_blk, scale_blk);
    }
  }
  return mine;
}

// ---- 2. The row update ----------------------------------------------------------------------

// O_i of the warp's first warp_rows rows, in global memory from o_rows on (rows of d floats):
// each element read, replaced by Fa1Output with the row's values (from lane r) and P~ V in pv,
// and written back. With kTrace the new O (O~) and P~ V (O-bar) go to the step record's rows
// rec_o and rec_blk. warp_rows is the same in every lane, so all lanes reach every shuffle.
template <int kD, bool kTrace>
__device__ __forceinline__ void Fa1UpdateRows(float* o_rows, int warp_rows, int lane, const Fa1Row& row_lane,
                                              const float (&pv)[kRowsPerWarp][TeachTile<kD>::kOutPerLane],
                                              float* rec_o, float* rec_blk) {
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
    if (r >= warp_rows) break;
    const float l_old = __shfl_sync(kFullMask, row_lane.l_old, r);
    const float rescale = __shfl_sync(kFullMask, row_lane.rescale, r);
    const float scale_blk = __shfl_sync(kFullMask, row_lane.scale_blk, r);
    const float l_new = __shfl_sync(kFullMask, row_lane.l_new, r);
#pragma unroll
    for (int k = 0; k < TeachTile<kD>::kOutPerLane; ++k) {
      const int t = lane + k * kWarpSize;
      if (t >= kD) continue;
      float* o = o_rows + static_cast<size_t>(r) * kD + t;
      const float o_new = Fa1Output(l_old, rescale, *o, scale_blk, pv[r][k], l_new);
      *o = o_new;
      if (kTrace && rec_o) {
        rec_o[static_cast<size_t>(r) * kD + t] = o_new;
        rec_blk[static_cast<size_t>(r) * kD + t] = pv[r][k];
      }
    }
  }
}

// ---- 3. The kernel --------------------------------------------------------------------------

// The first Q block that visits K/V block j (FirstQBlock in trace.cpp).
__device__ __forceinline__ int FirstQBlockOf(const Fa2TeachArgs& a, int kv_block) {
  return a.causal ? kv_block * a.bc / a.br : 0;
}

// The kernel. a: the problem (B*H heads of (N, d)); w: l and m of every head; trace: where
// kTrace writes step records. Launch bounds as fa2_teach's (256 threads, up to 255 registers).
template <int kD, bool kTrace>
__global__ void __launch_bounds__(kMaxThreads, 1) fa1(const Fa2TeachArgs a, const Fa1Workspace w,
                                                      const Fa2TraceArgs trace) {
  constexpr int kOut = TeachTile<kD>::kOutPerLane;
  constexpr int kStride = TeachTile<kD>::kKvStride;
  extern __shared__ __align__(16) float smem[];

  const int warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
  const size_t head = static_cast<size_t>(blockIdx.x) * a.n;  // first row of this (b, h)
  float* o_hbm = a.o + head * kD;                              // (N, d): O between the steps
  float* l_hbm = w.l + head;                                   // (N)
  float* m_hbm = w.m + head;                                   // (N)
  const int wrow0 = warp * kRowsPerWarp;                       // warp's first row in a Q tile

  float* k_tile = smem;                          // (Bc, d + 1): K_j for the whole outer step
  float* v_tile = k_tile + a.bc * kStride;       // (Bc, d + 1): V_j
  float* q_tile = v_tile + a.bc * kStride;       // (Br, d): Q_i
  float* sp_tile = q_tile + a.br * kD;           // (Br, Bc): S, then P~

  // Algorithm 1, line 2: O = 0, l = 0, m = -inf in HBM. The barrier at the top of the outer
  // loop makes these writes visible to the threads that read them.
  for (size_t e = threadIdx.x; e < static_cast<size_t>(a.n) * kD; e += blockDim.x) o_hbm[e] = 0.0f;
  for (int row = threadIdx.x; row < a.n; row += blockDim.x) {
    l_hbm[row] = 0.0f;
    m_hbm[row] = kNegInf;
  }

  const int kv_blocks = (a.n + a.bc - 1) / a.bc, q_blocks = (a.n + a.br - 1) / a.br;
  for (int j = 0; j < kv_blocks; ++j) {
    const int col0 = j * a.bc, cols = min(a.bc, a.n - col0);
    const size_t kv_src = (head + col0) * kD;
    __syncthreads();  // every warp is done with K_j, V_j of the last outer step (and O, l, m are set)
    LoadTile<kD>(k_tile, kStride, a.k + kv_src, cols, a.bc, kF);
    LoadTile<kD>(v_tile, kStride, a.v + kv_src, cols, a.bc, kF);

    const int first_i = FirstQBlockOf(a, j);
    for (int i = first_i; i < q_blocks; ++i) {
      const int row0 = i * a.br, rows = min(a.br, a.n - row0);
      const int warp_rows = max(0, min(kRowsPerWarp, rows - wrow0));  // of the warp's rows, those < N
      const int my_row = row0 + wrow0 + lane;                          // the row lane r keeps
      // This step's record: step StepOffsets(p)[j] + i - first_i, or in a windowed trace slot j
      // of the window's Q block and none (null) for the others.
      float* rec = !kTrace ? nullptr
                   : trace.window < 0
                       ? trace.data + static_cast<size_t>(trace.step_offsets[j] + i - first_i) * trace.layout.step_floats
                   : i == trace.window ? trace.data + static_cast<size_t>(j) * trace.layout.step_floats
                                       : nullptr;

      __syncthreads();  // every warp is done with the last Q_i and P~ (and K_j, V_j are loaded)
      LoadTile<kD>(q_tile, kD, a.q + (head + row0) * kD, rows, a.br, kF);
      __syncthreads();  // Q_i is in shared memory

      ComputeScores<kD>(a, kF, q_tile, k_tile, sp_tile, wrow0, lane, row0, col0, cols);
      // m_i and l_i from HBM: lane r reads row r's; rows past N start empty and are never stored.
      const float m_old = lane < warp_rows ? m_hbm[my_row] : kNegInf;
      const float l_old = lane < warp_rows ? l_hbm[my_row] : 0.0f;
      const Fa1Row row = Fa1Softmax<kTrace>(a, trace, rec, sp_tile, wrow0, warp_rows, lane, m_old, l_old);
      __syncwarp();  // every lane's P~ is visible to its warp

      float pv[kRowsPerWarp][kOut];  // P~ V_j (16, d): lane holds columns t = lane + 32 k
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
        for (int k = 0; k < kOut; ++k) pv[r][k] = 0.0f;
      AccumulatePV<kD>(sp_tile, a.bc, v_tile, cols, wrow0, lane, pv);
      Fa1UpdateRows<kD, kTrace>(o_hbm + static_cast<size_t>(row0 + wrow0) * kD, warp_rows, lane, row, pv,
                                kTrace && rec ? rec + trace.layout.offset[kOAcc] + wrow0 * kD : nullptr,
                                kTrace && rec ? rec + trace.layout.offset[kOBlk] + wrow0 * kD : nullptr);
      if (lane < warp_rows) {  // m_i, l_i back to HBM; L once the row has seen its last block
        m_hbm[my_row] = row.m_new;
        l_hbm[my_row] = row.l_new;
        if (j == LastKvBlockOf(a, i)) a.lse[head + my_row] = FinalL(row.m_new, row.l_new, kF);
      }
    }
  }
}

// ---- 4. Host side --------------------------------------------------------------------------

template <int kD, bool kTrace>
void LaunchWithD(const Fa2TeachArgs& a, const Fa1Workspace& w, const Fa2TraceArgs& trace, cudaStream_t stream) {
  CheckFa1Smem(a.br, a.bc, a.d, SmemOptinBytes());
  const size_t smem_bytes = Fa1SmemBytes(a.br, a.bc, a.d);
  // A block gets more than 48 KiB of dynamic shared memory only after this opt-in.
  FS_CUDA_CHECK(cudaFuncSetAttribute(fa1<kD, kTrace>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                     static_cast<int>(smem_bytes)));
  const dim3 grid(a.batch_heads);                      // one block per head
  const dim3 block(a.br / kRowsPerWarp * kWarpSize);   // Br/16 warps
  fa1<kD, kTrace><<<grid, block, smem_bytes, stream>>>(a, w, trace);
  FS_CUDA_CHECK(cudaGetLastError());
}

template <bool kTrace>
void Launch(const Fa2TeachArgs& a, const Fa1Workspace& w, const Fa2TraceArgs& trace, cudaStream_t stream) {
  CheckTeachArgs(a, "fa1");
  if (!w.l || !w.m) throw BackendError("fa1 cannot run this problem: the device arrays for l and m are missing");
  if (!a.numerics.precision.AllFp32() || a.numerics.softmax != Softmax::kStandard)
    throw BackendError("fa1 cannot run this problem: precision is " + PrecisionName(a.numerics.precision) +
                       " and softmax " + SoftmaxName(a.numerics.softmax) +
                       "; allowed: precision fp32 with softmax standard");
  WithHeadDim(a.d, "fa1", [&](auto dim) { LaunchWithD<decltype(dim)::value, kTrace>(a, w, trace, stream); });
}

}  // namespace

void CheckFa1Smem(int br, int bc, int d, size_t limit_bytes) {
  const size_t bytes = Fa1SmemBytes(br, bc, d);
  if (bytes <= limit_bytes) return;
  throw BackendError("fa1 with Br=" + std::to_string(br) + ", Bc=" + std::to_string(bc) + ", d=" +
                     std::to_string(d) + " needs " + std::to_string(bytes) +
                     " bytes of shared memory per block (K and V tiles, Q tile, S/P tile); this GPU allows " +
                     std::to_string(limit_bytes) + ". Use smaller blocks (Br, Bc).");
}

void LaunchFa1(const Fa2TeachArgs& a, const Fa1Workspace& w, cudaStream_t stream) {
  Launch<false>(a, w, Fa2TraceArgs{}, stream);
}

TeachOccupancy Fa1Occupancy(int br, int bc, int d) {
  TeachOccupancy o;
  WithHeadDim(d, "fa1", [&](auto dim) {
    o = KernelOccupancy(fa1<decltype(dim)::value, false>, br / kRowsPerWarp * kWarpSize, Fa1SmemBytes(br, bc, d));
  });
  return o;
}

void LaunchFa1Traced(const Fa2TeachArgs& a, const Fa1Workspace& w, const Fa2TraceArgs& trace,
                     cudaStream_t stream) {
  CheckTraceArgs(a, trace, "fa1");
  Launch<true>(a, w, trace, stream);
}

}  // namespace fs
