// Trace: every step of FlashAttention-2's tiled forward loop, as the kernel saw it.
//
// Step order is the loop order: Q block i outer, K/V block j inner (j = 0 .. LastKvBlock(i)).
// Each step stores a fixed-size record (TraceLayout) so that the CUDA kernel can write the
// same layout into a device buffer that the CPU emulation fills on the host. The fields of a
// record are listed once, in FS_TRACE_FIELDS below; the layout, the trace file header, the
// backend comparison and the test messages all derive from that list.
//
// Rows past the end of the sequence are left as the poison value (all bits set, a NaN), and so
// is o_blk on runs that add P-bar V straight into O-tilde (Precision::SeparateBlockProduct).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "problem.h"

namespace fs {

constexpr uint64_t kTraceBudgetBytes = 256ull << 20;  // per trace, host and device alike
constexpr uint32_t kPoisonBits = 0xFFFFFFFFu;         // a NaN; what cudaMemset(0xFF) writes

struct TraceBudgetError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Shape of a field within one step record.
enum class FieldShape : int {
  kTile,     // (Br, Bc)
  kRows,     // (Br)
  kRowsByD,  // (Br, d)
};

// X(id, accessor, shape, short name, meaning), in record order.
#define FS_TRACE_FIELDS(X)                                                                   \
  X(kS, S, kTile, "S", "scaled scores in the scores format; -inf where masked")              \
  X(kP, P, kTile, "P", "P-bar = exp(S - m_new) as it enters the P V product")               \
  X(kMOld, MOld, kRows, "m_old", "running max before the step")                              \
  X(kMNew, MNew, kRows, "m_new", "running max after the step: max(m_old, m')")              \
  X(kRescale, Rescale, kRows, "rescale", "exp(m_old - m_new), applied to l and O-tilde")    \
  X(kL, L, kRows, "l", "running sum after the step")                                         \
  X(kOAcc, OAcc, kRowsByD, "O~", "unnormalized O-tilde after the step")                       \
  X(kRMax, RMax, kRows, "r_m", "row max of this block's visible scores")                     \
  X(kRCount, RCount, kRows, "r_s", "visible scores within eps of r_m (a count, as a float)") \
  X(kMShift, MShift, kRows, "m'", "the block's shift: r_m, beta r_m or 0 (stabilized)")     \
  X(kOBlk, OBlk, kRowsByD, "O-bar", "P-bar V of this block in FP32, before its rounding")

enum TraceField : int {
#define FS_FIELD_ID(id, accessor, shape, name, meaning) id,
  FS_TRACE_FIELDS(FS_FIELD_ID)
#undef FS_FIELD_ID
  kTraceFieldCount
};

struct TraceFieldInfo {
  TraceField id;
  FieldShape shape;
  const char* name;
  const char* meaning;
};
extern const TraceFieldInfo kTraceFields[kTraceFieldCount];

// Where each field sits in a step record, in floats. Plain data: the CUDA kernels take it
// by value.
struct TraceLayout {
  int br = 0, bc = 0, d = 0;
  size_t offset[kTraceFieldCount] = {};
  size_t step_floats = 0;  // stride between steps, in floats

  size_t Floats(FieldShape shape) const {  // floats of one field of that shape
    return shape == FieldShape::kTile ? static_cast<size_t>(br) * bc
           : shape == FieldShape::kRows ? static_cast<size_t>(br)
                                        : static_cast<size_t>(br) * d;
  }
  static TraceLayout For(const Problem& p);
};
bool operator==(const TraceLayout& a, const TraceLayout& b);
// The field and index of float `offset` within a step record, e.g. "P[5][17]" or "l[3]".
std::string FieldAt(const TraceLayout& layout, size_t offset);

struct StepInfo {
  int q_block = 0, kv_block = 0;
  int row0 = 0, rows = 0;          // query rows [row0, row0 + rows)
  int col0 = 0, cols = 0;          // key rows   [col0, col0 + cols)
  bool last_for_q_block = false;   // O and L of these rows are written after this step
  uint64_t bytes_read = 0;         // HBM bytes read so far, this step included
  uint64_t bytes_written = 0;      // HBM bytes written so far, this step included
};

// Index of the last K/V block that Q block i visits (causal skips blocks above the diagonal).
int LastKvBlock(const Problem& p, int q_block);
// Steps in loop order with their HBM byte counts (FP32 elements); depends only on shape.
std::vector<StepInfo> PlanSteps(const Problem& p);
// Index of the first step of each Q block, plus one past the end (size QBlocks() + 1).
std::vector<int> StepOffsets(const Problem& p);
// Bytes the whole trace needs; TraceBudgetError when over kTraceBudgetBytes.
uint64_t TraceBytes(const Problem& p);
void CheckTraceBudget(const Problem& p);

// HBM traffic of the whole forward pass, in bytes, for FP32 elements.
struct HbmTraffic {
  uint64_t read = 0, written = 0;
  uint64_t Total() const { return read + written; }
};
HbmTraffic FlashTraffic(const Problem& p);      // closed form of PlanSteps' counters
HbmTraffic StandardTraffic(const Problem& p);   // S and P materialized in HBM

struct Trace {
  Problem problem;
  TraceLayout layout;
  std::vector<StepInfo> steps;
  std::vector<float> data;   // steps.size() * layout.step_floats
  std::vector<float> o;      // (N, d) final output
  std::vector<float> lse;    // (N)    L = m + log(l)

  // Where it came from, shown in the status line and stored in trace files.
  std::string backend;       // "CPU emulation" or "CUDA"
  std::string device;        // CPU or GPU name
  std::string recorded_at;   // ISO 8601 UTC
  std::string host;          // machine name
  double kernel_ms = 0.0;    // wall time of the run that produced it

  // Allocates steps and data for p, data poisoned.
  static Trace Allocate(const Problem& p);

  int StepCount() const { return static_cast<int>(steps.size()); }
  float* Step(int k) { return data.data() + static_cast<size_t>(k) * layout.step_floats; }
  const float* Step(int k) const {
    return data.data() + static_cast<size_t>(k) * layout.step_floats;
  }
  const float* Field(int k, TraceField f) const { return Step(k) + layout.offset[f]; }
  // S(k), P(k), MOld(k), ...: field f of step k.
#define FS_FIELD_ACCESSOR(id, accessor, shape, name, meaning) \
  const float* accessor(int k) const { return Field(k, id); }
  FS_TRACE_FIELDS(FS_FIELD_ACCESSOR)
#undef FS_FIELD_ACCESSOR

  // Step index for (q_block, kv_block), or -1 when that pair is skipped.
  int FindStep(int q_block, int kv_block) const;
};

// Running softmax of one query row as it stands after step k: for every column seen so far,
// exp(S - m_k) / l_k; columns not yet seen are NaN. Size N. After the row's last step this is
// the exact softmax row (up to rounding).
std::vector<double> RunningProbabilities(const Trace& t, int row, int step);

// The steps that touch a query row, in order.
std::vector<int> StepsOfRow(const Trace& t, int row);

}  // namespace fs
