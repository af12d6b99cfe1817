// Tiles: Q, K, V, O as block grids in HBM, the S tiles (which live only in SRAM), the
// blocks on chip at this step, and the HBM traffic so far against standard attention.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "ladder.h"
#include "panels.h"
#include "tile_grid.h"
#include "ui_common.h"

namespace fs {
namespace {

constexpr float kSideBySideFonts = 44.0f;  // the panel width, in font sizes, for SRAM beside traffic

using viz::TileState;

// Per-step tile states of each matrix.
struct TileStates {
  std::vector<TileState> q, k, v, o, s;
};

// The blocks of the inner loop against the current step: done, on chip now, still to come, or
// skipped by the causal mask for the current block of the outer loop.
std::vector<TileState> InnerStates(int count, int now, int first, int last) {
  std::vector<TileState> out(count, TileState::kIdle);
  for (int b = 0; b < count; ++b)
    out[b] = b < first || b > last ? TileState::kSkipped
             : b < now             ? TileState::kVisited
             : b == now            ? TileState::kInSram
                                   : TileState::kIdle;
  return out;
}

// The blocks of the outer loop: done, on chip now, or still to come.
std::vector<TileState> OuterStates(int count, int now) { return InnerStates(count, now, 0, count - 1); }

TileStates StatesAt(const Trace& t, int step) {
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[step];
  const int tr = p.QBlocks(), tc = p.KvBlocks();
  TileStates out;
  if (p.order == LoopOrder::kFa1) {  // K/V outer; Q_i and O_i move with the inner loop
    out.k = OuterStates(tc, now.kv_block);
    out.q = InnerStates(tr, now.q_block, FirstQBlock(p, now.kv_block), tr - 1);
  } else {                           // Q outer; K_j and V_j move with the inner loop
    out.q = OuterStates(tr, now.q_block);
    out.k = InnerStates(tc, now.kv_block, 0, LastKvBlock(p, now.q_block));
  }
  out.o = out.q;
  out.v = out.k;
  out.s.assign(static_cast<size_t>(tr) * tc, TileState::kIdle);
  for (int i = 0; i < tr; ++i)
    for (int j = LastKvBlock(p, i) + 1; j < tc; ++j) out.s[static_cast<size_t>(i) * tc + j] = TileState::kSkipped;
  for (int k = 0; k <= step; ++k)
    out.s[static_cast<size_t>(t.steps[k].q_block) * tc + t.steps[k].kv_block] =
        k == step ? TileState::kInSram : TileState::kVisited;
  return out;
}

// Where a grid's blocks in SRAM slide in from during an animated step.
struct Slide {
  int from_row = -1, from_col = -1;
  float t = 1.0f;
};

void Grid(const char* id, const char* label, const std::vector<TileState>& states, int rows, int cols,
          float width, float height, ImU32 accent, float mark_row = -1.0f, float mark_col = -1.0f,
          Slide slide = {}) {
  viz::TileGridSpec spec;
  spec.label = label;
  spec.tile_rows = rows;
  spec.tile_cols = cols;
  spec.states = states.data();
  spec.aspect = height / width;
  spec.accent = accent;
  spec.size = ImVec2(width, height);
  spec.mark_row = mark_row;
  spec.mark_col = mark_col;
  spec.slide_from_row = slide.from_row;
  spec.slide_from_col = slide.from_col;
  spec.slide_t = slide.t;
  viz::TileGrid(id, spec);
}

// What one thread block of the traced kernel holds on chip at this step, and where: its tiles
// in shared memory (as the kernel allocates them) and O~, m and l in registers. Shared memory
// is checked against what an H100 and an A100 block may have, because a tile size the CPU
// emulation runs may be one no GPU can.
void SramTable(const Problem& p) {
  char buf[32];
  const double f = sizeof(float);
  struct Row {
    const char* name;
    const char* shape;
    double bytes;
    bool smem;
  };
  char q_shape[32], kv_shape[32], s_shape[32], ml_shape[32], o_shape[32];
  std::snprintf(q_shape, sizeof q_shape, "%d x %d", p.br, p.d);
  std::snprintf(kv_shape, sizeof kv_shape, "%d x (%d+1)", p.bc, p.d);
  std::snprintf(s_shape, sizeof s_shape, "%d x %d", p.br, p.bc);
  std::snprintf(o_shape, sizeof o_shape, "%d x %d", p.br, p.d);
  std::snprintf(ml_shape, sizeof ml_shape, "2 x %d", p.br);
  const bool fa1 = p.order == LoopOrder::kFa1;
  const double kv = f * p.bc * (p.d + 1);
  std::vector<Row> rows = {{fa1 ? "Q_i block" : "Q block", q_shape, f * p.br * p.d, true}};
  if (fa1) {
    rows.push_back({"K_j block (kept)", kv_shape, kv, true});
    rows.push_back({"V_j block (kept)", kv_shape, kv, true});
  } else {
    rows.push_back({"K, then V", kv_shape, kv, true});
  }
  rows.push_back({fa1 ? "S / P~ tile" : "S / P tile", s_shape, f * p.br * p.bc, true});
  rows.push_back({fa1 ? "O_i from HBM" : "O~ accumulator", o_shape, f * p.br * p.d, false});
  rows.push_back({fa1 ? "m_i, l_i from HBM" : "m and l", ml_shape, f * 2 * p.br, false});
  double regs = 0;
  for (const Row& r : rows)
    if (!r.smem) regs += r.bytes;
  // A table where its columns fit; one line per block where they do not.
  const float table_w = ImGui::CalcTextSize("O~ accumulatorXX32 x (32+1)XXsmemXX999.9 KiB").x +
                        8 * ImGui::GetStyle().CellPadding.x;
  if (ImGui::GetContentRegionAvail().x < table_w) {
    for (const Row& r : rows)
      Paragraph(std::string(r.name) + ": " + r.shape + ", " + (r.smem ? "smem" : "regs") + ", " +
                FormatBytes(r.bytes, buf, sizeof buf));
  } else if (ImGui::BeginTable("sram", 4, ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("on chip now");
    ImGui::TableSetupColumn("shape");
    ImGui::TableSetupColumn("where");
    ImGui::TableSetupColumn("bytes");
    ImGui::TableHeadersRow();
    for (const Row& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.name);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.shape);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.smem ? "smem" : "regs");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(FormatBytes(r.bytes, buf, sizeof buf));
    }
    ImGui::EndTable();
  }
  const size_t smem = fa1 ? Fa1SmemBytes(p.br, p.bc, p.d) : Fa2TeachSmemBytes(p.br, p.bc, p.d);
  char r_buf[32], h_buf[32], a_buf[32];
  FormatBytes(double(kH100SmemPerBlock), h_buf, sizeof h_buf);
  FormatBytes(double(kA100SmemPerBlock), a_buf, sizeof a_buf);
  WrappedText("Shared memory (smem): %s per thread block; registers (regs): %s across its threads. FP32.",
              FormatBytes(double(smem), buf, sizeof buf), FormatBytes(regs, r_buf, sizeof r_buf));
  if (smem > kH100SmemPerBlock) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_PlotLinesHovered));
    WrappedText("Too large for a GPU: an H100 block may have at most %s of shared memory (an A100's %s), so %s "
                "refuses these tiles on the GPU. The CPU emulation shows them anyway. This is why tiles cannot "
                "simply grow: larger Br and Bc mean fewer passes over K and V, but SRAM is small.",
                h_buf, a_buf, fa1 ? "fa1" : "fa2_teach");
    ImGui::PopStyleColor();
  } else if (smem > kA100SmemPerBlock) {
    Explain("Fits an H100 block (%s of shared memory at most) but not an A100's (%s).", h_buf, a_buf);
  } else {
    Explain("Fits an H100 block (%s of shared memory at most) and an A100's (%s).", h_buf, a_buf);
  }
}

// One bar on a scale shared by every bar of the section: `fill` bytes drawn solid and, when
// `extent` is larger, the rest of that whole pass drawn faint, so lengths compare honestly.
void TrafficBar(const char* id, double fill, double extent, double scale_max, ImU32 color) {
  const float w = ImGui::GetContentRegionAvail().x;
  const float h = std::max(4.0f, 0.55f * ImGui::GetFrameHeight());
  const ImVec2 a = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(w, h));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const auto x_of = [&](double bytes) { return a.x + float(w * std::clamp(bytes / scale_max, 0.0, 1.0)); };
  draw->AddRectFilled(a, ImVec2(a.x + w, a.y + h), ImGui::GetColorU32(ImGuiCol_FrameBg));
  const ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
  if (extent > fill)
    draw->AddRectFilled(a, ImVec2(x_of(extent), a.y + h), ImGui::GetColorU32(ImVec4(c.x, c.y, c.z, 0.3f)));
  draw->AddRectFilled(a, ImVec2(x_of(fill), a.y + h), color);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", id);
}

void TrafficBars(const Trace& t, int step) {
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[step];
  const bool fa1 = p.order == LoopOrder::kFa1;
  const HbmTraffic flash = FlashTraffic(p), standard = StandardTraffic(p);
  const HbmTraffic fa1_all = Fa1Traffic(p), fa1_state = Fa1StateTraffic(p), fa2_all = Fa2Traffic(p);
  Problem unmasked = p;
  unmasked.causal = false;
  const HbmTraffic flash_unmasked = FlashTraffic(unmasked);
  const double so_far = double(now.bytes_read + now.bytes_written);
  // Every bar below is drawn on one scale: the largest whole pass shown.
  const double scale_max =
      std::max({double(standard.Total()), double(flash.Total()), double(flash_unmasked.Total()), 1.0});
  const ImU32 loop_color = ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  const ImU32 other_color = ImGui::GetColorU32(ImGuiCol_PlotLines);
  char a[32], b[32], c[32], d[32];
  WrappedText("This loop (%s) so far: %s of its whole pass's %s (read %s, written %s)", fa1 ? "FA1" : "FA2",
              FormatBytes(so_far, a, sizeof a), FormatBytes(double(flash.Total()), b, sizeof b),
              FormatBytes(double(now.bytes_read), c, sizeof c), FormatBytes(double(now.bytes_written), d, sizeof d));
  TrafficBar("this loop: so far (solid) and its whole pass (faint)", so_far, double(flash.Total()), scale_max,
             loop_color);
  WrappedText("Standard attention: %s (%.1fx this loop's; S and P are N x N in HBM)",
              FormatBytes(double(standard.Total()), b, sizeof b), double(standard.Total()) / double(flash.Total()));
  TrafficBar("standard attention: its whole pass", double(standard.Total()), 0.0, scale_max, other_color);
  if (p.causal) {
    WrappedText("Without the causal mask, this loop: %s (the mask skips %.0f%% of it)",
                FormatBytes(double(flash_unmasked.Total()), b, sizeof b),
                100.0 * (1.0 - double(flash.Total()) / double(flash_unmasked.Total())));
    TrafficBar("this loop without the causal mask: its whole pass", double(flash_unmasked.Total()), 0.0, scale_max,
               other_color);
  }
  // Both loop orders' whole pass, this one's first; FA1's O, l, m traffic counted on its own.
  const std::string fa1_line = std::string("FA1 loop: ") + FormatBytes(double(fa1_all.Total()), a, sizeof a) +
                               ", of which O, l, m between steps " + FormatBytes(double(fa1_state.read), b, sizeof b) +
                               " read, " + FormatBytes(double(fa1_state.written), c, sizeof c) + " written";
  const std::string fa2_line = std::string("FA2 loop: ") + FormatBytes(double(fa2_all.Total()), d, sizeof d);
  Paragraph((fa1 ? "> " : "  ") + fa1_line);
  Paragraph((fa1 ? "  " : "> ") + fa2_line);
  if (fa1)
    Explain("Bars on one scale, FP32. K and V are read once, but every step reads Q_i, O_i, l_i, m_i and writes "
            "O_i, l_i, m_i back.");
  else
    Explain("Bars on one scale, FP32. Each K/V block is read once per Q block; O-tilde, m and l stay on chip.");
}

}  // namespace

void DrawTilesPanel(AppState& s) {
  if (!s.trace || s.trace->StepCount() == 0) {
    ImGui::TextDisabled("Nothing to show yet.");
    return;
  }
  const Trace& t = *s.trace;
  const Problem& p = t.problem;
  const TileStates st = StatesAt(t, s.step);
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const float text_h = ImGui::GetTextLineHeightWithSpacing();
  // The grids take the height the text below them leaves (more lines when the SRAM and traffic
  // sections stack), and never less than a chart's least height.
  const bool side_by_side = avail_w >= kSideBySideFonts * ImGui::GetFontSize();
  const float text_lines = (side_by_side ? 16.0f : 27.0f) + (p.causal ? 2.0f : 0.0f);
  const float grid_h = std::max(MinChartHeight(), ImGui::GetContentRegionAvail().y - text_lines * text_h);
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float col_w = std::min(grid_h * 0.35f, (avail_w - 5 * gap) * 0.12f);
  const float s_w = std::min(grid_h, avail_w - 4 * (col_w + gap) - gap);
  const ImU32 accent = viz::ToneColor(viz::Tone::kOnChip);

  Heading("HBM (off chip)");
  ImGui::SameLine();
  viz::TileLegend(accent);
  Explain("Q, K, V and O are %d x %d (N x d), in blocks of Br = %d and Bc = %d rows.", p.n, p.d, p.br, p.bc);
  // The inspected cell's query row (in Q, O and S) and key (in K, V and S), in cyan.
  float q_mark = -1.0f, k_mark = -1.0f;
  CellRef inspected;
  if (InspectedCell(s, &inspected)) {
    q_mark = (inspected.row + 0.5f) / float(p.QBlocks() * p.br);
    k_mark = (t.steps[inspected.step].col0 + inspected.col + 0.5f) / float(p.KvBlocks() * p.bc);
  }
  // Animated stepping: the blocks of this step slide in from where the last step had them.
  Slide q_slide, kv_slide, s_slide;
  if (s.anim.Active() && s.anim.from < t.StepCount()) {
    const StepInfo& was = t.steps[s.anim.from];
    const float at = static_cast<float>(s.anim.t);
    q_slide = {was.q_block, 0, at};
    kv_slide = {was.kv_block, 0, at};
    s_slide = {was.q_block, was.kv_block, at};
  }
  Grid("q", "Q", st.q, p.QBlocks(), 1, col_w, grid_h, accent, q_mark, -1.0f, q_slide);
  ImGui::SameLine();
  Grid("k", "K", st.k, p.KvBlocks(), 1, col_w, grid_h, accent, k_mark, -1.0f, kv_slide);
  ImGui::SameLine();
  Grid("v", "V", st.v, p.KvBlocks(), 1, col_w, grid_h, accent, k_mark, -1.0f, kv_slide);
  ImGui::SameLine();
  Grid("o", "O", st.o, p.QBlocks(), 1, col_w, grid_h, accent, q_mark, -1.0f, q_slide);
  ImGui::SameLine();
  // The S grid's label, shortened where the grid is narrower than it.
  const char* s_label = ImGui::CalcTextSize("S = QK^T tiles (SRAM only)").x <= s_w ? "S = QK^T tiles (SRAM only)"
                        : ImGui::CalcTextSize("S tiles (SRAM)").x <= s_w    ? "S tiles (SRAM)"
                                                                            : "S";
  Grid("s", s_label, st.s, p.QBlocks(), p.KvBlocks(), s_w, std::min(grid_h, s_w), accent, q_mark,
       k_mark, s_slide);

  ImGui::Separator();
  // Side by side where each half has room for the SRAM table's columns, one above the other
  // otherwise (the panel then scrolls).
  if (side_by_side) {
    if (ImGui::BeginTable("sram_and_traffic", 2, ImGuiTableFlags_SizingStretchSame)) {
      ImGui::TableNextColumn();
      Heading("SRAM (on chip)");
      SramTable(p);
      ImGui::TableNextColumn();
      Heading("Traffic");
      TrafficBars(t, s.step);
      ImGui::EndTable();
    }
  } else {
    Heading("SRAM (on chip)");
    SramTable(p);
    Heading("Traffic");
    TrafficBars(t, s.step);
  }
}

}  // namespace fs
