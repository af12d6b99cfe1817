#include "cell_inspect.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "names.h"
#include "precision_stats.h"

namespace fs {
namespace {

constexpr Named<CellField> kCellFieldNames[] = {
    {CellField::kS, "S"},    {CellField::kP, "P"}, {CellField::kOBar, "O-bar"},
    {CellField::kOAcc, "O~"}, {CellField::kO, "O"}};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The q . k dot product as both twins compute it: an FP32 fmaf chain over the features.
float DotAsKernel(const Inputs& in, int row, int col, int d) {
  const float* q = &in.q[static_cast<size_t>(row) * d];
  const float* k = &in.k[static_cast<size_t>(col) * d];
  float s = 0.0f;
  for (int t = 0; t < d; ++t) s = std::fmaf(q[t], k[t], s);
  return s;
}

void SetRounding(CellReport* r, float input, Format f, const std::string& from) {
  r->has_rounding = true;
  r->rounded_from = from;
  r->rounding = ExplainRounding(input, f);
  if (r->rounding.guard && (r->rounding.round || r->rounding.sticky)) {
    r->has_tie = true;
    r->tie = TieOf(input, f);
  }
}

std::string Title(const CellRef& ref, const Trace& t) {
  char buf[160];
  if (ref.field == CellField::kO) {
    std::snprintf(buf, sizeof buf, "O[row %d, feature %d] (final output)", ref.row, ref.col);
  } else {
    const StepInfo& st = t.steps[ref.step];
    const bool key = ref.field == CellField::kS || ref.field == CellField::kP;
    std::snprintf(buf, sizeof buf, "%s[row %d, %s %d] at step %d (Q block %d, K/V block %d)", CellFieldName(ref.field),
                  ref.row, key ? "key" : "feature", key ? st.col0 + ref.col : ref.col, ref.step + 1, st.q_block,
                  st.kv_block);
  }
  return buf;
}

}  // namespace

bool operator==(const CellRef& a, const CellRef& b) {
  return a.field == b.field && a.step == b.step && a.row == b.row && a.col == b.col;
}

const char* CellFieldName(CellField f) { return NameOf(kCellFieldNames, f); }
bool ParseCellField(const std::string& s, CellField* out) { return ParseName(kCellFieldNames, s, out); }
std::string CellFieldChoices() { return NameChoices(kCellFieldNames); }

Rounding TieOf(float x, Format f) {
  const Rounding r = ExplainRounding(x, f);
  if (r.dropped_bits < 1 || r.dropped_bits > 24) return r;
  uint32_t u = FloatToBits(x);
  u &= ~((uint32_t{1} << (r.dropped_bits - 1)) - 1u);  // keep the guard bit, clear below it
  return ExplainRounding(BitsToFloat(u), f);
}

CellReport InspectCell(const Trace& t, const Inputs* rounded, const CellRef& ref) {
  CellReport out;
  const Problem& p = t.problem;
  const Precision& pr = p.precision;
  const bool per_key = ref.field == CellField::kS || ref.field == CellField::kP;
  const int cols = per_key ? p.bc : p.d;
  if (ref.row < 0 || ref.row >= p.n || ref.col < 0 || ref.col >= cols) {
    out.error = "no such cell: row " + std::to_string(ref.row) + ", column " + std::to_string(ref.col);
    return out;
  }
  // The step of a step field, or the row's last step for the output.
  int step = ref.step;
  if (ref.field == CellField::kO) {
    const std::vector<int> steps = StepsOfRow(t, ref.row);
    if (steps.empty()) {
      out.error = "row " + std::to_string(ref.row) + " has no step";
      return out;
    }
    step = steps.back();
  }
  if (step < 0 || step >= t.StepCount()) {
    out.error = "no step " + std::to_string(step + 1);
    return out;
  }
  if (!t.Holds(step)) {
    out.error = NotHeldNote(t, step);
    return out;
  }
  const StepInfo& st = t.steps[step];
  const int r = ref.row - st.row0;
  if (r < 0 || r >= st.rows) {
    out.error = "row " + std::to_string(ref.row) + " is not in the Q block of step " + std::to_string(step + 1);
    return out;
  }
  out.title = Title(ref, t);
  const size_t tile_i = static_cast<size_t>(r) * p.bc + ref.col;
  const size_t feat_i = static_cast<size_t>(r) * p.d + ref.col;
  const StepShadow sh = rounded ? ShadowStep(t, *rounded, step) : StepShadow{};
  out.shadow = kNaN;
  const bool fa1 = p.order == LoopOrder::kFa1;  // P-tilde against r_m, O-bar always, O divided by l

  switch (ref.field) {
    case CellField::kS: {
      out.meaning = "the scaled score scale * q . k";
      out.shadow_meaning = "scale * q . k in FP64";
      out.format = pr.scores;
      out.stored = t.S(step)[tile_i];
      if (rounded) out.shadow = sh.s[tile_i];
      const int col = st.col0 + ref.col;
      if (!rounded || pr.scores == Format::kFp32 || !std::isfinite(out.stored)) break;
      const float dot = DotAsKernel(*rounded, ref.row, col, p.d);
      if (!SameBits(ScoreOf(dot, p.EffectiveScale(), pr.scores), out.stored)) break;
      const float scaled = Round(dot, pr.scores) * p.EffectiveScale();
      if (Round(scaled, pr.scores) == scaled)
        SetRounding(&out, dot, pr.scores, "q . k accumulated in FP32 (the scale then multiplies it exactly)");
      else
        SetRounding(&out, scaled, pr.scores, "R(q . k) * scale in FP32");
      break;
    }
    case CellField::kP: {
      out.meaning = fa1 ? "P-tilde = exp(S - r_m), against the block's own row max, as it enters the P V product"
                        : "P-bar = exp(S - m_new) as it enters the P V product";
      out.shadow_meaning = fa1 ? "exp(S in FP64 - this run's r_m)"
                               : "exp(S in FP64 - this run's m_new); above 1 where the run's S was rounded down";
      out.format = pr.pbar;
      out.stored = t.P(step)[tile_i];
      if (rounded) out.shadow = sh.p[tile_i];
      const float s = t.S(step)[tile_i], m_new = PShift(t, step)[r];
      if (!std::isfinite(s) || !std::isfinite(m_new)) break;
      const float e = ExpF(Round(s - m_new, pr.scores));  // ExpShifted, before its last rounding
      const float exps = Round(e, pr.scores);
      if (!SameBits(Round(exps, pr.pbar), out.stored)) break;
      if (pr.pbar != pr.scores && pr.pbar != Format::kFp32)
        SetRounding(&out, exps, pr.pbar, std::string("exp(S - m_new) in the scores format, ") + FormatName(pr.scores));
      else if (pr.scores != Format::kFp32)
        SetRounding(&out, e, pr.scores, "exp(R(S - m_new)) in FP32");
      break;
    }
    case CellField::kOBar: {
      out.meaning = fa1 ? "this block's P-tilde V in FP32, weighted by scale_blk = exp(r_m - m_new) into O"
                        : "this block's P-bar V, rounded to the block format before it is added to O-tilde";
      out.shadow_meaning = fa1 ? "the block's exp(S - r_m) V in FP64, with this run's r_m"
                               : "the block's exp(S - m_new) V in FP64, with this run's m_new";
      out.format = pr.block;
      if (!fa1 && !pr.SeparateBlockProduct()) {
        out.error = "O-bar is not recorded with this precision: P-bar V goes straight into the FP32 accumulator "
                    "O-tilde (as the tensor-core mma adds C += A B)";
        return out;
      }
      const float fp32 = t.OBlk(step)[feat_i];
      out.stored = Round(fp32, pr.block);
      if (rounded) {
        double sum = 0.0;
        for (int c = 0; c < st.cols; ++c)
          sum += sh.p[static_cast<size_t>(r) * p.bc + c] * rounded->v[static_cast<size_t>(st.col0 + c) * p.d + ref.col];
        out.shadow = sum;
      }
      if (pr.block != Format::kFp32) SetRounding(&out, fp32, pr.block, "P-bar V of this block, accumulated in FP32");
      break;
    }
    case CellField::kOAcc: {
      out.meaning = fa1 ? "O_i after this step: (l_old rescale O_old + scale_blk O-bar) / l, written to HBM"
                    : pr.SeparateBlockProduct() ? "O-tilde = R(R(rescale * O-tilde_old) + R(O-bar))"
                                                : "O-tilde, accumulated with fused multiply-adds in FP32";
      out.shadow_meaning = fa1 ? "softmax(S) V in FP64 over the keys seen"
                               : "exp(S - m_new) V summed in FP64 over the keys seen, with this run's m_new";
      out.format = pr.acc;
      out.stored = t.OAcc(step)[feat_i];
      if (rounded) out.shadow = sh.o_acc[feat_i];
      if (!pr.SeparateBlockProduct()) break;
      const float o_old = st.kv_block == 0 ? 0.0f : t.OAcc(step - 1)[feat_i];
      const float rescale = t.Rescale(step)[r];
      const float a = Round(rescale * o_old, pr.acc), b = Round(t.OBlk(step)[feat_i], pr.block);
      if (!SameBits(Round(a + b, pr.acc), out.stored)) break;
      out.has_addends = true;
      out.rescaled_old = a;
      out.block_rounded = b;
      if (pr.acc != Format::kFp32) SetRounding(&out, a + b, pr.acc, "R(rescale * O-tilde_old) + R(O-bar) in FP32");
      break;
    }
    case CellField::kO: {
      out.meaning = fa1 ? "O after the row's last K/V block (FA1 divides by l at every step)"
                        : "O = O-tilde / l after the row's last K/V block";
      out.shadow_meaning = "softmax(S) V in FP64";
      out.format = pr.output;
      out.stored = t.o[static_cast<size_t>(ref.row) * p.d + ref.col];
      if (rounded) out.shadow = fa1 ? sh.o_acc[feat_i] : sh.o_acc[feat_i] / sh.l[r];
      const float q = t.OAcc(step)[feat_i] / t.L(step)[r];
      if (pr.output != Format::kFp32 && SameBits(Round(q, pr.output), out.stored))
        SetRounding(&out, q, pr.output, "O-tilde / l in FP32");
      break;
    }
  }
  out.bits = DecomposeFloat(out.stored, out.format);
  return out;
}

}  // namespace fs
