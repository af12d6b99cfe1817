#include "trace.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace fs {
namespace {
constexpr uint64_t kFloatBytes = sizeof(float);
}

const TraceFieldInfo kTraceFields[kTraceFieldCount] = {
#define FS_FIELD_INFO(id, accessor, shape, name, fa2, fa1) {id, FieldShape::shape, name, fa2, fa1},
    FS_TRACE_FIELDS(FS_FIELD_INFO)
#undef FS_FIELD_INFO
};

TraceLayout TraceLayout::For(const Problem& p) {
  TraceLayout t;
  t.br = p.br;
  t.bc = p.bc;
  t.d = p.d;
  size_t next = 0;
  for (const TraceFieldInfo& f : kTraceFields) {
    t.has[f.id] = f.Meaning(p.order) != nullptr;
    t.offset[f.id] = next;
    next += t.FieldFloats(f);
  }
  t.step_floats = next;
  return t;
}

bool operator==(const TraceLayout& a, const TraceLayout& b) {
  if (a.br != b.br || a.bc != b.bc || a.d != b.d || a.step_floats != b.step_floats) return false;
  for (int f = 0; f < kTraceFieldCount; ++f)
    if (a.offset[f] != b.offset[f] || a.has[f] != b.has[f]) return false;
  return true;
}

std::string FieldAt(const TraceLayout& layout, size_t offset) {
  for (const TraceFieldInfo& f : kTraceFields) {
    const size_t begin = layout.offset[f.id], count = layout.FieldFloats(f);
    if (offset < begin || offset >= begin + count) continue;
    const size_t i = offset - begin;
    if (f.shape == FieldShape::kRows) return std::string(f.name) + "[" + std::to_string(i) + "]";
    const size_t cols = f.shape == FieldShape::kTile ? layout.bc : layout.d;
    return std::string(f.name) + "[" + std::to_string(i / cols) + "][" + std::to_string(i % cols) + "]";
  }
  return "offset " + std::to_string(offset) + " (past the record)";
}

int LastKvBlock(const Problem& p, int q_block) {
  const int last = p.KvBlocks() - 1;
  if (!p.causal) return last;
  const int last_row = std::min(p.n, (q_block + 1) * p.br) - 1;
  return std::min(last, last_row / p.bc);
}

int FirstQBlock(const Problem& p, int kv_block) { return p.causal ? kv_block * p.bc / p.br : 0; }

namespace {

// One step's block pair and its rows and keys; the byte counters are left to the caller.
StepInfo StepOf(const Problem& p, int q_block, int kv_block) {
  StepInfo s;
  s.q_block = q_block;
  s.kv_block = kv_block;
  s.row0 = q_block * p.br;
  s.rows = std::min(p.br, p.n - s.row0);
  s.col0 = kv_block * p.bc;
  s.cols = std::min(p.bc, p.n - s.col0);
  s.last_for_q_block = kv_block == LastKvBlock(p, q_block);
  return s;
}

// FA2: Q_i is read once per Q block, K_j and V_j at every step, O_i and L_i written once.
std::vector<StepInfo> PlanFa2(const Problem& p) {
  std::vector<StepInfo> steps;
  uint64_t read = 0, written = 0;
  for (int i = 0; i < p.QBlocks(); ++i)
    for (int j = 0; j <= LastKvBlock(p, i); ++j) {
      StepInfo s = StepOf(p, i, j);
      if (j == 0) read += kFloatBytes * s.rows * p.d;           // Q block, once
      read += 2 * kFloatBytes * s.cols * p.d;                   // K and V blocks
      if (s.last_for_q_block) written += kFloatBytes * s.rows * (p.d + 1);  // O and L
      s.bytes_read = read;
      s.bytes_written = written;
      steps.push_back(s);
    }
  return steps;
}

// FA1 (Algorithm 1): O, l and m are initialized in HBM; K_j and V_j are read once, at the
// first Q block of their outer step; every step reads Q_i, O_i, l_i, m_i and writes O_i, l_i,
// m_i back; L_i is written after the Q block's last K/V block.
std::vector<StepInfo> PlanFa1(const Problem& p) {
  std::vector<StepInfo> steps;
  uint64_t read = 0, written = kFloatBytes * static_cast<uint64_t>(p.n) * (p.d + 2);  // O, l, m = 0, 0, -inf
  for (int j = 0; j < p.KvBlocks(); ++j)
    for (int i = FirstQBlock(p, j); i < p.QBlocks(); ++i) {
      StepInfo s = StepOf(p, i, j);
      if (i == FirstQBlock(p, j)) read += 2 * kFloatBytes * s.cols * p.d;  // K and V blocks, once
      read += kFloatBytes * s.rows * (2 * p.d + 2);                         // Q_i, O_i, l_i, m_i
      written += kFloatBytes * s.rows * (p.d + 2);                          // O_i, l_i, m_i
      if (s.last_for_q_block) written += kFloatBytes * s.rows;             // L_i
      s.bytes_read = read;
      s.bytes_written = written;
      steps.push_back(s);
    }
  return steps;
}

// Rows summed over the steps: each Q block's rows times the K/V blocks it visits.
uint64_t StepRows(const Problem& p) {
  uint64_t rows = 0;
  for (int i = 0; i < p.QBlocks(); ++i)
    rows += static_cast<uint64_t>(std::min(p.br, p.n - i * p.br)) * (LastKvBlock(p, i) + 1);
  return rows;
}

}  // namespace

std::vector<StepInfo> PlanSteps(const Problem& p) {
  return p.order == LoopOrder::kFa1 ? PlanFa1(p) : PlanFa2(p);
}

std::vector<int> StepOffsets(const Problem& p) {
  const bool fa1 = p.order == LoopOrder::kFa1;
  const int outer = fa1 ? p.KvBlocks() : p.QBlocks();
  std::vector<int> offsets(outer + 1, 0);
  for (int b = 0; b < outer; ++b)
    offsets[b + 1] = offsets[b] + (fa1 ? p.QBlocks() - FirstQBlock(p, b) : LastKvBlock(p, b) + 1);
  return offsets;
}

uint64_t StepsHeld(const Problem& p, int window) {
  if (window < 0) return static_cast<uint64_t>(StepOffsets(p).back());
  return static_cast<uint64_t>(LastKvBlock(p, window)) + 1;
}

uint64_t TraceBytes(const Problem& p, int window) {
  return StepsHeld(p, window) * TraceLayout::For(p).step_floats * kFloatBytes;
}

void CheckTraceBudget(const Problem& p, int window) {
  const uint64_t bytes = TraceBytes(p, window);
  if (bytes <= kTraceBudgetBytes) return;
  std::ostringstream msg;
  msg << "recording " << (window < 0 ? "every step" : "Q block " + std::to_string(window) + "'s steps") << " of "
      << Describe(p) << " needs " << (bytes >> 20) << " MiB (" << StepsHeld(p, window)
      << " steps); the trace budget is " << (kTraceBudgetBytes >> 20)
      << " MiB. Use larger blocks (Br, Bc) or a shorter sequence.";
  throw TraceBudgetError(msg.str());
}

int TraceWindowFor(const Problem& p, int q_block) {
  if (TraceBytes(p) <= kTraceBudgetBytes) return -1;
  return std::clamp(q_block, 0, std::max(0, p.QBlocks() - 1));
}

std::string WindowNote(const Trace& t) {
  if (!t.Windowed()) return "every step";
  return "Q block " + std::to_string(t.window) + "'s " + std::to_string(t.HeldStepCount()) + " steps of " +
         std::to_string(t.StepCount());
}

std::string NotHeldNote(const Trace& t, int k) {
  if (t.Holds(k)) return "";
  return "step " + std::to_string(k + 1) + " is not recorded: the trace holds " + WindowNote(t);
}

std::vector<int> Trace::HeldSteps() const {
  std::vector<int> out;
  out.reserve(static_cast<size_t>(HeldStepCount()));
  for (int k = 0; k < StepCount(); ++k)
    if (Holds(k)) out.push_back(k);
  return out;
}

HbmTraffic Fa2Traffic(const Problem& p) {
  // Q, O and L move once; K and V are read once per (Q block, visited K/V block) pair.
  HbmTraffic t;
  const uint64_t nd = static_cast<uint64_t>(p.n) * p.d;
  t.read = kFloatBytes * nd;
  for (int i = 0; i < p.QBlocks(); ++i) {
    const uint64_t keys = std::min(p.n, (LastKvBlock(p, i) + 1) * p.bc);
    t.read += 2 * kFloatBytes * keys * p.d;
  }
  t.written = kFloatBytes * (nd + static_cast<uint64_t>(p.n));
  return t;
}

HbmTraffic Fa1StateTraffic(const Problem& p) {
  // Initialization: O, l, m written once. Every step: O_i, l_i, m_i read and written back.
  const uint64_t per_row = p.d + 2, rows = StepRows(p);
  HbmTraffic t;
  t.read = kFloatBytes * rows * per_row;
  t.written = kFloatBytes * (static_cast<uint64_t>(p.n) + rows) * per_row;
  return t;
}

HbmTraffic Fa1Traffic(const Problem& p) {
  // K and V once, Q_i at every step, the final L once, and the O, l, m traffic.
  const uint64_t n = static_cast<uint64_t>(p.n);
  HbmTraffic t = Fa1StateTraffic(p);
  t.read += kFloatBytes * (2 * n * p.d + StepRows(p) * p.d);
  t.written += kFloatBytes * n;
  return t;
}

HbmTraffic FlashTraffic(const Problem& p) {
  return p.order == LoopOrder::kFa1 ? Fa1Traffic(p) : Fa2Traffic(p);
}

HbmTraffic StandardTraffic(const Problem& p) {
  // S = Q K^T: read Q, K, write S.  P = softmax(S): read S, write P.  O = P V: read P, V,
  // write O. Every N x N matrix crosses HBM twice in each direction it is used.
  HbmTraffic t;
  const uint64_t nd = static_cast<uint64_t>(p.n) * p.d;
  const uint64_t nn = static_cast<uint64_t>(p.n) * p.n;
  t.read = kFloatBytes * (2 * nd + nn + nn + nd);
  t.written = kFloatBytes * (nn + nn + nd);
  return t;
}

Trace Trace::Allocate(const Problem& p, int window) {
  if (window >= p.QBlocks())
    throw std::invalid_argument("trace window: Q block " + std::to_string(window) + " is out of range; " +
                                Describe(p) + " has Q blocks 0.." + std::to_string(p.QBlocks() - 1));
  CheckTraceBudget(p, window);
  Trace t;
  t.problem = p;
  t.layout = TraceLayout::For(p);
  t.steps = PlanSteps(p);
  t.window = std::max(-1, window);
  float poison;
  std::memcpy(&poison, &kPoisonBits, sizeof poison);
  t.data.assign(StepsHeld(p, t.window) * t.layout.step_floats, poison);  // one pass over the memory, not two
  t.o.assign(static_cast<size_t>(p.n) * p.d, NAN);
  t.lse.assign(p.n, NAN);
  return t;
}

int Trace::FindStep(int q_block, int kv_block) const {
  const Problem& p = problem;
  if (q_block < 0 || q_block >= p.QBlocks() || kv_block < 0 || kv_block > LastKvBlock(p, q_block)) return -1;
  const auto offsets = StepOffsets(p);
  return p.order == LoopOrder::kFa1 ? offsets[kv_block] + q_block - FirstQBlock(p, kv_block)
                                    : offsets[q_block] + kv_block;
}

std::vector<int> StepsOfRow(const Trace& t, int row) {
  std::vector<int> out;
  if (row < 0 || row >= t.problem.n) return out;
  const int i = row / t.problem.br;
  for (int k = 0; k < t.StepCount(); ++k)
    if (t.steps[k].q_block == i) out.push_back(k);
  return out;
}

const float* PShift(const Trace& t, int k) { return t.problem.order == LoopOrder::kFa1 ? t.RMax(k) : t.MNew(k); }

std::vector<double> RunningProbabilities(const Trace& t, int row, int step) {
  const Problem& p = t.problem;
  std::vector<double> probs(p.n, NAN);
  if (!t.Holds(step)) return probs;
  const StepInfo& now = t.steps[step];
  if (row < now.row0 || row >= now.row0 + now.rows) return probs;
  const int r = row - now.row0;
  const double m_now = t.MNew(step)[r];
  const double l_now = t.L(step)[r];
  // Every earlier step of this Q block stored P against its own shift (PShift); bring each
  // to the current max: exp(S - m_now) = P_k * exp(shift_k - m_now).
  for (int k : StepsOfRow(t, row)) {
    if (k > step) break;
    const StepInfo& s = t.steps[k];
    const double shift = std::exp(static_cast<double>(PShift(t, k)[r]) - m_now);
    const float* prow = t.P(k) + static_cast<size_t>(r) * p.bc;
    for (int c = 0; c < s.cols; ++c) probs[s.col0 + c] = prow[c] * shift / l_now;
  }
  if (p.causal)  // keys after the query are never seen: their exact probability is 0
    for (int c = row + 1; c < p.n; ++c) probs[c] = 0.0;
  return probs;
}

}  // namespace fs
