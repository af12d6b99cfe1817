// FlashAttention-2's work partitioning, computed for a problem (../shared/docs/BACKGROUND.md §2):
// how the thread blocks of fa2_teach (one per Q block and head) and of fa1 (one per head) fill
// a GPU's SMs in waves, with the occupancy their registers and shared memory allow; what
// split-K inside a block would move through shared memory that split-Q does not; and the
// divisions and rescale multiplications per row that FA1's order does and FA2's defers.
//
// The GPU is one of a short list (kGpuSpecs, from the vendors' data sheets), or the device's
// own numbers when there is one. The registers per thread are those ptxas gives the kernels
// (kTeachRegisters), compiled with nvcc 13.0 for sm_90a and stated as such wherever shown; a
// CUDA build asks the occupancy API instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "problem.h"
#include "trace.h"

namespace fs {

struct GpuSpec {
  std::string name;
  int sms = 0;
  int regs_per_sm = 0;             // 32-bit registers
  size_t smem_per_sm = 0;          // bytes of shared memory an SM can give its blocks
  size_t smem_per_block = 0;       // the most one block may opt in to
  size_t smem_reserved_per_block = 0;  // what the system keeps of the SM's shared memory per block
  int max_threads_per_sm = 0;
  int max_blocks_per_sm = 0;
};
extern const GpuSpec kGpuSpecs[4];  // H100 SXM, H200, A100 SXM, RTX 4090
const GpuSpec* FindGpuSpec(const std::string& name);  // by name; nullptr when unknown

constexpr int kMaxPictureHeads = 1024;  // the most batch x heads the parallelism panel pictures

enum class TeachKernel { kFa2Teach, kFa1 };

// Registers per thread of the FP32 untraced kernel at head dimension d (16, 32, 64, 96, 128),
// from ptxas (nvcc 13.0, sm_90a); 0 for another d.
int TeachRegisters(TeachKernel k, int d);
constexpr const char* kTeachRegistersSource = "ptxas -v, nvcc 13.0, sm_90a";

struct KernelUse {
  int threads = 0;          // per block
  int regs_per_thread = 0;
  size_t smem_bytes = 0;    // per block
};
// The kernel's use for problem p: Br/16 warps, its registers, its shared memory (ladder.h).
KernelUse TeachKernelUse(TeachKernel k, const Problem& p);

struct GridPlan {
  int64_t blocks = 0;        // thread blocks of the launch
  int blocks_per_sm = 0;     // resident at once on one SM (0: the block does not fit)
  std::string limiter;       // what bounds blocks_per_sm: "registers", "shared memory", "threads", "blocks"
  int64_t concurrent = 0;    // blocks_per_sm * SMs
  int64_t waves = 0;         // ceil(blocks / concurrent)
  double busy_sms = 0.0;     // fraction of the SMs with a block, averaged over the waves
};
// How `blocks` blocks of `use` run on `gpu`. Registers are allocated per warp in units of 256,
// and the warps they allow are counted in units of 4 (the SM's four schedulers).
GridPlan PlanGrid(const GpuSpec& gpu, const KernelUse& use, int64_t blocks);
// The blocks of kernel k's launch for p at batch * heads = bh: fa2_teach QBlocks x bh, fa1 bh.
int64_t TeachBlocks(TeachKernel k, const Problem& p, int64_t bh);
// That launch with the kernel's use (TeachKernelUse).
GridPlan PlanTeachGrid(const GpuSpec& gpu, TeachKernel k, const Problem& p, int64_t bh);

// The blocks of wave `wave` (from 0) of plan g in the slots of `sms` SMs: (sms, blocks_per_sm)
// row-major, a block's index in launch order or -1 for an empty slot. In a wave the blocks go
// to the SMs in launch order, one per SM before a second: block r of the wave to SM r % sms,
// slot r / sms. Every slot empty past the last wave.
std::vector<int64_t> WaveSlots(const GridPlan& g, int sms, int64_t wave);

// Steps per SM when the launch's blocks go, in launch order, each to the SM with the fewest
// K/V-block steps so far, an SM taken as running one step at a time whatever it holds: the
// busiest SM's steps bound the launch's time, in steps. A fa2_teach block (Q block i of a head)
// runs LastKvBlock(i) + 1 steps; a fa1 block runs every step of its head, in turn.
struct SmLoad {
  int64_t total_steps = 0;
  int64_t busiest_steps = 0;
  int sms_used = 0;          // SMs given at least one block
};
SmLoad PlanSmLoad(int sms, TeachKernel k, const Problem& p, int64_t bh);

// This GPU as the CUDA runtime describes it (cudaGetDeviceProperties), with kernel k's use for p
// and its blocks per SM as the runtime computes them (cudaFuncGetAttributes and
// cudaOccupancyMaxActiveBlocksPerMultiprocessor on the FP32 untraced kernel). Throws
// BackendError (backend.h) when there is no usable CUDA device or this build has no CUDA.
struct DeviceOccupancy {
  GpuSpec gpu;
  KernelUse use;
  int blocks_per_sm = 0;
};
DeviceOccupancy QueryTeachOccupancy(TeachKernel k, const Problem& p);

// Shared-memory traffic of one Q block through its K/V blocks: split-Q (each warp owns 16 rows
// and everything of them) exchanges nothing between warps; split-K (each warp takes a slice of
// the keys, as FlashAttention-1 did) writes every warp's partial O (Br x d), m and l after
// every K/V block and reads them back to combine them.
struct SplitTraffic {
  int warps = 0;
  int kv_blocks = 0;            // that the Q block visits
  uint64_t split_q_bytes = 0;   // 0
  uint64_t split_k_bytes = 0;   // written and read back, FP32
};
SplitTraffic SplitKTraffic(const Problem& p, int q_block);

// Work on O per query row: FA1's order divides O by l and rescales it at every K/V block (O
// lives in HBM, normalized); FA2 rescales the unnormalized O~ at every block and divides once.
struct RowWork {
  int kv_blocks = 0;
  uint64_t divisions = 0;        // of O's d features by l
  uint64_t rescale_mults = 0;    // multiplications of O's features by a rescale factor
};
RowWork Fa1RowWork(const Problem& p, int row);
RowWork Fa2RowWork(const Problem& p, int row);

// The same counts for a row of a run, from its trace: the K/V blocks are the steps the trace
// has for the row, and of the rescale factors recorded there, how many were not exactly 1 (the
// row's running max grew, and O~ really changed; the first step's factor of 0 counts). -1
// when the row's steps are not held (another Q block's window).
struct TracedRowWork {
  RowWork fa1, fa2;
  int rescales_not_one = -1;
};
TracedRowWork RowWorkFromTrace(const Trace& t, int row);

}  // namespace fs
