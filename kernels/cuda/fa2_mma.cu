// fa2_mma: FlashAttention-2's forward pass on tensor cores, the top rung of the ladder that
// runs on Ampere and Hopper alike (sm_80+: mma.sync, ldmatrix, cp.async).
//
// Shape of the work
//   grid (QBlocks, B*H), launched heaviest-first: causal Q blocks near the end of the
//   sequence see the most keys, so blockIdx.x = 0 takes the last Q block. A block has
//   `warps` warps of 16 or 32 query rows each (kMTiles m16 tiles per warp; split-Q, as in
//   fa2_teach). Shared memory: the Q tile (Br, d) and two stages of K and V tiles (Bc, d)
//   each, in the input format. Registers per warp: S (rows, Bc) and O~ (rows, d) as mma
//   accumulators, the row statistics of the lane's rows; Q's A fragments are read from
//   shared memory at every k-step.
//
// Per K/V block j, for the warp's rows:
//   cp.async K_{j+1}, then V_{j+1}, into the other stage (two commit groups: S_j waits for
//                         K_j only, P V_j for V_j)
//   S = Q K_j^T           mma.sync m16n8k16, FP32 accumulators; each K fragment (ldmatrix)
//                         feeds 2 kMTiles mma
//   online softmax        on the accumulators in place: each lane holds 2 rows x 2 columns
//                         of every 8-column tile, so a row's max and sum need two shuffles
//   O~ += P-bar V_j       the S accumulators are already the A fragments of P-bar (packed to
//                         BF16/FP16 pairs); V via ldmatrix.trans
// then O = O~ / l, L = m + log l.
//
// Techniques, and what each bought (H100, BF16 fa2-bf16, B=2 H=16 N=8192 d=128, non-causal,
// `flashscope bench --kernels fa2_mma --sweep`; PyTorch's SDPA flash backend: 361 TFLOP/s)
//   mma.sync m16n8k16, ldmatrix (.trans for V), two-stage cp.async, XOR swizzle, exp2 with
//     log2(e) folded into the scale, 16 rows per warp with Q in registers: 289 TFLOP/s at
//     the best tile (Br=128 Bc=128 8 warps), 0.80x SDPA flash.
//   32 rows per warp (every K and V fragment feeds twice the mma; Q from shared memory):
//     282 TFLOP/s at first, held back by the swizzle arithmetic of every load.
//   Per-lane ldmatrix offsets computed once (four per operand: the XOR depends on the
//     k-step mod 4 only) and cp.async addresses as one base plus constants: 351 TFLOP/s
//     (0.97x SDPA flash; at d = 64, 324-328 TFLOP/s, 1.07x).
//   XOR-swizzled shared memory: row r's 16-byte chunk c is stored at chunk (c ^ (r mod 8))
//     of the same 128-byte line, so the 8 rows an ldmatrix reads hit 8 different bank
//     groups (rows of 128 or 256 bytes would otherwise all hit the same banks).
//   Causal block skipping: K/V blocks entirely after a Q block's last row are never loaded;
//     only blocks that straddle the diagonal (or the end of N) pay for masking (318 TFLOP/s
//     causal at d = 128).
//   N not a multiple of the tiles: rows past N are zero-filled by cp.async (src-size 0) and
//     their keys masked to -inf; rows past N are never stored.
//   Deferred normalization (FA2): O~ is rescaled, never divided, until the last block; l is
//     kept as per-lane partial sums and reduced once at the end.
//   paper-bf16 (stabilized softmax): one rounding per value, 105 TFLOP/s; paired conversions
//     (one packed convert for two values), 155; O~ kept as BF16 pairs, rescaled and added
//     with packed BF16 multiply and add (correctly rounded, as the policy asks), 193 (0.55x
//     fa2-bf16). The rounded scores and exponentials are what remains.
// The next rung is Hopper's wgmma with TMA loads and warp specialization: a kernel of its
// own, registered in kernels/ladder.h next to this one, launched the same way.
//
// Numerics (template MmaNumerics, precision.h's presets)
//   fa2-bf16 / fa2-fp16: what FlashAttention-2's CUDA kernel does.
//   paper-bf16: every operation rounds to BF16 as PyTorch tensors do: S = R(R(QK^T) scale),
//     P-bar = R(e^R(S - m)), l = R(R(rescale l) + R(rowsum)), the block product P-bar V_j
//     accumulated in FP32 on its own and rounded, O~ = R(R(rescale O~) + R(P-bar V_j)),
//     O = R(O~ / l). Exponentials use the hardware's 2^x (the CPU twin's polynomial would
//     cost a third of the speed); the rounded BF16 result differs from the twin's only when
//     the FP32 value lies within an ulp or two of a BF16 rounding boundary.
//   Stabilized softmax (template flag): per block and row, r_m = rowmax, r_s = number of
//     visible scores within eps of it, m' = beta r_m (r_m > 0, r_s > 1), 0 (r_m < 0,
//     r_s > 1), else r_m (precision.h's ShiftOf); m_new = max(m_old, m').
//
// Sections
//   1. PTX wrappers: cp.async, ldmatrix, mma, ex2; the swizzle
//   2. The kernel fa2_mma<kD, kWarps, kMTiles, kBc, kNum, kStab>
//   3. Host side: policy and argument checks, the instantiated set, launch
#include "cuda/fa2_mma.cuh"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "backend.h"
#include "cuda/fa2_teach.cuh"  // FS_CUDA_CHECK, kMaxGridY
#include "problem.h"

namespace fs {
namespace {

// ---- 1. PTX wrappers -------------------------------------------------------------------

__device__ __forceinline__ uint32_t SmemAddr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16 bytes global -> shared, bypassing L1; zero-filled when !valid (src-size 0).
__device__ __forceinline__ void CpAsync16(uint32_t dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
               "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void CpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int kPending>
__device__ __forceinline__ void CpAsyncWait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending) : "memory");
}

__device__ __forceinline__ void Ldmatrix4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}
__device__ __forceinline__ void Ldmatrix4Trans(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// 2^x on the special-function unit (about 2 ulp; subnormal results flush to 0).
__device__ __forceinline__ float Ex2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;\n" : "=f"(y) : "f"(x));
  return y;
}

// The 16-bit storage type of each numerics, with its mma (C += A B, FP32 accumulators) and the
// packing of two floats into an mma operand register (low half first).
template <MmaNumerics kNum>
struct Elem {
  static constexpr bool kHalf = kNum == MmaNumerics::kFa2Fp16;
  using T = std::conditional_t<kHalf, __half, __nv_bfloat16>;

  static __device__ __forceinline__ uint32_t Pack(float lo, float hi) {
    uint32_t u;
    if constexpr (kHalf) {
      const __half2 h = __floats2half2_rn(lo, hi);
      u = *reinterpret_cast<const uint32_t*>(&h);
    } else {
      const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
      u = *reinterpret_cast<const uint32_t*>(&h);
    }
    return u;
  }
  static __device__ __forceinline__ void Mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#define FS_MMA_16816(TYPE)                                                                          \
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32." TYPE "." TYPE                             \
               ".f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"                      \
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])                                   \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1))
    if constexpr (kHalf) FS_MMA_16816("f16");
    else FS_MMA_16816("bf16");
#undef FS_MMA_16816
  }
};

// x rounded to BF16 (the hardware conversion; precision.h's RoundBf16 gives the same bits,
// tests/test_gpu.cpp checks all 2^32 inputs).
__device__ __forceinline__ float Rb(float x) { return __bfloat162float(__float2bfloat16_rn(x)); }

// Two values rounded to BF16 at once: one packed conversion, then two bit moves back.
__device__ __forceinline__ void Rb2(float& a, float& b) {
  const __nv_bfloat162 h = __floats2bfloat162_rn(a, b);
  const uint32_t u = *reinterpret_cast<const uint32_t*>(&h);
  a = __uint_as_float(u << 16);
  b = __uint_as_float(u & 0xFFFF0000u);
}

// Element offset of (row, 16-byte chunk) in a tile of rows of kD 16-bit values: the chunk's
// slot within its 128-byte line is XORed with row mod 8 (a bijection on each line).
template <int kD>
__device__ __forceinline__ int Swz(int row, int chunk) {
  const int a = row * (kD / 8) + chunk;
  return ((a & ~7) | ((a & 7) ^ (row & 7))) * 8;
}

// Rows [row0, row0 + kRows) of a (n, kD) matrix into a swizzled tile; rows past n are zeros.
// When the threads cover whole rows and a pass spans a multiple of 8 rows, every pass of a
// thread has the same chunk and the same swizzle (Swz(r + 8m, c) = Swz(r, c) + 8m kD), so its
// addresses are one base plus constants.
template <int kRows, int kD, int kThreads, typename T>
__device__ __forceinline__ void LoadTile(T* tile, const T* g, int row0, int n) {
  constexpr int kChunks = kD / 8;
  if constexpr (kThreads % kChunks == 0 && (kThreads / kChunks) % 8 == 0) {
    constexpr int kPassRows = kThreads / kChunks;
    const int r = threadIdx.x / kChunks, c = threadIdx.x % kChunks;
    const uint32_t dst = SmemAddr(tile + Swz<kD>(r, c));
    const T* src = g + static_cast<int64_t>(row0 + r) * kD + c * 8;
    if (row0 + kRows <= n) {  // every block but the last
#pragma unroll
      for (int pass = 0; pass * kPassRows < kRows; ++pass)
        if (pass * kPassRows + r < kRows) CpAsync16(dst + pass * kPassRows * kD * 2, src + pass * kPassRows * kD, true);
    } else {
#pragma unroll
      for (int pass = 0; pass * kPassRows < kRows; ++pass) {
        if (pass * kPassRows + r >= kRows) break;
        const bool valid = row0 + r + pass * kPassRows < n;
        CpAsync16(dst + pass * kPassRows * kD * 2, valid ? src + pass * kPassRows * kD : g, valid);
      }
    }
  } else {
#pragma unroll
    for (int i = threadIdx.x; i < kRows * kChunks; i += kThreads) {
      const int r = i / kChunks, c = i % kChunks;
      const bool valid = row0 + r < n;
      const T* src = g + static_cast<int64_t>(valid ? row0 + r : 0) * kD + c * 8;
      CpAsync16(SmemAddr(tile + Swz<kD>(r, c)), src, valid);
    }
  }
}

// ldmatrix addresses of one lane: row `row` (< 16) of a 16-row group and chunk 2 k + c of
// step k. Rows further by multiples of 8 and steps further by multiples of 4 only add
// constants; for d a multiple of 64, what remains depends on k mod 4 alone, so four byte
// offsets per lane replace the swizzle arithmetic of every load.
template <int kD>
struct LaneChunks {
  int row, c;
  uint32_t off[4];  // kD % 64 == 0: bytes of (row, chunk 2q + c), q = 0..3
  __device__ __forceinline__ LaneChunks(int row_, int c_) : row(row_), c(c_) {
    if constexpr (kD % 64 == 0) {
#pragma unroll
      for (int q = 0; q < 4; ++q) off[q] = static_cast<uint32_t>(Swz<kD>(row, 2 * q + c)) * 2;
    }
  }
  // Bytes of (row + extra_rows, chunk 2 k + c); extra_rows a multiple of 8.
  __device__ __forceinline__ uint32_t At(int extra_rows, int k) const {
    if constexpr (kD % 64 == 0) return off[k % 4] + static_cast<uint32_t>((extra_rows * kD + (k / 4) * 64) * 2);
    return static_cast<uint32_t>(Swz<kD>(row + extra_rows, 2 * k + c)) * 2;
  }
};

// Sum and max over the 4 lanes of a quad (the lanes that share an accumulator row).
__device__ __forceinline__ float QuadMax(float x) {
  x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
  return fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
}
__device__ __forceinline__ float QuadSum(float x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}
__device__ __forceinline__ int QuadSumInt(int x) {
  x += __shfl_xor_sync(0xffffffffu, x, 1);
  return x + __shfl_xor_sync(0xffffffffu, x, 2);
}

struct MmaParams {
  const void* q;
  const void* k;
  const void* v;
  void* o;
  float* lse;
  int n;
  bool causal;
  float scale;       // softmax scale
  float scale_log2;  // scale * log2(e)
  float beta, eps;   // stabilized softmax
};

// ---- 2. The kernel -------------------------------------------------------------------------

// O~ of a warp: FP32 mma accumulators (fa2-*), or BF16 pairs for paper-bf16, where every
// update of O~ rounds to BF16 anyway: then rescale and add are one packed BF16 multiply and
// one packed add per two elements (correctly rounded, as R(R(rescale O~) + R(O-bar)) asks),
// and the accumulator takes half the registers.
template <bool kPaper, int kMTiles, int kOTiles>
struct OAcc {
  float f[kMTiles][kOTiles][4];  // element e of n8 tile t: row half e / 2
};
template <int kMTiles, int kOTiles>
struct OAcc<true, kMTiles, kOTiles> {
  __nv_bfloat162 h[kMTiles][kOTiles][2];  // pair r = elements 2r, 2r + 1
};

// Where the P V mma of O~'s n8 tile t (m-tile mt) accumulates: O~ itself, or (paper-bf16)
// the block product blk[mt][i] that is rounded and added afterwards.
template <bool kPaper, int kMTiles, int kOTiles>
__device__ __forceinline__ auto PvTarget(OAcc<kPaper, kMTiles, kOTiles>& o, float (&blk)[kMTiles][2][4], int mt,
                                         int t, int i) -> float (&)[4] {
  if constexpr (kPaper) return blk[mt][i];
  else return o.f[mt][t];
}

// kWarps warps of kMTiles x 16 query rows each (Br = 16 kMTiles kWarps) against Bc keys.
template <int kD, int kWarps, int kMTiles, int kBc, MmaNumerics kNum, bool kStab>
__global__ void __launch_bounds__(kWarps * 32)
    fa2_mma(const MmaParams p) {
  using E = Elem<kNum>;
  using T = typename E::T;
  constexpr bool kPaper = kNum == MmaNumerics::kPaperBf16;
  constexpr int kWarpRows = 16 * kMTiles;
  constexpr int kBr = kWarpRows * kWarps;
  constexpr int kThreads = 32 * kWarps;
  constexpr int kKSteps = kD / 16;  // k16 steps of Q K^T
  constexpr int kSTiles = kBc / 8;  // n8 tiles of S (keys)
  constexpr int kOTiles = kD / 8;   // n8 tiles of O (features)
  constexpr int kPSteps = kBc / 16; // k16 steps of P V
  static_assert(kD % 16 == 0 && kBc % 16 == 0, "tiles of whole mma steps");

  extern __shared__ __align__(128) unsigned char smem[];
  T* s_q = reinterpret_cast<T*>(smem);
  T* s_k = s_q + kBr * kD;      // [2][kBc][kD]
  T* s_v = s_k + 2 * kBc * kD;  // [2][kBc][kD]

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int q_block = gridDim.x - 1 - blockIdx.x;
  const int64_t head = static_cast<int64_t>(blockIdx.y) * p.n * kD;
  const T* g_q = static_cast<const T*>(p.q) + head;
  const T* g_k = static_cast<const T*>(p.k) + head;
  const T* g_v = static_cast<const T*>(p.v) + head;
  const int row0 = q_block * kBr;
  const int kv_end = p.causal ? min(p.n, row0 + kBr) : p.n;
  const int blocks = (kv_end + kBc - 1) / kBc;

  // Commit groups, in order: {Q, K_0}, {V_0}, then {K_j+1}, {V_j+1} in iteration j (empty
  // past the last block), so that S can start while V is still on its way.
  LoadTile<kBr, kD, kThreads>(s_q, g_q, row0, p.n);
  LoadTile<kBc, kD, kThreads>(s_k, g_k, 0, p.n);
  CpAsyncCommit();
  LoadTile<kBc, kD, kThreads>(s_v, g_v, 0, p.n);
  CpAsyncCommit();

  // Lane's rows: m-tile mt, half r: row0 + kWarpRows warp + 16 mt + 8 r + lane / 4.
  const int warp_row = warp * kWarpRows;
  // ldmatrix lanes: Q (A operand) and V (.trans) read row lane % 16, chunk 2k + lane / 16;
  // K reads key lane % 8 + 8 (lane / 16), chunk 2k + (lane / 8) % 2.
  const LaneChunks<kD> qv(lane % 16, lane / 16);
  const LaneChunks<kD> kc(lane % 8 + (lane / 16) * 8, (lane / 8) % 2);
  const uint32_t q_addr = SmemAddr(s_q);
  OAcc<kPaper, kMTiles, kOTiles> o;
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
    for (int t = 0; t < kOTiles; ++t) {
      if constexpr (kPaper) o.h[mt][t][0] = o.h[mt][t][1] = __floats2bfloat162_rn(0.0f, 0.0f);
      else o.f[mt][t][0] = o.f[mt][t][1] = o.f[mt][t][2] = o.f[mt][t][3] = 0.0f;
    }
  float m[kMTiles][2], l[kMTiles][2];  // m: raw dot units (fa2-*), S units (paper); l: per-lane
#pragma unroll                         // partial sums (fa2-*), whole rows (paper)
  for (int mt = 0; mt < kMTiles; ++mt) m[mt][0] = m[mt][1] = -INFINITY, l[mt][0] = l[mt][1] = 0.0f;

  for (int j = 0; j < blocks; ++j) {
    const int stage = j & 1;
    if (j + 1 < blocks) LoadTile<kBc, kD, kThreads>(s_k + (stage ^ 1) * kBc * kD, g_k, (j + 1) * kBc, p.n);
    CpAsyncCommit();
    if (j + 1 < blocks) LoadTile<kBc, kD, kThreads>(s_v + (stage ^ 1) * kBc * kD, g_v, (j + 1) * kBc, p.n);
    CpAsyncCommit();
    CpAsyncWait<3>();  // K_j (and Q) have landed
    __syncthreads();
    const uint32_t k_addr = SmemAddr(s_k + stage * kBc * kD);
    const uint32_t v_addr = SmemAddr(s_v + stage * kBc * kD);

    // S = Q K_j^T: each K fragment feeds kMTiles x 2 mma.
    float s[kMTiles][kSTiles][4];
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
      for (int t = 0; t < kSTiles; ++t) s[mt][t][0] = s[mt][t][1] = s[mt][t][2] = s[mt][t][3] = 0.0f;
#pragma unroll
    for (int kk = 0; kk < kKSteps; ++kk) {
      uint32_t a[kMTiles][4];
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt)
        Ldmatrix4(a[mt], q_addr + qv.At(warp_row + mt * 16, kk));
#pragma unroll
      for (int np = 0; np < kSTiles / 2; ++np) {
        uint32_t b[4];
        Ldmatrix4(b, k_addr + kc.At(np * 16, kk));
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt) {
          E::Mma(s[mt][2 * np], a[mt], b[0], b[1]);
          E::Mma(s[mt][2 * np + 1], a[mt], b[2], b[3]);
        }
      }
    }

    // Keys past N, and after the query inside a block that straddles the diagonal: -inf.
    const int col0 = j * kBc;
    if (col0 + kBc > p.n || (p.causal && col0 + kBc - 1 > row0)) {
#pragma unroll
      for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
        for (int t = 0; t < kSTiles; ++t)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int col = col0 + t * 8 + (lane % 4) * 2 + (e & 1);
            const int row = row0 + warp_row + mt * 16 + (e >> 1) * 8 + lane / 4;
            if (col >= p.n || (p.causal && col > row)) s[mt][t][e] = -INFINITY;
          }
    }

    // Online softmax on the accumulators: the lane holds half r of each m-tile (elements
    // 2r and 2r + 1 of every n8 tile).
    float rescale[kMTiles][2];
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float(&x)[kSTiles][4] = s[mt];
        if constexpr (kPaper) {
#pragma unroll
          for (int t = 0; t < kSTiles; ++t) {
            float& a = x[t][2 * r];
            float& b = x[t][2 * r + 1];
            Rb2(a, b);
            a *= p.scale;
            b *= p.scale;
            Rb2(a, b);
          }
        }
        float r_m = -INFINITY;
#pragma unroll
        for (int t = 0; t < kSTiles; ++t) r_m = fmaxf(r_m, fmaxf(x[t][2 * r], x[t][2 * r + 1]));
        r_m = QuadMax(r_m);
        float shift = r_m;
        if constexpr (kStab) {
          // Ties within eps of r_m (eps in S units; raw dot units divide it by the scale).
          const float tie = r_m - (kPaper ? p.eps : p.eps / p.scale);
          int r_s = 0;
#pragma unroll
          for (int t = 0; t < kSTiles; ++t)
#pragma unroll
            for (int e = 2 * r; e < 2 * r + 2; ++e) r_s += (x[t][e] != -INFINITY && x[t][e] >= tie);
          r_s = QuadSumInt(r_s);
          if (r_m != -INFINITY && r_s > 1) {
            if (r_m > 0.0f) shift = kPaper ? Rb(p.beta * r_m) : p.beta * r_m;
            else if (r_m < 0.0f) shift = 0.0f;
          }
        }
        const float m_old = m[mt][r];
        const float m_new = fmaxf(m_old, shift);
        if constexpr (kPaper) {
          // Rounded as precision.h's ExpShifted, UpdateL: every operation to BF16.
          rescale[mt][r] = m_old == -INFINITY ? 0.0f : Rb(Ex2(Rb(m_old - m_new) * kLog2e));
          float rowsum = 0.0f;
#pragma unroll
          for (int t = 0; t < kSTiles; ++t) {
            float& a = x[t][2 * r];
            float& b = x[t][2 * r + 1];
            a -= m_new;
            b -= m_new;
            Rb2(a, b);
            a = Ex2(a * kLog2e);
            b = Ex2(b * kLog2e);
            Rb2(a, b);
            rowsum += a + b;
          }
          rowsum = Rb(QuadSum(rowsum));
          l[mt][r] = Rb(Rb(rescale[mt][r] * l[mt][r]) + rowsum);
        } else {
          // m_new is finite: key 0 is in every row's first block.
          const float m_scaled = m_new * p.scale_log2;
          rescale[mt][r] = Ex2(__fmaf_rn(m_old, p.scale_log2, -m_scaled));  // m_old = -inf: 0
          float rowsum = 0.0f;
#pragma unroll
          for (int t = 0; t < kSTiles; ++t)
#pragma unroll
            for (int e = 2 * r; e < 2 * r + 2; ++e) {
              x[t][e] = Ex2(__fmaf_rn(x[t][e], p.scale_log2, -m_scaled));
              rowsum += x[t][e];
            }
          l[mt][r] = __fmaf_rn(l[mt][r], rescale[mt][r], rowsum);
#pragma unroll
          for (int t = 0; t < kOTiles; ++t) {
            o.f[mt][t][2 * r] *= rescale[mt][r];
            o.f[mt][t][2 * r + 1] *= rescale[mt][r];
          }
        }
        m[mt][r] = m_new;
      }

    // P-bar as A fragments: S tiles 2t and 2t+1 are columns [16t, 16t + 16) of k16 step t.
    uint32_t p_frag[kMTiles][kPSteps][4];
#pragma unroll
    for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
      for (int t = 0; t < kPSteps; ++t) {
        p_frag[mt][t][0] = E::Pack(s[mt][2 * t][0], s[mt][2 * t][1]);
        p_frag[mt][t][1] = E::Pack(s[mt][2 * t][2], s[mt][2 * t][3]);
        p_frag[mt][t][2] = E::Pack(s[mt][2 * t + 1][0], s[mt][2 * t + 1][1]);
        p_frag[mt][t][3] = E::Pack(s[mt][2 * t + 1][2], s[mt][2 * t + 1][3]);
      }

    CpAsyncWait<2>();  // V_j has landed
    __syncthreads();
    // O~ += P-bar V_j, each V fragment feeding kMTiles x 2 mma (paper-bf16: the block product
    // on its own in FP32, rounded, then added to the rescaled O~ in BF16).
#pragma unroll
    for (int dp = 0; dp < kOTiles / 2; ++dp) {
      float blk[kMTiles][2][4] = {};  // paper-bf16's block product of O~'s tiles 2dp, 2dp + 1
#pragma unroll
      for (int t = 0; t < kPSteps; ++t) {
        uint32_t b[4];
        Ldmatrix4Trans(b, v_addr + qv.At(t * 16, dp));
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
          for (int i = 0; i < 2; ++i) E::Mma(PvTarget(o, blk, mt, 2 * dp + i, i), p_frag[mt][t], b[2 * i], b[2 * i + 1]);
      }
      if constexpr (kPaper) {
#pragma unroll
        for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
          for (int i = 0; i < 2; ++i)
#pragma unroll
            for (int r = 0; r < 2; ++r) {
              __nv_bfloat162& y = o.h[mt][2 * dp + i][r];
              const __nv_bfloat162 scale2 = __floats2bfloat162_rn(rescale[mt][r], rescale[mt][r]);
              y = __hadd2(__hmul2(scale2, y), __floats2bfloat162_rn(blk[mt][i][2 * r], blk[mt][i][2 * r + 1]));
            }
      }
    }
    __syncthreads();  // this stage is refilled by the next iteration's loads
  }
  CpAsyncWait<0>();

  // O = O~ / l in the output format, L = m + log l.
  T* g_o = static_cast<T*>(p.o) + head;
#pragma unroll
  for (int mt = 0; mt < kMTiles; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      const int row = row0 + warp_row + mt * 16 + r * 8 + lane / 4;
      const float l_row = kPaper ? l[mt][r] : QuadSum(l[mt][r]);
      if (row >= p.n) continue;
#pragma unroll
      for (int t = 0; t < kOTiles; ++t) {
        float lo, hi;
        if constexpr (kPaper) {
          const float2 y = __bfloat1622float2(o.h[mt][t][r]);
          lo = y.x / l_row;
          hi = y.y / l_row;
        } else {
          lo = o.f[mt][t][2 * r] / l_row;
          hi = o.f[mt][t][2 * r + 1] / l_row;
        }
        *reinterpret_cast<uint32_t*>(g_o + static_cast<int64_t>(row) * kD + t * 8 + (lane % 4) * 2) =
            E::Pack(lo, hi);
      }
      if (lane % 4 == 0) {
        p.lse[static_cast<int64_t>(blockIdx.y) * p.n + row] =
            kPaper ? Rb(m[mt][r] + Rb(logf(l_row))) : m[mt][r] * p.scale + logf(l_row);
      }
    }
}

// ---- 3. Host side --------------------------------------------------------------------------

// 32 rows per warp (each K and V fragment feeds four mma) and Bc = 64: the fastest tile of the
// sweep at d = 64 and 128 on the H100 (bench/results/). paper-bf16 at d = 128 takes 16-row
// warps: its rounded scores and block products do not fit in the registers next to 32 rows.
constexpr MmaTile DefaultTileFor(int d, MmaNumerics num) {
  return num == MmaNumerics::kPaperBf16 && d > 96 ? MmaTile{128, 64, 8} : MmaTile{128, 64, 4};
}

template <int kD, int kWarps, int kMTiles, int kBc, MmaNumerics kNum, bool kStab>
constexpr auto KernelOf() {
  return fa2_mma<kD, kWarps, kMTiles, kBc, kNum, kStab>;
}

template <int kD, int kBr, int kBc, int kWarps, MmaNumerics kNum, bool kStab, class F>
void RunTile(F& f) {
  f.template Run<kD, kWarps, kBr / (16 * kWarps), kBc, kNum, kStab>();
}

// The sweep's tile I, J, ... that equals t (BF16 fa2-bf16 standard at d = 64 and 128 only).
template <int kD, MmaNumerics kNum, bool kStab, size_t kI, class F>
bool WithSweepTile(MmaTile t, F& f) {
  constexpr size_t kCount = sizeof kFa2MmaSweepTiles / sizeof kFa2MmaSweepTiles[0];
  if constexpr (kI == kCount) {
    return false;
  } else {
    constexpr MmaTile kTile = kFa2MmaSweepTiles[kI];
    if constexpr (Fa2MmaSweepTileFits(kD, kTile)) {
      if (t == kTile) return RunTile<kD, kTile.br, kTile.bc, kTile.warps, kNum, kStab>(f), true;
    }
    return WithSweepTile<kD, kNum, kStab, kI + 1>(t, f);
  }
}

// Calls f.Run<kD, kWarps, kMTiles, kBc, kNum, kStab>() for the instantiation that (d, tile,
// numerics, softmax) selects; false when that combination is not built. Built: the default
// tile of every d for every numerics and softmax, and the sweep tiles for BF16 fa2-bf16 with
// the standard softmax at d = 64 and 128.
template <int kD, MmaNumerics kNum, bool kStab, class F>
bool WithTile(MmaTile t, F& f) {
  constexpr MmaTile kDefault = DefaultTileFor(kD, kNum);
  if (t == kDefault) return RunTile<kD, kDefault.br, kDefault.bc, kDefault.warps, kNum, kStab>(f), true;
  if constexpr (kNum == MmaNumerics::kFa2Bf16 && !kStab && (kD == 64 || kD == 128))
    return WithSweepTile<kD, kNum, kStab, 0>(t, f);
  return false;
}

template <MmaNumerics kNum, bool kStab, class F>
bool WithD(int d, MmaTile t, F& f) {
  static_assert(sizeof kAllowedD / sizeof kAllowedD[0] == 5, "one case per allowed d");
  switch (d) {
    case 16: return WithTile<16, kNum, kStab>(t, f);
    case 32: return WithTile<32, kNum, kStab>(t, f);
    case 64: return WithTile<64, kNum, kStab>(t, f);
    case 96: return WithTile<96, kNum, kStab>(t, f);
    case 128: return WithTile<128, kNum, kStab>(t, f);
    default: return false;
  }
}

template <class F>
bool Dispatch(int d, MmaTile t, MmaNumerics num, bool stab, F& f) {
  switch (num) {
    case MmaNumerics::kFa2Bf16:
      return stab ? WithD<MmaNumerics::kFa2Bf16, true>(d, t, f) : WithD<MmaNumerics::kFa2Bf16, false>(d, t, f);
    case MmaNumerics::kFa2Fp16:
      return stab ? WithD<MmaNumerics::kFa2Fp16, true>(d, t, f) : WithD<MmaNumerics::kFa2Fp16, false>(d, t, f);
    case MmaNumerics::kPaperBf16:
      return stab ? WithD<MmaNumerics::kPaperBf16, true>(d, t, f)
                  : WithD<MmaNumerics::kPaperBf16, false>(d, t, f);
  }
  return false;
}

struct NoOp {
  template <int kD, int kWarps, int kMTiles, int kBc, MmaNumerics kNum, bool kStab>
  void Run() const {}
};

struct Launch {
  const MmaParams& p;
  int batch_heads;
  cudaStream_t stream;
  template <int kD, int kWarps, int kMTiles, int kBc, MmaNumerics kNum, bool kStab>
  void Run() const {
    constexpr int kBr = 16 * kMTiles * kWarps;
    const auto kernel = KernelOf<kD, kWarps, kMTiles, kBc, kNum, kStab>();
    const size_t smem = Fa2MmaSmemBytes(MmaTile{kBr, kBc, kWarps}, kD);
    // Once per kernel and process: the opt-in past 48 KiB of dynamic shared memory.
    static const cudaError_t opt_in = cudaFuncSetAttribute(
        kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    FS_CUDA_CHECK(opt_in);
    const dim3 grid((p.n + kBr - 1) / kBr, batch_heads);
    kernel<<<grid, 32 * kWarps, smem, stream>>>(p);
    FS_CUDA_CHECK(cudaGetLastError());
  }
};

struct Registers {
  int* out;
  template <int kD, int kWarps, int kMTiles, int kBc, MmaNumerics kNum, bool kStab>
  void Run() const {
    cudaFuncAttributes attr{};
    FS_CUDA_CHECK(cudaFuncGetAttributes(&attr, KernelOf<kD, kWarps, kMTiles, kBc, kNum, kStab>()));
    *out = attr.numRegs;
  }
};

MmaTile TileOf(const Fa2MmaArgs& a) { return a.tile == MmaTile{} ? Fa2MmaDefaultTile(a.d, a.numerics) : a.tile; }

}  // namespace



MmaTile Fa2MmaDefaultTile(int d, const NumericPolicy& np) { return DefaultTileFor(d, Fa2MmaNumericsOf(np)); }

std::string Fa2MmaPolicyError(const NumericPolicy& np) {
  const std::string name = PrecisionName(np.precision);
  if (name == "fa2-bf16" || name == "fa2-fp16" || name == "paper-bf16") return "";
  return "fa2_mma runs the presets fa2-bf16, fa2-fp16 and paper-bf16 (either softmax); the "
         "precision asked for is " + (name == "custom" ? DescribePrecision(np.precision) : name);
}

MmaNumerics Fa2MmaNumericsOf(const NumericPolicy& np) {
  const std::string name = PrecisionName(np.precision);
  if (name == "fa2-fp16") return MmaNumerics::kFa2Fp16;
  if (name == "paper-bf16") return MmaNumerics::kPaperBf16;
  return MmaNumerics::kFa2Bf16;
}

Format Fa2MmaDtype(MmaNumerics m) { return m == MmaNumerics::kFa2Fp16 ? Format::kFp16 : Format::kBf16; }

size_t Fa2MmaSmemBytes(MmaTile t, int d) {
  return static_cast<size_t>(t.br + 4 * t.bc) * d * 2;  // 16-bit elements
}

bool Fa2MmaHasTile(int d, MmaTile t, const NumericPolicy& np) {
  NoOp none;
  return Dispatch(d, t, Fa2MmaNumericsOf(np), np.softmax == Softmax::kStabilized, none);
}

std::string Fa2MmaArgsError(const Fa2MmaArgs& a) {
  const std::string policy = Fa2MmaPolicyError(a.numerics);
  if (!policy.empty()) return policy;
  if (a.n < 1) return "N is " + std::to_string(a.n) + "; allowed: 1 or more";
  if (a.batch_heads < 1 || a.batch_heads > kMaxGridY)
    return "B*H is " + std::to_string(a.batch_heads) + "; allowed: 1.." + std::to_string(kMaxGridY);
  if (!IsAllowed(kAllowedD, a.d))
    return "d is " + std::to_string(a.d) + "; allowed: " + AllowedList(kAllowedD);
  if (!(a.scale > 0.0f) || !std::isfinite(a.scale))
    return "the softmax scale is " + std::to_string(a.scale) + "; allowed: a finite number > 0";
  for (const void* ptr : {a.q, a.k, a.v, static_cast<const void*>(a.o), static_cast<const void*>(a.lse)})
    if (ptr == nullptr || reinterpret_cast<uintptr_t>(ptr) % 16 != 0)
      return "Q, K, V, O and L must be device pointers aligned to 16 bytes";
  const MmaTile t = TileOf(a);
  if (!Fa2MmaHasTile(a.d, t, a.numerics)) {
    const MmaTile def = Fa2MmaDefaultTile(a.d, a.numerics);
    return "fa2_mma has no " + TileText(t) + " kernel for d=" + std::to_string(a.d) +
           " with these numerics; built: " + TileText(def) +
           " for every d and numerics, and the sweep tiles (Br 64 or 128, Bc 32, 64 or 128, "
           "16 or 32 rows per warp) for fa2-bf16 with the standard softmax at d=64 and 128";
  }
  return "";
}

void LaunchFa2Mma(const Fa2MmaArgs& a, cudaStream_t stream) {
  const std::string why = Fa2MmaArgsError(a);
  if (!why.empty()) throw BackendError("fa2_mma: " + why);
  MmaParams p{};
  p.q = a.q;
  p.k = a.k;
  p.v = a.v;
  p.o = a.o;
  p.lse = a.lse;
  p.n = a.n;
  p.causal = a.causal;
  p.scale = a.scale;
  p.scale_log2 = a.scale * kLog2e;
  p.beta = a.numerics.beta;
  p.eps = a.numerics.eps;
  Launch launch{p, a.batch_heads, stream};
  Dispatch(a.d, TileOf(a), Fa2MmaNumericsOf(a.numerics), a.numerics.softmax == Softmax::kStabilized,
           launch);
}

int Fa2MmaRegisters(const Fa2MmaArgs& a) {
  int regs = 0;
  Registers query{&regs};
  if (!Dispatch(a.d, TileOf(a), Fa2MmaNumericsOf(a.numerics), a.numerics.softmax == Softmax::kStabilized,
                query))
    throw BackendError("fa2_mma: " + Fa2MmaArgsError(a));
  return regs;
}

}  // namespace fs
