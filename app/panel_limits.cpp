// Softmax limits (Mudarisov et al., 2025), computed here on random unit keys with bounded
// logits (kernels/softmax_limits.h): the weights flattening toward 1/L as L grows, the selected
// tokens lost as N/L grows, the softmax Jacobian's norm over the temperature, and the attention
// pattern at the chosen point. The paper's figures appear only as quoted lines and labels.
#include <algorithm>
#include <cmath>
#include <vector>

#include "log_chart.h"
#include "panels.h"
#include "printf.h"
#include "ui_common.h"

namespace fs {
namespace {

const ImU32 kComputed = viz::ToneColor(viz::Tone::kFlash);
const ImU32 kSecond = viz::ToneColor(viz::Tone::kStandard);
const ImU32 kBoundColor = viz::ToneColor(viz::Tone::kExact);
const ImU32 kQuotedColor = viz::ToneColor(viz::Tone::kLimit);
const ImU32 kThird = viz::ToneColor(viz::Tone::kSeriesL);

// The sliders; true when a value was let go and the curves must follow.
bool DrawSetup(LimitsLab& lab) {
  bool changed = false;
  const float w = std::max(8.0f * ImGui::GetFontSize(), ImGui::GetContentRegionAvail().x / 6.0f - 4.0f * ImGui::GetFontSize());
  const auto done = [&] { changed |= ImGui::IsItemDeactivatedAfterEdit(); };
  ImGui::PushItemWidth(w);
  ImGui::SliderInt("L", &lab.l, kMinLimitsL, kMaxLimitsL, "%d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  done();
  SameLineIfFits(w + 3.0f * ImGui::GetFontSize());
  ImGui::SliderInt("N", &lab.n, 1, std::max(1, lab.l - 1), "%d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  done();
  SameLineIfFits(w + 3.0f * ImGui::GetFontSize());
  float t = static_cast<float>(lab.setup.temperature);
  if (ImGui::SliderFloat("T", &t, 0.01f, 10.0f, "%.3g", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp))
    lab.setup.temperature = t;
  done();
  SameLineIfFits(w + 3.0f * ImGui::GetFontSize());
  float b = static_cast<float>(lab.setup.bound);
  if (ImGui::SliderFloat("B", &b, 0.5f, 10.0f, "%.2g", ImGuiSliderFlags_AlwaysClamp)) lab.setup.bound = b;
  done();
  SameLineIfFits(w + 3.0f * ImGui::GetFontSize());
  ImGui::SliderInt("d", &lab.setup.d, 4, 256, "%d", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  done();
  ImGui::PopItemWidth();
  return changed;
}

viz::LogLine Line(const char* label, const std::vector<double>& x, const std::vector<double>& y, ImU32 color,
                  bool dashed = false) {
  viz::LogLine line;
  line.label = label;
  line.x = x.data();
  line.y = y.data();
  line.count = static_cast<int>(std::min(x.size(), y.size()));
  line.color = color;
  line.dashed = dashed;
  line.markers = x.size() <= 24;
  return line;
}

void Chart(const char* id, const char* x_label, const char* y_label, const viz::LogLine* lines, int line_count,
           const viz::LogRule* rules, int rule_count, float width, float height, double y_min = 0, double y_max = 0) {
  viz::LogChartSpec spec;
  spec.x_label = x_label;
  spec.y_label = y_label;
  spec.lines = lines;
  spec.line_count = line_count;
  if (rule_count > 0) {  // reference lines: bounds, quoted figures and the chosen point
    spec.rules = rules;
    spec.rule_count = rule_count;
  }
  if (y_max > y_min) {   // a fixed range (fractions); otherwise the decades that hold the data
    spec.y_min = y_min;
    spec.y_max = y_max;
  }
  spec.size = ImVec2(width, height);
  spec.min_plot_height = MinChartHeight();
  viz::LogChart(id, spec);
}

void FlattenChart(const LimitsLab& lab, float w, float h) {
  std::vector<double> l, max_wl, min_wl, gap;
  for (const FlattenPoint& f : lab.flatten) {
    l.push_back(f.l);
    max_wl.push_back(f.max_w * f.l);
    min_wl.push_back(f.min_w * f.l);
    gap.push_back(std::log(static_cast<double>(f.l)) - f.entropy);
  }
  const viz::LogLine lines[] = {Line("largest w x L", l, max_wl, kComputed), Line("smallest w x L", l, min_wl, kSecond),
                                Line("log L - entropy", l, gap, kThird)};
  const double c1 = lab.flatten.empty() ? 0 : lab.flatten.front().c1, c2 = lab.flatten.empty() ? 0 : lab.flatten.front().c2;
  const viz::LogRule rules[] = {{"C2 = exp(2B/T)", c2, false, kBoundColor}, {"C1 = exp(-2B/T)", c1, false, kBoundColor},
                                {"", static_cast<double>(lab.l), true, 0}};
  ImGui::BeginGroup();
  Paragraph("Flattening: w x L stays within [C1, C2]; the entropy's gap to log L stays put", w);
  Chart("flatten", "context length L", "w x L, nats", lines, 3, rules, 3, w, h);
  ImGui::EndGroup();
}

void SelectionChart(const LimitsLab& lab, float w, float h) {
  std::vector<double> ratio, recovered, chance, mass, to_selected, to_others;
  for (const SelectionPoint& r : lab.selection) {
    ratio.push_back(static_cast<double>(r.n) / r.l);
    recovered.push_back(r.recovered);
    chance.push_back(static_cast<double>(r.n) / r.l);
    mass.push_back(r.selected_mass);
    to_selected.push_back(r.dist_selected);
    to_others.push_back(r.dist_others);
  }
  const viz::LogLine lines[] = {Line("selected found", ratio, recovered, kComputed),
                                Line("their weight", ratio, mass, kSecond),
                                Line("chance N/L", ratio, chance, kBoundColor, true),
                                Line("output to their mean", ratio, to_selected, kThird),
                                Line("output to the others' mean", ratio, to_others, kThird, true)};
  const viz::LogRule rules[] = {{"0.06", 0.06, true, kQuotedColor},
                                {"", static_cast<double>(lab.n) / lab.l, true, 0}};
  ImGui::BeginGroup();
  Paragraph(Printf("Selecting N of L = %d tokens (query: their keys' mean); red: the quoted N = 0.06 L", lab.l), w);
  Chart("selection", "N / L", "fraction; distance", lines, 5, rules, 2, w, h);
  ImGui::EndGroup();
}

void JacobianChart(const LimitsLab& lab, float w, float h) {
  std::vector<double> t, norm, bound, quoted;
  for (const JacobianPoint& j : lab.jacobian) {
    t.push_back(j.temperature);
    norm.push_back(j.norm);
    bound.push_back(j.bound);
    quoted.push_back(j.quoted_bound);
  }
  const viz::LogLine lines[] = {Line("||J||, computed", t, norm, kComputed),
                                Line("min(max p, 1/2) / T", t, bound, kBoundColor, true),
                                Line("min{1/(4T), sqrt 2} (quoted)", t, quoted, kQuotedColor, true)};
  const viz::LogRule rules[] = {{"", lab.setup.temperature, true, 0}};
  ImGui::BeginGroup();
  Paragraph(Printf("Jacobian of softmax(z / T) at L = %d", lab.l), w);
  Chart("jacobian", "temperature T", "spectral norm", lines, 3, rules, 1, w, h);
  ImGui::EndGroup();
}

void PatternChart(const LimitsLab& lab, float w, float h) {
  std::vector<double> rank(lab.sorted_weights.size());
  for (size_t i = 0; i < rank.size(); ++i) rank[i] = static_cast<double>(i + 1);
  const viz::LogLine lines[] = {Line("weight", rank, lab.sorted_weights, kComputed)};
  const viz::LogRule rules[] = {{"1/L", 1.0 / lab.l, false, kBoundColor}};
  ImGui::BeginGroup();
  Paragraph(Printf("The weights at L = %d, T = %s, largest first", lab.l, ShortNumber(lab.setup.temperature).c_str()), w);
  Chart("pattern", "rank", "weight", lines, 1, rules, 1, w, h);
  ImGui::EndGroup();
}

}  // namespace

void DrawLimitsPanel(AppState& s) {
  LimitsLab& lab = s.limits;
  Explain("Random unit keys in R^d, logits B <q, k> bounded by B, weights softmax(z / T): computed here in FP64. "
          "Lines marked quoted are the paper's figures, not computed.");
  if (DrawSetup(lab)) lab.changed = true;
  if (!lab.error.empty()) {
    ColoredParagraph(viz::ToneColorV(viz::Tone::kBad), "Not computed: " + lab.error);
    return;
  }
  if (lab.flatten.empty()) {
    ImGui::TextDisabled("Computing...");
    return;
  }
  const double chance = static_cast<double>(lab.n) / lab.l;
  Paragraph(Printf("At L = %d: largest weight %s (%s x 1/L), entropy %s of log L = %s. N = %d (N/L = %s): %s of them "
                   "found (chance %s), holding %s of the weight; the output lies %s from their mean, %s from the others'. T = %s: ||J|| = %s, at most %s; quoted bound %s%s.",
                   lab.l, ShortNumber(lab.at_l.max_w).c_str(), ShortNumber(lab.at_l.max_w * lab.l).c_str(),
                   ShortNumber(lab.at_l.entropy).c_str(), ShortNumber(std::log(double(lab.l))).c_str(), lab.n,
                   ShortNumber(chance).c_str(), ShortNumber(lab.at_n.recovered).c_str(), ShortNumber(chance).c_str(),
                   ShortNumber(lab.at_n.selected_mass).c_str(), ShortNumber(lab.at_n.dist_selected).c_str(),
                   ShortNumber(lab.at_n.dist_others).c_str(), ShortNumber(lab.setup.temperature).c_str(),
                   ShortNumber(lab.at_t.norm).c_str(), ShortNumber(lab.at_t.bound).c_str(),
                   ShortNumber(lab.at_t.quoted_bound).c_str(),
                   lab.at_t.norm > lab.at_t.quoted_bound ? ", exceeded" : ""));
  // Four charts in a row where each gets 22 font sizes, two by two where two do, else stacked.
  const float gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float avail = ImGui::GetContentRegionAvail().x;
  const int per_row = (avail - 3 * gap) / 4 >= 22 * ImGui::GetFontSize() ? 4 : (avail - gap) / 2 >= 22 * ImGui::GetFontSize() ? 2 : 1;
  const float w = (avail - (per_row - 1) * gap) / per_row;
  const float h = std::max(MinChartWidgetHeight(), ImGui::GetContentRegionAvail().y / (4 / per_row) -
                                                       2.5f * ImGui::GetTextLineHeightWithSpacing());
  void (*charts[])(const LimitsLab&, float, float) = {FlattenChart, SelectionChart, JacobianChart, PatternChart};
  for (int i = 0; i < 4; ++i) {
    if (i % per_row != 0) ImGui::SameLine(0.0f, gap);
    charts[i](lab, w, h);
  }
}

}  // namespace fs
