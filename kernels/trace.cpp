#include "trace.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace fs {
namespace {
constexpr uint64_t kFloatBytes = sizeof(float);
}

const TraceFieldInfo kTraceFields[kTraceFieldCount] = {
#define FS_FIELD_INFO(id, accessor, shape, name, meaning) {id, FieldShape::shape, name, meaning},
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
    t.offset[f.id] = next;
    next += t.Floats(f.shape);
  }
  t.step_floats = next;
  return t;
}

bool operator==(const TraceLayout& a, const TraceLayout& b) {
  if (a.br != b.br || a.bc != b.bc || a.d != b.d || a.step_floats != b.step_floats) return false;
  for (int f = 0; f < kTraceFieldCount; ++f)
    if (a.offset[f] != b.offset[f]) return false;
  return true;
}

std::string FieldAt(const TraceLayout& layout, size_t offset) {
  for (const TraceFieldInfo& f : kTraceFields) {
    const size_t begin = layout.offset[f.id], count = layout.Floats(f.shape);
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

std::vector<StepInfo> PlanSteps(const Problem& p) {
  std::vector<StepInfo> steps;
  uint64_t read = 0, written = 0;
  for (int i = 0; i < p.QBlocks(); ++i) {
    const int row0 = i * p.br, rows = std::min(p.br, p.n - row0);
    const int last_j = LastKvBlock(p, i);
    for (int j = 0; j <= last_j; ++j) {
      StepInfo s;
      s.q_block = i;
      s.kv_block = j;
      s.row0 = row0;
      s.rows = rows;
      s.col0 = j * p.bc;
      s.cols = std::min(p.bc, p.n - s.col0);
      s.last_for_q_block = j == last_j;
      if (j == 0) read += kFloatBytes * rows * p.d;           // Q block, once
      read += 2 * kFloatBytes * s.cols * p.d;                 // K and V blocks
      if (s.last_for_q_block) written += kFloatBytes * rows * (p.d + 1);  // O and L
      s.bytes_read = read;
      s.bytes_written = written;
      steps.push_back(s);
    }
  }
  return steps;
}

std::vector<int> StepOffsets(const Problem& p) {
  std::vector<int> offsets(p.QBlocks() + 1, 0);
  for (int i = 0; i < p.QBlocks(); ++i) offsets[i + 1] = offsets[i] + LastKvBlock(p, i) + 1;
  return offsets;
}

uint64_t TraceBytes(const Problem& p) {
  const uint64_t steps = static_cast<uint64_t>(StepOffsets(p).back());
  return steps * TraceLayout::For(p).step_floats * kFloatBytes;
}

void CheckTraceBudget(const Problem& p) {
  const uint64_t bytes = TraceBytes(p);
  if (bytes <= kTraceBudgetBytes) return;
  std::ostringstream msg;
  msg << "recording every step of " << Describe(p) << " needs " << (bytes >> 20) << " MiB ("
      << StepOffsets(p).back() << " steps); the trace budget is " << (kTraceBudgetBytes >> 20)
      << " MiB. Use larger blocks (Br, Bc) or a shorter sequence.";
  throw TraceBudgetError(msg.str());
}

HbmTraffic FlashTraffic(const Problem& p) {
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

Trace Trace::Allocate(const Problem& p) {
  CheckTraceBudget(p);
  Trace t;
  t.problem = p;
  t.layout = TraceLayout::For(p);
  t.steps = PlanSteps(p);
  t.data.resize(t.steps.size() * t.layout.step_floats);
  std::memset(t.data.data(), 0xFF, t.data.size() * sizeof(float));
  t.o.assign(static_cast<size_t>(p.n) * p.d, NAN);
  t.lse.assign(p.n, NAN);
  return t;
}

int Trace::FindStep(int q_block, int kv_block) const {
  const auto offsets = StepOffsets(problem);
  if (q_block < 0 || q_block >= problem.QBlocks() || kv_block < 0) return -1;
  const int k = offsets[q_block] + kv_block;
  return k < offsets[q_block + 1] ? k : -1;
}

std::vector<int> StepsOfRow(const Trace& t, int row) {
  std::vector<int> out;
  if (row < 0 || row >= t.problem.n) return out;
  const int i = row / t.problem.br;
  for (int k = 0; k < t.StepCount(); ++k)
    if (t.steps[k].q_block == i) out.push_back(k);
  return out;
}

std::vector<double> RunningProbabilities(const Trace& t, int row, int step) {
  const Problem& p = t.problem;
  std::vector<double> probs(p.n, NAN);
  if (step < 0 || step >= t.StepCount()) return probs;
  const StepInfo& now = t.steps[step];
  if (row < now.row0 || row >= now.row0 + now.rows) return probs;
  const int r = row - now.row0;
  const double m_now = t.MNew(step)[r];
  const double l_now = t.L(step)[r];
  // Every earlier step of this Q block stored P-bar relative to its own m_new; bring each
  // to the current max: exp(S - m_now) = P-bar_k * exp(m_k - m_now).
  for (int k = step - now.kv_block; k <= step; ++k) {
    const StepInfo& s = t.steps[k];
    const double shift = std::exp(static_cast<double>(t.MNew(k)[r]) - m_now);
    const float* prow = t.P(k) + static_cast<size_t>(r) * p.bc;
    for (int c = 0; c < s.cols; ++c) probs[s.col0 + c] = prow[c] * shift / l_now;
  }
  if (p.causal)  // keys after the query are never seen: their exact probability is 0
    for (int c = row + 1; c < p.n; ++c) probs[c] = 0.0;
  return probs;
}

}  // namespace fs
