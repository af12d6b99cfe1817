// Heatmap drawing. Sections: display grid (reduction of large matrices), colour range,
// layout, cells, overlays (highlight, outlines, marked cell, hover, selected row), legend,
// tooltip.
#include "heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "chart_audit.h"

namespace viz {
namespace {

constexpr int kMaxDisplayCells = 256;      // per axis, with 32-bit vertex offsets
constexpr int kMaxDisplayCellsIdx16 = 96;  // per axis otherwise: 96 * 96 cells * 4 vertices < 64k
constexpr float kMinCellPixels = 2.0f;     // smaller cells are merged into blocks
constexpr int kFullReadValues = 64;        // blocks of up to 8 x 8 values are read in full
constexpr int kSamplesPerAxis = 4;         // larger blocks are sampled on a 4 x 4 grid
constexpr float kMaxAutoCellFonts = 5.0f;  // auto-sized cells are at most 5 text heights
constexpr int kLegendSegments = 40;        // gradient slices of the colour bar
constexpr float kLogDecades = 5.0f;        // a log scale without a positive vmin spans 5 decades

constexpr Rgb kMaskedFill = {0.62f, 0.62f, 0.62f};
constexpr Rgb kMaskedHatch = {0.38f, 0.38f, 0.38f};
constexpr Rgb kNoDataFill = {0.20f, 0.20f, 0.20f};

constexpr float kInf = std::numeric_limits<float>::infinity();

bool IsMasked(float v) { return v == -kInf; }

// The matrix as displayed: the source itself, or the source reduced by integer factors.
struct DisplayGrid {
  int rows = 0, cols = 0;               // display cells
  int row_factor = 1, col_factor = 1;   // source cells per display cell along each axis
  bool sampled = false;                 // some blocks were sampled instead of read in full
  std::vector<float> values;            // (rows, cols); only when reduced
  std::vector<unsigned char> highlight; // (rows, cols); only when reduced and a mask is given
  std::vector<unsigned char> outline;   // (rows, cols); only when reduced and a mask is given
  const HeatmapSpec* spec = nullptr;
  int stride = 0;

  bool Reduced() const { return row_factor > 1 || col_factor > 1; }
  float At(int r, int c) const {
    return Reduced() ? values[size_t(r) * cols + c] : spec->values[size_t(r) * stride + c];
  }
  bool Highlighted(int r, int c) const { return MaskAt(spec->highlight, highlight, r, c); }
  bool Outlined(int r, int c) const { return MaskAt(spec->outline, outline, r, c); }
  bool MaskAt(const unsigned char* source, const std::vector<unsigned char>& reduced, int r, int c) const {
    if (r < 0 || c < 0 || r >= rows || c >= cols || !source) return false;
    return Reduced() ? reduced[size_t(r) * cols + c] != 0 : source[size_t(r) * stride + c] != 0;
  }
};

// One display cell from a block of source cells. The most common kind of value wins, so
// the edge of a causal mask stays sharp: mean of the finite values, else masked, else no
// data. +inf counts as finite-large and shows as the top of the scale when alone.
float ReduceBlock(const HeatmapSpec& s, int stride, int r0, int r1, int c0, int c1,
                  bool* sampled, bool* highlighted, bool* outlined) {
  const int nr = r1 - r0, nc = c1 - c0;
  const bool full = nr * nc <= kFullReadValues;
  const int sr = full ? nr : std::min(nr, kSamplesPerAxis);
  const int sc = full ? nc : std::min(nc, kSamplesPerAxis);
  if (!full) *sampled = true;
  double sum = 0.0;
  int finite = 0, masked = 0, nan = 0, pos_inf = 0;
  bool hl = false, ol = false;
  for (int i = 0; i < sr; ++i) {
    const int r = full ? r0 + i : r0 + (2 * i + 1) * nr / (2 * sr);
    for (int j = 0; j < sc; ++j) {
      const int c = full ? c0 + j : c0 + (2 * j + 1) * nc / (2 * sc);
      const size_t k = size_t(r) * stride + c;
      const float v = s.values[k];
      if (std::isfinite(v)) {
        sum += v;
        ++finite;
      } else if (IsMasked(v)) {
        ++masked;
      } else if (std::isnan(v)) {
        ++nan;
      } else {
        ++pos_inf;
      }
      if (s.highlight && s.highlight[k]) hl = true;
      if (s.outline && s.outline[k]) ol = true;
    }
  }
  *highlighted = hl;
  *outlined = ol;
  const int large = finite + pos_inf;
  if (large >= masked && large >= nan) {
    if (finite > 0) return static_cast<float>(sum / finite);
    return kInf;
  }
  if (masked >= nan) return -kInf;
  return std::numeric_limits<float>::quiet_NaN();
}

void BuildDisplayGrid(const HeatmapSpec& s, int stride, int max_rows, int max_cols,
                      DisplayGrid* g) {
  g->spec = &s;
  g->stride = stride;
  g->row_factor = (s.rows + max_rows - 1) / max_rows;
  g->col_factor = (s.cols + max_cols - 1) / max_cols;
  g->rows = (s.rows + g->row_factor - 1) / g->row_factor;
  g->cols = (s.cols + g->col_factor - 1) / g->col_factor;
  if (!g->Reduced()) return;
  g->values.resize(size_t(g->rows) * g->cols);
  if (s.highlight) g->highlight.resize(g->values.size());
  if (s.outline) g->outline.resize(g->values.size());
  for (int r = 0; r < g->rows; ++r) {
    const int r0 = r * g->row_factor, r1 = std::min(s.rows, r0 + g->row_factor);
    for (int c = 0; c < g->cols; ++c) {
      const int c0 = c * g->col_factor, c1 = std::min(s.cols, c0 + g->col_factor);
      bool hl = false, ol = false;
      g->values[size_t(r) * g->cols + c] = ReduceBlock(s, stride, r0, r1, c0, c1, &g->sampled, &hl, &ol);
      if (s.highlight) g->highlight[size_t(r) * g->cols + c] = hl ? 1 : 0;
      if (s.outline) g->outline[size_t(r) * g->cols + c] = ol ? 1 : 0;
    }
  }
}

struct ColorScale {
  float lo = 0.0f, hi = 1.0f;
  ColorMap map = ColorMap::kViridis;
  bool log = false;  // lo > 0; values at or below lo take the bottom colour
  float T(float v) const {
    if (!log) return (v - lo) / (hi - lo);
    if (!(v > lo)) return 0.0f;
    return std::log10(v / lo) / std::log10(hi / lo);
  }
  float Mid() const { return log ? std::sqrt(lo * hi) : 0.5f * (lo + hi); }
};

// The spec's range, or the range of the finite displayed values (symmetric around zero
// when the map is diverging). A constant matrix gets a unit-wide range around its value.
ColorScale ResolveScale(const HeatmapSpec& s, const DisplayGrid& g, bool* any_masked,
                        bool* any_nan) {
  float lo = kInf, hi = -kInf;
  *any_masked = false;
  *any_nan = false;
  for (int r = 0; r < g.rows; ++r) {
    for (int c = 0; c < g.cols; ++c) {
      const float v = g.At(r, c);
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      } else if (IsMasked(v)) {
        *any_masked = true;
      } else if (std::isnan(v)) {
        *any_nan = true;
      }
    }
  }
  ColorScale scale;
  const bool manual = s.vmin != s.vmax && std::isfinite(s.vmin) && std::isfinite(s.vmax);
  if (s.log_scale) {  // from vmax (or the largest value) down kLogDecades decades
    scale.hi = manual ? std::max(s.vmin, s.vmax) : hi;
    if (!(scale.hi > 0.0f)) scale.hi = 1.0f;
    scale.lo = manual && std::min(s.vmin, s.vmax) > 0.0f ? std::min(s.vmin, s.vmax)
                                                          : scale.hi * std::pow(10.0f, -kLogDecades);
    scale.map = s.map;
    scale.log = true;
    return scale;
  }
  if (manual) {
    scale.lo = std::min(s.vmin, s.vmax);
    scale.hi = std::max(s.vmin, s.vmax);
    scale.map = s.auto_map ? DefaultMapFor(scale.lo, scale.hi) : s.map;
    return scale;
  }
  if (lo > hi) {  // no finite values at all
    lo = 0.0f;
    hi = 1.0f;
  }
  if (lo == hi) {
    const float half = 0.5f * std::max(1.0f, std::fabs(lo));
    lo -= half;
    hi += half;
  }
  scale.map = s.auto_map ? DefaultMapFor(lo, hi) : s.map;
  if (scale.map == ColorMap::kDiverging) {
    const float m = std::max(std::fabs(lo), std::fabs(hi));
    lo = -m;
    hi = m;
  }
  scale.lo = lo;
  scale.hi = hi;
  return scale;
}

ImU32 TextColor(float alpha = 1.0f) { return ImGui::GetColorU32(ImGuiCol_Text, alpha); }

// A filled strip of `thickness` along one side of a cell, on the inside.
void AddInnerEdge(ImDrawList* draw, ImVec2 a, ImVec2 b, int side, float inset, float thickness,
                  ImU32 col) {
  switch (side) {
    case 0: draw->AddRectFilled({a.x + inset, a.y}, {a.x + inset + thickness, b.y}, col); break;
    case 1: draw->AddRectFilled({b.x - inset - thickness, a.y}, {b.x - inset, b.y}, col); break;
    case 2: draw->AddRectFilled({a.x, a.y + inset}, {b.x, a.y + inset + thickness}, col); break;
    default: draw->AddRectFilled({a.x, b.y - inset - thickness}, {b.x, b.y - inset}, col); break;
  }
}

void FormatTick(float v, char* buf, size_t n) {
  if (v == 0.0f) v = 0.0f;  // no "-0"
  std::snprintf(buf, n, "%.3g", v);
}

}  // namespace

Cell CellAt(ImVec2 rect_min, ImVec2 rect_max, int rows, int cols, ImVec2 point) {
  const Cell outside = {-1, -1};
  const float w = rect_max.x - rect_min.x, h = rect_max.y - rect_min.y;
  if (rows <= 0 || cols <= 0 || !(w > 0.0f) || !(h > 0.0f)) return outside;
  if (!(point.x >= rect_min.x && point.x < rect_max.x && point.y >= rect_min.y &&
        point.y < rect_max.y)) {
    return outside;
  }
  const int col = std::min(cols - 1, static_cast<int>((point.x - rect_min.x) / w * cols));
  const int row = std::min(rows - 1, static_cast<int>((point.y - rect_min.y) / h * rows));
  return {row, col};
}

void AddHatchedRect(ImDrawList* draw, ImVec2 min, ImVec2 max, ImU32 fill, ImU32 line,
                    float spacing, ImVec2 origin) {
  draw->AddRectFilled(min, max, fill);
  if (!(spacing > 0.0f) || !(max.x > min.x) || !(max.y > min.y)) return;
  // Lines x + y = c, with c on a lattice anchored at origin.
  const float base = origin.x + origin.y;
  const float c_first = base + std::ceil((min.x + min.y - base) / spacing) * spacing;
  for (float c = c_first; c < max.x + max.y; c += spacing) {
    const float xa = std::max(min.x, c - max.y), xb = std::min(max.x, c - min.y);
    if (xb - xa < 0.5f) continue;
    draw->AddLine({xa, c - xa}, {xb, c - xb}, line);
  }
}

HeatmapResult Heatmap(const char* id, const HeatmapSpec& spec) {
  HeatmapResult result;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImGuiIO& io = ImGui::GetIO();
  const float font = ImGui::GetFontSize();
  const float line_h = ImGui::GetTextLineHeight();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImVec2 origin = ImGui::GetCursorScreenPos();

  // ---- Empty input: keep the layout, say so.
  if (!spec.values || spec.rows <= 0 || spec.cols <= 0) {
    const ImVec2 sz(spec.size.x > 0 ? spec.size.x : std::max(avail.x, 4 * font),
                    spec.size.y > 0 ? spec.size.y : 4 * line_h);
    ImGui::InvisibleButton(id, sz);
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    draw->AddRect(a, b, TextColor(0.3f));
    const char* msg = "no data";
    const ImVec2 ts = ImGui::CalcTextSize(msg);
    draw->AddText({(a.x + b.x - ts.x) * 0.5f, (a.y + b.y - ts.y) * 0.5f},
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), msg);
    return result;
  }
  const int stride = spec.stride > 0 ? spec.stride : spec.cols;

  // ---- Layout, first pass: an upper bound of the grid's pixel size decides the reduction.
  const float gutter = 0.7f * font;  // room for the selected-row marker
  const float total_w = spec.size.x > 0 ? spec.size.x : std::max(avail.x, 8 * font);
  const float max_auto_h = std::max(avail.y, 8 * font);
  const float grid_w_bound = std::max(font, total_w - gutter - (spec.legend ? 4 * font : 0.0f));
  float grid_h_bound = spec.size.y > 0 ? spec.size.y
                                       : std::min(max_auto_h, grid_w_bound * spec.rows / spec.cols);
  const int cap = (io.BackendFlags & ImGuiBackendFlags_RendererHasVtxOffset) ? kMaxDisplayCells
                                                                             : kMaxDisplayCellsIdx16;
  const int max_rows = std::clamp(static_cast<int>(grid_h_bound / kMinCellPixels), 1, cap);
  const int max_cols = std::clamp(static_cast<int>(grid_w_bound / kMinCellPixels), 1, cap);
  DisplayGrid grid;
  BuildDisplayGrid(spec, stride, max_rows, max_cols, &grid);

  bool any_masked = false, any_nan = false;
  const ColorScale scale = ResolveScale(spec, grid, &any_masked, &any_nan);
  result.block_rows = grid.row_factor;
  result.block_cols = grid.col_factor;
  result.range_min = scale.lo;
  result.range_max = scale.hi;

  // ---- Legend width: bar, ticks, the widest label.
  char tick_text[3][32];
  const float tick_values[3] = {scale.hi, scale.Mid(), scale.lo};
  float label_w = 0.0f;
  for (int i = 0; i < 3; ++i) {
    FormatTick(tick_values[i], tick_text[i], sizeof tick_text[i]);
    label_w = std::max(label_w, ImGui::CalcTextSize(tick_text[i]).x);
  }
  const float swatch = 0.9f * font;
  const char* kMaskedText = spec.masked_label ? spec.masked_label : "masked";
  const char* kNoDataText = "no data";
  const int swatch_rows = (any_masked ? 1 : 0) + (any_nan ? 1 : 0);
  if (any_masked) label_w = std::max(label_w, ImGui::CalcTextSize(kMaskedText).x);
  if (any_nan) label_w = std::max(label_w, ImGui::CalcTextSize(kNoDataText).x);
  const float bar_gap = 0.8f * font, bar_w = 0.9f * font, tick_len = 0.3f * font;
  const float legend_w = spec.legend ? bar_gap + bar_w + tick_len + 0.2f * font + label_w : 0.0f;
  const float swatch_row_h = line_h + 0.3f * font;
  const float legend_min_h = spec.legend ? 3 * line_h + swatch_rows * swatch_row_h : 0.0f;

  // ---- Layout, final pass.
  const float grid_w_avail = std::max(font, total_w - gutter - legend_w);
  float grid_w = grid_w_avail, grid_h = 0.0f;
  if (spec.size.y > 0 && spec.square_cells) {
    const float cell = std::min(grid_w_avail / spec.cols, spec.size.y / spec.rows);
    grid_w = std::max(1.0f, cell * spec.cols);
    grid_h = std::max(1.0f, cell * spec.rows);
  } else if (spec.size.y > 0) {
    grid_h = spec.size.y;
  } else {  // square cells
    float cell = grid_w_avail / spec.cols;
    if (spec.size.x <= 0) cell = std::min(cell, kMaxAutoCellFonts * font);
    if (cell * spec.rows > max_auto_h) cell = max_auto_h / spec.rows;
    grid_w = std::max(1.0f, cell * spec.cols);
    grid_h = std::max(1.0f, cell * spec.rows);
  }
  const float widget_w = spec.size.x > 0 && !spec.square_cells ? spec.size.x : gutter + grid_w + legend_w;
  const float widget_h = std::max(grid_h, legend_min_h);

  ImGui::InvisibleButton(id, ImVec2(std::max(1.0f, widget_w), std::max(1.0f, widget_h)));
  const bool item_hovered = ImGui::IsItemHovered();
  const bool pressed = ImGui::IsItemClicked(ImGuiMouseButton_Left);

  const ImVec2 g0(std::floor(origin.x + gutter), std::floor(origin.y));
  const ImVec2 g1(g0.x + grid_w, g0.y + grid_h);
  result.grid_min = g0;
  result.grid_max = g1;
  RecordChart("heatmap", id, ImVec2(grid_w, grid_h));
  const float cw = grid_w / grid.cols, ch = grid_h / grid.rows;
  auto cell_min = [&](int r, int c) { return ImVec2(g0.x + c * cw, g0.y + r * ch); };
  auto cell_max = [&](int r, int c) { return ImVec2(g0.x + (c + 1) * cw, g0.y + (r + 1) * ch); };

  // ---- Cells. Runs of masked cells in a row share one hatched rectangle.
  const float hatch_spacing = std::max(4.0f, 0.45f * font);
  const ImU32 masked_fill = ToU32(kMaskedFill), masked_hatch = ToU32(kMaskedHatch);
  const ImU32 no_data_fill = ToU32(kNoDataFill);
  for (int r = 0; r < grid.rows; ++r) {
    int run = -1;
    for (int c = 0; c <= grid.cols; ++c) {
      const bool masked = c < grid.cols && IsMasked(grid.At(r, c));
      if (masked) {
        if (run < 0) run = c;
        continue;
      }
      if (run >= 0) {
        AddHatchedRect(draw, cell_min(r, run), cell_max(r, c - 1), masked_fill, masked_hatch,
                       hatch_spacing, g0);
        run = -1;
      }
      if (c == grid.cols) break;
      const float v = grid.At(r, c);
      const ImU32 col = std::isnan(v) ? no_data_fill : MapColor(scale.map, scale.T(v));
      draw->AddRectFilled(cell_min(r, c), cell_max(r, c), col);
    }
  }
  // Separators between large cells make small matrices read as tables.
  if (cw >= font && ch >= font) {
    const ImU32 sep = ImGui::GetColorU32(ImGuiCol_WindowBg, 0.7f);
    for (int c = 1; c < grid.cols; ++c) draw->AddLine({g0.x + c * cw, g0.y}, {g0.x + c * cw, g1.y}, sep);
    for (int r = 1; r < grid.rows; ++r) draw->AddLine({g0.x, g0.y + r * ch}, {g1.x, g0.y + r * ch}, sep);
  }
  draw->AddRect({g0.x - 1, g0.y - 1}, {g1.x + 1, g1.y + 1}, TextColor(0.35f));

  // ---- Numbers in cells, where they fit.
  if (spec.show_numbers && !grid.Reduced() && cw >= font && ch >= line_h) {
    const char* fmt = spec.number_format ? spec.number_format : "%.2f";
    char buf[32];
    for (int r = 0; r < grid.rows; ++r) {
      for (int c = 0; c < grid.cols; ++c) {
        const float v = grid.At(r, c);
        if (!std::isfinite(v)) continue;
        // A whole number is written bare, so an exact 1 ("1") stands apart from 0.999 ("1.00").
        if (v == std::trunc(v) && std::fabs(v) < 1e6f)
          std::snprintf(buf, sizeof buf, "%.0f", v);
        else
          std::snprintf(buf, sizeof buf, fmt, v);
        const ImVec2 ts = ImGui::CalcTextSize(buf);
        if (ts.x > cw - 2.0f) continue;
        const ImVec2 a = cell_min(r, c);
        draw->AddText({a.x + (cw - ts.x) * 0.5f, a.y + (ch - ts.y) * 0.5f},
                      ContrastTextColor(MapRgb(scale.map, scale.T(v))), buf);
      }
    }
  }

  // ---- Highlight: outline the border of highlighted regions (dark halo, bright core), so a
  // highlighted block reads as one rectangle.
  if (spec.highlight) {
    const float t = std::max(2.0f, 0.15f * font);
    const ImU32 core = spec.highlight_color ? spec.highlight_color : IM_COL32(255, 255, 255, 255);
    const ImU32 halo = IM_COL32(0, 0, 0, 200);
    for (int pass = 0; pass < 2; ++pass) {
      for (int r = 0; r < grid.rows; ++r) {
        for (int c = 0; c < grid.cols; ++c) {
          if (!grid.Highlighted(r, c)) continue;
          const bool open[4] = {!grid.Highlighted(r, c - 1), !grid.Highlighted(r, c + 1),
                                !grid.Highlighted(r - 1, c), !grid.Highlighted(r + 1, c)};
          for (int side = 0; side < 4; ++side) {
            if (!open[side]) continue;
            if (pass == 0) {
              AddInnerEdge(draw, cell_min(r, c), cell_max(r, c), side, 0.0f, t + 2.0f, halo);
            } else {
              AddInnerEdge(draw, cell_min(r, c), cell_max(r, c), side, 1.0f, t, core);
            }
          }
        }
      }
    }
  }

  // ---- Outlines: a frame on the inside of every outlined cell (bright core on the border, a
  // dark line inside it), drawn after the highlight so a cell of both keeps its own frame.
  // Neighbouring outlined cells each keep theirs.
  if (spec.outline) {
    const float t = std::clamp(0.15f * std::min(cw, ch), 1.0f, 0.15f * font);
    const ImU32 core = spec.outline_color ? spec.outline_color : kOutlineColor;
    for (int r = 0; r < grid.rows; ++r) {
      for (int c = 0; c < grid.cols; ++c) {
        if (!grid.Outlined(r, c)) continue;
        for (int side = 0; side < 4; ++side) {
          AddInnerEdge(draw, cell_min(r, c), cell_max(r, c), side, t, 1.0f, IM_COL32(0, 0, 0, 220));
          AddInnerEdge(draw, cell_min(r, c), cell_max(r, c), side, 0.0f, t, core);
        }
      }
    }
  }

  // ---- Marked cell: a cyan frame around it, a little outside so it reads on any colour.
  if (spec.marked_row >= 0 && spec.marked_row < spec.rows && spec.marked_col >= 0 && spec.marked_col < spec.cols) {
    const int r = spec.marked_row / grid.row_factor, c = spec.marked_col / grid.col_factor;
    const float t = std::max(2.0f, 0.15f * font);
    const ImVec2 a = cell_min(r, c), b = cell_max(r, c);
    draw->AddRect({a.x - t, a.y - t}, {b.x + t, b.y + t}, IM_COL32(0, 0, 0, 230), 0.0f, 0, t + 2.0f);
    draw->AddRect({a.x - t, a.y - t}, {b.x + t, b.y + t}, kMarkColor, 0.0f, 0, t);
  }

  // ---- Selected row: triangles outside the grid pointing at the row from both sides (the
  // right one in the gap before the colour bar), so the row's own cells stay uncovered.
  if (spec.selected_row >= 0 && spec.selected_row < spec.rows) {
    const int dr = spec.selected_row / grid.row_factor;
    const float yc = g0.y + (dr + 0.5f) * ch;
    const float half = 0.5f * std::clamp(ch, 0.5f * font, 0.8f * font);
    const float x_tip = g0.x - 2.0f, x_back = g0.x - gutter + 1.0f;
    draw->AddTriangleFilled({x_back, yc - half}, {x_back, yc + half}, {x_tip, yc}, TextColor());
    if (spec.legend) {
      const float rx_tip = g1.x + 2.0f, rx_back = g1.x + bar_gap - 0.15f * font;
      draw->AddTriangleFilled({rx_tip, yc}, {rx_back, yc + half}, {rx_back, yc - half}, TextColor());
    }
  }

  // ---- Hover: outline the cell and report it.
  const Cell hit = item_hovered ? CellAt(g0, g1, grid.rows, grid.cols, io.MousePos) : Cell{-1, -1};
  if (hit.row >= 0) {
    const ImVec2 a = cell_min(hit.row, hit.col), b = cell_max(hit.row, hit.col);
    draw->AddRect(a, b, IM_COL32(0, 0, 0, 220), 0.0f, 0, 3.0f);
    draw->AddRect(a, b, IM_COL32(255, 255, 255, 255), 0.0f, 0, 1.0f);
    result.hovered = true;
    result.row = hit.row * grid.row_factor;
    result.col = hit.col * grid.col_factor;
    result.value = grid.At(hit.row, hit.col);
    result.clicked = pressed;
  }

  // ---- Legend: colour bar (max at the top), min / mid / max ticks, swatches for the
  // non-finite kinds present.
  if (spec.legend) {
    const float x0 = g1.x + bar_gap, x1 = x0 + bar_w;
    const float y0 = g0.y, y1 = g0.y + widget_h - swatch_rows * swatch_row_h;
    for (int k = 0; k < kLegendSegments; ++k) {
      const float ta = 1.0f - float(k) / kLegendSegments, tb = 1.0f - float(k + 1) / kLegendSegments;
      const float ya = y0 + (y1 - y0) * k / kLegendSegments;
      const float yb = y0 + (y1 - y0) * (k + 1) / kLegendSegments;
      const ImU32 ca = MapColor(scale.map, ta), cb = MapColor(scale.map, tb);
      draw->AddRectFilledMultiColor({x0, ya}, {x1, yb}, ca, ca, cb, cb);
    }
    draw->AddRect({x0 - 1, y0 - 1}, {x1 + 1, y1 + 1}, TextColor(0.35f));
    for (int i = 0; i < 3; ++i) {
      const float y = y0 + (y1 - y0) * 0.5f * i;
      draw->AddLine({x1, y}, {x1 + tick_len, y}, TextColor(0.8f));
      const float ty = std::clamp(y - 0.5f * line_h, origin.y, origin.y + widget_h - line_h);
      draw->AddText({x1 + tick_len + 0.2f * font, ty}, TextColor(), tick_text[i]);
    }
    float sy = y1 + 0.3f * font;
    auto swatch_row = [&](const char* text, bool hatched, ImU32 fill) {
      const ImVec2 a(x0, sy + 0.5f * (line_h - swatch)), b(x0 + swatch, a.y + swatch);
      if (hatched) {
        AddHatchedRect(draw, a, b, fill, masked_hatch, hatch_spacing, a);
      } else {
        draw->AddRectFilled(a, b, fill);
      }
      draw->AddRect({a.x - 1, a.y - 1}, {b.x + 1, b.y + 1}, TextColor(0.35f));
      draw->AddText({x1 + tick_len + 0.2f * font, sy}, TextColor(), text);
      sy += swatch_row_h;
    };
    if (any_masked) swatch_row(kMaskedText, true, masked_fill);
    if (any_nan) swatch_row(kNoDataText, false, no_data_fill);
  }

  // ---- Tooltip: global indices, the value, and how the display was reduced.
  if (result.hovered) {
    const char* rl = spec.row_label ? spec.row_label : "row";
    const char* cl = spec.col_label ? spec.col_label : "col";
    const char* vl = spec.value_label ? spec.value_label : "";
    const int r0 = result.row + spec.row_offset, c0 = result.col + spec.col_offset;
    const int r1 = std::min(spec.rows, result.row + grid.row_factor) - 1 + spec.row_offset;
    const int c1 = std::min(spec.cols, result.col + grid.col_factor) - 1 + spec.col_offset;
    char where[96];
    if (r1 > r0 || c1 > c0) {
      std::snprintf(where, sizeof where, "%s %d-%d, %s %d-%d", rl, r0, r1, cl, c0, c1);
    } else {
      std::snprintf(where, sizeof where, "%s %d, %s %d", rl, r0, cl, c0);
    }
    const float v = result.value;
    ImGui::BeginTooltip();
    if (IsMasked(v)) {
      ImGui::Text("%s: -inf (masked)", where);
    } else if (std::isnan(v)) {
      ImGui::Text("%s: NaN (no data)", where);
    } else {
      ImGui::Text("%s: %s%s%s%.6g", where, grid.Reduced() ? "mean " : "", vl, vl[0] ? " = " : "", v);
    }
    if (grid.Reduced()) {
      ImGui::TextDisabled("each cell shows %d x %d values (%s), majority kind wins",
                          grid.row_factor, grid.col_factor,
                          grid.sampled ? "mean of a 4 x 4 sample" : "mean of the finite ones");
    }
    ImGui::EndTooltip();
  }
  return result;
}

}  // namespace viz
