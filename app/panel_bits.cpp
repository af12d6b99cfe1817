// Bits: the clicked value as its format stores it (sign, exponent, mantissa), its neighbours,
// its FP64 shadow, and the rounding that produced it with the guard, round and sticky bits.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <string>

#include "bit_view.h"
#include "panels.h"
#include "printf.h"
#include "ui_common.h"

namespace fs {
namespace {

std::string Binary(uint32_t v, int bits) {
  std::string out;
  for (int i = bits - 1; i >= 0; --i) out += ((v >> i) & 1u) ? '1' : '0';
  return out;
}

// "sign 1 (negative), exponent 10000001 = 129 - 127 = 2, mantissa 1.0010111 (binary)".
void FieldsText(const FloatBits& b) {
  const FormatInfo info = InfoOf(b.format);
  const ImVec4 sign = ImGui::ColorConvertU32ToFloat4(viz::kSignColor);
  const ImVec4 exponent = ImGui::ColorConvertU32ToFloat4(viz::kExponentColor);
  const ImVec4 mantissa = ImGui::ColorConvertU32ToFloat4(viz::kMantissaColor);
  ColoredParagraph(sign, Printf("sign %d (%s)", b.sign, b.sign ? "negative" : "positive"));
  if (b.nan || b.infinite) {
    ColoredParagraph(exponent, Printf("exponent all ones: %s", b.nan ? "NaN" : "infinity"));
    return;
  }
  const int unbiased = b.exponent == 0 ? 1 - info.bias : static_cast<int>(b.exponent) - info.bias;
  ColoredParagraph(exponent, Printf("exponent %s = %u - %d = %d%s", Binary(b.exponent, info.exponent_bits).c_str(),
                                   b.exponent, info.bias, unbiased,
                                   b.exponent == 0 ? " (subnormal or zero: no implicit 1)" : ""));
  ColoredParagraph(mantissa, Printf("mantissa %c.%s (binary), times 2^%d", b.exponent == 0 ? '0' : '1',
                                    Binary(b.mantissa, info.mantissa_bits).c_str(), unbiased));
}

// Why the rounding went the way it did.
const char* Decision(const Rounding& r) {
  if (!r.guard && !r.round && !r.sticky) return "nothing was dropped: the value fits exactly";
  if (!r.guard) return "less than half an ulp was dropped: cut toward zero";
  if (r.tie) return "exactly half an ulp was dropped: a tie, which goes to the even neighbour";
  return "more than half an ulp was dropped: rounds away from zero";
}

void RoundingSection(const CellReport& rep) {
  const Rounding& r = rep.rounding;
  Heading("The rounding that stored it");
  WrappedText("Input: %s = %.9g (FP32)", rep.rounded_from.c_str(), r.input);
  // The FP32 input split where the format cuts it: the kept fields, then the dropped bits.
  const FormatInfo info = InfoOf(rep.format);
  const uint32_t u = FloatToBits(r.input);
  viz::BitViewSpec spec;
  if (r.dropped_bits > 0 && r.dropped_bits <= 23 + 2) {
    const int kept_mantissa = 23 - std::min(r.dropped_bits, 23);
    spec.bits = (u >> (23 - kept_mantissa));
    spec.exponent_bits = 8;
    spec.mantissa_bits = kept_mantissa;
    spec.dropped = u & ((uint64_t{1} << (23 - kept_mantissa)) - 1u);
    spec.dropped_count = 23 - kept_mantissa;
  } else {
    spec.bits = u;
  }
  viz::BitView("input bits", spec);
  if (info.exponent_bits != 8 && r.dropped_bits > 0)
    Explain("FP32's 8 exponent bits are shown; %s keeps %d of them (the value's range decides).",
            FormatName(rep.format), info.exponent_bits);
  WrappedText("guard %d, round %d, sticky %d: %s", r.guard, r.round, r.sticky, Decision(r));
  WrappedText("%.9g -> %.9g in %s: rounding error %+.6g (result - input)", r.input, r.result, FormatName(rep.format),
              r.error);
  if (rep.has_tie) {
    WrappedText("Without the bits below the guard bit the input would be %.9g, exactly halfway: "
                       "round-to-nearest-even would give %.9g (error %+.6g). The set round or sticky bits "
                       "decide the direction instead.",
                       rep.tie.input, rep.tie.result, rep.tie.error);
  }
}

}  // namespace

void DrawBitsPanel(AppState& s) {
  const LabState& lab = s.lab;
  if (!lab.has_cell) {
    WrappedText("Click a cell in the Precision, Errors or Scores panels to see its bits.");
    return;
  }
  if (lab.report_of != s.trace || lab.report_cell != lab.cell) {
    ImGui::TextDisabled("Reading the cell...");
    return;
  }
  const CellReport& rep = lab.report;
  if (!rep.error.empty()) {
    WrappedText("%s", rep.error.c_str());
    return;
  }
  DrawCellFormula(s, lab.cell);
  ImGui::Separator();
  WrappedHeading(rep.title);
  Explain("%s", rep.meaning.c_str());
  const FloatBits& b = rep.bits;
  WrappedText("Stored in %s: %.9g", FormatName(rep.format), rep.stored);
  const FormatInfo info = InfoOf(rep.format);
  viz::BitViewSpec spec;
  spec.bits = b.bits;
  spec.exponent_bits = info.exponent_bits;
  spec.mantissa_bits = info.mantissa_bits;
  viz::BitView("stored bits", spec);
  FieldsText(b);
  if (!b.nan) {
    WrappedText("Neighbours in %s: %.9g below, %.9g above (ulp %.9g)", FormatName(rep.format), b.below, b.above, b.ulp);
  }
  if (std::isfinite(rep.shadow)) {
    WrappedText("FP64 shadow: %.9g; stored - shadow = %+.4g", rep.shadow, rep.stored - rep.shadow);
    Explain("The shadow is %s, from the same rounded inputs.", rep.shadow_meaning.c_str());
  } else {
    ImGui::TextDisabled("No FP64 shadow (the inputs are not at hand)");
  }
  if (rep.has_addends)
    WrappedText("O~ = R(a + b) with a = R(rescale x O~_old) = %.9g and b = R(O-bar) = %.9g", rep.rescaled_old,
                       rep.block_rounded);
  ImGui::Spacing();
  if (rep.has_rounding) {
    RoundingSection(rep);
  } else if (rep.format == Format::kFp32) {
    Explain("FP32 is the widest format here: the value is the kernel's FP32 result, rounded inside each operation.");
  }
}

}  // namespace fs
