// FlashAttention-2's work partitioning for the problem on screen (kernels/parallelism.h): the
// thread blocks of fa2_teach (one per Q block and head) and of fa1 (one per head) on the SMs of
// the pictured GPU, wave by wave, with the occupancy their registers and shared memory allow;
// inside a block, split-Q's warps against split-K's; and the divisions and rescale
// multiplications per row that FA1's order does and FA2's defers, with the trace's own count.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "panels.h"
#include "printf.h"
#include "sm_grid.h"
#include "ui_common.h"

namespace fs {
namespace {

// The width of a control labelled `label`: 14 font sizes, less where the panel is narrower.
float ControlWidth(const char* label) {
  const float room = ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize(label).x - ImGui::GetStyle().ItemInnerSpacing.x;
  return std::max(4.0f * ImGui::GetFontSize(), std::min(14.0f * ImGui::GetFontSize(), room));
}

void DrawSetup(AppState& s) {
  ParallelismView& v = s.parallelism;
  const float spacing = ImGui::GetStyle().ItemSpacing.x + ImGui::GetStyle().ItemInnerSpacing.x;
  const std::string current = PictureGpuName(v);
  float w = ControlWidth("GPU");
  ImGui::SetNextItemWidth(w);
  if (ImGui::BeginCombo("GPU", current.c_str())) {
    if (v.device_fa2 && ImGui::Selectable(("This GPU: " + v.device_fa2->gpu.name).c_str(), v.gpu < 0)) v.gpu = -1;
    for (int i = 0; i < static_cast<int>(std::size(kGpuSpecs)); ++i)
      if (ImGui::Selectable(kGpuSpecs[i].name.c_str(), v.gpu == i)) v.gpu = i;
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("The SMs pictured: this device (with the CUDA backend), or one from its data sheet");
  SameLineIfFits(w + spacing + ImGui::CalcTextSize("batch x heads").x);
  ImGui::SetNextItemWidth(ControlWidth("batch x heads"));
  ImGui::SliderInt("batch x heads", &v.bh, 1, kMaxPictureHeads, "%d",
                   ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp);
  const int64_t waves = std::max(v.fa2.plan.waves, v.fa1.plan.waves);
  if (waves > 1) {
    SameLineIfFits(w + spacing + ImGui::CalcTextSize("wave").x);
    ImGui::SetNextItemWidth(ControlWidth("wave"));
    int wave = v.wave + 1;
    if (ImGui::SliderInt("wave", &wave, 1, static_cast<int>(std::min<int64_t>(waves, 1 << 30)), "%d",
                         ImGuiSliderFlags_AlwaysClamp))
      v.wave = wave - 1;
  }
}

std::string Percent(double fraction) { return Printf("%.0f%%", 100.0 * fraction); }

std::string Bytes(double b) {
  char buf[32];
  return FormatBytes(b, buf, sizeof buf);
}

// "fa2_teach: 64 blocks of 256 threads, ..." for one launch.
std::string LaunchText(const char* name, const char* grid, const LaunchPicture& l, const GpuSpec& gpu) {
  const GridPlan& g = l.plan;
  std::string t = Printf("%s: %s = %lld block%s of %d threads, %d registers a thread, %s of shared memory a block: ",
                         name, grid, static_cast<long long>(g.blocks), g.blocks == 1 ? "" : "s", l.use.threads,
                         l.use.regs_per_thread,
                         Bytes(static_cast<double>(l.use.smem_bytes)).c_str());
  if (g.blocks_per_sm == 0) return t + "no block fits an SM (" + g.limiter + ").";
  t += Printf("%d per SM (bound by %s)", g.blocks_per_sm, g.limiter.c_str());
  if (l.api_blocks_per_sm >= 0)
    t += l.api_blocks_per_sm == g.blocks_per_sm ? ", as the occupancy API says"
                                                : Printf("; the occupancy API says %d", l.api_blocks_per_sm);
  t += Printf(". %lld wave%s, %s of the %d SMs busy on average; the busiest SM runs %lld of the %lld steps.",
              static_cast<long long>(g.waves), g.waves == 1 ? "" : "s", Percent(g.busy_sms).c_str(), gpu.sms,
              static_cast<long long>(l.load.busiest_steps), static_cast<long long>(l.load.total_steps));
  return t;
}

void SmPicture(const char* id, const char* title, const LaunchPicture& l, int sms, int64_t wave,
               int64_t blocks_per_head, int q_blocks, ImVec2 size) {
  ImGui::BeginGroup();
  const GridPlan& g = l.plan;
  Paragraph(g.waves == 0 ? Printf("%s: no block fits", title)
            : wave < g.waves ? Printf("%s, wave %lld of %lld", title, static_cast<long long>(wave + 1),
                                      static_cast<long long>(g.waves))
                             : Printf("%s: done after %lld wave%s", title, static_cast<long long>(g.waves),
                                      g.waves == 1 ? "" : "s"),
            size.x);
  // The wave's blocks in their SMs' slots, coloured by head.
  const std::vector<int64_t> slots = WaveSlots(g, sms, wave);
  std::vector<int> owner(slots.size(), -1);
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i] >= 0) owner[i] = static_cast<int>(slots[i] / blocks_per_head);
  viz::SmGridSpec spec;
  spec.sms = sms;
  spec.slots = g.blocks_per_sm;
  spec.owner = owner.data();
  spec.size = size;
  const viz::SmGridResult hit = viz::SmGrid(id, spec);
  if (hit.hovered_sm >= 0) {
    const int64_t b = hit.hovered_slot >= 0
                          ? slots[static_cast<size_t>(hit.hovered_sm) * g.blocks_per_sm + hit.hovered_slot]
                          : -1;
    if (b < 0)
      ImGui::SetTooltip("SM %d: idle in this wave", hit.hovered_sm);
    else if (blocks_per_head > 1)
      ImGui::SetTooltip("SM %d, slot %d: block %lld, Q block %lld of head %lld", hit.hovered_sm, hit.hovered_slot,
                        static_cast<long long>(b), static_cast<long long>(b % blocks_per_head),
                        static_cast<long long>(b / blocks_per_head));
    else
      ImGui::SetTooltip("SM %d, slot %d: head %lld, all %d Q blocks in turn", hit.hovered_sm, hit.hovered_slot,
                        static_cast<long long>(b), q_blocks);
  }
  ImGui::EndGroup();
}

void SplitPicture(const char* id, const Problem& p, int warps, bool by_rows, const std::string& text, ImVec2 size) {
  ImGui::BeginGroup();
  Paragraph(text, size.x);
  const int w = viz::WarpSplit(id, p.br, p.bc, warps, by_rows, size);
  if (w >= 0) {
    const int keys = p.bc / warps;
    if (by_rows)
      ImGui::SetTooltip("warp %d: rows %d..%d, every key; its m, l and O~ rows are its own", w, w * kRowsPerWarp,
                        w * kRowsPerWarp + kRowsPerWarp - 1);
    else
      ImGui::SetTooltip("warp %d: keys %d..%d of every row; partial m, l and O for all %d rows", w, w * keys,
                        w * keys + keys - 1, p.br);
  }
  ImGui::EndGroup();
}

void RowWorkTable(const AppState& s, float width) {
  const Problem& p = s.problem;
  ImGui::BeginGroup();
  const int row = std::clamp(s.row, 0, p.n - 1);
  TracedRowWork w;
  try {
    w = s.trace && s.trace->problem == p ? RowWorkFromTrace(*s.trace, row)
                                         : TracedRowWork{Fa1RowWork(p, row), Fa2RowWork(p, row), -1};
  } catch (const std::exception& e) {
    ColoredParagraph(viz::ToneColorV(viz::Tone::kBad), e.what());
    ImGui::EndGroup();
    return;
  }
  Paragraph(Printf("Row %d's work on its %d features of O over its %d K/V blocks:", row, p.d, w.fa2.kv_blocks), width);
  if (ImGui::BeginTable("rowwork", 3, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp |
                                          ImGuiTableFlags_NoSavedSettings,
                        ImVec2(width, 0))) {
    ImGui::TableSetupColumn("per row", ImGuiTableColumnFlags_WidthStretch, 2.0f);
    ImGui::TableSetupColumn("FA1's order", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableSetupColumn("FA2's order", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableHeadersRow();
    const auto line = [](const char* what, uint64_t a, uint64_t b) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(what);
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(a));
      ImGui::TableNextColumn();
      ImGui::Text("%llu", static_cast<unsigned long long>(b));
    };
    line("divisions by l", w.fa1.divisions, w.fa2.divisions);
    line("rescale products", w.fa1.rescale_mults, w.fa2.rescale_mults);
    ImGui::EndTable();
  }
  std::string note = Printf("FA1 divides O by l at every K/V block (O leaves the chip normalized) and scales it "
                            "twice; FA2 scales O~ once a block and divides once, after the last (%s as many "
                            "divisions).",
                            ShortNumber(static_cast<double>(w.fa1.divisions) / w.fa2.divisions).c_str());
  if (w.rescales_not_one >= 0)
    note += Printf(" In this trace %d of the row's %d rescale factors are not 1: the running max grew there.",
                   w.rescales_not_one, w.fa2.kv_blocks);
  Paragraph(note, width);
  ImGui::EndGroup();
}

}  // namespace

void DrawParallelismPanel(AppState& s) {
  ParallelismView& v = s.parallelism;
  const Problem& p = s.problem;
  Explain("fa2_teach launches one thread block per Q block and head, fa1 one per head (its block walks every "
          "K/V block and, inside, every Q block). Each cell is an SM and each bar a block resident there, coloured "
          "by head; blocks go to the SMs in launch order, one per SM before a second.");
  DrawSetup(s);
  if (!v.error.empty()) {
    ColoredParagraph(viz::ToneColorV(viz::Tone::kBad), "Not computed: " + v.error);
    return;
  }
  if (!v.computed) {
    ImGui::TextDisabled("Computing...");
    return;
  }
  if (v.gpu < 0)
    Explain("%s as the CUDA runtime describes it: registers from cudaFuncGetAttributes, blocks per SM from "
            "cudaOccupancyMaxActiveBlocksPerMultiprocessor.",
            v.spec.name.c_str());
  else
    Explain("%s from its data sheet; registers of the FP32 kernels as %s reports them, the same the CUDA runtime "
            "reports on an H100%s.",
            v.spec.name.c_str(),
            kTeachRegistersSource, v.device_error.empty() ? "" : Printf(" (this GPU: %s)", v.device_error.c_str()).c_str());
  const std::string fa2_grid = Printf("%d Q blocks x %d", p.QBlocks(), v.bh);
  Paragraph(LaunchText("fa2_teach", fa2_grid.c_str(), v.fa2, v.spec));
  Paragraph(LaunchText("fa1", Printf("1 per head x %d", v.bh).c_str(), v.fa1, v.spec));
  if (v.fa1.plan.blocks_per_sm == 0 || v.fa2.plan.blocks_per_sm == 0)
    Paragraph("No comparison of the two: a block of one of them does not fit an SM at these block sizes.");
  else
    Paragraph(Printf("Sequence parallelism at N = %d, batch x heads = %d: FA1's busiest SM runs %sx as many steps as "
                     "FA2's.",
                     p.n, v.bh,
                     ShortNumber(static_cast<double>(v.fa1.load.busiest_steps) / v.fa2.load.busiest_steps).c_str()));

  const float font = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x * 2;
  const float avail = ImGui::GetContentRegionAvail().x;
  // The two SM pictures side by side where each gets 18 font sizes, stacked otherwise.
  const bool side = (avail - gap) / 2 >= 18 * font;
  const float sm_w = side ? (avail - gap) / 2 : avail;
  const float sm_h = std::max(MinChartHeight(), std::min(sm_w * 0.45f, ImGui::GetContentRegionAvail().y * 0.4f));
  SmPicture("fa2_sms", "fa2_teach", v.fa2, v.spec.sms, v.wave, p.QBlocks(), p.QBlocks(), ImVec2(sm_w, sm_h));
  if (side) ImGui::SameLine(0.0f, gap);
  SmPicture("fa1_sms", "fa1", v.fa1, v.spec.sms, v.wave, 1, p.QBlocks(), ImVec2(sm_w, sm_h));

  // Inside a block: split-Q and split-K pictures and the row's work, in a row where they fit.
  const int q_block = s.trace && s.trace->problem == p && s.step < s.trace->StepCount()
                          ? s.trace->steps[static_cast<size_t>(s.step)].q_block
                          : 0;
  const SplitTraffic t = SplitKTraffic(p, q_block);
  const bool row3 = (avail - 2 * gap) / 3 >= 16 * font;
  const float col_w = row3 ? (avail - 2 * gap) / 3 : avail;
  const float pic_h = std::max(MinChartHeight(), std::min(col_w * 0.6f, 12.0f * font));
  SplitPicture("split_q", p, t.warps, true,
               Printf("Split-Q (FA2): %d warps, 16 rows each; nothing exchanged between warps", t.warps),
               ImVec2(col_w, pic_h));
  if (row3) ImGui::SameLine(0.0f, gap);
  SplitPicture("split_k", p, t.warps, false,
               Printf("Split-K: Q block %d's %d K/V blocks would move %s through shared memory", q_block, t.kv_blocks,
                      Bytes(static_cast<double>(t.split_k_bytes)).c_str()),
               ImVec2(col_w, pic_h));
  if (row3) ImGui::SameLine(0.0f, gap);
  RowWorkTable(s, col_w);
}

}  // namespace fs
