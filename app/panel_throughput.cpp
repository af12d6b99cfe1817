// Throughput: the kernel ladder timed on this GPU (a worker thread runs the bench about once a
// second; see ladder_state.h) or read from a saved bench report, in four views: bars of TFLOP/s
// against the GEMM ceiling beside each kernel's error against FP64, a roofline, the memory each
// kernel holds over N, and fa2_mma's Br x Bc sweep. The numbers come from throughput_model.h;
// this file only draws them and sets requests.
//
// Sections: helpers · source and controls · bars · roofline · memory · sweep · the panel
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "colormap.h"
#include "heatmap.h"
#include "imgui_stdlib.h"
#include "log_chart.h"
#include "panels.h"
#include "printf.h"
#include "throughput_model.h"
#include "ui_common.h"

namespace fs {
namespace {

// ---- helpers ----------------------------------------------------------------------------------

const ImU32 kStandardColor = viz::ToneColor(viz::Tone::kStandard);  // as in the drift panel
const ImU32 kFlashColor = viz::ToneColor(viz::Tone::kFlash);
const ImU32 kMemoryColor = viz::ToneColor(viz::Tone::kLimit);

ImU32 FormatColor(Format f) {
  switch (f) {
    case Format::kBf16: return viz::ToneColor(viz::Tone::kBf16);
    case Format::kFp16: return viz::ToneColor(viz::Tone::kFp16);
    case Format::kFp32: break;
  }
  return viz::ToneColor(viz::Tone::kFp32);
}

ImVec4 StatusColor(BenchStatus s) {
  switch (s) {
    case BenchStatus::kFailed: return viz::ToneColorV(viz::Tone::kBad);
    case BenchStatus::kOutOfMemory: return viz::ToneColorV(viz::Tone::kWarn);
    case BenchStatus::kSkipped:
    case BenchStatus::kOk: break;
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
}

void BytesTick(double v, char* buf, size_t size) { FormatBytes(v, buf, static_cast<int>(size)); }

void CountTick(double v, char* buf, size_t size) {
  if (v >= 1024 && std::fmod(v, 1024.0) == 0)
    std::snprintf(buf, size, "%gk", v / 1024);
  else
    std::snprintf(buf, size, "%g", v);
}

// Height of `text` wrapped to the available width, with a line to spare (Paragraph wraps at
// spaces only, so it may take a little more than ImGui's own wrapping).
float WrappedHeight(const std::string& text) {
  const float w = ImGui::GetContentRegionAvail().x;
  return ImGui::CalcTextSize(text.c_str(), nullptr, false, w).y + ImGui::GetTextLineHeightWithSpacing();
}

// A chart taking the height its note below leaves.
void ChartAndNote(const char* id, viz::LogChartSpec spec, const std::string& note) {
  // At least a chart's least height (the view's region scrolls when that is more than it has).
  spec.size = ImVec2(0, std::max(MinChartWidgetHeight(), ImGui::GetContentRegionAvail().y - WrappedHeight(note)));
  spec.min_plot_height = MinChartHeight();
  viz::LogChart(id, spec);
  Explain("%s", note.c_str());
}

std::string Bytes(double v) {
  char buf[32];
  return FormatBytes(v, buf, sizeof buf);
}

// ---- source and controls ------------------------------------------------------------------------

void LiveControls(AppState& s) {
  LadderState& l = s.ladder;
  const LadderSnapshot& live = l.live;
  if (ImGui::Button(l.live_wanted ? "Stop###runstop" : "Run###runstop", ImVec2(4 * ImGui::GetFontSize(), 0))) {
    l.live_wanted = !l.live_wanted;
    l.live_retry = l.live_wanted;
  }
  char progress[96];
  if (live.phase == LadderPhase::kRunning || live.phase == LadderPhase::kStopping) {
    std::snprintf(progress, sizeof progress, "pass %d: %d of %d runs", live.passes + 1, live.done, live.expected);
    SameLineIfFits(16 * ImGui::GetFontSize());
    ImGui::ProgressBar(live.expected > 0 ? static_cast<float>(live.done) / live.expected : 0.0f,
                       ImVec2(16 * ImGui::GetFontSize(), 0), progress);
  }
  const std::string phase = Printf("%s; %d passes", LadderPhaseName(live.phase), live.passes);
  SameLineIfFits(ImGui::CalcTextSize(phase.c_str()).x);
  ImGui::TextUnformatted(phase.c_str());
  if (live.phase == LadderPhase::kFailed) WrappedText("The bench stopped: %s", live.error.c_str());

  if (!ImGui::CollapsingHeader("shape and numerics of the live ladder")) return;
  LadderSettings e = l.settings;
  const float w = 7 * ImGui::GetFontSize();
  // The width of an item of width `item` with its label after it.
  const auto labelled = [](float item, const char* label) {
    return item + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label).x;
  };
  bool changed = false;
  bool first = true;
  for (auto [label, value] : {std::make_pair("B", &e.shape.batch), std::make_pair("H", &e.shape.heads),
                              std::make_pair("N", &e.shape.n)}) {
    if (!first) SameLineIfFits(labelled(w, label));
    first = false;
    ImGui::SetNextItemWidth(w);
    ImGui::InputInt(label, value, 0, 0);
    changed |= ImGui::IsItemDeactivatedAfterEdit();
  }
  SameLineIfFits(labelled(w, "d"));
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("d", std::to_string(e.shape.d).c_str())) {
    for (int d : kAllowedD)
      if (ImGui::Selectable(std::to_string(d).c_str(), d == e.shape.d)) e.shape.d = d, changed = true;
    ImGui::EndCombo();
  }
  SameLineIfFits(CheckWidth("causal"));
  changed |= ImGui::Checkbox("causal", &e.shape.causal);
  changed |= ImGui::Checkbox("fp32", &e.fp32);
  SameLineIfFits(CheckWidth("bf16"));
  changed |= ImGui::Checkbox("bf16", &e.bf16);
  SameLineIfFits(CheckWidth("fp16"));
  changed |= ImGui::Checkbox("fp16", &e.fp16);
  SameLineIfFits(labelled(w * 1.4f, "precision"));
  ImGui::SetNextItemWidth(w * 1.4f);
  if (ImGui::BeginCombo("precision", e.precision.empty() ? "each format's own" : e.precision.c_str())) {
    if (ImGui::Selectable("each format's own", e.precision.empty())) e.precision.clear(), changed = true;
    for (const PrecisionPreset& preset : kPrecisionPresets)
      if (ImGui::Selectable(preset.name, e.precision == preset.name)) e.precision = preset.name, changed = true;
    ImGui::EndCombo();
  }
  SameLineIfFits(labelled(w, "softmax"));
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("softmax", SoftmaxName(e.softmax))) {
    for (Softmax v : {Softmax::kStandard, Softmax::kStabilized})
      if (ImGui::Selectable(SoftmaxName(v), v == e.softmax)) e.softmax = v, changed = true;
    ImGui::EndCombo();
  }
  SameLineIfFits(CheckWidth("fa2_mma tile sweep"));
  changed |= ImGui::Checkbox("fa2_mma tile sweep", &e.sweep);
  if (changed) {
    l.settings = e;
    l.settings_set = true;
  }
  const std::string problems = LadderSettingsProblems(l.settings, s.problem);
  if (!problems.empty()) ColoredParagraph(viz::ToneColorV(viz::Tone::kBad), "Not run: " + problems);
}

void SourceSection(AppState& s) {
  LadderState& l = s.ladder;
  if (!l.runner) {
    WrappedText("No GPU here: %s. The live ladder needs a CUDA device; a report saved on one with `flashscope bench "
                "--json FILE` opens here.",
                s.cuda_unavailable.c_str());
  } else {
    int source = l.show_file ? 1 : 0;
    ImGui::RadioButton("live on this GPU", &source, 0);
    SameLineIfFits(CheckWidth("saved report"));
    ImGui::BeginDisabled(!l.file);
    ImGui::RadioButton("saved report", &source, 1);
    ImGui::EndDisabled();
    l.show_file = source == 1 && l.file;
    if (!l.show_file) LiveControls(s);
  }
  if (s.pick_files) {  // the page: the browser's picker (what is picked is opened by its kind)
    if (ImGui::Button("Open a saved report...")) s.pick_files();
  } else {
    ImGui::SetNextItemWidth(std::max(ImGui::GetFontSize(), ImGui::GetContentRegionAvail().x - ButtonWidth("Open") -
                                                               ImGui::GetStyle().ItemSpacing.x));
    const bool enter = ImGui::InputTextWithHint("##report", "bench report (JSON)", &l.path_input,
                                                ImGuiInputTextFlags_EnterReturnsTrue);
    ImGui::SameLine();
    if ((ImGui::Button("Open") || enter) && !l.path_input.empty()) OpenBenchReport(s, l.path_input);
  }
  if (!l.file_error.empty()) ColoredParagraph(viz::ToneColorV(viz::Tone::kBad), l.file_error);
}

// The report's provenance and the shape shown (a choice where the report has several).
void ReportHeader(AppState& s, const BenchReport& r) {
  LadderState& l = s.ladder;
  if (l.show_file) {
    WrappedHeading(l.file_path + ": " + RecordedText(r));
  } else {
    WrappedHeading("live on " + r.device + ", warm-up " + std::to_string(r.warmup) + ", median of " +
                   std::to_string(r.repeats) + " runs, a pass about every second");
  }
  const std::vector<LadderShape> shapes = ReportShapes(r);
  if (l.show_file && shapes.size() > 1) {
    // The combo, and its label after it where the line has room, under it otherwise.
    const char* label = "shape (B x H x N x d, c causal)";
    const float combo_w = std::min(12 * ImGui::GetFontSize(), ImGui::GetContentRegionAvail().x);
    const bool label_fits = combo_w + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label).x <=
                            ImGui::GetContentRegionAvail().x;
    if (!label_fits) Paragraph(label);
    ImGui::SetNextItemWidth(combo_w);
    if (ImGui::BeginCombo(label_fits ? label : "##shape", ShapeText(l.shown_shape).c_str())) {
      for (const LadderShape& shape : shapes)
        if (ImGui::Selectable(ShapeText(shape).c_str(), shape == l.shown_shape)) l.shown_shape = shape;
      ImGui::EndCombo();
    }
  } else {
    WrappedText("shape %s (B x H x N x d%s)", ShapeText(l.shown_shape).c_str(), l.shown_shape.causal ? ", causal" : "");
  }
  const BenchCeilings& c = r.ceilings;
  const ImVec4 dim = ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
  if (c.gemm_bf16_tflops > 0 || c.gemm_fp32_tflops > 0)
    ColoredParagraph(dim, Printf("ceilings: BF16 GEMM %.0f, FP32 GEMM %.1f TFLOP/s, copy %.0f GB/s", c.gemm_bf16_tflops,
                                 c.gemm_fp32_tflops, c.copy_gbps));
  else
    ColoredParagraph(dim, "no ceilings measured in this report");
}

// ---- bars -------------------------------------------------------------------------------------------

void BarsView(const std::vector<LadderRow>& rows, const BenchReport& r, ImVec2 size) {
  ImGui::BeginChild("bars", size);
  // Thicker bars where the view has the room (three lines of text a row besides the bar).
  const float line_h = ImGui::GetTextLineHeightWithSpacing();
  const float bar_h = std::clamp(size.y / std::max<size_t>(1, rows.size() + 2) - 3 * line_h, 0.7f * ImGui::GetFontSize(),
                                 2.0f * ImGui::GetFontSize());
  Heading("TFLOP/s against the GEMM ceiling, and the error against FP64");
  const ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp |
                                ImGuiTableFlags_NoSavedSettings;
  // Where the view is too narrow for the errors beside a readable bar, they go under it.
  const float kernel_w = ImGui::CalcTextSize("fa2_teach bf16").x;
  const float numeric_w = ImGui::CalcTextSize("max rel. error").x + ImGui::CalcTextSize("mean signed error").x;
  const bool narrow = ImGui::GetContentRegionAvail().x < kernel_w + numeric_w + 16.0f * ImGui::GetFontSize();
  if (ImGui::BeginTable("ladder", narrow ? 2 : 4, flags)) {
    ImGui::TableSetupColumn("kernel", ImGuiTableColumnFlags_WidthFixed, kernel_w);
    ImGui::TableSetupColumn(narrow ? "TFLOP/s, % of GEMM; error against FP64" : "TFLOP/s, % of GEMM",
                            ImGuiTableColumnFlags_WidthStretch);
    if (!narrow)
      for (const char* numeric : {"max rel. error", "mean signed error"})
        ImGui::TableSetupColumn(numeric, ImGuiTableColumnFlags_WidthFixed, ImGui::CalcTextSize(numeric).x);
    ImGui::TableHeadersRow();
    const KernelInfo* last = nullptr;
    for (const LadderRow& row : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      const bool first_of_kernel = row.kernel != last;
      last = row.kernel;
      if (row.present)
        ImGui::Text("%s %s", row.kernel->name, FormatName(row.result.dtype));
      else
        ImGui::TextUnformatted(row.kernel->name);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s: %s", row.kernel->title, row.kernel->teaches);
      ImGui::TableNextColumn();
      if (!row.present) {
        ImGui::TextDisabled("%s", row.absent_note.c_str());
      } else if (row.result.status != BenchStatus::kOk) {
        ImGui::PushStyleColor(ImGuiCol_Text, StatusColor(row.result.status));
        WrappedText("%s: %s", BenchStatusName(row.result.status), row.result.note.c_str());
        ImGui::PopStyleColor();
      } else {
        const BenchResult& x = row.result;
        char text[128];
        if (GemmCeiling(x.dtype, r.ceilings) > 0)
          std::snprintf(text, sizeof text, "%.1f TFLOP/s, %.1f%% of %s", x.tflops, x.pct_of_gemm, GemmCeilingName(x.dtype));
        else
          std::snprintf(text, sizeof text, "%.1f TFLOP/s", x.tflops);
        Paragraph(text);
        ImGui::PushStyleColor(ImGuiCol_PlotHistogram, ImGui::ColorConvertU32ToFloat4(FormatColor(x.dtype)));
        ImGui::ProgressBar(static_cast<float>(row.bar_fraction), ImVec2(-1, bar_h), "");
        ImGui::PopStyleColor();
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("%s\nmedian %.3f ms (min %.3f) of %d runs, %.0f GB/s of compulsory traffic%s%s",
                            row.kernel->title, x.median_ms, x.min_ms, r.repeats, x.gbps, x.tile.empty() ? "" : "\ntile ",
                            x.tile.c_str());
      }
      // What the rung teaches, where the column holds it in two lines (else in the tooltip).
      if (first_of_kernel && ImGui::CalcTextSize(row.kernel->teaches).x < 1.8f * ImGui::GetContentRegionAvail().x)
        Explain("%s", row.kernel->teaches);
      const bool has_errors =
          row.present && row.result.status != BenchStatus::kSkipped && row.result.status != BenchStatus::kOutOfMemory;
      if (narrow) {
        if (has_errors)
          ImGui::Text("max rel. error %.2e, mean signed %+.2e", row.result.max_rel_err, row.result.mean_signed_err);
        continue;
      }
      ImGui::TableNextColumn();
      if (has_errors) {
        ImGui::Text("%.2e", row.result.max_rel_err);
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("max over the sampled rows of max|O - O_fp64| / max|O_fp64|; passes below %.2g",
                            row.result.tolerance);
        ImGui::TableNextColumn();
        ImGui::Text("%+.2e", row.result.mean_signed_err);
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("mean of O - O_fp64 over the sampled rows: a bias shows here");
      } else {
        ImGui::TableNextColumn();
      }
    }
    ImGui::EndTable();
  }
  if (r.ceilings.gemm_bf16_tflops > 0 || r.ceilings.gemm_fp32_tflops > 0)
    Explain("A bar's full length is the measured GEMM ceiling of its format: BF16 GEMM for 16-bit kernels, FP32 "
            "GEMM for FP32 ones.");
  else
    Explain("This report has no GEMM ceilings: the bars are against the fastest kernel.");
  ImGui::EndChild();
}

// ---- roofline ---------------------------------------------------------------------------------------

void RooflineView(const RooflineModel& m, bool alone, ImVec2 size) {
  ImGui::BeginChild("roofline", size);
  Heading("Roofline: TFLOP/s over FLOPs per compulsory byte");
  const double xs[3] = {m.x_min, 0, m.x_max};
  struct Roof {
    double x[3], y[3];
    char label[64];
  } roofs[2];
  viz::LogLine lines[2];
  int line_count = 0;
  for (auto [peak, name, color] : {std::make_tuple(m.bf16_peak, "BF16 GEMM", FormatColor(Format::kBf16)),
                                   std::make_tuple(m.fp32_peak, "FP32 GEMM", FormatColor(Format::kFp32))}) {
    if (!(peak > 0)) continue;
    Roof& r = roofs[line_count];
    const double ridge = RidgeIntensity(peak, m.copy_gbps);
    int n = 0;
    for (double x : {xs[0], ridge, xs[2]})
      if (x >= m.x_min && x <= m.x_max) r.x[n] = x, r.y[n] = RoofTflops(peak, m.copy_gbps > 0 ? m.copy_gbps : INFINITY, x), ++n;
    std::snprintf(r.label, sizeof r.label, "%s %.0f TFLOP/s", name, peak);
    lines[line_count] = viz::LogLine{r.label, r.x, r.y, n, color, false, false};
    ++line_count;
  }
  std::vector<viz::LogMark> marks;
  for (const RooflinePoint& p : m.points)
    marks.push_back(viz::LogMark{p.label.c_str(), p.intensity, p.tflops, FormatColor(p.dtype), p.with_scores});
  viz::LogChartSpec spec;
  spec.x_label = "FLOP per byte (Q, K, V read and O, L written once)";
  spec.y_label = "TFLOP/s";
  spec.x_min = m.x_min, spec.x_max = m.x_max, spec.y_min = m.y_min, spec.y_max = m.y_max;
  spec.lines = lines;
  spec.line_count = line_count;
  spec.marks = marks.data();
  spec.mark_count = static_cast<int>(marks.size());
  // The note: in full where the view is alone, its gist beside the other views.
  const double ridge = RidgeIntensity(m.bf16_peak, m.copy_gbps);
  std::string note = m.copy_gbps <= 0 ? "This report has no ceilings: no roofs to draw."
                     : alone ? Printf("The slope is the copy bandwidth, %.0f GB/s, meeting the BF16 GEMM's roof at "
                                      "the BF16 ridge at %.0f FLOP per byte.",
                                      m.copy_gbps, ridge)
                             : Printf("BF16 ridge at %.0f FLOP per byte.", ridge);
  std::string at;  // the compulsory intensity of each format, once
  for (const RooflinePoint& p : m.points) {
    const std::string one = Printf("%.0f FLOP per byte in %s", p.intensity, FormatName(p.dtype));
    if (!p.with_scores && at.find(one) == std::string::npos) at += (at.empty() ? "" : ", ") + one;
  }
  if (!at.empty() && alone)
    note += " Filled points count the compulsory bytes only, the same for every kernel of a format: " + at + ".";
  for (const RooflinePoint& p : m.points) {
    if (!p.with_scores || m.copy_gbps <= 0) continue;
    if (alone)
      note += Printf(" The ring: %s, at %.0f FLOP per byte, where the slope allows %.0f TFLOP/s; it ran at %.1f.",
                     p.label.c_str(), p.intensity, RoofTflops(INFINITY, m.copy_gbps, p.intensity), p.tflops);
    else
      note += Printf(" Ring: standard's S and P through HBM counted, %.0f FLOP per byte.", p.intensity);
  }
  ChartAndNote("roofline chart", spec, note);
  ImGui::EndChild();
}

// ---- memory -----------------------------------------------------------------------------------------

void MemoryView(const FootprintModel& m, bool alone, ImVec2 size) {
  ImGui::BeginChild("memory", size);
  Heading(("Device memory over N: B = " + std::to_string(m.shape.batch) + ", H = " + std::to_string(m.shape.heads) +
           ", d = " + std::to_string(m.shape.d) + ", " + FormatName(m.dtype))
              .c_str());
  const viz::LogLine lines[2] = {
      {"standard: B H N^2 scores", m.n.data(), m.standard.data(), static_cast<int>(m.n.size()), kStandardColor, false, true},
      {"FlashAttention: O(N)", m.n.data(), m.flash.data(), static_cast<int>(m.n.size()), kFlashColor, false, true}};
  std::vector<viz::LogRule> rules;
  char gpu_label[96], n_label[32];
  if (m.gpu.bytes > 0) {
    std::snprintf(gpu_label, sizeof gpu_label, "GPU memory %s", Bytes(static_cast<double>(m.gpu.bytes)).c_str());
    rules.push_back({gpu_label, static_cast<double>(m.gpu.bytes), false, kMemoryColor});
  }
  std::snprintf(n_label, sizeof n_label, "N = %d", m.shape.n);
  rules.push_back({n_label, static_cast<double>(m.shape.n), true, 0});
  const double ticks[] = {256, 1024, 4096, 16384, 65536};
  viz::LogChartSpec spec;
  spec.x_label = "sequence length N";
  spec.y_label = "bytes on the device";
  spec.x_ticks = ticks;
  spec.x_tick_count = static_cast<int>(std::size(ticks));
  spec.x_min = m.n.front(), spec.x_max = m.n.back();
  const double top = std::max({m.standard.back(), m.flash.back(), static_cast<double>(m.gpu.bytes)});
  const std::vector<double> y_ticks = viz::PowerOfTwoTicks(m.flash.front(), top, 5, &spec.y_min, &spec.y_max);
  spec.y_ticks = y_ticks.data();
  spec.y_tick_count = static_cast<int>(y_ticks.size());
  spec.format_x = CountTick;
  spec.format_y = BytesTick;
  spec.lines = lines;
  spec.line_count = 2;
  spec.rules = rules.data();
  spec.rule_count = static_cast<int>(rules.size());
  const std::string standard = Bytes(static_cast<double>(KernelDeviceBytes(KernelId::kStandard, m.shape, m.dtype)));
  const std::string flash = Bytes(static_cast<double>(KernelDeviceBytes(KernelId::kFa2Mma, m.shape, m.dtype)));
  const std::string gpu = Bytes(static_cast<double>(m.gpu.bytes));
  const std::string note =
      m.gpu.bytes == 0 ? Printf("At N = %d: standard %s, FlashAttention %s. The GPU's memory is not known for this "
                                "report.",
                                m.shape.n, standard.c_str(), flash.c_str())
      : alone ? Printf("At N = %d: standard %s, FlashAttention %s. In %s (%s) standard fits up to N = %d, "
                       "FlashAttention up to N = %d%s.",
                       m.shape.n, standard.c_str(), flash.c_str(), gpu.c_str(), m.gpu.source.c_str(),
                       m.standard_largest_n, m.flash_largest_n,
                       m.flash_largest_n == kMaxBenchN ? " (the bench's longest)" : "")
              : Printf("In %s standard fits up to N = %d, FlashAttention up to N = %d.", gpu.c_str(),
                       m.standard_largest_n, m.flash_largest_n);
  ChartAndNote("memory chart", spec, note);
  ImGui::EndChild();
}

// ---- sweep ------------------------------------------------------------------------------------------

void SweepView(const SweepModel& m, bool numbers, ImVec2 size) {
  ImGui::BeginChild("sweep", size);
  Heading("fa2_mma: TFLOP/s of each Br x Bc tile (bf16, fa2-bf16)");
  if (!m.unavailable.empty()) {
    WrappedText("%s", m.unavailable.c_str());
    ImGui::EndChild();
    return;
  }
  const float font = ImGui::GetFontSize(), line_h = ImGui::GetTextLineHeight();
  // The reasons of the greyed cells, each once with the tiles it holds for.
  std::vector<std::pair<std::string, std::string>> notes;  // tiles, reason
  for (const SweepCell& c : m.cells) {
    if (c.has_value) continue;
    auto same = std::find_if(notes.begin(), notes.end(), [&](const auto& n) { return n.second == c.note; });
    if (same == notes.end())
      notes.push_back({SweepTileText(c.tile), c.note});
    else
      same->first += ", " + SweepTileText(c.tile);
  }
  const float label_w = [&] {
    float w = 0;
    for (const std::string& t : m.row_labels) w = std::max(w, ImGui::CalcTextSize(t.c_str()).x);
    return w + 0.6f * font;
  }();
  double slowest = INFINITY;
  for (const SweepCell& c : m.cells)
    if (c.has_value) slowest = std::min(slowest, c.tflops);
  std::string below =
      m.best < 0 ? ""
                 : Printf("Outlined: the fastest tile, %s at %.1f TFLOP/s.%s Colours run from %.0f (dark) to %.0f "
                          "TFLOP/s (bright).",
                          SweepTileText(m.cells[m.best].tile).c_str(), m.cells[m.best].tflops,
                          m.warps_recorded ? "" : " This report's tiles do not record their warps.", slowest,
                          m.cells[m.best].tflops);
  for (const auto& [tiles, reason] : notes) below += (below.empty() ? "" : "\n") + tiles + ": " + reason;
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float grid_h = std::max(4 * line_h, avail.y - 1.2f * line_h - WrappedHeight(below));
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 g0(origin.x + label_w, origin.y + line_h * 1.2f);
  const float cw = (avail.x - label_w) / std::max<size_t>(1, m.cols.size());
  const float ch = std::min(grid_h / std::max(1, m.Rows()), 3.5f * line_h);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  double lo = INFINITY, hi = 0;
  for (const SweepCell& c : m.cells)
    if (c.has_value) lo = std::min(lo, c.tflops), hi = std::max(hi, c.tflops);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  for (size_t c = 0; c < m.cols.size(); ++c) {
    const std::string t = "Bc=" + std::to_string(m.cols[c]);
    draw->AddText({g0.x + (c + 0.5f) * cw - 0.5f * ImGui::CalcTextSize(t.c_str()).x, origin.y}, text, t.c_str());
  }
  for (int r = 0; r < m.Rows(); ++r) {
    draw->AddText({origin.x, g0.y + (r + 0.5f) * ch - 0.5f * line_h}, text, m.row_labels[r].c_str());
    for (size_t c = 0; c < m.cols.size(); ++c) {
      const SweepCell& cell = m.cells[r * m.cols.size() + c];
      const ImVec2 a(g0.x + c * cw + 1, g0.y + r * ch + 1), b(g0.x + (c + 1) * cw - 1, g0.y + (r + 1) * ch - 1);
      std::string label;
      ImU32 label_color = dim;
      if (cell.has_value) {
        const float t = hi > lo ? static_cast<float>((cell.tflops - lo) / (hi - lo)) : 1.0f;
        draw->AddRectFilled(a, b, viz::MapColor(viz::ColorMap::kViridis, t));
        label_color = viz::ContrastTextColor(viz::MapRgb(viz::ColorMap::kViridis, t));
        char buf[32];
        std::snprintf(buf, sizeof buf, numbers ? "%.1f" : "%.0f", cell.tflops);
        label = buf;
      } else {
        viz::AddHatchedRect(draw, a, b, ImGui::GetColorU32(ImGuiCol_FrameBg), ImGui::GetColorU32(ImGuiCol_Border),
                            0.6f * font, g0);
        label = cell.label;
      }
      if (static_cast<int>(r * m.cols.size() + c) == m.best) draw->AddRect(a, b, viz::kOutlineColor, 0, 0, 3.0f);
      const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
      if (ts.x < b.x - a.x - 4)
        draw->AddText({0.5f * (a.x + b.x - ts.x), 0.5f * (a.y + b.y - ts.y)}, label_color, label.c_str());
      const ImVec2 mouse = ImGui::GetIO().MousePos;
      if (ImGui::IsWindowHovered() && mouse.x >= a.x && mouse.x < b.x && mouse.y >= a.y && mouse.y < b.y)
        ImGui::SetTooltip("%s: %s", SweepTileText(cell.tile).c_str(),
                          cell.has_value ? (std::to_string(cell.tflops) + " TFLOP/s").c_str() : cell.note.c_str());
    }
  }
  ImGui::Dummy(ImVec2(avail.x, g0.y - origin.y + ch * m.Rows() + 0.3f * font));
  Explain("%s", below.c_str());
  ImGui::EndChild();
}

}  // namespace

// ---- the panel --------------------------------------------------------------------------------------

void DrawThroughputPanel(AppState& s) {
  LadderState& l = s.ladder;
  SourceSection(s);
  ImGui::Separator();
  for (size_t i = 0; i < std::size(kThroughputViews); ++i) {
    if (i) SameLineIfFits(CheckWidth(kThroughputViews[i]));
    ImGui::RadioButton(kThroughputViews[i], &l.view, static_cast<int>(i));
  }
  const BenchReport* report = ShownReport(s);
  if (!report) {
    Explain(l.runner ? (l.live_wanted ? "The first pass is running: its results appear as they come."
                                      : "Press Run to time the ladder on this GPU.")
                     : "Nothing to show yet: open a bench report.");
    return;
  }
  ReportHeader(s, *report);
  const LadderShape shape = l.shown_shape;
  const std::vector<LadderRow> rows = LadderRows(*report, shape, l.show_file ? nullptr : &l.live.request);
  Format dtype = Format::kFp32;  // the memory view's: the first 16-bit format of the rows, else FP32
  for (const LadderRow& row : rows)
    if (row.present && row.result.dtype != Format::kFp32) {
      dtype = row.result.dtype;
      break;
    }

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float font = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
  const bool all = l.view == 0;
  const bool grid = all && avail.x >= 52 * font && avail.y >= 26 * font;
  const ImVec2 cell = !all    ? avail
                      : grid  ? ImVec2((avail.x - gap) * 0.5f, (avail.y - gap) * 0.5f)
                              : ImVec2(avail.x, std::max(18 * font, avail.y * 0.8f));
  int placed = 0;
  const auto place = [&](int view) {
    if (!all && l.view != view) return false;
    if (grid && placed % 2 == 1) ImGui::SameLine(0, gap);
    ++placed;
    return true;
  };
  ImGui::PushID("views");
  if (place(1)) BarsView(rows, *report, cell);
  if (place(2)) RooflineView(Roofline(rows, report->ceilings), !all, cell);
  if (place(3)) MemoryView(Footprint(shape, dtype, GpuMemoryOf(*report)), !all, cell);
  if (place(4)) SweepView(Fa2MmaSweep(*report, shape), s.view.numbers_in_cells, cell);
  ImGui::PopID();
}

}  // namespace fs
