// Tiles: Q, K, V, O as block grids in HBM, the S tiles (which live only in SRAM), the
// blocks on chip at this step, and the HBM traffic so far against standard attention.
#include <algorithm>
#include <cstdio>
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

TileStates StatesAt(const Trace& t, int step) {
  const Problem& p = t.problem;
  const StepInfo& now = t.steps[step];
  const int tr = p.QBlocks(), tc = p.KvBlocks();
  TileStates out;
  out.q.assign(tr, TileState::kIdle);
  out.o.assign(tr, TileState::kIdle);
  out.k.assign(tc, TileState::kIdle);
  out.s.assign(static_cast<size_t>(tr) * tc, TileState::kIdle);
  for (int i = 0; i < tr; ++i) {
    out.q[i] = i < now.q_block ? TileState::kVisited : i == now.q_block ? TileState::kInSram : TileState::kIdle;
    out.o[i] = out.q[i];
    for (int j = LastKvBlock(p, i) + 1; j < tc; ++j) out.s[static_cast<size_t>(i) * tc + j] = TileState::kSkipped;
  }
  for (int k = 0; k <= step; ++k)
    out.s[static_cast<size_t>(t.steps[k].q_block) * tc + t.steps[k].kv_block] =
        k == step ? TileState::kInSram : TileState::kVisited;
  for (int j = 0; j < tc; ++j)
    out.k[j] = j < now.kv_block                ? TileState::kVisited
               : j == now.kv_block             ? TileState::kInSram
               : j > LastKvBlock(p, now.q_block) ? TileState::kSkipped
                                               : TileState::kIdle;
  out.v = out.k;
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
  const Row rows[] = {
      {"Q block", q_shape, f * p.br * p.d},  {"K block", kv_shape, f * p.bc * p.d},
      {"V block", kv_shape, f * p.bc * p.d}, {"S / P tile", s_shape, f * p.br * p.bc},
      {"O~ accumulator", q_shape, f * p.br * p.d}, {"m and l", ml_shape, f * 2 * p.br},
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
  const StepInfo& now = t.steps[step];
  const HbmTraffic flash = FlashTraffic(t.problem), standard = StandardTraffic(t.problem);
  const double so_far = double(now.bytes_read + now.bytes_written);
  char a[32], b[32], c[32], d[32], label[96];
  ImGui::TextWrapped("HBM traffic so far: read %s, written %s", FormatBytes(double(now.bytes_read), a, sizeof a),
              FormatBytes(double(now.bytes_written), b, sizeof b));
  std::snprintf(label, sizeof label, "%s of %s", FormatBytes(so_far, c, sizeof c),
                FormatBytes(double(flash.Total()), d, sizeof d));
  ImGui::ProgressBar(float(so_far / double(standard.Total())), ImVec2(-1, 0), label);
  ImGui::Text("FlashAttention, whole pass: %s", FormatBytes(double(flash.Total()), a, sizeof a));
  ImGui::TextWrapped("Standard attention, same problem: %s (%.1fx more; S and P are N x N in HBM)",
                     FormatBytes(double(standard.Total()), b, sizeof b),
                     double(standard.Total()) / double(flash.Total()));
  Explain("The bar's full length is standard attention's traffic. FP32 elements; each K/V block is read once per "
          "Q block.");
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
  const float grid_h = std::max(120.0f, ImGui::GetContentRegionAvail().y - 12.5f * text_h);
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
