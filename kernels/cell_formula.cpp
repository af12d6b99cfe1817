#include "cell_formula.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "precision.h"
#include "printf.h"

namespace fs {
namespace {

// The row's value of a per-row field at step k.
float RowValue(const float* field, const StepInfo& st, int row) { return field[row - st.row0]; }

// The step of `row` before step k in its Q block's loop, or -1 at its first K/V block.
int PreviousStepOfRow(const Trace& t, int row, int k) {
  int prev = -1;
  for (int s : StepsOfRow(t, row)) {
    if (s == k) return prev;
    prev = s;
  }
  return -1;
}

void ScoreLines(const Trace& t, const Inputs* rounded, int k, int row, int key, CellFormula* f) {
  const Problem& p = t.problem;
  const StepInfo& st = t.steps[k];
  const float s = t.S(k)[static_cast<size_t>(row - st.row0) * p.bc + (key - st.col0)];
  if (key >= p.n) {
    f->lines.push_back(Printf("Column %d is padding: the sequence ends at key %d, so S = -inf and P-bar = 0.", key,
                           p.n - 1));
    return;
  }
  if (p.causal && key > row) {
    f->lines.push_back(Printf("Key %d comes after query %d: the causal mask sets S = -inf, so P-bar = exp(-inf) = 0.",
                           key, row));
    return;
  }
  const float scale = p.EffectiveScale();
  if (rounded && rounded->n == p.n && rounded->d == p.d) {
    const float* q = &rounded->q[static_cast<size_t>(row) * p.d];
    const float* kk = &rounded->k[static_cast<size_t>(key) * p.d];
    double dot = 0.0;
    for (int i = 0; i < p.d; ++i) dot += double(q[i]) * double(kk[i]);
    std::string terms;
    const int shown = p.d <= 4 ? p.d : 3;
    for (int i = 0; i < shown; ++i)
      terms += Printf("%s(%s)(%s)", i ? " + " : "", CellNumber(q[i]).c_str(), CellNumber(kk[i]).c_str());
    if (shown < p.d)
      terms += Printf(" + ... + (%s)(%s)", CellNumber(q[p.d - 1]).c_str(), CellNumber(kk[p.d - 1]).c_str());
    f->lines.push_back(Printf("q.k = sum over %d features of q[%d, t] k[%d, t] = %s = %s", p.d, row, key, terms.c_str(),
                           CellNumber(dot).c_str()));
    f->lines.push_back(Printf("S = scale * q.k = %s * %s = %s in FP64; the kernel's FP32 FMA chain stored S = %s (%s)",
                           CellNumber(scale).c_str(), CellNumber(dot).c_str(), CellNumber(scale * dot).c_str(),
                           CellNumber(s).c_str(), FormatName(p.precision.scores)));
  } else {
    f->lines.push_back(Printf("S = scale * q.k = %s (scale %s; the inputs are not at hand to show q.k's terms)",
                           CellNumber(s).c_str(), CellNumber(scale).c_str()));
  }
  const float m_old = RowValue(t.MOld(k), st, row), m_new = RowValue(t.MNew(k), st, row);
  const float r_m = RowValue(t.RMax(k), st, row), l = RowValue(t.L(k), st, row);
  const float pbar = t.P(k)[static_cast<size_t>(row - st.row0) * p.bc + (key - st.col0)];
  const bool fa1 = p.order == LoopOrder::kFa1;
  if (fa1) {
    f->lines.push_back(Printf("r_m = max of this block's scores in the row = %s; P-tilde = exp(S - r_m) = exp(%s) = %s",
                           CellNumber(r_m).c_str(), CellNumber(double(s) - r_m).c_str(), CellNumber(pbar).c_str()));
    f->lines.push_back(Printf("m: %s (from HBM) -> %s after this step", CellNumber(m_old).c_str(),
                           CellNumber(m_new).c_str()));
  } else {
    const char* what = std::isinf(m_old) ? ": the row's first block, m starts at its max"
                       : m_new > m_old    ? ": a new maximum, the past is rescaled"
                                          : ": unchanged";
    const float* shift = t.MShift(k);
    if (p.softmax == Softmax::kStabilized && shift)  // the block's shift m' in place of its max
      f->lines.push_back(Printf("m: %s -> %s = max(m_old, m' = %s: the stabilized rule's shift of this block's max "
                                "r_m = %s)%s",
                                CellNumber(m_old).c_str(), CellNumber(m_new).c_str(),
                                CellNumber(RowValue(shift, st, row)).c_str(), CellNumber(r_m).c_str(), what));
    else
      f->lines.push_back(Printf("m: %s -> %s = max(m_old, %s of this block)%s", CellNumber(m_old).c_str(),
                                CellNumber(m_new).c_str(), CellNumber(r_m).c_str(), what));
    f->lines.push_back(Printf("P-bar = exp(S - m_new) = exp(%s - %s) = exp(%s) = %s in FP64; stored %s (%s)%s",
                           CellNumber(s).c_str(), CellNumber(m_new).c_str(), CellNumber(double(s) - m_new).c_str(),
                           CellNumber(std::exp(double(s) - double(m_new))).c_str(), CellNumber(pbar).c_str(),
                           FormatName(p.precision.pbar), pbar == 1.0f ? ": exactly 1" : ""));
    if (l > 0.0f)
      f->lines.push_back(Printf("share of l: P-bar / l = %s / %s = %s of the keys seen so far", CellNumber(pbar).c_str(),
                             CellNumber(l).c_str(), CellNumber(double(pbar) / l).c_str()));
  }
  // The probability the key ends with, after the row's last K/V block.
  const std::vector<int> steps = StepsOfRow(t, row);
  if (!steps.empty()) {
    const int last = steps.back();
    const StepInfo& lst = t.steps[last];
    const float m_fin = RowValue(t.MNew(last), lst, row), l_fin = RowValue(t.L(last), lst, row);
    if (l_fin > 0.0f)
      f->lines.push_back(Printf("final probability = exp(S - m_final) / l_final = exp(%s - %s) / %s = %s",
                             CellNumber(s).c_str(), CellNumber(m_fin).c_str(), CellNumber(l_fin).c_str(),
                             CellNumber(std::exp(double(s) - m_fin) / l_fin).c_str()));
  }
}

void AccumulatorLines(const Trace& t, int k, int row, int feature, CellFormula* f) {
  const Problem& p = t.problem;
  const StepInfo& st = t.steps[k];
  const size_t at = static_cast<size_t>(row - st.row0) * p.d + feature;
  const float now = t.OAcc(k)[at];
  const float rescale = RowValue(t.Rescale(k), st, row);
  const int prev = PreviousStepOfRow(t, row, k);
  const float old = prev < 0 ? 0.0f : t.OAcc(prev)[at];
  if (p.order == LoopOrder::kFa1) {
    f->lines.push_back(Printf("O_i[%d, %d] after this step = %s (normalized by l and written back to HBM)", row,
                           feature, CellNumber(now).c_str()));
    return;
  }
  f->lines.push_back(Printf("O~ = rescale * O~_old + sum over the block's keys of P-bar V[key, %d]", feature));
  const float* blk = t.OBlk(k);
  if (blk)
    f->lines.push_back(Printf("   = %s * %s + %s = %s", CellNumber(rescale).c_str(), CellNumber(old).c_str(),
                           CellNumber(blk[at]).c_str(), CellNumber(now).c_str()));
  else
    f->lines.push_back(Printf("   = %s * %s + (P-bar V)[%d, %d] = %s", CellNumber(rescale).c_str(),
                           CellNumber(old).c_str(), row, feature, CellNumber(now).c_str()));
  if (st.last_for_q_block) {
    const float l = RowValue(t.L(k), st, row);
    f->lines.push_back(Printf("last K/V block: O = O~ / l = %s / %s = %s, written to HBM", CellNumber(now).c_str(),
                           CellNumber(l).c_str(), CellNumber(t.o[static_cast<size_t>(row) * p.d + feature]).c_str()));
  }
}

}  // namespace

std::string CellNumber(double v, int digits) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e9) return Printf("%.0f", v);
  std::string text;
  for (int g = std::max(1, digits); g <= 17; ++g) {
    text = Printf("%.*g", g, v);
    const double back = std::strtod(text.c_str(), nullptr);
    if (back != std::trunc(back)) break;  // no longer reads as a whole number
  }
  return text;
}

CellFormula ExplainCell(const Trace& t, const Inputs* rounded, const CellRef& ref) {
  CellFormula f;
  const Problem& p = t.problem;
  if (ref.field == CellField::kO) {
    if (ref.row < 0 || ref.row >= p.n || ref.col < 0 || ref.col >= p.d) {
      f.error = "no such output cell";
      return f;
    }
    f.title = Printf("O[%d, %d], the output", ref.row, ref.col);
    f.lines.push_back(Printf("O = O~ / l after the row's last K/V block = %s; L = m + log l = %s",
                          CellNumber(t.o[static_cast<size_t>(ref.row) * p.d + ref.col]).c_str(),
                          CellNumber(t.lse[static_cast<size_t>(ref.row)]).c_str()));
    return f;
  }
  if (ref.step < 0 || ref.step >= t.StepCount()) {
    f.error = "no such step";
    return f;
  }
  if (!t.Holds(ref.step)) {
    f.error = NotHeldNote(t, ref.step);
    return f;
  }
  const StepInfo& st = t.steps[ref.step];
  const bool tile = ref.field == CellField::kS || ref.field == CellField::kP;
  if (ref.row < st.row0 || ref.row >= st.row0 + st.rows || ref.col < 0 || ref.col >= (tile ? p.bc : p.d)) {
    f.error = "the cell is not in this step's tile";
    return f;
  }
  if (tile) {
    f.key = st.col0 + ref.col;
    f.title = Printf("query %d, key %d at step %d (Q block %d, K/V block %d)", ref.row, f.key, ref.step + 1,
                  st.q_block, st.kv_block);
    ScoreLines(t, rounded, ref.step, ref.row, f.key, &f);
  } else {
    f.title = Printf("query %d, feature %d at step %d (Q block %d, K/V block %d)", ref.row, ref.col, ref.step + 1,
                  st.q_block, st.kv_block);
    AccumulatorLines(t, ref.step, ref.row, ref.col, &f);
  }
  return f;
}

}  // namespace fs
