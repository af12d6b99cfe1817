// Trace: every step of the tiled forward loop, as the kernel saw it.
//
// Step order is the loop order of the problem (Problem::order): FA2's, Q block i outer and K/V
// block j inner (j = 0 .. LastKvBlock(i)), or FA1's, K/V block j outer and Q block i inner
// (i = FirstQBlock(j) .. QBlocks() - 1). Each step stores a fixed-size record (TraceLayout) so
// that the CUDA kernels can write the same layout into a device buffer that the CPU emulation
// fills on the host. The fields of a record are listed once, in FS_TRACE_FIELDS below; the
// layout, the trace file header, the backend comparison and the test messages all derive from
// that list.
//
// Rows past the end of the sequence are left as the poison value (all bits set, a NaN), and so
// is o_blk on FA2 runs that add P-bar V straight into O-tilde (Precision::SeparateBlockProduct).
#pragma once

#include <cstdint>
#include <stdexcept>
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

// X(id, accessor, shape, short name, meaning in FA2's loop, meaning in FA1's loop), in record
// order. nullptr: the loop order does not record the field, and its layout gives it no room;
// FS_SAME: the same meaning as in FA2's loop. FA2's names and meanings are part of the trace
// file format (a file's layout is compared with them when it is loaded), so FA2's layout stays
// that of the files recorded before FA1's fields existed.
#define FS_SAME ""
#define FS_TRACE_FIELDS(X)                                                                        \
  X(kS, S, kTile, "S", "scaled scores in the scores format; -inf where masked", FS_SAME)          \
  X(kP, P, kTile, "P", "P-bar = exp(S - m_new) as it enters the P V product",                     \
    "P-tilde = exp(S - r_m), against the block's own row max, as it enters the P V product")      \
  X(kMOld, MOld, kRows, "m_old", "running max before the step", "m_i read from HBM before the step") \
  X(kMNew, MNew, kRows, "m_new", "running max after the step: max(m_old, m')",                    \
    "max(m_old, r_m), written to HBM")                                                            \
  X(kRescale, Rescale, kRows, "rescale", "exp(m_old - m_new), applied to l and O-tilde",          \
    "exp(m_old - m_new), applied to l_old and the old O_i")                                       \
  X(kL, L, kRows, "l", "running sum after the step",                                              \
    "rescale l_old + scale_blk l_blk, written to HBM")                                            \
  X(kOAcc, OAcc, kRowsByD, "O~", "unnormalized O-tilde after the step",                           \
    "O_i after the step, divided by l and written to HBM")                                        \
  X(kRMax, RMax, kRows, "r_m", "row max of this block's visible scores", FS_SAME)                 \
  X(kRCount, RCount, kRows, "r_s", "visible scores within eps of r_m (a count, as a float)", FS_SAME) \
  X(kMShift, MShift, kRows, "m'", "the block's shift: r_m, beta r_m or 0 (stabilized)",           \
    "the block's shift: r_m (FA1 runs the standard softmax)")                                     \
  X(kOBlk, OBlk, kRowsByD, "O-bar", "P-bar V of this block in FP32, before its rounding",         \
    "P-tilde V of this block in FP32")                                                            \
  X(kLOld, LOld, kRows, "l_old", nullptr, "l_i read from HBM before the step")                    \
  X(kLBlk, LBlk, kRows, "l_blk", nullptr, "rowsum of P-tilde: the block's own sum against r_m")   \
  X(kScaleBlk, ScaleBlk, kRows, "scale_blk", nullptr, "exp(r_m - m_new), applied to l_blk and P-tilde V")

enum TraceField : int {
#define FS_FIELD_ID(id, accessor, shape, name, fa2, fa1) id,
  FS_TRACE_FIELDS(FS_FIELD_ID)
#undef FS_FIELD_ID
  kTraceFieldCount
};

struct TraceFieldInfo {
  TraceField id;
  FieldShape shape;
  const char* name;
  const char* fa2_meaning;  // nullptr: not recorded in FA2's loop
  const char* fa1_meaning;  // nullptr: not recorded in FA1's loop; "": as in FA2's

  // What the field holds in a trace of that loop order; nullptr when it is not recorded there.
  const char* Meaning(LoopOrder order) const {
    if (order == LoopOrder::kFa2 || !fa1_meaning) return order == LoopOrder::kFa2 ? fa2_meaning : nullptr;
    return *fa1_meaning ? fa1_meaning : fa2_meaning;
  }
};
extern const TraceFieldInfo kTraceFields[kTraceFieldCount];

// Where each field sits in a step record, in floats. Plain data: the CUDA kernels take it
// by value. A field that the problem's loop order does not record has no room (has = false).
struct TraceLayout {
  int br = 0, bc = 0, d = 0;
  size_t offset[kTraceFieldCount] = {};
  bool has[kTraceFieldCount] = {};
  size_t step_floats = 0;  // stride between steps, in floats

  size_t Floats(FieldShape shape) const {  // floats of one field of that shape
    return shape == FieldShape::kTile ? static_cast<size_t>(br) * bc
           : shape == FieldShape::kRows ? static_cast<size_t>(br)
                                        : static_cast<size_t>(br) * d;
  }
  // Floats of field f in a record: 0 when it is not recorded.
  size_t FieldFloats(const TraceFieldInfo& f) const { return has[f.id] ? Floats(f.shape) : 0; }
  static TraceLayout For(const Problem& p);
};
bool operator==(const TraceLayout& a, const TraceLayout& b);
// The row values of a step that both loop orders record, written by the CPU twins and the
// kernels alike: row `row` of the step record at `rec`, with a layout's offsets.
struct RowStats {
  float m_old, m_new, rescale, l, r_m, r_s, m_shift;
};
FS_HD void PutRowStats(float* rec, const size_t* offset, int row, const RowStats& s) {
  rec[offset[kMOld] + row] = s.m_old;
  rec[offset[kMNew] + row] = s.m_new;
  rec[offset[kRescale] + row] = s.rescale;
  rec[offset[kL] + row] = s.l;
  rec[offset[kRMax] + row] = s.r_m;
  rec[offset[kRCount] + row] = s.r_s;
  rec[offset[kMShift] + row] = s.m_shift;
}
// FA1's own row values (l_old, l_blk, scale_blk), the same way.
FS_HD void PutFa1RowStats(float* rec, const size_t* offset, int row, float l_old, float l_blk, float scale_blk) {
  rec[offset[kLOld] + row] = l_old;
  rec[offset[kLBlk] + row] = l_blk;
  rec[offset[kScaleBlk] + row] = scale_blk;
}

// The field and index of float `offset` within a step record, e.g. "P[5][17]" or "l[3]".
std::string FieldAt(const TraceLayout& layout, size_t offset);

struct StepInfo {
  int q_block = 0, kv_block = 0;
  int row0 = 0, rows = 0;          // query rows [row0, row0 + rows)
  int col0 = 0, cols = 0;          // key rows   [col0, col0 + cols)
  bool last_for_q_block = false;   // O and L of these rows are final after this step
  uint64_t bytes_read = 0;         // HBM bytes read so far, this step included
  uint64_t bytes_written = 0;      // HBM bytes written so far, this step included
};

// Index of the last K/V block that Q block i visits (causal skips blocks above the diagonal).
int LastKvBlock(const Problem& p, int q_block);
// Index of the first Q block that visits K/V block j: the one holding query row j * Bc when
// causal (the blocks before it lie above the diagonal), otherwise 0.
int FirstQBlock(const Problem& p, int kv_block);
// Steps in the problem's loop order with their HBM byte counts (FP32 elements); depends only
// on shape and order. FA1's first step also counts the O, l, m initialization in HBM.
std::vector<StepInfo> PlanSteps(const Problem& p);
// Index of the first step of each block of the outer loop (Q blocks for FA2, K/V blocks for
// FA1), plus one past the end: size QBlocks() + 1 or KvBlocks() + 1; the last is the step count.
std::vector<int> StepOffsets(const Problem& p);
// Step records a trace of p holds: every step (window -1), or Q block `window`'s, one per K/V
// block it visits (a windowed trace, Trace::window).
uint64_t StepsHeld(const Problem& p, int window);
// Bytes those step records need.
uint64_t TraceBytes(const Problem& p, int window = -1);
// TraceBudgetError, naming the bytes needed and the budget, when that is over kTraceBudgetBytes.
void CheckTraceBudget(const Problem& p, int window = -1);
// The window a trace of p that is to show Q block q_block records: -1 (every step) when the
// whole trace fits kTraceBudgetBytes, otherwise q_block (clamped to the Q blocks). One Q
// block's steps always fit: at the largest N, d and blocks they take a few tens of MiB.
int TraceWindowFor(const Problem& p, int q_block);

// HBM traffic of the whole forward pass, in bytes, for FP32 elements.
struct HbmTraffic {
  uint64_t read = 0, written = 0;
  uint64_t Total() const { return read + written; }
};
HbmTraffic Fa2Traffic(const Problem& p);        // FA2's loop: Q, O, L once, K and V per Q block
// FA1's loop (Algorithm 1): K and V once; Q, O, l and m per step; the initialization of O, l,
// m and the final L once.
HbmTraffic Fa1Traffic(const Problem& p);
// The part of FA1's traffic that carries O, l and m between its steps (the initialization, and
// every step's read and write back): what FA2 keeps on chip.
HbmTraffic Fa1StateTraffic(const Problem& p);
HbmTraffic FlashTraffic(const Problem& p);      // of p's loop order: closed form of PlanSteps' counters
HbmTraffic StandardTraffic(const Problem& p);   // S and P materialized in HBM

// A trace knows every step of the loop (steps), and holds the records of all of them or, when
// they would not fit kTraceBudgetBytes (N = 8192 at any block size), of one Q block's steps
// only: a windowed trace. Those are the steps of a followed row in either loop order (FA2's
// consecutive steps, FA1's one step per K/V block), held in slot kv_block; O and L are whole.
// A panel asks Holds(k) before it reads a step that is not the current one or the followed
// row's; the app re-runs the problem with another window to show another Q block.
struct Trace {
  Problem problem;
  TraceLayout layout;
  std::vector<StepInfo> steps;
  int window = -1;           // -1: every step held; otherwise the Q block whose steps are held
  std::vector<float> data;   // HeldStepCount() * layout.step_floats
  std::vector<float> o;      // (N, d) final output
  std::vector<float> lse;    // (N)    L = m + log(l)

  // Where it came from, shown in the status line and stored in trace files.
  std::string backend;       // "CPU emulation" or "CUDA"
  std::string device;        // CPU or GPU name
  std::string recorded_at;   // ISO 8601 UTC
  std::string host;          // machine name
  double kernel_ms = 0.0;    // wall time of the run that produced it

  // Allocates steps and data for p (the steps of Q block `window` only, when it is not -1),
  // data poisoned. TraceBudgetError when they would exceed kTraceBudgetBytes.
  static Trace Allocate(const Problem& p, int window = -1);

  int StepCount() const { return static_cast<int>(steps.size()); }
  bool Windowed() const { return window >= 0; }
  // Whether step k's record is held (every step of a whole trace; a window's Q block's steps).
  bool Holds(int k) const {
    return k >= 0 && k < StepCount() && (window < 0 || steps[static_cast<size_t>(k)].q_block == window);
  }
  int HeldStepCount() const { return static_cast<int>(data.size() / (layout.step_floats ? layout.step_floats : 1)); }
  // The steps held, in loop order.
  std::vector<int> HeldSteps() const;
  // Step k's record; nullptr when it is not held.
  float* Step(int k) { return Holds(k) ? data.data() + Slot(k) * layout.step_floats : nullptr; }
  const float* Step(int k) const { return Holds(k) ? data.data() + Slot(k) * layout.step_floats : nullptr; }
  // Field f of step k; nullptr when the trace's loop order does not record it or the step is
  // not held.
  const float* Field(int k, TraceField f) const {
    const float* rec = Step(k);
    return layout.has[f] && rec ? rec + layout.offset[f] : nullptr;
  }
  // S(k), P(k), MOld(k), ...: field f of step k.
#define FS_FIELD_ACCESSOR(id, accessor, shape, name, fa2, fa1) \
  const float* accessor(int k) const { return Field(k, id); }
  FS_TRACE_FIELDS(FS_FIELD_ACCESSOR)
#undef FS_FIELD_ACCESSOR

  // Step index for (q_block, kv_block), or -1 when that pair is skipped.
  int FindStep(int q_block, int kv_block) const;

 private:
  size_t Slot(int k) const {
    return window < 0 ? static_cast<size_t>(k) : static_cast<size_t>(steps[static_cast<size_t>(k)].kv_block);
  }
};
// "Q block 3's 64 steps of 4096" for a windowed trace, "every step" for a whole one.
std::string WindowNote(const Trace& t);
// "" when step k is held, otherwise "step k+1 is not recorded: the trace holds <WindowNote>".
std::string NotHeldNote(const Trace& t, int k);

// What P of step k is relative to: m_new in FA2's loop (P-bar), the block's own row max r_m
// in FA1's (P-tilde). Br values.
const float* PShift(const Trace& t, int k);

// Running softmax of one query row as it stands after step k: for every column seen so far,
// exp(S - m_k) / l_k; columns not yet seen are NaN. Size N. After the row's last step this is
// the exact softmax row (up to rounding).
std::vector<double> RunningProbabilities(const Trace& t, int row, int step);

// The steps that touch a query row, in order.
std::vector<int> StepsOfRow(const Trace& t, int row);

}  // namespace fs
