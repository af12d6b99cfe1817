#include "parallelism.h"

#include <algorithm>
#include <stdexcept>

#include "fmath.h"
#include "ladder.h"
#include "trace.h"

namespace fs {
namespace {
constexpr int kRegUnit = 256;  // registers are given to a warp in units of 256
}  // namespace

// Data sheets: SMs, 64 Ki registers and at most 2048 (Ada: 1536) threads and 32 (Ada: 24)
// blocks per SM; shared memory per SM and the most one block may opt in to.
const GpuSpec kGpuSpecs[4] = {
    {"H100 SXM", 132, 65536, 228 * 1024, kH100SmemPerBlock, 2048, 32},
    {"H200", 132, 65536, 228 * 1024, kH100SmemPerBlock, 2048, 32},
    {"A100 SXM", 108, 65536, 164 * 1024, kA100SmemPerBlock, 2048, 32},
    {"RTX 4090", 128, 65536, 100 * 1024, 99 * 1024, 1536, 24},
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
  const int by_regs = gpu.regs_per_sm / (regs_per_warp * warps);
  const int by_threads = gpu.max_threads_per_sm / (warps * kWarpSize);
  const int by_smem = use.smem_bytes > gpu.smem_per_block
                          ? 0
                          : use.smem_bytes == 0 ? gpu.max_blocks_per_sm
                                                : static_cast<int>(gpu.smem_per_sm / use.smem_bytes);
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

GridPlan PlanTeachGrid(const GpuSpec& gpu, TeachKernel k, const Problem& p, int64_t bh) {
  const int64_t blocks = k == TeachKernel::kFa2Teach ? static_cast<int64_t>(p.QBlocks()) * bh : bh;
  return PlanGrid(gpu, TeachKernelUse(k, p), blocks);
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

}  // namespace fs
