#include "problem.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "names.h"

namespace fs {
namespace {

constexpr Named<Pattern> kPatternNames[] = {
    {Pattern::kRandom, "random"},   {Pattern::kSink, "sink"}, {Pattern::kTiedMaxima, "tied"},
    {Pattern::kLowRank, "lowrank"}, {Pattern::kNpy, "npy"},   {Pattern::kDrift, "drift"},
};

constexpr Named<LoopOrder> kLoopOrderNames[] = {{LoopOrder::kFa2, "fa2"}, {LoopOrder::kFa1, "fa1"}};

// The stages of p that are not FP32, as "scores bf16, pbar bf16".
std::string LowPrecisionStages(const Precision& p) {
  std::string out;
  for (const PrecisionStage& st : kPrecisionStages)
    if (p.*st.member != Format::kFp32) out += (out.empty() ? "" : ", ") + std::string(st.name) + " " + FormatName(p.*st.member);
  return out;
}

}  // namespace

std::string ShortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

const char* PatternName(Pattern p) { return NameOf(kPatternNames, p); }
bool ParsePattern(const std::string& s, Pattern* out) { return ParseName(kPatternNames, s, out); }
std::string PatternChoices() { return NameChoices(kPatternNames); }

const char* LoopOrderName(LoopOrder o) { return NameOf(kLoopOrderNames, o); }
bool ParseLoopOrder(const std::string& s, LoopOrder* out) { return ParseName(kLoopOrderNames, s, out); }
std::string LoopOrderChoices() { return NameChoices(kLoopOrderNames); }

float Problem::EffectiveScale() const {
  return scale != 0.0f ? scale : 1.0f / std::sqrt(static_cast<float>(d));
}

bool ScaleIsAllowed(double value) {
  return value == 0.0 || (value >= FLT_MIN && value <= FLT_MAX);  // false for NaN
}

bool operator==(const Problem& a, const Problem& b) {
  return a.n == b.n && a.d == b.d && a.br == b.br && a.bc == b.bc && a.causal == b.causal &&
         a.scale == b.scale && a.seed == b.seed && a.pattern == b.pattern && a.rank == b.rank &&
         a.q_path == b.q_path && a.k_path == b.k_path && a.v_path == b.v_path &&
         a.dout_path == b.dout_path && a.precision == b.precision && a.softmax == b.softmax &&
         a.beta == b.beta && a.eps == b.eps && a.order == b.order;
}

std::vector<std::string> ProblemErrors(const Problem& p) {
  std::vector<std::string> errors;
  auto add = [&](const std::string& s) { errors.push_back(s); };
  if (p.n < 1 || p.n > kMaxStepN)
    add("N (sequence length) is " + std::to_string(p.n) + "; allowed: 1.." +
        std::to_string(kMaxStepN));
  if (!IsAllowed(kAllowedD, p.d))
    add("d (head dimension) is " + std::to_string(p.d) + "; allowed: " + AllowedList(kAllowedD));
  if (!IsAllowed(kAllowedBlock, p.br))
    add("Br (Q block rows) is " + std::to_string(p.br) + "; allowed: " +
        AllowedList(kAllowedBlock));
  if (!IsAllowed(kAllowedBlock, p.bc))
    add("Bc (K/V block rows) is " + std::to_string(p.bc) + "; allowed: " +
        AllowedList(kAllowedBlock));
  if (!ScaleIsAllowed(p.scale)) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", static_cast<double>(p.scale));
    add(std::string("scale is ") + value + "; allowed: " + kScaleAllowed);
  }
  if (p.pattern == Pattern::kLowRank && (p.rank < 1 || p.rank > kMaxRank || p.rank > p.d))
    add("rank is " + std::to_string(p.rank) + "; allowed: 1..min(d, " +
        std::to_string(kMaxRank) + ")");
  if (p.pattern == Pattern::kNpy && (p.q_path.empty() || p.k_path.empty() || p.v_path.empty()))
    add("pattern npy needs three files: --q, --k and --v (.npy, float32 or float16, N x d)");
  if (!(p.beta > kMinBeta && p.beta <= kMaxBeta))  // also refuses NaN
    add("beta is " + ShortNumber(p.beta) + "; allowed: " + ShortNumber(kMinBeta) + " < beta <= " +
        ShortNumber(kMaxBeta));
  if (!(p.eps > 0.0f && p.eps <= kMaxEps))
    add("eps is " + ShortNumber(p.eps) + "; allowed: 0 < eps <= " + ShortNumber(kMaxEps));
  // The fa1 kernel and its twin run FP32 with the standard softmax (emulate_fa1.cpp).
  if (p.order == LoopOrder::kFa1 && !p.precision.AllFp32())
    add("order fa1 runs in FP32 only, but precision is " + PrecisionName(p.precision) + " (" +
        LowPrecisionStages(p.precision) + "); allowed with order fa1: precision fp32 (order fa2 takes every precision)");
  if (p.order == LoopOrder::kFa1 && p.softmax != Softmax::kStandard)
    add(std::string("order fa1 runs the standard softmax only, but softmax is ") + SoftmaxName(p.softmax) +
        "; allowed with order fa1: softmax standard (order fa2 takes both)");
  return errors;
}

void Validate(const Problem& p) {
  const auto errors = ProblemErrors(p);
  if (errors.empty()) return;
  std::string msg;
  for (const auto& e : errors) msg += (msg.empty() ? "" : "\n") + e;
  throw ProblemError(msg);
}

std::string Describe(const Problem& p) {
  std::ostringstream out;
  out << "N=" << p.n << " d=" << p.d << " Br=" << p.br << " Bc=" << p.bc
      << (p.causal ? " causal" : "") << (p.order == LoopOrder::kFa1 ? " order=fa1" : "") << " "
      << PatternName(p.pattern);
  if (p.pattern == Pattern::kLowRank) out << " r=" << p.rank;
  if (p.pattern != Pattern::kNpy) out << " seed=" << p.seed;
  if (p.scale != 0.0f) out << " scale=" << p.scale;
  if (!p.precision.AllFp32()) out << " " << PrecisionName(p.precision);
  if (p.softmax == Softmax::kStabilized) out << " stabilized beta=" << p.beta;
  return out.str();
}

}  // namespace fs
