// Tiles: Q, K, V, O as block grids in HBM, the S tiles (which live only in SRAM), the
// blocks on chip at this step, and the HBM traffic so far against standard attention.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "panels.h"
#include "tile_grid.h"
#include "ui_common.h"

namespace fs {
namespace {

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

void Grid(const char* id, const char* label, const std::vector<TileState>& states, int rows, int cols,
          float width, float height, ImU32 accent) {
  viz::TileGridSpec spec;
  spec.label = label;
  spec.tile_rows = rows;
  spec.tile_cols = cols;
  spec.states = states.data();
  spec.aspect = height / width;
  spec.accent = accent;
  spec.size = ImVec2(width, height);
  viz::TileGrid(id, spec);
}

void SramTable(const Problem& p) {
  char buf[32];
  const double f = sizeof(float);
  struct Row {
    const char* name;
    const char* shape;
    double bytes;
  };
  char q_shape[32], kv_shape[32], s_shape[32], ml_shape[32];
  std::snprintf(q_shape, sizeof q_shape, "%d x %d", p.br, p.d);
  std::snprintf(kv_shape, sizeof kv_shape, "%d x %d", p.bc, p.d);
  std::snprintf(s_shape, sizeof s_shape, "%d x %d", p.br, p.bc);
  std::snprintf(ml_shape, sizeof ml_shape, "2 x %d", p.br);
  const bool fa1 = p.order == LoopOrder::kFa1;
  const Row rows[] = {
      {fa1 ? "Q_i block" : "Q block", q_shape, f * p.br * p.d},
      {fa1 ? "K_j block (kept)" : "K block", kv_shape, f * p.bc * p.d},
      {fa1 ? "V_j block (kept)" : "V block", kv_shape, f * p.bc * p.d},
      {fa1 ? "S / P~ tile" : "S / P tile", s_shape, f * p.br * p.bc},
      {fa1 ? "O_i from HBM" : "O~ accumulator", q_shape, f * p.br * p.d},
      {fa1 ? "m_i, l_i from HBM" : "m and l", ml_shape, f * 2 * p.br},
  };
  double total = 0;
  if (ImGui::BeginTable("sram", 3, ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_SizingStretchProp)) {
    ImGui::TableSetupColumn("on chip now");
    ImGui::TableSetupColumn("shape");
    ImGui::TableSetupColumn("FP32 bytes");
    ImGui::TableHeadersRow();
    for (const Row& r : rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.name);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.shape);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(FormatBytes(r.bytes, buf, sizeof buf));
      total += r.bytes;
    }
    ImGui::EndTable();
  }
  ImGui::Text("SRAM in use: %s of a thread block", FormatBytes(total, buf, sizeof buf));
}

void TrafficBars(const Trace& t, int step) {
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[step];
  const bool fa1 = p.order == LoopOrder::kFa1;
  const HbmTraffic flash = FlashTraffic(p), standard = StandardTraffic(p);
  const HbmTraffic fa1_all = Fa1Traffic(p), fa1_state = Fa1StateTraffic(p), fa2_all = Fa2Traffic(p);
  const double so_far = double(now.bytes_read + now.bytes_written);
  char a[32], b[32], c[32], d[32], label[96];
  ImGui::TextWrapped("HBM traffic so far: read %s, written %s", FormatBytes(double(now.bytes_read), a, sizeof a),
              FormatBytes(double(now.bytes_written), b, sizeof b));
  std::snprintf(label, sizeof label, "%s of %s", FormatBytes(so_far, c, sizeof c),
                FormatBytes(double(flash.Total()), d, sizeof d));
  ImGui::ProgressBar(float(so_far / double(standard.Total())), ImVec2(-1, 0), label);
  // Both loop orders' whole pass, this one's first; FA1's O, l, m traffic counted on its own.
  const std::string fa1_line = std::string("FA1 loop: ") + FormatBytes(double(fa1_all.Total()), a, sizeof a) +
                               ", of which O, l, m between steps " + FormatBytes(double(fa1_state.read), b, sizeof b) +
                               " read, " + FormatBytes(double(fa1_state.written), c, sizeof c) + " written";
  const std::string fa2_line = std::string("FA2 loop: ") + FormatBytes(double(fa2_all.Total()), d, sizeof d);
  Paragraph((fa1 ? "> " : "  ") + fa1_line);
  Paragraph((fa1 ? "  " : "> ") + fa2_line);
  WrappedText("Standard attention: %s (%.1fx this loop's; S and P are N x N in HBM)",
              FormatBytes(double(standard.Total()), b, sizeof b), double(standard.Total()) / double(flash.Total()));
  if (fa1)
    Explain("Bar: standard attention's traffic. FP32; K and V are read once, but every step reads Q_i, O_i, l_i, m_i "
            "and writes O_i, l_i, m_i back.");
  else
    Explain("Bar: standard attention's traffic. FP32; each K/V block is read once per Q block; O-tilde, m and l stay "
            "on chip.");
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
  const float grid_h = std::max(120.0f, ImGui::GetContentRegionAvail().y - 13.5f * text_h);
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float col_w = std::min(grid_h * 0.35f, (avail_w - 5 * gap) * 0.12f);
  const float s_w = std::min(grid_h, avail_w - 4 * (col_w + gap) - gap);
  const ImU32 accent = IM_COL32(230, 159, 0, 255);  // orange: on chip now

  Heading("HBM (off chip)");
  ImGui::SameLine();
  viz::TileLegend(accent);
  Explain("Q, K, V and O are %d x %d (N x d), in blocks of Br = %d and Bc = %d rows.", p.n, p.d, p.br, p.bc);
  Grid("q", "Q", st.q, p.QBlocks(), 1, col_w, grid_h, accent);
  ImGui::SameLine();
  Grid("k", "K", st.k, p.KvBlocks(), 1, col_w, grid_h, accent);
  ImGui::SameLine();
  Grid("v", "V", st.v, p.KvBlocks(), 1, col_w, grid_h, accent);
  ImGui::SameLine();
  Grid("o", "O", st.o, p.QBlocks(), 1, col_w, grid_h, accent);
  ImGui::SameLine();
  Grid("s", "S = QK^T tiles (SRAM only)", st.s, p.QBlocks(), p.KvBlocks(), s_w, std::min(grid_h, s_w), accent);

  ImGui::Separator();
  if (ImGui::BeginTable("sram_and_traffic", 2, ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableNextColumn();
    Heading("SRAM (on chip)");
    SramTable(p);
    ImGui::TableNextColumn();
    Heading("Traffic");
    TrafficBars(t, s.step);
    ImGui::EndTable();
  }
}

}  // namespace fs
