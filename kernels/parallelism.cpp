#include "parallelism.h"

#include <algorithm>
#include <queue>
#include <utility>
#include <vector>
#include <stdexcept>

#include "fmath.h"
#include "ladder.h"
#include "trace.h"

namespace fs {
namespace {
constexpr int kRegUnit = 256;  // registers are given to a warp in units of 256
// An SM's register file is split among its four schedulers, and warps are placed on them in
// units of four: the warps the registers allow are rounded down to a multiple of 4 (one warp of
// 192 registers a thread: 10 fit in 65536 by count, 8 by the four quarters of 16384).
constexpr int kWarpAllocUnit = 4;
}  // namespace

// Data sheets: SMs, 64 Ki registers and at most 2048 (Ada: 1536) threads and 32 (Ada: 24)
// blocks per SM; shared memory per SM, the most one block may opt in to, and the 1 KiB the
// system keeps for each resident block.
const GpuSpec kGpuSpecs[4] = {
    {"H100 SXM", 132, 65536, 228 * 1024, kH100SmemPerBlock, 1024, 2048, 32},
    {"H200", 132, 65536, 228 * 1024, kH100SmemPerBlock, 1024, 2048, 32},
    {"A100 SXM", 108, 65536, 164 * 1024, kA100SmemPerBlock, 1024, 2048, 32},
    {"RTX 4090", 128, 65536, 100 * 1024, 99 * 1024, 1024, 1536, 24},
};

const GpuSpec* FindGpuSpec(const std::string& name) {
  for (const GpuSpec& g : kGpuSpecs)
    if (name == g.name) return &g;
  return nullptr;
}

int TeachRegisters(TeachKernel k, int d) {
  // fa2_teach<d, false, false> and fa1<d, false>: the FP32 kernels without the trace.
  static constexpr int kDims[] = {16, 32, 64, 96, 128};
  static constexpr int kFa2[] = {168, 166, 168, 192, 192};
  static constexpr int kFa1[] = {168, 166, 160, 168, 168};
  for (int i = 0; i < 5; ++i)
    if (kDims[i] == d) return k == TeachKernel::kFa2Teach ? kFa2[i] : kFa1[i];
  return 0;
}

KernelUse TeachKernelUse(TeachKernel k, const Problem& p) {
  KernelUse u;
  u.threads = p.br / kRowsPerWarp * kWarpSize;
  u.regs_per_thread = TeachRegisters(k, p.d);
  u.smem_bytes = k == TeachKernel::kFa2Teach ? Fa2TeachSmemBytes(p.br, p.bc, p.d) : Fa1SmemBytes(p.br, p.bc, p.d);
  return u;
}

GridPlan PlanGrid(const GpuSpec& gpu, const KernelUse& use, int64_t blocks) {
  if (use.threads < 1 || use.regs_per_thread < 1 || blocks < 1)
    throw std::invalid_argument("a launch needs threads, registers and blocks");
  GridPlan g;
  g.blocks = blocks;
  const int warps = (use.threads + kWarpSize - 1) / kWarpSize;
  const int regs_per_warp = (use.regs_per_thread * kWarpSize + kRegUnit - 1) / kRegUnit * kRegUnit;
  const int warps_by_regs = gpu.regs_per_sm / regs_per_warp / kWarpAllocUnit * kWarpAllocUnit;
  const int by_regs = warps_by_regs / warps;
  const int by_threads = gpu.max_threads_per_sm / (warps * kWarpSize);
  const int by_smem = use.smem_bytes > gpu.smem_per_block
                          ? 0
                          : static_cast<int>(gpu.smem_per_sm / (use.smem_bytes + gpu.smem_reserved_per_block));
  g.blocks_per_sm = gpu.max_blocks_per_sm;
  g.limiter = "blocks";
  for (const auto& [count, what] : {std::pair<int, const char*>{by_threads, "threads"},
                                    {by_regs, "registers"},
                                    {by_smem, "shared memory"}})
    if (count < g.blocks_per_sm) {
      g.blocks_per_sm = count;
      g.limiter = what;
    }
  if (g.blocks_per_sm == 0) return g;
  g.concurrent = static_cast<int64_t>(g.blocks_per_sm) * gpu.sms;
  g.waves = (blocks + g.concurrent - 1) / g.concurrent;
  // Every wave but the last is full; the last holds the rest, one block per SM first.
  const int64_t last = blocks - (g.waves - 1) * g.concurrent;
  const double last_busy = std::min<double>(1.0, static_cast<double>(last) / gpu.sms);
  g.busy_sms = ((g.waves - 1) + last_busy) / static_cast<double>(g.waves);
  return g;
}

int64_t TeachBlocks(TeachKernel k, const Problem& p, int64_t bh) {
  return k == TeachKernel::kFa2Teach ? static_cast<int64_t>(p.QBlocks()) * bh : bh;
}

GridPlan PlanTeachGrid(const GpuSpec& gpu, TeachKernel k, const Problem& p, int64_t bh) {
  return PlanGrid(gpu, TeachKernelUse(k, p), TeachBlocks(k, p, bh));
}

std::vector<int64_t> WaveSlots(const GridPlan& g, int sms, int64_t wave) {
  std::vector<int64_t> slot_of(static_cast<size_t>(std::max(sms, 0)) * std::max(g.blocks_per_sm, 0), -1);
  if (g.blocks_per_sm == 0 || wave < 0 || wave >= g.waves) return slot_of;
  const int64_t first = wave * g.concurrent, last = std::min(g.blocks, first + g.concurrent);
  for (int64_t b = first; b < last; ++b) {
    const int64_t r = b - first;
    slot_of[static_cast<size_t>(r % sms) * g.blocks_per_sm + static_cast<size_t>(r / sms)] = b;
  }
  return slot_of;
}

SmLoad PlanSmLoad(int sms, TeachKernel k, const Problem& p, int64_t bh) {
  if (sms < 1 || bh < 1) throw std::invalid_argument("a launch needs SMs and heads");
  std::vector<int64_t> block_steps;  // of one head's blocks, in launch order
  const int64_t head_steps = static_cast<int64_t>(StepsHeld(p, -1));
  if (k == TeachKernel::kFa2Teach)
    for (int i = 0; i < p.QBlocks(); ++i) block_steps.push_back(LastKvBlock(p, i) + 1);
  else
    block_steps.push_back(head_steps);
  // Min-heap of (steps so far, SM): the next block goes to the least loaded SM, the lower
  // index first among equals.
  std::priority_queue<std::pair<int64_t, int>, std::vector<std::pair<int64_t, int>>, std::greater<>> free;
  for (int sm = 0; sm < sms; ++sm) free.push({0, sm});
  SmLoad load;
  for (int64_t h = 0; h < bh; ++h)
    for (int64_t steps : block_steps) {
      auto [so_far, sm] = free.top();
      free.pop();
      if (so_far == 0) ++load.sms_used;
      free.push({so_far + steps, sm});
      load.busiest_steps = std::max(load.busiest_steps, so_far + steps);
    }
  load.total_steps = head_steps * bh;
  return load;
}

SplitTraffic SplitKTraffic(const Problem& p, int q_block) {
  SplitTraffic t;
  t.warps = p.br / kRowsPerWarp;
  t.kv_blocks = LastKvBlock(p, q_block) + 1;
  // Per K/V block every warp writes its partial O (Br x d) and its m and l (2 Br), and the
  // combining step reads them all back.
  const uint64_t per_warp = static_cast<uint64_t>(p.br) * (p.d + 2) * sizeof(float);
  t.split_k_bytes = 2 * per_warp * t.warps * t.kv_blocks;
  return t;
}

namespace {
int KvBlocksOfRow(const Problem& p, int row) {
  if (row < 0 || row >= p.n)
    throw std::invalid_argument("row " + std::to_string(row) + " is not in 0.." + std::to_string(p.n - 1));
  return LastKvBlock(p, row / p.br) + 1;
}
}  // namespace

RowWork Fa1RowWork(const Problem& p, int row) {
  RowWork w;
  w.kv_blocks = KvBlocksOfRow(p, row);
  // O_i = (l_old rescale O_i + scale_blk O-bar) / l_new at every K/V block: two scalings and a
  // division of each of the d features.
  w.divisions = static_cast<uint64_t>(w.kv_blocks) * p.d;
  w.rescale_mults = 2ull * w.kv_blocks * p.d;
  return w;
}

RowWork Fa2RowWork(const Problem& p, int row) {
  RowWork w;
  w.kv_blocks = KvBlocksOfRow(p, row);
  // O~ *= rescale at every K/V block; O = O~ / l once, after the last.
  w.divisions = static_cast<uint64_t>(p.d);
  w.rescale_mults = static_cast<uint64_t>(w.kv_blocks) * p.d;
  return w;
}

TracedRowWork RowWorkFromTrace(const Trace& t, int row) {
  TracedRowWork w;
  w.fa1 = Fa1RowWork(t.problem, row);
  w.fa2 = Fa2RowWork(t.problem, row);
  const std::vector<int> steps = StepsOfRow(t, row);
  if (static_cast<int>(steps.size()) != w.fa2.kv_blocks)
    throw std::logic_error("the trace has " + std::to_string(steps.size()) + " steps for row " + std::to_string(row) +
                           ", the loop " + std::to_string(w.fa2.kv_blocks));
  if (steps.empty() || !t.Holds(steps.front())) return w;
  w.rescales_not_one = 0;
  for (int k : steps) {
    const float rescale = t.Rescale(k)[row - t.steps[static_cast<size_t>(k)].row0];
    if (rescale != 1.0f) ++w.rescales_not_one;
  }
  return w;
}

}  // namespace fs
