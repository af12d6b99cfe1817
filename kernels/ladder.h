// The kernel ladder: every attention kernel FlashScope can time, from standard attention to
// tensor-core FlashAttention-2, in one table that the bench, the throughput panel, the
// lessons and the command line read. Plain C++: the table, the formulas (FLOPs, compulsory
// bytes, device memory) and the rules of which kernel runs which numerics hold on machines
// without a GPU too; the launchers live in kernels/cuda/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "precision.h"

namespace fs {

enum class KernelId : uint8_t { kStandard = 0, kFa1 = 1, kFa2Teach = 2, kFa2Mma = 3 };

struct KernelInfo {
  KernelId id;
  const char* name;      // "standard", "fa1", "fa2_teach", "fa2_mma": --kernels, JSON, lessons
  const char* title;     // for the panel: "Standard attention (cuBLAS)"
  const char* teaches;   // one line: what the rung shows
  bool traced;           // can be stepped through (a traced build of the same source)
  bool runs_fp32;        // storage formats of Q, K, V, O it reads and writes
  bool runs_bf16;
  bool runs_fp16;
};

// In ladder order, bottom to top.
extern const KernelInfo kKernels[4];

// nullptr when there is no kernel of that name.
const KernelInfo* FindKernel(const std::string& name);
const KernelInfo& KernelOf(KernelId id);
std::string KernelChoices();  // "standard, fa1, fa2_teach, fa2_mma"

// Whether `k` runs inputs stored in `dtype` with the numerics `np`: empty when it does,
// otherwise why not (naming what it runs).
//   standard   fp32, bf16 or fp16 with that format's natural preset and the standard softmax
//   fa1        fp32 storage, the fp32 preset and the standard softmax
//   fa2_teach  fp32 storage, any precision policy (emulated in FP32 registers), either softmax
//   fa2_mma    bf16 with fa2-bf16 or paper-bf16, fp16 with fa2-fp16; either softmax
std::string KernelRunsError(const KernelInfo& k, Format dtype, const NumericPolicy& np);

// The policy kernel k applies when asked for `asked` in `dtype` (KernelRunsError accepts it):
// `asked` itself, except standard attention in BF16 or FP16, which also stores S and P in
// that format (its GEMMs write them to HBM).
Precision KernelPrecision(const KernelInfo& k, Format dtype, const Precision& asked);

// The preset that is a format's own: fp32 -> fp32, bf16 -> fa2-bf16, fp16 -> fa2-fp16.
Precision NaturalPrecision(Format dtype);

// Bytes of one element stored in `dtype`.
int BytesOf(Format dtype);

// One shape of the bench: B*H heads of (N, d), causal or not.
struct LadderShape {
  int batch = 1, heads = 1;
  int n = 1024;
  int d = 64;
  bool causal = false;
  uint64_t BatchHeads() const { return static_cast<uint64_t>(batch) * static_cast<uint64_t>(heads); }
};

// "2x16x8192x128c" (B x H x N x d, c for causal): the --shape syntax.
std::string ShapeText(const LadderShape& s);
// Reads ShapeText's syntax, each number plain decimal (a trailing C is taken for c); false for
// anything else. The values are not checked (BenchRequestProblems does that).
bool ParseShapeText(std::string text, LadderShape* out);
constexpr bool operator==(const LadderShape& a, const LadderShape& b) {
  return a.batch == b.batch && a.heads == b.heads && a.n == b.n && a.d == b.d && a.causal == b.causal;
}
constexpr bool operator!=(const LadderShape& a, const LadderShape& b) { return !(a == b); }

// FLOPs of the forward pass: 4 B H N^2 d, halved for causal (the convention of the
// FlashAttention papers: the masked half is not counted).
double AttentionFlops(const LadderShape& s);
// Compulsory HBM traffic: Q, K, V read and O written once in `dtype`, L written in FP32.
double CompulsoryBytes(const LadderShape& s, Format dtype);
// Device memory the kernel's run holds (inputs, outputs and its workspace): standard keeps S
// (then P, in place) for every head, (B H N^2) elements; the FlashAttention kernels need O(N).
uint64_t KernelDeviceBytes(KernelId k, const LadderShape& s, Format dtype);

// Shared memory one thread block of the traced kernels needs, in bytes (FP32 tiles; the
// accumulator O~ and the row statistics m and l live in registers):
//   fa2_teach  the Q tile (Br, d), one K/V tile (Bc, d + 1) that V replaces K in, the S/P tile (Br, Bc)
//   fa1        K_j and V_j (Bc, d + 1) each, kept for a whole outer step, the Q tile and the S/P tile
size_t Fa2TeachSmemBytes(int br, int bc, int d);
size_t Fa1SmemBytes(int br, int bc, int d);
// What one thread block may have after opting in (cudaDevAttrMaxSharedMemoryPerBlockOptin) on
// the GPUs FlashScope was measured on, for telling a problem the CPU emulation runs but those
// GPUs would refuse.
constexpr size_t kH100SmemPerBlock = 227 * 1024;  // sm_90 (H100, H200)
constexpr size_t kA100SmemPerBlock = 163 * 1024;  // sm_80

// A thread-block tile: Br query rows shared by `warps` warps (16 or 32 rows each) against Bc
// keys per K/V block.
struct MmaTile {
  int br = 0, bc = 0, warps = 0;
  constexpr bool operator==(const MmaTile& o) const { return br == o.br && bc == o.bc && warps == o.warps; }
  constexpr int WarpRows() const { return warps ? br / warps : 0; }
};

// fa2_mma's tiles built for the sweep (BF16, fa2-bf16 numerics, standard softmax, d = 64 and 128;
// at d = 128 the 32-row tiles with Bc = 128 are left out: their accumulators do not fit in
// the registers), and the tile every other combination runs with.
constexpr MmaTile kFa2MmaSweepTiles[] = {
    {64, 32, 4},  {64, 64, 4},  {64, 128, 4},  {128, 32, 8}, {128, 64, 8}, {128, 128, 8},
    {64, 32, 2},  {64, 64, 2},  {64, 128, 2},  {128, 32, 4}, {128, 64, 4}, {128, 128, 4}};
constexpr int kFa2MmaSweepD[] = {64, 128};
constexpr bool Fa2MmaSweepTileFits(int d, MmaTile t) { return !(d == 128 && t.WarpRows() == 32 && t.bc == 128); }
// "Br=128 Bc=64 4 warps"
std::string TileText(MmaTile t);

// Largest max relative error against FP64 (reference.h's MaxRelativeError) that passes the
// bench's validation under this policy. Wide enough for the rounding the policy does by
// design (paper-bf16's BF16 statistics drift), narrow enough that a wrong result fails:
// 1e-4 all FP32; 5e-3 (FP16) or 2e-2 (BF16) rounding only the inputs, P-bar and O, doubled
// when S is rounded too; 0.1 when the accumulator or the statistics are rounded.
double ValidationTolerance(const NumericPolicy& np);

}  // namespace fs
